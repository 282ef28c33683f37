namespace IntelMQ.Collectors.Archives;

/// <summary>A file taken from a download or an attachment: its name and content, or why it could not be read.</summary>
public sealed class ArchiveMember(string name, Stream? content, Exception? error = null) : IDisposable
{
    /// <summary>The name in the archive (with its folders), or the download's own name when it was not an archive.</summary>
    public string Name { get; } = name;

    /// <summary>The content, seekable and at its start; null when <see cref="Error"/> says why there is none.</summary>
    public Stream? Content { get; } = content;

    /// <summary>A corrupt or oversized member: the reason, naming it.</summary>
    public Exception? Error { get; } = error;

    public void Dispose() => Content?.Dispose();
}
