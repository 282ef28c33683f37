using IntelMQ.Contract;
using IntelMQ.Outputs.Text;

namespace IntelMQ.Outputs.Csv;

public sealed record CsvOutputOptions
{
    [Option("The file to append rows to; strftime's %Y, %m, %d, %H, %M, %S in it (UTC) rotate by time, e.g. events-%Y-%m-%d.csv.", Aliases = ["file"])]
    public string Path { get; set; } = "/var/lib/intelmq/bots/csv-output/events.csv";

    [Option("The columns, as IntelMQ (source.asn, extra.x, raw) or IDF (source.as.number, custom.x) field names.", Aliases = ["fieldnames"])]
    public string[] Columns { get; set; } = ["time.source", "classification.taxonomy", "classification.type", "source.ip", "source.port", "source.asn", "source.fqdn", "source.url", "destination.ip", "destination.port", "malware.name", "feed.name"];

    [Option("Begin every new file with a row of the column names.")]
    public bool Header { get; set; } = true;

    [Option("The cell delimiter.")]
    public string Delimiter { get; set; } = ",";

    [Option("Which cells are quoted: minimal (those with the delimiter, a quote or a line break), all, or none (an event needing quotes is refused).")]
    public CsvQuoting Quoting { get; set; } = CsvQuoting.Minimal;

    [Option("End rows with CRLF (RFC 4180, Excel) instead of LF.")]
    public bool Crlf { get; set; }

    [Option("Rotate the file once it holds this many MiB: it is renamed to PATH.UTCTIME-PID and a new one begun; 0 never rotates by size.", Min = 0, Max = 1_000_000)]
    public double RotateSizeMb { get; set; }

    [Option("Call fsync after every batch, so that written rows survive a power cut.")]
    public bool Fsync { get; set; }
}
