using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using IntelMQ.Channels;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;

namespace IntelMQ.Tests.Channels;

/// <summary>
/// <c>pulsar://</c>: the conformance suite and SIGKILLs against the WebSocket service named by INTELMQ_TEST_PULSAR
/// (skipped without one); without a broker, the options, the JSON frames, and the client's side of the protocol
/// against <see cref="FakePulsar"/>, an in-process imitation of the WebSocket API.
/// </summary>
public sealed class PulsarChannelTests(ITestOutputHelper output) : ChannelConformanceTests
{
    const string NoBroker =
        "No Pulsar broker can be installed on this machine (not in the package sources, no container engine). To run these tests, "
        + "start one elsewhere (docker run -p 8080:8080 apachepulsar/pulsar bin/pulsar standalone) and set INTELMQ_TEST_PULSAR=HOST:8080, "
        + "e.g. INTELMQ_TEST_PULSAR=localhost:8080 dotnet test -- --filter-class \"*Pulsar*\" (see docs/channels/kafka-pulsar.md#running-the-tests).";

    static readonly string? Service = Environment.GetEnvironmentVariable("INTELMQ_TEST_PULSAR");

    protected override string Address(string name)
    {
        Assert.SkipWhen(string.IsNullOrEmpty(Service), NoBroker);
        return $"pulsar://{Service}?topic={name}-{Guid.NewGuid():N}&subscription=conformance";
    }

    protected override TimeSpan Wait => TimeSpan.FromSeconds(3);



    // ---- options ----

    static PulsarSettings Settings(string uri, bool input = true) => PulsarSettings.Parse(ChannelAddress.Parse(uri), input);

    [Fact]
    public void An_address_without_topic_is_refused_with_an_example()
    {
        var error = Assert.Throws<ConfigurationException>(() => Catalog.OpenOutput("pulsar://localhost:8080?subscription=s", Context));
        Assert.Contains("'topic' is missing", error.Message);
        Assert.Contains("e.g. pulsar://", error.Message);
    }

    [Fact]
    public void An_input_without_subscription_is_refused_and_says_what_a_subscription_is()
    {
        var error = Assert.Throws<ConfigurationException>(() => Catalog.OpenInput("pulsar://localhost:8080?topic=events", Context));
        Assert.Contains("'subscription' is missing", error.Message);
        Assert.Contains("shared by every consumer", error.Message);
        Assert.Null(Settings("pulsar://localhost:8080?topic=events", input: false).Subscription); // an output needs none
    }

    [Fact]
    public void Unknown_options_are_refused_with_the_list_of_known_ones()
    {
        var error = Assert.Throws<ConfigurationException>(() => Settings("pulsar://localhost?topic=t&subscription=s&recever_queue=10"));
        Assert.Contains("unknown option 'recever_queue'", error.Message);
        Assert.Contains("receiver_queue", error.Message);
    }

    [Fact]
    public void The_consumer_endpoint_is_a_shared_subscription_from_the_earliest_message()
    {
        var settings = Settings("pulsar://pulsar.example.org:8080?topic=events&subscription=enrich");
        var uri = settings.ConsumerUri(Context with { WorkerId = 2 });
        Assert.Equal("ws://pulsar.example.org:8080/ws/v2/consumer/persistent/public/default/events/enrich", uri.GetLeftPart(UriPartial.Path));
        Assert.Equal("?subscriptionType=Shared&receiverQueueSize=1000&subscriptionInitialPosition=Earliest&consumerName=conformance-2", uri.Query);
    }

    [Fact]
    public void Tenant_namespace_tls_and_options_shape_the_endpoints()
    {
        var settings = Settings("pulsar://pulsar.example.org?topic=my%20events&subscription=s&tenant=cert&namespace=feeds&tls=true"
                                + "&subscription_type=key_shared&receiver_queue=200&initial_position=latest&send_timeout_ms=5000&max_pending=300");
        Assert.Equal("wss://pulsar.example.org:8443/ws/v2/producer/persistent/cert/feeds/my%20events?sendTimeoutMillis=5000&maxPendingMessages=300",
            settings.ProducerUri().AbsoluteUri);
        Assert.Equal("?subscriptionType=Key_Shared&receiverQueueSize=200&subscriptionInitialPosition=Latest&consumerName=conformance-0",
            settings.ConsumerUri(Context).Query);
    }

