using IntelMQ.Cli;
using IntelMQ.Runtime;

namespace IntelMQ.Tests.Collectors;

/// <summary>Every collector configuration of IntelMQ's feed list (shared/data/intelmq/feeds.yaml), bound as `intelmq run --config` binds it.</summary>
public sealed class IntelMQFeedListTests
{
    static readonly HashSet<string> RunKeys = OptionInfo.Of(typeof(RunOptions)).SelectMany(o => o.Aliases.Prepend(o.Name)).ToHashSet(StringComparer.Ordinal);

    [Fact]
    public void Every_collector_configuration_of_IntelMQs_feed_list_binds_to_a_program_that_replaces_its_collector()
    {
        var modules = IntelMQFeeds.CollectorModules();
        var replaced = modules.Where(m => Programs.Catalog.Programs.Any(p => p.Declaration.Modules.Contains(m))).ToList();

        Assert.Empty(modules.Except(replaced));
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
        Assert.Equal(83, bound);
    }
}
