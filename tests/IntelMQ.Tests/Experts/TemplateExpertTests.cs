using IntelMQ.Core;
using IntelMQ.Experts.Template;

namespace IntelMQ.Tests.Experts;

public sealed class TemplateExpertTests
{
    static Event Process(TemplateExpertOptions options, params (string Path, object Value)[] fields)
    {
        var ev = Event.Create();
        foreach (var (path, value) in fields) ev.Add(path, value);
        var output = new EventCollector();
        new TemplateExpert(options).Process(ev, output);
        return Assert.Single(output.Events);
    }

    static TemplateExpertOptions Fields(params (string Field, string Template)[] fields) =>
        new() { Fields = fields.ToDictionary(f => f.Field, f => f.Template) };

    [Fact]
    public void Templates_see_the_event_under_intelmq_names()
    {
        var ev = Process(Fields(("extra.where", "{{ msg['source.fqdn'] }} at {{ msg['source.ip'] }} ({{ msg['extra.tag'] | upper }})")),
            ("source.domain", "example.org"), ("source.ip", "192.0.2.1"), ("custom.tag", "botnet"));

        Assert.Equal("example.org at 192.0.2.1 (BOTNET)", ev["custom.where"]);
    }

    [Fact]
    public void Conditions_and_loops_render_as_in_liquid()
    {
        var ev = Process(Fields(("extra.text", "{% if msg['time.source'] %}{{ msg['time.source'] }}{% else %}none{% endif %}")));

        Assert.Equal("none", ev["custom.text"]);
    }

    [Fact]
    public void A_field_the_event_has_is_kept_unless_overwrite()
    {
        var options = Fields(("feed.url", "{{ msg['feed.url'] | upper }}"));

        Assert.Equal("https://cert.at", Process(options, ("feed.url", "https://cert.at"))["feed.url"]);
        Assert.Equal("HTTPS://CERT.AT", Process(options with { Overwrite = true }, ("feed.url", "https://cert.at"))["feed.url"]);
    }

    [Fact]
    public void A_template_file_is_read_at_start()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "{{ msg['source.ip'] | default: 'none' }}");

            Assert.Equal("none", Process(Fields(("extra.ip", "file://" + file)))["custom.ip"]);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_syntax_error_stops_the_start_naming_the_field() =>
        Assert.Contains("extra.broken", Assert.Throws<ConfigurationException>(() => new TemplateExpert(Fields(("extra.broken", "{% if %}")))).Message);

    [Fact]
    public void An_unknown_field_stops_the_start() =>
        Assert.Throws<ConfigurationException>(() => new TemplateExpert(Fields(("no.such.field", "x"))));

    [Fact]
    public void A_jinja_set_with_a_dict_literal_iterates_its_items_in_order_with_loop()
    {
        var ev = Process(Fields(("extra.text", """
            {%- set fields = {'server.ip': 'source.ip', 'server.domain': 'source.fqdn', 'event.dataset': 'feed.name'} -%}
            {% for key, value in fields.items() %}{% if msg[value] %}{{ loop.index }}:{{ key }}={{ msg[value] }}{% if not loop.last %},{% endif %}{% endif %}{% endfor %}
            """)), ("source.ip", "192.0.2.1"), ("feed.name", "feed"));

        Assert.Equal("1:server.ip=192.0.2.1,3:event.dataset=feed", ev["custom.text"]);
    }

    [Fact]
    public void Jinja_elif_not_lists_methods_and_filter_arguments_in_parentheses_render()
    {
        var ev = Process(Fields(("extra.text",
            "{% if not msg['source.ip'] %}none{% elif msg['source.fqdn'].endswith('.org') %}{{ msg['source.fqdn'].split('.') | join('+') }}{% endif %}"
            + "|{% for n in ['a', 'b'] %}{{ n | upper }}{% if loop.first %}-{% endif %}{% endfor %}|{{ msg['extra.none'] | default('dflt') }}")),
            ("source.ip", "192.0.2.1"), ("source.domain", "www.example.org"));

        Assert.Equal("www+example+org|A-B|dflt", ev["custom.text"]);
    }

    [Fact]
    public void Jinja_truth_holds_an_empty_text_false_where_liquid_would_not()
    {
        var ev = Process(Fields(("extra.text", "{% set e = '' %}{% if e %}full{% else %}empty{% endif %}{% if not 0 %}-zero{% endif %}")));

        Assert.Equal("empty-zero", ev["custom.text"]);
    }

    [Theory]
    [InlineData("{{ msg['source.ip'].bogus() }}", "bogus() is not supported", "(1:")]
    [InlineData("line\n{# a comment #}", "line 2 column 1", "comments")]
    [InlineData("{% set x %}y{% endset %}", "'=' was expected", "(1:")]
    public void Jinja_syntax_outside_the_subset_is_refused_at_start_with_line_and_column(string template, string cause, string position)
    {
        var message = Assert.Throws<ConfigurationException>(() => new TemplateExpert(Fields(("extra.x", template)))).Message;

        Assert.Contains(cause, message);
        Assert.Contains(position, message);
    }
}
