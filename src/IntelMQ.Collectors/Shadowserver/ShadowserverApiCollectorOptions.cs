using IntelMQ.Collectors.Http;
using IntelMQ.Contract;

namespace IntelMQ.Collectors.Shadowserver;

/// <summary>Options of the Shadowserver reports API collector: IntelMQ's collector_reports_api parameters, its HTTP parameters, and ours.</summary>
public sealed record ShadowserverApiCollectorOptions : HttpParameters
{
    [Option("Your Shadowserver API key.", Aliases = ["apikey"])]
    public Secret? ApiKey { get; set; }

    [Option("Your Shadowserver API secret: every request is signed with it (HMAC-SHA256 of the request body).")]
    public Secret? Secret { get; set; }

    [Option("The mailing lists (report names) to fetch, a list or comma-separated, e.g. united-states; empty: every list the key is subscribed to.")]
    public string[] Reports { get; set; } = [];

    [Option("Deprecated in IntelMQ (use reports): one mailing list to fetch, added to reports.")]
    public string? Country { get; set; }

    [Option("The report types to take, a list or comma-separated, e.g. scan_smb,device_id; empty: every type. Matched against the type the API gives each report.")]
    public string[] Types { get; set; } = [];

    [Option("csv: download each report as Shadowserver's CSV file (the Shadowserver parser reads it); json: through reports/download as JSON, named .json.")]
    public string FileFormat { get; set; } = "csv";

    [Option("How many days back to ask for reports, today included (Shadowserver publishes a day's reports the next day).", Min = 1, Max = 90)]
    public int Days { get; set; } = 2;

    [Option("The API's base URL; the methods reports/list and reports/download are appended.")]
    public string ApiUrl { get; set; } = "https://transform.shadowserver.org/api2/";

    [Option("Where file_format csv downloads a report: the report's id is appended.")]
    public string DownloadUrl { get; set; } = "https://dl.shadowserver.org/";
}
