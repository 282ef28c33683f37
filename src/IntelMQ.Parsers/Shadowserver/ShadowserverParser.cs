using System.Text;
using System.Text.RegularExpressions;
using IntelMQ.Core;
using IntelMQ.Contract;

namespace IntelMQ.Parsers.Shadowserver;

/// <summary>
/// Parses Shadowserver's CSV reports, all report types of its schema, into IDF events. Streams: a report of any
/// size parses in bounded memory. A row that fails is rejected with its line number and the reason; the rest go on.
/// </summary>
/// <example><code>
/// var parser = new ShadowserverParser(new() { FileName = "2024-05-01-scan_smb-geo.csv" });
/// foreach (var ev in parser.Parse(File.OpenText("scan_smb.csv"))) Console.WriteLine(ev["source.ip"]);
/// </code></example>
[Program("shadowserver-parser", ProgramKind.Parser, "Parses Shadowserver's CSV reports (every report type of its schema) into events.",
    Modules = ["intelmq.bots.parsers.shadowserver.parser"],
    Options = typeof(ShadowserverParserOptions),
    ReferenceData = typeof(ShadowserverSchemaUpdater),
    Description = """
        Reads one Shadowserver report per message (or, with --raw, the report body on standard input) and emits one event
        per CSV row. The report type (scan_smb, event4_sinkhole_http, ...) comes from the file_name option, the report's
        file name (custom.file_name, IntelMQ's extra.file_name, as Shadowserver names its files: 2024-05-01-scan_smb-geo.csv),
        or the feedname option / the report's feed.name when it is a Shadowserver feed name. Each column is converted and
        validated as the schema says; columns the schema does not know, and values their field refuses, are kept under
        custom.<column>. A row whose required value is missing, empty or invalid goes to the dump with its line number, and so
        does a row that is not valid UTF-8 (byte for byte), is longer than max_row_size or has a cell longer than
        max_cell_size (its first 64 KiB); reading resumes at the next line. A report whose header does not fit its report
        type (an SMB report named scan_ntp) is refused with the report types it fits (header_mismatch).
        A row with an empty required cell fails: it never becomes a partial event. Known difference from IntelMQ 3.3: an
        empty convert_date/convert_date_utc cell gives no field, where IntelMQ gives the day's midnight by the wall clock.
        The schema is Shadowserver's published IntelMQ schema, built in; --self-update-db fetches the newest one.
        """,
    FieldsRead = ["event.original", "custom.file_name", "feed.*", "event.created"],
    FieldsWritten = ["@timestamp", "source.*", "destination.*", "classification.*", "network.*", "threat.software.*", "file.hash.*", "custom.*", "feed.*", "event.original", "event.id"],
    Examples =
    [
        "intelmq run shadowserver-parser --raw --set file_name=2024-05-01-scan_smb-geo.csv < scan_smb.csv",
        "intelmq run intelmq.bots.parsers.shadowserver.parser --in-format dho --out-format dho < reports.jsonl",
    ])]
public sealed partial class ShadowserverParser : IParser, IStreamParser
{
    static readonly string FileNameField = DhoMapping.ToIdf("extra.file_name")!;
    static readonly string FeedNameField = DhoMapping.ToIdf("feed.name")!;
    static readonly string DocumentationField = DhoMapping.ToIdf("feed.documentation")!;

    readonly ShadowserverParserOptions _options;
    readonly ShadowserverSchema _schema;

    public ShadowserverParser(ShadowserverParserOptions? options = null, ProgramContext? context = null)
    {
        _options = options ?? new ShadowserverParserOptions();
        var path = SchemaPath(_options, context ?? ProgramContext.Default);
        try
        {
            _schema = path is not null && (_options.Schema is { Length: > 0 } || File.Exists(path)) ? ShadowserverSchema.Load(path) : ShadowserverSchema.BuiltIn;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new ConfigurationException($"shadowserver-parser: option 'schema': cannot use the schema: {ex.Message}. Give a readable schema file, or leave the option out for the built-in one.");
        }
        if (_options.Feedname is { Length: > 0 } feed && _schema.ByFeedName(feed) is null && _schema.ByFileName(feed) is null)
        {
            var hint = _schema.ReportTypes.Select(t => t.FeedName).FirstOrDefault(n => n.StartsWith(feed, StringComparison.OrdinalIgnoreCase)) ?? "Accessible-SMB";
            throw new ConfigurationException($"shadowserver-parser: option 'feedname': '{feed}' is not a feed of the Shadowserver schema ({_schema.Source}); use one of its feed_name values, e.g. '{hint}'.");
        }
    }

