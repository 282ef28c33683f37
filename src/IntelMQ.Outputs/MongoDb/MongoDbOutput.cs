using System.Globalization;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Outputs.Text;
using MongoDB.Bson;
using MongoDB.Driver;

namespace IntelMQ.Outputs.MongoDb;

/// <summary>Inserts each batch into a MongoDB collection with one unordered insertMany; per-document errors become per-event results.</summary>
[Program("mongodb-output", ProgramKind.Output, "Inserts events into a MongoDB collection, a batch per unordered insertMany, with a result per event.",
    Modules = ["intelmq.bots.outputs.mongodb.output"],
    Options = typeof(MongoDbOutputOptions),
    Description = """
        Each event becomes a document as IntelMQ's mongodb output makes it: IntelMQ's field names and values (raw in
        base64), nested at the dots (hierarchical_output, the default) or flat with the dots replaced by
        replacement_char, time.source and time.observation as BSON dates rather than text. Its _id is the event's id,
        so a batch written again (after a lost connection) does not store an event twice: the server's duplicate-key
        answer for it counts as written. A batch is one unordered insertMany (official driver, MongoDB.Driver 3):
        a document the server refuses (a validation rule, a size limit) goes to the dump with the server's code and
        message, the others are written; an error that says the server is stepping down or shutting down retries the
        event; a server that cannot be reached, a timeout or a write concern not met retries the batch. The health
        check pings the database.
        """,
    FieldsRead = ["*"],
    Examples = ["intelmq run mongodb-output --set host=mongo.example.org --set database=intelmq --set collection=events --set db_user=intelmq --set db_pass=... < events.jsonl"])]
public sealed class MongoDbOutput : IOutput, IHealthCheck, IDisposable
{
    const string Program = "mongodb-output";
    const int DuplicateKey = 11000;

    // Server codes that say the server is busy or changing hands, not that the document is wrong.
    static readonly HashSet<int> TransientCodes = [6, 7, 50, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436];

    readonly MongoDbOutputOptions _options;
    readonly MongoClient _client;
    readonly IMongoDatabase _database;
    readonly IMongoCollection<BsonDocument> _collection;

    public MongoDbOutput(MongoDbOutputOptions options)
    {
        _options = options;
        if (options.Database.Length == 0) throw new ConfigurationException($"{Program}: option 'database' is empty; name the database, e.g. --set database=intelmq");
        if (options.Collection.Length == 0) throw new ConfigurationException($"{Program}: option 'collection' is empty; name the collection, e.g. --set collection=events");
        if (!options.HierarchicalOutput && (options.ReplacementChar.Length == 0 || options.ReplacementChar.Contains('.') || options.ReplacementChar.StartsWith('$')))
            throw new ConfigurationException($"{Program}: option 'replacement_char' is '{options.ReplacementChar}'; give what replaces the dots in field names, e.g. _ (not empty, no dot, no leading $).");
        var settings = new MongoClientSettings
        {
            Server = new MongoServerAddress(options.Host, options.Port),
            ServerSelectionTimeout = TimeSpan.FromSeconds(options.TimeoutSec),
            ConnectTimeout = TimeSpan.FromSeconds(options.TimeoutSec),
            SocketTimeout = TimeSpan.FromSeconds(options.TimeoutSec),
            ApplicationName = "intelmq",
        };
        if (options.DbUser.Length > 0)
            settings.Credential = MongoCredential.CreateCredential(options.AuthSource.Length > 0 ? options.AuthSource : options.Database, options.DbUser, options.DbPass.Reveal());
        _client = new MongoClient(settings);
        _database = _client.GetDatabase(options.Database);
        _collection = _database.GetCollection<BsonDocument>(options.Collection);
    }

    public async ValueTask WriteAsync(IReadOnlyList<Event> events, WriteResult[] results, CancellationToken cancellationToken)
    {
        var documents = new List<BsonDocument>(events.Count);
        for (var i = 0; i < events.Count; i++) documents.Add(Document(events[i], _options));
        try
        {
            await _collection.InsertManyAsync(documents, new InsertManyOptions { IsOrdered = false }, cancellationToken);
        }
        catch (MongoBulkWriteException<BsonDocument> ex) when (ex.WriteConcernError is null)
        {
            foreach (var error in ex.WriteErrors)
            {
                var i = error.Index; // the documents are the events, in order
                results[i] = error.Code == DuplicateKey && error.Message.Contains("_id", StringComparison.Ordinal) ? WriteResult.Written
                    : TransientCodes.Contains(error.Code) ? WriteResult.Retry($"{Program}: {error.Code} {error.Message}")
                    : WriteResult.Refused($"{Program}: MongoDB refused the document ({error.Code}): {error.Message}");
            }
        }
        catch (MongoBulkWriteException<BsonDocument> ex)
        {
            throw new TransientException($"{Program}: the write concern was not met: {ex.WriteConcernError!.Message}", ex);
        }
        catch (Exception ex) when (ex is MongoConnectionException or TimeoutException or MongoNotPrimaryException or MongoNodeIsRecoveringException
                                       or MongoExecutionTimeoutException or MongoAuthenticationException or MongoWriteConcernException
                                   || ex is MongoCommandException command && TransientCodes.Contains(command.Code))
        {
            throw new TransientException($"{Program}: {_options.Host}:{_options.Port}: {ex.Message}", ex);
        }
    }

    /// <summary>The document an event becomes: IntelMQ's names and values, nested or with the dots replaced, its times as dates, its id as _id.</summary>
    public static BsonDocument Document(Event ev, MongoDbOutputOptions options)
    {
        var json = IntelMQFields.MessageText(ev, options.HierarchicalOutput, withType: false, withRaw: true);
        var document = BsonDocument.Parse(json);
        var fields = new BsonDocument { ["_id"] = ev.Id ?? ev.StableId() };
        if (options.HierarchicalOutput)
        {
            if (document.TryGetValue("time", out var time) && time is BsonDocument times)
                foreach (var name in (string[])["source", "observation"])
                    if (times.TryGetValue(name, out var value) && Date(value) is { } date) times[name] = date;
            fields.AddRange(document);
            return fields;
        }
        foreach (var element in document)
        {
            var value = element.Name is "time.source" or "time.observation" && Date(element.Value) is { } date ? date : element.Value;
            fields[element.Name.Replace(".", options.ReplacementChar, StringComparison.Ordinal)] = value;
        }
        return fields;
    }

    static BsonDateTime? Date(BsonValue value) =>
        value.IsString && DateTimeOffset.TryParse(value.AsString, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? new BsonDateTime(time.UtcDateTime)
            : null;

    /// <summary>Pings the database: the server is reachable and the credentials are accepted.</summary>
    public async ValueTask CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _database.RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1), cancellationToken: cancellationToken);
        }
        catch (MongoException ex)
        {
            throw new InvalidOperationException($"{Program}: {_options.Host}:{_options.Port}: {ex.Message}", ex);
        }
        catch (TimeoutException ex)
        {
            throw new InvalidOperationException($"{Program}: {_options.Host}:{_options.Port}: {ex.Message}", ex);
        }
    }

    public void Dispose() => _client.Dispose();
}
