using IntelMQ.Collectors.Http;
using IntelMQ.Contract;

namespace IntelMQ.Collectors.Azure;

/// <summary>Options of the Azure Blob Storage collector: IntelMQ's collector_azure parameters and the HTTP parameters.</summary>
public sealed record AzureCollectorOptions : HttpParameters
{
    [Option("The storage account's connection string: AccountName and AccountKey (Shared Key), or SharedAccessSignature; BlobEndpoint or EndpointSuffix where it is not Azure's public cloud.")]
    public Secret? ConnectionString { get; set; }

    [Option("The container whose blobs to collect, e.g. ctip-infected-summary.")]
    public string? ContainerName { get; set; }

    [Option("Not used: IntelMQ remembers collected blobs in Redis; the state store remembers them here (by ETag).")]
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
