using System.CommandLine;
using System.Text;
using System.Text.Json;
using IntelMQ.Contract;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;

namespace IntelMQ.Cli;

/// <summary>
/// <c>intelmq dump list | show | replay | delete</c>: inspect what failed and feed it again after a fix, also while the
/// program runs. Replay and delete first move the dump aside (<c>ID.jsonl.replaying-PID</c>) under the lock its writers
/// take, so that the program's next failures start a new dump; a replayed file is deleted only once the channel
/// confirmed its messages, and a replay that did not finish leaves it for the next one.
/// </summary>
public static class DumpCommand
{
    const string Taken = ".replaying-";
    static readonly Option<string?> Dir = new("--dump-dir") { Description = "Where the dumps are. Default: the state directory's dump/." };

    public static Command Create()
    {
        var id = new Argument<string>("program") { Description = "The program instance id (the dump file's name without .jsonl)." };
        var last = new Option<int?>("--last") { Description = "Only the last N entries." };
        var full = new Option<bool>("--full") { Description = "Show whole contents, not the first 200 characters." };
        var to = new Option<string?>("--to") { Description = "Channel to send the messages to, usually the program's input (required; stdout: prints them)." };
        var keep = new Option<bool>("--keep") { Description = "Keep replayed entries in the dump (by default they are removed once sent)." };

        var list = new Command("list", "Each program's dump: entries, kinds, first and last failure.") { Dir };
        list.SetAction(p => List(DumpDir(p)));
        var show = new Command("show", "Print a program's dump entries: time, position, error, content.") { id, last, full, Dir };
        show.SetAction(p => Show(FilesOf(p, id), p.GetValue(last), p.GetValue(full)));
        var replay = new Command("replay", "Send a program's dumped messages to a channel (its input, after a fix) and remove them from the dump.") { id, to, keep, Dir };
        replay.SetAction(p =>
        {
            if (p.GetValue(to) is not { } destination)
            {
                Console.Error.WriteLine("intelmq dump replay: --to is required: the channel to send the messages to, usually the program's input (e.g. --to 'redis://localhost:6379/2?queue=taxonomy-expert-queue'); `intelmq dump show` prints them.");
                return 2;
            }
            var files = FilesOf(p, id);
            return p.GetValue(keep) ? SendKeeping(files, destination) : Replay(Path.Combine(DumpDir(p), p.GetValue(id) + ".jsonl"), destination);
        });
        var delete = new Command("delete", "Delete a program's dump.") { id, Dir };
        delete.SetAction(p => Delete(Path.Combine(DumpDir(p), p.GetValue(id) + ".jsonl"), FilesOf(p, id)));
        return new Command("dump", "Inspect, replay and delete what programs could not process.") { list, show, replay, delete };
    }

    static string DumpDir(ParseResult p) => p.GetValue(Dir) ?? Installation.DumpDirectory;

    /// <summary>A program's dump files: what unfinished replays left, oldest first, then the dump itself.</summary>
    static List<string> FilesOf(ParseResult p, Argument<string> id)
    {
        var dump = Path.Combine(DumpDir(p), p.GetValue(id) + ".jsonl");
        var files = TakenFiles(dump);
        if (File.Exists(dump)) files.Add(dump);
        return files.Count > 0 ? files : throw new ConfigurationException($"no dump for '{p.GetValue(id)}' in {DumpDir(p)}; `intelmq dump list` shows the dumps.");
    }

    static List<string> TakenFiles(string dump) =>
        Directory.Exists(Path.GetDirectoryName(dump)) ? [.. Directory.GetFiles(Path.GetDirectoryName(dump)!, Path.GetFileName(dump) + Taken + "*").OrderBy(File.GetLastWriteTimeUtc)] : [];

    /// <summary>The process replaying a taken file, from its name (ID.jsonl.replaying-PID or -PID-N), while it runs.</summary>
    static int? Replayer(string taken)
    {
        var pid = int.Parse(taken[(taken.LastIndexOf(Taken, StringComparison.Ordinal) + Taken.Length)..].Split('-')[0], System.Globalization.CultureInfo.InvariantCulture);
        return pid != Environment.ProcessId && Directory.Exists($"/proc/{pid}") ? pid : null;
    }

    static List<JsonElement> Entries(IEnumerable<string> files) =>
        files.SelectMany(File.ReadLines).Where(l => l.Length > 0).Select(l =>
        {
            try { return JsonDocument.Parse(l).RootElement.Clone(); }
            catch (JsonException) { return JsonDocument.Parse("""{"kind": "unreadable"}""").RootElement.Clone(); }
        }).ToList();

