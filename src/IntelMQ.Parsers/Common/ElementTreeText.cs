using System.Text;
using System.Xml.Linq;

namespace IntelMQ.Parsers.Common;

/// <summary>
/// Writes an XML element as Python's ElementTree.tostring does (CDATA as escaped text, an empty element as
/// <c>&lt;tag /&gt;</c>), which is how IntelMQ writes the raw text of a record taken from an XML report.
/// </summary>
public static class ElementTreeText
{
    public static string Write(XElement element, string? tail = null)
    {
        var text = new StringBuilder();
        Write(text, element, 0);
        if (tail is not null) Escape(text, tail, attribute: false);
        return text.ToString();
    }

    // Depth is bounded by the reader (MaxDepth on the XmlReader is not available, so the guard is here).
    static void Write(StringBuilder text, XElement element, int depth)
    {
        if (depth > 64) throw new InvalidDataException("the XML is nested deeper than 64 levels");
        text.Append('<').Append(element.Name.LocalName);
        foreach (var attribute in element.Attributes())
        {
            if (attribute.IsNamespaceDeclaration) continue;
            text.Append(' ').Append(attribute.Name.LocalName).Append("=\"");
            Escape(text, attribute.Value, attribute: true);
            text.Append('"');
        }
        if (!element.Nodes().Any(n => n is XElement || n is XText { Value.Length: > 0 }))
        {
            text.Append(" />");
            return;
        }
        text.Append('>');
        foreach (var node in element.Nodes())
        {
            if (node is XElement child) Write(text, child, depth + 1);
            else if (node is XText t) Escape(text, t.Value, attribute: false);
        }
        text.Append("</").Append(element.Name.LocalName).Append('>');
    }

    static void Escape(StringBuilder text, string value, bool attribute)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '&': text.Append("&amp;"); break;
                case '<': text.Append("&lt;"); break;
                case '>': text.Append("&gt;"); break;
                case '"' when attribute: text.Append("&quot;"); break;
                case '\n' when attribute: text.Append("&#10;"); break;
                default: text.Append(c); break;
            }
        }
    }
}
