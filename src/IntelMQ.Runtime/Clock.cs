using IntelMQ.Core;

namespace IntelMQ.Runtime;

/// <summary>The current time; <c>INTELMQ_FAKE_NOW</c> (RFC 3339) fixes it for reproducible runs and tests.</summary>
public static class Clock
{
    static readonly DateTimeOffset? Fixed =
        Environment.GetEnvironmentVariable("INTELMQ_FAKE_NOW") is { Length: > 0 } text
            ? Timestamps.TryParse(text, out var t) ? t
              : throw new FormatException($"INTELMQ_FAKE_NOW='{text}' is not a timestamp; use RFC 3339, e.g. 2024-05-01T12:00:00Z.")
            : null;

    /// <summary>The clock programs are given (<see cref="ProgramContext.Clock"/>).</summary>
    public static TimeProvider Provider { get; } = Fixed is { } now ? new FixedTime(now) : TimeProvider.System;

    public static DateTimeOffset Now => Provider.GetUtcNow();

    public static string NowText => Timestamps.Format(Now);

    sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
