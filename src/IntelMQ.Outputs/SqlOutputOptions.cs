using IntelMQ.Contract;

namespace IntelMQ.Outputs;

public sealed record SqlOutputOptions
{
    [Option("The database system: sqlite for now; postgresql and mssql are refused until their engines come (IntelMQ's default is postgresql).")]
    public SqlEngine Engine { get; set; } = SqlEngine.Postgresql;

    [Option("The database; for sqlite the database file, which must exist and hold the table.")]
    public string Database { get; set; } = "intelmq-events";

    [Option("The table (or a view with an INSTEAD OF INSERT trigger) the events are inserted into.")]
    public string Table { get; set; } = "events";

    [Option("IntelMQ field names to write (source.ip, extra, raw, ...); empty writes every field the event has.")]
    public string[] Fields { get; set; } = [];

    [Option("Write extra as one JSON text column 'extra' (IntelMQ's default); false writes each extra.X to its own column 'extra.X'.", Aliases = ["message_jsondict_as_string"])]
    public bool JsondictAsString { get; set; } = true;

    [Option("Accepted for IntelMQ configurations; a batch is always committed as one transaction before it counts as written.")]
    public bool Autocommit { get; set; } = true;

    [Option("Seconds to wait for a database another process has locked; then the batch is retried later.", Min = 1, Max = 3600)]
    public int BusyTimeout { get; set; } = 5;
}
