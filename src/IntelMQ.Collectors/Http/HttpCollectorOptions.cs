using IntelMQ.Contract;

namespace IntelMQ.Collectors.Http;

/// <summary>Options of the HTTP collector: IntelMQ's collector_http parameters and its HTTP parameters.</summary>
public sealed record HttpCollectorOptions : HttpParameters
{
    [Option("The URL to download, e.g. https://feodotracker.abuse.ch/downloads/ipblocklist.csv.")]
    public string? HttpUrl { get; set; }

    [Option("true: replace {time[FORMAT]} in http_url by the local time in that strftime format, e.g. {time[%Y-%m-%d]}; or a timedelta to shift the time first, e.g. {\"days\": -1} for yesterday's file.",
        AlsoAccepts = ["boolean", "object"])]
    public string? HttpUrlFormatting { get; set; }

    [Option("Unpack the download (gzip, zip, tar, tar.gz) and hand on each file as a report of its own: true for every file, or a list of the file names to take.",
        AlsoAccepts = ["boolean", "array"])]
    public string? ExtractFiles { get; set; }

    [Option("Check the download against a detached OpenPGP signature from signature_url, with the public keys of gpg_keyring; a download that does not verify is not handed on.")]
    public bool VerifyPgpSignatures { get; set; }

    [Option("The URL of the download's detached signature (.asc or .sig), e.g. https://example.org/feed.csv.asc.")]
    public string? SignatureUrl { get; set; }

    [Option("As http_url_formatting, for signature_url.", AlsoAccepts = ["boolean", "object"])]
    public string? SignatureUrlFormatting { get; set; }

    [Option("A file of the public keys that may sign the download (binary or ASCII-armoured, as `gpg --export KEYID` writes it); needed with verify_pgp_signatures.")]
    public string? GpgKeyring { get; set; }
}
