using System.Diagnostics;
using System.Runtime.InteropServices;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using IntelMQ.Core;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;

namespace IntelMQ.Channels;

/// <summary>
/// <c>kafka://HOST:PORT[,HOST:PORT...]?topic=NAME[&amp;group=G]</c> — a Kafka topic. Inputs consume it in a consumer
/// group (default: the program's id) without automatic commits: the offsets of a batch are committed when the batch
/// is acknowledged, so whatever was received and not acknowledged before a crash is consumed again. Outputs are
/// idempotent producers with <c>acks=all</c>; a send returns when every message has its delivery report.
/// </summary>
public static class KafkaChannels
{
    public static IInputChannel OpenInput(ChannelAddress address, ChannelContext context)
    {
        var settings = KafkaSettings.Parse(address);
        CreateTopic(settings, context);
        return new Input(settings, context);
    }

    public static IOutputChannel OpenOutput(ChannelAddress address, ChannelContext context)
    {
        var settings = KafkaSettings.Parse(address);
        CreateTopic(settings, context);
        return new Output(settings, context);
    }

    /// <summary>With <c>partitions=N</c>: creates the topic unless it exists (an existing topic is left as it is).</summary>
    static void CreateTopic(KafkaSettings settings, ChannelContext context)
    {
        if (settings.Partitions is not { } partitions) return;
        var log = new ClientLog(settings.Name, context.Log);
        using var admin = new AdminClientBuilder(settings.AdminConfig(context)).SetLogHandler((_, m) => log.Library(m)).Build();
        var topic = new TopicSpecification { Name = settings.Topic, NumPartitions = partitions, ReplicationFactor = settings.Replication };
        var options = new CreateTopicsOptions { RequestTimeout = TimeSpan.FromSeconds(15), OperationTimeout = TimeSpan.FromSeconds(15) };
        try
        {
            Task.Run(() => admin.CreateTopicsAsync([topic], options)).GetAwaiter().GetResult();
            context.Log.WriteLine($"{settings.Name}: created topic {settings.Topic} with {partitions} partitions");
        }
        catch (CreateTopicsException ex) when (ex.Results.TrueForAll(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
        {
        }
        catch (CreateTopicsException ex)
        {
            var error = ex.Results.Find(r => r.Error.IsError)!.Error;
            throw new ConfigurationException($"{settings.Name}: Kafka refused to create topic {settings.Topic} with {partitions} partitions ({error.Reason}).");
        }
        catch (KafkaException ex)
        {
            throw new ChannelUnavailableException($"{settings.Name}: cannot reach Kafka at {settings.Brokers} to create topic {settings.Topic} ({ex.Error.Reason}).", ex);
        }
    }

    /// <summary>Builds a client; librdkafka's refusals of a configuration (an unreadable certificate) fail at start-up.</summary>
    static T Build<T>(KafkaSettings settings, Func<T> build)
    {
        try
        {
            return build();
        }
        catch (Exception ex) when (ex is KafkaException or ArgumentException or InvalidOperationException)
        {
            throw new ConfigurationException($"{settings.Name}: the Kafka client refused the configuration: {ex.Message}");
        }
    }

    /// <summary>A received message's handle: its partition's state at the time, and its offset.</summary>
    sealed record Position(PartitionState Partition, long Offset);

    /// <summary>What this consumer holds of one assigned partition; replaced when the partition is assigned again.</summary>
    sealed class PartitionState(TopicPartition id)
    {
        public TopicPartition Id { get; } = id;

        /// <summary>Received, not yet acknowledged.</summary>
        public SortedSet<long> InFlight { get; } = [];

        /// <summary>The highest offset received, plus one.</summary>
        public long Next { get; set; } = -1;

        public long Committed { get; set; } = -1;

        /// <summary>Taken away by a rebalance: its messages now go to another consumer, and acknowledging them commits nothing.</summary>
        public bool Revoked { get; set; }

        /// <summary>Everything before this offset is acknowledged: the oldest message still in flight, or the next one to come.</summary>
        public long Committable => InFlight.Count > 0 ? InFlight.Min : Next;
    }

    sealed class Input : IInputChannel
    {
        static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(200); // how soon a cancellation is noticed while waiting
        // Messages reach the local queue partition by partition: a batch waits this much for the next one...
        static readonly TimeSpan Grace = TimeSpan.FromMilliseconds(10);
        // ... or this much in the first second after an assignment, while the partitions start fetching one after another...
        static readonly TimeSpan StartGrace = TimeSpan.FromMilliseconds(100);
        // ... for at most this long in all, so that a trickle of messages does not hold a batch back.
        static readonly TimeSpan FillLimit = TimeSpan.FromMilliseconds(250);
        static readonly TimeSpan Starting = TimeSpan.FromSeconds(1);

        readonly KafkaSettings _settings;
        readonly ChannelContext _context;
        readonly ClientLog _log;
        readonly Dictionary<TopicPartition, PartitionState> _partitions = [];
        readonly Stopwatch _sinceAssignment = new();
        IConsumer<Ignore, byte[]>? _consumer;
        bool _revoked;

        public Input(KafkaSettings settings, ChannelContext context)
        {
            _settings = settings;
            _context = context;
            var group = settings.Group ?? context.ProgramId;
            Name = $"{settings.Name} (group {group})";
            _log = new ClientLog(Name, context.Log);
            Consumer();
        }

        public string Name { get; }

        IConsumer<Ignore, byte[]> Consumer()
        {
            if (_consumer is not null) return _consumer;
            var consumer = Build(_settings, () => new ConsumerBuilder<Ignore, byte[]>(_settings.ConsumerConfig(_context))
                .SetErrorHandler((_, e) => _log.Error(e))
                .SetLogHandler((_, m) => _log.Library(m))
                .SetPartitionsAssignedHandler((_, _) => _sinceAssignment.Restart())
                .SetPartitionsRevokedHandler((c, partitions) => Revoke(c, partitions, lost: false))
                .SetPartitionsLostHandler((c, partitions) => Revoke(c, partitions, lost: true))
                .Build());
            consumer.Subscribe(_settings.Topic);
            return _consumer = consumer;
        }

        public async ValueTask<IReadOnlyList<Delivery>?> ReceiveAsync(int maxCount, TimeSpan wait, CancellationToken cancellationToken) =>
            await Task.Run(() => Receive(maxCount, wait, cancellationToken), cancellationToken);

        List<Delivery> Receive(int maxCount, TimeSpan wait, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            var batch = new List<Delivery>(Math.Min(maxCount, 1024));
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var left = wait - clock.Elapsed;
                var first = Take(left <= TimeSpan.Zero ? TimeSpan.Zero : left < Slice ? left : Slice);
                if (first is null)
                {
                    if (left <= TimeSpan.Zero) return batch;
                    continue;
                }
                Add(batch, first);
                var fill = Stopwatch.StartNew();
                var grace = _sinceAssignment.IsRunning && _sinceAssignment.Elapsed < Starting ? StartGrace : Grace;
                while (batch.Count < maxCount && (Take(TimeSpan.Zero) ?? (fill.Elapsed < FillLimit ? Take(grace) : null)) is { } next)
                    Add(batch, next);
                if (_revoked)
                {
                    // A rebalance in the middle of this receive took partitions away: their messages are their new owner's now.
                    _revoked = false;
                    batch.RemoveAll(d => ((Position)d.Token!).Partition.Revoked);
                }
                if (batch.Count > 0) return batch;
            }
        }

        ConsumeResult<Ignore, byte[]>? Take(TimeSpan timeout)
        {
            try
            {
                return Consumer().Consume(timeout);
            }
            catch (ConsumeException ex) when (!ex.Error.IsFatal)
            {
                _log.Error(ex.Error); // e.g. the topic does not exist (yet): keep waiting, and say so
                return null;
            }
            catch (ConsumeException ex)
            {
                _log.Error(ex.Error);
                _log.Write("restart", "starting a new consumer after a fatal error; unacknowledged messages are delivered again");
                Discard();
                return null;
            }
        }

        void Add(List<Delivery> batch, ConsumeResult<Ignore, byte[]> result)
        {
            var id = result.TopicPartition;
            if (!_partitions.TryGetValue(id, out var partition)) _partitions[id] = partition = new PartitionState(id);
            var offset = result.Offset.Value;
            partition.InFlight.Add(offset);
            if (offset >= partition.Next) partition.Next = offset + 1;
            // An empty message (a tombstone) is delivered empty, so that it is dumped with its position rather than lost silently.
            batch.Add(new Delivery(result.Message.Value ?? [], $"partition {id.Partition.Value} offset {offset}", new Position(partition, offset)));
        }

        public ValueTask AckAsync(IReadOnlyList<Delivery> deliveries, CancellationToken cancellationToken)
        {
            var reassigned = 0;
            foreach (var delivery in deliveries)
            {
                var position = (Position)delivery.Token!;
                if (position.Partition.Revoked) reassigned++;
                else position.Partition.InFlight.Remove(position.Offset);
            }
            if (reassigned > 0)
                _log.Write("reassigned", $"{reassigned} acknowledged messages were of partitions that a rebalance gave to another consumer; they are delivered again there");
            if (_consumer is { } consumer) Commit(consumer, _partitions.Values);
            return ValueTask.CompletedTask;
        }

        /// <summary>
        /// Commits, synchronously, what is acknowledged. A failure is logged and loses nothing: the offsets stay
        /// uncommitted and go with the next commit, and until then a restart delivers those messages again.
        /// </summary>
        void Commit(IConsumer<Ignore, byte[]> consumer, IEnumerable<PartitionState> partitions)
        {
            List<TopicPartitionOffset>? offsets = null;
            List<PartitionState>? committing = null;
            foreach (var partition in partitions)
            {
                if (partition.Revoked || partition.Committable <= partition.Committed) continue;
                (offsets ??= []).Add(new TopicPartitionOffset(partition.Id, new Offset(partition.Committable)));
                (committing ??= []).Add(partition);
            }
            if (offsets is null) return;
            try
            {
                consumer.Commit(offsets);
                for (var i = 0; i < committing!.Count; i++) committing[i].Committed = offsets[i].Offset.Value;
            }
            catch (KafkaException ex)
            {
                _log.Write("commit", $"cannot commit offsets ({ex.Error.Reason}); they go with the next commit, and a restart before it delivers those messages again");
            }
        }

        void Revoke(IConsumer<Ignore, byte[]> consumer, List<TopicPartitionOffset> partitions, bool lost)
        {
            var states = new List<PartitionState>(partitions.Count);
            foreach (var p in partitions)
                if (_partitions.TryGetValue(p.TopicPartition, out var state)) states.Add(state);
            if (!lost) Commit(consumer, states);
            foreach (var state in states)
            {
                state.Revoked = true;
                _partitions.Remove(state.Id);
            }
            _revoked = true;
        }

        /// <summary>Drops the consumer (the broker hands its partitions to the group again); the next receive starts a new one.</summary>
        void Discard()
        {
            var consumer = _consumer;
            _consumer = null;
            foreach (var state in _partitions.Values) state.Revoked = true;
            _partitions.Clear();
            _revoked = true;
            consumer?.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            if (_consumer is not { } consumer) return ValueTask.CompletedTask;
            _consumer = null;
            try
            {
                Commit(consumer, _partitions.Values);
                consumer.Close(); // leaves the group at once, so that its partitions are reassigned without waiting for the session timeout
            }
            catch (KafkaException ex)
            {
                _log.Write("close", $"closing: {ex.Error.Reason}");
            }
            finally
            {
                consumer.Dispose();
            }
            return ValueTask.CompletedTask;
        }
    }

    sealed class Output : IOutputChannel
    {
        readonly KafkaSettings _settings;
        readonly ChannelContext _context;
        readonly ClientLog _log;
        IProducer<Null, byte[]>? _producer;

        public Output(KafkaSettings settings, ChannelContext context)
        {
            _settings = settings;
            _context = context;
            _log = new ClientLog(settings.Name, context.Log);
            Producer();
        }

        public string Name => _settings.Name;

        public MessageFormat Format => _settings.Format;

        IProducer<Null, byte[]> Producer() => _producer ??= Build(_settings, () => new ProducerBuilder<Null, byte[]>(_settings.ProducerConfig(_context))
            .SetErrorHandler((_, e) => _log.Error(e))
            .SetLogHandler((_, m) => _log.Library(m))
            .Build());

        public async ValueTask SendAsync(IReadOnlyList<ReadOnlyMemory<byte>> messages, CancellationToken cancellationToken)
        {
            if (messages.Count == 0) return;
            var producer = Producer();
            var batch = new DeliveryBatch(messages.Count);
            Action<DeliveryReport<Null, byte[]>> report = batch.Report;
            for (var i = 0; i < messages.Count; i++)
            {
                var message = new Message<Null, byte[]> { Value = Bytes(messages[i]) };
                while (true)
                {
                    try
                    {
                        producer.Produce(_settings.Topic, message, report);
                        break;
                    }
                    catch (ProduceException<Null, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        await Task.Delay(10, cancellationToken); // the client's buffer is full: wait for deliveries to make room
                    }
                    catch (ProduceException<Null, byte[]> ex)
                    {
                        throw Failure(ex.Error, messages.Count - i, messages.Count, ex);
                    }
                }
            }
            try
            {
                await batch.Task.WaitAsync(cancellationToken);
            }
            catch (KafkaException ex)
            {
                throw Failure(ex.Error, batch.Failed, messages.Count, ex);
            }
        }

        IOException Failure(Error error, int failed, int count, Exception inner)
        {
            if (error.IsFatal)
            {
                // An idempotent producer that met a fatal error cannot go on: the next send starts a new one.
                _producer?.Dispose();
                _producer = null;
            }
            return new IOException($"{Name}: Kafka did not confirm {failed} of {count} messages ({error.Reason}).", inner);
        }

        /// <summary>The message's own array when it is a whole one; the client copies it either way.</summary>
        static byte[] Bytes(ReadOnlyMemory<byte> message) =>
            MemoryMarshal.TryGetArray(message, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
                ? segment.Array
                : message.ToArray();

        public ValueTask DisposeAsync()
        {
            if (_producer is not { } producer) return ValueTask.CompletedTask;
            _producer = null;
            try
            {
                producer.Flush(TimeSpan.FromSeconds(10)); // every send was confirmed already; this only waits for stragglers of a failed one
            }
            catch (KafkaException ex)
            {
                _log.Write("close", $"closing: {ex.Error.Reason}");
            }
            finally
            {
                producer.Dispose();
            }
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Counts the delivery reports of one send; completes when all are in, failed if any failed.</summary>
    sealed class DeliveryBatch(int count)
    {
        readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        int _pending = count, _failed;
        Error? _error;

        public Task Task => _done.Task;

        public int Failed => Volatile.Read(ref _failed);

        public void Report(DeliveryReport<Null, byte[]> report)
        {
            if (report.Error.IsError)
            {
                Interlocked.Increment(ref _failed);
                Interlocked.CompareExchange(ref _error, report.Error, null);
            }
            if (Interlocked.Decrement(ref _pending) > 0) return;
            if (Volatile.Read(ref _error) is { } error) _done.TrySetException(new KafkaException(error));
            else _done.TrySetResult();
        }
    }

    /// <summary>
    /// The client's errors and librdkafka's own log, written to the program's log: each kind once a minute at most, as a
    /// broker that is down is reported on every reconnection attempt. Messages carry no credentials.
    /// </summary>
    sealed class ClientLog(string name, TextWriter writer)
    {
        static readonly long Quiet = TimeSpan.FromMinutes(1).Ticks;
        readonly Dictionary<string, long> _last = new(StringComparer.Ordinal);

        public void Write(string kind, string message)
        {
            lock (_last)
            {
                var now = DateTime.UtcNow.Ticks;
                if (_last.TryGetValue(kind, out var last) && now - last < Quiet) return;
                _last[kind] = now;
                writer.WriteLine($"{name}: {message}");
            }
        }

        public void Error(Error error) => Write(error.Code.ToString(), (error.IsFatal ? "fatal Kafka error: " : "Kafka: ") + error.Reason);

        /// <summary>librdkafka's log: what matters reaches <see cref="Error"/> too, so only its gravest lines are kept.</summary>
        public void Library(LogMessage message)
        {
            if (message.Level <= SyslogLevel.Critical) Write("log " + message.Facility, $"librdkafka: {message.Message}");
        }
    }
}
