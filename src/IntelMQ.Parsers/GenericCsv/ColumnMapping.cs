using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.GenericCsv;

/// <summary>
/// IntelMQ's <c>columns</c> parameter of the generic CSV and HTML table parsers: cells in order, each going to the
/// first of its fields that takes it, after the per-field regular expressions, time format, URL scheme, data types
/// and type translation.
/// </summary>
public sealed class ColumnMapping
{
    const string Ignore = "__IGNORE__";
    static readonly JsonDocumentOptions JsonLimits = new() { MaxDepth = 64 };
    static readonly string ClassificationType = "classification.type";

    readonly string[][] _columns;
    readonly bool[] _required;
    readonly Dictionary<string, Regex> _regex = new(StringComparer.Ordinal);
    readonly string? _timeFormat;
    readonly string? _urlProtocol;
    readonly IReadOnlyDictionary<string, string> _dataType;
    readonly IReadOnlyDictionary<string, string> _typeTranslation;

    /// <exception cref="ConfigurationException">A column names no IntelMQ field, a regular expression or time format is invalid.</exception>
    public ColumnMapping(string program, string[] columns, IReadOnlyDictionary<string, string>? regexSearch = null, string? timeFormat = null,
        string? defaultUrlProtocol = null, IReadOnlyDictionary<string, string>? dataType = null, IReadOnlyDictionary<string, string>? typeTranslation = null,
        string[]? required = null)
    {
        _columns = columns.Select(c => c.Split('|', StringSplitOptions.TrimEntries)).ToArray();
        foreach (var key in _columns.SelectMany(c => c))
            if (key.Length > 0 && key != Ignore && DhoMapping.ToIdf(key) is null)
                throw new ConfigurationException($"{program}: option 'columns': '{key}' is not an IntelMQ field; use IntelMQ's names (source.ip, extra.your_name) or __IGNORE__.");
        _required = new bool[_columns.Length];
        for (var i = 0; i < _required.Length; i++)
            _required[i] = required is null || i >= required.Length || !bool.TryParse(required[i], out var r) || r;
        foreach (var (key, pattern) in regexSearch ?? new Dictionary<string, string>())
        {
            try
            {
                _regex[key] = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException ex)
            {
                throw new ConfigurationException($"{program}: option 'column_regex_search': the expression of '{key}' is invalid: {ex.Message}");
            }
        }
        if (DhoTime.Problem(timeFormat) is { } problem) throw new ConfigurationException($"{program}: option 'time_format': {problem}.");
        _timeFormat = timeFormat is { Length: > 0 } ? timeFormat : null;
        _urlProtocol = defaultUrlProtocol is { Length: > 0 } ? defaultUrlProtocol : null;
        _dataType = dataType ?? new Dictionary<string, string>();
        foreach (var (key, type) in _dataType)
            if (type != "json") throw new ConfigurationException($"{program}: option 'data_type': '{type}' (for {key}) is not a data type; json is the one there is.");
        _typeTranslation = typeTranslation ?? new Dictionary<string, string>();
    }

    public int Count => _columns.Length;

    /// <summary>Puts the cells into the event; a cell that no field of its column takes fails the row (unless the column is not required).</summary>
    /// <exception cref="InvalidFieldException">A required cell's value fits none of its column's fields.</exception>
    public void Apply(Event ev, IReadOnlyList<string> cells)
    {
        for (var i = 0; i < _columns.Length && i < cells.Count; i++)
        {
            var keys = _columns[i];
            if (keys is [""] or [Ignore]) continue;
            Exception? failure = null;
            var taken = false;
            foreach (var key in keys)
            {
                if (key == Ignore || key.Length == 0)
                {
                    taken = true;
                    break;
                }
                try
                {
                    var value = Convert(key, cells[i]);
                    if (DhoEvent.IsEmpty(value)) { taken = true; break; }
                    DhoEvent.Add(ev, key, value);
                    taken = true;
                    break;
                }
                catch (Exception ex) when (ex is InvalidFieldException or FormatException or JsonException or RegexMatchTimeoutException)
                {
                    failure ??= ex;
                }
            }
            if (!taken && _required[i])
                throw failure as InvalidFieldException ?? new InvalidFieldException(keys[0], $"column {i + 1} ({string.Join("|", keys)}): {failure?.Message}");
        }
    }

    object? Convert(string key, string cell)
    {
        string? value = cell;
        if (_regex.TryGetValue(key, out var regex)) value = regex.Match(cell) is { Success: true } m ? m.Value : null;
        if (DhoEvent.IsEmpty(value)) return null;
        if (key.StartsWith("time.", StringComparison.Ordinal)) return DhoTime.Parse(value!, _timeFormat);
        if (_urlProtocol is not null && key.EndsWith(".url", StringComparison.Ordinal) && !value!.Contains("://", StringComparison.Ordinal))
            value = _urlProtocol + value;
        if (key == ClassificationType && _typeTranslation.TryGetValue(value!, out var translated)) value = translated;
        if (_dataType.TryGetValue(key, out var type) && type == "json") return JsonNode.Parse(value!, documentOptions: JsonLimits);
        return value;
    }

    /// <summary>Python's <c>str.format</c> over the cells by index ({0}, {1}); a placeholder past the row's end fails.</summary>
    /// <exception cref="FormatException">The template names a cell the row does not have.</exception>
    public static string Compose(string template, IReadOnlyList<string> cells)
    {
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if (c == '{' && i + 1 < template.Length && template[i + 1] == '{') { sb.Append('{'); i++; continue; }
            if (c == '}' && i + 1 < template.Length && template[i + 1] == '}') { sb.Append('}'); i++; continue; }
            if (c != '{') { sb.Append(c); continue; }
            var close = template.IndexOf('}', i);
            if (close < 0 || !int.TryParse(template.AsSpan(i + 1, close - i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index >= cells.Count)
                throw new FormatException($"compose_fields: '{template}' names a cell the row does not have");
            sb.Append(cells[index]);
            i = close;
        }
        return sb.ToString();
    }
}
