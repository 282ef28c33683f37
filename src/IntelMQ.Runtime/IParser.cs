using IntelMQ.Core;

namespace IntelMQ.Runtime;

/// <summary>
/// Turns a report into events. The body is streamed so that a report of any size parses in bounded memory.
/// Implementers reject bad parts through <see cref="IEmitter.Reject"/> and throw only when the whole report is unusable.
/// </summary>
public interface IParser
{
    /// <param name="report">The report's metadata (feed.*, custom.file_name, event.created); its body is <paramref name="body"/>.</param>
    void Parse(Event report, TextReader body, IEmitter output);
}
