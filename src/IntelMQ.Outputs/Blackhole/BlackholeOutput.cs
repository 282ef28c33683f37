using IntelMQ.Contract;
using IntelMQ.Core;

namespace IntelMQ.Outputs.Blackhole;

/// <summary>Accepts every event and keeps none: the end of a path whose events are only counted.</summary>
[Program("blackhole-output", ProgramKind.Output, "Accepts every event and writes it nowhere.",
    Modules = ["intelmq.bots.outputs.blackhole.output"],
    Description = """
        Acknowledges every event it receives without writing it anywhere, as IntelMQ's blackhole output does: for
        a branch of a workflow whose events are only to be counted (intelmq_events_* metrics) or thrown away.
        """,
    Examples = ["intelmq run blackhole-output < events.jsonl"])]
public sealed class BlackholeOutput : IOutput
{
    public ValueTask WriteAsync(IReadOnlyList<Event> events, WriteResult[] results, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
