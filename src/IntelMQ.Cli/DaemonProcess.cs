using System.Globalization;
using System.Runtime.InteropServices;

namespace IntelMQ.Cli;

/// <summary>An instance's daemon as its pid file names it, seen through /proc (Linux).</summary>
public sealed record DaemonProcess(int Pid)
{
    /// <summary>The pid in <paramref name="pidFile"/>; null when there is no such file or it holds no pid.</summary>
    public static DaemonProcess? Read(string pidFile)
    {
        try { return int.TryParse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture, out var pid) && pid > 0 ? new DaemonProcess(pid) : null; }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>
    /// The process lives and is an intelmq command: a pid file whose process is gone, or whose pid now belongs to
    /// another program, is stale. A zombie (dead, not yet reaped) is gone too.
    /// </summary>
    public bool IsRunning
    {
        get
        {
            try
            {
                return Stat() is { Length: > 2 } stat && stat[2] != "Z"
                       && File.ReadAllText($"/proc/{Pid}/cmdline").Contains("intelmq", StringComparison.Ordinal);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }
    }

    /// <summary>How long the process has run; null when it cannot be read.</summary>
    public TimeSpan? Uptime
    {
        get
        {
            try
            {
                if (Stat() is not { Length: > 21 } stat) return null;
                var boot = double.Parse(File.ReadAllText("/proc/uptime").Split(' ')[0], CultureInfo.InvariantCulture);
                // Field 22: the start time in clock ticks after boot; Linux's USER_HZ is 100.
                return TimeSpan.FromSeconds(Math.Max(0, boot - long.Parse(stat[21], CultureInfo.InvariantCulture) / 100.0));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
            {
                return null;
            }
        }
    }

    /// <summary>Sends a signal (1 SIGHUP, 9 SIGKILL, 15 SIGTERM); false when the process is gone.</summary>
    public bool Signal(int signal) => Kill(Pid, signal) == 0;

    // The fields of /proc/PID/stat after the command name, which may hold spaces: [0] pid, [1] (comm), [2] state, ...
    string[]? Stat()
    {
        var path = $"/proc/{Pid}/stat";
        if (!File.Exists(path)) return null;
        var text = File.ReadAllText(path);
        var close = text.LastIndexOf(')');
        return close < 0 ? null : [Pid.ToString(CultureInfo.InvariantCulture), text[..(close + 1)], .. text[(close + 2)..].Split(' ')];
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int Kill(int pid, int signal);
}
