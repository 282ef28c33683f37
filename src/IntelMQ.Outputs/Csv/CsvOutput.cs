using System.Text;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Outputs.Mail;
using IntelMQ.Outputs.Text;

namespace IntelMQ.Outputs.Csv;

/// <summary>Appends events as CSV rows of chosen columns to a file, rotated by time (a dated name) or by size.</summary>
[Program("csv-output", ProgramKind.Output, "Appends events as CSV rows (chosen columns, header, delimiter, quoting) to a file rotated by time or size.",
    Options = typeof(CsvOutputOptions),
    Description = """
        Writes each event as one CSV row of the configured columns (IntelMQ or IDF field names; absent fields are empty
        cells; lists and objects as JSON). A batch is appended in one write to a file opened in append mode, under the
        file's lock, so that several processes can share the file without interleaving rows. A new file gets the header
        row atomically: it is written to a temporary file that is then linked into place, so no process ever appends
        to a file without its header. strftime codes in path rotate by time (a new file per day with
        events-%Y-%m-%d.csv); rotate_size_mb renames a full file to PATH.UTCTIME-PID under the same lock and begins a
        new one (with several processes the limit is approximate: a file may end a batch beyond it). An event a
        quoting of none cannot write is refused. A full disk or an unwritable file retries the batch later.
        """,
    FieldsRead = ["*"],
    Examples = [
        "intelmq run csv-output --set path=events.csv < events.jsonl",
        "intelmq run csv-output --set 'path=/var/lib/intelmq/csv/events-%Y-%m-%d.csv' --set 'columns=[\"time.source\", \"source.ip\", \"source.asn\"]' --set delimiter=';' < events.jsonl",
    ])]
public sealed class CsvOutput : IOutput, IDisposable
{
    const string Program = "csv-output";

    readonly CsvOutputOptions _options;
    readonly string[] _paths;
    readonly CsvRows _rows;
    readonly long _maxBytes;
    readonly TimeProvider _clock;
    readonly StringBuilder _text = new(1 << 16);
    AppendOnlyFile? _file;

    public CsvOutput(CsvOutputOptions options, ProgramContext context)
    {
        _options = options;
        _clock = context.Clock;
        if (options.Columns.Length == 0) throw new ConfigurationException($"{Program}: option 'columns' is empty; name the fields to write, e.g. [\"time.source\", \"source.ip\"].");
        if (options.Delimiter.Length == 0) throw new ConfigurationException($"{Program}: option 'delimiter' is empty; give the cell delimiter, e.g. ',' or ';'.");
        _paths = [.. options.Columns.Select(c => IntelMQFields.Path(c) ?? throw new ConfigurationException($"{Program}: option 'columns': '{c}' is neither an IntelMQ nor an IDF field name."))];
        _rows = new CsvRows(options.Delimiter, options.Quoting, options.Crlf ? "\r\n" : "\n");
        _maxBytes = (long)(options.RotateSizeMb * 1024 * 1024);
        try
        {
            Open(CurrentPath());
        }
        catch (IOException ex)
        {
            throw new ConfigurationException($"{Program}: option 'path': {ex.Message}. Give a writable file, e.g. --set path=/var/lib/intelmq/events.csv");
        }
    }

    string CurrentPath() => MailTemplate.Strftime(_options.Path, _clock.GetUtcNow());

    public ValueTask WriteAsync(IReadOnlyList<Event> events, WriteResult[] results, CancellationToken cancellationToken)
    {
        _text.Clear();
        var cells = new string?[_paths.Length];
        for (var i = 0; i < events.Count; i++)
        {
            for (var c = 0; c < cells.Length; c++) cells[c] = IntelMQFields.Text(events[i], _paths[c]);
            if (!_rows.TryAppend(_text, cells))
                results[i] = WriteResult.Refused($"{Program}: a cell holds the delimiter, a quote or a line break, and quoting is none");
        }
        if (_text.Length == 0) return ValueTask.CompletedTask;
        var bytes = Encoding.UTF8.GetBytes(_text.ToString());
        try
        {
            Append(bytes);
        }
        catch (IOException ex)
        {
            // A full disk or a failing device says nothing about the events: retried, never dumped.
            throw new TransientException($"{Program}: {ex.Message}", ex);
        }
        return ValueTask.CompletedTask;
    }

    void Append(byte[] bytes)
    {
        var path = CurrentPath();
        if (_file is null || _file.Path != Path.GetFullPath(path)) Open(path);
        if (_maxBytes > 0 && File.Exists(path) && new FileInfo(path).Length >= _maxBytes)
        {
            var stamp = _clock.GetUtcNow().ToString("yyyyMMdd'T'HHmmss.fffffff", System.Globalization.CultureInfo.InvariantCulture);
            AppendOnlyFile.MoveLocked(path, $"{path}.{stamp}-{Environment.ProcessId}");
        }
        // The file may have been rotated away (by this or another process) since it was opened: open the new one.
        while (!_file!.AppendIfStillAt(path, bytes)) Open(path);
        if (_options.Fsync) _file.Sync();
    }

    /// <summary>Opens the file, creating it first, with its header, when it is missing.</summary>
    void Open(string path)
    {
        _file?.Dispose();
        _file = null;
        if (_options.Header && !File.Exists(path)) CreateWithHeader(path);
        _file = AppendOnlyFile.Open(path);
    }

    void CreateWithHeader(string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var header = new StringBuilder();
        _rows.TryAppend(header, _options.Columns);
        var temporary = $"{full}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temporary, header.ToString());
        try
        {
            // A move that does not overwrite: exactly one process creates the file, and it has its header from the start.
            File.Move(temporary, full, overwrite: false);
        }
        catch (IOException) when (File.Exists(full))
        {
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public void Dispose() => _file?.Dispose();
}
