using IntelMQ.Contract;

namespace IntelMQ.Parsers.Shadowserver;

/// <summary>Options of the Shadowserver parser; IntelMQ's parameter names are accepted as aliases.</summary>
public sealed record ShadowserverParserOptions
{
    [Option("The report's file name as Shadowserver names it (2024-05-01-scan_smb-geo.csv) or just its report type (scan_smb). Default: the report's custom.file_name (IntelMQ: extra.file_name).")]
    public string? FileName { get; set; }

    [Option("The Shadowserver feed name (schema feed_name, e.g. Accessible-SMB) to parse every report as, when the reports carry no file name.", Aliases = ["feed_name"])]
    public string? Feedname { get; set; }

    [Option("Set feed.name to the report type's Shadowserver feed name, replacing the collector's.")]
    public bool Overwrite { get; set; }

    [Option("Path of a schema file to use instead of the built-in one (air-gapped installs, tests).")]
    public string? Schema { get; set; }

    [Option("Where --self-update-db fetches the schema from.")]
    public string SchemaUrl { get; set; } = ShadowserverSchema.PublishedUrl;

    [Option("The longest cell, in characters, a row may have; a row with a longer one is rejected (its first 64 KiB go to the dump) and the report goes on.", Min = 1024, Max = int.MaxValue)]
    public int MaxCellSize { get; set; } = 1 << 20;

    [Option("The longest row, in bytes; a longer row is rejected (its first 64 KiB go to the dump) and reading resumes at the next line. Bounds the memory a report takes.", Min = 1024, Max = 1 << 30)]
    public int MaxRowSize { get; set; } = 16 << 20;

    [Option("What to do with a report whose header does not fit its report type (an SMB report named scan_ntp): refuse fails the report with a message naming the report types it fits; warn dumps the header line with that message and parses the rows anyway.")]
    public HeaderMismatch HeaderMismatch { get; set; } = HeaderMismatch.Refuse;

    [Option("The share of the header's columns, 0 to 1, that may be unknown to the report type's schema entry (Shadowserver adds columns over time) before header_mismatch applies; at least 3 unknown columns are needed.", Min = 0, Max = 1)]
    public double HeaderMismatchLimit { get; set; } = 0.25;
}
