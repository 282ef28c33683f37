using System.Text;
using AngleSharp.Dom;

namespace IntelMQ.Parsers.HtmlTable;

/// <summary>
/// Writes an HTML element as BeautifulSoup's <c>str(tag)</c> does (attributes sorted, void elements as <c>&lt;img/&gt;</c>,
/// the minimal escaping, a whitespace-only text as one newline or space), which is how IntelMQ writes a table row's raw
/// text, and reads an element's text the same way. Iterative, so a deeply nested row cannot exhaust the stack.
/// </summary>
public static class BeautifulSoupText
{
    static readonly HashSet<string> VoidElements =
    [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "menuitem", "meta", "param", "source", "track", "wbr",
        "basefont", "bgsound", "command", "frame", "image", "isindex", "nextid", "spacer",
    ];

    static readonly HashSet<string> WhitespaceKeeping = ["pre", "textarea"];
    static readonly HashSet<string> RawTextElements = ["script", "style"];

    public static string Write(IElement root)
    {
        var sb = new StringBuilder();
        // Pending work: a node to open, or (node, true) to close an element after its children.
        var work = new Stack<(INode Node, bool Close)>();
        work.Push((root, false));
        while (work.Count > 0)
        {
            var (node, close) = work.Pop();
            if (close)
            {
                sb.Append("</").Append(((IElement)node).LocalName).Append('>');
                continue;
            }
            switch (node)
            {
                case IElement element:
                    OpenTag(sb, element);
                    if (VoidElements.Contains(element.LocalName)) break;
                    work.Push((element, true));
                    var children = element.ChildNodes;
                    for (var i = children.Length - 1; i >= 0; i--) work.Push((children[i], false));
                    break;
                case IText text:
                    var parent = text.ParentElement?.LocalName ?? "";
                    if (RawTextElements.Contains(parent)) sb.Append(text.Data);
                    else Escape(sb, Collapse(text), escapeQuote: false);
                    break;
                case IComment comment:
                    sb.Append("<!--").Append(comment.Data).Append("-->");
                    break;
            }
        }
        return sb.ToString();
    }

    /// <summary>The element's text as BeautifulSoup's <c>.text</c> reads it: its text nodes in order, whitespace-only ones collapsed.</summary>
    public static string Text(IElement root)
    {
        var sb = new StringBuilder();
        var work = new Stack<INode>();
        work.Push(root);
        while (work.Count > 0)
        {
            var node = work.Pop();
            if (node is IText text) sb.Append(Collapse(text));
            else if (node is IElement)
                PushChildren(work, node);
        }
        return sb.ToString();
    }

    /// <summary>Pushes a node's children so that they pop in document order (by index: a sibling walk costs the sibling count per step).</summary>
    public static void PushChildren(Stack<INode> work, INode node)
    {
        var children = node.ChildNodes;
        for (var i = children.Length - 1; i >= 0; i--) work.Push(children[i]);
    }

    static string Collapse(IText text)
    {
        var data = text.Data;
        if (data.AsSpan().IndexOfAnyExcept(" \t\n\r\f") >= 0 || InWhitespaceKeeping(text)) return data;
        return data.Contains('\n') ? "\n" : data.Length > 0 ? " " : "";
    }

    static bool InWhitespaceKeeping(INode node)
    {
        for (var parent = node.ParentElement; parent is not null; parent = parent.ParentElement)
            if (WhitespaceKeeping.Contains(parent.LocalName)) return true;
        return false;
    }

    static void OpenTag(StringBuilder sb, IElement element)
    {
        sb.Append('<').Append(element.LocalName);
        var attributes = element.Attributes.Select(a => (a.Name, a.Value)).ToList();
        attributes.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        foreach (var (name, value) in attributes)
        {
            sb.Append(' ').Append(name).Append('=');
            // Double quotes, single ones when the value holds a double quote, &quot; when it holds both.
            var quote = value.Contains('"') && !value.Contains('\'') ? '\'' : '"';
            sb.Append(quote);
            Escape(sb, value, escapeQuote: quote == '"');
            sb.Append(quote);
        }
        sb.Append(VoidElements.Contains(element.LocalName) ? "/>" : ">");
    }

    static void Escape(StringBuilder sb, string value, bool escapeQuote)
    {
        foreach (var c in value)
            switch (c)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"' when escapeQuote: sb.Append("&quot;"); break;
                default: sb.Append(c); break;
            }
    }
}
