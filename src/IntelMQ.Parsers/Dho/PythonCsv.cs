using System.Text;

namespace IntelMQ.Parsers.Dho;

/// <summary>
/// Python's csv module (excel dialect, a chosen delimiter) for the rows IntelMQ's CSV parsers read and write:
/// a quote opens a quoted cell only at the start of a cell, "" inside it is one quote, anything after the closing
/// quote joins the cell; writing quotes only cells that need it.
/// </summary>
public static class PythonCsv
{
    /// <summary>Splits a record's text into cells; false when the text ends inside a quoted cell (the record goes on on the next line).</summary>
    public static bool TrySplit(string record, char delimiter, List<string> cells)
    {
        cells.Clear();
        var cell = new StringBuilder();
        var state = 0; // 0 start of cell, 1 unquoted, 2 quoted, 3 quote inside quoted
        foreach (var c in record)
        {
            switch (state)
            {
                case 0 when c == '"': state = 2; break;
                case 0 or 1 when c == delimiter: cells.Add(cell.ToString()); cell.Clear(); state = 0; break;
                case 0 or 1: cell.Append(c); state = 1; break;
                case 2 when c == '"': state = 3; break;
                case 2: cell.Append(c); break;
                case 3 when c == '"': cell.Append('"'); state = 2; break;
                case 3 when c == delimiter: cells.Add(cell.ToString()); cell.Clear(); state = 0; break;
                case 3: cell.Append(c); state = 1; break;
            }
        }
        if (state == 2) return false;
        cells.Add(cell.ToString());
        return true;
    }

    /// <summary>A row as Python's csv.writer writes it with a comma delimiter and minimal quoting, without the line end.</summary>
    public static string Join(IReadOnlyList<string> cells, char delimiter = ',')
    {
        var sb = new StringBuilder();
        for (var i = 0; i < cells.Count; i++)
        {
            if (i > 0) sb.Append(delimiter);
            var cell = cells[i];
            if (cell.Contains(delimiter) || cell.AsSpan().IndexOfAny("\"\r\n") >= 0 || (cells.Count == 1 && cell.Length == 0))
                sb.Append('"').Append(cell.Replace("\"", "\"\"")).Append('"');
            else sb.Append(cell);
        }
        return sb.ToString();
    }
}
