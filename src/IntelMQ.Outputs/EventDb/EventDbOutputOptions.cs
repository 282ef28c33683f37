using IntelMQ.Contract;

namespace IntelMQ.Outputs.EventDb;

public sealed record EventDbOutputOptions
{
    [Option("PostgreSQL's host name or address, or a directory holding its Unix socket.")]
    public string Host { get; set; } = "localhost";

    [Option("PostgreSQL's port.", Min = 1, Max = 65535)]
    public int Port { get; set; } = 5432;

    [Option("The database holding the eventdb schema.")]
    public string Database { get; set; } = "intelmq-events";

    [Option("The PostgreSQL user.")]
    public string User { get; set; } = "intelmq";

    [Option("The PostgreSQL user's password; empty for trust or peer authentication.")]
    public Secret Password { get; set; } = new("");

    [Option("TLS to PostgreSQL as libpq's sslmode: disable, allow, prefer, require, verify-ca or verify-full.")]
    public string Sslmode { get; set; } = "prefer";

    [Option("Seconds to wait for a connection to PostgreSQL; then the batch is retried later.", Min = 1, Max = 3600)]
    public int ConnectTimeout { get; set; } = 5;

    [Option("Seconds a statement may run (a batch's COPY and INSERTs); then the batch is retried later.", Min = 1, Max = 3600)]
    public int CommandTimeout { get; set; } = 60;

    [Option("Time one partition holds (day, week, month, year) when this program creates the schema in an empty database; a database keeps the interval it was created with.")]
    public PartitionInterval PartitionInterval { get; set; } = PartitionInterval.Month;
}
