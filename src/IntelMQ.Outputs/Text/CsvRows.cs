using System.Text;

namespace IntelMQ.Outputs.Text;

/// <summary>Writes CSV rows (RFC 4180: quotes doubled inside quoted cells, CRLF kept inside them) with a chosen delimiter and quoting.</summary>
internal sealed class CsvRows(string delimiter, CsvQuoting quoting, string lineEnd = "\r\n")
{
    /// <summary>Appends one row; false (and nothing appended) when a cell would need quotes and quoting is none.</summary>
    public bool TryAppend(StringBuilder text, IReadOnlyList<string?> cells)
    {
        var start = text.Length;
        for (var i = 0; i < cells.Count; i++)
        {
            if (i > 0) text.Append(delimiter);
            var cell = cells[i] ?? "";
            var needsQuotes = cell.Contains(delimiter, StringComparison.Ordinal) || cell.AsSpan().IndexOfAny('"', '\r', '\n') >= 0;
            if (needsQuotes && quoting == CsvQuoting.None)
            {
                text.Length = start;
                return false;
            }
            if (needsQuotes || quoting == CsvQuoting.All) text.Append('"').Append(cell.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            else text.Append(cell);
        }
        text.Append(lineEnd);
        return true;
    }
}
