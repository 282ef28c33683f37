using System.Globalization;
using System.Net;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.RecordedFutureIpRisk;

/// <summary>Adds Recorded Future's risk score of each side's address, as IntelMQ's recordedfuture_iprisk expert does.</summary>
[Program("recordedfuture-iprisk-expert", ProgramKind.Expert, "Sets extra.rf_iprisk.source / destination to the address's score in Recorded Future's IP risk list (0 when unlisted).",
    Modules = ["intelmq.bots.experts.recordedfuture_iprisk.expert"],
    Options = typeof(RecordedFutureIpRiskExpertOptions),
    Description = """
        Reads the risk list (CSV with a header: Name is the IP address, Risk the score 0-99) once at start. Each side
        with an IP address gets extra.rf_iprisk.source or extra.rf_iprisk.destination: its score, or 0 when the
        address is not listed. Scores already present are kept unless overwrite=true.
        """,
    FieldsRead = ["source.ip", "destination.ip"],
    FieldsWritten = ["custom.rf_iprisk.source", "custom.rf_iprisk.destination"],
    Examples = ["intelmq run recordedfuture-iprisk-expert --set database=/var/lib/intelmq/rfiprisk.csv < events.jsonl"])]
public sealed class RecordedFutureIpRiskExpert : IExpert, ISelfTest
{
    static readonly string[] Sides = ["source", "destination"];
    readonly Dictionary<IPAddress, long> _risk = [];
    readonly bool _overwrite;
    readonly string _path;
    readonly TimeProvider _clock;

    public RecordedFutureIpRiskExpert(RecordedFutureIpRiskExpertOptions options, ProgramContext context)
    {
        _path = options.Database;
        _clock = context.Clock;
        var lines = TextFile.ReadLines("recordedfuture-iprisk-expert", "database", options.Database);
        for (var i = 1; i < lines.Length; i++)
        {
            var cells = lines[i].Split(',');
            if (cells.Length < 2) continue;
            var ip = cells[0].Trim('"');
            var score = cells[1].Trim('"');
            if (!IPAddress.TryParse(ip, out var address) || !long.TryParse(score, NumberStyles.None, CultureInfo.InvariantCulture, out var risk))
                throw new ConfigurationException($"recordedfuture-iprisk-expert: {options.Database}, line {i + 1}: '{ip}' with risk '{score}' is not an address and a score.");
            _risk[address] = risk;
        }
        _overwrite = options.Overwrite;
    }

    public ValueTask<IReadOnlyList<string>> SelfTestAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(DataFileReport.Describe("database", _path, _risk.Count, "scored addresses", _clock));

    public void Process(Event ev, IEmitter output)
    {
        foreach (var side in Sides)
            if (ev[side + ".ip"] is string ip && IPAddress.TryParse(ip, out var address))
                ev.TryAdd("custom.rf_iprisk." + side, _risk.GetValueOrDefault(address), _overwrite);
        output.Emit(ev);
    }
}
