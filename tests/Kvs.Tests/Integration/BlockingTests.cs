using System.Diagnostics;
using System.Text;
using Kvs.Resp.Blocking;
using Kvs.Tests.Infrastructure;
using Xunit;

namespace Kvs.Tests.Integration;

/// <summary>
/// Blocking pops with several concurrent clients over real sockets: first-come first-served
/// service, timeouts, BLMOVE/BLMPOP, CLIENT UNBLOCK, wrong-type writes that must not wake,
/// pipelined input held back while blocked, and disconnection while blocked. The test
/// synchronises on the server's own count of blocked clients, never on sleeps alone.
/// </summary>
public sealed class BlockingTests(KvsServerFixture fixture) : IClassFixture<KvsServerFixture>
{
    private BlockingManager Blocking => fixture.Server.Server.Blocking;

    private static string Key(string name) => $"b{Guid.NewGuid():N}:{name}";

    private static string Raw(byte[] reply) => Encoding.UTF8.GetString(reply);

    /// <summary>Waits until exactly <paramref name="count"/> clients are blocked on the server.</summary>
    private void WaitForBlocked(int count)
    {
        var deadline = Stopwatch.StartNew();
        while (Blocking.BlockedClients != count)
        {
            Assert.True(deadline.ElapsedMilliseconds < 5000, $"expected {count} blocked clients, have {Blocking.BlockedClients}");
            Thread.Sleep(2);
        }
    }

    private long BlockedClientId()
    {
        foreach (var session in fixture.Server.Server.Sessions)
            if (session.BlockedOn != null) return session.Id;
        throw new InvalidOperationException("no blocked client");
    }

    [Fact]
    public void ClientsAreServedFirstComeFirstServed()
    {
        var k = Key("fifo");
        var clients = new List<RespClient>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                var c = fixture.Connect();
                clients.Add(c);
                c.Send(i == 1 ? "BRPOP" : "BLPOP", k, "0");
                WaitForBlocked(i + 1);
            }
            using var pusher = fixture.Connect();
            // The push replies with the length it produced; the pops happen right after it.
            Assert.Equal(3, pusher.Call("RPUSH", k, "a", "b", "c").Integer);
            Assert.Equal(0, pusher.Call("EXISTS", k).Integer);
            // First waiter: BLPOP takes the head; second: BRPOP takes the tail; third: what remains.
            Assert.Equal($"*2\r\n${k.Length}\r\n{k}\r\n$1\r\na\r\n", Raw(clients[0].ReadRaw()));
            Assert.Equal($"*2\r\n${k.Length}\r\n{k}\r\n$1\r\nc\r\n", Raw(clients[1].ReadRaw()));
            Assert.Equal($"*2\r\n${k.Length}\r\n{k}\r\n$1\r\nb\r\n", Raw(clients[2].ReadRaw()));
            WaitForBlocked(0);

