using IntelMQ.Core;

namespace IntelMQ.ParserBench;

/// <summary>Serialises every emitted event, as the runtime's send stage would, and counts events and rejects.</summary>
sealed class WritingEmitter(MessageWriter writer) : IEmitter
{
    public MessageWriter Writer { get; } = writer;
    public long Events { get; private set; }
    public long Rejected { get; private set; }

    public void Emit(Event ev, string path = Paths.Default)
    {
        Writer.Write(ev);
        Events++;
    }

    public void Reject(string position, string content, Exception error)
    {
        if (Rejected++ == 0) Console.Error.WriteLine($"{position}: {error.Message}");
    }

    public void Reject(string position, ReadOnlySpan<byte> content, Exception error) => Reject(position, "", error);

    public void Drop(Event ev, string reason) => Rejected++;
}
