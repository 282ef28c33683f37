using IntelMQ.Contract;

namespace IntelMQ.Experts.Wait;

public sealed record WaitExpertOptions
{
    [Option("Seconds each event waits before it is passed on (sleep mode, when no queue_name is given); events pass one at a time.", Min = 0)]
    public double? SleepTime { get; set; }

    [Option("The Redis list to watch (queue mode): each event waits until the list holds at most queue_size messages, e.g. a slow output's input queue.")]
    public string? QueueName { get; set; }

    [Option("Queue mode: the most messages queue_name may hold for an event to pass.", Min = 0)]
    public long QueueSize { get; set; }

    [Option("Queue mode: seconds between two looks at the list's length.", Min = 0.001)]
    public double QueuePollingInterval { get; set; } = 0.05;

    [Option("Queue mode: the Redis server's host.")]
    public string QueueHost { get; set; } = "localhost";

    [Option("Queue mode: the Redis server's port.", Min = 1, Max = 65535)]
    public int QueuePort { get; set; } = 6379;

    [Option("Queue mode: the database number of the list (IntelMQ's pipeline uses 2).", Min = 0)]
    public int QueueDb { get; set; } = 2;

    [Option("Queue mode: the server's password, if it asks for one.")]
    public Secret? QueuePassword { get; set; }
}
