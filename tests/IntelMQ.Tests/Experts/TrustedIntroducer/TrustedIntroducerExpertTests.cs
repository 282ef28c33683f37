using IntelMQ.Core;
using IntelMQ.Experts.TrustedIntroducer;
using IntelMQ.Tests.Collectors;
using Microsoft.AspNetCore.Http;

namespace IntelMQ.Tests.Experts.TrustedIntroducer;

public sealed class TrustedIntroducerExpertTests : IDisposable
{
    readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("ti-");

    public void Dispose() => _data.Delete(recursive: true);

    string Teams => Path.Combine(_data.FullName, TrustedIntroducerExpert.FileName);

    ProgramContext Context => ProgramContext.Default with { DataDirectory = _data.FullName };

    TrustedIntroducerExpert Expert(TrustedIntroducerExpertOptions? options = null)
    {
        if (!File.Exists(Teams)) File.WriteAllText(Teams, TeamDirectorySample.Json);
        return new(options ?? new(), Context);
    }

    static Event Process(TrustedIntroducerExpert expert, params (string Path, object Value)[] fields)
    {
        var ev = Event.Create();
        foreach (var (path, value) in fields) ev.Add(path, value);
        var output = new EventCollector();
        expert.Process(ev, output);
        return Assert.Single(output.Events);
    }

    [Fact]
    public void A_domain_under_a_constituency_domain_gets_the_team_contact()
    {
        Assert.Equal("team@cert.example", Process(Expert(), ("source.domain", "nic.versicherung"))["source.abuse_contact"]);
    }

    [Fact]
    public void The_longest_listed_suffix_wins()
    {
        Assert.Equal("cert@nren.example", Process(Expert(), ("source.domain", "www.tuwien.ac.at"))["source.abuse_contact"]);
        Assert.Equal("team@cert.example", Process(Expert(), ("source.domain", "www.example.at"))["source.abuse_contact"]);
    }

    [Fact]
    public void An_as_in_a_constituency_gets_the_team_contact_and_the_first_team_listing_it_wins()
    {
        var expert = Expert();

        Assert.Equal("cert@nren.example", Process(expert, ("source.as.number", 679))["source.abuse_contact"]);
        Assert.Equal("cert@nren.example", Process(expert, ("source.as.number", 760))["source.abuse_contact"]);
    }

    [Fact]
    public void The_domain_is_looked_up_before_the_as_by_default_and_order_changes_that()
    {
        (string, object)[] fields = [("source.domain", "nic.at"), ("source.as.number", 679)];

        Assert.Equal("team@cert.example", Process(Expert(), fields)["source.abuse_contact"]);
        Assert.Equal("cert@nren.example", Process(Expert(new() { Order = "asn, domain" }), fields)["source.abuse_contact"]);
        Assert.False(Process(Expert(new() { Order = "asn" }), ("source.domain", "nic.at")).Contains("source.abuse_contact"));
    }

    [Fact]
    public void Teams_without_a_contact_address_and_wildcard_tlds_are_left_out()
    {
        var expert = Expert();

        Assert.False(Process(expert, ("source.domain", "bund.de"), ("source.as.number", 64500)).Contains("source.abuse_contact"));
        Assert.False(Process(expert, ("source.domain", "uni.example.org")).Contains("source.abuse_contact"));
    }

    [Fact]
    public void A_contact_the_event_has_is_replaced_by_default_and_kept_without_overwrite()
    {
        (string, object)[] fields = [("source.domain", "nic.at"), ("source.abuse_contact", "abuse@isp.example")];

        Assert.Equal("team@cert.example", Process(Expert(), fields)["source.abuse_contact"]);
        Assert.Equal("abuse@isp.example", Process(Expert(new() { Overwrite = false }), fields)["source.abuse_contact"]);
    }

    [Fact]
    public void An_event_that_matches_nothing_passes_unchanged()
    {
        var ev = Process(Expert(), ("source.domain", "example.com"), ("source.as.number", 64496));

        Assert.False(ev.Contains("source.abuse_contact"));
    }

    [Fact]
    public void A_missing_directory_is_refused_at_start_saying_how_to_get_it()
    {
        var ex = Assert.Throws<ConfigurationException>(() => new TrustedIntroducerExpert(new(), Context));

        Assert.Contains("--self-update-db", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_directory_that_is_not_json_is_refused_at_start_with_the_line()
    {
        File.WriteAllText(Teams, "[\n  {\"official_name\": \"x\",\n  oops\n]");

        var ex = Assert.Throws<ConfigurationException>(() => Expert());

        Assert.Contains(Teams, ex.Message, StringComparison.Ordinal);
        Assert.Contains("line 3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_lookup_in_order_is_refused()
    {
        Assert.Contains("'ip'", Assert.Throws<ConfigurationException>(() => Expert(new() { Order = "domain, ip" })).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Self_update_downloads_the_directory_and_swaps_it_in()
    {
        await using var server = await FeedServer.StartAsync(context => context.Response.WriteAsync(TeamDirectorySample.Json));
        var options = new TrustedIntroducerExpertOptions { DatabaseUrl = server.Url("/directory/teams.json") };

        var line = await new TeamDirectoryUpdater(options, Context).UpdateAsync(TestContext.Current.CancellationToken);

        Assert.Contains("5 teams (4 with a contact address)", line, StringComparison.Ordinal);
        Assert.Equal("team@cert.example", Process(new TrustedIntroducerExpert(options, Context), ("source.domain", "nic.at"))["source.abuse_contact"]);
    }

    [Fact]
    public async Task Self_update_keeps_the_old_copy_when_the_download_is_not_a_directory()
    {
        File.WriteAllText(Teams, TeamDirectorySample.Json);
        await using var server = await FeedServer.StartAsync(context => context.Response.WriteAsync("""{"error": "maintenance"}"""));
        var options = new TrustedIntroducerExpertOptions { DatabaseUrl = server.Url("/directory/teams.json") };

        await Assert.ThrowsAsync<IOException>(() => new TeamDirectoryUpdater(options, Context).UpdateAsync(TestContext.Current.CancellationToken).AsTask());

        Assert.Equal(TeamDirectorySample.Json, File.ReadAllText(Teams));
    }
}
