using System.Net.Sockets;
using System.Text;
using Kvs.Tests.Infrastructure;
using Xunit;

namespace Kvs.Tests.Integration;

/// <summary>
/// The wire protocol over raw sockets against the in-process server: deep pipelines, big values
/// arriving in small pieces, binary data, protocol errors (byte for byte as redis-server sends
/// them, then the connection closes and other clients carry on), the query buffer and bulk
/// length limits, maxclients and inline commands.
/// </summary>
public sealed class ProtocolTests(KvsServerFixture fixture) : IClassFixture<KvsServerFixture>
{
    private static byte[] Latin1(string s) => Encoding.Latin1.GetBytes(s);

    private static string Show(byte[] b) =>
        Encoding.Latin1.GetString(b).Replace("\r", "\\r").Replace("\n", "\\n").Replace("\0", "\\0");

    /// <summary>
    /// Sends <paramref name="request"/> on a new connection and collects what comes back until
    /// the server closes the connection or stays silent for <paramref name="quietMs"/>.
    /// </summary>
    internal static async Task<(byte[] Reply, bool Closed)> ExchangeAsync(int port, byte[] request, int quietMs = 1000)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        tcp.NoDelay = true;
        var stream = tcp.GetStream();
        try
        {
            await stream.WriteAsync(request);
        }
        catch (IOException)
        {
            // The server may close before taking everything (that is what some cases test).
        }
        var reply = new MemoryStream();
        var buffer = new byte[65536];
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            using var quiet = new CancellationTokenSource(quietMs);
            int n;
            try
            {
                n = await stream.ReadAsync(buffer, quiet.Token);
            }
            catch (OperationCanceledException)
            {
                return (reply.ToArray(), false);
            }
            catch (IOException)
            {
                return (reply.ToArray(), true);
            }
            if (n == 0) return (reply.ToArray(), true);
            reply.Write(buffer, 0, n);
        }
        throw new TimeoutException("the server kept sending for 10 s");
    }

    // ------------------------------------------------------------------ pipelining

    [Fact]
    public async Task TenThousandPipelinedCommandsInOneWriteAreAllAnsweredInOrder()
    {
        using var c = fixture.Connect();
        var request = new MemoryStream();
        var expected = new MemoryStream();
        for (int i = 0; i < 10_000; i++)
        {
            switch (i % 4)
            {
                case 0:
                    request.Write(RespClient.Encode("SET", $"pipe:{i}", $"value-{i}"));
                    expected.Write("+OK\r\n"u8);
                    break;
                case 1:
                    request.Write(RespClient.Encode("GET", $"pipe:{i - 1}"));
                    expected.Write(Encoding.ASCII.GetBytes($"${$"value-{i - 1}".Length}\r\nvalue-{i - 1}\r\n"));
                    break;
                case 2:
                    request.Write(Encoding.ASCII.GetBytes($"ECHO e{i}\r\n"));
                    expected.Write(Encoding.ASCII.GetBytes($"${$"e{i}".Length}\r\ne{i}\r\n"));
                    break;
                default:
                    request.Write(RespClient.Encode("PING"));
                    expected.Write("+PONG\r\n"u8);
                    break;
            }
        }
        // Written by one task while this one reads, so neither side's socket buffer can fill up
        // and deadlock the test.
        var send = Task.Run(() => c.SendRaw(request.ToArray()));
        var actual = new MemoryStream();
        while (actual.Length < expected.Length) actual.Write(c.ReadRaw());
        await send;
        Assert.Equal(Show(expected.ToArray()), Show(actual.ToArray()));
        Assert.Equal("PONG", c.Call("PING").Text);
    }

    // ------------------------------------------------------------------ big values in pieces

    /// <summary>Writes <paramref name="bytes"/> in random pieces, now and then pausing so reads split.</summary>
    private static void SendInPieces(Socket socket, byte[] bytes, Random rng, int maxPiece)
    {
        int offset = 0, pieces = 0;
        while (offset < bytes.Length)
        {
            int n = Math.Min(bytes.Length - offset, rng.Next(1, maxPiece + 1));
            socket.Send(bytes, offset, n, SocketFlags.None);
            offset += n;
            if (++pieces % 64 == 0) Thread.Sleep(1);
        }
    }

    [Theory]
    [InlineData(1 << 20, 3000)]
    [InlineData(50 << 20, 256 * 1024)]
    public async Task BigValueSentInSmallPiecesRoundTrips(int size, int maxPiece)
    {
        var rng = new Random(size);
        var value = new byte[size];
        rng.NextBytes(value);
        string key = "big:" + size;
        using var c = fixture.Connect();
        c.ReadTimeout = 20_000;
        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        raw.Connect("127.0.0.1", fixture.Port);
        raw.ReceiveTimeout = 20_000;
        // The whole request, headers included, is cut at random places.
        var request = RespClient.Encode("SET", key, value);
        var send = Task.Run(() => SendInPieces(raw, request, rng, maxPiece));
        var ok = new byte[5];
        int got = 0;
        while (got < ok.Length)
        {
            int n = raw.Receive(ok, got, ok.Length - got, SocketFlags.None);
            Assert.True(n > 0, "connection closed");
            got += n;
        }
        await send.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("+OK\r\n", Encoding.ASCII.GetString(ok));
        var reply = c.Call("GET", key);
        Assert.Equal(size, reply.Bytes!.Length);
        Assert.True(value.AsSpan().SequenceEqual(reply.Bytes), "value differs");
        Assert.Equal("OK", c.Call("SET", key, "small").Text);
    }

    [Fact]
    public async Task ManySplitCommandsInARowKeepTheirOrder()
    {
        // Commands of mixed sizes cut at random places: some land whole in a read, some span
        // reads and pipe segments, so the session switches between its fast path and its
        // gathering buffer many times.
        var rng = new Random(5);
        using var c = fixture.Connect();
        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        raw.Connect("127.0.0.1", fixture.Port);
        raw.ReceiveTimeout = 10_000;
        var request = new MemoryStream();
        var values = new List<byte[]>();
        for (int i = 0; i < 300; i++)
        {
            var v = new byte[rng.Next(3) == 0 ? rng.Next(5000, 40000) : rng.Next(0, 100)];
            rng.NextBytes(v);
            values.Add(v);
            request.Write(RespClient.Encode("SET", "split:" + i, v));
            if (i % 7 == 0) request.Write(Latin1("PING\r\n"));
        }
        var send = Task.Run(() => SendInPieces(raw, request.ToArray(), rng, 9000));
        int expectedLength = 300 * 5 + 43 * 7;
        var reply = new byte[expectedLength];
        int got = 0;
        while (got < expectedLength)
        {
            int n = raw.Receive(reply, got, expectedLength - got, SocketFlags.None);
            Assert.True(n > 0, "connection closed");
            got += n;
        }
        await send.WaitAsync(TimeSpan.FromSeconds(10));
        var expected = new StringBuilder();
        for (int i = 0; i < 300; i++)
        {
            expected.Append("+OK\r\n");
            if (i % 7 == 0) expected.Append("+PONG\r\n");
        }
        Assert.Equal(expected.ToString(), Encoding.ASCII.GetString(reply));
        for (int i = 0; i < 300; i += 17) Assert.Equal(values[i], c.Call("GET", "split:" + i).Bytes);
    }

    [Fact]
    public async Task InputBytesOfASplitCommandAreCountedOnce()
    {
        await using var server = await KvsServerFixture.StartAsync(_ => { });
        using var tcp = new TcpClient("127.0.0.1", server.Port) { NoDelay = true };
        var stream = tcp.GetStream();
        stream.ReadTimeout = 5000;
        var request = Latin1("*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n");
        // Three pieces, each read on its own: the partial command stays in the pipe between reads.
        foreach (var (start, length) in new[] { (0, 9), (9, 12), (21, request.Length - 21) })
        {
            await stream.WriteAsync(request.AsMemory(start, length));
            await Task.Delay(50);
        }
        var reply = new byte[11];
        int got = 0;
        while (got < reply.Length)
        {
            int n = stream.Read(reply, got, reply.Length - got);
            Assert.True(n > 0, "connection closed");
            got += n;
        }
        Assert.Equal("$5\r\nhello\r\n", Encoding.ASCII.GetString(reply));
        Assert.Equal(request.Length, server.Server.TotalNetInputBytes);
    }

    // ------------------------------------------------------------------ binary safety

    [Fact]
    public void BinaryKeysAndValuesWithNulCrLf()
    {
        using var c = fixture.Connect();
        var all = new byte[256];
        for (int i = 0; i < 256; i++) all[i] = (byte)i;
        var keys = new[] { new byte[] { 0 }, "\r\n"u8.ToArray(), "a\0b\r\nc"u8.ToArray(), "*1\r\n$4\r\nPING\r\n"u8.ToArray(), all };
        foreach (var key in keys)
        {
            var value = key.Concat(all).Concat(key).ToArray();
            Assert.Equal("OK", c.Call("SET", key, value).Text);
        }
        foreach (var key in keys)
            Assert.Equal(key.Concat(all).Concat(key).ToArray(), c.Call("GET", key).Bytes);
        Assert.True(c.Call("GET", new byte[] { 0, 0 }).IsNull);
        Assert.Equal("$0\r\n\r\n", Encoding.ASCII.GetString(c.CallRaw("ECHO", "")));
    }

    // ------------------------------------------------------------------ protocol errors

    /// <summary>Byte streams and what redis-server 7.0 answers to each.</summary>
    public static IEnumerable<object[]> ProtocolErrorCases() => new[]
    {
        new object[] { "*1\r\nx\r\n", "-ERR Protocol error: expected '$', got 'x'\r\n" },
        new object[] { "*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n" },
        new object[] { "*3000000000\r\n", "-ERR Protocol error: invalid multibulk length\r\n" },
        new object[] { "*1\r\n$-1\r\n", "-ERR Protocol error: invalid bulk length\r\n" },
        new object[] { "*1\r\n$abc\r\n", "-ERR Protocol error: invalid bulk length\r\n" },
        new object[] { "*1\r\n\u00ff\r\n", "-ERR Protocol error: expected '$', got '\u00ff'\r\n" },
        new object[] { "*1\r\n\r\n", "-ERR Protocol error: expected '$', got ' '\r\n" },
        new object[] { "SET a \"b\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n" },
        new object[] { "SET a 'b'c\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n" },
        new object[] { "PING\r\n*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n:1\r\n", "+PONG\r\n+PONG\r\n-ERR Protocol error: expected '$', got ':'\r\n" },
        new object[] { new string('a', 70_000), "-ERR Protocol error: too big inline request\r\n" },
        new object[] { "*" + new string('1', 70_000), "-ERR Protocol error: too big mbulk count string\r\n" },
        new object[] { "*1\r\n$" + new string('1', 70_000), "-ERR Protocol error: too big bulk count string\r\n" },
    };

    [Theory]
    [MemberData(nameof(ProtocolErrorCases))]
    public async Task ProtocolErrorIsRedisTextThenCloseWhileOthersCarryOn(string request, string expected)
    {
        using var other = fixture.Connect();
        Assert.Equal("OK", other.Call("SET", "proto:other", "1").Text);
        var (reply, closed) = await ExchangeAsync(fixture.Port, Latin1(request));
        Assert.Equal(Show(Latin1(expected)), Show(reply));
        Assert.True(closed, "the connection should be closed after a protocol error");
        Assert.Equal("1", other.Call("GET", "proto:other").Text);
        using var fresh = fixture.Connect();
        Assert.Equal("PONG", fresh.Call("PING").Text);
    }

    /// <summary>Edge cases where the exact behaviour is easiest stated as "whatever Redis does".</summary>
    private static readonly string[] DifferentialCases =
    {
        "*1\r\nx\r\n", "*abc\r\n", "*\r\n", "*01\r\n", "*+1\r\n", "*-5\r\nPING\r\n", "*1\r\n$01\r\n", "*1\r\n$\r\n",
        "*1\r\n\u00ff\r\n", "*1\r\n\r\n", "*1\r\nxyz",
        "PING\0\r\nPING\r\n", "*1\0\r\n$4\r\nPING\r\n", "*1\r\n$4\0\r\nPING\r\n",
        "*-1\r\n*0\r\n\r\n  \nPING\r\n", "*2\r\n$4\r\nECHO\r\n$3\r\nabcXYPING\r\n",
        "ECHO \"\\x41\\x4\"\r\n", "ECHO \"a\\nb\\x00c\"\r\n", "ECHO 'x\\'y'\r\n", "ECHO ab\"c d\"\r\n",
        "ECHO \"a\" b\r\n", "SET a \"b\"c\r\n", "ECHO \"abc\\\"\r\n",
        "FOO bar 'baz qux'\r\n", "\u000bPING\u000b\r\n", "PING\rPING\r\n", "  PING  \n",
        "*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPI", "*2\r\n$4\r\nECHO\r\n$5\r\nab",
        new string('a', 70_000), "*" + new string('1', 70_000), "*1\r\n$" + new string('1', 70_000),
        "PING\0" + new string('x', 70_000),
        // Unknown commands echo their name and arguments as raw bytes, C-string style.
        "*2\r\n$3\r\nF\u00ffO\r\n$3\r\na\0b\r\n", "*2\r\n$3\r\nF\0O\r\n$1\r\nx\r\n",
        "FOO " + string.Concat(Enumerable.Repeat("\u00c3\u00a9", 100)) + "\r\n",
        string.Concat(Enumerable.Repeat("\u00c3\u00a9", 70)) + " x\r\n",
        "FOO " + new string('a', 100) + " " + new string('b', 100) + " c\r\n",
        "FOO " + new string('a', 127) + " b c\r\n", "FOO " + new string('a', 126) + " b c\r\n",
        "*3\r\n$3\r\nFOO\r\n$3\r\na\rb\r\n$2\r\n\n\n\r\n",
    };

    [Fact]
    public async Task EdgeCasesGetTheSameBytesAsRedis()
    {
        using var redis = RedisServerProcess.Start();
        var tasks = DifferentialCases.Select(async input =>
        {
            var bytes = Latin1(input);
            var fromRedis = ExchangeAsync(redis.Port, bytes);
            var fromKvs = ExchangeAsync(fixture.Port, bytes);
            return (Input: input, Redis: await fromRedis, Kvs: await fromKvs);
        }).ToList();
        var failures = new StringBuilder();
        foreach (var t in await Task.WhenAll(tasks))
        {
            if (!t.Redis.Reply.SequenceEqual(t.Kvs.Reply) || t.Redis.Closed != t.Kvs.Closed)
            {
                string input = t.Input.Length > 60 ? t.Input[..60] + "..." : t.Input;
                failures.Append($"{Show(Latin1(input))}\n  redis: {Show(t.Redis.Reply)} closed={t.Redis.Closed}\n  kvs:   {Show(t.Kvs.Reply)} closed={t.Kvs.Closed}\n");
            }
        }
        Assert.True(failures.Length == 0, "Differs from Redis:\n" + failures);
    }

    /// <summary>A random request stream of PING/ECHO/unknown commands in both forms, then damaged.</summary>
    private static byte[] RandomRequestStream(Random rng)
    {
        string[][] commands =
        {
            new[] { "PING" }, new[] { "PING", "x y" }, new[] { "PING", "a", "b" }, new[] { "ECHO", "\0\r\n" }, new[] { "ECHO" },
            new[] { "echo", "a", "b" }, new[] { "FOO", "bar" }, new[] { "" }, new[] { "ECHO", "" },
        };
        var ms = new MemoryStream();
        int count = rng.Next(1, 7);
        for (int c = 0; c < count; c++)
        {
            var args = commands[rng.Next(commands.Length)];
            switch (rng.Next(5))
            {
                case 0:
                case 1:
                    ms.Write(RespClient.Encode(args));
                    break;
                case 2:
                    ms.Write(Latin1(string.Join(' ', args.Select(a => a.Length == 0 || a.Contains(' ') || a.Contains('\r') ? "\"" + a.Replace("\r", "\\r").Replace("\n", "\\n").Replace("\0", "\\x00") + "\"" : a)) + (rng.Next(2) == 0 ? "\r\n" : "\n")));
                    break;
                case 3:
                    ms.Write(Latin1(rng.Next(3) switch { 0 => "*0\r\n", 1 => "*-1\r\n", _ => "\r\n" }));
                    break;
                default:
                    ms.Write(Latin1("'single' \"dou\\x41ble\" x\r\n"));
                    break;
            }
        }
        var bytes = ms.ToArray().ToList();
        const string special = "*$\r\n\0\"'\\ x0123456789-+";
        int mutations = rng.Next(0, 4);
        for (int m = 0; m < mutations && bytes.Count > 0; m++)
        {
            int at = rng.Next(bytes.Count);
            byte b = rng.Next(4) == 0 ? (byte)rng.Next(256) : (byte)special[rng.Next(special.Length)];
            switch (rng.Next(4))
            {
                case 0: bytes[at] = b; break;
                case 1: bytes.Insert(at, b); break;
                case 2: bytes.RemoveAt(at); break;
                default: bytes.RemoveRange(at, bytes.Count - at); break;
            }
        }
        return bytes.ToArray();
    }

    [Fact]
    public async Task RandomRequestStreamsGetTheSameBytesAsRedis()
    {
        using var redis = RedisServerProcess.Start();
        var rng = new Random(4242);
        var inputs = Enumerable.Range(0, 200).Select(_ => RandomRequestStream(rng)).ToList();
        var failures = new StringBuilder();
        int closedCount = 0;
        foreach (var batch in inputs.Chunk(100))
        {
            var results = await Task.WhenAll(batch.Select(async input =>
            {
                var fromRedis = ExchangeAsync(redis.Port, input);
                var fromKvs = ExchangeAsync(fixture.Port, input);
                return (Input: input, Redis: await fromRedis, Kvs: await fromKvs);
            }));
            foreach (var r in results)
            {
                if (r.Redis.Closed) closedCount++;
                if (!r.Redis.Reply.SequenceEqual(r.Kvs.Reply) || r.Redis.Closed != r.Kvs.Closed)
                    failures.Append($"{Show(r.Input)}\n  redis: {Show(r.Redis.Reply)} closed={r.Redis.Closed}\n  kvs:   {Show(r.Kvs.Reply)} closed={r.Kvs.Closed}\n");
            }
        }
        Assert.True(failures.Length == 0, "Differs from Redis:\n" + failures);
        // Both kinds of endings must occur, or the comparison proves little.
        Assert.InRange(closedCount, 20, 180);
    }

    // ------------------------------------------------------------------ limits

    [Fact]
    public async Task ClientQueryBufferLimitClosesAClientSendingABiggerCommand()
    {
        await using var server = await KvsServerFixture.StartAsync(c => c.ClientQueryBufferLimit = 1024 * 1024);
        using var other = RespClient.Connect(server.Port);
        // Below the limit: fine.
        Assert.Equal("OK", other.Call("SET", "k", new byte[900 * 1024]).Text);
        // Above it: the connection is closed without a reply, as Redis does.
        var (reply, closed) = await ExchangeAsync(server.Port, RespClient.Encode("SET", "k2", new byte[3 * 1024 * 1024]));
        Assert.Equal("", Show(reply));
        Assert.True(closed);
        Assert.Equal(900 * 1024, other.Call("GET", "k").Bytes!.Length);
        Assert.True(other.Call("GET", "k2").IsNull);
    }

    [Fact]
    public async Task ProtoMaxBulkLenRefusesLongerBulks()
    {
        await using var server = await KvsServerFixture.StartAsync(c => c.ProtoMaxBulkLen = 1024 * 1024);
        using var c = RespClient.Connect(server.Port);
        Assert.Equal("OK", c.Call("SET", "k", new byte[1024 * 1024]).Text);
        var (reply, closed) = await ExchangeAsync(server.Port, Latin1("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n"));
        Assert.Equal("-ERR Protocol error: invalid bulk length\r\n", Encoding.ASCII.GetString(reply));
        Assert.True(closed);
        Assert.Equal(1024 * 1024, c.Call("GET", "k").Bytes!.Length);
    }

    [Fact]
    public async Task MaxClientsRefusesTheThirdClient()
    {
        await using var server = await KvsServerFixture.StartAsync(c => c.MaxClients = 2);
        using var first = RespClient.Connect(server.Port);
        using var second = RespClient.Connect(server.Port);
        Assert.Equal("PONG", first.Call("PING").Text);
        Assert.Equal("PONG", second.Call("PING").Text);
        var (reply, closed) = await ExchangeAsync(server.Port, Latin1("PING\r\n"));
        Assert.Equal("-ERR max number of clients reached\r\n", Encoding.ASCII.GetString(reply));
        Assert.True(closed);
        // Once a client leaves there is room again (its slot is freed when the server notices).
        first.Dispose();
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            (reply, _) = await ExchangeAsync(server.Port, Latin1("PING\r\n"), quietMs: 200);
            if (Encoding.ASCII.GetString(reply) == "+PONG\r\n") break;
            Assert.True(DateTime.UtcNow < deadline, "no room after a client left: " + Show(reply));
            await Task.Delay(20);
        }
        Assert.Equal("PONG", second.Call("PING").Text);
    }

    [Fact]
    public async Task UnauthenticatedClientsGetTighterLimits()
    {
        await using var server = await KvsServerFixture.StartAsync(c => c.RequirePass = "secret");
        var (reply, closed) = await ExchangeAsync(server.Port, Latin1("*11\r\n"));
        Assert.Equal("-ERR Protocol error: unauthenticated multibulk length\r\n", Encoding.ASCII.GetString(reply));
        Assert.True(closed);
        (reply, closed) = await ExchangeAsync(server.Port, Latin1("*2\r\n$4\r\nECHO\r\n$16385\r\n"));
        Assert.Equal("-ERR Protocol error: unauthenticated bulk length\r\n", Encoding.ASCII.GetString(reply));
        Assert.True(closed);
        (reply, closed) = await ExchangeAsync(server.Port, Latin1("PING\r\n"));
        Assert.Equal("-NOAUTH Authentication required.\r\n", Encoding.ASCII.GetString(reply));
        Assert.False(closed);
    }

    // ------------------------------------------------------------------ inline commands

    [Fact]
    public async Task InlineCommandsAsTypedInTelnet()
    {
        var (reply, closed) = await ExchangeAsync(fixture.Port, Latin1(
            "PING\r\n" +
            "SET inline:a b\n" +
            "GET inline:a\r\n" +
            "\r\n" +
            "   \n" +
            "SET inline:b \"hello world\\r\\n\"\r\n" +
            "*2\r\n$3\r\nGET\r\n$8\r\ninline:b\r\n" +
            "ECHO 'single \\' quoted'\n" +
            "PING \"\"\r\n" +
            "QUIT\r\n" +
            "PING\r\n"));
        Assert.Equal(
            "+PONG\r\n+OK\r\n$1\r\nb\r\n+OK\r\n$13\r\nhello world\r\n\r\n$15\r\nsingle ' quoted\r\n$0\r\n\r\n+OK\r\n",
            Encoding.ASCII.GetString(reply));
        Assert.True(closed, "QUIT closes the connection; nothing after it runs");
    }

    [Fact]
    public async Task InlineCommandTypedOneKeystrokeAtATime()
    {
        using var tcp = new TcpClient("127.0.0.1", fixture.Port) { NoDelay = true };
        var stream = tcp.GetStream();
        stream.ReadTimeout = 5000;
        foreach (byte b in "SET typed \"x y\"\r\nGET typed\n"u8.ToArray())
        {
            stream.WriteByte(b);
            await stream.FlushAsync();
        }
        var expected = "+OK\r\n$3\r\nx y\r\n";
        var buffer = new byte[expected.Length];
        int got = 0;
        while (got < buffer.Length)
        {
            int n = stream.Read(buffer, got, buffer.Length - got);
            Assert.True(n > 0);
            got += n;
        }
        Assert.Equal(expected, Encoding.ASCII.GetString(buffer));
    }
}
