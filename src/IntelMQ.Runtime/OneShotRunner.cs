using System.Text;
using System.Text.Json;
using IntelMQ.Core;

namespace IntelMQ.Runtime;

/// <summary>
/// Runs a program once over an input stream: JSON messages one per line (or, for a parser with
/// <see cref="RunOptions.Raw"/>, the body of one report), results to the named output paths, failures to the dump.
/// </summary>
public sealed class OneShotRunner : IEmitter, IDisposable
{
    const string DefaultPath = "_default";
    static readonly UTF8Encoding StrictUtf8 = new(false, true);

    readonly RunOptions _run;
    readonly object _program;
    readonly Dictionary<string, MessageWriter> _writers = new(StringComparer.Ordinal);
    readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);
    readonly DumpWriter _dump;
    readonly TextWriter _log;
    readonly bool _progress;
    string _input = "stdin", _position = "";
    long _messages, _nextProgress;

    public OneShotRunner(RunOptions run, Stream stdout, TextWriter log)
    {
        _run = run;
        _log = log;
        _program = run.Program.Create(run.Options);
        _dump = new DumpWriter(run.DumpPath, run.Program.Name);
        _progress = log == Console.Error && !Console.IsErrorRedirected;
        foreach (var (path, file) in run.OutputFiles)
            _writers[path] = new MessageWriter(File.Create(file), run.OutFormat, run.Producer);
        if (!_writers.ContainsKey(DefaultPath) && run.Program.Kind != ProgramKind.Output)
            _writers[DefaultPath] = new MessageWriter(stdout, run.OutFormat, run.Producer);
    }

    public RunSummary Run(Stream input)
    {
        if (_run.Raw) RunRaw(input);
        else RunMessages(input);
        foreach (var writer in _writers.Values) writer.Flush();
        (_program as IOutput)?.Flush();
        if (_progress) _log.Write("\r\x1b[K");
        return new RunSummary(_messages, _counts, _dump.Count, _dump.Path);
    }

    void RunRaw(Stream input)
    {
        if (_program is not IParser parser)
            throw new ConfigurationException($"--raw reads a report body, which only parsers take; {_run.Program.Name} is {_run.Program.Kind.ToString().ToLowerInvariant()}. Give it JSON messages instead.");
        _messages = 1;
        var report = Event.Create(MessageKind.Report);
        report.Add(DhoMapping.ToIdf("time.observation")!, Clock.NowText);
        using var body = new StreamReader(input, StrictUtf8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        _position = "report";
        Guard(() => parser.Parse(report, body, this), "(the report body from standard input)");
    }

    void RunMessages(Stream input)
    {
        var lines = new LineReader(input);
        var lineNumber = 0L;
        while (lines.TryReadLine(out var line))
        {
            lineNumber++;
            if (line.Span.Trim(" \t"u8).IsEmpty) continue;
            if (_run.StopAfter is { } stop && _messages >= stop) break;
            _messages++;
            _position = $"line {lineNumber}";
            List<Event> messages;
            try
            {
                messages = EventJson.Read(line.Span, _run.InFormat);
            }
            catch (Exception ex) when (ex is JsonException or InvalidFieldException or DecoderFallbackException)
            {
                _dump.Write(_input, _position, new FormatException($"unreadable message: {ex.Message}", ex), Encoding.UTF8.GetString(line.Span));
                continue;
            }
            foreach (var message in messages)
                Guard(() => Process(message), Encoding.UTF8.GetString(line.Span));
            ReportProgress();
        }
    }

    void Process(Event message)
    {
        switch (_program)
        {
            case IParser parser:
                var body = message[Event.OriginalField] as string
                           ?? throw new InvalidDataException("the report has no body: neither event.original (IDF) nor raw (IntelMQ) is set");
                message.Remove(Event.OriginalField);
                parser.Parse(message, new StringReader(body), this);
                break;
            case IExpert expert:
                expert.Process(message, this);
                break;
            case IOutput output:
                output.Write(message);
                Count(DefaultPath);
                break;
            default:
                throw new ConfigurationException($"{_run.Program.Name} cannot run one-shot over messages.");
        }
    }

    // A failing message goes to the dump whole; the run goes on with the next one.
    void Guard(Action action, string content)
    {
        try
        {
            action();
        }
        catch (Exception ex) when (ex is not (ConfigurationException or OutOfMemoryException))
        {
            _dump.Write(_input, _position, ex, content);
        }
    }

    public void Emit(Event ev, string path = DefaultPath)
    {
        if (!_writers.TryGetValue(path, out var writer))
        {
            _dump.Write(_input, _position, new InvalidOperationException($"no destination for output path '{path}'; give --output {path}=file:FILE"),
                EventToText(ev), "event");
            return;
        }
        writer.Write(ev);
        Count(path);
        if (_progress && (writer.Written & 0x3FFF) == 0) ReportProgress();
    }

    public void Reject(string position, string content, Exception error) =>
        _dump.Write(_input, $"{_position}, {position}", error, content, "part");

    void Count(string path) => _counts[path] = _counts.GetValueOrDefault(path) + 1;

    void ReportProgress()
    {
        if (!_progress || Environment.TickCount64 < _nextProgress) return;
        _nextProgress = Environment.TickCount64 + 1000;
        _log.Write($"\r\x1b[K{_run.Program.Name}: {_messages} messages, {_counts.Values.Sum()} events, {_dump.Count} dumped");
    }

    static string EventToText(Event ev)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer)) EventJson.WriteIdf(writer, ev);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public void Dispose()
    {
        foreach (var writer in _writers.Values) writer.Dispose();
        (_program as IDisposable)?.Dispose();
        _dump.Dispose();
    }
}
