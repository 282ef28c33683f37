using System.Text;

namespace IntelMQ.Outputs.Lists;

/// <summary>Replaces a file whole: written to a temporary file beside it, fsynced, then renamed over it, so a reader sees the old file or the new one.</summary>
internal static class AtomicFile
{
    public static void Replace(string path, string content)
    {
        var temporary = $"{path}.tmp-{Environment.ProcessId}";
        try
        {
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                file.Write(Encoding.UTF8.GetBytes(content));
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
