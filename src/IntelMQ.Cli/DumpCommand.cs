using System.CommandLine;
using System.Text;
using System.Text.Json;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;

namespace IntelMQ.Cli;

/// <summary><c>intelmq dump list | show | replay | delete</c>: inspect what failed and feed it again after a fix.</summary>
public static class DumpCommand
{
    static readonly Option<string?> Dir = new("--dump-dir") { Description = "Where the dumps are. Default: the state directory's dump/." };

    public static Command Create()
    {
        var id = new Argument<string>("program") { Description = "The program instance id (the dump file's name without .jsonl)." };
        var last = new Option<int?>("--last") { Description = "Only the last N entries." };
        var full = new Option<bool>("--full") { Description = "Show whole contents, not the first 200 characters." };
        var to = new Option<string>("--to") { Description = "Channel to send the messages to, usually the program's input (default stdout:).", DefaultValueFactory = _ => "stdout:" };
        var keep = new Option<bool>("--keep") { Description = "Keep replayed entries in the dump (by default they are removed once sent)." };

        var list = new Command("list", "Each program's dump: entries, kinds, first and last failure.") { Dir };
        list.SetAction(p => List(DumpDir(p)));
        var show = new Command("show", "Print a program's dump entries: time, position, error, content.") { id, last, full, Dir };
        show.SetAction(p => Show(FileOf(p, id), p.GetValue(last), p.GetValue(full)));
        var replay = new Command("replay", "Send a program's dumped messages to a channel (its input, after a fix) and remove them from the dump.") { id, to, keep, Dir };
        replay.SetAction(p => Replay(FileOf(p, id), p.GetValue(to)!, p.GetValue(keep)));
        var delete = new Command("delete", "Delete a program's dump.") { id, Dir };
        delete.SetAction(p =>
        {
            var file = FileOf(p, id);
            var count = Entries(file).Count;
            File.Delete(file);
            Console.WriteLine($"deleted {file} ({count} entries)");
            return 0;
        });
        return new Command("dump", "Inspect, replay and delete what programs could not process.") { list, show, replay, delete };
    }

    static string DumpDir(ParseResult p) => p.GetValue(Dir) ?? Installation.DumpDirectory;

    static string FileOf(ParseResult p, Argument<string> id)
    {
        var file = Path.Combine(DumpDir(p), p.GetValue(id) + ".jsonl");
        return File.Exists(file) ? file : throw new ConfigurationException($"no dump for '{p.GetValue(id)}' in {DumpDir(p)}; `intelmq dump list` shows the dumps.");
    }

    static List<JsonElement> Entries(string file) =>
        File.ReadLines(file).Where(l => l.Length > 0).Select(l =>
        {
            try { return JsonDocument.Parse(l).RootElement.Clone(); }
            catch (JsonException) { return JsonDocument.Parse("""{"kind": "unreadable"}""").RootElement.Clone(); }
        }).ToList();

    static string Get(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    static int List(string dir)
    {
        var files = Directory.Exists(dir) ? Directory.GetFiles(dir, "*.jsonl").Order(StringComparer.Ordinal).ToList() : [];
        if (files.Count == 0) { Console.WriteLine($"no dumps in {dir}"); return 0; }
        Console.WriteLine($"{"program",-32} {"entries",8} {"messages",9} {"parts",6}  first / last failure");
        foreach (var file in files)
        {
            var entries = Entries(file);
            var times = entries.Select(e => Get(e, "time")).Where(t => t.Length > 0).Order(StringComparer.Ordinal).ToList();
            Console.WriteLine($"{Path.GetFileNameWithoutExtension(file),-32} {entries.Count,8} {entries.Count(e => Get(e, "kind") == "message"),9} {entries.Count(e => Get(e, "kind") == "part"),6}  {times.FirstOrDefault()} / {times.LastOrDefault()}");
        }
        return 0;
    }

    static int Show(string file, int? last, bool full)
    {
        var entries = Entries(file);
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

    // Whole messages go back as they were received; parts (a report's row) cannot stand alone and stay in the dump.
    static int Replay(string file, string to, bool keep)
    {
        var entries = Entries(file);
        var replayable = entries.Where(e => Get(e, "kind") == "message").ToList();
        var context = new ChannelContext("dump-replay", 0, Console.Error);
        var output = Channels.Catalog.OpenOutput(to, context);
        try
        {
            output.SendAsync(replayable.Select(Body).ToList(), CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }
        finally
        {
            output.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        var rest = entries.Count - replayable.Count;
        if (!keep)
        {
            var temp = file + ".tmp";
            File.WriteAllLines(temp, entries.Where(e => Get(e, "kind") != "message").Select(e => e.GetRawText()));
            File.Move(temp, file, overwrite: true);
            if (rest == 0) File.Delete(file);
        }
        Console.Error.WriteLine($"replayed {replayable.Count} messages to {ChannelAddress.Parse(to)}"
                                + (rest > 0 ? $"; {rest} entries are parts of messages (e.g. a report's rows) and stay in the dump: fix them and feed the whole report again" : ""));
        return 0;
    }
}
