using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Outputs.Http;
using IntelMQ.Outputs.Text;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Outputs.Rt;

/// <summary>Creates a Request Tracker (RTIR) ticket per event through RT's REST 1.0 API; an event counts as written only once its ticket exists.</summary>
[Program("rt-output", ProgramKind.Output, "Creates a Request Tracker ticket per event (RTIR's Incidents, optionally an Investigation); a ticket RT did not create is retried or dumped, never acknowledged.",
    Modules = ["intelmq.bots.outputs.rt.output"],
    Options = typeof(RtOutputOptions),
    Description = """
        Speaks RT's REST 1.0 API as IntelMQ's rt output does: logs in at rt_uri (user, pass; the session cookie is kept
        and renewed when RT asks for credentials again), creates a ticket with POST ticket/new in queue, its subject from
        subject, its text every field of the event (IntelMQ names, "name: value", raw left out) and its custom fields
        from cf_mapping; with create_investigation, in the Incidents queue, for an event with source.abuse_contact and
        description_attr, creates an Investigations ticket to source.abuse_contact (its text description_attr and
        investigation_fields) and makes it a member of the incident (ticket/link MemberOf); then sets final_status. An
        event is written once all of that is done. RT answers HTTP 200 even when it refuses: its answer's status line
        and "# Ticket N created." are read. A ticket RT refuses ("# Could not create ticket", a queue or custom field
        it does not know) sends the event to the dump with RT's words; RT unreachable, 5xx, or credentials refused
        retry it. The ticket numbers already created for an event are remembered, so a retry does not create a second
        incident for it. Mind the ticket volume: put a filter or deduplicator before this output.
        """,
    FieldsRead = ["*"],
    Examples = ["intelmq run rt-output --set rt_uri=https://rt.example.org/REST/1.0/ --set rt_user=intelmq --set rt_password=... --set create_investigation=true < events.jsonl"])]
public sealed partial class RtOutput : IOutput, IHealthCheck, IDisposable
{
    const string Program = "rt-output";
    const int Remembered = 10_000;

    static readonly Dictionary<string, string> IntelMQCustomFields = new(StringComparer.Ordinal)
    {
        ["classification.taxonomy"] = "Classification",
        ["classification.type"] = "Incident Type",
        ["event_description.text"] = "Description",
        ["extra.incident.importance"] = "Importance",
        ["extra.incident.severity"] = "Incident Severity",
        ["extra.organization.name"] = "Customer",
        ["source.ip"] = "IP",
    };

    readonly RtOutputOptions _options;
    readonly Uri _base;
    readonly HttpClient _http;
    readonly ILogger _log;
    readonly string[] _investigationFields;
    readonly IReadOnlyDictionary<string, string> _customFields;
    readonly Dictionary<string, Progress> _progress = new(StringComparer.Ordinal);
    bool _loggedIn;

    /// <summary>What was done for one event so far, so that a retry goes on from there.</summary>
    sealed class Progress
    {
        public long Incident, Investigation;
        public bool Linked;
    }