            // One element at a time: only the longest waiter is served each time.
            foreach (var c in clients) c.Send("BLPOP", k, "0");
            WaitForBlocked(3);
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(1, pusher.Call("LPUSH", k, "e" + i).Integer);
                Assert.Equal("e" + i, clients[i].Read()[1].Text);
                WaitForBlocked(2 - i);
            }
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }
    }

    [Fact]
    public async Task ManyConcurrentWaitersEachGetExactlyOneElement()
    {
        var k = Key("many");
        const int waiters = 16;
        var clients = new List<RespClient>();
        try
        {
            for (int i = 0; i < waiters; i++)
            {
                var c = fixture.Connect();
                clients.Add(c);
                c.Send("BLPOP", k, "5");
            }
            WaitForBlocked(waiters);
            // Four pushers race, each pushing four elements one by one.
            var pushers = new List<Task>();
            for (int p = 0; p < 4; p++)
            {
                int id = p;
                pushers.Add(Task.Run(() =>
                {
                    using var pusher = fixture.Connect();
                    for (int j = 0; j < 4; j++) pusher.Call("RPUSH", k, $"p{id}-{j}");
                }));
            }
            await Task.WhenAll(pushers);
            var received = new HashSet<string>();
            foreach (var c in clients) Assert.True(received.Add(c.Read()[1].Text!));
            Assert.Equal(waiters, received.Count);
            using var check = fixture.Connect();
            Assert.Equal(0, check.Call("EXISTS", k).Integer);
            WaitForBlocked(0);
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }
    }

    [Fact]
    public void FractionalTimeoutsElapseWithANullArray()
    {
        using var c = fixture.Connect();
        var k = Key("timeout");
        foreach (var command in new[]
        {
            new object[] { "BLPOP", k, "0.15" },
            new object[] { "BRPOPLPUSH", k, k + "dst", "0.15" },
            new object[] { "BLMOVE", k, k + "dst", "LEFT", "RIGHT", "0.15" },
            new object[] { "BLMPOP", "0.15", "1", k, "LEFT" },
        })
        {
            var watch = Stopwatch.StartNew();
            Assert.Equal("*-1\r\n", Raw(c.CallRaw(command)));
            Assert.InRange(watch.ElapsedMilliseconds, 140, 3000);
        }
        WaitForBlocked(0);
        // A timeout that ran out leaves the client usable and other waiters in place.
        using var patient = fixture.Connect();
        c.Send("BLPOP", k, "0.3");
        patient.Send("BLPOP", k, "0");
        WaitForBlocked(2);
        Assert.Equal("*-1\r\n", Raw(c.ReadRaw()));
        WaitForBlocked(1);
        Assert.Equal(1, c.Call("RPUSH", k, "late").Integer);
        Assert.Equal("late", patient.Read()[1].Text);
        Assert.Equal("PONG", c.Call("PING").Text);
    }

    [Fact]
    public void ZeroTimeoutWaitsUntilAnotherClientPushes()
    {
        using var waiter = fixture.Connect();
        using var pusher = fixture.Connect();
        var k1 = Key("k1");
        var k2 = Key("k2");
        waiter.Send("BLPOP", k1, k2, "0");
        WaitForBlocked(1);
        Thread.Sleep(300);
        Assert.Equal(1, Blocking.BlockedClients);
        Assert.Equal(1, pusher.Call("RPUSH", k2, "v").Integer);
        var reply = waiter.Read();
        Assert.Equal(k2, reply[0].Text);
        Assert.Equal("v", reply[1].Text);
        WaitForBlocked(0);
    }

    [Fact]
    public void BlmoveIsServedAndItsPushServesTheNextWaiter()
    {
        using var mover = fixture.Connect();
        using var popper = fixture.Connect();
        using var pusher = fixture.Connect();
        var src = Key("src");
        var dst = Key("dst");
        mover.Send("BLMOVE", src, dst, "LEFT", "RIGHT", "0");
        WaitForBlocked(1);
        popper.Send("BLPOP", dst, "0");
        WaitForBlocked(2);
        Assert.Equal(2, pusher.Call("RPUSH", src, "v1", "v2").Integer);
        Assert.Equal("v1", mover.Read().Text);
        var popped = popper.Read();
        Assert.Equal(dst, popped[0].Text);
        Assert.Equal("v1", popped[1].Text);
        Assert.Equal(0, pusher.Call("EXISTS", dst).Integer);
        Assert.Equal("v2", pusher.Call("LINDEX", src, "0").Text);
        WaitForBlocked(0);

        // BRPOPLPUSH onto a destination of the wrong type: the client gets WRONGTYPE, nothing moves.
        var str = Key("str");
        pusher.Call("SET", str, "x");
        var empty = Key("empty");
        mover.Send("BRPOPLPUSH", empty, str, "0");
        WaitForBlocked(1);
        pusher.Call("RPUSH", empty, "kept");
        Assert.Equal("WRONGTYPE Operation against a key holding the wrong kind of value", mover.Read().Text);
        Assert.Equal("kept", pusher.Call("LINDEX", empty, "0").Text);
        WaitForBlocked(0);
    }

    [Fact]
    public void BlmpopPopsUpToCountFromTheKeyThatReceivedData()
    {
        using var waiter = fixture.Connect();
        using var pusher = fixture.Connect();
        var k1 = Key("m1");
        var k2 = Key("m2");
        waiter.Send("BLMPOP", "0", "2", k1, k2, "RIGHT", "COUNT", "2");
        WaitForBlocked(1);
        Assert.Equal(3, pusher.Call("RPUSH", k2, "a", "b", "c").Integer);
        var reply = waiter.Read();
        Assert.Equal(k2, reply[0].Text);
        Assert.Equal(2, reply[1].Count);
        Assert.Equal("c", reply[1][0].Text);
        Assert.Equal("b", reply[1][1].Text);
        Assert.Equal("a", pusher.Call("LINDEX", k2, "0").Text);
        WaitForBlocked(0);
    }

    [Fact]
    public void ClientUnblockRepliesAsTimeoutOrError()
    {
        using var waiter = fixture.Connect();
        using var admin = fixture.Connect();
        var k = Key("unblock");
        waiter.Send("BLPOP", k, "0");
        WaitForBlocked(1);
        long id = BlockedClientId();
        Assert.Equal(1, admin.Call("CLIENT", "UNBLOCK", id.ToString()).Integer);
        Assert.Equal("*-1\r\n", Raw(waiter.ReadRaw()));
        WaitForBlocked(0);
        Assert.Equal(0, admin.Call("CLIENT", "UNBLOCK", id.ToString()).Integer);

        waiter.Send("BLMOVE", k, k + "d", "LEFT", "LEFT", "0");
        WaitForBlocked(1);
        Assert.Equal(1, admin.Call("CLIENT", "UNBLOCK", id.ToString(), "TIMEOUT").Integer);
        Assert.Equal("*-1\r\n", Raw(waiter.ReadRaw()));

        waiter.Send("BLMPOP", "0", "1", k, "LEFT");
        WaitForBlocked(1);
        Assert.Equal(1, admin.Call("CLIENT", "UNBLOCK", id.ToString(), "error").Integer);
        Assert.Equal("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n", Raw(waiter.ReadRaw()));
        WaitForBlocked(0);
        // The unblocked client is served normally afterwards, and a later push finds nobody waiting.
        Assert.Equal("PONG", waiter.Call("PING").Text);
        Assert.Equal(1, admin.Call("RPUSH", k, "v").Integer);
        Assert.Equal(1, admin.Call("LLEN", k).Integer);
        Assert.Equal(0, admin.Call("CLIENT", "UNBLOCK", "0").Integer);
    }

    [Fact]
    public void WritesThatDoNotLeaveAListDoNotWake()
    {
        using var waiter = fixture.Connect();
        using var writer = fixture.Connect();
        var k = Key("wrongtype");
        waiter.Send("BLPOP", k, "0");
        WaitForBlocked(1);
        Assert.Equal("OK", writer.Call("SET", k, "string").Text);
        Assert.Equal(1, writer.Call("RPUSH", k + "other", "x").Integer);
        Assert.Equal("OK", writer.Call("SELECT", "1").Text);
        Assert.Equal(1, writer.Call("RPUSH", k, "other-db").Integer);
        Assert.Equal("OK", writer.Call("SELECT", "0").Text);
        Thread.Sleep(100);
        Assert.Equal(1, Blocking.BlockedClients);
        Assert.Equal("string", writer.Call("GET", k).Text);
        // Replaced by a list (here via RENAME): now it serves.
        Assert.Equal("OK", writer.Call("RENAME", k + "other", k).Text);
        var reply = waiter.Read();
        Assert.Equal(k, reply[0].Text);
        Assert.Equal("x", reply[1].Text);
        Assert.Equal(0, writer.Call("EXISTS", k).Integer);
        WaitForBlocked(0);
    }

    [Fact]
    public void TheServedPopRunsInTheBlockedClientsDatabaseAsOneChange()
    {
        using var waiter = fixture.Connect();
        using var pusher = fixture.Connect();
        var k = Key("db");
        Assert.Equal("OK", waiter.Call("SELECT", "3").Text);
        waiter.Send("BLPOP", k, "0");
        WaitForBlocked(1);
        Assert.Equal("OK", pusher.Call("SELECT", "3").Text);
        Assert.Equal(2, pusher.Call("RPUSH", k, "a", "b").Integer);
        Assert.Equal("a", waiter.Read()[1].Text);
        var meta = pusher.Call("KVS.META", k);
        var fields = new Dictionary<string, RespValue>();
        for (int i = 0; i + 1 < meta.Count; i += 2) fields[meta[i].Text!] = meta[i + 1];
        Assert.Equal(2, fields["version"].Integer);
        var newest = pusher.Call("KVS.HISTORY", k, "COUNT", "1")[0];
        var entry = new Dictionary<string, RespValue>();
        for (int i = 0; i + 1 < newest.Count; i += 2) entry[newest[i].Text!] = newest[i + 1];
        Assert.Equal("blpop", entry["op"].Text);
        Assert.Equal(1, pusher.Call("LLEN", k).Integer);
        WaitForBlocked(0);
    }

    [Fact]
    public void PipelinedCommandsAfterABlockRunOnlyAfterItIsServed()
    {
        using var waiter = fixture.Connect();
        using var other = fixture.Connect();
        var k = Key("pipe");
        var after = Key("after");
        var batch = new MemoryStream();
        batch.Write(RespClient.Encode("SET", after, "before"));
        batch.Write(RespClient.Encode("BLPOP", k, "0"));
        batch.Write(RespClient.Encode("SET", after, "1"));
        batch.Write(RespClient.Encode("GET", after));
        waiter.SendRaw(batch.ToArray());
        WaitForBlocked(1);
        // The command before the block ran and was answered; the ones after wait.
        Assert.Equal("OK", waiter.Read().Text);
        Thread.Sleep(50);
        Assert.Equal("before", other.Call("GET", after).Text);
        Assert.Equal(1, other.Call("RPUSH", k, "v").Integer);
        Assert.Equal("v", waiter.Read()[1].Text);
        Assert.Equal("OK", waiter.Read().Text);
        Assert.Equal("1", waiter.Read().Text);
        WaitForBlocked(0);
    }

    [Fact]
    public void InputGatheredAcrossSegmentsResumesAfterTheBlock()
    {
        using var waiter = fixture.Connect();
        using var other = fixture.Connect();
        var k = Key("accum");
        var counter = Key("counter");
        // A command larger than a pipe segment makes the session gather the rest of the batch in
        // its own buffer; a second block inside the same buffer resumes from there too.
        var big = new string('x', 20000);
        var batch = new MemoryStream();
        batch.Write(RespClient.Encode("SET", k + "big", big));
        batch.Write(RespClient.Encode("BLPOP", k, "0"));
        batch.Write(RespClient.Encode("RPUSH", counter, "x"));
        batch.Write(RespClient.Encode("BRPOP", k, "0"));
        batch.Write(RespClient.Encode("RPUSH", counter, "x"));
        waiter.SendRaw(batch.ToArray());
        WaitForBlocked(1);
        Assert.Equal("OK", waiter.Read().Text);
        Assert.Equal(0, other.Call("LLEN", counter).Integer);
        other.Call("RPUSH", k, "first");
        Assert.Equal("first", waiter.Read()[1].Text);
        Assert.Equal(1, waiter.Read().Integer);
        WaitForBlocked(1);
        Assert.Equal(1, other.Call("LLEN", counter).Integer);
        other.Call("RPUSH", k, "second");
        Assert.Equal("second", waiter.Read()[1].Text);
        Assert.Equal(2, waiter.Read().Integer);
        Assert.Equal(big, other.Call("GET", k + "big").Text);
        WaitForBlocked(0);
    }

    [Fact]
    public void ADisconnectedBlockedClientIsRemoved()
    {
        using var pusher = fixture.Connect();
        var k = Key("gone");
        var waiter = fixture.Connect();
        waiter.Send("BLPOP", k, "0");
        WaitForBlocked(1);
        waiter.Dispose();
        WaitForBlocked(0);
        Assert.Equal(1, pusher.Call("RPUSH", k, "kept").Integer);
        Assert.Equal(1, pusher.Call("LLEN", k).Integer);

        // Also when the client half-closes right after the blocking command.
        var k2 = Key("halfclosed");
        using var tcp = new System.Net.Sockets.TcpClient("127.0.0.1", fixture.Port);
        var stream = tcp.GetStream();
        stream.Write(RespClient.Encode("BLPOP", k2, "0"));
        WaitForBlocked(1);
        tcp.Client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        WaitForBlocked(0);
        Assert.Equal(1, pusher.Call("RPUSH", k2, "kept").Integer);
        Assert.Equal(1, pusher.Call("LLEN", k2).Integer);
    }

    [Fact]
    public void DuplicateKeysBlockOnceAndAreServedOnce()
    {
        using var waiter = fixture.Connect();
        using var pusher = fixture.Connect();
        var k = Key("dup");
        waiter.Send("BLPOP", k, k, k, "0");
        WaitForBlocked(1);
        Assert.Equal(1, Blocking.BlockedKeys);
        Assert.Equal(3, pusher.Call("RPUSH", k, "a", "b", "c").Integer);
        Assert.Equal("a", waiter.Read()[1].Text);
        Assert.Equal(2, pusher.Call("LLEN", k).Integer);
        WaitForBlocked(0);
    }
}
