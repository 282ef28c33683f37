using IntelMQ.Contract;

namespace IntelMQ.Experts.Common;

/// <summary>Replaces a local reference file with a fresh download, only once the download has been verified.</summary>
static class ReferenceFile
{
    /// <param name="verify">
    /// Checks the downloaded file (given its path), or rewrites it there into the form the program reads (what moves into
    /// place is what it leaves), and returns what it holds, for the report line; throws when it is unusable.
    /// </param>
    /// <exception cref="IOException">The download failed or did not verify; the old copy is kept.</exception>
    public static async ValueTask<string> ReplaceAsync(string program, string url, string? target, Func<string, string> verify, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(target))
            throw new ConfigurationException($"{program}: no place to keep the data: set the database option to a file path.");
        var full = Path.GetFullPath(target);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = $"{full}.{Environment.ProcessId}.tmp";
        try
        {
            using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(120) })
            await using (var file = File.Create(temp))
            {
                try
                {
                    await using var body = await http.GetStreamAsync(url, cancellationToken);
                    await body.CopyToAsync(file, cancellationToken);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    throw new IOException($"{program}: cannot fetch {url}: {ex.Message}; the current copy is kept.", ex);
                }
            }
            string summary;
            try
            {
                summary = verify(temp);
            }
            catch (Exception ex) when (ex is ConfigurationException or InvalidDataException or FormatException)
            {
                throw new IOException($"{program}: the file from {url} is not usable: {ex.Message}; the current copy is kept.", ex);
            }
            File.Move(temp, full, overwrite: true);
            return $"{summary} from {url} saved to {full}";
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