    static string Get(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    static int List(string dir)
    {
        var files = Directory.Exists(dir) ? Directory.GetFiles(dir, "*.jsonl*").Where(f => f.EndsWith(".jsonl", StringComparison.Ordinal) || f.Contains(".jsonl" + Taken, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList() : [];
        if (files.Count == 0) { Console.WriteLine($"no dumps in {dir}"); return 0; }
        Console.WriteLine($"{"program",-32} {"entries",8} {"messages",9} {"parts",6}  first / last failure");
        foreach (var file in files)
        {
            var entries = Entries([file]);
            var times = entries.Select(e => Get(e, "time")).Where(t => t.Length > 0).Order(StringComparer.Ordinal).ToList();
            var name = Path.GetFileName(file);
            var at = name.IndexOf(".jsonl", StringComparison.Ordinal);
            var state = file.EndsWith(".jsonl", StringComparison.Ordinal) ? ""
                : Replayer(file) is { } pid ? $"  (being replayed by process {pid})" : "  (a replay that did not finish: the next replay sends it)";
            Console.WriteLine($"{name[..at],-32} {entries.Count,8} {entries.Count(e => Get(e, "kind") == "message"),9} {entries.Count(e => Get(e, "kind") == "part"),6}  {times.FirstOrDefault()} / {times.LastOrDefault()}{state}");
        }
        return 0;
    }

    static int Show(List<string> files, int? last, bool full)
    {
        var entries = Entries(files);
        var start = last is { } n ? Math.Max(0, entries.Count - n) : 0;
        for (var i = start; i < entries.Count; i++)
        {
            var e = entries[i];
            var content = e.TryGetProperty("content_base64", out var base64) ? $"(not UTF-8, base64) {base64.GetString()}" : Get(e, "content");
            if (!full && content.Length > 200) content = content[..200] + "...";
            Console.WriteLine($"#{i + 1} {Get(e, "time")} {Get(e, "kind")} from {Get(e, "input")} {Get(e, "position")}");
            Console.WriteLine($"  error: {Get(e, "error")}");
            Console.WriteLine($"  content: {content}");
        }
        return 0;
    }

    static ReadOnlyMemory<byte> Body(JsonElement entry) =>
        entry.TryGetProperty("content_base64", out var base64) ? base64.GetBytesFromBase64() : Encoding.UTF8.GetBytes(Get(entry, "content"));

    /// <summary>
    /// Takes the dump and what unfinished replays left (under new names of this process, so that no other replay sends
    /// them too), sends the whole messages, puts the parts back into the dump and only then deletes the taken files.
    /// </summary>
    static int Replay(string dump, string to)
    {
        var mine = new List<string>();
        foreach (var leftover in TakenFiles(dump).Where(f => Replayer(f) is null))
        {
            var adopted = $"{dump}{Taken}{Environment.ProcessId}-{mine.Count + 1}";
            try { File.Move(leftover, adopted); }
            catch (FileNotFoundException) { continue; } // another replay adopted it first
            mine.Add(adopted);
        }
        var taken = $"{dump}{Taken}{Environment.ProcessId}";
        if (AppendOnlyFile.MoveLocked(dump, taken)) mine.Add(taken);
        var entries = Entries(mine);
        var messages = entries.Where(e => Get(e, "kind") == "message").ToList();
        var parts = entries.Where(e => Get(e, "kind") != "message").ToList();
        Send(messages, to);
        if (parts.Count > 0) PutBack(dump, parts);
        foreach (var file in mine) File.Delete(file);
        Report(messages.Count, parts.Count, to);
        return 0;
    }

    static int SendKeeping(List<string> files, string to)
    {
        var entries = Entries(files);
        var messages = entries.Where(e => Get(e, "kind") == "message").ToList();
        Send(messages, to);
        Report(messages.Count, entries.Count - messages.Count, to);
        return 0;
    }

    static void Send(List<JsonElement> messages, string to)
    {
        var output = Channels.Catalog.OpenOutput(to, new ChannelContext("dump-replay", 0, Console.Error));
        try
        {
            if (messages.Count > 0) output.SendAsync(messages.Select(Body).ToList(), CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }
        finally
        {
            output.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    // Appended like the program's own entries, so that a program writing to the dump meanwhile loses nothing.
    static void PutBack(string dump, List<JsonElement> entries)
    {
        var lines = Encoding.UTF8.GetBytes(string.Concat(entries.Select(e => e.GetRawText() + "\n")));
        while (true)
        {
            using var file = AppendOnlyFile.Open(dump);
            if (file.AppendIfStillAt(dump, lines)) return;
        }
    }

    static void Report(int messages, int rest, string to) =>
        Console.Error.WriteLine($"replayed {messages} messages to {ChannelAddress.Parse(to)}"
                                + (rest > 0 ? $"; {rest} entries are parts of messages (e.g. a report's rows) and stay in the dump: fix them and feed the whole report again" : ""));

    static int Delete(string dump, List<string> files)
    {
        var gone = $"{dump}.deleting-{Environment.ProcessId}";
        var count = 0;
        if (AppendOnlyFile.MoveLocked(dump, gone))
        {
            count += Entries([gone]).Count;
            File.Delete(gone);
        }
        foreach (var file in files.Where(f => f != dump))
        {
            if (Replayer(file) is { } pid)
            {
                Console.Error.WriteLine($"{file} is being replayed by process {pid}: left alone");
                continue;
            }
            count += Entries([file]).Count;
            File.Delete(file);
        }
        Console.WriteLine($"deleted the dump {dump} ({count} entries)");
        return 0;
    }
}
