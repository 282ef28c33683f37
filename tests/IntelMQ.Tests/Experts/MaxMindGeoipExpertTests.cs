using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Text.Json;
using IntelMQ.Core;
using IntelMQ.Experts.MaxMindGeoip;
using IntelMQ.Tests.Collectors;
using Microsoft.AspNetCore.Http;

namespace IntelMQ.Tests.Experts;

public sealed class MaxMindGeoipExpertTests
{
    static readonly string Data = Path.Combine(Paths.Shared, "data", "maxmind");

    static MaxMindGeoipExpert Expert(string database, bool overwrite = false, bool useRegistered = false) =>
        new(new MaxMindGeoipExpertOptions { Database = Path.Combine(Data, database), Overwrite = overwrite, UseRegistered = useRegistered }, ProgramContext.Default);

    static Event Process(MaxMindGeoipExpert expert, params (string Path, object Value)[] fields)
    {
        var ev = Event.Create();
        foreach (var (path, value) in fields) ev.Add(path, value);
        var output = new EventCollector();
        expert.Process(ev, output);
        return Assert.Single(output.Events);
    }

    /// <summary>Each network of a test database's source data: its first address and the record the most specific network holding it has.</summary>
    static IEnumerable<(string Ip, JsonElement Record, string Network)> SourceRecords(string name)
    {
        var entries = JsonDocument.Parse(File.ReadAllText(Path.Combine(Data, name + ".source.json"))).RootElement.EnumerateArray()
            .SelectMany(e => e.EnumerateObject()).Select(p => (Network: IPNetwork.Parse(p.Name), p.Value)).ToList();
        foreach (var (network, _) in entries)
        {
            var best = entries.Where(e => e.Network.Contains(network.BaseAddress)).MaxBy(e => e.Network.PrefixLength);
            yield return (network.BaseAddress.ToString(), best.Value, best.Network.ToString());
        }
    }

    static string? Text(JsonElement record, params string[] path)
    {
        foreach (var name in path)
            if (record.ValueKind != JsonValueKind.Object || !record.TryGetProperty(name, out record)) return null;
        return record.ToString();
    }

    [Fact]
    public void City_database_lookups_return_what_the_source_data_says()
    {
        using var expert = Expert("GeoIP2-City-Test.mmdb");
        var checkedCities = 0;
        foreach (var (ip, record, _) in SourceRecords("GeoIP2-City-Test"))
        {
            var ev = Process(expert, ("source.ip", ip));
            Assert.Equal(Text(record, "country", "iso_code"), ev["source.geo.country_iso_code"] as string);
            Assert.Equal(Text(record, "city", "names", "en"), ev["source.geo.city_name"] as string);
            if (Text(record, "location", "latitude") is { } latitude)
                Assert.Equal(double.Parse(latitude, System.Globalization.CultureInfo.InvariantCulture), Convert.ToDouble(ev["source.geo.location.lat"], System.Globalization.CultureInfo.InvariantCulture), 6);
            if (ev.Contains("source.geo.city_name")) checkedCities++;
        }
        Assert.True(checkedCities > 0);
    }

    [Fact]
    public void Country_database_gives_the_located_or_with_use_registered_the_registered_country()
    {
        using var located = Expert("GeoIP2-Country-Test.mmdb");
        using var registered = Expert("GeoIP2-Country-Test.mmdb", useRegistered: true);
        var differing = 0;
        foreach (var (ip, record, _) in SourceRecords("GeoIP2-Country-Test"))
        {
            Assert.Equal(Text(record, "country", "iso_code"), Process(located, ("destination.ip", ip))["destination.geo.country_iso_code"] as string);
            Assert.Equal(Text(record, "registered_country", "iso_code"), Process(registered, ("destination.ip", ip))["destination.geo.country_iso_code"] as string);
            if (Text(record, "country", "iso_code") != Text(record, "registered_country", "iso_code")) differing++;
        }
        Assert.True(differing > 0);
    }

    [Fact]
    public void Asn_database_gives_number_name_and_network()
    {
        using var expert = Expert("GeoLite2-ASN-Test.mmdb");
        foreach (var (ip, record, network) in SourceRecords("GeoLite2-ASN-Test"))
        {
            var ev = Process(expert, ("source.ip", ip));
            Assert.Equal(Text(record, "autonomous_system_number"), ev["source.as.number"]?.ToString());
            Assert.Equal(Text(record, "autonomous_system_organization"), ev["source.as.organization.name"] as string);
            // The database merges neighbouring networks with equal records: its network holds the source's.
            var found = IPNetwork.Parse((string)ev["source.network"]!);
            Assert.True(found.Contains(IPAddress.Parse(ip)) && found.PrefixLength <= IPNetwork.Parse(network).PrefixLength, $"{ip}: {found} does not hold {network}");
        }
    }

