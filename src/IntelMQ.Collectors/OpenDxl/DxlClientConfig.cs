using System.Globalization;
using IntelMQ.Contract;

namespace IntelMQ.Collectors.OpenDxl;

/// <summary>
/// What the collector takes from a dxlclient.config, the OpenDXL client's INI file: [Certs] BrokerCertChain, CertFile
/// and PrivateKey, [Brokers] lines <c>id=[UniqueId;]Port;HostName[;IpAddress]</c> and [General] ClientId. Read as
/// opendxl-client-python's client_config.py and broker.py read it (Apache-2.0): a relative file name is looked for
/// beside the config file first.
/// </summary>
public sealed record DxlClientConfig(string BrokerCertChain, string CertFile, string PrivateKey, IReadOnlyList<DxlBroker> Brokers, string? ClientId)
{
    const string CertsSection = "Certs", BrokersSection = "Brokers", GeneralSection = "General", ProxySection = "Proxy";

    /// <exception cref="ConfigurationException">The file cannot be read, or a line or a required setting is missing or broken: the message names the file, the line and the fix.</exception>
    public static DxlClientConfig Load(string path, string owner)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ConfigurationException($"{owner}: dxl_config_file '{path}' cannot be read: {ex.Message}");
        }
        var settings = new Dictionary<(string Section, string Key), (string Value, int Line)>();
        var brokers = new List<DxlBroker>();
        var section = "";
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            var where = $"{owner}: dxl_config_file '{path}' line {i + 1}";
            if (line.Length == 0 || line[0] is '#' or ';') continue;
            if (line[0] == '[')
            {
                if (!line.EndsWith(']') || line.Length < 3)
                    throw new ConfigurationException($"{where}: '{line}' is not a section header; write it as [Certs], [Brokers] or [General].");
                section = line[1..^1].Trim();
                continue;
            }
            var equals = line.IndexOf('=');
            if (equals <= 0)
                throw new ConfigurationException($"{where}: '{line}' is not a setting; write name=value (e.g. CertFile=client.crt, or under [Brokers] id=id;8883;broker.example.org;192.0.2.1).");
            if (section.Length == 0)
                throw new ConfigurationException($"{where}: '{line}' comes before any section; put it under [Certs], [Brokers] or [General].");
            var key = line[..equals].Trim();
            var value = Unquote(line[(equals + 1)..].Trim());
            if (section == BrokersSection) brokers.Add(ParseBroker(value, where));
            else settings[(section, key)] = (value, i + 1);
        }

        string CertificateFile(string key, string what)
        {
            if (!settings.TryGetValue((CertsSection, key), out var setting) || setting.Value.Length == 0)
                throw new ConfigurationException($"{owner}: dxl_config_file '{path}' has no [Certs] {key}: add {key}=FILE under [Certs], the PEM file of {what} that the fabric's provisioning gave.");
            var file = Resolve(setting.Value, path);
            if (!File.Exists(file))
                throw new ConfigurationException($"{owner}: dxl_config_file '{path}' line {setting.Line}: {key} '{setting.Value}' is not a file (looked for {file}); give the PEM file of {what}.");
            return file;
        }

        if (settings.TryGetValue((GeneralSection, "UseWebSockets"), out var webSockets) && webSockets.Value.Equals("true", StringComparison.OrdinalIgnoreCase))
            throw new ConfigurationException($"{owner}: dxl_config_file '{path}' line {webSockets.Line}: UseWebSockets is true, but this collector connects over MQTT with TLS only; set UseWebSockets=false and list the brokers' MQTT ports under [Brokers].");
        if (settings.TryGetValue((ProxySection, "Address"), out var proxy) && proxy.Value.Length > 0)
            throw new ConfigurationException($"{owner}: dxl_config_file '{path}' line {proxy.Line}: a proxy is not supported; remove [Proxy] Address and let the collector reach a broker directly.");
        if (brokers.Count == 0)
            throw new ConfigurationException($"{owner}: dxl_config_file '{path}' lists no broker: add a [Brokers] section with lines id=id;port;host name;ip address (e.g. b1=b1;8883;broker.example.org;192.0.2.1).");
        return new DxlClientConfig(CertificateFile("BrokerCertChain", "the broker CA certificates"), CertificateFile("CertFile", "the client certificate"),
            CertificateFile("PrivateKey", "the client certificate's private key"), brokers,
            settings.TryGetValue((GeneralSection, "ClientId"), out var id) && id.Value.Length > 0 ? id.Value : null);
    }

    // As broker.py's _parse: a first element that is a port number means the unique id was left out.
    static DxlBroker ParseBroker(string value, string where)
    {
        var elements = value.Split(';', StringSplitOptions.TrimEntries);
        if (elements.Length < 2)
            throw new ConfigurationException($"{where}: broker '{value}' has fewer than two elements; write id=id;port;host name;ip address.");
        var unnamed = IsPort(elements[0], out _);
        var (id, portText, host, ip) = unnamed
            ? (null, elements[0], elements[1], elements.ElementAtOrDefault(2))
            : (elements[0], elements[1], elements.ElementAtOrDefault(2), elements.ElementAtOrDefault(3));
        if (!IsPort(portText, out var port))
            throw new ConfigurationException($"{where}: broker '{value}': '{portText}' is not a port (1 to 65535); write id=id;port;host name;ip address.");
        host = Unbracket(host);
        ip = Unbracket(ip);
        if (host is not { Length: > 0 })
            throw new ConfigurationException($"{where}: broker '{value}' has no host name; write id=id;port;host name;ip address.");
        return new DxlBroker(id, port, host, ip is { Length: > 0 } ? ip : null);
    }

    static bool IsPort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 1 and <= 65535;

    // An IPv6 address may be written in brackets, as in a URL.
    static string? Unbracket(string? text) => text?.Replace("[", "").Replace("]", "");

    static string Unquote(string value) =>
        value.Length >= 2 && value[0] == value[^1] && value[0] is '"' or '\'' ? value[1..^1] : value;

    // As client_config.py's _get_file_path: a relative name is beside the config file if it is there.
    static string Resolve(string file, string configPath)
    {
        if (Path.IsPathRooted(file)) return file;
        var beside = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(configPath)) ?? "", file);
        return File.Exists(beside) ? beside : file;
    }
}
