namespace IntelMQ.Core;

/// <summary>One field of the IDF catalogue.</summary>
/// <param name="Name">Dotted path, e.g. <c>source.as.number</c>.</param>
/// <param name="Type">What values must look like.</param>
/// <param name="IsArray">True where ECS marks the field <c>normalize: array</c>: the value is a list, most relevant item first.</param>
/// <param name="Description">One line for documentation.</param>
public sealed record FieldDefinition(string Name, FieldType Type, bool IsArray, string Description);
