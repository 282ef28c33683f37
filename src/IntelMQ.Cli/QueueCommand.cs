using System.CommandLine;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;

namespace IntelMQ.Cli;

/// <summary>
/// <c>intelmq queue depth URI...</c>: how many messages wait in each queue, against its bound. Messages, not events:
/// an IDF packet holds many events, and counting them would mean reading every message.
/// </summary>
public static class QueueCommand
{
    public static Command Create()
    {
        var uris = new Argument<string[]>("uri") { Description = "Queue channel URIs, as given to --output (redis://...?queue=..., amqp://..., sqlite:...).", Arity = ArgumentArity.OneOrMore };
        var depth = new Command("depth", "Show how many messages (not events: an IDF packet holds many) wait in each queue and the bound its producers wait at (maxlen / max_length).") { uris };
        depth.SetAction(p =>
        {
            var context = new ChannelContext("queue-depth", 0, Console.Error);
            Console.WriteLine("queue\tmessages\tbound");
            foreach (var uri in p.GetValue(uris)!)
            {
                // Opening would create the database: a misspelt path must not look like an empty queue.
                if (ChannelAddress.Parse(uri) is { Scheme: "sqlite" } address && !File.Exists(IntelMQ.Channels.SqliteChannels.FileOf(address)))
                    throw new ConfigurationException($"{address}: {IntelMQ.Channels.SqliteChannels.FileOf(address)} does not exist (a program creates it when it first sends to the queue).");
                var channel = Channels.Catalog.OpenOutput(uri, context);
                try
                {
                    if (channel is not IQueueDepth queue) throw new ConfigurationException($"{channel.Name}: this channel has no queue depth to show.");
                    var (count, limit) = queue.DepthAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
                    Console.WriteLine($"{channel.Name}\t{count}\t{(limit is { } l ? $"limit {l}" : "unbounded")}");
                }
                finally
                {
                    channel.DisposeAsync().AsTask().GetAwaiter().GetResult();
                }
            }
            return 0;
        });
        return new Command("queue", "Look into queue channels.") { depth };
    }
}
