using System.Text.Json;
using IntelMQ.Core;

namespace IntelMQ.Parsers.Common;

/// <summary>The exceptions that mean "this part of the report is bad", as opposed to a bug or an unusable runtime.</summary>
public static class BadInput
{
    public static bool Is(Exception ex) =>
        ex is InvalidFieldException or FormatException or OverflowException or InvalidDataException or JsonException
            or InvalidOperationException or KeyNotFoundException or IndexOutOfRangeException or ArgumentException;
}
