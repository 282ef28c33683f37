using IntelMQ.Core;
using IntelMQ.Outputs.Blackhole;
using IntelMQ.Outputs.Touch;

namespace IntelMQ.Tests.Outputs;

public sealed class TouchAndBlackholeOutputTests : IDisposable
{
    readonly string _directory = Directory.CreateTempSubdirectory("intelmq-touch-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    static Event NewEvent()
    {
        var ev = Event.Create();
        ev.Add("comment", "x");
        return ev;
    }

    [Fact]
    public async Task Touch_creates_the_file_and_moves_its_modification_time_on_each_batch()
    {
        var path = Path.Combine(_directory, "sub", "alive");
        var output = new TouchOutput(new() { Path = path }, ProgramContext.Default);
        var results = new WriteResult[1];

        await output.WriteAsync([NewEvent()], results, TestContext.Current.CancellationToken);
        Assert.True(File.Exists(path));
        Assert.Equal(0, new FileInfo(path).Length);
        File.SetLastWriteTimeUtc(path, new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        await output.WriteAsync([NewEvent()], results, TestContext.Current.CancellationToken);

        Assert.True(File.GetLastWriteTimeUtc(path).Year > 2000);
        Assert.Equal(WriteResult.Written, results[0]);
    }

    [Fact]
    public async Task Touch_on_a_path_that_cannot_be_written_is_a_transient_failure()
    {
        var blocker = Path.Combine(_directory, "file");
        await File.WriteAllTextAsync(blocker, "", TestContext.Current.CancellationToken);
        var output = new TouchOutput(new() { Path = Path.Combine(blocker, "alive") }, ProgramContext.Default); // a directory that is a file

        await Assert.ThrowsAsync<TransientException>(() => output.WriteAsync([NewEvent()], new WriteResult[1], TestContext.Current.CancellationToken).AsTask());
    }

    [Fact]
    public async Task Blackhole_acknowledges_every_event()
    {
        var results = new WriteResult[3];

        await new BlackholeOutput().WriteAsync([NewEvent(), NewEvent(), NewEvent()], results, TestContext.Current.CancellationToken);

        Assert.All(results, r => Assert.Equal(WriteResult.Written, r));
    }
}
