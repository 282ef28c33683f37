using System.Text.Json;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.Hibp;

/// <summary>Have I Been Pwned Enterprise callbacks: a breach or paste that holds addresses of a subscribed domain.</summary>
[Program("hibp-callback-parser", ProgramKind.Parser, "Parses Have I Been Pwned Enterprise callbacks (breaches and pastes).",
    Modules = ["intelmq.bots.parsers.hibp.parser_callback"],
    Options = typeof(CommonParserOptions),
    Description = """
        One event per e-mail address of the callback (DomainEmails, the callback's Email last) in source.account, the domain
        in source.fqdn. A paste callback gives classification.identifier paste and extra.paste (the pastes), a breach callback
        identifier breach and extra.breach (the breach); both classification.type data-leak, extra.domain_emails the
        addresses. event.original is the callback.
        """,
    FieldsRead = ["event.original", "feed.*", "event.created"],
    FieldsWritten = ["source.user.name", "source.domain", "classification.*", "custom.*", "event.original", "event.id"],
    Examples = ["intelmq run hibp-callback-parser --raw < callback.json"])]
public sealed class HibpCallbackParser(CommonParserOptions? options = null) : IParser
{
    readonly CommonParserOptions _options = options ?? new CommonParserOptions();

    public void Parse(Event report, TextReader body, IEmitter output)
    {
        using var document = JsonBody.Read(body);
        var callback = document.RootElement;
        if (callback.ValueKind != JsonValueKind.Object) throw new InvalidDataException("expected a JSON object (a HIBP callback)");
        var raw = callback.GetRawText();
        var (identifier, key) = callback.Get("Paste").ValueKind != JsonValueKind.Undefined ? ("paste", "Paste")
            : callback.Get("Breach").ValueKind != JsonValueKind.Undefined ? ("breach", "Breach")
            : throw new InvalidDataException("the callback has neither Paste nor Breach");
        var email = callback.Get("Email").Text();
        var accounts = new List<string>();
        if (callback.Get("DomainEmails") is { ValueKind: JsonValueKind.Array } emails)
            foreach (var e in emails.EnumerateArray())
                if (e.Text() is { } address && address != email && !accounts.Contains(address)) accounts.Add(address);
        if (email is not null) accounts.Add(email);
        foreach (var account in accounts)
        {
            try
            {
                var ev = DhoEvent.New(report, _options);
                DhoEvent.Add(ev, "classification.taxonomy", "information-content-security");
                DhoEvent.Add(ev, "classification.type", "data-leak");
                DhoEvent.Add(ev, "classification.identifier", identifier);
                DhoEvent.Add(ev, "source.account", account);
                DhoEvent.Add(ev, "source.fqdn", callback.Get("Domain"));
                DhoEvent.Add(ev, "extra.domain_emails", callback.Get("DomainEmails"));
                DhoEvent.Add(ev, "extra." + identifier, callback.Get(key));
                output.Emit(DhoEvent.Complete(ev, _options, raw));
            }
            catch (InvalidFieldException ex)
            {
                output.Reject($"address {account}", raw, ex);
            }
        }
    }
}