    public RtOutput(RtOutputOptions options, ProgramContext context)
    {
        _options = options;
        _log = context.Log;
        if (!Uri.TryCreate(options.RtUri.EndsWith('/') ? options.RtUri : options.RtUri + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new ConfigurationException($"{Program}: option 'rt_uri' is '{options.RtUri}'; give RT's REST 1.0 URL, e.g. https://rt.example.org/REST/1.0/.");
        _base = uri;
        if (options.Queue.Length == 0) throw new ConfigurationException($"{Program}: option 'queue' is empty; name the RT queue, e.g. Incidents.");
        _customFields = options.CfMapping ?? IntelMQCustomFields;
        foreach (var field in _customFields.Keys)
            if (IntelMQFields.Path(field) is null) throw new ConfigurationException($"{Program}: option 'cf_mapping': '{field}' is neither an IntelMQ nor an IDF field name.");
        _investigationFields = options.InvestigationFields.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        _http = OutputHttp.Create(Program, options.VerifyCert, "", options.HttpTimeoutSec);
    }

    public async ValueTask WriteAsync(IReadOnlyList<Event> events, WriteResult[] results, CancellationToken cancellationToken)
    {
        for (var i = 0; i < events.Count; i++)
        {
            try
            {
                if (await DeliverAsync(events[i], cancellationToken) is { } refused) results[i] = WriteResult.Refused(refused);
            }
            catch (TransientException ex) when (i > 0)
            {
                // The tickets before exist: only this event and the rest are retried.
                for (var rest = i; rest < events.Count; rest++) results[rest] = WriteResult.Retry(ex.Message);
                return;
            }
        }
    }

    /// <summary>Creates the event's tickets; returns RT's reason when it refused, null when all is done.</summary>
    async ValueTask<string?> DeliverAsync(Event ev, CancellationToken cancellationToken)
    {
        var key = ev.Id ?? ev.StableId();
        if (!_progress.TryGetValue(key, out var progress))
        {
            if (_progress.Count >= Remembered) _progress.Clear();
            _progress[key] = progress = new Progress();
        }
        var subject = Subject(ev);
        if (progress.Incident == 0)
        {
            var fields = new List<(string, string)> { ("Queue", _options.Queue), ("Subject", subject), ("Text", Text(ev)) };
            foreach (var (field, customField) in _customFields)
                if (IntelMQFields.Text(ev, IntelMQFields.Path(field)!) is { } value) fields.Add(($"CF-{customField}", value));
            var (created, answer) = await CreateAsync(fields, cancellationToken);
            if (created == 0) return $"{Program}: RT did not create the ticket in queue {_options.Queue}: {answer}";
            progress.Incident = created;
        }
        if (_options.CreateInvestigation && _options.Queue == "Incidents"
            && ev["source.abuse_contact"] is string contact && IntelMQFields.Path(_options.DescriptionAttr) is { } descriptionPath && IntelMQFields.Text(ev, descriptionPath) is { } description)
        {
            if (progress.Investigation == 0)
            {
                var (created, answer) = await CreateAsync(
                    [("Queue", "Investigations"), ("Subject", subject), ("Requestor", contact), ("Text", InvestigationText(ev, description))], cancellationToken);
                if (created == 0) return $"{Program}: RT created incident {progress.Incident} but not its investigation: {answer}";
                progress.Investigation = created;
            }
            if (!progress.Linked)
            {
                var (status, answer) = await PostAsync("ticket/link", [new("id", Number(progress.Investigation)), new("rel", "MemberOf"), new("to", Number(progress.Incident)), new("del", "0")], cancellationToken);
                if (status != 200 || Failed(answer)) return $"{Program}: RT did not link investigation {progress.Investigation} to incident {progress.Incident}: {Reason(answer)}";
                progress.Linked = true;
            }
        }
        if (_options.FinalStatus.Length > 0)
        {
            var (status, answer) = await PostAsync($"ticket/{Number(progress.Incident)}/edit", [new("content", Content([("Status", _options.FinalStatus)]))], cancellationToken);
            if (status != 200 || Failed(answer)) return $"{Program}: RT created ticket {progress.Incident} but did not set its status {_options.FinalStatus}: {Reason(answer)}";
        }
        _progress.Remove(key);
        _log.LogDebug("{Program}: ticket {Incident} created", Program, progress.Incident);
        return null;
    }

    async ValueTask<(long Id, string Answer)> CreateAsync(List<(string, string)> fields, CancellationToken cancellationToken)
    {
        var (status, answer) = await PostAsync("ticket/new", [new("content", Content([("id", "ticket/new"), .. fields]))], cancellationToken);
        if (status == 200 && TicketCreated().Match(answer) is { Success: true } match) return (long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), answer);
        return (0, Reason(answer));
    }

    /// <summary>POSTs a form to RT (logging in first); returns RT's status from its answer's first line and the answer; throws TransientException when RT is unreachable, broken or refuses the credentials.</summary>
    async ValueTask<(int Status, string Answer)> PostAsync(string path, KeyValuePair<string, string>[] form, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (!_loggedIn) await LogInAsync(cancellationToken);
            var (status, answer) = await SendAsync(new Uri(_base, path), form, cancellationToken);
            if (status is not (401 or 403)) return (status, answer);
            _loggedIn = false; // the session expired: log in again, once
            if (attempt > 0) throw new TransientException($"{Program}: RT refuses user '{_options.RtUser}': {Reason(answer)}");
        }
    }

    async ValueTask LogInAsync(CancellationToken cancellationToken)
    {
        var (status, answer) = await SendAsync(_base, [new("user", _options.RtUser), new("pass", _options.RtPassword.Reveal())], cancellationToken);
        if (status != 200) throw new TransientException($"{Program}: RT refused the login of user '{_options.RtUser}': {Reason(answer)}");
        _loggedIn = true;
    }

