namespace IntelMQ.Parsers.Shadowserver;

/// <summary>What the parser does with a report whose header does not fit its report type's columns.</summary>
public enum HeaderMismatch
{
    /// <summary>The report fails (to the dump, whole), with a message naming the report types the header fits.</summary>
    Refuse,

    /// <summary>The header goes to the dump as a rejected part with the same message, and the rows are parsed.</summary>
    Warn,
}
