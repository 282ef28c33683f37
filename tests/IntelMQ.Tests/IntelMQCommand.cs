using System.Diagnostics;
using System.Text;

namespace IntelMQ.Tests;

/// <summary>Runs the built intelmq command as operators do, with its own state directory.</summary>
public sealed class IntelMQCommand : IDisposable
{
    public string Home { get; } = Directory.CreateTempSubdirectory("intelmq-test-").FullName;

    /// <summary>Extra environment variables for the runs; null removes one (INTELMQ_HOME too).</summary>
    public Dictionary<string, string?> Environment { get; } = [];

    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public Result Run(string stdin, params string[] args) => Run(Encoding.UTF8.GetBytes(stdin), args);

    public Result Run(byte[] stdin, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Home };
        start.ArgumentList.Add(Paths.IntelMQDll);
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["INTELMQ_HOME"] = Home;
        start.Environment["INTELMQ_FAKE_NOW"] = "2024-05-02T10:00:00Z";
        foreach (var (key, value) in Environment)
        {
            if (value is null) start.Environment.Remove(key);
            else start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.BaseStream.Write(stdin);
        process.StandardInput.Close();
        if (!process.WaitForExit(120_000)) { process.Kill(true); throw new TimeoutException($"intelmq {string.Join(' ', args)} did not finish in 120 s"); }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts the command in the background (a daemon); the caller stops it.</summary>
    public Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, WorkingDirectory = Home };
        start.ArgumentList.Add(Paths.IntelMQDll);
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["INTELMQ_HOME"] = Home;
        foreach (var (key, value) in Environment)
        {
            if (value is null) start.Environment.Remove(key);
            else start.Environment[key] = value;
        }
        return Process.Start(start)!;
    }

    public string PathOf(string name) => Path.Combine(Home, name);

    public void Dispose()
    {
        try { Directory.Delete(Home, recursive: true); } catch (IOException) { }
    }
}
