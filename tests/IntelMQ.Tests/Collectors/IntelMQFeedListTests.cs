using IntelMQ.Cli;
using IntelMQ.Runtime;

namespace IntelMQ.Tests.Collectors;

/// <summary>Every collector configuration of IntelMQ's feed list (shared/data/intelmq/feeds.yaml), bound as `intelmq run --config` binds it.</summary>
public sealed class IntelMQFeedListTests
{
    // The feed list's collectors that no program here replaces: their feeds (2 of the 83) cannot run with ours.
    static readonly string[] NotReplaced =
    [
        "intelmq.bots.collectors.blueliv.collector_crimeserver",
        "intelmq.bots.collectors.fireeye.collector_mas",
    ];

    static readonly HashSet<string> RunKeys = OptionInfo.Of(typeof(RunOptions)).SelectMany(o => o.Aliases.Prepend(o.Name)).ToHashSet(StringComparer.Ordinal);

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
                // intelmq run gives these to the runtime (error_retry_delay, ...), not to the program.
                foreach (var key in parameters.Keys.Where(RunKeys.Contains).ToList()) parameters.Remove(key);
                CollectorSettings.Take(parameters);
                var error = Record.Exception(() => OptionBinder.Bind(program, parameters));
                Assert.True(error is null, $"{feed} ({module}): {error?.Message}");
                bound++;
            }
        }
        Assert.Equal(81, bound);
    }
}
