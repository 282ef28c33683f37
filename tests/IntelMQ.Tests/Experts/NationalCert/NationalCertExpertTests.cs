using IntelMQ.Core;
using IntelMQ.Experts.NationalCert;
using IntelMQ.Tests.Collectors;
using IntelMQ.Tests.Experts.TrustedIntroducer;
using Microsoft.AspNetCore.Http;

namespace IntelMQ.Tests.Experts.NationalCert;

public sealed class NationalCertExpertTests : IDisposable
{
    readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("national-cert-");

    public void Dispose() => _data.Delete(recursive: true);

    ProgramContext Context => ProgramContext.Default with { DataDirectory = _data.FullName };

    string Table(params string[] lines)
    {
        var path = Path.Combine(_data.FullName, "table.tsv");
        File.WriteAllLines(path, lines);
        return path;
    }

    static Event Process(NationalCertExpert expert, params (string Path, object Value)[] fields)
    {
        var ev = Event.Create();
        foreach (var (path, value) in fields) ev.Add(path, value);
        var output = new EventCollector();
        expert.Process(ev, output);
        return Assert.Single(output.Events);
    }

    [Fact]
    public void The_built_in_sample_names_the_team_of_a_cctld_and_of_a_tld_it_lists()
    {
        var expert = new NationalCertExpert(new(), Context);

        var ev = Process(expert, ("source.domain", "www.example.at"));
        Assert.Equal("Computer Emergency Response Team Austria", ev["custom.national_cert.name"]);
        Assert.Equal("team@cert.at", ev["custom.national_cert.email"]);
        Assert.Equal("https://cert.at/", ev["custom.national_cert.url"]);
        Assert.Equal("AT", ev["custom.national_cert.country"]);
        Assert.Equal("AT", Process(expert, ("source.domain", "shop.wien"))["custom.national_cert.country"]);
        Assert.Equal("info@circl.lu", Process(expert, ("source.domain", "example.lu"))["custom.national_cert.email"]);
    }

    [Fact]
    public void The_uk_tld_belongs_to_gb()
    {
        var expert = new NationalCertExpert(new() { Database = Table("GB\t\tExample UK CERT\tcert@uk.example\t") }, Context);

        var ev = Process(expert, ("source.domain", "www.example.co.uk"));

        Assert.Equal("Example UK CERT", ev["custom.national_cert.name"]);
        Assert.False(ev.Contains("custom.national_cert.url"));
    }

    [Fact]
    public void The_country_of_the_address_is_looked_up_only_when_order_asks_for_it()
    {
        (string, object)[] fields = [("source.ip", "192.0.2.1"), ("source.geo.country_iso_code", "LU")];

        Assert.False(Process(new NationalCertExpert(new(), Context), fields).Contains("custom.national_cert.name"));
        Assert.Equal("LU", Process(new NationalCertExpert(new() { Order = "domain, geolocation" }, Context), fields)["custom.national_cert.country"]);
    }

    [Fact]
    public void The_first_lookup_of_order_that_matches_wins()
    {
        (string, object)[] fields = [("source.domain", "example.at"), ("source.geo.country_iso_code", "LU")];

        Assert.Equal("AT", Process(new NationalCertExpert(new() { Order = "domain, geolocation" }, Context), fields)["custom.national_cert.country"]);
        Assert.Equal("LU", Process(new NationalCertExpert(new() { Order = "geolocation, domain" }, Context), fields)["custom.national_cert.country"]);
    }

    [Fact]
    public void A_domain_whose_tld_has_no_national_cert_passes_unchanged()
    {
        var ev = Process(new NationalCertExpert(new(), Context), ("source.domain", "example.com"));

        Assert.False(ev.Contains("custom.national_cert.name"));
    }