    [Fact]
    public void The_receiver_queue_is_at_most_what_the_WebSocket_service_takes()
    {
        var error = Assert.Throws<ConfigurationException>(() => Settings("pulsar://h?topic=t&subscription=s&receiver_queue=5000"));
        Assert.Contains("from 1 to 1000", error.Message);
    }

    [Fact]
    public void A_token_is_never_in_the_name_nor_in_the_endpoints()
    {
        var settings = Settings("pulsar://h:8080?topic=t&subscription=s&token=s3cret-token");
        Assert.True(settings.HasToken);
        Assert.DoesNotContain("s3cret", settings.Name);
        Assert.DoesNotContain("s3cret", settings.ConsumerUri(Context).AbsoluteUri);
        Assert.DoesNotContain("s3cret", settings.ProducerUri().AbsoluteUri);
    }

    [Fact]
    public void A_token_env_variable_that_is_not_set_is_named_in_the_error()
    {
        var variable = $"INTELMQ_TEST_UNSET_{Guid.NewGuid():N}";
        var error = Assert.Throws<ConfigurationException>(() => Settings($"pulsar://h?topic=t&subscription=s&token_env={variable}"));
        Assert.Contains(variable, error.Message);
        var twice = Assert.Throws<ConfigurationException>(() => Settings($"pulsar://h?topic=t&subscription=s&token=a&token_env={variable}"));
        Assert.Contains("one way", twice.Message);
    }

    [Fact]
    public void A_user_in_the_address_is_refused_since_Pulsar_takes_a_token()
    {
        var error = Assert.Throws<ConfigurationException>(() => Settings("pulsar://alice:secret@h?topic=t&subscription=s"));
        Assert.Contains("token", error.Message);
        Assert.DoesNotContain("secret", error.Message.Replace("token", "", StringComparison.Ordinal));
    }

    [Fact]
    public void Nothing_listening_at_start_is_an_error_that_names_the_service_and_not_the_token()
    {
        var error = Assert.Throws<ChannelUnavailableException>(() => Catalog.OpenOutput("pulsar://127.0.0.1:1?topic=t&token=s3cret-token&connect_timeout_ms=2000", Context));
        Assert.Contains("ws://127.0.0.1:1", error.Message);
        Assert.Contains("cannot connect", error.Message);
        Assert.DoesNotContain("s3cret", error.Message);
    }

    // ---- frames ----

    [Fact]
    public void A_message_to_send_is_JSON_with_a_base64_payload_and_a_context()
    {
        var buffer = new ArrayBufferWriter<byte>();
        PulsarFrames.WriteSend(buffer, """{"n": "é"}"""u8, 42);
        using var json = JsonDocument.Parse(buffer.WrittenMemory);
        Assert.Equal("""{"n": "é"}""", Encoding.UTF8.GetString(Convert.FromBase64String(json.RootElement.GetProperty("payload").GetString()!)));
        Assert.Equal("42", json.RootElement.GetProperty("context").GetString());
        Assert.Equal(2, json.RootElement.EnumerateObject().Count());
    }

    [Fact]
    public void An_acknowledgement_sends_the_message_id_back_unchanged()
    {
        var buffer = new ArrayBufferWriter<byte>();
        PulsarFrames.WriteAck(buffer, "CAMQADAA+/8=");
        using var json = JsonDocument.Parse(buffer.WrittenMemory);
        Assert.Equal("CAMQADAA+/8=", json.RootElement.GetProperty("messageId").GetString());
        Assert.Single(json.RootElement.EnumerateObject());
    }

