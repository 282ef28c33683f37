using IntelMQ.Core;

namespace IntelMQ.Contract;

/// <summary>
/// Turns a report into events. The body is streamed so that a report of any size parses in bounded memory.
/// Implementers reject bad parts through <see cref="IEmitter.Reject(string, string, Exception)"/> and throw only when
/// the whole report is unusable.
/// </summary>
public interface IParser
{
    /// <param name="report">The report's metadata (feed.*, custom.file_name, event.created, event.id); its body is <paramref name="body"/>.</param>
    void Parse(Event report, TextReader body, IEmitter output);
}

/// <summary>
/// A parser of binary or compressed reports (PCAP, zip, a protocol's own framing): it reads the body as bytes.
/// The runtime decompresses gzip and zip bodies for text parsers; a byte parser gets the body as it came.
/// </summary>
public interface IStreamParser
{
    void Parse(Event report, Stream body, IEmitter output);
}
