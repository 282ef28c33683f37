using IntelMQ.Cli;
using IntelMQ.Runtime;

namespace IntelMQ.Tests.Collectors;

/// <summary>Every collector configuration of IntelMQ's feed list (shared/data/intelmq/feeds.yaml), bound as `intelmq run --config` binds it.</summary>
public sealed class IntelMQFeedListTests
{
    // The feed list's collectors that no program here replaces: their feeds (7 of the 83) cannot run with ours.
    static readonly string[] NotReplaced =
    [
        "intelmq.bots.collectors.alienvault_otx.collector",
        "intelmq.bots.collectors.blueliv.collector_crimeserver",
        "intelmq.bots.collectors.calidog.collector_certstream",
        "intelmq.bots.collectors.fireeye.collector_mas",
        "intelmq.bots.collectors.github_api.collector_github_contents_api",
        "intelmq.bots.collectors.opendxl.collector",
        "intelmq.bots.collectors.shodan.collector_stream",
    ];

    [Fact]
    public void Every_collector_configuration_of_IntelMQs_feed_list_binds_unless_no_program_replaces_its_collector()
    {
        var modules = IntelMQFeeds.CollectorModules();
        var replaced = modules.Where(m => Programs.Catalog.Programs.Any(p => p.Declaration.Modules.Contains(m))).ToList();

        Assert.Equal(NotReplaced, modules.Except(replaced));
        var bound = 0;
        foreach (var module in replaced)
        {
            var program = Programs.Catalog.Resolve(module);
            foreach (var (feed, parameters) in IntelMQFeeds.Collectors(module))
            {
                CollectorSettings.Take(parameters);
                var error = Record.Exception(() => OptionBinder.Bind(program, parameters));
                Assert.True(error is null, $"{feed} ({module}): {error?.Message}");
                bound++;
            }
        }
        Assert.Equal(76, bound);
    }
}