    async ValueTask<(int Status, string Answer)> SendAsync(Uri uri, KeyValuePair<string, string>[] form, CancellationToken cancellationToken)
    {
        try
        {
            using var content = new FormUrlEncodedContent(form);
            using var response = await _http.PostAsync(uri, content, cancellationToken);
            var answer = await response.Content.ReadAsStringAsync(cancellationToken);
            if (OutputHttp.IsTransient(response.StatusCode))
                throw new TransientException($"{Program}: {uri}: HTTP {(int)response.StatusCode} {Shorten(answer)}");
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) return ((int)response.StatusCode, answer);
            if (!response.IsSuccessStatusCode) throw new TransientException($"{Program}: {uri}: HTTP {(int)response.StatusCode} {Shorten(answer)}; is rt_uri RT's REST 1.0 URL?");
            // RT answers HTTP 200 and puts its own status in the first line: "RT/4.4.3 200 Ok".
            var status = RtStatus().Match(answer);
            if (!status.Success) throw new TransientException($"{Program}: {uri} did not answer as RT's REST 1.0 API: {Shorten(answer)}");
            var code = int.Parse(status.Groups[1].Value, CultureInfo.InvariantCulture);
            if (code >= 500) throw new TransientException($"{Program}: RT answered {Shorten(answer)}");
            return (code, answer);
        }
        catch (Exception ex) when (OutputHttp.IsUnreachable(ex, cancellationToken))
        {
            throw new TransientException($"{Program}: {uri}: {ex.Message}", ex);
        }
    }

    string Subject(Event ev) =>
        Spaces().Replace(Placeholder().Replace(_options.Subject, m => IntelMQFields.Path(m.Groups[1].Value) is { } path ? IntelMQFields.Text(ev, path) ?? "" : ""), " ").Trim();

    /// <summary>An Incident's text: every field of the event as "name: value" lines (raw left out).</summary>
    static string Text(Event ev)
    {
        var text = new StringBuilder();
        foreach (var (path, value) in ev.Fields.OrderBy(f => IntelMQFields.Name(f.Key), StringComparer.Ordinal))
            if (value is not null && path != Event.IdField && path != Event.OriginalField)
                text.Append(IntelMQFields.Name(path)).Append(": ").Append(IntelMQFields.Text(value)).Append('\n');
        return text.ToString().TrimEnd('\n');
    }

    /// <summary>An Investigation's text: the message to the recipient, then the investigation_fields as "name: value" lines.</summary>
    string InvestigationText(Event ev, string description)
    {
        var text = new StringBuilder(description).Append("\n\n");
        foreach (var field in _investigationFields)
            if (IntelMQFields.Path(field) is { } path && IntelMQFields.Text(ev, path) is { } value) text.Append(field).Append(": ").Append(value).Append('\n');
        return text.ToString().TrimEnd('\n');
    }

    /// <summary>RT's REST 1.0 form content: "Name: value" lines, a value's further lines indented by a space.</summary>
    static string Content(IEnumerable<(string Name, string Value)> fields)
    {
        var content = new StringBuilder();
        foreach (var (name, value) in fields)
            content.Append(name).Append(": ").Append(value.ReplaceLineEndings("\n").Replace("\n", "\n ", StringComparison.Ordinal)).Append('\n');
        return content.ToString();
    }

    static bool Failed(string answer) => answer.Contains("# Could not", StringComparison.Ordinal) || answer.Contains("# Error", StringComparison.Ordinal);

    /// <summary>RT's words after its status line (its "# ..." comments), on one line.</summary>
    static string Reason(string answer)
    {
        var lines = answer.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var words = string.Join(" ", lines.Skip(lines.Length > 1 ? 1 : 0).Select(l => l.TrimStart('#', ' ')));
        return Shorten(words.Length > 0 ? words : answer.Trim());
    }

    static string Shorten(string text) => text.Length > 500 ? text[..500] + "..." : text;

    static string Number(long id) => id.ToString(CultureInfo.InvariantCulture);

    /// <summary>Logs in and asks RT who the user is (GET user/NAME): RT answering with the user is ready.</summary>
    public async ValueTask CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            _loggedIn = false;
            await LogInAsync(cancellationToken);
            var (status, answer) = await SendAsync(new Uri(_base, "user/" + Uri.EscapeDataString(_options.RtUser)), [], cancellationToken);
            if (status != 200) throw new InvalidOperationException($"{Program}: RT answers {Reason(answer)}");
        }
        catch (TransientException ex)
        {
            throw new InvalidOperationException(ex.Message, ex);
        }
    }

    public void Dispose() => _http.Dispose();

    [GeneratedRegex(@"^RT/\S+ (\d{3})")]
    private static partial Regex RtStatus();

    [GeneratedRegex(@"^# Ticket (\d+) created\.", RegexOptions.Multiline)]
    private static partial Regex TicketCreated();

    [GeneratedRegex(@"\{ev\[([^\]]+)\]\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(" {2,}")]
    private static partial Regex Spaces();
}
