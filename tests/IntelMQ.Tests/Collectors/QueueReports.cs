using System.Text;
using IntelMQ.Core;

namespace IntelMQ.Tests.Collectors;

/// <summary>Reading the reports collectors wrote to an output.</summary>
public static class QueueReports
{
    /// <summary>The body of a report message (IDF or IntelMQ's DHO with base64 raw).</summary>
    public static string Body(string message) => (string)EventJson.Read(Encoding.UTF8.GetBytes(message)).Single()[Event.OriginalField]!;
}
