using IntelMQ.Cli;
using IntelMQ.Runtime.Configuration;

namespace IntelMQ.Tests.Cli;

/// <summary><c>connectiontest</c> and <c>fieldcheck</c> catch seeded mistakes in a workflow's graph, naming the file and the fix.</summary>
public sealed class WorkflowCheckTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("intelmq-workflow-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    void Write(string id, string yaml) => File.WriteAllText(Path.Combine(_dir, id + ".yaml"), yaml);

    WorkflowGraph Graph()
    {
        var problems = new List<ConfigDiagnostic>();
        var instances = InstanceLoader.LoadDirectory(_dir, Programs.Catalog, IntelMQ.Cli.Channels.Catalog, problems);
        Assert.Empty(problems);
        return new WorkflowGraph(instances);
    }

    const string Queue = "redis://localhost:6379/2?queue=";

    void Pipeline(string parserOutput)
    {
        Write("collector", $"program: file-collector\noutput: {Queue}parser-queue\noptions:\n  path: /tmp\n");
        Write("parser", $"program: shadowserver-parser\ninput: {Queue}parser-queue\noutput: {parserOutput}\n");
        Write("taxonomy", $"program: taxonomy-expert\ninput: redis://127.0.0.1/2?queue=taxonomy-queue\noutput: {Queue}output-queue\n");
        Write("output", $"program: file-output\ninput: {Queue}output-queue\noptions:\n  path: /tmp/events.jsonl\n");
    }

    [Fact]
    public void A_whole_workflow_passes_and_the_same_server_matches_however_it_is_written()
    {
        Pipeline($"{Queue}taxonomy-queue");
        var graph = Graph();
        Assert.Empty(graph.CheckConnections());
        Assert.Empty(graph.CheckFields());
    }

    [Fact]
    public void A_dangling_queue_is_named_on_both_sides_with_a_suggestion()
    {
        Pipeline($"{Queue}taxonomy-queeu");
        var problems = Graph().CheckConnections();
        var output = Assert.Single(problems, p => p.File.EndsWith("parser.yaml"));
        Assert.Equal(3, output.Line);
        Assert.Contains("which no instance reads", output.Message);
        Assert.Contains("did you mean redis://127.0.0.1:6379/2?taxonomy-queue", output.Message);
        var input = Assert.Single(problems, p => p.File.EndsWith("taxonomy.yaml"));
        Assert.Equal(2, input.Line);
        Assert.Contains("nothing writes to taxonomy's input", input.Message);
    }

    [Fact]
    public void A_cycle_is_reported()
    {
        Write("a", $"program: taxonomy-expert\ninput: {Queue}a\noutput: {Queue}b\n");
        Write("b", $"program: taxonomy-expert\ninput: {Queue}b\noutput: {Queue}a\n");
        var cycle = Assert.Single(Graph().CheckConnections());
        Assert.Contains("a cycle: a → b → a", cycle.Message);
    }

    [Fact]
    public void Different_transports_at_the_two_ends_are_reported()
    {
        Pipeline("redis-stream://localhost:6379/2?stream=taxonomy-queue&group=g");
        Assert.Contains(Graph().CheckConnections(), p => p.Message.Contains("both ends of a channel must use the same transport"));
    }

    [Fact]
    public void Standard_output_in_a_workflow_is_reported()
    {
        Write("a", $"program: taxonomy-expert\ninput: file:in.jsonl\n");
        Assert.Contains("add `output:`", Assert.Single(Graph().CheckConnections()).Message);
    }

    [Fact]
    public void Fieldcheck_names_a_program_whose_fields_nothing_upstream_writes()
    {
        Write("collector", $"program: file-collector\noutput: {Queue}taxonomy-queue\noptions:\n  path: /tmp\n");
        Write("taxonomy", $"program: taxonomy-expert\ninput: {Queue}taxonomy-queue\noutput: file:out.jsonl\n");
        var problem = Assert.Single(Graph().CheckFields());
        Assert.EndsWith("taxonomy.yaml", problem.File);
        Assert.Contains("reads classification.type", problem.Message);
        Assert.Contains("collector (file-collector) → taxonomy (taxonomy-expert)", problem.Message);
        Assert.Contains("Put a program that writes them before it", problem.Message);
    }

    [Fact]
    public void Fieldcheck_names_a_parser_fed_events()
    {
        Write("taxonomy", $"program: taxonomy-expert\ninput: file:in.jsonl\noutput: {Queue}parser-queue\n");
        Write("parser", $"program: shadowserver-parser\ninput: {Queue}parser-queue\noutput: file:out.jsonl\n");
        Assert.Contains(Graph().CheckFields(), p => p.Message.Contains("it reads reports, but taxonomy (taxonomy-expert) writes events"));
    }
}
