using IntelMQ.Contract;
using IntelMQ.Core;

namespace IntelMQ.Parsers.Common;

/// <summary>How every parser of this folder finishes an event: its raw text, its stable id, then it is handed on.</summary>
public static class EmitterExtensions
{
    public static void EmitParsed(this IEmitter output, Event ev, string original)
    {
        ev.Add(Event.OriginalField, original);
        ev.AssignStableId();
        output.Emit(ev);
    }
}
