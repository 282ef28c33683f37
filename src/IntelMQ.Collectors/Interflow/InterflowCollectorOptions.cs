using IntelMQ.Collectors.Http;
using IntelMQ.Contract;

namespace IntelMQ.Collectors.Interflow;

/// <summary>Options of the Microsoft Interflow collector: IntelMQ's collector_interflow parameters and the HTTP parameters.</summary>
public sealed record InterflowCollectorOptions : HttpParameters
{
    [Option("Your Interflow API key (sent as Ocp-Apim-Subscription-Key).")]
    public Secret? ApiKey { get; set; }

    [Option("Take only the files whose names this regular expression matches anywhere (a search: anchor it, e.g. ^ctip_, to match at the start); empty: every file. IntelMQ's documentation says only \"regular expression to match file names\", not whether it anchors at the start; the feed list's patterns (^ctip_, ^bingmurls_) anchor themselves, so they select the same files either way.")]
    public string? FileMatch { get; set; }

    [Option("Take only files modified within this time: a relative time (\"2 days\", \"12 hours\") or a date; empty: any.")]
    public string? NotOlderThan { get; set; }

    [Option("The API's file listing.")]
    public string ListUrl { get; set; } = "https://interflow.azure-api.net/file/api/file/listsharedfiles";

    [Option("The API's download; the file name is appended, escaped.")]
    public string DownloadUrl { get; set; } = "https://interflow.azure-api.net/file/api/file/download?fileName=";

    [Option("Not used: IntelMQ remembers collected files in Redis; the state store remembers them here.")]
    public int? RedisCacheDb { get; set; }

    [Option("Not used (see redis_cache_db).")]
    public string? RedisCacheHost { get; set; }

    [Option("Not used (see redis_cache_db).")]
    public int? RedisCachePort { get; set; }

    [Option("Not used (see redis_cache_db).")]
    public Secret? RedisCachePassword { get; set; }

    [Option("Not used (see redis_cache_db).")]
    public long? RedisCacheTtl { get; set; }
}
