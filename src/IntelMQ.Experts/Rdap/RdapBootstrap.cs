using System.Text.Json;
using IntelMQ.Contract;

namespace IntelMQ.Experts.Rdap;

/// <summary>IANA's RDAP bootstrap file for domains (RFC 9224): {"services": [[["tld", ...], ["https://rdap.example/", ...]], ...]}.</summary>
static class RdapBootstrap
{
    /// <returns>The base URL of each domain suffix; an https URL where the file lists several.</returns>
    /// <exception cref="ConfigurationException">The file cannot be read or is not a bootstrap file.</exception>
    public static Dictionary<string, Uri> Read(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var json = JsonDocument.Parse(stream);
            var servers = new Dictionary<string, Uri>(StringComparer.OrdinalIgnoreCase);
            if (!json.RootElement.TryGetProperty("services", out var services) || services.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException("it has no 'services' list");
            var number = 0;
            foreach (var service in services.EnumerateArray())
            {
                number++;
                if (service.ValueKind != JsonValueKind.Array || service.GetArrayLength() < 2 || service[0].ValueKind != JsonValueKind.Array || service[1].ValueKind != JsonValueKind.Array)
                    throw new InvalidDataException($"service {number} is not [[suffixes], [URLs]]");
                Uri? best = null;
                foreach (var url in service[1].EnumerateArray())
                    if (url.ValueKind == JsonValueKind.String && Uri.TryCreate(WithSlash(url.GetString()!), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                        && (best is null || (best.Scheme == "http" && uri.Scheme == "https")))
                        best = uri;
                if (best is null) throw new InvalidDataException($"service {number} has no http(s) URL");
                foreach (var suffix in service[0].EnumerateArray())
                    if (suffix.ValueKind == JsonValueKind.String) servers[suffix.GetString()!.Trim('.')] = best;
            }
            return servers;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or InvalidDataException or InvalidOperationException)
        {
            throw new ConfigurationException($"rdap-expert: bootstrap file {path}: {ex.Message}");
        }
    }

    public static string WithSlash(string url) => url.EndsWith('/') ? url : url + "/";
}
