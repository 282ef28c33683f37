using Cronos;

namespace IntelMQ.Runtime;

/// <summary>
/// When a daemon collector runs: every <c>interval</c> (IntelMQ's <c>rate_limit</c> for collectors: the pause after a
/// run, the first run at start) or at the times of a cron expression (5 fields, or 6 with seconds; UTC; the first run
/// at the first matching time). Each wait is lengthened by a random part of <see cref="Jitter"/>, so that many
/// collectors on one schedule do not hit their sources together.
/// </summary>
public sealed class CollectorSchedule
{
    readonly TimeSpan? _interval;
    readonly CronExpression? _cron;
    readonly string _text;

    CollectorSchedule(TimeSpan? interval, CronExpression? cron, string text, TimeSpan jitter)
    {
        _interval = interval;
        _cron = cron;
        _text = text;
        Jitter = jitter;
    }

    public TimeSpan Jitter { get; }

    /// <summary>True for an interval: the first run is at start.</summary>
    public bool RunsAtStart => _interval is not null;

    public static CollectorSchedule Every(TimeSpan interval, TimeSpan jitter = default) =>
        interval > TimeSpan.Zero && jitter >= TimeSpan.Zero
            ? new(interval, null, $"every {interval.TotalSeconds:0.###} s", jitter)
            : throw new ConfigurationException($"a collector's interval (rate_limit) must be above 0 seconds and its jitter not negative; got {interval.TotalSeconds} s and {jitter.TotalSeconds} s.");

    /// <exception cref="ConfigurationException">The expression is not a cron expression.</exception>
    public static CollectorSchedule Cron(string expression, TimeSpan jitter = default)
    {
        var format = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
        try
        {
            return new(null, CronExpression.Parse(expression, format), $"cron '{expression}' (UTC)", jitter);
        }
        catch (CronFormatException ex)
        {
            throw new ConfigurationException($"schedule '{expression}' is not a cron expression ({ex.Message}); e.g. '*/15 * * * *' (every 15 minutes) or '0 2 * * *' (02:00 UTC daily).");
        }
    }

    /// <summary>The next run after <paramref name="now"/> (for an interval: one interval later), with jitter.</summary>
    public DateTimeOffset Next(DateTimeOffset now)
    {
        var next = _interval is { } interval ? now + interval
            : _cron!.GetNextOccurrence(now, TimeZoneInfo.Utc)
              ?? throw new ConfigurationException($"{_text} never matches again.");
        return next + Jitter * Random.Shared.NextDouble();
    }

    public override string ToString() => _text;
}
