using IntelMQ.Core;

namespace IntelMQ.Tests.Core;

public sealed class FieldHandleTests
{
    [Fact]
    public void A_handle_is_found_for_known_and_custom_fields_and_not_for_unknown_ones()
    {
        var catalogue = FieldCatalogue.Default;
        Assert.Equal("source.port", catalogue.Handle("source.port")!.Path);
        Assert.Equal(FieldType.Port, catalogue.Handle("source.port")!.Definition.Type);
        Assert.Equal(FieldType.Json, catalogue.Handle("custom.anything")!.Definition.Type);
        Assert.Null(catalogue.Handle("source.no_such_field"));
    }

    [Fact]
    public void Adding_through_a_handle_is_the_same_as_adding_the_path()
    {
        var catalogue = FieldCatalogue.Default;
        (string Path, object? Value)[] fields =
        [
            ("source.ip", " 192.0.2.1"), ("source.port", "445"), ("destination.domain", "Example.COM."), ("@timestamp", "2024-05-01 12:00:00"),
            ("custom.empty", ""), ("custom.none", null), ("source.geo.country_iso_code", "at"), ("destination.port", ""),
        ];
        var byPath = new Event();
        var byHandle = new Event();
        foreach (var (path, value) in fields)
        {
            byPath.Add(path, value);
            byHandle.Add(catalogue.Handle(path)!, value);
        }
        Assert.Equal(byPath.Fields, byHandle.Fields);
        Assert.True(byHandle.Contains(catalogue.Handle("custom.none")!));
        Assert.False(byHandle.Contains(catalogue.Handle("destination.port")!));
    }

    [Fact]
    public void A_handle_refuses_what_the_path_refuses()
    {
        var port = FieldCatalogue.Default.Handle("source.port")!;
        var ev = new Event();
        Assert.False(ev.TryAdd(port, "not a port"));
        Assert.False(ev.Contains(port));
        Assert.Throws<InvalidFieldException>(() => ev.Add(port, 70000));
        ev.Add(port, 80);
        Assert.False(ev.TryAdd(port, 81));
        Assert.Contains("already set to 80", Assert.Throws<InvalidFieldException>(() => ev.Add(port, 81)).Message);
        Assert.True(ev.TryAdd(port, 443, overwrite: true));
        Assert.Equal(443L, ev["source.port"]);
    }
}