    [Fact]
    public void A_pushed_message_is_read_with_its_id_payload_and_redelivery_count()
    {
        // As in Pulsar's documentation, with the objects a consumer has no use for.
        var frame = """
            {"messageId": "CAMQADAA", "payload": "eyJhIjogMX0=", "properties": {"k": "v"}, "publishTime": "2021-10-29T16:01:38.967-07:00",
             "redeliveryCount": 2, "encryptionContext": {"keys": {"client-rsa.pem": {"keyValue": "jEuw", "metadata": {}}}, "batchSize": {"empty": false}}, "key": "k1"}
            """u8;
        Assert.True(PulsarFrames.TryReadMessage(frame, out var message));
        Assert.Equal("CAMQADAA", message.MessageId);
        Assert.Equal("""{"a": 1}""", Encoding.UTF8.GetString(message.Payload));
        Assert.Equal(2, message.RedeliveryCount);
    }

    [Fact]
    public void Frames_that_are_not_messages_are_passed_over()
    {
        Assert.False(PulsarFrames.TryReadMessage("""{"endOfTopic": "false"}"""u8, out _));
        Assert.False(PulsarFrames.TryReadMessage("not json"u8, out _));
        Assert.False(PulsarFrames.TryReadReceipt("""{"result": "ok"}"""u8, out _, out _));
    }

    [Fact]
    public void A_payload_that_is_not_base64_is_kept_as_text_to_be_dumped()
    {
        Assert.True(PulsarFrames.TryReadMessage("""{"messageId": "X", "payload": "not base64!"}"""u8, out var message));
        Assert.Equal("not base64!", Encoding.UTF8.GetString(message.Payload));
    }

    [Fact]
    public void Receipts_are_matched_by_context_and_carry_the_error_of_a_refusal()
    {
        Assert.True(PulsarFrames.TryReadReceipt("""{"result": "ok", "messageId": "CAAQAw==", "context": "17"}"""u8, out var context, out var error));
        Assert.Equal(17, context);
        Assert.Null(error);
        Assert.True(PulsarFrames.TryReadReceipt("""{"result": "send-error:3", "errorMsg": "Failed to de-serialize from JSON", "context": "18"}"""u8, out context, out error));
        Assert.Equal(18, context);
        Assert.Equal("send-error:3: Failed to de-serialize from JSON", error);
    }

    // ---- the protocol, against an imitation of the WebSocket API ----

    static List<ReadOnlyMemory<byte>> Texts(int from, int count, string prefix = "m") =>
        [.. Enumerable.Range(from, count).Select(i => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes($"{prefix}{i}"))];

    static string Text(Delivery d) => Encoding.UTF8.GetString(d.Body.Span);

