using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace IntelMQ.Tests.Experts;

/// <summary>
/// A DNS server on 127.0.0.1 for tests, answering A and AAAA queries from a table. Other names get NXDOMAIN, except
/// names under <c>servfail.</c> (SERVFAIL), <c>refused.</c> (REFUSED) and <c>silent.</c> (never answered).
/// </summary>
public sealed class FakeDnsServer : IDisposable
{
    const ushort TypeA = 1, TypeAaaa = 28;
    const byte NoError = 0, ServerFailure = 2, NameError = 3, Refused = 5;

    readonly UdpClient _socket = new(new IPEndPoint(IPAddress.Loopback, 0));
    readonly Dictionary<string, IPAddress[]> _addresses;
    readonly ConcurrentDictionary<string, int> _queries = new(StringComparer.OrdinalIgnoreCase);
    readonly CancellationTokenSource _stop = new();
    readonly Task _loop;

    public FakeDnsServer(IReadOnlyDictionary<string, string[]> addresses)
    {
        _addresses = addresses.ToDictionary(a => a.Key, a => a.Value.Select(IPAddress.Parse).ToArray(), StringComparer.OrdinalIgnoreCase);
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>The server as a name_servers entry.</summary>
    public string EndPoint => ((IPEndPoint)_socket.Client.LocalEndPoint!).ToString();

    /// <summary>How many queries (of any type) reached the server for a name.</summary>
    public int QueriesFor(string name) => _queries.GetValueOrDefault(name);

    async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult request;
            try { request = await _socket.ReceiveAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            catch (SocketException) { continue; }
            if (Answer(request.Buffer) is { } answer) await _socket.SendAsync(answer, request.RemoteEndPoint);
        }
    }

    byte[]? Answer(byte[] query)
    {
        // Header (12 bytes), then one question: length-prefixed labels ending in 0, type, class.
        var position = 12;
        var labels = new List<string>();
        while (query[position] != 0)
        {
            labels.Add(Encoding.ASCII.GetString(query, position + 1, query[position]));
            position += query[position] + 1;
        }
        var questionEnd = position + 5;
        var name = string.Join('.', labels);
        var type = BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(position + 1));
        _queries.AddOrUpdate(name, 1, (_, n) => n + 1);
        if (name.StartsWith("silent.", StringComparison.OrdinalIgnoreCase)) return null;

        byte code = name.StartsWith("servfail.", StringComparison.OrdinalIgnoreCase) ? ServerFailure
            : name.StartsWith("refused.", StringComparison.OrdinalIgnoreCase) ? Refused
            : _addresses.ContainsKey(name) ? NoError : NameError;
        var family = type == TypeAaaa ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        var records = code == NoError && type is TypeA or TypeAaaa ? _addresses[name].Where(a => a.AddressFamily == family).ToList() : [];

        var response = new List<byte>(query[..questionEnd]);
        response[2] = (byte)(0x80 | (query[2] & 0x79)); // QR, the query's opcode and RD
        response[3] = (byte)(0x80 | code); // RA, response code
        response[6] = 0;
        response[7] = (byte)records.Count;
        response[8] = response[9] = response[10] = response[11] = 0;
        foreach (var address in records)
        {
            var data = address.GetAddressBytes();
            response.AddRange([0xC0, 12, 0, (byte)type, 0, 1, 0, 0, 0, 60, 0, (byte)data.Length]); // name: pointer to the question
            response.AddRange(data);
        }
        return [.. response];
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        _loop.Wait();
    }
}
