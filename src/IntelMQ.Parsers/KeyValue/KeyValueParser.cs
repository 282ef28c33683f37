using System.Globalization;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.KeyValue;

/// <summary>IntelMQ's key=value parser: log lines of key=value pairs (FortiGate and the like), one event per line.</summary>
[Program("key-value-parser", ProgramKind.Parser, "Parses log lines of key=value pairs (FortiGate and the like), the keys mapped to fields by configuration.",
    Modules = ["intelmq.bots.parsers.key_value.parser"],
    Options = typeof(KeyValueParserOptions),
    Description = """
        Splits each line at pair_separator into pairs and each pair at the first kv_separator; the keys named in keys go to
        their fields, the others are ignored, and so are words without a separator (a log's header or trailer). Values cannot
        contain the pair separator, quoted or not (as in IntelMQ). A time.source value that is a number is seconds since 1970,
        otherwise a time in a common form; one that is neither is left out with a warning in the dump. The line is
        event.original. A line whose value its field refuses goes to the dump with its line number.
        """,
    FieldsRead = ["event.original", "feed.*", "event.created"],
    FieldsWritten = ["*"],
    Examples = ["intelmq run key-value-parser --raw --set keys='{\"srcip\":\"source.ip\",\"dstip\":\"destination.ip\"}' < fortigate.log"])]
public sealed class KeyValueParser : IParser
{
    readonly KeyValueParserOptions _options;
    readonly IReadOnlyDictionary<string, string> _keys;

    /// <exception cref="ConfigurationException">A separator is empty or a key maps to no IntelMQ field.</exception>
    public KeyValueParser(KeyValueParserOptions? options = null)
    {
        _options = options ?? new KeyValueParserOptions();
        if (_options.PairSeparator.Length == 0) throw new ConfigurationException("key-value-parser: option 'pair_separator' must not be empty.");
        if (_options.KvSeparator.Length == 0) throw new ConfigurationException("key-value-parser: option 'kv_separator' must not be empty.");
        _keys = _options.Keys ?? new Dictionary<string, string>();
        foreach (var (key, field) in _keys)
            if (DhoMapping.ToIdf(field) is null) throw new ConfigurationException($"key-value-parser: option 'keys': '{field}' (for {key}) is not an IntelMQ field.");
    }

    public void Parse(Event report, TextReader body, IEmitter output)
    {
        var lines = new LineReader(body, _options.MaxLineSize);
        while (lines.Read(out _) is { } line)
        {
            if (line.AsSpan().Trim().IsEmpty) continue;
            var position = $"line {lines.Number}";
            if (lines.TooLong)
            {
                output.Reject(position, line, new InvalidDataException($"the line is longer than max_line_size ({_options.MaxLineSize} characters)"));
                continue;
            }
            try
            {
                output.Emit(Build(report, line, position, output));
            }
            catch (InvalidFieldException ex)
            {
                output.Reject(position, line, ex);
            }
        }
    }

    Event Build(Event report, string line, string position, IEmitter output)
    {
        var ev = DhoEvent.New(report, _options);
        foreach (var pair in line.Split(_options.PairSeparator))
        {
            var at = pair.IndexOf(_options.KvSeparator, StringComparison.Ordinal);
            if (at < 0 || !_keys.TryGetValue(pair[..at], out var field)) continue;
            var value = pair[(at + _options.KvSeparator.Length)..];
            if (_options.StripQuotes && value.Length >= 2 && value[0] is '"' or '\'' && value[^1] == value[0]) value = value[1..^1];
            if (field == "time.source")
            {
                try
                {
                    value = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _) ? DhoTime.Parse(value, "timestamp") : DhoTime.Lenient(value);
                }
                catch (FormatException ex)
                {
                    output.Reject(position, line, new InvalidDataException($"time.source left out: {ex.Message}", ex));
                    continue;
                }
            }
            DhoEvent.Add(ev, field, value, overwrite: true);
        }
        return DhoEvent.Complete(ev, _options, line);
    }
}
