using System.Collections;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.Sieve;

/// <summary>Filters, changes and routes events by rules in IntelMQ's sieve language.</summary>
[Program("sieve-expert", ProgramKind.Expert, "Filters, modifies and routes events by the rules of a sieve file (IntelMQ's sieve language).",
    Modules = ["intelmq.bots.experts.sieve.expert"],
    Options = typeof(SieveExpertOptions),
    Description = """
        Runs the statements of the sieve file on each event, in order: `if`/`elif`/`else` with conditions joined by
        `&&`, `||`, `!` and parentheses (:exists, :notexists, ==, !=, <, >, <=, >=, =~, !~, << for networks, :in,
        :notin, :contains, :containsany, :regexin, :before, :after, and the list tests :equals, :setequals,
        :overlaps, :subsetof, :supersetof), and the actions add, add! (overwrite), update, remove, append, append!,
        `$variable = field`, `+=`/`-=` on times ('1 hour'), keep (stop and pass on), drop, and path 'name' or
        path ['a', 'b'] to send the event to named paths instead of the default one. IntelMQ's sieve files work
        unchanged. The file is checked at start: a syntax error, an unknown field, a value a field cannot hold or a
        number compared with a text field refuses to start, naming the line and column. A dropped event is counted
        with the rule that dropped it.
        """,
    Examples = ["intelmq run sieve-expert --set file=/etc/intelmq/route.sieve --output _default=redis://localhost/2 --output other=redis://localhost/3"])]
public sealed class SieveExpert : IExpert, IDeclaresPaths
{
    readonly List<SieveStatement> _rules;
    readonly TimeProvider _clock;
    readonly Dictionary<string, Regex> _regexes = new(StringComparer.Ordinal);
    readonly Dictionary<string, IPNetwork> _networks = new(StringComparer.Ordinal);

    public SieveExpert(SieveExpertOptions options, ProgramContext context)
    {
        var text = TextFile.ReadAll("sieve-expert", "file", options.File);
        _rules = SieveParser.Parse(text, options.File);
        _clock = context.Clock;
        DeclaredPaths = [.. Flatten(_rules).OfType<SieveAction>().SelectMany(a => a.Paths).Distinct()];
    }

    /// <summary>The paths the file's path statements name.</summary>
    public IReadOnlyList<string> DeclaredPaths { get; }

    public void Process(Event ev, IEmitter output)
    {
        var run = new Run(ev);
        var outcome = Execute(_rules, run);
        if (outcome == Outcome.Drop)
        {
            output.Drop(ev, $"sieve {run.DropWhere}: drop");
            return;
        }
        if (run.Paths is null) output.Emit(ev);
        else
            for (var i = 0; i < run.Paths.Length; i++)
                output.Emit(i == run.Paths.Length - 1 ? ev : ev.Clone(), run.Paths[i]);
    }

    enum Outcome { Continue, Keep, Drop }

    sealed class Run(Event ev)
    {
        public Event Event { get; } = ev;
        public string[]? Paths { get; set; }
        public Dictionary<string, object?>? Variables { get; set; }
        public string DropWhere { get; set; } = "";
    }

    Outcome Execute(List<SieveStatement> statements, Run run)
    {
        foreach (var statement in statements)
        {
            var outcome = statement switch
            {
                SieveIf branches => Branch(branches, run),
                SieveAction action => Apply(action, run),
                _ => Outcome.Continue,
            };
            if (outcome != Outcome.Continue) return outcome;
        }
        return Outcome.Continue;
    }

    Outcome Branch(SieveIf statement, Run run)
    {
        foreach (var (when, then) in statement.Branches)
            if (when is null || Test(when, run)) return Execute(then, run);
        return Outcome.Continue;
    }

