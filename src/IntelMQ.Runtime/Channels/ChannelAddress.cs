using System.Text;

namespace IntelMQ.Runtime.Channels;

/// <summary>
/// A parsed channel URI (<c>redis://host:6379/2?queue=parser-queue</c>). Passwords come from the URI, or — better —
/// from <c>password_env=VARIABLE</c> or <c>password_file=PATH</c>; <see cref="ToString"/> never shows them.
/// </summary>
public sealed class ChannelAddress
{
    readonly Dictionary<string, string> _query;

    ChannelAddress(string scheme, string rest, Dictionary<string, string> query)
    {
        Scheme = scheme;
        Rest = rest;
        _query = query;
    }

    public string Scheme { get; }

    /// <summary>Everything between <c>scheme:</c> and <c>?</c> (<c>//user:pass@host:port/path</c> or a file path).</summary>
    public string Rest { get; }

    public IReadOnlyDictionary<string, string> Query => _query;

    public static ChannelAddress Parse(string uri)
    {
        var colon = uri.IndexOf(':');
        if (colon <= 0) throw new ConfigurationException($"'{uri}' is not a channel address: expected SCHEME:..., e.g. file:events.jsonl or redis://localhost:6379/2?queue=NAME (see docs/channels.md).");
        var scheme = uri[..colon].ToLowerInvariant();
        var rest = uri[(colon + 1)..];
        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        var q = rest.IndexOf('?');
        if (q >= 0)
        {
            foreach (var pair in rest[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=');
                query[Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq])] = eq < 0 ? "true" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            }
            rest = rest[..q];
        }
        return new ChannelAddress(scheme, rest, query);
    }

    /// <summary>The authority part as a URI (<c>scheme://user:pass@host:port/path</c>), for network channels.</summary>
    public Uri Uri => new($"{Scheme}:{Rest}");

    public string? Get(string key) => _query.GetValueOrDefault(key);

    /// <summary>Refuses an option the channel does not know: a misspelt <c>fsnyc=true</c> must not silently mean no fsync.</summary>
    public void CheckOptions(IReadOnlyCollection<string> known, string docs = "docs/channels.md", string? example = null)
    {
        foreach (var key in _query.Keys)
        {
            if (known.Contains(key)) continue;
            var hint = OptionBinder.Suggest(key, known);
            throw new ConfigurationException($"{this}: unknown option '{key}'." + (hint is null ? "" : $" Did you mean '{hint}'?")
                                             + (known.Count == 0 ? $" {Scheme}: takes no options." : $" {Scheme}: options: {string.Join(", ", known.Order(StringComparer.Ordinal))}") + (example is null ? "" : $"; e.g. {example}") + $" (see {docs}).");
        }
    }

    public string Require(string key, string example) =>
        _query.GetValueOrDefault(key) is { Length: > 0 } value ? value
        : throw new ConfigurationException($"{this}: '{key}' is missing; e.g. {example}");

    public int GetInt(string key, int fallback, int min = 0, int max = int.MaxValue)
    {
        if (!_query.TryGetValue(key, out var text)) return fallback;
        return int.TryParse(text, out var n) && n >= min && n <= max ? n
            : throw new ConfigurationException($"{this}: '{key}={text}' must be a whole number from {min} to {max}.");
    }

    /// <summary>64 MB: the default of <c>max_message_size</c>, far above any sane message, far below memory trouble.</summary>
    public const long DefaultMaxMessageSize = 64L << 20;

    /// <summary>The <c>max_message_size=</c> of a line-based input: bytes, or with a K, M or G suffix (64M).</summary>
    public long MaxMessageSize()
    {
        if (Get("max_message_size") is not { } text) return DefaultMaxMessageSize;
        var digits = text.TrimEnd('B', 'b');
        var unit = digits.Length > 0 ? char.ToUpperInvariant(digits[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1 } : 1;
        if (unit > 1) digits = digits[..^1];
        return long.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0 && n <= long.MaxValue / unit ? n * unit
            : throw new ConfigurationException($"{this}: 'max_message_size={text}' must be a size in bytes, e.g. 1048576 or 64M.");
    }

    public bool GetBool(string key, bool fallback = false) =>
        !_query.TryGetValue(key, out var text) ? fallback
        : text.ToLowerInvariant() switch
        {
            "true" or "1" or "yes" => true,
            "false" or "0" or "no" => false,
            _ => throw new ConfigurationException($"{this}: '{key}={text}' must be true or false."),
        };

    /// <summary>The user name and password: from the URI's user info, overridden by <c>password_env</c> or <c>password_file</c>.</summary>
    public (string? User, string? Password) Credentials()
    {
        string? user = null, password = null;
        if (Rest.StartsWith("//", StringComparison.Ordinal) && Uri.UserInfo is { Length: > 0 } info)
        {
            var parts = info.Split(':', 2);
            user = Uri.UnescapeDataString(parts[0]);
            if (parts.Length > 1) password = Uri.UnescapeDataString(parts[1]);
        }
        if (Get("password_env") is { } variable)
            password = Environment.GetEnvironmentVariable(variable)
                       ?? throw new ConfigurationException($"{this}: the environment variable {variable} (password_env) is not set.");
        if (Get("password_file") is { } file)
        {
            try { password = File.ReadAllText(file).TrimEnd('\r', '\n'); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ConfigurationException($"{this}: cannot read password_file {file}: {ex.Message}");
            }
        }
        return (user, password);
    }

    /// <summary>The address without password, for logs, dumps and error messages.</summary>
    public override string ToString()
    {
        var rest = Rest;
        if (rest.StartsWith("//", StringComparison.Ordinal))
        {
            var at = rest.IndexOf('@');
            var slash = rest.IndexOf('/', 2);
            if (at > 0 && (slash < 0 || at < slash))
            {
                var info = rest[2..at];
                var colon = info.IndexOf(':');
                rest = "//" + (colon < 0 ? info : info[..colon] + ":***") + rest[at..];
            }
        }
        var sb = new StringBuilder(Scheme).Append(':').Append(rest);
        var first = true;
        foreach (var (k, v) in _query)
        {
            sb.Append(first ? '?' : '&').Append(k).Append('=').Append(k is "password" or "sasl_password" or "token" ? "***" : v);
            first = false;
        }
        return sb.ToString();
    }
}