    [Fact]
    public void A_team_the_event_has_is_kept_unless_overwrite()
    {
        (string, object)[] fields = [("source.domain", "example.at"), ("custom.national_cert.name", "Someone")];

        Assert.Equal("Someone", Process(new NationalCertExpert(new(), Context), fields)["custom.national_cert.name"]);
        Assert.Equal("AT", Process(new NationalCertExpert(new() { Overwrite = true }, Context), fields)["custom.national_cert.country"]);
    }

    [Fact]
    public void A_table_in_the_data_directory_replaces_the_built_in_sample()
    {
        File.WriteAllText(Path.Combine(_data.FullName, NationalCertExpert.FileName), "AT\t\tLocal Team\tlocal@example.org\t\n");

        Assert.Equal("Local Team", Process(new NationalCertExpert(new(), Context), ("source.domain", "example.at"))["custom.national_cert.name"]);
    }

    [Theory]
    [InlineData("AT\tat\tTeam\tx@example.org", "line 2: expected 5 tab-separated cells")]
    [InlineData("AUT\t\tTeam\tx@example.org\t", "line 2: 'AUT' is not an ISO 3166-1 alpha-2 country code")]
    [InlineData("AT\t\tOther\tx@example.org\t", "line 2: AT is listed twice")]
    [InlineData("DE\twien\tOther\tx@example.org\t", "line 2: TLD wien is listed for both")]
    public void A_broken_table_is_refused_at_start_with_the_line(string line, string message)
    {
        var table = Table("AT\twien\tTeam\tteam@example.org\thttps://example.org/", line);

        var ex = Assert.Throws<ConfigurationException>(() => new NationalCertExpert(new() { Database = table }, Context));

        Assert.Contains(table, ex.Message, StringComparison.Ordinal);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Self_update_builds_the_table_from_the_national_teams_of_the_directory()
    {
        await using var server = await FeedServer.StartAsync(context => context.Response.WriteAsync(TeamDirectorySample.Json));
        var options = new NationalCertExpertOptions { DatabaseUrl = server.Url("/directory/teams.json"), Order = "domain, geolocation" };

        var line = await new NationalCertTableUpdater(options, Context).UpdateAsync(TestContext.Current.CancellationToken);

        Assert.Contains("table of 3 national CERTs", line, StringComparison.Ordinal);
        var expert = new NationalCertExpert(options, Context);
        var austria = Process(expert, ("source.domain", "nic.versicherung"));
        Assert.Equal(("Example National CERT", "team@cert.example"), (austria["custom.national_cert.name"], austria["custom.national_cert.email"]));
        Assert.Equal("Example Luxembourg CERT", Process(expert, ("source.geo.country_iso_code", "LU"))["custom.national_cert.name"]);
        var silent = Process(expert, ("source.domain", "bund.de"));
        Assert.Equal("Example Team Without Contact", silent["custom.national_cert.name"]);
        Assert.False(silent.Contains("custom.national_cert.email"));
        Assert.Equal("Example National CERT", Process(expert, ("source.domain", "www.tuwien.ac.at"))["custom.national_cert.name"]);
    }

    [Fact]
    public async Task Self_update_keeps_the_old_table_when_the_directory_has_no_national_team()
    {
        var target = Path.Combine(_data.FullName, NationalCertExpert.FileName);
        File.WriteAllText(target, "AT\t\tLocal Team\tlocal@example.org\t\n");
        await using var server = await FeedServer.StartAsync(context => context.Response.WriteAsync("""[{"official_name": "A", "constituency": {"types": ["Commercial Organisation"]}}]"""));
        var options = new NationalCertExpertOptions { DatabaseUrl = server.Url("/teams.json") };

        var ex = await Assert.ThrowsAsync<IOException>(() => new NationalCertTableUpdater(options, Context).UpdateAsync(TestContext.Current.CancellationToken).AsTask());

        Assert.Contains("National", ex.Message, StringComparison.Ordinal);
        Assert.Equal("AT\t\tLocal Team\tlocal@example.org\t\n", File.ReadAllText(target));
    }
}
