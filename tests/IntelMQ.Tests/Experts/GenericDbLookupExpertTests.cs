using IntelMQ.Core;
using IntelMQ.Experts.GenericDbLookup;
using IntelMQ.Tests.Outputs;
using Microsoft.Data.Sqlite;

namespace IntelMQ.Tests.Experts;

public sealed class GenericDbLookupExpertTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    static readonly Dictionary<string, string> Match = new() { ["source.asn"] = "asn" };
    static readonly Dictionary<string, string> Replace = new() { ["contact"] = "source.abuse_contact", ["country"] = "source.geolocation.cc" };

    static Event Process(GenericDbLookupExpert expert, params (string Path, object Value)[] fields)
    {
        var ev = Event.Create();
        foreach (var (path, value) in fields) ev.Add(path, value);
        var output = new EventCollector();
        expert.Process(ev, output);
        return Assert.Single(output.Events);
    }

    GenericDbLookupExpert Postgres(string table, bool overwrite = false)
    {
        server.Required().Execute($"""
            DROP TABLE IF EXISTS {table};
            CREATE TABLE {table} (asn bigint, contact text, country text);
            INSERT INTO {table} VALUES (64496, 'abuse@example.at', 'AT'), (64497, 'noc@example.org', NULL), (64498, 'a@x.org', 'DE'), (64498, 'b@x.org', 'DE');
            """);
        return new(new GenericDbLookupExpertOptions
        {
            Host = "127.0.0.1", Port = server.Port, Database = "intelmq", User = "intelmq", Sslmode = "disable",
            Table = table, MatchFields = Match, ReplaceFields = Replace, Overwrite = overwrite,
        });
    }

    [Fact]
    public void A_matching_postgresql_row_fills_the_replace_fields()
    {
        using var expert = Postgres("lookup_fill");

        var ev = Process(expert, ("source.as.number", 64496L));

        Assert.Equal("abuse@example.at", ev["source.abuse_contact"]);
        Assert.Equal("AT", ev["source.geo.country_iso_code"]);
    }

    [Fact]
    public void Fields_the_event_has_are_kept_unless_overwrite()
    {
        using var keep = Postgres("lookup_keep");
        using var replace = Postgres("lookup_replace", overwrite: true);

        Assert.Equal("old@example.org", Process(keep, ("source.as.number", 64496L), ("source.abuse_contact", "old@example.org"))["source.abuse_contact"]);
        Assert.Equal("abuse@example.at", Process(replace, ("source.as.number", 64496L), ("source.abuse_contact", "old@example.org"))["source.abuse_contact"]);
    }

    [Fact]
    public void No_row_or_a_missing_match_field_passes_the_event_unchanged()
    {
        using var expert = Postgres("lookup_none");

        Assert.False(Process(expert, ("source.as.number", 1L)).Contains("source.abuse_contact"));
        Assert.False(Process(expert, ("source.ip", "192.0.2.1")).Contains("source.abuse_contact"));
    }

    [Fact]
    public void A_null_column_is_not_written() =>
        Assert.False(Process(Postgres("lookup_null"), ("source.as.number", 64497L)).Contains("source.geo.country_iso_code"));

    [Fact]
    public void Several_matching_rows_refuse_the_event()
    {
        using var expert = Postgres("lookup_many");

        Assert.Throws<InvalidDataException>(() => Process(expert, ("source.as.number", 64498L)));
    }

    [Fact]
    public void Each_key_is_asked_once()
    {
        using var expert = Postgres("lookup_cached");
        Process(expert, ("source.as.number", 64496L));
        server.Execute("UPDATE lookup_cached SET contact = 'changed@example.at'");

        Assert.Equal("abuse@example.at", Process(expert, ("source.as.number", 64496L))["source.abuse_contact"]);
    }

    [Fact]
    public void Sqlite_tables_are_looked_up_the_same_way()
    {
        var file = Path.Combine(Path.GetTempPath(), $"lookup-{Guid.NewGuid():N}.db");
        try
        {
            using (var connection = new SqliteConnection($"Data Source={file}"))
            {
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText = "CREATE TABLE contacts (asn INTEGER, contact TEXT, country TEXT); INSERT INTO contacts VALUES (64496, 'abuse@example.at', 'AT');";
                command.ExecuteNonQuery();
            }
            SqliteConnection.ClearAllPools();
            using var expert = new GenericDbLookupExpert(new() { Engine = "sqlite", Database = file, Table = "contacts", MatchFields = Match, ReplaceFields = Replace });

            Assert.Equal("abuse@example.at", Process(expert, ("source.as.number", 64496L))["source.abuse_contact"]);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("contacts; DROP TABLE x")]
    [InlineData("a\"b")]
    public void A_table_name_that_is_not_an_identifier_is_refused(string table) =>
        Assert.Throws<ConfigurationException>(() => new GenericDbLookupExpert(new() { Table = table, MatchFields = Match, ReplaceFields = Replace }));
}
