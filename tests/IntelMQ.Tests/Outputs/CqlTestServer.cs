using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace IntelMQ.Tests.Outputs;

/// <summary>
/// A stand-in Cassandra node on 127.0.0.1 and a free port, written from the CQL native protocol v4 specification
/// (apache/cassandra doc/native_protocol_v4.spec), independently of the client under test. It answers OPTIONS, STARTUP,
/// a PasswordAuthenticator login, CREATE TABLE, PREPARE of an INSERT, EXECUTE and BATCH, keeps the rows it stored by
/// their id, and can refuse a chosen row as Invalid (failing the whole batch, as a node does), answer Overloaded,
/// forget its prepared statements or drop the connection.
/// </summary>
public sealed partial class CqlTestServer : IAsyncDisposable
{
    const byte RequestVersion = 0x04, ResponseVersion = 0x84;
    const byte Error = 0x00, Startup = 0x01, Ready = 0x02, Authenticate = 0x03, Options = 0x05, Supported = 0x06, Query = 0x07,
        Result = 0x08, Prepare = 0x09, Execute = 0x0A, Batch = 0x0D, AuthResponse = 0x0F, AuthSuccess = 0x10;
    const byte WarningFlag = 0x08;
    const int WarnBatchBytes = 5 * 1024; // Cassandra's batch_size_warn_threshold

    readonly TcpListener _listener;
    readonly CancellationTokenSource _stop = new();
    readonly Task _accepting;
    readonly ConcurrentDictionary<string, Statement> _prepared = new(StringComparer.Ordinal);
    readonly ConcurrentBag<TcpClient> _clients = [];
    int _overloaded, _notYetOverloaded, _dropNextWrite, _connections;

    sealed record Statement(string Table, string[] Columns);

