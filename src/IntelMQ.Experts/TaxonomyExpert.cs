using IntelMQ.Core;
using IntelMQ.Contract;

namespace IntelMQ.Experts;

/// <summary>Completes an event's classification from the RSIT vocabulary, as IntelMQ's taxonomy expert does.</summary>
[Program("taxonomy-expert", ProgramKind.Expert, "Fills classification.taxonomy from classification.type (RSIT), defaulting to other/undetermined.",
    Modules = ["intelmq.bots.experts.taxonomy.expert"],
    Description = """
        Sets classification.taxonomy from classification.type using the ENISA Reference Security Incident Taxonomy
        (RSIT, vendored) and IntelMQ's legacy types. An event without classification.type gets 'undetermined'; one
        without any classification gets taxonomy 'other' and type 'undetermined'. Values already set are kept.
        """,
    FieldsRead = ["classification.type", "classification.taxonomy"],
    FieldsWritten = ["classification.type", "classification.taxonomy"],
    Examples = ["intelmq run taxonomy-expert < events.jsonl > classified.jsonl"])]
public sealed class TaxonomyExpert : IExpert
{
    const string Type = "classification.type", Taxonomy = "classification.taxonomy";

    public void Process(Event ev, IEmitter output)
    {
        Classify(ev);
        output.Emit(ev);
    }

    /// <summary>Completes the classification in place.</summary>
    public static void Classify(Event ev)
    {
        if (ev[Type] is not string type)
        {
            ev.Add(Type, "undetermined");
            type = "undetermined";
        }
        if (!ev.Contains(Taxonomy) && Classification.TaxonomyOfType.TryGetValue(type, out var taxonomy))
            ev.Add(Taxonomy, taxonomy);
    }
}
