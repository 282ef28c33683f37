using System.Text.Json;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Core.Interop;
using IntelMQ.Parsers.Common;

namespace IntelMQ.Parsers.Idea;

/// <summary>Parses CESNET IDEA (Warden) messages into IDF events (IDEA → IDF).</summary>
[Program("idea-parser", ProgramKind.Parser, "Parses CESNET IDEA (Warden) messages: one message or a JSON list of them (IDEA → IDF).",
    Description = """
        The library function IdeaFormat.ToEvent, the inverse of idea-expert: EventTime (else DetectTime) time.source,
        DetectTime time.observation, CeaseTime event.end, Category classification.type (the first row of
        src/IntelMQ.Core/Data/idea-categories.json that matches; the categories themselves in custom.idea_category when the
        type does not give them back), Confidence × 100 feed.accuracy, Description event_description.text (without a leading
        "feed.name: "), Note comment, Ref event_description.url, misp.event_uuid and misp.attribute_uuid (other references in
        custom.idea_ref), the first Source and Target source.* and destination.* (every address of all of them in related.ip,
        every host name in related.hosts; more elements, more values or address ranges keep the whole list in
        custom.idea_source / custom.idea_target), ID custom.idea_id, Node custom.idea_node. The raw data attached as OrigData
        is event.original (its Ref feed.url); without it, event.original is the message. A message that cannot be read goes
        to the dump with its position. IntelMQ has no IDEA parser, so this program answers to no IntelMQ module.
        """,
    FieldsRead = ["event.original"],
    FieldsWritten = ["@timestamp", "event.created", "event.end", "classification.type", "feed.accuracy", "feed.url", "message", "comment",
        "event.reference", "misp.*", "source.*", "destination.*", "network.transport", "network.protocol", "related.ip", "related.hosts", "custom.*", "event.original"],
    Examples = ["intelmq run idea-parser --in-format dho --out-format idf < warden-reports.jsonl"])]
public sealed class IdeaParser : IParser
{
    public void Parse(Event report, TextReader body, IEmitter output)
    {
        var text = JsonReport.ReadText(body);
        if (text.TrimStart().StartsWith('['))
        {
            foreach (var (index, message) in JsonReport.ReadList(new StringReader(text), output))
                Emit(report, message, message.GetRawText(), $"element {index}", output);
            return;
        }
        using var document = JsonReport.Parse(text);
        Emit(report, document.RootElement, text, "report", output);
    }

    static void Emit(Event report, JsonElement message, string original, string position, IEmitter output)
    {
        try
        {
            var ev = IdeaFormat.ToEvent(message, () => ReportFields.NewEvent(report));
            if (ev.Contains(Event.OriginalField))
            {
                ev.AssignStableId();
                output.Emit(ev);
            }
            else output.EmitParsed(ev, original);
        }
        catch (Exception ex) when (BadInput.Is(ex))
        {
            output.Reject(position, original, ex);
        }
    }
}
