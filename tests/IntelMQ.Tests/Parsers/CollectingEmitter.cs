using System.Text;
using IntelMQ.Core;

namespace IntelMQ.Tests.Parsers;

/// <summary>An emitter that keeps what a parser hands on, for assertions.</summary>
public sealed class CollectingEmitter : IEmitter
{
    public List<Event> Events { get; } = [];
    public List<(string Position, string Content, Exception Error)> Rejected { get; } = [];
    public List<(Event Event, string Reason)> Dropped { get; } = [];

    public void Emit(Event ev, string path = "_default") => Events.Add(ev);
    public void Reject(string position, string content, Exception error) => Rejected.Add((position, content, error));
    public void Reject(string position, ReadOnlySpan<byte> content, Exception error) => Rejected.Add((position, Encoding.Latin1.GetString(content), error));
    public void Drop(Event ev, string reason) => Dropped.Add((ev, reason));

    /// <summary>Runs a parser on a report body with the given report fields (IntelMQ names, e.g. feed.url).</summary>
    public static CollectingEmitter Run(IParser parser, string body, params (string Dho, object Value)[] reportFields)
    {
        var report = new Event(MessageKind.Report);
        foreach (var (dho, value) in reportFields) report.Add(DhoMapping.ToIdf(dho)!, value);
        var output = new CollectingEmitter();
        parser.Parse(report, new StringReader(body), output);
        return output;
    }
}