    /// <summary>
    /// The schema file to use: the schema option, else the one <c>--self-update-db</c> keeps in the program's data
    /// directory (used when it exists, in preference to the built-in one).
    /// </summary>
    public static string? SchemaPath(ShadowserverParserOptions options, ProgramContext context) =>
        options.Schema is { Length: > 0 } path ? path
        : context.DataDirectory is { } data ? Path.Combine(data, "schema.json") : null;

    public ShadowserverSchema Schema => _schema;

    /// <summary>Parses a report body; <paramref name="onRowError"/> hears about each failed row (line number, row text, error).</summary>
    public IEnumerable<Event> Parse(TextReader csv, Event? report = null, Action<string, string, Exception>? onRowError = null) =>
        Parse(new TextReaderStream(csv), report, onRowError);

    /// <summary>Parses a report body given as UTF-8 bytes; a row that is not valid UTF-8 reaches <paramref name="onRowError"/> as Latin-1 text.</summary>
    public IEnumerable<Event> Parse(Stream csv, Event? report = null, Action<string, string, Exception>? onRowError = null)
    {
        report ??= new Event(MessageKind.Report);
        var type = ReportTypeOf(report);
        return ParseRows(report, type, csv, new RowErrors(onRowError ?? ((position, _, error) => throw new InvalidDataException($"{position}: {error.Message}", error))));
    }

    /// <summary>Parses a report whose body is in <c>event.original</c> (IntelMQ's raw).</summary>
    public IEnumerable<Event> Parse(Event report, Action<string, string, Exception>? onRowError = null) =>
        Parse(new StringReader(report[Event.OriginalField] as string ?? ""), report, onRowError);

    void IParser.Parse(Event report, TextReader body, IEmitter output) => Emit(report, new TextReaderStream(body), output);

    void IStreamParser.Parse(Event report, Stream body, IEmitter output) => Emit(report, body, output);

    void Emit(Event report, Stream body, IEmitter output)
    {
        foreach (var ev in ParseRows(report, ReportTypeOf(report), body, output)) output.Emit(ev);
    }

    /// <exception cref="InvalidDataException">The report type cannot be determined or is not in the schema.</exception>
    public ShadowserverReportType ReportTypeOf(Event report)
    {
        if (_options.FileName is { Length: > 0 } option) return ByFileName(option, "the file_name option");
        if (_options.Feedname is { Length: > 0 } feed) return _schema.ByFeedName(feed) ?? _schema.ByFileName(feed)!;
        if (report[FileNameField] is string fileName) return ByFileName(fileName, $"the report's file name '{fileName}'");
        if (report[FeedNameField] is string feedName && _schema.ByFeedName(feedName) is { } byFeed) return byFeed;
        throw new InvalidDataException(
            "No report type: the report has no file name (custom.file_name, IntelMQ's extra.file_name) and no feedname option is set. "
            + "Set file_name (e.g. --set file_name=2024-05-01-scan_smb-geo.csv) or feedname.");
    }

    ShadowserverReportType ByFileName(string fileName, string origin)
    {
        string reportType;
        if (ReportFileName().Match(Path.GetFileName(fileName)) is { Success: true } m) reportType = m.Groups[1].Value;
        else if (BareReportType().IsMatch(fileName)) reportType = fileName;
        else throw new InvalidDataException($"Report's file name '{fileName}' ({origin}) is not valid: Shadowserver names reports like 2024-05-01-scan_smb-geo.csv.");
        return _schema.ByFileName(reportType)
               ?? throw new InvalidDataException($"Unknown Shadowserver report type '{reportType}' (from {origin}): it is not in the schema ({_schema.Source}). "
                                                 + "Run `intelmq run shadowserver-parser --self-update-db` if Shadowserver added it recently.");
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}-([A-Za-z0-9_]+)(?:-[^/]*)?\.csv$")]
    private static partial Regex ReportFileName();

    [GeneratedRegex(@"^[a-z0-9_]+$")]
    private static partial Regex BareReportType();

    IEnumerable<Event> ParseRows(Event report, ShadowserverReportType type, Stream body, IEmitter rejects)
    {
        var csv = new Utf8CsvReader(body, _options.MaxCellSize, _options.MaxRowSize);
        if (!csv.Read()) throw new InvalidDataException("The report is empty: it has no header line.");
        if (csv.Problem is not null) throw new InvalidDataException($"The report's header line cannot be read: {csv.Problem}.");
        var columns = new string[csv.CellCount];
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < columns.Length; i++)
        {
            columns[i] = csv.GetString(i);
            index.TryAdd(columns[i], i);
        }
        foreach (var field in type.Required)
            if (!index.ContainsKey(field.Column))
                throw new InvalidDataException($"Required column '{field.Column}' not found in feed '{type.FeedName}'. Possible change in data format or misconfiguration.");

