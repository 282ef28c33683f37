using System.Text;
using IntelMQ.Contract;

namespace IntelMQ.Parsers.Common;

/// <summary>
/// Reads a report body line by line in bounded memory: a line longer than the limit is rejected (its first 64 KiB go to
/// the dump) and reading resumes at the next line. Line ends are \n, \r\n or \r.
/// </summary>
public static class ReportLines
{
    /// <summary>The longest line the list parsers accept, in characters.</summary>
    public const int MaxLength = 1 << 20;

    const int DumpedPrefix = 64 * 1024;

    public static IEnumerable<ReportLine> Read(TextReader body, IEmitter rejects, int maxLength = MaxLength)
    {
        var buffer = new char[16 * 1024];
        var line = new StringBuilder();
        var number = 1;
        var tooLong = false;
        var afterCr = false;
        int n;
        while ((n = body.Read(buffer, 0, buffer.Length)) > 0)
        {
            var start = 0;
            for (var i = 0; i < n; i++)
            {
                var c = buffer[i];
                if (c != '\n' && c != '\r')
                {
                    afterCr = false;
                    continue;
                }
                if (c == '\n' && afterCr)
                {
                    // The \n of a \r\n: the line ended at the \r.
                    afterCr = false;
                    start = i + 1;
                    continue;
                }
                afterCr = c == '\r';
                Append(line, buffer.AsSpan(start, i - start), maxLength, ref tooLong);
                start = i + 1;
                if (Finish(line, number++, ref tooLong, rejects, maxLength) is { } complete) yield return complete;
            }
            Append(line, buffer.AsSpan(start, n - start), maxLength, ref tooLong);
        }
        if (line.Length > 0 || tooLong)
            if (Finish(line, number, ref tooLong, rejects, maxLength) is { } last) yield return last;
    }

    static void Append(StringBuilder line, ReadOnlySpan<char> chars, int maxLength, ref bool tooLong)
    {
        if (tooLong) return;
        if (line.Length + chars.Length > maxLength)
        {
            tooLong = true;
            line.Append(chars[..Math.Max(0, Math.Min(chars.Length, DumpedPrefix - line.Length))]);
            return;
        }
        line.Append(chars);
    }

    static ReportLine? Finish(StringBuilder line, int number, ref bool tooLong, IEmitter rejects, int maxLength)
    {
        var text = line.ToString();
        line.Clear();
        if (!tooLong) return new ReportLine(number, text);
        tooLong = false;
        rejects.Reject($"line {number}", text.Length > DumpedPrefix ? text[..DumpedPrefix] : text,
            new InvalidDataException($"the line is longer than {maxLength} characters"));
        return null;
    }
}
