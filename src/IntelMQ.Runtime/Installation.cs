using System.Runtime.InteropServices;

namespace IntelMQ.Runtime;

/// <summary>
/// Where this installation keeps its state: <c>$INTELMQ_HOME/var</c> when INTELMQ_HOME is set, otherwise
/// <c>$XDG_STATE_HOME/intelmq</c>, <c>~/.local/state/intelmq</c> when HOME is set and writable, and for a service
/// account without one (<c>nobody</c>) <c>/var/lib/intelmq</c> when writable.
/// </summary>
public static partial class Installation
{
    const string ServiceDirectory = "/var/lib/intelmq";

    /// <exception cref="ConfigurationException">None of these places is usable; the message says to set INTELMQ_HOME.</exception>
    public static string StateDirectory
    {
        get
        {
            if (Environment.GetEnvironmentVariable("INTELMQ_HOME") is { Length: > 0 } home) return Path.Combine(Path.GetFullPath(home), "var");
            if (Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg)) return Path.Combine(xdg, "intelmq");
            if (Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } user && Path.IsPathRooted(user) && Writable(user))
                return Path.Combine(user, ".local", "state", "intelmq");
            if (Directory.Exists(ServiceDirectory) ? Writable(ServiceDirectory) : Writable("/var/lib")) return ServiceDirectory;
            throw new ConfigurationException("no place for the state (dumps, offsets, the producer id): HOME is not set or not writable and "
                                             + $"{ServiceDirectory} is not writable. Set INTELMQ_HOME to a writable directory (its var/ holds the state), e.g. INTELMQ_HOME=/srv/intelmq.");
        }
    }

    static bool Writable(string directory) => Directory.Exists(directory) && Access(directory, 2 /* W_OK */) == 0;

    /// <summary>
    /// Where the program instances are configured, one ID.yaml each: <c>$INTELMQ_HOME/etc/config.d</c>; otherwise
    /// <c>$XDG_CONFIG_HOME/intelmq/config.d</c> or <c>~/.config/intelmq/config.d</c>, unless only the system-wide
    /// <c>/etc/intelmq/config.d</c> exists.
    /// </summary>
    public static string ConfigDirectory
    {
        get
        {
            if (Environment.GetEnvironmentVariable("INTELMQ_HOME") is { Length: > 0 } home) return Path.Combine(Path.GetFullPath(home), "etc", "config.d");
            var user = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg) ? Path.Combine(xdg, "intelmq", "config.d")
                : Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } h && Path.IsPathRooted(h) ? Path.Combine(h, ".config", "intelmq", "config.d") : null;
            return user is not null && (Directory.Exists(user) || !Directory.Exists(SystemConfigDirectory)) ? user : SystemConfigDirectory;
        }
    }

    const string SystemConfigDirectory = "/etc/intelmq/config.d";

    /// <summary>
    /// Where plugins are dropped (docs/plugins.md): <c>INTELMQ_PLUGINS</c> (what <c>--plugins DIR</c> sets), else
    /// <c>$INTELMQ_HOME/plugins</c>, else <c>$XDG_DATA_HOME/intelmq/plugins</c> or <c>~/.local/share/intelmq/plugins</c>,
    /// and without a home <c>/usr/lib/intelmq/plugins</c>.
    /// </summary>
    public static string PluginDirectory =>
        Environment.GetEnvironmentVariable("INTELMQ_PLUGINS") is { Length: > 0 } plugins ? Path.GetFullPath(plugins)
        : Environment.GetEnvironmentVariable("INTELMQ_HOME") is { Length: > 0 } home ? Path.Combine(Path.GetFullPath(home), "plugins")
        : Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg) ? Path.Combine(xdg, "intelmq", "plugins")
        : Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } user && Path.IsPathRooted(user) ? Path.Combine(user, ".local", "share", "intelmq", "plugins")
        : "/usr/lib/intelmq/plugins";

    public static string DumpDirectory => Path.Combine(StateDirectory, "dump");

    /// <summary>Where a program's reference data lives (<c>--self-update-db</c> writes it there), shared by its instances.</summary>
    public static string DataDirectory(ProgramInfo program) => Path.Combine(StateDirectory, "data", program.Name);

    /// <summary>What a program instance is given besides its options.</summary>
    public static ProgramContext ContextFor(ProgramInfo program, string id) => new()
    {
        Id = id,
        Producer = Producer,
        Clock = Clock.Provider,
        DataDirectory = DataDirectory(program),
    };

    /// <summary>
    /// The producer tag written into every IDF packet: INTELMQ_PRODUCER when set, otherwise a UUID generated once
    /// and kept in the state directory, so it is stable for the installation.
    /// </summary>
    public static string Producer
    {
        get
        {
            if (Environment.GetEnvironmentVariable("INTELMQ_PRODUCER") is { Length: > 0 } producer) return producer;
            var file = Path.Combine(StateDirectory, "producer-id");
            try
            {
                if (File.Exists(file) && File.ReadAllText(file).Trim() is { Length: > 0 } stored) return stored;
                Directory.CreateDirectory(StateDirectory);
                var id = Guid.NewGuid().ToString("D");
                File.WriteAllText(file, id + "\n");
                return id;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ConfigurationException($"cannot keep the producer id in {file}: {ex.Message}. Set INTELMQ_PRODUCER or INTELMQ_HOME to a writable place.");
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "access", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Access(string path, int mode);
}
