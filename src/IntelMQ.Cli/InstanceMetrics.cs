using System.Globalization;

namespace IntelMQ.Cli;

/// <summary>What a daemon's <c>/metrics</c> says (docs/observability.md): totals since it started, and its queues' depths.</summary>
public sealed record InstanceMetrics(double Received, double Retries, double Dumped, IReadOnlyDictionary<string, double> Queues)
{
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(3) };

    /// <summary>Scrapes <c>http://ADDRESS/metrics</c>; null when nothing answers.</summary>
    /// <param name="address">The instance's <c>metrics:</c> HOST:PORT; a wildcard host is asked on the loopback.</param>
    public static InstanceMetrics? Scrape(string address)
    {
        var colon = address.LastIndexOf(':');
        var host = colon <= 0 ? "127.0.0.1" : address[..colon] is "0.0.0.0" or "*" or "+" ? "127.0.0.1" : address[..colon] is "[::]" ? "[::1]" : address[..colon];
        try
        {
            return Parse(Http.GetStringAsync($"http://{host}:{address[(colon + 1)..]}/metrics").GetAwaiter().GetResult());
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or UriFormatException)
        {
            return null;
        }
    }

    /// <summary>Sums each series of the Prometheus text over its labels; queue depths by their <c>queue</c> label.</summary>
    public static InstanceMetrics Parse(string text)
    {
        double received = 0, retries = 0, dumped = 0;
        var queues = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var brace = line.IndexOf('{');
            var space = line.LastIndexOf(' ');
            if (space < 0 || !double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) continue;
            var name = line[..(brace > 0 && brace < space ? brace : space)];
            switch (name)
            {
                case "intelmq_messages_received_total": received += value; break;
                case "intelmq_retries_total": retries += value; break;
                case "intelmq_dumped_total": dumped += value; break;
                case "intelmq_queue_depth" when Label(line, "queue") is { } queue: queues[queue] = value; break;
            }
        }
        return new(received, retries, dumped, queues);
    }

    static string? Label(string line, string label)
    {
        var at = line.IndexOf(label + "=\"", StringComparison.Ordinal);
        if (at < 0) return null;
        at += label.Length + 2;
        var end = line.IndexOf('"', at);
        return end < 0 ? null : line[at..end];
    }
}
