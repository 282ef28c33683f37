namespace IntelMQ.Runtime;

/// <summary>
/// Where this installation keeps its state: <c>$INTELMQ_HOME/var</c> when INTELMQ_HOME is set, otherwise
/// <c>$XDG_STATE_HOME/intelmq</c> (<c>~/.local/state/intelmq</c>).
/// </summary>
public static class Installation
{
    public static string StateDirectory =>
        Environment.GetEnvironmentVariable("INTELMQ_HOME") is { Length: > 0 } home ? Path.Combine(home, "var")
        : Path.Combine(Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state"), "intelmq");

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
}
