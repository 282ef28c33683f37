using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using IntelMQ.Collectors.Archives;
using IntelMQ.Contract;
using IntelMQ.Core;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Collectors.Http;

/// <summary>
/// Downloads one URL per run and hands it on when it changed: a conditional request (ETag, Last-Modified) saves the
/// download, a SHA-256 of the body catches a server that answers in full every time. With extract_files, every file
/// of the archive is a report of its own; the checkpoint rides on the last.
/// </summary>
[Program("http-collector", ProgramKind.Collector, "Downloads a feed over HTTP(S); hands it on only when it changed, unpacked into one report per file when asked.",
    Modules = ["intelmq.bots.collectors.http.collector_http"],
    Options = typeof(HttpCollectorOptions),
    Description = """
        Every run downloads http_url (after http_url_formatting put in the date) and hands the body on as one report,
        with feed.url and custom.file_name (IntelMQ's extra.file_name: the name the server gives in
        Content-Disposition, else the URL's last path segment). The state remembers the URL, the server's ETag and
        Last-Modified, and the body's SHA-256, stored only once the report is handed on: the next run asks with
        If-None-Match and If-Modified-Since, and a 304 or an identical body sends nothing. With extract_files the
        download is unpacked (gzip, zip, tar, tar.gz, recognised by content) and every file, or every file named in
        the list, is a report of its own named after it; a corrupt member goes to the dump with its name. A server
        that is down, slow (http_timeout_sec, tried http_timeout_max_tries times) or answers 5xx, 408 or 429 is
        tried again with backoff, no sooner than its Retry-After; other answers (404, 403) and TLS failures are
        logged and tried at the next scheduled run. TLS certificates are verified unless http_verify_cert is false.
        With verify_pgp_signatures the body must match a detached signature from signature_url by a key of
        gpg_keyring. feed.* come from name, provider, accuracy, code and documentation (docs/collectors.md).
        """,
    FieldsWritten = ["feed.url", "custom.file_name"],
    Examples = [
        "intelmq run http-collector --set http_url='https://feodotracker.abuse.ch/downloads/ipblocklist.csv' --set name='Feodo Tracker' --output file:reports.jsonl",
        "intelmq run http-collector --set http_url='https://haas.nic.cz/stats/export/{time[%Y/%m/%Y-%m-%d]}.json.gz' --set http_url_formatting='{\"days\": -1}' --set extract_files=true --daemon --set rate_limit=86400",
    ])]
public sealed class HttpCollector : ICollector, IDisposable
{
    const string UrlKey = "url", ETagKey = "etag", LastModifiedKey = "last_modified", HashKey = "sha256";
    static readonly string FileNameField = DhoMapping.ToIdf("extra.file_name")!;
    static readonly string FeedUrlField = DhoMapping.ToIdf("feed.url")!;

    readonly string _url;
    readonly UrlFormatting? _formatting;
    readonly Func<string, bool>? _extract;
    readonly FeedHttpClient _http;
    readonly (PgpSignatureCheck Check, string Url, UrlFormatting? Formatting)? _signature;
    readonly ProgramContext _context;
    readonly string _name;

    /// <exception cref="ConfigurationException">No or a malformed http_url, or an HTTP parameter that cannot work.</exception>
    public HttpCollector(HttpCollectorOptions options, ProgramContext context)
    {
        _context = context;
        _name = context.Id is { Length: > 0 } id ? id : "http-collector";
        if (options.HttpUrl is not { Length: > 0 } url)
            throw new ConfigurationException($"{_name}: option 'http_url' is missing: the URL to download, e.g. --set http_url='https://example.org/feed.csv'");
        _url = url;
        _formatting = UrlFormatting.Parse(url, options.HttpUrlFormatting, "http_url_formatting", _name);
        CheckUrl(_formatting?.Format(context.Clock.GetLocalNow(), _name) ?? url, "http_url");
        _extract = Extraction(options.ExtractFiles);
        if (options.VerifyPgpSignatures)
        {
            if (options.SignatureUrl is not { Length: > 0 } signatureUrl)
                throw new ConfigurationException($"{_name}: verify_pgp_signatures needs signature_url, the URL of the detached signature.");
            if (options.GpgKeyring is not { Length: > 0 } keyring)
                throw new ConfigurationException($"{_name}: verify_pgp_signatures needs gpg_keyring, a file of the signer's public keys (`gpg --export KEYID > FILE`).");
            var formatting = UrlFormatting.Parse(signatureUrl, options.SignatureUrlFormatting, "signature_url_formatting", _name);
            CheckUrl(formatting?.Format(context.Clock.GetLocalNow(), _name) ?? signatureUrl, "signature_url");
            _signature = (new PgpSignatureCheck(keyring, _name), signatureUrl, formatting);
        }
        _http = new FeedHttpClient(options, _name, context.Clock);
    }

