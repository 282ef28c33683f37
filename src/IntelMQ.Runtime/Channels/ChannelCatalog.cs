namespace IntelMQ.Runtime.Channels;

/// <summary>What a channel needs to know about the program that opens it.</summary>
/// <param name="ProgramId">The program instance's id, used to name consumers and in-flight queues.</param>
/// <param name="WorkerId">0, or the worker number under <c>--processes N</c>.</param>
public sealed record ChannelContext(string ProgramId, int WorkerId, TextWriter Log)
{
    public Stream? StandardInput { get; init; }

    /// <summary>What <see cref="StandardInput"/> is, for dumps (a report's name).</summary>
    public string? StandardInputName { get; init; }
    public Stream? StandardOutput { get; init; }
}

/// <summary>The transports, by URI scheme. Each scheme opens inputs, outputs or both.</summary>
public sealed class ChannelCatalog
{
    public delegate IInputChannel InputFactory(ChannelAddress address, ChannelContext context);
    public delegate IOutputChannel OutputFactory(ChannelAddress address, ChannelContext context);

    readonly Dictionary<string, (InputFactory? Input, OutputFactory? Output, string Summary, bool Shareable)> _schemes = new(StringComparer.Ordinal);

    /// <summary>The transports of the runtime itself: standard streams, files, named pipes and in-process queues.</summary>
    public static ChannelCatalog WithBuiltIns() => new ChannelCatalog()
        .Add("stdin", FileChannels.OpenStandardInput, null, "standard input, one message per line")
        .Add("stdout", null, (a, c) => { a.CheckOptions(["format"]); return c.StandardOutput is { } s ? new StreamOutputChannel(s, "stdout", Format(a)) : StreamOutputChannel.ForStandardOutput(Format(a)); }, "standard output, one message per line")
        .Add("file", FileChannels.OpenInput, FileChannels.OpenOutput, "a file: read once or follow; append, optionally fsynced")
        .Add("pipe", FileChannels.OpenPipeInput, FileChannels.OpenPipeOutput, "a named pipe (FIFO), created when missing")
        .Add("memory", MemoryChannels.OpenInput, MemoryChannels.OpenOutput, "an in-process queue between programs of one process");

    /// <param name="shareable">Several consumers of one input share its messages, each message going to one of them (a queue), rather than each reading all of them (a file).</param>
    public ChannelCatalog Add(string scheme, InputFactory? input, OutputFactory? output, string summary, bool shareable = false)
    {
        _schemes[scheme] = (input, output, summary, shareable);
        return this;
    }

    /// <summary>
    /// Whether the input at <paramref name="uri"/> can be shared by competing consumers (the workers of <c>--processes N</c>):
    /// true for queues (redis, amqp, kafka, sqlite...), false for stdin, files, named pipes and memory, which each worker
    /// would read whole, or not at all.
    /// </summary>
    /// <exception cref="ConfigurationException">The URI is not a channel address or names an unknown transport.</exception>
    public bool IsShareable(string uri) => Lookup(ChannelAddress.Parse(uri)).Shareable;

    public IEnumerable<(string Scheme, bool Input, bool Output, string Summary)> Schemes =>
        _schemes.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => (s.Key, s.Value.Input is not null, s.Value.Output is not null, s.Value.Summary));

    public IInputChannel OpenInput(string uri, ChannelContext context)
    {
        var address = ChannelAddress.Parse(uri);
        return (Lookup(address).Input ?? throw new ConfigurationException($"{address}: {address.Scheme} is not an input channel.")).Invoke(address, context);
    }

    public IOutputChannel OpenOutput(string uri, ChannelContext context)
    {
        var address = ChannelAddress.Parse(uri);
        return (Lookup(address).Output ?? throw new ConfigurationException($"{address}: {address.Scheme} is not an output channel.")).Invoke(address, context);
    }

    (InputFactory? Input, OutputFactory? Output, string Summary, bool Shareable) Lookup(ChannelAddress address) =>
        _schemes.TryGetValue(address.Scheme, out var entry) ? entry
        : throw new ConfigurationException($"{address}: unknown channel '{address.Scheme}'. Known: {string.Join(", ", _schemes.Keys.Order(StringComparer.Ordinal))} (see docs/channels.md).");

    /// <summary>The <c>format=</c> of an output address: idf (default), ndjson or dho.</summary>
    public static Core.MessageFormat Format(ChannelAddress address, Core.MessageFormat fallback = Core.MessageFormat.Idf) =>
        address.Get("format") is not { } f ? fallback
        : Enum.TryParse<Core.MessageFormat>(f, ignoreCase: true, out var format) && format != Core.MessageFormat.Auto ? format
        : throw new ConfigurationException($"{address}: format={f} must be idf, ndjson or dho.");
}
