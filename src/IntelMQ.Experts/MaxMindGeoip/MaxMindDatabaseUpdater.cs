using System.Formats.Tar;
using System.IO.Compression;
using IntelMQ.Contract;

namespace IntelMQ.Experts.MaxMindGeoip;

/// <summary>Downloads the database's edition from MaxMind (a .tar.gz holding the .mmdb), checks that it opens, and swaps it in.</summary>
public sealed class MaxMindDatabaseUpdater(MaxMindGeoipExpertOptions options, ProgramContext context) : IReferenceData
{
    const string Program = "maxmind-geoip-expert";

    public async ValueTask<string> UpdateAsync(CancellationToken cancellationToken)
    {
        if (options.LicenseKey.IsEmpty)
            throw new ConfigurationException($"{Program}: option 'license_key' is empty: MaxMind downloads need a licence key (https://www.maxmind.com/en/accounts/current/license-key).");
        var target = Path.GetFullPath(MaxMindGeoipExpert.DatabasePath(options, context)
            ?? throw new ConfigurationException($"{Program}: no place to keep the database: set the database option to a file path."));
        var edition = Edition(target);
        var url = options.DownloadUrl.Replace("{edition}", Uri.EscapeDataString(edition), StringComparison.Ordinal);
        // Messages name the URL with the key hidden: it is a secret.
        var shown = url.Replace("{license_key}", "***", StringComparison.Ordinal);
        url = url.Replace("{license_key}", Uri.EscapeDataString(options.LicenseKey.Reveal()), StringComparison.Ordinal);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temp = $"{target}.{Environment.ProcessId}.tmp";
        try
        {
            try
            {
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(300) };
                await using var body = await http.GetStreamAsync(url, cancellationToken);
                await ExtractDatabaseAsync(body, temp, cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new IOException($"{Program}: cannot fetch {shown}: {ex.Message.Replace(options.LicenseKey.Reveal(), "***", StringComparison.Ordinal)}; the current copy is kept.", ex);
            }
            catch (Exception ex) when (ex is InvalidDataException or FormatException)
            {
                throw new IOException($"{Program}: the answer from {shown} is not a .tar.gz with a .mmdb: {ex.Message}; the current copy is kept.", ex);
            }
            string summary;
            try
            {
                var (reader, _) = MaxMindGeoipExpert.Open(temp);
                using (reader) summary = MaxMindGeoipExpert.Describe(reader);
            }
            catch (ConfigurationException ex)
            {
                throw new IOException($"{Program}: the database from {shown} is not usable: {ex.Message}; the current copy is kept.", ex);
            }
            File.Move(temp, target, overwrite: true);
            return $"{summary} from {shown} saved to {target}";
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>The edition the current file holds (its metadata), else the file's name without extension (GeoLite2-City.mmdb: GeoLite2-City).</summary>
    static string Edition(string target)
    {
        if (File.Exists(target))
            try
            {
                var (reader, _) = MaxMindGeoipExpert.Open(target);
                using (reader) return reader.Metadata.DatabaseType;
            }
            catch (ConfigurationException)
            {
                // A broken current copy is what an update replaces; its name still says the edition.
            }
        return Path.GetFileNameWithoutExtension(target);
    }

    static async Task ExtractDatabaseAsync(Stream body, string destination, CancellationToken cancellationToken)
    {
        await using var gzip = new GZipStream(body, CompressionMode.Decompress);
        await using var tar = new TarReader(gzip);
        while (await tar.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
            if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile && entry.Name.EndsWith(".mmdb", StringComparison.Ordinal) && entry.DataStream is { } data)
            {
                await using var file = File.Create(destination);
                await data.CopyToAsync(file, cancellationToken);
                return;
            }
        throw new InvalidDataException("the archive holds no .mmdb file");
    }
}
