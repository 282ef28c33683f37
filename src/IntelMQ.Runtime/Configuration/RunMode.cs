namespace IntelMQ.Runtime.Configuration;

/// <summary>How a configured instance runs (<c>run_mode:</c>).</summary>
public enum RunMode
{
    /// <summary>A daemon, until stopped (the default).</summary>
    Continuous,
    /// <summary>One run to the end of its input (a collector: one collection), then exit; for cron or a systemd timer.</summary>
    Once,
    /// <summary>A collector that collects every <c>interval</c> seconds.</summary>
    Interval,
    /// <summary>A collector that collects at the times of the cron expression <c>schedule</c> (UTC).</summary>
    Cron,
}
