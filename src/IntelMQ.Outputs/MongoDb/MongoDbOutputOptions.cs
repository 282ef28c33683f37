using IntelMQ.Contract;

namespace IntelMQ.Outputs.MongoDb;

public sealed record MongoDbOutputOptions
{
    [Option("The MongoDB server's host name or address.")]
    public string Host { get; set; } = "localhost";

    [Option("The MongoDB server's port.", Min = 1, Max = 65535)]
    public int Port { get; set; } = 27017;

    [Option("The database to write to.")]
    public string Database { get; set; } = "";

    [Option("The collection to write to.")]
    public string Collection { get; set; } = "";

    [Option("The user to authenticate as (none when empty).")]
    public string DbUser { get; set; } = "";

    [Option("The user's password.")]
    public Secret DbPass { get; set; } = new("");

    [Option("The database the user is defined in (MongoDB's authSource); empty means database.")]
    public string AuthSource { get; set; } = "";

    [Option("Nest the document at the dots of the field names ({\"source\": {\"ip\": ...}}), as MongoDB field names should not hold dots.")]
    public bool HierarchicalOutput { get; set; } = true;

    [Option("Without hierarchical_output: the character the dots of field names are replaced by.")]
    public string ReplacementChar { get; set; } = "_";

    [Option("Seconds to wait for the server (choosing it, each operation); then the batch is retried later.", Min = 1, Max = 3600)]
    public double TimeoutSec { get; set; } = 30;
}
