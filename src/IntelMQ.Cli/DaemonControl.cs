using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Configuration;

namespace IntelMQ.Cli;

/// <summary>
/// <c>intelmq start | stop | restart | reload | status [ID...]</c>: a workflow's instances as background daemons, each
/// <c>intelmq run ID</c> under its supervisor (which restarts it when it dies), with its pid in var/run/ID.pid and its
/// log in var/log/ID.log.
/// </summary>
public sealed class DaemonControl(WorkflowDirectory workflow, TextWriter output)
{
    static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    /// <summary>One line of <c>intelmq status</c>.</summary>
    public sealed record Status(string Id, string Program, string State, int? Pid, TimeSpan? Uptime, InstanceMetrics? Metrics)
    {
        /// <summary>Messages per second since the daemon started.</summary>
        public double? Rate => Metrics is null || Uptime is not { TotalSeconds: > 0 } up ? null : Metrics.Received / up.TotalSeconds;
    }

    /// <summary>The instances named, else every configured one and every one with a pid file; unknown names are errors.</summary>
    public List<string>? Select(IReadOnlyList<string> ids, bool withPidFiles)
    {
        var configured = Configured();
        if (ids.Count > 0)
        {
            var unknown = ids.Where(id => !configured.ContainsKey(id) && DaemonProcess.Read(workflow.PidFile(id)) is null).ToList();
            foreach (var id in unknown)
                output.WriteLine($"{id}: no such instance in {workflow.ConfigDirectory}" + (OptionBinder.Suggest(id, configured.Keys) is { } hint ? $"; did you mean '{hint}'?" : "."));
            return unknown.Count > 0 ? null : [.. ids.Distinct()];
        }
        var all = configured.Keys.ToList();
        var run = Path.Combine(workflow.StateDirectory, "run");
        if (withPidFiles && Directory.Exists(run))
            all.AddRange(Directory.EnumerateFiles(run, "*.pid").Select(f => Path.GetFileNameWithoutExtension(f)!).Where(id => !configured.ContainsKey(id)));
        return [.. all.Order(StringComparer.Ordinal)];
    }

