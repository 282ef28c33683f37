using System.Diagnostics;
using IntelMQ.Tests.Channels;
using Npgsql;

namespace IntelMQ.Tests.Outputs;

/// <summary>
/// A private PostgreSQL 15 on a free loopback port, in a temporary directory, run as Debian's postgres user (initdb
/// refuses root) with trust authentication and fsync off; stopped with pg_ctl. Database 'intelmq', user 'intelmq'.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    const string Bin = "/usr/lib/postgresql/15/bin";
    readonly string _dir = "";

    public PostgresServer()
    {
        if (!File.Exists(Path.Combine(Bin, "pg_ctl")))
        {
            Unavailable = "PostgreSQL 15 is not installed; apt-get install postgresql to run the PostgreSQL tests (.ci/run does).";
            return;
        }
        _dir = Directory.CreateTempSubdirectory("postgres-test-").FullName;
        Run("chown", "postgres", _dir);
        Port = RedisServer.FreePort();
        RunAsPostgres($"{Bin}/initdb", "-D", Data, "-A", "trust", "-U", "intelmq", "--no-sync");
        RunAsPostgres($"{Bin}/pg_ctl", "-D", Data, "-l", Path.Combine(_dir, "log"), "-w", "start",
            "-o", $"-p {Port} -k {_dir} -c listen_addresses=127.0.0.1 -c fsync=off");
        using var connection = Connect("postgres");
        using var create = new NpgsqlCommand("CREATE DATABASE intelmq", connection);
        create.ExecuteNonQuery();
    }

    /// <summary>Why no server could be started (PostgreSQL is not installed), or null.</summary>
    public string? Unavailable { get; }

    /// <summary>This server, or the test is skipped with the reason.</summary>
    public PostgresServer Required()
    {
        Assert.SkipWhen(Unavailable is not null, Unavailable ?? "");
        return this;
    }

    public int Port { get; }

    string Data => Path.Combine(_dir, "data");

    public NpgsqlConnection Connect(string database = "intelmq")
    {
        var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={Port};Username=intelmq;Database={database};Pooling=false");
        connection.Open();
        return connection;
    }

    public void Execute(string sql)
    {
        using var connection = Connect();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    /// <summary>Stops the server as an outage would (the data stays), or starts it again.</summary>
    public void Stop() => RunAsPostgres($"{Bin}/pg_ctl", "-D", Data, "-m", "immediate", "-w", "stop");

    public void Start() => RunAsPostgres($"{Bin}/pg_ctl", "-D", Data, "-l", Path.Combine(_dir, "log"), "-w", "start",
        "-o", $"-p {Port} -k {_dir} -c listen_addresses=127.0.0.1 -c fsync=off");

    void RunAsPostgres(string program, params string[] arguments) => Run("runuser", ["-u", "postgres", "--", program, .. arguments]);

    static void Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {program}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {error}{output.Result}");
    }

    public void Dispose()
    {
        if (Unavailable is not null) return;
        try { RunAsPostgres($"{Bin}/pg_ctl", "-D", Data, "-m", "immediate", "-w", "stop"); } catch (InvalidOperationException) { }
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
