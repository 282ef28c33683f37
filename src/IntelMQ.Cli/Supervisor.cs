using System.Diagnostics;
using System.Runtime.InteropServices;

namespace IntelMQ.Cli;

/// <summary>
/// <c>--processes N</c>: starts N workers (this command again, with <c>--worker-id</c>), restarts a worker that dies
/// with backoff, and forwards SIGTERM/SIGINT so that each finishes and acknowledges its batch, and SIGHUP so that each
/// reloads its configuration.
/// </summary>
public static class Supervisor
{
    static readonly TimeSpan StableAfter = TimeSpan.FromMinutes(1);

    public static int Run(int processes, string id, TextWriter log)
    {
        var args = Environment.GetCommandLineArgs().Skip(1).ToList();
        RemoveOption(args, "--processes");
        args.Remove("--supervised");
        var stopping = false;
        var workers = new Process?[processes];
        var failures = new int[processes];
        var started = new DateTime[processes];
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stopping = true;
            foreach (var w in workers)
                if (w is { HasExited: false }) Kill(w.Id, context.Signal == PosixSignal.SIGINT ? 2 : 15);
        }
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            foreach (var w in workers)
                if (w is { HasExited: false }) Kill(w.Id, 1);
        });
        for (var i = 0; i < processes; i++) (workers[i], started[i]) = (Start(args, i), DateTime.UtcNow);
        log.WriteLine($"{id}: supervising {processes} workers ({string.Join(", ", workers.Select(w => w!.Id))})");
        while (true)
        {
            var alive = 0;
            for (var i = 0; i < processes; i++)
            {
                var w = workers[i]!;
                if (!w.HasExited) { alive++; continue; }
                // 2: its configuration is refused, 3: on_error stop; starting it again would fail the same way.
                if (stopping || w.ExitCode is 0 or 2 or 3) continue;
                // A worker that ran a good while before it died starts again soon; one that dies at once backs off.
                if (DateTime.UtcNow - started[i] > StableAfter) failures[i] = 0;
                var delay = Backoff.Default.Delay(failures[i]++);
                log.WriteLine($"{id}: worker {i} (pid {w.Id}) exited with {w.ExitCode}; restarting in {delay.TotalSeconds:0.#} s (its unacknowledged messages are redelivered)");
                Thread.Sleep(delay);
                if (!stopping) { (workers[i], started[i]) = (Start(args, i), DateTime.UtcNow); alive++; }
            }
            if (alive == 0) break;
            Thread.Sleep(200);
        }
        return workers.Max(w => w!.ExitCode is var c && c == 143 ? 0 : c);
    }

    static Process Start(List<string> args, int worker)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
        // Under `dotnet intelmq.dll` the process is dotnet itself; the entry assembly comes first then.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
            start.ArgumentList.Add(typeof(Supervisor).Assembly.Location);
        foreach (var a in args) start.ArgumentList.Add(a);
        start.ArgumentList.Add("--worker-id");
        start.ArgumentList.Add(worker.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return Process.Start(start)!;
    }

    static void RemoveOption(List<string> args, string name)
    {
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == name && i + 1 < args.Count) { args.RemoveRange(i, 2); i--; }
            else if (args[i].StartsWith(name + "=", StringComparison.Ordinal)) { args.RemoveAt(i); i--; }
        }
    }

    /// <summary>
    /// In a worker: SIGTERM when the supervisor dies, even by SIGKILL, so that no worker is left running unsupervised.
    /// The supervisor starts workers from its main thread, which lives as long as it does (the signal follows the thread).
    /// </summary>
    public static void StopWithSupervisor()
    {
        const int PrSetPdeathsig = 1;
        if (!OperatingSystem.IsLinux() || Prctl(PrSetPdeathsig, 15) != 0) return;
        if (GetParentPid() == 1) Environment.Exit(0); // the supervisor died before the signal was set up
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int Kill(int pid, int signal);

    [DllImport("libc", EntryPoint = "prctl", SetLastError = true)]
    static extern int Prctl(int option, ulong arg2);

    [DllImport("libc", EntryPoint = "getppid")]
    static extern int GetParentPid();
}
