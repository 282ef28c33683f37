using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using IntelMQ.Contract;
using IntelMQ.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace IntelMQ.Collectors.Api;

/// <summary>
/// Receives reports pushed over HTTP (IntelMQ's API collector): every POST to /intelmq/push is a report, and the
/// client's answer waits until the report is handed on, so a 200 means the pipeline has it.
/// </summary>
[Program("api-collector", ProgramKind.Collector, "Receives reports over HTTP: every POST /intelmq/push is a report, answered once it is handed on.",
    Modules = ["intelmq.bots.collectors.api.collector_api", "intelmq.bots.collectors.api.collector"],
    Options = typeof(ApiCollectorOptions),
    Description = """
        While it runs, the collector listens on address:port (or the Unix socket socket_path with use_socket) and
        takes the body of every POST /intelmq/push as a report. The answer is 200 only once the report is handed on
        (confirmed by every output), 503 when the collector stops first, so a client that got no 200 sends again: the
        acknowledgement IntelMQ's API collector does not give. With token, a request without
        `Authorization: Bearer TOKEN` gets 401. A body larger than max_body_size gets 413. Run it with --daemon; it
        has no schedule (rate_limit does not apply). feed.* come from name, provider, accuracy, code and
        documentation (docs/collectors.md).
        """,
    Examples = [
        "intelmq run api-collector --daemon --set port=5001 --set token=SECRET --set name='Have I Been Pwned Enterprise' --output 'redis://localhost:6379/2?queue=hibp-parser-queue'",
        "curl --data-binary @report.json -H 'Authorization: Bearer SECRET' 'http://127.0.0.1:5001/intelmq/push'",
    ])]
public sealed class ApiCollector : ICollector
{
    readonly ApiCollectorOptions _options;
    readonly byte[]? _token;

    /// <exception cref="ConfigurationException">An address that is not an IP address.</exception>
    public ApiCollector(ApiCollectorOptions options)
    {
        if (!options.UseSocket && !IPAddress.TryParse(options.Address, out _))
            throw new ConfigurationException($"api-collector: address '{options.Address}' is not an IP address; e.g. 127.0.0.1 or 0.0.0.0.");
        _options = options;
        _token = options.Token is { IsEmpty: false } token ? Encoding.UTF8.GetBytes("Bearer " + token.Reveal()) : null;
    }

    public async IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pushed = Channel.CreateUnbounded<(byte[] Body, string From, TaskCompletionSource HandedOn)>();
        await using var app = await StartAsync(pushed.Writer, cancellationToken);
        TaskCompletionSource? inHand = null;
        try
        {
            await foreach (var (body, from, handedOn) in pushed.Reader.ReadAllAsync(cancellationToken))
            {
                inHand = handedOn;
                yield return new CollectedReport(new Event(MessageKind.Report), new MemoryStream(body))
                {
                    Origin = $"POST /intelmq/push from {from}",
                    Commit = _ =>
                    {
                        handedOn.TrySetResult();
                        return ValueTask.CompletedTask;
                    },
                };
                // Asked for the next without a commit: the host dumped this one (too large, not UTF-8), so its client
                // hears so now instead of waiting for an answer that never comes.
                handedOn.TrySetException(new InvalidDataException("the report was refused and is in the collector's dump; sending it again will not help"));
            }
        }
        finally
        {
            // A report not handed on gets 503, so that its client sends it again.
            inHand?.TrySetCanceled(CancellationToken.None);
            pushed.Writer.TryComplete();
            while (pushed.Reader.TryRead(out var waiting)) waiting.HandedOn.TrySetCanceled(CancellationToken.None);
            await app.StopAsync(CancellationToken.None);
        }
    }

    async Task<WebApplication> StartAsync(ChannelWriter<(byte[], string, TaskCompletionSource)> pushed, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "api-collector" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(o =>
        {
            o.Limits.MaxRequestBodySize = _options.MaxBodySize;
            if (_options.UseSocket) o.ListenUnixSocket(_options.SocketPath);
            else o.Listen(IPAddress.Parse(_options.Address), _options.Port);
        });
        builder.Services.AddSingleton<IHostLifetime, NoSignals>();
        var app = builder.Build();
        app.Run(context => Answer(context, pushed));
        try
        {
            if (_options.UseSocket) File.Delete(_options.SocketPath);
            await app.StartAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            await app.DisposeAsync();
            throw new IOException($"api-collector: cannot listen on {(_options.UseSocket ? _options.SocketPath : $"{_options.Address}:{_options.Port}")}: {ex.Message}", ex);
        }
        return app;
    }

    async Task Answer(HttpContext context, ChannelWriter<(byte[], string, TaskCompletionSource)> pushed)
    {
        var response = context.Response;
        if (context.Request.Path != "/intelmq/push")
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }
        if (_token is not null && !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(context.Request.Headers.Authorization.ToString()), _token))
        {
            response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }
        byte[] body;
        try
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            body = buffer.ToArray();
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            return;
        }
        var handedOn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!pushed.TryWrite((body, context.Connection.RemoteIpAddress?.ToString() ?? "a Unix socket", handedOn)))
        {
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }
        try
        {
            await handedOn.Task.WaitAsync(context.RequestAborted);
            await response.WriteAsync("OK\n");
        }
        catch (TaskCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        }
        catch (InvalidDataException refused)
        {
            response.StatusCode = StatusCodes.Status422UnprocessableEntity;
            await response.WriteAsync(refused.Message + "\n");
        }
    }

    /// <summary>The host's signals stop the program, not this server.</summary>
    sealed class NoSignals : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
