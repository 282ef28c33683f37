using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Experts.Aggregate;

/// <summary>Groups events by key fields over a time span into one event with a count, as IntelMQ's aggregate expert does.</summary>
[Program("aggregate-expert", ProgramKind.Expert, "Groups events with equal key fields over a time span into one event with extra.count and links to its members.",
    Modules = ["intelmq.bots.experts.aggregate.expert"],
    Options = typeof(AggregateExpertOptions),
    Description = """
        Events with equal values of the fields option form a group that starts with its first event (at the
        clock's time) and collects for timespan. Each event is taken into its group and dropped as 'aggregated'
        (counted; to drop_path when one is set). When an event arrives after a group's time span has ended, the
        group is closed first: with at least threshold events it is passed on as one event: its first event with
        extra.count (the number of events), extra.time_end (the last event's time.source, else time.observation),
        time.source set to when the group started, as IntelMQ does, a new event.id, and a parent link (IEP04) to each
        member's event.id, up to max_links: parent, not child, because in the IDF a link says how its holder relates
        to the other event, and the aggregate is derived from its members (docs/idf.md, "Links"). Smaller groups are
        dropped. Like IntelMQ's, groups are closed when events arrive, not on a timer. Groups survive a restart: once
        a batch's output was handed on and confirmed, the groups are written to <id>.aggregate.json in the program's
        data directory (a temporary file renamed over the old one); a batch whose hand-off was not confirmed is
        processed again after a restart against the groups as they were before it, so no aggregate is lost. The
        groups serve one process: with --processes, or while another process holds the file, it refuses to start.
        """,
    FieldsRead = ["*"],
    FieldsWritten = ["custom.count", "custom.time_end", "@timestamp", "links"],
    Examples = ["intelmq run aggregate-expert --set fields=classification.type,source.ip --set threshold=5 --set 'timespan=30 minutes' < events.jsonl"])]
public sealed class AggregateExpert : IExpert, IDeliveryAware, IDisposable
{
    const string Program = "aggregate-expert";
    static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    readonly string[] _keyFields;
    readonly int _threshold, _maxLinks;
    readonly TimeSpan _timespan;
    readonly TimeProvider _clock;
    readonly string? _stateFile;
    readonly IDisposable? _claim;
    readonly ILogger _log;
    readonly Dictionary<string, Group> _groups = new(StringComparer.Ordinal);
    // The groups changed since they were last written.
    bool _changed;

    public AggregateExpert(AggregateExpertOptions options, ProgramContext context)
    {
        _keyFields = [.. options.Fields.Trim('[', ']').Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(f => IntelMQFields.Require(Program, "fields", f.Trim('"', '\'')))];
        if (_keyFields.Length == 0) throw new ConfigurationException($"{Program}: option 'fields' is empty: give the fields to group by, e.g. classification.type,source.ip.");
        if (!RelativeTime.TryParse(options.Timespan, out _timespan) || _timespan <= TimeSpan.Zero)
            throw new ConfigurationException($"{Program}: option 'timespan': '{options.Timespan}' is not a duration such as '1 hour' or '30 minutes'.");
        _threshold = options.Threshold;
        _maxLinks = options.MaxLinks;
        _clock = context.Clock;
        _log = context.Log;
        _stateFile = context.DataDirectory is { } dir ? Path.Combine(dir, $"{(context.Id.Length > 0 ? context.Id : "aggregate")}.aggregate.json") : null;
        if (_stateFile is null) return;
        _claim = StateFile.Claim(Program, _stateFile, context, "run it as one process: the events of a group must all be in one place");
        try
        {
            if (File.Exists(_stateFile)) Load(_stateFile);
        }
        catch
        {
            _claim.Dispose();
            throw;
        }
    }

    public void Dispose() => _claim?.Dispose();

    /// <summary>The groups collecting events now.</summary>
    public int OpenGroups => _groups.Count;

    public void Process(Event ev, IEmitter output)
    {
        var now = _clock.GetUtcNow();
        CloseEnded(now, output);
        var key = Key(ev);
        if (!_groups.TryGetValue(key, out var group))
            _groups[key] = group = new Group { Start = now, First = Serialize(ev) };
        group.Count++;
        if (ev["@timestamp"] is string source) group.TimeEnd = source;
        else if (ev["event.created"] is string observed) group.TimeEnd = observed;
        if (group.Members.Count < _maxLinks) group.Members.Add(ev.Id ?? ev.StableId());
        _changed = true;
        output.Drop(ev, $"aggregated into group {key}");
    }

    void CloseEnded(DateTimeOffset now, IEmitter output)
    {
        List<string>? ended = null;
        foreach (var (key, group) in _groups)
            if (now - group.Start >= _timespan) (ended ??= []).Add(key);
        if (ended is null) return;
        foreach (var key in ended)
        {
            var group = _groups[key];
            _groups.Remove(key);
            if (group.Count >= _threshold) output.Emit(Aggregate(group));
        }
    }

    Event Aggregate(Group group)
    {
        var ev = EventJson.Read(Encoding.UTF8.GetBytes(group.First), MessageFormat.Ndjson)[0];
        ev.AssignNewId(); // a new event, derived from its members
        ev.Remove(Event.LinksField);
        ev.Add("custom.count", (long)group.Count, overwrite: true);
        if (group.TimeEnd is not null) ev.TryAdd("custom.time_end", group.TimeEnd, overwrite: true);
        ev.Add("@timestamp", group.Start.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture), overwrite: true);
        if (group.Members.Count > 0)
            ev.Add(Event.LinksField, new JsonArray([.. group.Members.Select(id => (JsonNode)new JsonObject { ["type"] = "parent", ["id"] = id })]));
        return ev;
    }

    string Key(Event ev)
    {
        var key = new StringBuilder();
        foreach (var field in _keyFields)
            key.Append(JsonSerializer.Serialize(ev[field]?.ToString())).Append('|');
        return key.ToString();
    }

    static string Serialize(Event ev)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer)) EventJson.WriteIdf(writer, ev);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Writes the groups once what the batch emitted was handed on; a write that fails is tried again after the next batch.</summary>
    public void Delivered()
    {
        if (!_changed || _stateFile is null) return;
        try
        {
            Save(_stateFile);
            _changed = false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _log.LogWarning("{Program}: cannot write the groups to {File}: {Error}; trying again after the next batch", Program, _stateFile, ex.Message);
        }
    }

    /// <summary>Writes the groups to a temporary file and renames it over the state file, so a crash leaves the old groups or the new ones.</summary>
    void Save(string stateFile)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(stateFile))!);
        var temp = stateFile + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            JsonSerializer.Serialize(file, _groups, Json);
            file.Flush(flushToDisk: true);
        }
        File.Move(temp, stateFile, overwrite: true);
    }

    void Load(string path)
    {
        try
        {
            foreach (var (key, group) in JsonSerializer.Deserialize<Dictionary<string, Group>>(File.ReadAllText(path), Json) ?? [])
                _groups[key] = group;
        }
        catch (JsonException ex)
        {
            throw new ConfigurationException($"{Program}: {path} is not an aggregate state file: {ex.Message}; move it away to start without the open groups.");
        }
    }

    /// <summary>One group: its first event (IDF JSON), when it started, how many events it has and their ids.</summary>
    sealed class Group
    {
        public DateTimeOffset Start { get; set; }
        public string First { get; set; } = "";
        public int Count { get; set; }
        public string? TimeEnd { get; set; }
        public List<string> Members { get; set; } = [];
    }
}
