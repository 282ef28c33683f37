namespace IntelMQ.Parsers.Shadowserver;

/// <summary>One report type of the Shadowserver schema (<c>scan_smb</c>, <c>event4_sinkhole_http</c>, ...).</summary>
public sealed record ShadowserverReportType(
    string FileName,
    string FeedName,
    string? Url,
    IReadOnlyList<KeyValuePair<string, string>> Constants,
    IReadOnlyList<ShadowserverField> Required,
    IReadOnlyList<ShadowserverField> Optional);
