using IntelMQ.Core;

namespace IntelMQ.Parsers.Common;

/// <summary>Adding optional values: custom.* fields keep a null as given, so a value a record lacks is not added at all.</summary>
public static class EventExtensions
{
    public static void AddPresent(this Event ev, string path, object? value)
    {
        if (value is not null) ev.Add(path, value);
    }
}
