using IntelMQ.Runtime;

namespace IntelMQ.Tests.Runtime;

/// <summary>A collector's state: committed atomically, reloaded at start, held by one process at a time.</summary>
public sealed class StateStoreTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("intelmq-state-").FullName;
    string StatePath => Path.Combine(_dir, "collectors", "files.json");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Committed_state_is_reloaded_by_the_next_run_and_a_null_value_removes_its_key()
    {
        using (var state = StateStore.Open(StatePath))
        {
            Assert.Null(state.Get("file:a.csv"));
            state.Commit(new Dictionary<string, string?> { ["file:a.csv"] = "12 2024-05-01", ["file:b.csv"] = "7 2024-05-02" });
            state.Commit(new Dictionary<string, string?> { ["file:a.csv"] = null });
        }
        using var reloaded = StateStore.Open(StatePath);
        Assert.Null(reloaded.Get("file:a.csv"));
        Assert.Equal("7 2024-05-02", reloaded.Get("file:b.csv"));
        Assert.Equal(["files.json", "files.json.lock"], Directory.GetFiles(Path.GetDirectoryName(StatePath)!).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_commit_replaces_the_file_whole_so_a_leftover_temporary_file_is_never_read()
    {
        using (var state = StateStore.Open(StatePath)) state.Commit(new Dictionary<string, string?> { ["etag"] = "\"v1\"" });
        // What a crash between writing the new state and renaming it leaves behind.
        File.WriteAllText(StatePath + ".tmp", "{\"etag\": \"\\\"v2\\\"\", \"half");
        using var reloaded = StateStore.Open(StatePath);
        Assert.Equal("\"v1\"", reloaded.Get("etag"));
    }

    [Fact]
    public void A_second_process_of_the_same_instance_is_refused_until_the_first_ends()
    {
        var first = StateStore.Open(StatePath);
        var refused = Assert.Throws<ConfigurationException>(() => StateStore.Open(StatePath));
        Assert.Contains("another process runs this collector instance", refused.Message);
        Assert.Contains("--id", refused.Message);
        first.Dispose();
        using var second = StateStore.Open(StatePath);
    }

    [Fact]
    public void A_state_file_that_is_not_a_json_object_of_strings_is_refused_naming_the_file()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(StatePath)!);
        File.WriteAllText(StatePath, "[1, 2]");
        var error = Assert.Throws<ConfigurationException>(() => StateStore.Open(StatePath));
        Assert.Contains(StatePath, error.Message);
        Assert.Contains("delete it to start afresh", error.Message);
        File.WriteAllText(StatePath, "{}");
        using var again = StateStore.Open(StatePath); // the refused open released its lock
    }
}
