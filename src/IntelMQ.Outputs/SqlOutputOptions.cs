using IntelMQ.Contract;

namespace IntelMQ.Outputs;

public sealed record SqlOutputOptions
{
    [Option("The database system: postgresql (IntelMQ's default) or sqlite; mssql is refused.")]
    public SqlEngine Engine { get; set; } = SqlEngine.Postgresql;

    [Option("PostgreSQL's host name or address, or a directory holding its Unix socket.")]
    public string Host { get; set; } = "localhost";

    [Option("PostgreSQL's port.", Min = 1, Max = 65535)]
    public int Port { get; set; } = 5432;

    [Option("The PostgreSQL user.")]
    public string User { get; set; } = "intelmq";

    [Option("The PostgreSQL user's password; empty for trust or peer authentication.")]
    public Secret Password { get; set; } = new("");

    [Option("TLS to PostgreSQL as libpq's sslmode: disable, allow, prefer, require, verify-ca or verify-full.")]
    public string Sslmode { get; set; } = "prefer";

    [Option("Seconds to wait for a connection to PostgreSQL; then the batch is retried later.", Min = 1, Max = 3600)]
    public int ConnectTimeout { get; set; } = 5;

    [Option("The database: for postgresql its name, for sqlite the database file, which must exist and hold the table.")]
    public string Database { get; set; } = "intelmq-events";

    [Option("The table the events are written into (for sqlite also a view with an INSTEAD OF INSERT trigger; PostgreSQL's COPY needs a table or a partitioned table).")]
    public string Table { get; set; } = "events";

    [Option("IntelMQ field names to write (source.ip, extra, raw, ...); empty writes every field the event has.")]
    public string[] Fields { get; set; } = [];

    [Option("Write extra as one JSON text column 'extra' (IntelMQ's default); false writes each extra.X to its own column 'extra.X'.", Aliases = ["message_jsondict_as_string"])]
    public bool JsondictAsString { get; set; } = true;

    [Option("Accepted for IntelMQ configurations; a batch is always committed as one transaction before it counts as written.")]
    public bool Autocommit { get; set; } = true;

    [Option("Seconds to wait for a database another process has locked (sqlite), or for a statement (postgresql); then the batch is retried later.", Min = 1, Max = 3600)]
    public int BusyTimeout { get; set; } = 5;
}
