namespace IntelMQ.Runtime.Observability;

/// <summary>How log lines are written to standard error (<c>--log-format</c>).</summary>
public enum LogFormat
{
    /// <summary>For people: <c>2026-11-29T19:00:00Z INFO taxonomy-expert: message</c>.</summary>
    Text,

    /// <summary>JSON lines for central logging: time, level, program, id, message and the message's named values.</summary>
    Json,
}
