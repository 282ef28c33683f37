using IntelMQ.Contract;
using IntelMQ.Core;

namespace IntelMQ.Parsers.Dho;

/// <summary>
/// Runs a line-based feed: each line (ends removed) to <paramref name="build"/>, which returns an event, null for a line
/// that holds none (comments, headers), or throws for a bad line, which goes to the dump with its line number.
/// </summary>
public static class LineParser
{
    /// <summary>The longest line a line-based feed may have; a longer one is dumped (its start) and reading goes on.</summary>
    public const int MaxLineSize = 1 << 20;

    public static void Run(TextReader body, IEmitter output, Func<string, IEnumerable<Event>> build)
    {
        var lines = new LineReader(body, MaxLineSize);
        while (lines.Read(out _) is { } line)
        {
            var position = $"line {lines.Number}";
            if (lines.TooLong)
            {
                output.Reject(position, line, new InvalidDataException($"the line is longer than {MaxLineSize} characters"));
                continue;
            }
            List<Event> events;
            try
            {
                events = build(line).ToList();
            }
            catch (Exception ex) when (ex is InvalidFieldException or FormatException or InvalidDataException or System.Text.Json.JsonException)
            {
                output.Reject(position, line, ex);
                continue;
            }
            foreach (var ev in events) output.Emit(ev);
        }
    }
}
