using IntelMQ.Cli;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Configuration;

namespace IntelMQ.Tests.Runtime.Configuration;

/// <summary>Each check of a config.d file catches a seeded mistake with the file, the line and the fix.</summary>
public sealed class InstanceLoaderTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("intelmq-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    (InstanceConfig? Instance, List<ConfigDiagnostic> Problems) Load(string id, string yaml)
    {
        var file = Path.Combine(_dir, id + ".yaml");
        File.WriteAllText(file, yaml);
        var problems = new List<ConfigDiagnostic>();
        return (InstanceLoader.Load(file, Programs.Catalog, IntelMQ.Cli.Channels.Catalog, problems), problems);
    }

    static ConfigDiagnostic Single(List<ConfigDiagnostic> problems) => Assert.Single(problems, p => !p.IsWarning);

    [Fact]
    public void A_complete_file_loads_with_its_values_as_intelmq_run_binds_them()
    {
        var (instance, problems) = Load("parser", """
            program: intelmq.bots.parsers.shadowserver.parser
            input: redis://localhost:6379/2?queue=parser-queue
            output:
              _default: [redis://localhost:6379/2?queue=expert-queue]
            processes: 2
            on_error: retry
            options:
              feedname: Accessible-SMB
            """);
        Assert.Empty(problems);
        Assert.Equal("shadowserver-parser", instance!.Program!.Name);
        var values = instance.RunValues();
        Assert.Equal("parser", values["id"]);
        Assert.Equal(true, values["daemon"]);
        Assert.Equal("2", values["processes"]);
        Assert.Equal("Accessible-SMB", values["feedname"]);
        Assert.Equal(["redis://localhost:6379/2?queue=expert-queue"], (string[])((Dictionary<string, object?>)values["output"]!)["_default"]!);
    }

    [Fact]
    public void A_misspelt_option_is_named_with_its_line_and_a_suggestion()
    {
        var (_, problems) = Load("out", "program: file-output\noptions:\n  fsnyc: true\n");
        var problem = Single(problems);
        Assert.Equal(3, problem.Line);
        Assert.EndsWith("out.yaml", problem.File);
        Assert.Contains("Did you mean 'fsync'?", problem.Message);
    }

    [Fact]
    public void A_misspelt_run_setting_at_the_top_level_gets_a_suggestion()
    {
        var problem = Single(Load("x", "program: taxonomy-expert\nbatch_sise: 10\n").Problems);
        Assert.Equal(2, problem.Line);
        Assert.Contains("Did you mean 'batch_size'?", problem.Message);
    }

    [Fact]
    public void A_wrong_type_and_a_value_out_of_range_are_refused()
    {
        Assert.Contains("must be a boolean", Single(Load("a", "program: file-output\noptions:\n  fsync: sometimes\n").Problems).Message);
        Assert.Contains("outside 1..", Single(Load("b", "program: taxonomy-expert\nbatch_size: 0\n").Problems).Message);
    }

    [Fact]
    public void An_unknown_program_gets_a_suggestion()
    {
        var problem = Single(Load("x", "program: taxonomy-expret\n").Problems);
        Assert.Equal(1, problem.Line);
        Assert.Contains("Did you mean 'taxonomy-expert'?", problem.Message);
    }

    [Fact]
    public void An_intelmq_bot_we_do_not_have_is_an_error_when_enabled_and_a_warning_when_disabled()
    {
        var enabled = Single(Load("a", "program: intelmq.bots.outputs.mcafee.output_esm_ip\n").Problems);
        Assert.Contains("set `enabled: false`", enabled.Message);
        var disabled = Assert.Single(Load("b", "program: intelmq.bots.outputs.mcafee.output_esm_ip\nenabled: false\noptions:\n  overwrite: true\n").Problems);
        Assert.True(disabled.IsWarning);
    }

    [Fact]
    public void IntelMQ_keys_at_the_top_level_say_what_to_write_instead()
    {
        var (_, problems) = Load("x", "module: taxonomy-expert\nparameters: {}\nerror_procedure: pass\n");
        Assert.Contains(problems, p => p.Line == 1 && p.Message.Contains("write `program:`"));
        Assert.Contains(problems, p => p.Line == 2 && p.Message.Contains("under `options:`"));
        Assert.Contains(problems, p => p.Line == 3 && p.Message.Contains("on_error"));
    }

    [Fact]
    public void A_schedule_is_for_collectors_and_must_be_a_cron_expression()
    {
        var expert = Load("x", "program: taxonomy-expert\nrun_mode: interval\ninterval: 60\n").Problems;
        Assert.Contains(expert, p => p.Line == 2 && p.Message.Contains("only collectors run on an interval"));
        var cron = Single(Load("y", "program: file-collector\nrun_mode: cron\nschedule: every day\noptions:\n  path: /tmp\n").Problems);
        Assert.Equal(3, cron.Line);
        Assert.Contains("not a cron expression", cron.Message);
    }

    [Fact]
    public void A_collector_on_an_interval_runs_as_a_daemon_with_that_rate_limit()
    {
        var (instance, problems) = Load("c", "program: file-collector\nrun_mode: interval\ninterval: 3600\noutput: sqlite:q.db?queue=reports\noptions:\n  path: /tmp\n");
        Assert.Empty(problems);
        var values = instance!.RunValues();
        Assert.Equal("3600", values["rate_limit"]);
        Assert.Equal(true, values["daemon"]);
    }

    [Fact]
    public void An_output_path_the_program_never_emits_to_is_refused()
    {
        var problem = Single(Load("x", "program: taxonomy-expert\noutput:\n  _defualt: sqlite:q.db?queue=x\n").Problems);
        Assert.Equal(3, problem.Line);
        Assert.Contains("Did you mean '_default'?", problem.Message);
    }

    [Fact]
    public void An_unknown_channel_is_refused()
    {
        var problem = Single(Load("x", "program: taxonomy-expert\ninput: rediss://localhost/2?queue=x\n").Problems);
        Assert.Contains("unknown channel 'rediss'", problem.Message);
    }

    [Fact]
    public void Broken_yaml_names_its_line()
    {
        var problem = Single(Load("x", "program: taxonomy-expert\noptions:\n  a: b\n c: d\n").Problems);
        Assert.Contains("not valid YAML", problem.Message);
        Assert.True(problem.Line >= 3);
    }

    [Fact]
    public void A_run_setting_under_options_is_sent_to_the_top_level()
    {
        var problem = Single(Load("x", "program: taxonomy-expert\noptions:\n  batch_size: 10\n").Problems);
        Assert.Contains("write `batch_size:` at the top level", problem.Message);
    }

    [Fact]
    public void A_list_of_mappings_binds_to_a_map_option_as_IntelMQs_feed_list_writes_type_translation()
    {
        var (instance, problems) = Load("urlhaus", """
            program: intelmq.bots.parsers.generic.parser_csv
            options:
              columns: [time.source, source.url]
              type_translation:
                - malware_download: malware-distribution
                - phishing: phishing
            """);
        Assert.DoesNotContain(problems, p => !p.IsWarning);
        var options = (IntelMQ.Parsers.GenericCsv.GenericCsvParserOptions)OptionBinder.Bind(instance!.Program!, instance.Options)!;
        Assert.Equal("malware-distribution", options.TypeTranslation!["malware_download"]);
        Assert.Equal("phishing", options.TypeTranslation["phishing"]);
    }
}