    CqlTestServer(string keyspace, (string User, string Password)? login)
    {
        Keyspace = keyspace;
        Login = login;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public static CqlTestServer Start(string keyspace = "intelmq", (string User, string Password)? login = null) => new(keyspace, login);

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Keyspace { get; }

    public (string User, string Password)? Login { get; }

    /// <summary>Tables by name: their columns in order with their CQL types.</summary>
    public ConcurrentDictionary<string, List<(string Name, string Type)>> Tables { get; } = new(StringComparer.Ordinal);

    /// <summary>The stored rows of every table, by their first column's value: column name to decoded value (unset columns absent).</summary>
    public ConcurrentDictionary<object, Dictionary<string, object?>> Rows { get; } = new();

    /// <summary>The text of every QUERY and PREPARE, in order.</summary>
    public ConcurrentQueue<string> Statements { get; } = new();

    /// <summary>Every EXECUTE and BATCH that was applied: its kind, statements, consistency and bytes of values.</summary>
    public ConcurrentQueue<(string Kind, int Count, ushort Consistency, int Bytes)> Writes { get; } = new();

    /// <summary>How many connections were accepted.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>The Invalid message for a row (its decoded values), or null to store it.</summary>
    public Func<IReadOnlyDictionary<string, object?>, string?> Refuse { get; set; } = _ => null;

    /// <summary>After <paramref name="after"/> more EXECUTEs or BATCHes, the next <paramref name="count"/> are answered Overloaded.</summary>
    public void Overload(int count, int after = 0)
    {
        Volatile.Write(ref _notYetOverloaded, after);
        Volatile.Write(ref _overloaded, count);
    }

    /// <summary>The next EXECUTE or BATCH closes the connection unanswered.</summary>
    public void DropNextWrite() => Volatile.Write(ref _dropNextWrite, 1);

    /// <summary>Forgets every prepared statement, as a restarted node does: EXECUTE gets Unprepared.</summary>
    public void ForgetPrepared() => _prepared.Clear();

    public void AddTable(string name, params (string Name, string Type)[] columns) => Tables[name] = [.. columns];

    async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _clients.Add(client);
                Interlocked.Increment(ref _connections);
                _ = Task.Run(() => ServeAsync(client));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    async Task ServeAsync(TcpClient client)
    {
        var stream = client.GetStream();
        var started = false;
        try
        {
            var header = new byte[9];
            while (true)
            {
                await stream.ReadExactlyAsync(header, _stop.Token);
                if (header[0] != RequestVersion) throw new InvalidDataException($"request version 0x{header[0]:X2}");
                var streamId = BinaryPrimitives.ReadInt16BigEndian(header.AsSpan(2));
                var body = new byte[BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(5))];
                await stream.ReadExactlyAsync(body, _stop.Token);
                var request = new Reader(body);
                var answer = new Answer();
                switch (header[4])
                {
                    case Options:
                        answer.Opcode = Supported;
                        answer.Short(3).String("CQL_VERSION").Short(1).String("3.4.7")
                            .String("PROTOCOL_VERSIONS").Short(3).String("3/v3").String("4/v4").String("5/v5")
                            .String("COMPRESSION").Short(0);
                        break;
                    case Startup:
                        var options = request.StringMap();
                        if (!options.ContainsKey("CQL_VERSION")) answer.Error(0x000A, "CQL_VERSION is mandatory");
                        else if (Login is null)
                        {
                            started = true;
                            answer.Opcode = Ready;
                        }
                        else
                        {
                            answer.Opcode = Authenticate;
                            answer.String("org.apache.cassandra.auth.PasswordAuthenticator");
                        }
                        break;
                    case AuthResponse:
                        var token = Encoding.UTF8.GetString(request.Bytes()!).Split('\0');
                        if (token.Length == 3 && token[1] == Login?.User && token[2] == Login?.Password)
                        {
                            started = true;
                            answer.Opcode = AuthSuccess;
                            answer.Int(-1);
                        }
                        else answer.Error(0x0100, $"Provided username {(token.Length > 1 ? token[1] : "")} and/or password are incorrect");
                        break;
                    case Query or Prepare or Execute or Batch when !started:
                        answer.Error(0x000A, "the connection is not started (STARTUP, and the login) yet");
                        break;
                    case Query:
                        OnQuery(request.LongString(), answer);
                        break;
                    case Prepare:
                        OnPrepare(request.LongString(), answer);
                        break;
                    case Execute or Batch:
                        if (Interlocked.Exchange(ref _dropNextWrite, 0) == 1) return;
                        if (Interlocked.Decrement(ref _notYetOverloaded) < 0 && Interlocked.Decrement(ref _overloaded) >= 0) answer.Error(0x1001, "Server is overloaded");
                        else OnWrite(header[4] == Batch, request, body.Length, answer);
                        break;
                    default:
                        answer.Error(0x000A, $"unexpected opcode 0x{header[4]:X2}");
                        break;
                }
                await stream.WriteAsync(answer.Frame(streamId), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or EndOfStreamException or OperationCanceledException or ObjectDisposedException or InvalidDataException)
        {
        }
        finally
        {
            client.Dispose();
        }
    }

    void OnQuery(string cql, Answer answer)
    {
        Statements.Enqueue(cql);
        var create = CreateTable().Match(cql);
        if (!create.Success)
        {
            answer.Error(0x2000, $"line 1:0 no viable alternative at input '{cql.Split(' ')[0]}'");
            return;
        }
        if (create.Groups[1].Value != Keyspace)
        {
            answer.Error(0x2200, $"Keyspace '{create.Groups[1].Value}' doesn't exist");
            return;
        }
        var table = create.Groups[2].Value;
        answer.Opcode = Result;
        if (Tables.ContainsKey(table))
        {
            answer.Int(0x0001); // Void: IF NOT EXISTS, and it exists
            return;
        }
        var columns = create.Groups[3].Value.Split(", ").Select(c => ColumnDefinition().Match(c)).ToList();
        if (columns.Any(c => !c.Success))
        {
            answer.Error(0x2000, "line 1:30 mismatched input in column definitions");
            return;
        }
        Tables[table] = [.. columns.Select(c => (c.Groups[1].Value, c.Groups[2].Value))];
        answer.Int(0x0005).String("CREATED").String("TABLE").String(Keyspace).String(table);
    }

    void OnPrepare(string cql, Answer answer)
    {
        Statements.Enqueue(cql);
        var insert = Insert().Match(cql);
        if (!insert.Success)
        {
            answer.Error(0x2000, "line 1:0 mismatched input");
            return;
        }
        var (keyspace, table) = (insert.Groups[1].Value, insert.Groups[2].Value);
        if (keyspace != Keyspace || !Tables.TryGetValue(table, out var definition))
        {
            answer.Error(0x2200, $"unconfigured table {table}");
            return;
        }
        var columns = insert.Groups[3].Value.Split(", ").Select(c => c.Trim('"')).ToArray();
        if (insert.Groups[4].Value.Split(',').Length != columns.Length)
        {
            answer.Error(0x2200, "Unmatched column names/values");
            return;
        }
        if (columns.FirstOrDefault(c => definition.All(d => d.Name != c)) is { } unknown)
        {
            answer.Error(0x2200, $"Undefined column name {unknown} in table {keyspace}.{table}");
            return;
        }
        var id = MD5.HashData(Encoding.UTF8.GetBytes(cql));
        _prepared[Convert.ToHexString(id)] = new Statement(table, columns);
        answer.Opcode = Result;
        answer.Int(0x0004).ShortBytes(id).Int(0x0001).Int(columns.Length).Int(1).Short(0).String(keyspace).String(table);
        foreach (var column in columns) answer.String(column).Short(TypeId(definition.First(d => d.Name == column).Type));
        answer.Int(0x0004).Int(0); // result metadata: No_metadata, no columns
    }

    void OnWrite(bool batch, Reader request, int bytes, Answer answer)
    {
        var rows = new List<(Statement Statement, Dictionary<string, object?> Values)>();
        ushort consistency;
        if (batch)
        {
            // <type><n><query_1>...<query_n><consistency><flags>, each query <kind><id><n><value_1>...<value_n>
            var type = request.Byte();
            if (type != 1) throw new InvalidDataException($"batch type {type}, not UNLOGGED");
            var count = request.Short();
            for (var i = 0; i < count; i++)
            {
                if (request.Byte() != 1) throw new InvalidDataException("a batch query that is not prepared");
                if (!Row(request.ShortBytes(), request, answer, rows)) return;
            }
            consistency = request.Short();
        }
        else
        {
            // <id><consistency><flags><n><value_1>...<value_n>
            var id = request.ShortBytes();
            consistency = request.Short();
            if ((request.Byte() & 0x01) == 0) throw new InvalidDataException("EXECUTE without values");
            if (!Row(id, request, answer, rows)) return;
        }
        foreach (var (_, values) in rows)
            if (Refuse(values) is { } refusal)
            {
                answer.Error(0x2200, refusal);
                return;
            }
        foreach (var (statement, values) in rows) Rows[values[statement.Columns[0]]!] = values;
        Writes.Enqueue((batch ? "BATCH" : "EXECUTE", rows.Count, consistency, bytes));
        answer.Opcode = Result;
        if (batch && bytes > WarnBatchBytes)
        {
            answer.Flags = WarningFlag;
            answer.Short(1).String($"Batch for [{Keyspace}.{rows[0].Statement.Table}] is of size {bytes / 1024}KiB, exceeding specified threshold of 5KiB");
        }
        answer.Int(0x0001);
    }

    bool Row(byte[] id, Reader request, Answer answer, List<(Statement, Dictionary<string, object?>)> rows)
    {
        if (!_prepared.TryGetValue(Convert.ToHexString(id), out var statement))
        {
            answer.Error(0x2500, $"Prepared query with ID {Convert.ToHexString(id).ToLowerInvariant()} not found (either the query was not prepared on this host (maybe the host has been restarted?) or you have prepared too many queries and it has been evicted from the internal cache)");
            answer.ShortBytes(id);
            return false;
        }
        var count = request.Short();
        if (count != statement.Columns.Length) throw new InvalidDataException($"{count} values for {statement.Columns.Length} markers");
        var definition = Tables[statement.Table];
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var length = request.Int();
            if (length == -2) continue; // not set
            var column = statement.Columns[i];
            values[column] = length < 0 ? null : Decode(definition.First(d => d.Name == column).Type, request.Take(length));
        }
        rows.Add((statement, values));
        return true;
    }

    static ushort TypeId(string type) => type switch
    {
        "ascii" => 0x0001,
        "bigint" => 0x0002,
        "blob" => 0x0003,
        "boolean" => 0x0004,
        "double" => 0x0007,
        "float" => 0x0008,
        "int" => 0x0009,
        "timestamp" => 0x000B,
        "uuid" => 0x000C,
        "text" or "varchar" => 0x000D,
        "inet" => 0x0010,
        "date" => 0x0011,
        _ => throw new InvalidDataException($"the stand-in has no type {type}"),
    };

    static object Decode(string type, byte[] value) => type switch
    {
        "text" or "varchar" or "ascii" => Encoding.UTF8.GetString(value),
        "blob" => value,
        "bigint" => BinaryPrimitives.ReadInt64BigEndian(value),
        "int" => BinaryPrimitives.ReadInt32BigEndian(value),
        "boolean" => value[0] != 0,
        "double" => BitConverter.Int64BitsToDouble(BinaryPrimitives.ReadInt64BigEndian(value)),
        "float" => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadInt32BigEndian(value)),
        "timestamp" => DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64BigEndian(value)),
        "date" => DateOnly.FromDateTime(DateTime.UnixEpoch.AddDays(BinaryPrimitives.ReadUInt32BigEndian(value) - (1L << 31))),
        "uuid" => new Guid(value, bigEndian: true),
        "inet" => new IPAddress(value),
        _ => throw new InvalidDataException($"the stand-in has no type {type}"),
    };

    [GeneratedRegex("""^CREATE TABLE IF NOT EXISTS "(\w+)"\."(\w+)" \((.*)\)$""")]
    private static partial Regex CreateTable();

    [GeneratedRegex("""^"(\w+)" (\w+)( PRIMARY KEY)?$""")]
    private static partial Regex ColumnDefinition();

    [GeneratedRegex("""^INSERT INTO "(\w+)"\."(\w+)" \(([^)]*)\) VALUES \(([?, ]+)\)( USING TTL \d+)?$""")]
    private static partial Regex Insert();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        foreach (var client in _clients) client.Dispose();
        _stop.Dispose();
    }

    /// <summary>A request body, read as section 3 of the specification defines its notations.</summary>
    sealed class Reader(byte[] body)
    {
        int _at;

        public byte[] Take(int n)
        {
            if (n < 0 || _at + n > body.Length) throw new InvalidDataException("a request ends early");
            var bytes = body[_at..(_at + n)];
            _at += n;
            return bytes;
        }

        public byte Byte() => Take(1)[0];

        public ushort Short() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));

        public int Int() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

        public string String() => Encoding.UTF8.GetString(Take(Short()));

        public string LongString() => Encoding.UTF8.GetString(Take(Int()));

        public byte[]? Bytes() => Int() is var n && n < 0 ? null : Take(n);

        public byte[] ShortBytes() => Take(Short());

        public Dictionary<string, string> StringMap()
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0, n = Short(); i < n; i++) map[String()] = String();
            return map;
        }
    }

    /// <summary>A response frame being written.</summary>
    sealed class Answer
    {
        readonly MemoryStream _body = new();

        public byte Opcode { get; set; }

        public byte Flags { get; set; }

        public Answer Clear()
        {
            _body.SetLength(0);
            return this;
        }

        public void Error(int code, string message)
        {
            Clear();
            Opcode = CqlTestServer.Error;
            Flags = 0;
            Int(code).String(message);
        }

        public Answer Short(ushort value)
        {
            Span<byte> b = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(b, value);
            _body.Write(b);
            return this;
        }

        public Answer Int(int value)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(b, value);
            _body.Write(b);
            return this;
        }

        public Answer String(string value)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            Short((ushort)bytes.Length);
            _body.Write(bytes);
            return this;
        }

        public Answer ShortBytes(byte[] value)
        {
            Short((ushort)value.Length);
            _body.Write(value);
            return this;
        }

        public byte[] Frame(short stream)
        {
            var frame = new byte[9 + _body.Length];
            frame[0] = ResponseVersion;
            frame[1] = Flags;
            BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(2), stream);
            frame[4] = Opcode;
            BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), (int)_body.Length);
            _body.GetBuffer().AsSpan(0, (int)_body.Length).CopyTo(frame.AsSpan(9));
            return frame;
        }
    }
}
