namespace IntelMQ.Core;

/// <summary>
/// A field of a catalogue, looked up once (<see cref="FieldCatalogue.Handle"/>): an event adds a value through it
/// without looking its path up again, for code that adds the same fields to event after event, such as a parser.
/// </summary>
public sealed class FieldHandle
{
    internal FieldHandle(FieldCatalogue catalogue, FieldDefinition definition, FieldCatalogue.Placement placement)
    {
        Catalogue = catalogue;
        Definition = definition;
        Placement = placement;
    }

    public string Path => Definition.Name;
    public FieldDefinition Definition { get; }
    public FieldCatalogue Catalogue { get; }
    internal FieldCatalogue.Placement Placement { get; }

    public override string ToString() => Path;
}