    Outcome Apply(SieveAction action, Run run)
    {
        var ev = run.Event;
        switch (action.Verb)
        {
            case SieveVerb.Keep: return Outcome.Keep;
            case SieveVerb.Drop:
                run.DropWhere = action.Where;
                return Outcome.Drop;
            case SieveVerb.Path: run.Paths = action.Paths; break;
            case SieveVerb.Remove: ev.Remove(action.Field!); break;
            case SieveVerb.Assign: (run.Variables ??= [])[action.Field!] = Resolve(action.Value!, run); break;
            case SieveVerb.Add or SieveVerb.Update when action.Arithmetic != '=':
                if (ev[action.Field!] is string current && RelativeTime.TryParseAbsolute(current, out var time))
                {
                    RelativeTime.TryParse((string)action.Value!.Literal!, out var span);
                    var shifted = action.Arithmetic == '+' ? time + span : time - span;
                    ev.TryAdd(action.Field!, shifted.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFzzz", CultureInfo.InvariantCulture), overwrite: true);
                }
                break;
            case SieveVerb.Add:
                ev.TryAdd(action.Field!, Resolve(action.Value!, run), overwrite: action.Force);
                break;
            case SieveVerb.Update:
                if (ev.Contains(action.Field!)) ev.TryAdd(action.Field!, Resolve(action.Value!, run), overwrite: true);
                break;
            case SieveVerb.Append:
                Append(ev, action.Field!, Resolve(action.Value!, run), action.Force);
                break;
        }
        return Outcome.Continue;
    }

    static void Append(Event ev, string field, object? value, bool force)
    {
        var current = ev[field];
        var items = Items(current);
        if (current is not null && items is null)
        {
            // A single value becomes a list only with append!; plain append leaves it alone, as IntelMQ does.
            if (!force) return;
            items = [current];
        }
        var list = new JsonArray();
        foreach (var item in items ?? []) list.Add(JsonValue(item));
        list.Add(JsonValue(value));
        ev.TryAdd(field, list, overwrite: true);
    }

    static JsonNode? JsonValue(object? value) => value switch
    {
        null => null,
        JsonNode node => node.DeepClone(),
        string s => System.Text.Json.Nodes.JsonValue.Create(s),
        long l => System.Text.Json.Nodes.JsonValue.Create(l),
        double d => System.Text.Json.Nodes.JsonValue.Create(d),
        bool b => System.Text.Json.Nodes.JsonValue.Create(b),
        _ => System.Text.Json.Nodes.JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
    };

    static object? Resolve(SieveOperand operand, Run run) =>
        operand.Variable is { } name ? run.Variables?.GetValueOrDefault(name)
        : operand.Field is { } field ? run.Event[field]
        : operand.Literal is List<object> list ? new JsonArray([.. list.Select(JsonValue)])
        : operand.Literal;

    bool Test(SieveCondition condition, Run run) => condition switch
    {
        SieveAnd and => Test(and.Left, run) && Test(and.Right, run),
        SieveOr or => Test(or.Left, run) || Test(or.Right, run),
        SieveNot not => !Test(not.Inner, run),
        SieveExists exists => run.Event.Contains(exists.Field) == exists.Wanted,
        SieveCompare compare => Compare(compare, run),
        _ => false,
    };

    bool Compare(SieveCompare compare, Run run)
    {
        var actual = run.Event[compare.Field];
        // A missing field matches only the negative tests, as in IntelMQ.
        if (actual is null) return compare.Operator is "!=" or "!~" or ":notin";
        var expected = compare.Value.Literal ?? Resolve(compare.Value, run);
        var wanted = expected as List<object> ?? (expected is null ? [] : Items(expected) ?? [expected]);
        var isList = expected is List<object>;
        switch (compare.Operator)
        {
            case "==": return isList ? wanted.Any(w => Same(actual, w)) : Same(actual, expected);
            case "!=": return isList ? !wanted.Any(w => Same(actual, w)) : !Same(actual, expected);
            case ":in": return wanted.Any(w => Same(actual, w));
            case ":notin": return !wanted.Any(w => Same(actual, w));
            case "<" or ">" or "<=" or ">=":
                return Number(actual) is { } a && Number(expected) is { } b && compare.Operator switch
                {
                    "<" => a < b,
                    ">" => a > b,
                    "<=" => a <= b,
                    _ => a >= b,
                };
            case ":contains": return actual is string s && expected is string part && s.Contains(part, StringComparison.Ordinal);
            case ":containsany": return actual is string t && wanted.Any(w => w is string p && t.Contains(p, StringComparison.Ordinal));
            case "=~": return actual is string u && expected is string r1 && Regex(r1).IsMatch(u);
            case "!~": return actual is string v && expected is string r2 && !Regex(r2).IsMatch(v);
            case ":regexin": return actual is string x && wanted.Any(w => w is string r && Regex(r).IsMatch(x));
            case "<<":
                return actual is string ip && IPAddress.TryParse(ip, out var address) && wanted.Any(w => w is string n && Network(n).Contains(address));
            case ":before" or ":after":
                if (actual is not string stamp || !RelativeTime.TryParseAbsolute(stamp, out var time) || expected is not string limitText) return false;
                var limit = RelativeTime.TryParse(limitText, out var span) ? _clock.GetUtcNow() - span
                    : RelativeTime.TryParseAbsolute(limitText, out var absolute) ? absolute : (DateTimeOffset?)null;
                return limit is { } l && (compare.Operator == ":before" ? time < l : time > l);
            default:
                var have = Items(actual) ?? [actual];
                return compare.Operator switch
                {
                    ":equals" => have.Count == wanted.Count && have.Zip(wanted).All(p => Same(p.First, p.Second)),
                    ":setequals" => have.All(h => wanted.Any(w => Same(h, w))) && wanted.All(w => have.Any(h => Same(h, w))),
                    ":overlaps" => have.Any(h => wanted.Any(w => Same(h, w))),
                    ":subsetof" => have.All(h => wanted.Any(w => Same(h, w))),
                    ":supersetof" => wanted.All(w => have.Any(h => Same(h, w))),
                    _ => false,
                };
        }
    }

    /// <summary>The items of a list value (an array field or a JSON list), or null for a single value.</summary>
    static List<object>? Items(object? value) => value switch
    {
        JsonArray array => [.. array.Select(n => n is null ? (object)"" : FieldNormalizer.Unwrap(n) ?? "")],
        string => null,
        IList list => [.. list.Cast<object>()],
        _ => null,
    };

    static bool Same(object? a, object? b)
    {
        if (a is JsonValue ja) a = FieldNormalizer.Unwrap(ja);
        if (b is JsonValue jb) b = FieldNormalizer.Unwrap(jb);
        if (Number(a) is { } x && Number(b) is { } y && a is not (bool or string) && b is not (bool or string)) return x == y;
        return Equals(a, b);
    }

    static double? Number(object? value) => value switch
    {
        long l => l,
        double d => d,
        int i => i,
        _ => null,
    };

    Regex Regex(string pattern)
    {
        if (!_regexes.TryGetValue(pattern, out var regex))
            _regexes[pattern] = regex = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        return regex;
    }

    IPNetwork Network(string text)
    {
        if (!_networks.TryGetValue(text, out var network)) _networks[text] = network = IPNetwork.Parse(text);
        return network;
    }

    static IEnumerable<SieveStatement> Flatten(List<SieveStatement> statements)
    {
        // Iterative, so a deeply nested file costs no stack here either.
        var pending = new Stack<SieveStatement>(statements);
        while (pending.Count > 0)
        {
            var statement = pending.Pop();
            yield return statement;
            if (statement is SieveIf branches)
                foreach (var (_, then) in branches.Branches)
                    foreach (var inner in then) pending.Push(inner);
        }
    }
}
