using IntelMQ.Contract;

namespace IntelMQ.Outputs.Elasticsearch;

public sealed record ElasticsearchOutputOptions
{
    [Option("Elasticsearch's or OpenSearch's host name or address.")]
    public string ElasticHost { get; set; } = "127.0.0.1";

    [Option("Its HTTP port.", Min = 1, Max = 65535)]
    public int ElasticPort { get; set; } = 9200;

    [Option("The index, or the prefix of the rotated indexes (intelmq-2024-05-01 with rotate_index=daily).")]
    public string ElasticIndex { get; set; } = "intelmq";

    [Option("One index (never), or one per day (index-YYYY-MM-DD), ISO week (index-YYYY-WW), month (index-YYYY-MM) or year (index-YYYY) of the event's time.source, else its time.observation.")]
    public IndexRotation RotateIndex { get; set; } = IndexRotation.Never;

    [Option("IntelMQ's JSON fields to index as separate fields: IDF documents always carry extra (custom) as an object of separate fields, so only extra is accepted.")]
    public string[] FlattenFields { get; set; } = ["extra"];

    [Option("IntelMQ's replacement for dots in field names (Elasticsearch 2.x); only empty is accepted: documents keep IDF's dotted names as objects.")]
    public string ReplacementChar { get; set; } = "";

    [Option("Create or update the index template (mappings from the field catalogue's types) before the first batch.")]
    public bool IndexTemplate { get; set; } = true;

    [Option("User for HTTP basic authentication; empty for none.")]
    public string HttpUsername { get; set; } = "";

    [Option("Password for HTTP basic authentication.")]
    public Secret HttpPassword { get; set; } = new("");

    [Option("An API key (the base64 'id:key' Elasticsearch returns), sent as 'Authorization: ApiKey'; instead of basic authentication.")]
    public Secret ApiKey { get; set; } = new("");

    [Option("Connect with TLS (https).")]
    public bool UseSsl { get; set; }

    [Option("Verify the server's certificate (IntelMQ's default is false).")]
    public bool HttpVerifyCert { get; set; }

    [Option("A PEM file with the CA certificate to verify the server's certificate against, instead of the system's.")]
    public string SslCaCertificate { get; set; } = "";

    [Option("Accepted for IntelMQ configurations; an unverified certificate is never warned about per request.")]
    public bool SslShowWarnings { get; set; } = true;

    [Option("Seconds to wait for Elasticsearch to answer a bulk request; then the batch is retried later.", Min = 1, Max = 3600)]
    public double HttpTimeoutSec { get; set; } = 30;
}
