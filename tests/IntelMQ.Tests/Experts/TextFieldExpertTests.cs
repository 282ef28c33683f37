using IntelMQ.Core;
using IntelMQ.Experts.FieldReducer;
using IntelMQ.Experts.FormatField;
using IntelMQ.Experts.RemoveAffix;
using IntelMQ.Experts.TruncateByDelimiter;

namespace IntelMQ.Tests.Experts;

/// <summary>The small experts that rewrite text fields: remove-affix, truncate-by-delimiter, format-field, field-reducer.</summary>
public sealed class TextFieldExpertTests
{
    static Event With(params (string Path, object Value)[] fields)
    {
        var ev = Event.Create();
        foreach (var (path, value) in fields) ev.Add(path, value);
        return ev;
    }

    [Fact]
    public void Remove_affix_strips_a_prefix_or_a_suffix()
    {
        var ev = With(("source.domain", "www.example.com"));
        new RemoveAffixExpert(new RemoveAffixExpertOptions()).Process(ev, new EventCollector());
        Assert.Equal("example.com", ev["source.domain"]);

        new RemoveAffixExpert(new RemoveAffixExpertOptions { RemovePrefix = false, Affix = ".com" }).Process(ev, new EventCollector());
        Assert.Equal("example", ev["source.domain"]);
    }

    [Fact]
    public void Truncate_cuts_leading_labels_until_the_value_fits()
    {
        var ev = With(("source.domain", "a.b.c.example.com"));

        new TruncateByDelimiterExpert(new TruncateByDelimiterExpertOptions { MaxLength = 12 }).Process(ev, new EventCollector());

        Assert.Equal("example.com", ev["source.domain"]);
    }

    [Fact]
    public void Format_field_strips_replaces_and_splits()
    {
        var ev = With(("threat.software.name", " zeus "), ("feed.url", "http://localhost/localhost"), ("custom.list", "a,b"));

        new FormatFieldExpert(new FormatFieldExpertOptions
        {
            StripColumns = ["malware.name"], ReplaceColumn = "feed.url", OldValue = "localhost", NewValue = "127.0.0.1", SplitColumn = "extra.list",
        }).Process(ev, new EventCollector());

        Assert.Equal("zeus", ev["threat.software.name"]);
        Assert.Equal("http://127.0.0.1/localhost", ev["feed.url"]);
        Assert.Equal("[\"a\",\"b\"]", System.Text.Json.JsonSerializer.Serialize(ev["custom.list"]));
    }

    [Fact]
    public void Field_reducer_whitelist_keeps_the_listed_fields_and_the_id()
    {
        var ev = With(("source.ip", "192.0.2.1"), ("comment", "x"));
        var id = ev.Id;

        new FieldReducerExpert(new FieldReducerExpertOptions { Type = "whitelist", Keys = ["source.ip"] }).Process(ev, new EventCollector());

        Assert.Equal(["event.id", "source.ip"], ev.Fields.Select(f => f.Key).Order());
        Assert.Equal(id, ev.Id);
    }
}
