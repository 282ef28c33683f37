using System.Net;
using System.Net.Sockets;
using System.Text;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Outputs.Text;

namespace IntelMQ.Outputs.Network;

/// <summary>Sends every event as one UDP datagram (to syslog, typically): header, then JSON or delimited field:value pairs.</summary>
[Program("udp-output", ProgramKind.Output, "Sends every event as one UDP datagram (syslog): the header, then nested JSON or field:value pairs.",
    Modules = ["intelmq.bots.outputs.udp.output"],
    Options = typeof(UdpOutputOptions),
    Description = """
        Each event becomes one datagram: with format json the header, a space and the event as nested JSON (as IntelMQ's
        udp output writes it, without __type, raw only with keep_raw_field); with format delimited the header and every
        field as name:value, separated by field_delimiter. UDP has no acknowledgement: an event counts as delivered once
        the kernel sent its datagram. An event too large for one datagram (64 KiB) is refused; a host that does not
        resolve or a network error retries the batch.
        """,
    FieldsRead = ["*"],
    Examples = ["intelmq run udp-output --set udp_host=syslog.example.org --set udp_port=514 --set format=delimited < events.jsonl"])]
public sealed class UdpOutput : IOutput, IDisposable
{
    const string Program = "udp-output";
    const int MaxDatagram = 65_507;

    readonly UdpOutputOptions _options;
    readonly UdpClient _client = new();
    IPEndPoint? _target;

    public UdpOutput(UdpOutputOptions options)
    {
        if (options.UdpPort == 0) throw new ConfigurationException($"{Program}: option 'udp_port' is not set; give the receiver's port, e.g. --set udp_port=514.");
        if (options.UdpHost.Length == 0) throw new ConfigurationException($"{Program}: option 'udp_host' is empty; give the receiver's host name or address.");
        _options = options;
    }

    public async ValueTask WriteAsync(IReadOnlyList<Event> events, WriteResult[] results, CancellationToken cancellationToken)
    {
        try
        {
            _target ??= new IPEndPoint((await Dns.GetHostAddressesAsync(_options.UdpHost, cancellationToken))[0], _options.UdpPort);
            for (var i = 0; i < events.Count; i++)
            {
                var datagram = Encoding.UTF8.GetBytes(Datagram(events[i]));
                if (datagram.Length > MaxDatagram)
                {
                    results[i] = WriteResult.Refused($"{Program}: the event takes {datagram.Length} bytes, more than one datagram holds ({MaxDatagram})");
                    continue;
                }
                await _client.SendAsync(datagram, _target, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is SocketException or IndexOutOfRangeException)
        {
            _target = null;
            throw new TransientException($"{Program}: {_options.UdpHost}:{_options.UdpPort}: {ex.Message}", ex);
        }
    }

    string Datagram(Event ev)
    {
        if (_options.Format == UdpFormat.Json)
            return _options.Header + " " + IntelMQFields.MessageText(ev, hierarchical: true, withType: false, withRaw: _options.KeepRawField);
        var text = new StringBuilder(_options.Header);
        foreach (var (path, value) in ev.Fields)
        {
            if (value is null || path == Event.IdField || path == Event.OriginalField && !_options.KeepRawField) continue;
            var shown = path == Event.OriginalField ? Convert.ToBase64String(Encoding.UTF8.GetBytes(IntelMQFields.Text(value))) : IntelMQFields.Text(value);
            text.Append(_options.FieldDelimiter).Append(IntelMQFields.Name(path)).Append(':').Append(shown);
        }
        return text.ToString();
    }

    public void Dispose() => _client.Dispose();
}
