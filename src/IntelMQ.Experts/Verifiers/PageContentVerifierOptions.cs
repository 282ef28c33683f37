using IntelMQ.Contract;

namespace IntelMQ.Experts.Verifiers;

public sealed record PageContentVerifierOptions : VerifierOptions
{
    [Option("Where the verdict goes: FIELD.result, FIELD.confidence, FIELD.detail and FIELD.time (IntelMQ names: extra.X is the IDF's custom.X).")]
    public string Field { get; set; } = "extra.verification.page";

    [Option("The text the page should contain (one of text, regex and text_field).")]
    public string Text { get; set; } = "";

    [Option("A regular expression the page should match (.NET syntax, one-second timeout).")]
    public string Regex { get; set; } = "";

    [Option("The event's field holding the text to look for, per event (extra.defacement_text, say).")]
    public string TextField { get; set; } = "";

    [Option("Match text and regex with case as given.")]
    public bool CaseSensitive { get; set; }

    [Option("Bytes of the page read at most; the rest is not looked at.", Min = 1024, Max = 104_857_600)]
    public int MaxResponseBytes { get; set; } = 1_048_576;
}
