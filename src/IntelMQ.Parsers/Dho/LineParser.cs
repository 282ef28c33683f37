using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;

namespace IntelMQ.Parsers.Dho;

/// <summary>
/// Runs a line-based feed: each line (ends removed) to <paramref name="build"/>, which returns an event, null for a line
/// that holds none (comments, headers), or throws for a bad line, which goes to the dump with its line number. Lines
/// are read by <see cref="ReportLines"/> (bounded; a longer line is dumped and reading goes on).
/// </summary>
public static class LineParser
{
    public static void Run(TextReader body, IEmitter output, Func<string, IEnumerable<Event>> build)
    {
        foreach (var line in ReportLines.Read(body, output))
        {
            List<Event> events;
            try
            {
                events = build(line.Text).ToList();
            }
            catch (Exception ex) when (ex is InvalidFieldException or FormatException or InvalidDataException or System.Text.Json.JsonException)
            {
                output.Reject(line.Position, line.Text, ex);
                continue;
            }
            foreach (var ev in events) output.Emit(ev);
        }
    }
}
