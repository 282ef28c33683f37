using IntelMQ.Contract;
using IntelMQ.Core;

namespace IntelMQ.Parsers.Common;

/// <summary>
/// The shape most list feeds share: lines of data between comment lines. Blank lines are skipped; each other line is
/// handed to <see cref="ParseLine"/>, and a line that fails goes to the dump with its line number while the rest go on.
/// </summary>
public abstract class LineListParser : IParser
{
    /// <summary>Lines starting with this are comments; null when the feed has none.</summary>
    protected virtual string? CommentPrefix => "#";

    public void Parse(Event report, TextReader body, IEmitter output)
    {
        var state = Begin(report);
        foreach (var line in ReportLines.Read(body, output))
        {
            var text = line.Text.Trim();
            if (text.Length == 0) continue;
            if (CommentPrefix is { } prefix && text.StartsWith(prefix, StringComparison.Ordinal))
            {
                Comment(state, text);
                continue;
            }
            try
            {
                ParseLine(report, state, line with { Text = text }, output);
            }
            catch (Exception ex) when (BadInput.Is(ex))
            {
                output.Reject(line.Position, line.Text, ex);
            }
        }
    }

    /// <summary>What one report's parse keeps between lines (a date from its header, say); an object of the parser's choice.</summary>
    protected virtual object? Begin(Event report) => null;

    /// <summary>A comment line, for feeds that put the report's date in one.</summary>
    protected virtual void Comment(object? state, string line) { }

    /// <summary>Turns one data line (trimmed) into events and emits them; throws on a bad line.</summary>
    protected abstract void ParseLine(Event report, object? state, ReportLine line, IEmitter output);
}
