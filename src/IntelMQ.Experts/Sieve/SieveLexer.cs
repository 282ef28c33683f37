using System.Globalization;
using System.Text;
using IntelMQ.Contract;

namespace IntelMQ.Experts.Sieve;

/// <summary>Splits a sieve file into tokens; comments (<c>#</c>, <c>//</c>, <c>/* */</c>) are skipped.</summary>
static class SieveLexer
{
    static readonly string[] Symbols = ["+=", "-=", "==", "!=", "=~", "!~", "<<", "<=", ">=", "&&", "||", "{", "}", "(", ")", "[", "]", ",", "=", "<", ">", "!"];

    public static List<SieveToken> Tokenize(string text, string source)
    {
        var tokens = new List<SieveToken>();
        int i = 0, line = 1, lineStart = 0;
        while (true)
        {
            // White space and comments.
            while (i < text.Length)
            {
                var c = text[i];
                if (c == '\n') { line++; lineStart = ++i; }
                else if (char.IsWhiteSpace(c)) i++;
                else if (c == '#' || (c == '/' && At(text, i + 1) == '/')) { while (i < text.Length && text[i] != '\n') i++; }
                else if (c == '/' && At(text, i + 1) == '*')
                {
                    var end = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                    if (end < 0) throw Error(source, line, i - lineStart + 1, "a comment opened with /* is never closed");
                    for (; i < end + 2; i++)
                        if (text[i] == '\n') { line++; lineStart = i + 1; }
                }
                else break;
            }
            var column = i - lineStart + 1;
            if (i >= text.Length)
            {
                tokens.Add(new(TokenKind.End, "end of file", null, line, column));
                return tokens;
            }
            var ch = text[i];
            if (ch is '\'' or '"')
            {
                var value = new StringBuilder();
                var j = i + 1;
                for (; j < text.Length && text[j] != ch; j++)
                {
                    if (text[j] == '\n') break;
                    // Only the quote itself is escaped: regular expressions keep their backslashes.
                    if (text[j] == '\\' && At(text, j + 1) == ch) j++;
                    value.Append(text[j]);
                }
                if (j >= text.Length || text[j] != ch) throw Error(source, line, column, "a string is not closed on its line");
                tokens.Add(new(TokenKind.String, text[i..(j + 1)], value.ToString(), line, column));
                i = j + 1;
            }
            else if (char.IsAsciiDigit(ch) || (ch == '-' && char.IsAsciiDigit(At(text, i + 1))))
            {
                var j = i + 1;
                while (j < text.Length && (char.IsAsciiDigit(text[j]) || text[j] == '.')) j++;
                var number = text[i..j];
                object value = long.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) ? l
                    : double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d
                    : throw Error(source, line, column, $"'{number}' is not a number");
                tokens.Add(new(TokenKind.Number, number, value, line, column));
                i = j;
            }
            else if (ch == ':' || ch == '$' || char.IsAsciiLetter(ch) || ch == '_')
            {
                var j = i + 1;
                while (j < text.Length && IsNamePart(text, j)) j++;
                var word = text[i..j];
                // add! and append! are one token; a '!' after other words is a negation.
                if (At(text, j) == '!' && At(text, j + 1) != '=' && At(text, j + 1) != '~' && word is "add" or "append")
                    word = text[i..++j];
                var kind = ch == ':' ? TokenKind.Operator : ch == '$' ? TokenKind.Variable : TokenKind.Word;
                if (word.Length == 1) throw Error(source, line, column, $"'{ch}' must be followed by a name");
                tokens.Add(new(kind, word, null, line, column));
                i = j;
            }
            else
            {
                var symbol = Symbols.FirstOrDefault(s => string.CompareOrdinal(text, i, s, 0, s.Length) == 0)
                             ?? throw Error(source, line, column, $"unexpected character '{ch}'");
                tokens.Add(new(TokenKind.Symbol, symbol, null, line, column));
                i += symbol.Length;
            }
        }
    }

    static bool IsNamePart(string text, int j)
    {
        var c = text[j];
        return char.IsAsciiLetterOrDigit(c) || c is '_' or '.' || (c == '-' && char.IsAsciiLetterOrDigit(At(text, j + 1)) && j > 0 && text[j - 1] != ' ');
    }

    static char At(string text, int i) => i < text.Length ? text[i] : '\0';

    public static ConfigurationException Error(string source, int line, int column, string message) =>
        new($"sieve-expert: {source}, line {line}, column {column}: {message}.");
}