    Dictionary<string, string> Configured() =>
        !Directory.Exists(workflow.ConfigDirectory) ? []
        : Directory.EnumerateFiles(workflow.ConfigDirectory).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetFileNameWithoutExtension(f)!, f => f, StringComparer.Ordinal);

    /// <summary>Starts each instance that is not running (disabled ones only when named); true when all run.</summary>
    public bool Start(IReadOnlyList<string> ids, bool named)
    {
        var started = new List<(string Id, Process Process, long LogFrom)>();
        var ok = true;
        foreach (var id in ids)
        {
            var pidFile = workflow.PidFile(id);
            if (DaemonProcess.Read(pidFile) is { } daemon)
            {
                if (daemon.IsRunning) { output.WriteLine($"{id}: already running (pid {daemon.Pid})."); continue; }
                output.WriteLine($"{id}: stale pid file {pidFile} (pid {daemon.Pid} is gone); removed.");
                File.Delete(pidFile);
            }
            if (Load(id) is not { } instance) { ok = false; continue; }
            if (!instance.Enabled && !named) { output.WriteLine($"{id}: disabled (enabled: false); not started."); continue; }
            var log = workflow.LogFile(id);
            started.Add((id, Spawn(instance), File.Exists(log) ? new FileInfo(log).Length : 0));
        }
        // Started is when its program says it runs (signals handled from then on); one that refuses its configuration exits at once.
        var deadline = DateTime.UtcNow + StartTimeout;
        foreach (var (id, process, from) in started)
        {
            var running = WaitForLine(workflow.LogFile(id), from, [$"{id}: running"], deadline, () => process.HasExited);
            if (running is not null) output.WriteLine($"{id}: started (pid {process.Id}); log: {workflow.LogFile(id)}");
            else if (!process.HasExited) output.WriteLine($"{id}: started (pid {process.Id}) but not yet running after {StartTimeout.TotalSeconds:0} s; see {workflow.LogFile(id)}");
            else
            {
                File.Delete(workflow.PidFile(id));
                if (process.ExitCode == 0) { output.WriteLine($"{id}: ran to the end of its input and exited (run_mode: once); log: {workflow.LogFile(id)}"); continue; }
                ok = false;
                output.WriteLine($"{id}: exited at once with status {process.ExitCode}; the end of {workflow.LogFile(id)}:");
                foreach (var line in File.ReadLines(workflow.LogFile(id)).TakeLast(5)) output.WriteLine("  " + line);
            }
        }
        return ok;
    }

    InstanceConfig? Load(string id)
    {
        if (InstanceLoader.Find(id, workflow.ConfigDirectory) is not { } file)
        {
            output.WriteLine($"{id}: no {id}.yaml in {workflow.ConfigDirectory}.");
            return null;
        }
        var problems = new List<ConfigDiagnostic>();
        var instance = InstanceLoader.Load(file, Programs.Catalog, Channels.Catalog, problems);
        // An in-memory queue lives in one process; a daemon alone on it would wait forever.
        if (instance is not null && instance.Outputs.Values.SelectMany(u => u).Prepend(instance.Input ?? "").FirstOrDefault(u => u.StartsWith("memory:", StringComparison.Ordinal)) is { } memory)
            problems.Add(new(file, instance.LineOf(memory == instance.Input ? "input" : "output"), $"{id}: {memory} is an in-memory queue, which only joins programs of one process (`intelmq workflow run`): between daemons use sqlite:PATH?queue=NAME or a server's queue."));
        foreach (var problem in problems.Where(p => !p.IsWarning)) output.WriteLine(problem);
        if (instance?.Program is not null && !problems.Any(p => !p.IsWarning)) return instance;
        output.WriteLine($"{id}: not started (`intelmq configtest` checks every file).");
        return null;
    }

    // `intelmq run FILE --supervised` in a session of its own (a closed terminal does not stop it), its output appended to its log.
    Process Spawn(InstanceConfig instance)
    {
        var log = workflow.LogFile(instance.Id);
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        Directory.CreateDirectory(Path.GetDirectoryName(workflow.PidFile(instance.Id))!);
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = workflow.Home ?? Environment.CurrentDirectory };
        foreach (var a in (string[])["-c", "log=$1; shift; exec setsid \"$@\" </dev/null >>\"$log\" 2>&1", "sh", log, .. Command(), "run", Path.GetFullPath(instance.File), "--supervised"])
            start.ArgumentList.Add(a);
        if (workflow.Home is not null) start.Environment["INTELMQ_HOME"] = workflow.Home;
        var process = Process.Start(start)!;
        // setsid and the command replace the shell (exec), so the shell's pid is the daemon's.
        File.WriteAllText(workflow.PidFile(instance.Id), process.Id.ToString(CultureInfo.InvariantCulture) + "\n");
        return process;
    }

    /// <summary>This intelmq command, as an argument list: under <c>dotnet intelmq.dll</c> the entry assembly comes after dotnet.</summary>
    public static string[] Command() =>
        Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet" ? [Environment.ProcessPath!, typeof(DaemonControl).Assembly.Location] : [Environment.ProcessPath!];

    /// <summary>SIGTERM to each running instance, then waits for all; after <paramref name="timeout"/>, SIGKILL with <paramref name="kill"/>. True when all stopped.</summary>
    public bool Stop(IReadOnlyList<string> ids, TimeSpan timeout, bool kill)
    {
        var stopping = new List<(string Id, DaemonProcess Daemon)>();
        foreach (var id in ids)
        {
            var pidFile = workflow.PidFile(id);
            switch (DaemonProcess.Read(pidFile))
            {
                case null:
                    output.WriteLine($"{id}: not running.");
                    break;
                case { IsRunning: false } stale:
                    output.WriteLine($"{id}: not running; stale pid file {pidFile} (pid {stale.Pid} is gone) removed.");
                    File.Delete(pidFile);
                    break;
                case var daemon:
                    daemon.Signal(15);
                    stopping.Add((id, daemon));
                    break;
            }
        }
        var deadline = DateTime.UtcNow + timeout;
        while (stopping.Any(s => s.Daemon.IsRunning) && DateTime.UtcNow < deadline) Thread.Sleep(Poll);
        var ok = true;
        foreach (var (id, daemon) in stopping)
        {
            if (daemon.IsRunning && kill)
            {
                // Its workers follow it (they get SIGTERM when their supervisor dies); unacknowledged messages are redelivered.
                daemon.Signal(9);
                while (daemon.IsRunning) Thread.Sleep(Poll);
                output.WriteLine($"{id}: killed (pid {daemon.Pid}) after {timeout.TotalSeconds:0} s; its batch in hand is redelivered at the next start.");
            }
            else if (daemon.IsRunning)
            {
                ok = false;
                output.WriteLine($"{id}: still running (pid {daemon.Pid}) {timeout.TotalSeconds:0} s after SIGTERM (finishing a batch?); wait, or `intelmq stop --kill {id}`.");
                continue;
            }
            else output.WriteLine($"{id}: stopped (pid {daemon.Pid}).");
            File.Delete(workflow.PidFile(id));
        }
        return ok;
    }

    /// <summary>SIGHUP to each running instance, then waits for its log to say whether the new configuration was taken. True when all took it.</summary>
    public bool Reload(IReadOnlyList<string> ids, TimeSpan timeout)
    {
        var ok = true;
        foreach (var id in ids)
        {
            if (DaemonProcess.Read(workflow.PidFile(id)) is not { IsRunning: true } daemon)
            {
                output.WriteLine($"{id}: not running; `intelmq start {id}` reads its configuration.");
                ok = false;
                continue;
            }
            var log = workflow.LogFile(id);
            var from = File.Exists(log) ? new FileInfo(log).Length : 0;
            daemon.Signal(1);
            var outcome = WaitForLine(log, from, [$"{id}: configuration reloaded", $"{id}: reload refused"], DateTime.UtcNow + timeout, () => !daemon.IsRunning);
            ok &= outcome?.Contains("reloaded", StringComparison.Ordinal) == true;
            output.WriteLine(outcome ?? $"{id}: no word of the reload in {log} within {timeout.TotalSeconds:0} s (it reloads after its batch in hand).");
        }
        return ok;
    }

    /// <summary>The first line after <paramref name="from"/> that contains one of <paramref name="starts"/>; null at the deadline or when <paramref name="over"/>.</summary>
    static string? WaitForLine(string file, long from, string[] starts, DateTime deadline, Func<bool> over)
    {
        do
        {
            // Asked before reading, so that a line written just before the end is still read.
            var ended = over();
            if (File.Exists(file))
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                stream.Position = Math.Min(from, stream.Length);
                using var reader = new StreamReader(stream);
                while (reader.ReadLine() is { } line)
                    if (starts.Any(s => line.Contains(s, StringComparison.Ordinal))) return line;
            }
            if (ended) return null;
            Thread.Sleep(Poll);
        }
        while (DateTime.UtcNow < deadline);
        return null;
    }

    public IEnumerable<Status> Statuses(IReadOnlyList<string> ids)
    {
        foreach (var id in ids)
        {
            var problems = new List<ConfigDiagnostic>();
            var instance = InstanceLoader.Find(id, workflow.ConfigDirectory) is { } file ? InstanceLoader.Load(file, Programs.Catalog, Channels.Catalog, problems) : null;
            var program = instance?.Program?.Name ?? instance?.ProgramName ?? "(not configured)";
            var daemon = DaemonProcess.Read(workflow.PidFile(id));
            if (daemon is not { IsRunning: true })
            {
                var state = daemon is not null ? "stale" : instance is { Enabled: false } ? "disabled" : "stopped";
                yield return new Status(id, program, state, daemon?.Pid, null, null);
                continue;
            }
            var metrics = instance?.Settings.GetValueOrDefault("metrics") is string address ? InstanceMetrics.Scrape(address) : null;
            yield return new Status(id, program, "running", daemon.Pid, daemon.Uptime, metrics);
        }
    }

    /// <summary>The statuses as a table, or as JSON (one object per instance).</summary>
    public void Print(IReadOnlyList<Status> statuses, bool json)
    {
        if (json)
        {
            var items = statuses.Select(s => new Dictionary<string, object?>
            {
                ["id"] = s.Id, ["program"] = s.Program, ["state"] = s.State, ["pid"] = s.Pid,
                ["uptime_seconds"] = s.Uptime is { } u ? Math.Round(u.TotalSeconds) : null,
                ["rate"] = s.Rate is { } r ? Math.Round(r, 2) : null,
                ["received"] = s.Metrics?.Received, ["retries"] = s.Metrics?.Retries, ["dumped"] = s.Metrics?.Dumped,
                ["queues"] = s.Metrics?.Queues,
            });
            output.WriteLine(JsonSerializer.Serialize(items, new JsonSerializerOptions { WriteIndented = true }));
            return;
        }
        output.WriteLine($"{"instance",-28} {"program",-24} {"state",-8} {"pid",7} {"uptime",9} {"msg/s",8} {"retries",7} {"dumped",7}  queues");
        foreach (var s in statuses)
        {
            static string N(double? v, string format = "0") => v is { } x ? x.ToString(format, CultureInfo.InvariantCulture) : "-";
            var queues = s.Metrics is { Queues.Count: > 0 } m ? string.Join(", ", m.Queues.Select(q => $"{q.Key}: {N(q.Value)}")) : "";
            output.WriteLine($"{s.Id,-28} {s.Program,-24} {s.State,-8} {(s.Pid is { } pid ? pid.ToString(CultureInfo.InvariantCulture) : "-"),7} "
                             + $"{(s.Uptime is { } u ? Uptime(u) : "-"),9} {N(s.Rate, "0.0"),8} {N(s.Metrics?.Retries),7} {N(s.Metrics?.Dumped),7}  {queues}");
        }
    }

    static string Uptime(TimeSpan u) => u.TotalDays >= 1 ? $"{(int)u.TotalDays}d{u.Hours}h" : u.TotalHours >= 1 ? $"{(int)u.TotalHours}h{u.Minutes:00}m" : $"{(int)u.TotalMinutes}m{u.Seconds:00}s";
}
