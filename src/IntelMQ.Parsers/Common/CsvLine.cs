using System.Text;

namespace IntelMQ.Parsers.Common;

/// <summary>Splits one CSV line (RFC 4180 quoting, on one line) into its cells.</summary>
public static class CsvLine
{
    /// <exception cref="InvalidDataException">A quote is not closed on the line.</exception>
    public static List<string> Split(string line, char separator = ',')
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c != '"') cell.Append(c);
                else if (i + 1 < line.Length && line[i + 1] == '"') cell.Append(line[++i]);
                else quoted = false;
            }
            else if (c == '"') quoted = true;
            else if (c == separator)
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else cell.Append(c);
        }
        if (quoted) throw new InvalidDataException("a quoted cell is not closed on its line");
        cells.Add(cell.ToString());
        return cells;
    }
}
