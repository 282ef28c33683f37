using System.Text;
using IntelMQ.Core;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;

namespace IntelMQ.Tests.Experts;

/// <summary>
/// An expert that remembers what it passed on (deduplicator, event identity) run three times on one message over
/// memory channels: first its hand-off fails and the run is stopped before it was confirmed, then the message comes
/// again with the destination back, then once more after a restart.
/// </summary>
static class RetriedHandOff
{
    /// <returns>The summaries of the retried run and of the run after the restart.</returns>
    public static async Task<(RunSummary Retried, RunSummary Later)> RunAsync(Type program, object options, string id, string message, string dataDirectory)
    {
        var queue = $"{id}-{Guid.NewGuid():N}";
        using var kill = new CancellationTokenSource();
        var catalog = ChannelCatalog.WithBuiltIns().Add("down", null, (_, _) => new DownChannel(kill), "a destination that is down");
        ProgramHost Host(string output) => new(new HostOptions
        {
            Program = new ProgramInfo(program),
            Options = options,
            ProgramId = id,
            Input = $"memory:{queue}",
            Outputs = new Dictionary<string, IReadOnlyList<string>> { [IntelMQ.Contract.Paths.Default] = [output] },
            DumpPath = Path.Combine(dataDirectory, "dump.jsonl"),
            IdleWait = TimeSpan.FromMilliseconds(200),
            RetryDelay = TimeSpan.FromMilliseconds(1),
            Context = new ProgramContext { Id = id, Producer = "hub", DataDirectory = dataDirectory },
        }, catalog, new ChannelContext(id, 0, TextWriter.Null));

        await SendAsync(queue, message);
        var failed = Host("down:");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => failed.RunAsync(CancellationToken.None, kill.Token));
        await failed.DisposeAsync();

        await SendAsync(queue, message);
        var retried = Host($"memory:{queue}-out?format=ndjson");
        var retriedSummary = await retried.RunAsync(CancellationToken.None, CancellationToken.None);
        await retried.DisposeAsync();

        await SendAsync(queue, message);
        var later = Host($"memory:{queue}-out?format=ndjson");
        var laterSummary = await later.RunAsync(CancellationToken.None, CancellationToken.None);
        await later.DisposeAsync();
        return (retriedSummary, laterSummary);
    }

    static async Task SendAsync(string queue, string message)
    {
        await using var input = IntelMQ.Cli.Channels.Catalog.OpenOutput($"memory:{queue}", new ChannelContext("test", 0, TextWriter.Null));
        await input.SendAsync([Encoding.UTF8.GetBytes(message)], CancellationToken.None);
    }

    sealed class DownChannel(CancellationTokenSource stop) : IOutputChannel
    {
        public string Name => "down:";
        public MessageFormat Format => MessageFormat.Idf;

        public ValueTask SendAsync(IReadOnlyList<ReadOnlyMemory<byte>> messages, CancellationToken cancellationToken)
        {
            stop.Cancel();
            throw new IOException("the destination is down");
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
