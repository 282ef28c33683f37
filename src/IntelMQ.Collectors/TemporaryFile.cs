namespace IntelMQ.Collectors;

/// <summary>Scratch files for downloads and unpacked members: seekable, and deleted when closed.</summary>
static class TemporaryFile
{
    public static FileStream Create(string purpose) =>
        new(Path.Combine(Path.GetTempPath(), $"intelmq-{purpose}-{Guid.NewGuid():N}"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
}