        if (HeaderMismatchOf(type, columns) is { } mismatch)
        {
            if (_options.HeaderMismatch == HeaderMismatch.Refuse) throw new InvalidDataException(mismatch);
            Reject(rejects, csv, new InvalidDataException(mismatch));
        }

        var prototype = NewEventPrototype(report, type);
        var plan = new RowPlan(type, index, columns, prototype.Catalogue);
        var required = plan.RequiredColumns;
        var header = string.Join(",", columns.Select(c => "\"" + c.Replace("\"", "\"\"") + "\"")) + csv.FirstLineEnd;
        var values = new string?[columns.Length];
        Func<string, string?> column = name => index.TryGetValue(name, out var i) ? values[i] : null;
        while (csv.Read())
        {
            var fieldCount = csv.CellCount;
            var problem = csv.Problem
                          ?? (fieldCount > columns.Length ? $"the row has {fieldCount} fields, the header {columns.Length}" : MissingRequired(csv, required, columns));
            if (problem is not null)
            {
                Reject(rejects, csv, new InvalidDataException(problem));
                continue;
            }
            for (var i = 0; i < columns.Length; i++) values[i] = i < fieldCount ? csv.GetString(i) : null;
            Event ev;
            try
            {
                ev = plan.Build(prototype, values, column);
                ev.AddOriginal(header, csv.RecordText());
                ev.AssignStableId();
            }
            catch (Exception ex) when (ex is InvalidFieldException or FormatException or OverflowException or RowException)
            {
                Reject(rejects, csv, ex);
                continue;
            }
            yield return ev;
        }
    }

    /// <summary>Why the header does not fit the report type, or null: too many of its columns are not the type's.</summary>
    string? HeaderMismatchOf(ShadowserverReportType type, string[] columns)
    {
        var unknown = Unknown(type, columns);
        if (unknown.Count < 3 || unknown.Count <= columns.Length * _options.HeaderMismatchLimit) return null;
        var fits = _schema.ReportTypes.Select(t => (t.FileName, Unknown: Unknown(t, columns).Count)).OrderBy(t => t.Unknown).ThenBy(t => t.FileName, StringComparer.Ordinal).ToList();
        var best = fits.Where(t => t.Unknown == fits[0].Unknown).Take(4).Select(t => t.FileName);
        return $"The report's header does not fit report type '{type.FileName}' ({type.FeedName}): {unknown.Count} of its {columns.Length} columns are not among that type's "
               + $"({string.Join(", ", unknown.Take(6))}{(unknown.Count > 6 ? ", ..." : "")}). It fits {string.Join(" or ", best)} best: check the report's file name "
               + "or the file_name/feedname option (header_mismatch: warn parses it anyway).";
    }

    static List<string> Unknown(ShadowserverReportType type, string[] columns)
    {
        var known = type.Required.Concat(type.Optional).Select(f => f.Column).ToHashSet(StringComparer.Ordinal);
        return columns.Where(c => !known.Contains(c)).ToList();
    }

    // A required cell the row does not have, or has empty, fails the row: an event without it would be wrong, not partial.
    static string? MissingRequired(Utf8CsvReader csv, int[] required, string[] columns)
    {
        foreach (var i in required)
        {
            if (i >= csv.CellCount) return $"the row has {csv.CellCount} fields, the header {columns.Length}: required column '{columns[i]}' is missing";
            if (csv.CellLength(i) == 0) return $"required column '{columns[i]}' is empty";
        }
        return null;
    }

    static void Reject(IEmitter rejects, Utf8CsvReader csv, Exception error)
    {
        var position = $"line {csv.Line}, byte {csv.Offset}";
        if (csv.IsText) rejects.Reject(position, Encoding.UTF8.GetString(csv.Record), error);
        else rejects.Reject(position, csv.Record, error);
    }

    Event NewEventPrototype(Event report, ShadowserverReportType type)
    {
        var ev = ReportFields.NewEvent(report);
        foreach (var (path, value) in type.Constants) ev.Add(path, value, overwrite: true);
        if (type.Url is not null && !ev.Contains(DocumentationField)) ev.Add(DocumentationField, type.Url);
        if (_options.Overwrite) ev.Add(FeedNameField, type.FeedName, overwrite: true);
        return ev;
    }

    /// <summary>A row failed: the message says which column, value and conversion.</summary>
    sealed class RowException(string message, Exception inner) : Exception(message, inner);

    /// <summary>The per-report-type work of turning a row into an event, resolved once per report.</summary>
    sealed class RowPlan(ShadowserverReportType type, Dictionary<string, int> index, string[] columns, FieldCatalogue catalogue)
    {
        readonly Target[] _required = Resolve(type.Required, index, catalogue);
        readonly Target[] _optional = Resolve(type.Optional, index, catalogue);
        readonly Leftover[] _leftovers = columns.Select(c => new Leftover(catalogue.Handle("custom." + c)!, KeepEmpty: !IsSchemaColumn(type, c))).ToArray();
        readonly bool[] _consumed = new bool[columns.Length];

        /// <summary>The columns of the schema's required fields, which a row must have.</summary>
        public int[] RequiredColumns { get; } = type.Required.Select(f => index[f.Column]).Distinct().ToArray();

        /// <summary>A schema entry, its column, and its field looked up once (null when the schema names no field or an unknown one).</summary>
        readonly record struct Target(ShadowserverField Field, int Column, FieldHandle? Handle);

        /// <summary>Where a cell no schema entry took goes: custom.&lt;column&gt; (always a field); a column the schema does not name is kept even when absent.</summary>
        readonly record struct Leftover(FieldHandle Handle, bool KeepEmpty);

        static Target[] Resolve(IReadOnlyList<ShadowserverField> fields, Dictionary<string, int> index, FieldCatalogue catalogue) =>
            fields.Where(f => index.ContainsKey(f.Column)).Select(f => new Target(f, index[f.Column], f.Path is null ? null : catalogue.Handle(f.Path))).ToArray();

        static bool IsSchemaColumn(ShadowserverReportType type, string column) =>
            type.Required.Any(f => f.Column == column) || type.Optional.Any(f => f.Column == column);

        public Event Build(Event prototype, string?[] values, Func<string, string?> row)
        {
            // Room for a field per column and event.original, so that the event does not grow while it is filled.
            var ev = prototype.Clone(prototype.Count + values.Length + 1);
            Array.Clear(_consumed);
            foreach (var (field, column, handle) in _required)
            {
                var value = Convert(field, values[column], row);
                if (value is null || value is string { Length: 0 }) continue; // left for custom.<column>, as IntelMQ does
                if (field.Path is null) { _consumed[column] = true; continue; }
                if (handle is null) ev.Add(field.Path, value, overwrite: true); // an unknown field: fails the row
                else ev.Add(handle, value, overwrite: true);
                _consumed[column] = true;
            }
            foreach (var (field, column, handle) in _optional)
            {
                var value = Convert(field, values[column], row);
                // The first value wins (constants before columns); an empty cell is kept only in custom fields, as IntelMQ keeps it in extra.
                // A value its field refuses is kept under custom.<column> rather than lost: TryAdd fails and the field is not set.
                if (value is null || (value is string { Length: 0 } && (field.Conversion is not null || !field.IsCustom))
                    || (handle is null ? ev.TryAdd(field.Path!, value) || ev.Contains(field.Path!) : ev.TryAdd(handle, value) || ev.Contains(handle)))
                    _consumed[column] = true;
            }
            for (var i = 0; i < values.Length; i++)
            {
                if (_consumed[i]) continue;
                var leftover = _leftovers[i];
                var value = values[i];
                if (value is { Length: 0 } || (value is null && !leftover.KeepEmpty)) continue;
                ev.TryAdd(leftover.Handle, value); // a custom field takes any text; this fails only when the field is set already
            }
            return ev;
        }

        static object? Convert(ShadowserverField field, string? value, Func<string, string?> row)
        {
            if (field.Conversion is null) return value;
            try
            {
                return field.Conversion(value, row);
            }
            catch (Exception ex) when (ex is FormatException or OverflowException)
            {
                throw new RowException($"Could not convert column '{field.Column}', value '{value}', with '{field.ConversionName}': {ex.Message}", ex);
            }
        }
    }

    /// <summary>The library form's row errors: bytes that are not text are passed on as Latin-1, one character per byte.</summary>
    sealed class RowErrors(Action<string, string, Exception> onRowError) : IEmitter
    {
        public void Emit(Event ev, string path = Paths.Default) => throw new NotSupportedException();
        public void Reject(string position, string content, Exception error) => onRowError(position, content, error);
        public void Reject(string position, ReadOnlySpan<byte> content, Exception error) => onRowError(position, Encoding.Latin1.GetString(content), error);
        public void Drop(Event ev, string reason) => throw new NotSupportedException();
    }

    /// <summary>A text body as UTF-8 bytes, so that text and byte bodies share one reader.</summary>
    sealed class TextReaderStream(TextReader inner) : ReadOnlyStream(null)
    {
        readonly char[] _chars = new char[16 * 1024];
        readonly Encoder _encoder = new UTF8Encoding(false).GetEncoder();

        public override int Read(Span<byte> buffer)
        {
            // A UTF-16 char takes at most 3 UTF-8 bytes (a surrogate pair 4 for 2 chars).
            var n = inner.Read(_chars, 0, Math.Min(_chars.Length, buffer.Length / 3));
            return _encoder.GetBytes(_chars.AsSpan(0, n), buffer, flush: n == 0);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
