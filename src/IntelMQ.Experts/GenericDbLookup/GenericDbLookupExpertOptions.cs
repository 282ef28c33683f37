using IntelMQ.Contract;

namespace IntelMQ.Experts.GenericDbLookup;

public sealed record GenericDbLookupExpertOptions
{
    [Option("The database engine: postgresql or sqlite.")]
    public string Engine { get; set; } = "postgresql";

    [Option("The database name (PostgreSQL) or file (SQLite).")]
    public string Database { get; set; } = "intelmq";

    [Option("PostgreSQL server host.")]
    public string Host { get; set; } = "localhost";

    [Option("PostgreSQL server port.", Min = 1, Max = 65535)]
    public int Port { get; set; } = 5432;

    [Option("PostgreSQL user.")]
    public string User { get; set; } = "intelmq";

    [Option("PostgreSQL password.")]
    public Secret Password { get; set; } = new("");

    [Option("PostgreSQL SSL mode (disable, prefer, require, verify-full).")]
    public string Sslmode { get; set; } = "prefer";

    [Option("The table to look up in.")]
    public string Table { get; set; } = "contacts";

    [Option("Event field → column: a row matches when every column equals the event's field ({\"source.asn\": \"asn\"}). An event without one of the fields passes unchanged.")]
    public IReadOnlyDictionary<string, string>? MatchFields { get; set; }

    [Option("Column → event field: what a matching row writes ({\"contact\": \"source.abuse_contact\"}).")]
    public IReadOnlyDictionary<string, string>? ReplaceFields { get; set; }

    [Option("Replace fields the event already has.")]
    public bool Overwrite { get; set; }

    [Option("Distinct keys whose row (or 'no row') is kept in memory; the least recently used go first.", Min = 1, Max = 10_000_000)]
    public int CacheSize { get; set; } = 10_000;
}
