using System.Net.Http;
using System.Net.Sockets;
using IntelMQ.Runtime.Channels;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Runtime;

/// <summary>
/// The run's error classes and policies in one place. Transient failures (a server down, a timeout) are retried with
/// backoff and never dumped (<c>on_transient_error</c>); permanent ones (this message is bad) follow <c>on_error</c>.
/// </summary>
public sealed class Failures(RunState run)
{
    /// <summary>Whether a failure says nothing about the message itself.</summary>
    public static bool IsTransient(Exception ex) => ex switch
    {
        TransientException or TimeoutException or SocketException or ChannelUnavailableException => true,
        HttpRequestException http => http.StatusCode is null || (int)http.StatusCode.Value >= 500 || (int)http.StatusCode.Value == 429,
        IOException and not (EndOfStreamException or FileNotFoundException or DirectoryNotFoundException) => true,
        _ => ex.InnerException is { } inner && IsTransient(inner),
    };

    /// <summary>
    /// Runs one unit of work (an event, a report) under the policies. Returns null when it succeeded, or the permanent
    /// error for the caller to dump. Throws <see cref="ProgramStoppedException"/> when a policy says stop.
    /// </summary>
    /// <param name="describe">Where the unit came from; called only when it failed, so that no text is made per event.</param>
    public async ValueTask<Exception?> RunAsync<TState>(Func<TState, ValueTask> attempt, TState state, Func<TState, string> describe)
    {
        var options = run.Options;
        for (int permanent = 0, transient = 0; ; )
        {
            Exception error;
            try
            {
                await attempt(state);
                return null;
            }
            catch (Exception ex) when (ex is not (ConfigurationException or ProgramStoppedException or OutOfMemoryException)
                                       && !(ex is OperationCanceledException && run.Hard.IsCancellationRequested))
            {
                error = ex;
            }
            var position = describe(state);
            if (IsTransient(error) || error is OperationCanceledException)
            {
                if (options.OnTransientError == TransientPolicy.Stop)
                    throw new ProgramStoppedException($"{options.ProgramId}: stopped at {run.InputName} {position} (on_transient_error: stop): {error.Message}", error);
                await WaitAsync(transient++, position, error);
                continue;
            }
            if (options.OnError == ErrorPolicy.Stop)
                throw new ProgramStoppedException($"{options.ProgramId}: stopped at {run.InputName} {position} (on_error: stop): {error.Message}", error);
            if (options.OnError == ErrorPolicy.Retry && permanent < options.MaxRetries)
            {
                await WaitAsync(permanent++, position, error);
                continue;
            }
            return error;
        }
    }

    /// <summary>Sends until the destination confirms, waiting while it is down; a reader that left stops the run.</summary>
    public async ValueTask DeliverAsync(string destination, Func<CancellationToken, ValueTask> send)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await send(run.Hard);
                return;
            }
            catch (ChannelClosedException ex)
            {
                throw new ProgramStoppedException($"{run.Options.ProgramId}: {ex.Message}", ex);
            }
            catch (Exception ex) when (ex is not (OperationCanceledException or ConfigurationException or OutOfMemoryException or ProgramStoppedException))
            {
                if (run.Options.OnTransientError == TransientPolicy.Stop)
                    throw new ProgramStoppedException($"{run.Options.ProgramId}: cannot deliver to {destination} (on_transient_error: stop): {ex.Message}", ex);
                await WaitAsync(attempt, $"delivering to {destination}", ex, "the batch stays unacknowledged; ");
            }
        }
    }

    async ValueTask WaitAsync(int attempt, string position, Exception error, string note = "")
    {
        var delay = run.Backoff.Delay(attempt);
        // A server that said when to come back (HTTP's Retry-After) is not asked sooner.
        if (error is TransientException { RetryAfter: { } after } && after > delay) delay = after;
        Interlocked.Increment(ref run.Counters.Retries);
        run.Log.LogWarning("{Input} {Position}: {Error}; {Note}retrying in {Seconds:0.#} s", run.InputName, position, error.Message, note, delay.TotalSeconds);
        await Task.Delay(delay, run.Hard);
    }
}