    [Fact]
    public void Every_address_of_a_network_met_before_gets_its_record_and_network()
    {
        using var expert = Expert("GeoLite2-ASN-Test.mmdb");
        string[] ips = ["1.128.0.1", "1.159.255.254", "10.1.2.3", "1.128.77.7", "::ffff:1.128.0.9", "10.9.9.9"];

        var found = ips.Select(ip => Process(expert, ("source.ip", ip))).Select(ev => (ev["source.as.number"], ev["source.network"])).ToArray();

        Assert.Equal([(1221L, "1.128.0.0/11"), (1221L, "1.128.0.0/11"), (null, null), (1221L, "1.128.0.0/11"), (1221L, "::ffff:1.128.0.0/107"), (null, null)], found);
    }

    [Fact]
    public void Fields_already_set_are_kept_unless_overwrite()
    {
        var (ip, record, _) = SourceRecords("GeoIP2-City-Test").First(r => Text(r.Record, "country", "iso_code") is not null);
        using var keep = Expert("GeoIP2-City-Test.mmdb");
        using var replace = Expert("GeoIP2-City-Test.mmdb", overwrite: true);

        Assert.Equal("AQ", Process(keep, ("source.ip", ip), ("source.geo.country_iso_code", "AQ"))["source.geo.country_iso_code"]);
        Assert.Equal(Text(record, "country", "iso_code"), Process(replace, ("source.ip", ip), ("source.geo.country_iso_code", "AQ"))["source.geo.country_iso_code"]);
    }

    [Fact]
    public void Address_not_in_the_database_leaves_the_event_unchanged()
    {
        using var expert = Expert("GeoIP2-City-Test.mmdb");
        var ev = Process(expert, ("source.ip", "10.1.2.3"));

        Assert.Equal(1, ev.Fields.Count(f => f.Key.StartsWith("source.", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("GeoIP2-City-Test-Invalid-Node-Count.mmdb")]
    [InlineData("MaxMind-DB-test-broken-pointers-24.mmdb")]
    [InlineData("GeoIP2-City-Test.source.json")]
    public void Broken_database_is_refused_at_start_naming_the_file(string file) =>
        Assert.Contains(file, Assert.Throws<ConfigurationException>(() => Expert(file)).Message);

    [Fact]
    public async Task Self_update_downloads_the_edition_with_the_key_and_swaps_it_in()
    {
        var archive = new MemoryStream();
        await using (var gzip = new GZipStream(archive, CompressionLevel.Fastest, leaveOpen: true))
        await using (var tar = new TarWriter(gzip))
            await tar.WriteEntryAsync(Path.Combine(Data, "GeoLite2-City-Test.mmdb"), "GeoLite2-City_20260101/GeoLite2-City.mmdb", TestContext.Current.CancellationToken);
        await using var server = await FeedServer.StartAsync(context => context.Response.Body.WriteAsync(archive.ToArray()).AsTask());
        var directory = Directory.CreateTempSubdirectory("maxmind");
        try
        {
            var options = new MaxMindGeoipExpertOptions { LicenseKey = new Secret("k3y"), DownloadUrl = server.Url("/download?edition_id={edition}&license_key={license_key}") };
            var updater = new MaxMindDatabaseUpdater(options, ProgramContext.Default with { DataDirectory = directory.FullName });

            var line = await updater.UpdateAsync(TestContext.Current.CancellationToken);

            Assert.Equal("GET /download?edition_id=GeoLite2-City&license_key=k3y", Assert.Single(server.Requests).Request);
            Assert.DoesNotContain("k3y", line);
            using var expert = new MaxMindGeoipExpert(options, ProgramContext.Default with { DataDirectory = directory.FullName });
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Self_update_keeps_the_old_copy_when_the_download_is_not_a_database()
    {
        await using var server = await FeedServer.StartAsync(context => context.Response.WriteAsync("<html>quota exceeded</html>"));
        var directory = Directory.CreateTempSubdirectory("maxmind");
        try
        {
            var target = Path.Combine(directory.FullName, MaxMindGeoipExpert.DefaultFileName);
            File.Copy(Path.Combine(Data, "GeoLite2-City-Test.mmdb"), target);
            var options = new MaxMindGeoipExpertOptions { Database = target, LicenseKey = new Secret("k3y"), DownloadUrl = server.Url("/download?k={license_key}") };

            await Assert.ThrowsAsync<IOException>(() => new MaxMindDatabaseUpdater(options, ProgramContext.Default).UpdateAsync(TestContext.Current.CancellationToken).AsTask());

            Assert.Equal(File.ReadAllBytes(Path.Combine(Data, "GeoLite2-City-Test.mmdb")), File.ReadAllBytes(target));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
