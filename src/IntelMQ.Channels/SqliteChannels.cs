using IntelMQ.Core;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;
using Microsoft.Data.Sqlite;

namespace IntelMQ.Channels;

/// <summary>
/// <c>sqlite:PATH?queue=NAME</c> — a durable queue in an SQLite file, no server: the default for a single-host workflow.
/// Receiving leases messages to this consumer (<c>{id}-{worker}</c>) for <c>lease_ms</c>; acknowledging deletes them.
/// A crashed consumer's messages come back when its lease expires, or at once when it restarts.
/// </summary>
public static class SqliteChannels
{
    public static IInputChannel OpenInput(ChannelAddress address, ChannelContext context) =>
        new Input(Open(address), address, $"{context.ProgramId}-{context.WorkerId}");

    public static IOutputChannel OpenOutput(ChannelAddress address, ChannelContext context) =>
        new Output(Open(address), address, context.Log);

    /// <summary>The database file of an <c>sqlite:</c> address.</summary>
    public static string FileOf(ChannelAddress address) =>
        address.Rest.StartsWith("//", StringComparison.Ordinal) ? address.Uri.LocalPath : address.Rest;

    static (SqliteConnection Connection, string Queue) Open(ChannelAddress address)
    {
        address.CheckOptions(["queue", "consumer", "lease_ms", "poll_ms", "max_length", "format"]);
        var path = FileOf(address);
        if (path.Length == 0) throw new ConfigurationException($"{address}: a file path is missing, e.g. sqlite:/var/lib/intelmq/queues.db?queue=parsed");
        var queue = address.Require("queue", "sqlite:/var/lib/intelmq/queues.db?queue=parsed");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        Execute(connection, """
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = FULL;
            PRAGMA busy_timeout = 30000;
            CREATE TABLE IF NOT EXISTS messages (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                queue TEXT NOT NULL,
                body BLOB NOT NULL,
                lease_until INTEGER NOT NULL DEFAULT 0,
                owner TEXT);
            CREATE INDEX IF NOT EXISTS messages_queue ON messages (queue, lease_until, id);
            """);
        return (connection, queue);
    }

    static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    sealed class Input : IInputChannel
    {
        readonly SqliteConnection _connection;
        readonly string _queue, _owner;
        readonly long _lease;
        readonly TimeSpan _poll;

        public Input((SqliteConnection Connection, string Queue) db, ChannelAddress address, string owner)
        {
            (_connection, _queue) = db;
            _owner = address.Get("consumer") ?? owner;
            _lease = address.GetInt("lease_ms", 60_000, 1000);
            _poll = TimeSpan.FromMilliseconds(address.GetInt("poll_ms", 50, 1));
            Name = address.ToString();
            Release(); // what this consumer held before a crash is handed out again now, not after the lease
        }

        public string Name { get; }

        public async ValueTask<IReadOnlyList<Delivery>?> ReceiveAsync(int maxCount, TimeSpan wait, CancellationToken cancellationToken)
        {
            var deadline = DateTime.UtcNow + wait;
            while (true)
            {
                var batch = Lease(maxCount);
                if (batch.Count > 0 || DateTime.UtcNow >= deadline) return batch;
                await Task.Delay(_poll, cancellationToken);
            }
        }

        List<Delivery> Lease(int maxCount)
        {
            var batch = new List<Delivery>();
            using var transaction = _connection.BeginTransaction(deferred: false);
            using (var select = _connection.CreateCommand())
            {
                select.CommandText = "SELECT id, body FROM messages WHERE queue = $q AND lease_until < $now ORDER BY id LIMIT $max";
                select.Parameters.AddWithValue("$q", _queue);
                select.Parameters.AddWithValue("$now", Now);
                select.Parameters.AddWithValue("$max", maxCount);
                using var reader = select.ExecuteReader();
                while (reader.Read())
                {
                    var id = reader.GetInt64(0);
                    batch.Add(new Delivery((byte[])reader.GetValue(1), $"message {id}", id));
                }
            }
            if (batch.Count > 0)
            {
                using var update = _connection.CreateCommand();
                update.CommandText = $"UPDATE messages SET lease_until = $until, owner = $owner WHERE id IN ({Ids(batch)})";
                update.Parameters.AddWithValue("$until", Now + _lease);
                update.Parameters.AddWithValue("$owner", _owner);
                update.ExecuteNonQuery();
            }
            transaction.Commit();
            return batch;
        }

        public ValueTask AckAsync(IReadOnlyList<Delivery> deliveries, CancellationToken cancellationToken)
        {
            if (deliveries.Count == 0) return ValueTask.CompletedTask;
            using var delete = _connection.CreateCommand();
            delete.CommandText = $"DELETE FROM messages WHERE id IN ({Ids(deliveries)})";
            delete.ExecuteNonQuery();
            return ValueTask.CompletedTask;
        }

        void Release()
        {
            using var release = _connection.CreateCommand();
            release.CommandText = "UPDATE messages SET lease_until = 0, owner = NULL WHERE queue = $q AND owner = $owner";
            release.Parameters.AddWithValue("$q", _queue);
            release.Parameters.AddWithValue("$owner", _owner);
            release.ExecuteNonQuery();
        }

        static string Ids(IReadOnlyList<Delivery> deliveries) => string.Join(",", deliveries.Select(d => (long)d.Token!));

        public ValueTask DisposeAsync()
        {
            Release();
            _connection.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    sealed class Output((SqliteConnection Connection, string Queue) db, ChannelAddress address, TextWriter log) : IOutputChannel, IQueueDepth
    {
        public ValueTask<(long Depth, long? Limit)> DepthAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult<(long, long?)>((Depth(), _maxLength > 0 ? _maxLength : null));

        readonly int _maxLength = address.GetInt("max_length", 0);
        bool _waitLogged;

        public string Name { get; } = address.ToString();
        public MessageFormat Format { get; } = ChannelCatalog.Format(address);

        public async ValueTask SendAsync(IReadOnlyList<ReadOnlyMemory<byte>> messages, CancellationToken cancellationToken)
        {
            while (_maxLength > 0 && Depth() >= _maxLength)
            {
                if (!_waitLogged) log.WriteLine($"{Name}: the queue holds {_maxLength} messages (max_length); waiting for its consumer");
                _waitLogged = true;
                await Task.Delay(100, cancellationToken);
            }
            using var transaction = db.Connection.BeginTransaction(deferred: false);
            using var insert = db.Connection.CreateCommand();
            insert.CommandText = "INSERT INTO messages (queue, body) VALUES ($q, $body)";
            var queue = insert.Parameters.Add("$q", SqliteType.Text);
            var body = insert.Parameters.Add("$body", SqliteType.Blob);
            queue.Value = db.Queue;
            foreach (var message in messages)
            {
                body.Value = message.ToArray();
                insert.ExecuteNonQuery();
            }
            transaction.Commit();
        }

        long Depth()
        {
            using var count = db.Connection.CreateCommand();
            count.CommandText = "SELECT count(*) FROM messages WHERE queue = $q";
            count.Parameters.AddWithValue("$q", db.Queue);
            return (long)count.ExecuteScalar()!;
        }

        public ValueTask DisposeAsync()
        {
            db.Connection.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
