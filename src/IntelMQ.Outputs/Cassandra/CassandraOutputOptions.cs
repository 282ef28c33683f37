using IntelMQ.Contract;

namespace IntelMQ.Outputs.Cassandra;

public sealed record CassandraOutputOptions
{
    [Option("The nodes to connect to, host or host:port (9042 when no port is given); the first that answers is used, the next when it fails.")]
    public string[] Hosts { get; set; } = ["localhost:9042"];

    [Option("The keyspace of the table; it must exist (its replication is the operator's choice).")]
    public string Keyspace { get; set; } = "";

    [Option("The table the events are written to.")]
    public string Table { get; set; } = "events";

    [Option("Event fields (IntelMQ names such as source.ip or extra.x, or IDF names) to the table's columns. Unset: time.source, time.observation, feed.name, feed.provider, feed.accuracy, classification.taxonomy, classification.type, classification.identifier, source.ip, source.port, source.asn, source.network, source.fqdn, source.url, source.geolocation.cc, destination.ip, destination.port, destination.fqdn, malware.name, protocol.transport, protocol.application, event_description.text, each to its name with the dots replaced by underscores (source.ip: source_ip).")]
    public IReadOnlyDictionary<string, string>? Columns { get; set; }

    [Option("The text column the whole event is written to as IDF JSON; empty for none.")]
    public string JsonColumn { get; set; } = "event";

    [Option("The user to log in as with Cassandra's PasswordAuthenticator (SASL PLAIN); empty for no login.")]
    public string Username { get; set; } = "";

    [Option("The user's password.")]
    public Secret Password { get; set; } = new("");

    [Option("Connect with TLS (Cassandra's client_encryption_options).")]
    public bool Tls { get; set; }

    [Option("With tls: verify the node's certificate against the system's trusted authorities.")]
    public bool VerifyCert { get; set; } = true;

    [Option("The consistency level of the writes: ANY, ONE, TWO, THREE, QUORUM, ALL, LOCAL_QUORUM, EACH_QUORUM or LOCAL_ONE.")]
    public string Consistency { get; set; } = "LOCAL_QUORUM";

    [Option("Seconds the rows live (INSERT ... USING TTL); 0 keeps them until deleted.", Min = 0, Max = 630720000)]
    public int Ttl { get; set; }

    [Option("Create the table when it does not exist (CREATE TABLE IF NOT EXISTS), with the event id as its primary key; an existing table is left as it is.")]
    public bool CreateTable { get; set; } = true;

    [Option("The most bytes of values sent in one batch; a bigger batch is split. Keep it under Cassandra's batch_size_fail_threshold (50 KiB by default).", Min = 1, Max = 65536)]
    public int MaxBatchKb { get; set; } = 40;

    [Option("Seconds to wait for a connection and for each answer; then the batch is retried later.", Min = 1, Max = 3600)]
    public double TimeoutSec { get; set; } = 30;
}
