using System.Text.Json;
using IntelMQ.Core;
using YamlDotNet.RepresentationModel;

namespace IntelMQ.Tests.Core;

public sealed class CatalogueTests
{
    [Fact]
    public void Ecs_catalogue_matches_the_ecs_field_list()
    {
        var yaml = new YamlStream();
        using (var reader = File.OpenText(Path.Combine(Paths.Shared, "data", "ecs", "ecs_flat.yml"))) yaml.Load(reader);
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var expected = new List<string>
        {
            "# Derived from Elastic Common Schema ecs_flat.yml (github.com/elastic/ecs @ b85f757, 9.5.0-dev, Apache-2.0).",
            "# Regenerate: INTELMQ_REGENERATE=1 dotnet test --filter Ecs_catalogue",
            "field\ttype\tarray",
        };
        foreach (var (key, value) in root.Children.OrderBy(c => ((YamlScalarNode)c.Key).Value, StringComparer.Ordinal))
        {
            var field = (YamlMappingNode)value;
            var normalize = field.Children.TryGetValue(new YamlScalarNode("normalize"), out var n) ? (YamlSequenceNode)n : new YamlSequenceNode();
            var isArray = normalize.Children.Any(c => ((YamlScalarNode)c).Value == "array");
            expected.Add($"{((YamlScalarNode)key).Value}\t{((YamlScalarNode)field.Children[new YamlScalarNode("type")]).Value}\t{(isArray ? "yes" : "no")}");
        }
        var file = Path.Combine(Paths.Repo, "src", "IntelMQ.Core", "Data", "ecs-fields.tsv");
        var text = string.Join("\n", expected) + "\n";
        if (Paths.Regenerate) File.WriteAllText(file, text);
        Assert.Equal(text, File.ReadAllText(file));
    }

    [Fact]
    public void Every_intelmq_field_has_exactly_one_idf_field_of_a_fitting_type()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Paths.Shared, "data", "intelmq", "harmonization.conf")));
        var dhoFields = doc.RootElement.EnumerateObject().SelectMany(section => section.Value.EnumerateObject())
            .DistinctBy(f => f.Name).ToDictionary(f => f.Name, f => f.Value.GetProperty("type").GetString()!, StringComparer.Ordinal);
        var missing = dhoFields.Keys.Where(f => f != "extra" && !DhoMapping.DhoToIdf.ContainsKey(f)).ToList();
        Assert.Empty(missing);
        Assert.Equal(DhoMapping.DhoToIdf.Count, DhoMapping.IdfToDho.Count);
        foreach (var (dho, idf) in DhoMapping.DhoToIdf)
        {
            var field = FieldCatalogue.Default.Find(idf);
            Assert.True(field is not null, $"{dho} maps to {idf}, which is not in the catalogue");
            Assert.False(field.IsArray, $"{idf} is an array field but IntelMQ's {dho} holds one value");
            var expected = dhoFields[dho] switch
            {
                "IPAddress" => [FieldType.Ip],
                "IPNetwork" => [FieldType.Cidr],
                "FQDN" => [FieldType.Fqdn],
                "URL" => [FieldType.Url],
                "ASN" => [FieldType.Asn],
                "DateTime" => [FieldType.DateTime],
                "Integer" => [FieldType.Integer, FieldType.Port],
                "Float" => [FieldType.Float],
                "Accuracy" => [FieldType.Accuracy],
                "Boolean" => [FieldType.Boolean],
                "ClassificationTaxonomy" => [FieldType.Taxonomy],
                "ClassificationType" => [FieldType.ClassificationType],
                "TLP" => [FieldType.Tlp],
                "Registry" => [FieldType.Registry],
                "Base64" => [FieldType.Text],
                "JSON" or "JSONDict" => [FieldType.Json],
                "UppercaseString" => [FieldType.Uppercase, FieldType.Country],
                "LowercaseString" => [FieldType.Lowercase],
                _ => new[] { FieldType.Keyword, FieldType.Text, FieldType.Url },
            };
            Assert.True(expected.Contains(field.Type), $"{dho} ({dhoFields[dho]}) maps to {idf} of type {field.Type}");
        }
    }

    [Fact]
    public void Multi_valued_fields_are_exactly_the_ecs_array_fields()
    {
        Assert.True(FieldCatalogue.Default.Find("related.ip")!.IsArray);
        Assert.True(FieldCatalogue.Default.Find("related.hosts")!.IsArray);
        Assert.True(FieldCatalogue.Default.Find("tags")!.IsArray);
        Assert.True(FieldCatalogue.Default.Find("event.category")!.IsArray);
        Assert.False(FieldCatalogue.Default.Find("source.ip")!.IsArray);
        Assert.False(FieldCatalogue.Default.Find("classification.type")!.IsArray);
    }

    [Fact]
    public void The_json_schema_is_up_to_date_and_describes_a_packet()
    {
        var file = Path.Combine(Paths.Repo, "schema", "idf.schema.json");
        var generated = IdfJsonSchema.Generate();
        if (Paths.Regenerate) File.WriteAllText(file, generated);
        Assert.True(File.Exists(file) && File.ReadAllText(file) == generated,
            "schema/idf.schema.json is out of date with the field catalogue; run: INTELMQ_REGENERATE=1 dotnet test --filter json_schema");
        using var schema = JsonDocument.Parse(generated);
        var eventProps = schema.RootElement.GetProperty("$defs").GetProperty("event").GetProperty("properties");
        Assert.Equal("integer", eventProps.GetProperty("source").GetProperty("properties").GetProperty("port").GetProperty("type").GetString());
        Assert.Equal("array", eventProps.GetProperty("related").GetProperty("properties").GetProperty("ip").GetProperty("type").GetString());
    }
}