    public async IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var now = _context.Clock.GetLocalNow();
        var url = _formatting?.Format(now, _name) ?? _url;
        var shown = FeedHttpClient.Redacted(new Uri(url));
        var known = state.Get(UrlKey) == url;
        using var response = await _http.SendAsync(() => Request(url, known ? state : null), cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotModified)
        {
            _context.Log.LogInformation("{Url}: not modified since the last report", shown);
            yield break;
        }
        var download = TemporaryFile.Create("download");
        string hash;
        try
        {
            using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await _http.CopyBodyAsync(response, download, sha256, cancellationToken);
            hash = Convert.ToHexStringLower(sha256.GetHashAndReset());
            if (hash == state.Get(HashKey))
            {
                _context.Log.LogInformation("{Url}: unchanged since the last report (same SHA-256)", shown);
                download.Dispose();
                yield break;
            }
            download.Position = 0;
            if (_signature is { } signature) await VerifyAsync(signature.Check, signature.Formatting?.Format(now, _name) ?? signature.Url, download, shown, cancellationToken);
        }
        catch
        {
            download.Dispose();
            throw;
        }
        var checkpoint = new Dictionary<string, string?>
        {
            [UrlKey] = url,
            [ETagKey] = response.Headers.ETag?.ToString(),
            [LastModifiedKey] = response.Content.Headers.LastModified?.ToString("R"),
            [HashKey] = hash,
        };
        var name = FileName(response, url);
        var members = _extract is null ? [new ArchiveMember(name, download)] : ReportArchive.Extract(download, name, _extract);
        try
        {
            if (members.Count == 0) _context.Log.LogWarning("{Url}: no file of the archive is named in extract_files; nothing to hand on", shown);
            for (var i = 0; i < members.Count; i++)
            {
                var member = members[i];
                var report = new Event(MessageKind.Report);
                report.TryAdd(FeedUrlField, url);
                if (member.Name.Length > 0) report.Add(FileNameField, member.Name);
                yield return new CollectedReport(report, member.Content ?? Stream.Null)
                {
                    Checkpoint = i == members.Count - 1 ? checkpoint : new Dictionary<string, string?>(),
                    Origin = _extract is null || member.Name == name ? shown : $"{shown} ({member.Name})",
                    Error = member.Error,
                };
            }
        }
        finally
        {
            foreach (var member in members) member.Dispose();
        }
    }

    static HttpRequestMessage Request(string url, ICollectorState? known)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (known?.Get(ETagKey) is { Length: > 0 } etag) request.Headers.TryAddWithoutValidation("If-None-Match", etag);
        if (known?.Get(LastModifiedKey) is { Length: > 0 } modified) request.Headers.TryAddWithoutValidation("If-Modified-Since", modified);
        return request;
    }

    async Task VerifyAsync(PgpSignatureCheck check, string signatureUrl, FileStream download, string shown, CancellationToken cancellationToken)
    {
        using var response = await _http.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, signatureUrl), cancellationToken);
        using var signature = new MemoryStream();
        await _http.CopyBodyAsync(response, signature, null, cancellationToken);
        try
        {
            check.Verify(download, signature.ToArray());
        }
        catch (InvalidDataException ex)
        {
            throw new IOException($"{shown}: not handed on, its OpenPGP signature ({FeedHttpClient.Redacted(new Uri(signatureUrl))}) does not verify: {ex.Message}", ex);
        }
    }

    // Content-Disposition's name, else the URL's last path segment (IntelMQ's extra.file_name); "" when neither has one.
    static string FileName(HttpResponseMessage response, string url)
    {
        var disposition = response.Content.Headers.ContentDisposition;
        if ((disposition?.FileNameStar ?? disposition?.FileName)?.Trim('"') is { Length: > 0 } given) return Path.GetFileName(given);
        var path = new Uri(url).AbsolutePath;
        return Uri.UnescapeDataString(path[(path.LastIndexOf('/') + 1)..]);
    }

    static Func<string, bool>? Extraction(string? extractFiles)
    {
        switch (extractFiles?.Trim().ToLowerInvariant())
        {
            case null or "" or "false" or "no" or "0" or "null":
                return null;
            case "true" or "yes" or "1":
                return _ => true;
        }
        var names = extractFiles.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        return member => names.Contains(member) || names.Contains(Path.GetFileName(member));
    }

    void CheckUrl(string url, string option)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new ConfigurationException($"{_name}: {option} '{url}' is not an http:// or https:// URL.");
    }

    public void Dispose() => _http.Dispose();
}
