using IntelMQ.Core;
using IntelMQ.Runtime.Channels;

namespace IntelMQ.Runtime;

/// <summary>
/// The run's output paths: each a list of channels with their encoders (IntelMQ's several destination queues of one
/// path). Events are encoded as they are routed; <see cref="FlushAsync"/> sends and waits for the confirmations.
/// </summary>
public sealed class Router : IAsyncDisposable
{
    readonly Dictionary<string, List<(IOutputChannel Channel, MessageEncoder Encoder)>> _paths = new(StringComparer.Ordinal);

    /// <summary>No channels (an output program delivers itself).</summary>
    public Router() { }

    /// <summary>Opens every output channel; when one cannot be opened, those already open are closed again.</summary>
    public static async ValueTask<Router> OpenAsync(HostOptions options, ChannelCatalog catalog, ChannelContext context)
    {
        var router = new Router();
        try
        {
            foreach (var (path, uris) in options.Outputs)
                foreach (var uri in uris)
                {
                    var channel = catalog.OpenOutput(uri, context);
                    (router._paths.TryGetValue(path, out var list) ? list : router._paths[path] = []).Add((channel, new MessageEncoder(options.OutFormat ?? channel.Format, options.Producer)));
                }
        }
        catch
        {
            await router.DisposeAsync();
            throw;
        }
        return router;
    }

    public IEnumerable<IOutputChannel> Channels => _paths.Values.SelectMany(c => c).Select(c => c.Channel);

    /// <summary>Events routed and not yet sent, on the path with the most.</summary>
    public int Pending { get; private set; }

    /// <summary>Encoded bytes not yet sent, over all channels.</summary>
    public long PendingBytes { get; private set; }

    /// <summary>Whether the path has a channel.</summary>
    public bool Has(string path) => _paths.ContainsKey(path);

    /// <summary>Encodes an event for every channel of its path; false when the path has no channel.</summary>
    public bool Route(string path, Event ev)
    {
        if (!_paths.TryGetValue(path, out var channels)) return false;
        foreach (var (_, encoder) in channels)
        {
            var before = encoder.PendingBytes;
            encoder.Add(ev);
            PendingBytes += encoder.PendingBytes - before;
            if (encoder.Pending > Pending) Pending = encoder.Pending;
        }
        return true;
    }

    /// <summary>Sends everything routed so far and waits for the confirmations, retrying while a destination is down.</summary>
    public async ValueTask FlushAsync(Failures failures)
    {
        foreach (var (channel, encoder) in _paths.Values.SelectMany(c => c))
        {
            if (encoder.Pending == 0) continue;
            var messages = encoder.Take();
            await failures.DeliverAsync(channel.Name, token => channel.SendAsync(messages, token));
            encoder.Sent();
        }
        Pending = 0;
        PendingBytes = 0;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in Channels)
        {
            try { await channel.DisposeAsync(); }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException) { }
        }
    }
}
