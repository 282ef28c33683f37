using System.Diagnostics;

namespace IntelMQ.Tests;

/// <summary>Waiting for what another process does (a daemon), and stopping it as an operator would.</summary>
public static class Eventually
{
    /// <summary>Polls until <paramref name="probe"/> holds; fails after 60 s with what was awaited.</summary>
    public static async Task WaitForAsync(string what, Func<Task<bool>> probe, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (await probe()) return;
            await Task.Delay(100, ct);
        }
        throw new TimeoutException($"not within 60 s: {what}");
    }

    public static Task WaitForAsync(string what, Func<bool> probe, CancellationToken ct) => WaitForAsync(what, () => Task.FromResult(probe()), ct);

    /// <summary>Sends SIGTERM (with kill(1), as an operator or systemd would) and waits for the exit; kills it after 60 s.</summary>
    /// <returns>Whether it exited on SIGTERM.</returns>
    public static bool Terminate(Process process, int seconds = 60)
    {
        if (process.HasExited) return true;
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) kill.WaitForExit();
        if (process.WaitForExit(seconds * 1000)) return true;
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        return false;
    }
}
