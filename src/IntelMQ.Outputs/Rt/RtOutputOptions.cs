using IntelMQ.Contract;

namespace IntelMQ.Outputs.Rt;

public sealed record RtOutputOptions
{
    [Option("RT's REST 1.0 endpoint, e.g. https://rt.example.org/REST/1.0/.")]
    public string RtUri { get; set; } = "http://localhost/REST/1.0/";

    [Option("The RT user the tickets are created as.")]
    public string RtUser { get; set; } = "intelmq";

    [Option("The RT user's password.")]
    public Secret RtPassword { get; set; } = new("");

    [Option("Verify the server's certificate.", Aliases = ["http_verify_cert"])]
    public bool VerifyCert { get; set; } = true;

    [Option("The queue tickets are created in; with Incidents (RTIR) and create_investigation an Investigations ticket is created too.")]
    public string Queue { get; set; } = "Incidents";

    [Option("Event fields (IntelMQ names) to ticket custom fields: the CF's value is the field's value. Unset, IntelMQ's: classification.taxonomy: Classification, classification.type: Incident Type, event_description.text: Description, extra.incident.importance: Importance, extra.incident.severity: Incident Severity, extra.organization.name: Customer, source.ip: IP.", Aliases = ["CF_mapping"])]
    public IReadOnlyDictionary<string, string>? CfMapping { get; set; }

    [Option("The status the ticket is set to once created (empty leaves it as RT created it).")]
    public string FinalStatus { get; set; } = "resolved";

    [Option("Create an Investigations ticket (RTIR) to source.abuse_contact, member of the Incidents ticket, when the event has the description_attr field.")]
    public bool CreateInvestigation { get; set; }

    [Option("The fields (IntelMQ names, comma-separated) listed in the Investigation ticket.")]
    public string InvestigationFields { get; set; } = "time.source,source.ip,source.port,source.fqdn,source.url,classification.taxonomy,classification.type,classification.identifier,event_description.url,event_description.text,malware.name,protocol.application,protocol.transport";

    [Option("The field whose text opens the Investigation ticket (the message to the recipient); without it no Investigation is created.")]
    public string DescriptionAttr { get; set; } = "event_description.text";

    [Option("The ticket's subject: {ev[field]} is the event's field (IntelMQ names), empty when it has none.")]
    public string Subject { get; set; } = "{ev[classification.taxonomy]} {ev[classification.type]} {ev[source.ip]}";

    [Option("Seconds to wait for RT to answer; then the events are retried later.", Min = 1, Max = 3600)]
    public double HttpTimeoutSec { get; set; } = 30;
}
