using IntelMQ.Core;
using IntelMQ.Outputs.MongoDb;
using MongoDB.Bson;
using MongoDB.Driver;

namespace IntelMQ.Tests.Outputs;

public sealed class MongoDbOutputTests
{
    static CancellationToken Cancel => TestContext.Current.CancellationToken;

    static Event NewEvent(int i)
    {
        var ev = Event.Create();
        ev.Add("feed.name", "Test Feed");
        ev.Add(DhoMapping.ToIdf("time.source")!, "2026-05-01T10:00:00+00:00");
        ev.Add(DhoMapping.ToIdf("time.observation")!, "2026-05-01T11:30:00+00:00");
        ev.Add(DhoMapping.ToIdf("source.ip")!, $"192.0.2.{i + 1}");
        ev.Add(DhoMapping.ToIdf("source.port")!, 8080L);
        ev.Add("custom.note", "n");
        ev.Add(Event.OriginalField, "raw line");
        ev.AssignStableId();
        return ev;
    }

    [Fact]
    public void A_hierarchical_document_nests_intelmqs_names_holds_the_times_as_dates_and_the_event_id_as_id()
    {
        var ev = NewEvent(0);

        var document = MongoDbOutput.Document(ev, new() { Database = "d", Collection = "c" });

        Assert.Equal(ev.Id, document["_id"].AsString);
        Assert.Equal("192.0.2.1", document["source"]["ip"].AsString);
        Assert.Equal(8080, document["source"]["port"].ToInt32());
        Assert.Equal("n", document["extra"]["note"].AsString);
        Assert.Equal("Test Feed", document["feed"]["name"].AsString);
        Assert.Equal(new DateTime(2026, 5, 1, 10, 0, 0, DateTimeKind.Utc), document["time"]["source"].ToUniversalTime());
        Assert.Equal(new DateTime(2026, 5, 1, 11, 30, 0, DateTimeKind.Utc), document["time"]["observation"].ToUniversalTime());
        Assert.Equal(Convert.ToBase64String("raw line"u8.ToArray()), document["raw"].AsString);
        Assert.False(document.Contains("__type"));
    }

    [Fact]
    public void A_flat_document_replaces_the_dots_of_the_names()
    {
        var document = MongoDbOutput.Document(NewEvent(0), new() { HierarchicalOutput = false, ReplacementChar = "_" });

        Assert.Equal("192.0.2.1", document["source_ip"].AsString);
        Assert.Equal("n", document["extra_note"].AsString);
        Assert.Equal(BsonType.DateTime, document["time_source"].BsonType);
        Assert.DoesNotContain(document.Names, n => n.Contains('.'));
    }

    [Theory]
    [InlineData("", "events", false, "_", "'database'")]
    [InlineData("intelmq", "", false, "_", "'collection'")]
    [InlineData("intelmq", "events", false, ".", "'replacement_char'")]
    public void A_configuration_mongodb_cannot_use_is_refused_at_start(string database, string collection, bool hierarchical, string replacement, string option)
    {
        var error = Assert.Throws<ConfigurationException>(() => new MongoDbOutput(new() { Database = database, Collection = collection, HierarchicalOutput = hierarchical, ReplacementChar = replacement }));

        Assert.Contains(option, error.Message);
    }

    [Fact]
    public async Task No_server_is_transient()
    {
        using var output = new MongoDbOutput(new() { Host = "127.0.0.1", Port = 1, Database = "intelmq", Collection = "events", TimeoutSec = 1 });

        await Assert.ThrowsAsync<TransientException>(async () => await output.WriteAsync([NewEvent(0)], new WriteResult[1], Cancel));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await output.CheckAsync(Cancel));
    }

    /// <summary>Against a real MongoDB when INTELMQ_TEST_MONGODB gives one (mongodb://host:port).</summary>
    [Fact]
    public async Task A_real_server_stores_the_batch_once_and_refuses_a_document_its_validator_rejects()
    {
        var address = Environment.GetEnvironmentVariable("INTELMQ_TEST_MONGODB");
        Assert.SkipWhen(string.IsNullOrEmpty(address), "INTELMQ_TEST_MONGODB is not set (e.g. mongodb://127.0.0.1:27017): no MongoDB server can be installed here; the document building is tested without one.");
        var url = MongoUrl.Create(address);
        var database = "intelmq_test_" + Guid.NewGuid().ToString("N")[..8];
        var client = new MongoClient(url);
        try
        {
            // A validator refusing port 0 stands for any document the server will not take.
            await client.GetDatabase(database).CreateCollectionAsync("events",
                new CreateCollectionOptions<BsonDocument> { Validator = new BsonDocument("source.port", new BsonDocument("$ne", 0)) }, Cancel);
            using var output = new MongoDbOutput(new() { Host = url.Server.Host, Port = url.Server.Port, Database = database, Collection = "events" });
            var events = Enumerable.Range(0, 10).Select(NewEvent).ToList();
            events[3].Add(DhoMapping.ToIdf("source.port")!, 0L, overwrite: true);

            var results = new WriteResult[events.Count];
            await output.WriteAsync(events, results, Cancel);
            var again = new WriteResult[events.Count];
            await output.WriteAsync(events, again, Cancel);

            Assert.Equal(WriteStatus.Refused, results[3].Status);
            Assert.Equal(9, results.Count(r => r == WriteResult.Written));
            Assert.Equal(9, again.Count(r => r == WriteResult.Written));
            Assert.Equal(9, await client.GetDatabase(database).GetCollection<BsonDocument>("events").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty, cancellationToken: Cancel));
            await output.CheckAsync(Cancel);
        }
        finally
        {
            await client.DropDatabaseAsync(database, Cancel);
            client.Dispose();
        }
    }
}
