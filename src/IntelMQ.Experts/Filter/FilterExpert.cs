using System.Globalization;
using System.Text.RegularExpressions;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.Filter;

/// <summary>Passes on or drops events by one field's value or by time.source, as IntelMQ's filter expert does.</summary>
[Program("filter-expert", ProgramKind.Expert, "Keeps or drops events by a field's value (exact or regular expression) or by time.source.",
    Modules = ["intelmq.bots.experts.filter.expert"],
    Options = typeof(FilterExpertOptions),
    Paths = ["filter_match", "filter_no_match", "action_other"],
    TakesReports = true,
    Description = """
        An event matches when filter_key has filter_value (or, with filter_regex, the expression is found in it).
        With filter_action=keep matching events pass on and others are dropped; with drop, the reverse. A dropped
        event is counted with the reason (and goes to drop_path when one is set). Besides, every event goes to the
        named path filter_match or filter_no_match, and a dropped one to action_other, as in IntelMQ. not_before and
        not_after drop events whose time.source is outside the window (absolute times, or spans back from now such
        as '2 days'); an event without time.source passes the time filter. Reports are filtered like events.
        """,
    FieldsRead = ["@timestamp"],
    Examples = ["intelmq run filter-expert --set filter_key=classification.type --set filter_value=spam --set filter_action=drop < events.jsonl",
        "intelmq run filter-expert --set not_before='7 days' < events.jsonl"])]
public sealed class FilterExpert : IExpert
{
    const string Program = "filter-expert", TimeSource = "@timestamp";

    readonly string? _field;
    readonly string _value;
    readonly Regex? _regex;
    readonly bool _keep;
    readonly Func<DateTimeOffset>? _notBefore, _notAfter;
    readonly ProgramContext _context;
    readonly string? _dropMatching, _dropNotMatching;

    public FilterExpert(FilterExpertOptions options, ProgramContext context)
    {
        _context = context;
        _value = options.FilterValue;
        if (options.FilterKey.Length > 0)
        {
            _field = IntelMQFields.Require(Program, "filter_key", options.FilterKey);
            _keep = options.FilterAction switch
            {
                "keep" => true,
                "drop" => false,
                _ => throw new ConfigurationException($"{Program}: option 'filter_action' is '{options.FilterAction}'; give keep or drop."),
            };
            if (options.FilterRegex)
            {
                try { _regex = new Regex(_value, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)); }
                catch (ArgumentException ex) { throw new ConfigurationException($"{Program}: option 'filter_value': '{_value}' is not a regular expression: {ex.Message}"); }
            }
            // Made once: a drop's reason is the same for every event it drops.
            var action = _keep ? "keep" : "drop";
            _dropMatching = $"filter: {_field} matches '{_value}' (filter_action={action})";
            _dropNotMatching = $"filter: {_field} does not match '{_value}' (filter_action={action})";
        }
        _notBefore = Limit(options.NotBefore, "not_before", context.Clock);
        _notAfter = Limit(options.NotAfter, "not_after", context.Clock);
        if (_field is null && _notBefore is null && _notAfter is null)
            throw new ConfigurationException($"{Program}: nothing to filter on: set filter_key and filter_value, or not_before / not_after.");
    }

    public void Process(Event ev, IEmitter output)
    {
        if ((_notBefore is not null || _notAfter is not null) && ev[TimeSource] is string stamp && RelativeTime.TryParseAbsolute(stamp, out var time))
        {
            if (_notBefore is not null && time < _notBefore())
            {
                output.Drop(ev, $"time.source {stamp} is before not_before");
                return;
            }
            if (_notAfter is not null && time > _notAfter())
            {
                output.Drop(ev, $"time.source {stamp} is after not_after");
                return;
            }
        }
        if (_field is null)
        {
            output.Emit(ev);
            return;
        }
        var matches = Matches(ev[_field]);
        var path = matches ? "filter_match" : "filter_no_match";
        if (_context.IsConnected(path)) output.Emit(ev.Clone(), path);
        if (matches == _keep) output.Emit(ev);
        else
        {
            if (_context.IsConnected("action_other")) output.Emit(ev.Clone(), "action_other");
            output.Drop(ev, matches ? _dropMatching! : _dropNotMatching!);
        }
    }

    bool Matches(object? actual) => actual switch
    {
        null => false,
        _ when _regex is not null => _regex.IsMatch(Text(actual)),
        bool b => bool.TryParse(_value, out var wanted) && b == wanted,
        long or double => double.TryParse(_value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && Convert.ToDouble(actual, CultureInfo.InvariantCulture) == n,
        _ => Text(actual) == _value,
    };

    static string Text(object value) => value is bool b ? (b ? "true" : "false") : Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";

    static Func<DateTimeOffset>? Limit(string text, string option, TimeProvider clock)
    {
        if (text.Length == 0) return null;
        if (RelativeTime.TryParse(text, out var span)) return () => clock.GetUtcNow() - span;
        if (RelativeTime.TryParseAbsolute(text, out var time)) return () => time;
        throw new ConfigurationException($"{Program}: option '{option}': '{text}' is neither a time (2024-01-01T00:00:00+00:00) nor a span ('7 days').");
    }
}
