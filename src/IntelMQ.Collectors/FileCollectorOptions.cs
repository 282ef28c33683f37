using IntelMQ.Contract;

namespace IntelMQ.Collectors;

/// <summary>Options of the file collector; IntelMQ's parameter names are accepted.</summary>
public sealed record FileCollectorOptions
{
    [Option("The directory to read report files from (not its subdirectories).")]
    public string? Path { get; set; }

    [Option("Read the files whose names end with this (IntelMQ's postfix); ignored when glob is given. Empty: every file.")]
    public string Postfix { get; set; } = ".csv";

    [Option("Read the files whose names match this pattern (* and ?), e.g. 2024-*-scan_*.csv; replaces postfix.")]
    public string? Glob { get; set; }

    [Option("Delete a file once its report is handed on (IntelMQ's delete_file).")]
    public bool DeleteFile { get; set; }

    [Option("Move a file into this directory once its report is handed on (created when missing).")]
    public string? MoveTo { get; set; }

    [Option("Split a file into reports of at most this many bytes, at line ends (a longer line is a report of its own); for files larger than max_report_size. Default: one report per file.", Min = 1)]
    public long? ChunkSize { get; set; }

    [Option("With chunk_size: repeat the file's first line (a CSV header) at the top of every part.")]
    public bool ChunkReplicateHeader { get; set; } = true;
}
