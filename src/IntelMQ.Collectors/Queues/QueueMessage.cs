using System.Text;
using System.Text.Json;
using IntelMQ.Contract;
using IntelMQ.Core;

namespace IntelMQ.Collectors.Queues;

/// <summary>A message taken from a queue other systems fill, as the report it becomes.</summary>
static class QueueMessage
{
    static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>
    /// The message as a report: its body as it is, or, when it is an IntelMQ report (<paramref name="intelmqReport"/>),
    /// the report's raw as the body and its fields as the report's. A message that is not an IntelMQ report becomes a
    /// report the host dumps with the message as its event.original, and settles.
    /// </summary>
    public static CollectedReport Report(byte[] body, bool intelmqReport, string origin, Func<CancellationToken, ValueTask> commit)
    {
        if (!intelmqReport) return new CollectedReport(new Event(MessageKind.Report), new MemoryStream(body, writable: false)) { Origin = origin, Commit = commit };
        Event report;
        try
        {
            var messages = EventJson.Read(body);
            if (messages is not [{ Kind: MessageKind.Report } one])
                throw new InvalidDataException($"expect_intelmq_message: the message is {(messages.Count == 1 ? "an IntelMQ event" : $"{messages.Count} messages")}, not one IntelMQ report; events from another IntelMQ go to an input channel instead (docs/channels.md)");
            report = one;
        }
        catch (Exception ex) when (ex is JsonException or InvalidFieldException or InvalidDataException)
        {
            var unusable = new Event(MessageKind.Report);
            var error = ex as InvalidDataException ?? new InvalidDataException($"expect_intelmq_message: the message is not an IntelMQ report: {ex.Message}", ex);
            try
            {
                unusable.Add(Event.OriginalField, StrictUtf8.GetString(body));
            }
            catch (DecoderFallbackException)
            {
                unusable.Add(Event.OriginalField, Convert.ToBase64String(body));
            }
            return new CollectedReport(unusable, Stream.Null) { Origin = origin, Commit = commit, Error = error };
        }
        var raw = report[Event.OriginalField] as string ?? "";
        report.Remove(Event.OriginalField);
        report.Remove(Event.IdField);
        return new CollectedReport(report, new MemoryStream(Encoding.UTF8.GetBytes(raw), writable: false)) { Origin = origin, Commit = commit };
    }
}
