using IntelMQ.Core;
using IntelMQ.Experts.CsvConverter;
using IntelMQ.Experts.DomainValid;
using IntelMQ.Experts.TorNodes;

namespace IntelMQ.Tests.Experts;

/// <summary>The experts that look values up in a local list: domain-valid and tor-nodes; and csv-converter.</summary>
public sealed class LookupListExpertTests : IDisposable
{
    readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("lists-");

    public void Dispose() => _dir.Delete(recursive: true);

    string Write(string name, string text)
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    static Event With(string path, object value)
    {
        var ev = Event.Create();
        ev.Add(path, value);
        return ev;
    }

    [Theory]
    [InlineData("example.com", false)]
    [InlineData("-bad.com", true)]
    [InlineData("under_score.com", true)]
    [InlineData("example.notatld", true)]
    public void Domain_valid_drops_invalid_names_and_unknown_tlds(string name, bool dropped)
    {
        var expert = new DomainValidExpert(new DomainValidExpertOptions { TldsDomainsList = Write("tlds.txt", "# Version 1\nCOM\nNET\n") }, ProgramContext.Default);
        var output = new EventCollector();

        expert.Process(With("source.domain", name), output);

        Assert.Equal(dropped, output.Dropped.Count == 1);
    }

    [Fact]
    public void Tor_nodes_flags_listed_addresses_only()
    {
        var expert = new TorNodesExpert(new TorNodesExpertOptions { Database = Write("tor.dat", "# exits\n192.0.2.1\n") }, ProgramContext.Default);
        var listed = With("source.ip", "192.0.2.1");
        var other = With("source.ip", "192.0.2.2");

        expert.Process(listed, new EventCollector());
        expert.Process(other, new EventCollector());

        Assert.Equal(true, listed["source.tor_node"]);
        Assert.False(other.Contains("source.tor_node"));
    }

    [Fact]
    public void Tor_list_with_a_bad_line_is_refused_with_its_number() =>
        Assert.Contains("line 2", Assert.Throws<ConfigurationException>(() =>
            new TorNodesExpert(new TorNodesExpertOptions { Database = Write("bad.dat", "192.0.2.1\nnot an ip\n") }, ProgramContext.Default)).Message);

    [Fact]
    public void Csv_converter_quotes_cells_holding_the_delimiter()
    {
        var ev = With("comment", "a,b");
        ev.Add("source.ip", "192.0.2.1");

        new CsvConverterExpert(new CsvConverterExpertOptions { Fieldnames = ["source.ip", "comment", "source.port"] }).Process(ev, new EventCollector());

        Assert.Equal("192.0.2.1,\"a,b\",", ev["output"]);
    }
}
