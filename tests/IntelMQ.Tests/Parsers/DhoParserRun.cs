using IntelMQ.Core;

namespace IntelMQ.Tests.Parsers;

/// <summary>Runs a parser on a text report and keeps what it emitted and rejected.</summary>
public sealed class DhoParserRun : IEmitter
{
    public List<Event> Events { get; } = [];
    public List<(string Position, string Content, Exception Error)> Rejected { get; } = [];

    public static DhoParserRun Of(IParser parser, string body, Action<Event>? report = null)
    {
        var ev = new Event(MessageKind.Report);
        ev.Add("feed.name", "Test Feed");
        report?.Invoke(ev);
        var run = new DhoParserRun();
        parser.Parse(ev, new StringReader(body), run);
        return run;
    }

    public void Emit(Event ev, string path = IntelMQ.Contract.Paths.Default) => Events.Add(ev);
    public void Reject(string position, string content, Exception error) => Rejected.Add((position, content, error));
    public void Reject(string position, ReadOnlySpan<byte> content, Exception error) => Rejected.Add((position, System.Text.Encoding.Latin1.GetString(content), error));
    public void Drop(Event ev, string reason) => throw new InvalidOperationException($"unexpected drop: {reason}");
}
