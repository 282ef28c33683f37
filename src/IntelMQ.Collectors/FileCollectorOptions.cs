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

    [Option("IntelMQ's splitting of large files into reports of this many bytes: not supported, see max_report_size. Only null (IntelMQ's default) is accepted.")]
    public long? ChunkSize { get; set; }

    [Option("IntelMQ's header repetition for chunk_size; accepted for compatibility, and without chunk_size without effect.")]
    public bool ChunkReplicateHeader { get; set; } = true;
}
