using IntelMQ.Contract;

namespace IntelMQ.Experts.Template;

public sealed record TemplateExpertOptions
{
    [Option("The fields to set, each with its template ({\"extra.note\": \"{{ msg['source.ip'] }}\"}); a template starting with file:/// is read from that file. Templates are Jinja2 (the subset the description lists).")]
    public IReadOnlyDictionary<string, string>? Fields { get; set; }

    [Option("Replace a field the event already has; when false, such a field is kept.")]
    public bool Overwrite { get; set; }
}
