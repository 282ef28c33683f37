using System.Text.Json.Nodes;
using IntelMQ.Cli;
using IntelMQ.Runtime.Configuration;
using NJsonSchema;

namespace IntelMQ.Tests.Runtime.Configuration;

/// <summary>schema/config.d/NAME.schema.json: editors check config.d files against the same declarations as configtest.</summary>
public sealed class InstanceSchemaTests
{
    public static TheoryData<string> ProgramNames => [.. Programs.Catalog.Programs.Select(p => p.Name)];

    static string SchemaFile(string name) => Path.Combine(Paths.Repo, "schema", "config.d", name + ".schema.json");

    [Theory]
    [MemberData(nameof(ProgramNames))]
    public void Its_committed_schema_is_up_to_date(string name)
    {
        var schema = InstanceSchema.Generate(Programs.Catalog.Resolve(name));
        if (Paths.Regenerate)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(SchemaFile(name))!);
            File.WriteAllText(SchemaFile(name), schema);
        }
        Assert.True(File.Exists(SchemaFile(name)) && File.ReadAllText(SchemaFile(name)) == schema,
            $"schema/config.d/{name}.schema.json is out of date; run: INTELMQ_REGENERATE=1 dotnet test -- --filter-class \"*InstanceSchemaTests\"");
    }

    [Fact]
    public async Task The_schema_accepts_a_file_and_refuses_a_misspelt_option()
    {
        var schema = await JsonSchema.FromJsonAsync(await File.ReadAllTextAsync(SchemaFile("file-output"), TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        var file = new JsonObject
        {
            ["program"] = "intelmq.bots.outputs.file.output", ["run_mode"] = "continuous", ["input"] = "redis://localhost:6379/2?queue=q",
            ["batch_size"] = 10, ["options"] = new JsonObject { ["file"] = "/tmp/events.txt", ["fsync"] = true },
        };
        Assert.Empty(schema.Validate(file.ToJsonString()));
        file["options"]!["fsnyc"] = true;
        Assert.NotEmpty(schema.Validate(file.ToJsonString()));
        file["options"]!.AsObject().Remove("fsnyc");
        file["run_mode"] = "cron";
        Assert.NotEmpty(schema.Validate(file.ToJsonString()));
    }
}
