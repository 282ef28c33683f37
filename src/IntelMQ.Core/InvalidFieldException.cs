namespace IntelMQ.Core;

/// <summary>A value that does not fit its field. The message names the field, the value and what was expected.</summary>
public sealed class InvalidFieldException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}
