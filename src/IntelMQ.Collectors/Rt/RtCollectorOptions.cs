using IntelMQ.Collectors.Http;
using IntelMQ.Contract;

namespace IntelMQ.Collectors.Rt;

/// <summary>Options of the Request Tracker collector: IntelMQ's collector_rt parameters and its HTTP parameters.</summary>
public sealed record RtCollectorOptions : HttpParameters
{
    [Option("RT's REST 1.0 base URL.")]
    public string Uri { get; set; } = "http://localhost/rt/REST/1.0";

    [Option("The RT user to log in as.")]
    public string? User { get; set; }

    [Option("The RT user's password.")]
    public Secret? Password { get; set; }

    [Option("Search tickets in this queue, e.g. Incident Reports.")]
    public string? SearchQueue { get; set; }

    [Option("Search tickets with this status; empty: any.")]
    public string? SearchStatus { get; set; } = "new";

    [Option("Search tickets owned by this user, e.g. nobody; empty: any.")]
    public string? SearchOwner { get; set; }

    [Option("Search tickets from this requestor, e.g. autoreports@shadowserver.org; empty: any.")]
    public string? SearchRequestor { get; set; }

    [Option("Search tickets whose subject is LIKE this (TicketSQL: a substring), e.g. Shadowserver; empty: any.")]
    public string? SearchSubjectLike { get; set; }

    [Option("Search only tickets created within this time: a relative time (\"3 days\", \"12 hours\") or a date; empty: any.")]
    public string? SearchNotOlderThan { get; set; }

    [Option("The first attachment whose name matches this regular expression is the report, e.g. \\.csv\\.zip$.")]
    public string? AttachmentRegex { get; set; }

    [Option("Unpack the attachment (zip, gzip, tar): one report per file.", Aliases = ["unzip_attachment"])]
    public bool ExtractAttachment { get; set; }

    [Option("Without a matching attachment: download the first URL in the ticket's text that matches this regular expression.")]
    public string? UrlRegex { get; set; }

    [Option("Unpack the download (zip, gzip, tar): one report per file.")]
    public bool ExtractDownload { get; set; }

    [Option("Once a ticket's reports are handed on, set its status to this, e.g. open; empty: leave it.")]
    public string? SetStatus { get; set; } = "open";

    [Option("Once a ticket's reports are handed on, take it (its owner becomes user).")]
    public bool TakeTicket { get; set; } = true;
}
