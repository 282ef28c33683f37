using IntelMQ.Core;

namespace IntelMQ.Runtime;

/// <summary>Delivers events out of the workflow. Events count as delivered once <see cref="Flush"/> returns.</summary>
public interface IOutput : IDisposable
{
    void Write(Event ev);

    /// <summary>Makes everything written so far durable (as durable as the output's options ask).</summary>
    void Flush();
}
