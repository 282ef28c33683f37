using System.Text.Json.Nodes;
using IntelMQ.Core;

namespace IntelMQ.Tests.Core;

public sealed class EventTests
{
    [Fact]
    public void Fields_keep_the_order_they_were_added_in_and_a_removal_keeps_the_rest_in_order()
    {
        var ev = new Event();
        ev.Add("source.ip", "192.0.2.1");
        ev.Add("custom.b", "1");
        ev.Add("destination.port", 80);
        ev.Add("custom.a", "2");
        Assert.True(ev.Remove("custom.b"));
        Assert.False(ev.Remove("custom.b"));
        ev.Add("custom.b", "3");
        ev["source.ip"] = "192.0.2.2";
        Assert.Equal(["source.ip", "destination.port", "custom.a", "custom.b"], ev.Fields.Select(f => f.Key));
        Assert.Equal("192.0.2.2", ev["source.ip"]);
        Assert.Null(ev["source.port"]);
    }

    [Fact]
    public void An_event_with_hundreds_of_fields_finds_refuses_and_removes_each_of_them()
    {
        var ev = new Event();
        for (var i = 0; i < 300; i++) ev.Add($"custom.f{i}", i);
        Assert.Equal(300, ev.Count);
        Assert.Equal(150L, ev["custom.f150"]);
        Assert.False(ev.TryAdd("custom.f299", "again"));
        Assert.True(ev.Remove("custom.f0"));
        Assert.False(ev.Contains("custom.f0"));
        Assert.Equal(299L, ev["custom.f299"]);
        var clone = ev.Clone();
        clone.Add("source.ip", "192.0.2.1");
        Assert.False(ev.Contains("source.ip"));
        Assert.Equal(300, clone.Count);
        Assert.Equal(7L, clone["custom.f7"]);
    }

    [Fact]
    public void A_clone_with_room_for_more_fields_is_independent_of_its_prototype()
    {
        var prototype = Event.Create();
        prototype.Add("feed.name", "Shadowserver");
        var ev = prototype.Clone(0);
        ev.AssignNewId();
        ev.Add("source.ip", "192.0.2.1");
        ev.Add("source.port", 445);
        Assert.NotEqual(prototype.Id, ev.Id);
        Assert.Equal("Shadowserver", ev["feed.name"]);
        Assert.Equal(2, prototype.Count);
        Assert.Equal(4, ev.Count);
    }

    [Fact]
    public void Custom_fields_are_written_in_ordinal_order_of_their_names()
    {
        string[] names = ["ssl_servername", "ssl_cipher", "ssl", "ss", "source.sector", "sourcex", "Zeta", "éclair", "a", "a.b", "a_b", "tag"];
        var ev = new Event();
        foreach (var name in names) ev.Add("custom." + name, name);
        var custom = (JsonObject)JsonNode.Parse(EventJsonTests.Write(w => EventJson.WriteIdf(w, ev)))!["custom"]!;
        Assert.Equal(names.Order(StringComparer.Ordinal), custom.Select(p => p.Key));
    }
}