    [Fact]
    public async Task An_output_pipelines_a_batch_and_returns_after_every_receipt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var pulsar = FakePulsar.Start();
        await using (var channel = Catalog.OpenOutput($"pulsar://127.0.0.1:{pulsar.Port}?topic=events&max_pending=50", Context))
            for (var i = 0; i < 1200; i += 400)
                await channel.SendAsync(Texts(i, 400), ct);
        Assert.Equal(Enumerable.Range(0, 1200).Select(i => $"m{i}"), pulsar.Published("public/default/events"));
        Assert.InRange(pulsar.MostUnanswered, 2, 50); // sent ahead of the receipts, never more than max_pending
    }

    [Fact]
    public async Task A_refused_message_fails_the_send_with_Pulsars_reason_and_the_connection_goes_on()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var pulsar = FakePulsar.Start();
        await using var channel = Catalog.OpenOutput($"pulsar://127.0.0.1:{pulsar.Port}?topic=events", Context);
        var error = await Assert.ThrowsAsync<IOException>(async () => await channel.SendAsync([.. Texts(0, 2), "refuse-me"u8.ToArray(), .. Texts(2, 2)], ct));
        Assert.Contains("refused 1 of 5 messages", error.Message);
        Assert.Contains("send-error:1: refused by the imitation", error.Message);
        await channel.SendAsync(Texts(10, 3), ct);
        Assert.Equal(["m0", "m1", "m2", "m3", "m10", "m11", "m12"], pulsar.Published("public/default/events"));
    }

    [Fact]
    public async Task An_input_takes_batches_and_acknowledges_each_message_by_its_id()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var pulsar = FakePulsar.Start();
        pulsar.Publish("public/default/events", 30);
        await using var input = Catalog.OpenInput($"pulsar://127.0.0.1:{pulsar.Port}?topic=events&subscription=s", Context);
        var first = await input.ReceiveAsync(10, TimeSpan.FromSeconds(5), ct);
        Assert.NotNull(first);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"p{i}"), first.Select(Text));
        await input.AckAsync(first, ct);
        var rest = new List<string>();
        while (rest.Count < 20 && await input.ReceiveAsync(500, TimeSpan.FromSeconds(5), ct) is { Count: > 0 } batch)
        {
            rest.AddRange(batch.Select(Text));
            await input.AckAsync(batch, ct);
        }
        Assert.Equal(Enumerable.Range(10, 20).Select(i => $"p{i}"), rest);
        await pulsar.WaitUntilAsync(() => pulsar.Acknowledged("public/default/events", "s") == 30, ct);
        Assert.Equal("Shared", pulsar.SubscriptionTypes.Single());
    }

    [Fact]
    public async Task Unacknowledged_messages_come_again_to_the_next_consumer_marked_as_redelivered()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var pulsar = FakePulsar.Start();
        pulsar.Publish("public/default/events", 10);
        var address = $"pulsar://127.0.0.1:{pulsar.Port}?topic=events&subscription=s";
        await using (var input = Catalog.OpenInput(address, Context))
            Assert.Equal(10, (await input.ReceiveAsync(10, TimeSpan.FromSeconds(5), ct))!.Count);
        await using var again = Catalog.OpenInput(address, Context);
        var batch = await again.ReceiveAsync(10, TimeSpan.FromSeconds(5), ct);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"p{i}"), batch!.Select(Text));
        Assert.All(batch!, d => Assert.EndsWith("(redelivery 1)", d.Position));
    }

    [Fact]
    public async Task An_input_connects_again_after_the_service_drops_it_and_gets_its_unacknowledged_messages_back()
    {
        var ct = TestContext.Current.CancellationToken;
        var log = new StringWriter();
        await using var pulsar = FakePulsar.Start();
        pulsar.Publish("public/default/events", 5);
        await using var input = Catalog.OpenInput($"pulsar://127.0.0.1:{pulsar.Port}?topic=events&subscription=s", Context with { Log = log });
        var before = await input.ReceiveAsync(5, TimeSpan.FromSeconds(5), ct);
        Assert.NotNull(before);
        Assert.Equal(5, before.Count);
        pulsar.DropConnections();
        await pulsar.WaitUntilAsync(() => pulsar.Consumers == 0, ct);
        var after = await input.ReceiveAsync(5, TimeSpan.FromSeconds(5), ct);
        Assert.NotNull(after);
        await input.AckAsync(before, ct); // of the old connection: cannot be sent, and these come again anyway
        Assert.Contains("5 acknowledgements could not be sent", log.ToString());
        Assert.Equal(before.Select(Text), after.Select(Text));
        await input.AckAsync(after, ct);
        await pulsar.WaitUntilAsync(() => pulsar.Acknowledged("public/default/events", "s") == 5, ct);
    }

    [Fact]
    public async Task An_output_connects_again_after_the_service_drops_it()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var pulsar = FakePulsar.Start();
        await using var channel = Catalog.OpenOutput($"pulsar://127.0.0.1:{pulsar.Port}?topic=events", Context);
        await channel.SendAsync(Texts(0, 10), ct);
        pulsar.DropConnections();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await channel.SendAsync(Texts(10, 10), ct); // as the program does: a failed send is sent again
                break;
            }
            catch (IOException ex) when (attempt < 3)
            {
                output.WriteLine($"attempt {attempt}: {ex.Message}");
            }
        }
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"m{i}"), pulsar.Published("public/default/events").Distinct());
    }

    [Fact]
    public async Task The_token_goes_in_an_authorization_header_and_a_refused_one_stops_the_program()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var pulsar = FakePulsar.Start(token: "s3cret-token");
        var variable = $"INTELMQ_TEST_TOKEN_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(variable, "s3cret-token");
        try
        {
            await using (var channel = Catalog.OpenOutput($"pulsar://127.0.0.1:{pulsar.Port}?topic=events&token_env={variable}", Context))
                await channel.SendAsync(Texts(0, 1), ct);
            var request = Assert.Single(pulsar.Requests);
            Assert.Equal("Bearer s3cret-token", request.Authorization);
            Assert.DoesNotContain("s3cret", request.Url);

            var refused = Assert.Throws<ConfigurationException>(() => Catalog.OpenOutput($"pulsar://127.0.0.1:{pulsar.Port}?topic=events&token=wrong-token", Context));
            Assert.Contains("(401)", refused.Message);
            Assert.Contains("not accepted", refused.Message);
            Assert.DoesNotContain("wrong-token", refused.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    /// <summary>
    /// An imitation of Pulsar's WebSocket API, to test this client's side of the protocol as the documentation
    /// describes it: producer receipts by context, a shared subscription that pushes at most receiverQueueSize
    /// unacknowledged messages to each consumer and gives those of a closed connection to the next, acknowledgements
    /// by message id, and token checks. It proves nothing about Pulsar itself; the conformance suite above does, with a broker.
    /// </summary>
    sealed class FakePulsar : IAsyncDisposable
    {
        readonly HttpListener _listener = new();
        readonly object _lock = new();
        readonly Dictionary<string, List<byte[]>> _topics = [];
        readonly Dictionary<(string Topic, string Subscription), Subscription> _subscriptions = [];
        readonly List<(HttpListenerContext Context, WebSocket Socket)> _connections = [];
        readonly string? _token;
        readonly Task _accepting;
        int _mostUnanswered;

        FakePulsar(int port, string? token)
        {
            Port = port;
            _token = token;
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            _listener.Start();
            _accepting = Task.Run(AcceptAsync);
        }

        public static FakePulsar Start(string? token = null)
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            return new FakePulsar(port, token);
        }

        public int Port { get; }

        public List<(string Url, string? Authorization)> Requests { get; } = [];

        public List<string> SubscriptionTypes { get; } = [];

        /// <summary>The most messages a producer had sent before their receipts went out.</summary>
        public int MostUnanswered => Volatile.Read(ref _mostUnanswered);

        public int Consumers
        {
            get { lock (_lock) return _subscriptions.Values.Sum(s => s.Consumers.Count); }
        }

        public List<string> Published(string topic)
        {
            lock (_lock) return _topics.TryGetValue(topic, out var list) ? [.. list.Select(Encoding.UTF8.GetString)] : [];
        }

        public int Acknowledged(string topic, string subscription)
        {
            lock (_lock) return _subscriptions.TryGetValue((topic, subscription), out var s) ? s.Acked.Count : 0;
        }

        public void Publish(string topic, int count)
        {
            lock (_lock)
                for (var i = 0; i < count; i++) Append(topic, Encoding.UTF8.GetBytes($"p{Topic(topic).Count}"));
        }

        public void DropConnections()
        {
            lock (_lock)
                foreach (var (context, socket) in _connections)
                {
                    socket.Abort();
                    context.Response.Abort(); // closes the TCP connection, as a crashed service would
                }
        }

        public async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct)
        {
            for (var i = 0; i < 200 && !condition(); i++) await Task.Delay(25, ct);
            Assert.True(condition(), "the imitation did not reach the expected state in 5 s");
        }

        List<byte[]> Topic(string name) => _topics.TryGetValue(name, out var list) ? list : _topics[name] = [];

        void Append(string topic, byte[] payload)
        {
            var messages = Topic(topic);
            messages.Add(payload);
            foreach (var subscription in _subscriptions.Values)
            {
                if (subscription.Topic != topic) continue;
                subscription.Available.Add(messages.Count - 1);
                Dispatch(subscription);
            }
        }

        async Task AcceptAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await _listener.GetContextAsync(); }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException) { return; }
                _ = Task.Run(() => HandleAsync(context));
            }
        }

        async Task HandleAsync(HttpListenerContext context)
        {
            var authorization = context.Request.Headers["Authorization"];
            lock (_lock) Requests.Add((context.Request.Url!.ToString(), authorization));
            if (_token is not null && authorization != $"Bearer {_token}")
            {
                context.Response.StatusCode = 401;
                context.Response.Close();
                return;
            }
            // /ws/v2/{producer|consumer}/persistent/{tenant}/{namespace}/{topic}[/{subscription}]
            var parts = context.Request.Url!.AbsolutePath.Split('/').Select(Uri.UnescapeDataString).ToArray();
            var socket = (await context.AcceptWebSocketAsync(null)).WebSocket;
            lock (_lock) _connections.Add((context, socket));
            var topic = $"{parts[5]}/{parts[6]}/{parts[7]}";
            try
            {
                if (parts[3] == "producer") await ProduceAsync(socket, topic);
                else await ConsumeAsync(socket, topic, parts[8], context.Request.QueryString);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
            {
                // the client went away
            }
        }

        async Task ProduceAsync(WebSocket socket, string topic)
        {
            var receipts = new List<string>();
            using var stop = new CancellationTokenSource();
            // Receipts go out every 5 ms, so that a client that pipelines has several messages unanswered at once.
            var flusher = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    await Task.Delay(5);
                    string[] due;
                    lock (receipts)
                    {
                        due = [.. receipts];
                        receipts.Clear();
                    }
                    foreach (var receipt in due) await socket.SendAsync(Encoding.UTF8.GetBytes(receipt), WebSocketMessageType.Text, true, default);
                }
            });
            try
            {
                while (await ReadAsync(socket) is { } frame)
                {
                    using var json = JsonDocument.Parse(frame);
                    var payload = Convert.FromBase64String(json.RootElement.GetProperty("payload").GetString()!);
                    var context = json.RootElement.GetProperty("context").GetString();
                    string receipt;
                    if (Encoding.UTF8.GetString(payload) == "refuse-me")
                        receipt = JsonSerializer.Serialize(new { result = "send-error:1", errorMsg = "refused by the imitation", context });
                    else
                    {
                        lock (_lock) Append(topic, payload);
                        receipt = JsonSerializer.Serialize(new { result = "ok", messageId = Convert.ToBase64String(Guid.NewGuid().ToByteArray()), context });
                    }
                    lock (receipts)
                    {
                        receipts.Add(receipt);
                        if (receipts.Count > _mostUnanswered) _mostUnanswered = receipts.Count;
                    }
                }
            }
            finally
            {
                await stop.CancelAsync();
                await flusher.ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        async Task ConsumeAsync(WebSocket socket, string topic, string name, System.Collections.Specialized.NameValueCollection query)
        {
            var consumer = new Consumer(socket, int.Parse(query["receiverQueueSize"] ?? "1000", System.Globalization.CultureInfo.InvariantCulture));
            Subscription subscription;
            lock (_lock)
            {
                SubscriptionTypes.Add(query["subscriptionType"] ?? "Exclusive");
                if (!_subscriptions.TryGetValue((topic, name), out subscription!))
                {
                    // A new subscription starts at the earliest message (subscriptionInitialPosition=Earliest).
                    _subscriptions[(topic, name)] = subscription = new Subscription(topic);
                    for (var i = 0; i < Topic(topic).Count; i++) subscription.Available.Add(i);
                }
                subscription.Consumers.Add(consumer);
                Dispatch(subscription);
            }
            var writing = Task.Run(async () =>
            {
                await foreach (var frame in consumer.Outbox.Reader.ReadAllAsync())
                    await socket.SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text, true, default);
            });
            try
            {
                while (await ReadAsync(socket) is { } frame)
                {
                    using var json = JsonDocument.Parse(frame);
                    var index = int.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(json.RootElement.GetProperty("messageId").GetString()!))[3..],
                        System.Globalization.CultureInfo.InvariantCulture);
                    lock (_lock)
                    {
                        if (subscription.Delivered.TryGetValue(index, out var holder) && holder == consumer)
                        {
                            subscription.Delivered.Remove(index);
                            subscription.Acked.Add(index);
                            consumer.Unacked--;
                            Dispatch(subscription);
                        }
                    }
                }
                if (socket.State == WebSocketState.CloseReceived) await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", default);
            }
            finally
            {
                lock (_lock)
                {
                    subscription.Consumers.Remove(consumer);
                    foreach (var (index, holder) in subscription.Delivered.ToList())
                        if (holder == consumer)
                        {
                            subscription.Delivered.Remove(index);
                            subscription.Available.Add(index);
                            subscription.Redeliveries[index] = subscription.Redeliveries.GetValueOrDefault(index) + 1;
                        }
                    consumer.Outbox.Writer.TryComplete();
                    Dispatch(subscription);
                }
                await writing.ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        /// <summary>Pushes the messages neither acknowledged nor held by a consumer, oldest first, to the consumers with room, in turn.</summary>
        void Dispatch(Subscription subscription)
        {
            var messages = Topic(subscription.Topic);
            while (subscription.Available.Count > 0)
            {
                var open = subscription.Consumers.Where(c => c.Unacked < c.Limit).ToList();
                if (open.Count == 0) return;
                var consumer = open[subscription.Turn++ % open.Count];
                var index = subscription.Available.Min;
                subscription.Available.Remove(index);
                subscription.Delivered[index] = consumer;
                consumer.Unacked++;
                consumer.Outbox.Writer.TryWrite(JsonSerializer.Serialize(new
                {
                    messageId = Convert.ToBase64String(Encoding.UTF8.GetBytes($"id:{index}")),
                    payload = Convert.ToBase64String(messages[index]),
                    properties = new { },
                    publishTime = "2024-05-02T10:00:00.000Z",
                    redeliveryCount = subscription.Redeliveries.GetValueOrDefault(index),
                }));
            }
        }

        static async Task<byte[]?> ReadAsync(WebSocket socket)
        {
            var frame = new ArrayBufferWriter<byte>();
            while (true)
            {
                var result = await socket.ReceiveAsync(frame.GetMemory(4096), default);
                if (result.MessageType == WebSocketMessageType.Close) return null;
                frame.Advance(result.Count);
                if (result.EndOfMessage) return frame.WrittenSpan.ToArray();
            }
        }

        public async ValueTask DisposeAsync()
        {
            DropConnections();
            // Close alone: after Stop, .NET's managed HttpListener binds the port again to remove its prefixes, which
            // fails when another test's server has taken that port meanwhile.
            _listener.Close();
            await _accepting.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        sealed class Subscription(string topic)
        {
            public string Topic { get; } = topic;
            public List<Consumer> Consumers { get; } = [];
            public SortedSet<int> Available { get; } = [];
            public HashSet<int> Acked { get; } = [];
            public int Turn { get; set; }
            public Dictionary<int, Consumer> Delivered { get; } = [];
            public Dictionary<int, int> Redeliveries { get; } = [];
        }

        sealed class Consumer(WebSocket socket, int limit)
        {
            public WebSocket Socket { get; } = socket;
            public int Limit { get; } = limit;
            public int Unacked { get; set; }
            public Channel<string> Outbox { get; } = Channel.CreateUnbounded<string>();
        }
    }
}
