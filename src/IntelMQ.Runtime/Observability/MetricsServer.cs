using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace IntelMQ.Runtime.Observability;

/// <summary>
/// <c>--metrics HOST:PORT</c>: <c>/metrics</c> (Prometheus text), <c>/health</c> (200 while the process lives) and
/// <c>/ready</c> (200, or 503 with the reason), on Kestrel bound to that one address. OpenTelemetry's Prometheus
/// exporter writes the exposition: it types counters as counters and derives <c>_total</c> and unit suffixes from
/// the instruments, where prometheus-net's adapter would publish counters as gauges.
/// </summary>
public sealed class MetricsServer : IAsyncDisposable
{
    /// <summary>How long one scrape waits for the queues' depths, and the readiness check for its answer.</summary>
    static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    readonly WebApplication _app;
    readonly MeterProvider _meters;

    MetricsServer(WebApplication app, MeterProvider meters, IPEndPoint endPoint)
    {
        _app = app;
        _meters = meters;
        EndPoint = endPoint;
    }

    /// <summary>The address listened on (with the port chosen when 0 was given).</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>
    /// Listens on <paramref name="hostPort"/> (<c>127.0.0.1:9100</c>, <c>[::1]:9100</c>, <c>0.0.0.0:9100</c>,
    /// <c>localhost:9100</c>; port 0 picks a free one) and returns once it accepts connections.
    /// </summary>
    /// <param name="notReadyReason">Null when the program's channels and health checks are up, else why not.</param>
    /// <exception cref="ConfigurationException">The address is malformed, in use, or not this machine's.</exception>
    public static async Task<MetricsServer> StartAsync(string hostPort, RunMetrics metrics, Func<CancellationToken, Task<string?>> notReadyReason,
                                                       CancellationToken cancellationToken = default)
    {
        var endPoint = Parse(hostPort);
        var meters = Sdk.CreateMeterProviderBuilder()
            .AddMeter(RunMetrics.MeterName)
            .AddView(instrument => instrument.Meter == metrics.Meter ? null : MetricStreamConfiguration.Drop)
            .AddPrometheusExporter(o =>
            {
                o.ScrapeResponseCacheDurationMilliseconds = 0;
                o.ScopeInfoEnabled = false;
                o.TargetInfoEnabled = false;
            })
            .Build();
        metrics.StartSeries();
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "intelmq" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(o => o.Listen(endPoint));
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton<IHostLifetime, NoSignals>();
        var app = builder.Build();
        app.MapGet("/health", () => Results.Text("ok\n"));
        app.MapGet("/ready", async (CancellationToken aborted) =>
        {
            var reason = await ReadinessAsync(notReadyReason, aborted);
            return reason is null ? Results.Text("ready\n") : Results.Text(reason + "\n", statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        app.MapPrometheusScrapingEndpoint("/metrics", meters, scrape => scrape.Use(async (context, next) =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            timeout.CancelAfter(CheckTimeout);
            await metrics.RefreshQueuesAsync(timeout.Token);
            await next(context);
        }), null);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            await app.DisposeAsync();
            meters.Dispose();
            throw new ConfigurationException($"cannot serve metrics on {hostPort}: {Reason(ex)}");
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new MetricsServer(app, meters, new IPEndPoint(endPoint.Address, new Uri(bound).Port));
    }

    static async Task<string?> ReadinessAsync(Func<CancellationToken, Task<string?>> notReadyReason, CancellationToken aborted)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        timeout.CancelAfter(CheckTimeout);
        try
        {
            return await notReadyReason(timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return $"the readiness check did not answer in {CheckTimeout.TotalSeconds:0} s";
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return $"the readiness check failed: {ex.Message}";
        }
    }

    static string Reason(Exception ex)
    {
        for (var inner = ex; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case AddressInUseException:
                case SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }:
                    return "the address is already in use (another program, or another instance with the same --metrics?)";
                case SocketException { SocketErrorCode: SocketError.AddressNotAvailable }:
                    return "the address is not one of this machine's";
                case SocketException { SocketErrorCode: SocketError.AccessDenied }:
                    return "permission denied (ports below 1024 need privileges)";
            }
        }
        return ex.Message;
    }

    static IPEndPoint Parse(string hostPort)
    {
        var colon = hostPort.LastIndexOf(':');
        var host = colon > 0 ? hostPort[..colon] : "";
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        if (colon <= 0 || !ushort.TryParse(hostPort[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            throw new ConfigurationException($"metrics address '{hostPort}': expected HOST:PORT, e.g. 127.0.0.1:9100 ([::1]:9100 for IPv6, 0.0.0.0:9100 for every interface).");
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return new IPEndPoint(IPAddress.Loopback, port);
        return IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, port)
            : throw new ConfigurationException($"metrics address '{hostPort}': '{host}' is not an IP address; give the address to listen on, e.g. 127.0.0.1:{port}.");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _meters.Dispose();
    }

    /// <summary>Leaves SIGTERM and Ctrl+C to the program: the web host's default lifetime would take them over.</summary>
    sealed class NoSignals : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
