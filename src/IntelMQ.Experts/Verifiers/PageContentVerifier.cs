using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.Verifiers;

/// <summary>Checks whether the page at the event's URL still contains a text or matches a regular expression.</summary>
[Program("page-content-verifier", ProgramKind.Verifier, "Verifies that the page at source.url still contains a text (or matches a regex): adds the verdict and a confidence.",
    Options = typeof(PageContentVerifierOptions),
    Description = """
        Fetches source.url (http or https, up to 5 redirects) and looks in the first max_response_bytes of the
        body, decoded by the charset the server names (else UTF-8), for the text (text, or the value of the event's
        text_field) or the regular expression (regex); exactly one of the three must be given. An event without a
        URL, or without a value in text_field, passes unchanged. The verdict goes to FIELD.result (found,
        not_found or unknown), FIELD.confidence (0 to 1), FIELD.detail and FIELD.time, FIELD being the field
        option (custom.verification.page.*): found on a 2xx page: found, 0.9; not in a whole 2xx page:
        not_found, 0.8; not in the part read of a longer page: not_found, 0.5; HTTP 404 or 410: not_found, 0.7;
        another status, no answer (refused, a bad certificate), a per-host wait longer than timeout, an answer
        not there within timeout: unknown, 0. Verdicts are cached by URL and text (cache_ttl; unknown for
        cache_ttl_unknown), checks run max_concurrency at once and requests to one host per_host_interval seconds
        apart. An event that already has FIELD.result is not checked again unless overwrite=true.
        """,
    FieldsRead = ["source.url.full", "custom.*"],
    FieldsWritten = ["custom.verification.page.result", "custom.verification.page.confidence", "custom.verification.page.detail", "custom.verification.page.time"],
    Examples = ["intelmq run page-content-verifier --set 'text=Hacked by' < defacements.jsonl"])]
public sealed class PageContentVerifier : IAsyncExpert, IDisposable
{
    const string Program = "page-content-verifier";
    public const string Found = "found", NotFound = "not_found";
    static readonly TimeSpan RegexTimeout = TimeSpan.FromSeconds(1);

    readonly HttpClient _http;
    readonly BoundedChecks _checks;
    readonly TimeProvider _clock;
    readonly string _field;
    readonly bool _overwrite;
    readonly int _limit;
    readonly Regex? _regex;
    readonly string? _text;
    readonly string? _textField;
    readonly StringComparison _comparison;

    public PageContentVerifier(PageContentVerifierOptions options, ProgramContext context)
    {
        _field = VerificationField.Require(Program, options.Field);
        var given = (options.Text.Length > 0 ? 1 : 0) + (options.Regex.Length > 0 ? 1 : 0) + (options.TextField.Length > 0 ? 1 : 0);
        if (given != 1)
            throw new ConfigurationException($"{Program}: give exactly one of the options text, regex and text_field (the text to look for); {given} given.");
        _comparison = options.CaseSensitive ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        if (options.Regex.Length > 0)
        {
            try
            {
                _regex = new Regex(options.Regex, RegexOptions.CultureInvariant | (options.CaseSensitive ? RegexOptions.None : RegexOptions.IgnoreCase), RegexTimeout);
            }
            catch (ArgumentException ex)
            {
                throw new ConfigurationException($"{Program}: option 'regex': '{options.Regex}' is not a regular expression: {ex.Message}");
            }
        }
        if (options.Text.Length > 0) _text = options.Text;
        if (options.TextField.Length > 0) _textField = IntelMQFields.Require(Program, "text_field", options.TextField);
        _http = VerifierHttp.Create(options);
        _checks = new BoundedChecks(options, context.Clock);
        _clock = context.Clock;
        _overwrite = options.Overwrite;
        _limit = options.MaxResponseBytes;
    }

    public async ValueTask ProcessAsync(Event ev, IEmitter output, CancellationToken cancellationToken)
    {
        var text = _textField is null ? _text : ev[_textField]?.ToString();
        if (ev["source.url.full"] is string url && Uri.TryCreate(url, UriKind.Absolute, out var page) && page.Scheme is "http" or "https"
            && (_regex is not null || !string.IsNullOrEmpty(text)) && (_overwrite || !ev.Contains(_field + ".result")))
        {
            var verdict = await _checks.GetAsync($"{page.AbsoluteUri}\n{text}", deadline => CheckAsync(page, text, deadline), cancellationToken);
            verdict.WriteTo(ev, _field, _clock.GetUtcNow());
        }
        output.Emit(ev);
    }

    async Task<Verdict> CheckAsync(Uri page, string? text, CancellationToken deadline)
    {
        var sought = _regex is not null ? $"/{_regex}/" : $"'{text}'";
        if (!await _checks.RateLimiter.WaitTurnAsync(page.IdnHost, _checks.Deadline, deadline))
            return Verdict.NotKnown($"{page.IdnHost} was asked too often to ask again within the timeout");
        try
        {
            using var response = await _http.GetAsync(page, HttpCompletionOption.ResponseHeadersRead, deadline);
            var status = (int)response.StatusCode;
            if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone) return new(NotFound, 0.7, $"HTTP {status} from {page}");
            if (!response.IsSuccessStatusCode) return Verdict.NotKnown($"HTTP {status} from {page}");
            var (body, truncated) = await VerifierHttp.ReadCappedAsync(response, _limit, deadline);
            var content = Decode(body, response.Content.Headers.ContentType?.CharSet);
            bool matched;
            try
            {
                matched = _regex?.IsMatch(content) ?? content.Contains(text!, _comparison);
            }
            catch (RegexMatchTimeoutException)
            {
                return Verdict.NotKnown($"the regex took longer than {RegexTimeout.TotalSeconds:0} s on {page}");
            }
            var read = truncated ? $"the first {body.Length} bytes of " : "";
            return matched ? new(Found, 0.9, $"{sought} found in {read}{page} (HTTP {status})")
                : new(NotFound, truncated ? 0.5 : 0.8, $"{sought} not in {read}{page} (HTTP {status})");
        }
        catch (HttpRequestException ex)
        {
            return Verdict.NotKnown($"no answer from {page}: {VerifierHttp.Describe(ex)}");
        }
    }

    static string Decode(byte[] body, string? charset)
    {
        var encoding = Encoding.UTF8;
        try
        {
            if (!string.IsNullOrWhiteSpace(charset)) encoding = Encoding.GetEncoding(charset.Trim('"', ' '));
        }
        catch (ArgumentException)
        {
            // An unknown charset: UTF-8 still finds ASCII text.
        }
        return encoding.GetString(body);
    }

    public void Dispose()
    {
        _http.Dispose();
        _checks.Dispose();
    }
}
