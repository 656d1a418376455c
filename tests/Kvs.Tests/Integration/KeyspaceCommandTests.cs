using System.Text;
using Kvs.Core.Storage;
using Kvs.Tests.Infrastructure;
using Xunit;

namespace Kvs.Tests.Integration;

/// <summary>
/// Keyspace commands over a real socket: deletion and existence counting, RENAME/COPY/MOVE
/// semantics (TTL, deep copy, databases), KEYS/SCAN (binary keys, glob, the SCAN guarantee under
/// table resizes), RANDOMKEY, OBJECT, FLUSH* and SWAPDB. Tests in a class run one after another,
/// so each starts from the state it needs.
/// </summary>
public sealed class KeyspaceCommandTests(KvsServerFixture fixture) : IClassFixture<KvsServerFixture>
{
    private KvsStore Store => fixture.Server.Server.Store;

    private static void SetMany(RespClient c, string prefix, int count, int start = 0)
    {
        var ms = new MemoryStream();
        for (int i = start; i < start + count; i++) ms.Write(RespClient.Encode("SET", prefix + i, "v" + i));
        c.SendRaw(ms.ToArray());
        for (int i = 0; i < count; i++) Assert.Equal("OK", c.Read().Text);
    }

    private static HashSet<string> Texts(RespValue array)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in array.Items!) set.Add(item.Text!);
        return set;
    }

    [Fact]
    public void DelAndUnlinkCountOnlyKeysThatExisted()
    {
        using var c = fixture.Connect();
        c.Call("FLUSHALL");
        c.Call("SET", "a", "1");
        c.Call("SET", "b", "2");
        c.Call("SET", "c", "3");
        Assert.Equal(2, c.Call("DEL", "a", "a", "b", "missing").Integer);
        Assert.Equal(1, c.Call("UNLINK", "c", "c").Integer);
        Assert.Equal(0, c.Call("DBSIZE").Integer);
        Assert.True(c.Call("GET", "a").IsNull);
    }

    [Fact]
    public void ExistsCountsEveryMentionAndTypeNamesTheValue()
    {
        using var c = fixture.Connect();
        c.Call("SET", "e", "1");
        Assert.Equal(3, c.Call("EXISTS", "e", "e", "nope", "e").Integer);
        Assert.Equal("string", c.Call("TYPE", "e").Text);
        Assert.Equal("none", c.Call("TYPE", "nope-" + Guid.NewGuid()).Text);
        Assert.Equal(2, c.Call("TOUCH", "e", "e", "nope").Integer);
    }

    [Fact]
    public void RenameMovesValueAndTtlAndOverwritesTheDestination()
    {
        using var c = fixture.Connect();
        c.Call("SET", "ren:src", "value", "EX", "100");
        c.Call("SET", "ren:dst", "old");
        Assert.Equal("OK", c.Call("RENAME", "ren:src", "ren:dst").Text);
        Assert.Equal("value", c.Call("GET", "ren:dst").Text);
        Assert.Equal(100, c.Call("TTL", "ren:dst").Integer);
        Assert.Equal(0, c.Call("EXISTS", "ren:src").Integer);

        Assert.Equal("ERR no such key", c.Call("RENAME", "ren:src", "ren:dst").Text);
        Assert.Equal("OK", c.Call("RENAME", "ren:dst", "ren:dst").Text);
        Assert.Equal(0, c.Call("RENAMENX", "ren:dst", "ren:dst").Integer);

        c.Call("SET", "ren:other", "x");
        Assert.Equal(0, c.Call("RENAMENX", "ren:dst", "ren:other").Integer);
        Assert.Equal("x", c.Call("GET", "ren:other").Text);
        Assert.Equal(1, c.Call("RENAMENX", "ren:dst", "ren:new").Integer);
        Assert.Equal("value", c.Call("GET", "ren:new").Text);
    }

    [Fact]
    public void RenameContinuesTheKeysVersion()
    {
        using var c = fixture.Connect();
        c.Call("DEL", "ver:a", "ver:b");
        c.Call("SET", "ver:a", "1");
        c.Call("SET", "ver:a", "2");
        c.Call("RENAME", "ver:a", "ver:b");
        lock (Store.SyncRoot)
        {
            var e = Store.Find(Store.GetDatabase(0), "ver:b"u8);
            Assert.NotNull(e);
            Assert.Equal(3, e!.Version);
            Assert.Equal("rename", e.LastOp);
        }
    }

    [Fact]
    public void CopyIsADeepCopyWithTheSourceTtl()
    {
        using var c = fixture.Connect();
        c.Call("DEL", "cp:src", "cp:dst");
        c.Call("SET", "cp:src", "abcdef", "EX", "100");
        Assert.Equal(1, c.Call("COPY", "cp:src", "cp:dst").Integer);
        Assert.Equal(100, c.Call("TTL", "cp:dst").Integer);
        // A same-length SET rewrites the value array in place: a shallow copy would change too.
        c.Call("SET", "cp:src", "XXXXXX");
        Assert.Equal("abcdef", c.Call("GET", "cp:dst").Text);
        Assert.Equal(0, c.Call("COPY", "cp:src", "cp:dst").Integer);
        Assert.Equal(1, c.Call("COPY", "cp:src", "cp:dst", "REPLACE").Integer);
        Assert.Equal("XXXXXX", c.Call("GET", "cp:dst").Text);
        Assert.Equal(-1, c.Call("TTL", "cp:dst").Integer);
        Assert.Equal("ERR source and destination objects are the same", c.Call("COPY", "cp:src", "cp:src").Text);
        Assert.Equal(0, c.Call("COPY", "cp:missing", "cp:dst").Integer);
    }

    [Fact]
    public void CopyAndMoveWorkAcrossDatabases()
    {
        using var c = fixture.Connect();
        using var other = fixture.Connect();
        c.Call("FLUSHALL");
        other.Call("SELECT", "4");
        c.Call("SET", "x", "1", "PX", "100000");
        Assert.Equal(1, c.Call("COPY", "x", "x", "DB", "4").Integer);
        Assert.Equal("1", other.Call("GET", "x").Text);
        Assert.True(other.Call("PTTL", "x").Integer > 99000);

        Assert.Equal(0, c.Call("MOVE", "x", "4").Integer);
        other.Call("DEL", "x");
        Assert.Equal(1, c.Call("MOVE", "x", "4").Integer);
        Assert.Equal(0, c.Call("EXISTS", "x").Integer);
        Assert.Equal("1", other.Call("GET", "x").Text);
        Assert.True(other.Call("PTTL", "x").Integer > 99000);
        Assert.Equal("ERR DB index is out of range", c.Call("MOVE", "x", "16").Text);
        Assert.Equal("ERR source and destination objects are the same", c.Call("MOVE", "x", "0").Text);
    }

    [Fact]
    public void KeysAndScanAreBinarySafe()
    {
        using var c = fixture.Connect();
        c.Call("FLUSHALL");
        var binary = new byte[] { (byte)'b', 0, 0xFF, (byte)'\r', (byte)'\n' };
        c.Call("SET", binary, "1");
        c.Call("SET", "plain", "1");
        var keys = c.Call("KEYS", new byte[] { (byte)'b', (byte)'*' });
        Assert.Single(keys.Items!);
        Assert.Equal(binary, keys[0].Bytes);
        var scan = c.Call("SCAN", "0", "MATCH", new byte[] { (byte)'b', 0, (byte)'?', (byte)'*' }, "COUNT", "100");
        Assert.Equal("0", scan[0].Text);
        Assert.Equal(binary, Assert.Single(scan[1].Items!).Bytes);
    }

    [Fact]
    public void ScanWithSmallCountReturnsEveryKeyAndEndsAtZero()
    {
        using var c = fixture.Connect();
        c.Call("FLUSHALL");
        SetMany(c, "s:", 1000);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string cursor = "0";
        int calls = 0;
        do
        {
            var reply = c.Call("SCAN", cursor, "COUNT", "7");
            cursor = reply[0].Text!;
            Assert.True(reply[1].Count <= 7 * 2 + 8, "COUNT bounds the work per call");
            seen.UnionWith(Texts(reply[1]));
            calls++;
        }
        while (cursor != "0" && calls < 10_000);
        Assert.Equal("0", cursor);
        Assert.Equal(1000, seen.Count);
        Assert.True(calls > 50, $"a small COUNT takes many calls ({calls})");

        var matched = c.Call("SCAN", "0", "MATCH", "s:99?", "COUNT", "100000");
        Assert.Equal(10, matched[1].Count);
        Assert.Equal("ERR invalid cursor", c.Call("SCAN", "abc").Text);
    }

    /// <summary>
    /// Redis's SCAN guarantee: a key present for the whole iteration is returned at least once,
    /// even when the table doubles and halves between two calls. The churn runs on a second
    /// connection between every SCAN call, and the test checks that resizes really happened.
    /// </summary>
    [Fact]
    public void ScanReturnsEveryStableKeyWhileTheTableGrowsAndShrinks()
    {
        using var scanner = fixture.Connect();
        using var churn = fixture.Connect();
        scanner.Call("SELECT", "7");
        churn.Call("SELECT", "7");
        scanner.Call("FLUSHDB");
        SetMany(scanner, "stable:", 200);
        var db = Store.GetDatabase(7);
        var bucketSizes = new HashSet<int>();
        int grows = 0, shrinks = 0;

        var seen = new HashSet<string>(StringComparer.Ordinal);
        string cursor = "0";
        int step = 0;
        do
        {
            var reply = scanner.Call("SCAN", cursor, "COUNT", "5");
            cursor = reply[0].Text!;
            seen.UnionWith(Texts(reply[1]));

            int before;
            lock (Store.SyncRoot) before = db.Keys.BucketCount;
            if (step % 2 == 0)
            {
                SetMany(churn, "churn:", 1000 * (1 + step / 2 % 3));
            }
            else
            {
                var del = new List<object> { "DEL" };
                for (int i = 0; i < 3000; i++) del.Add("churn:" + i);
                churn.Call(del.ToArray());
            }
            int after;
            lock (Store.SyncRoot) after = db.Keys.BucketCount;
            bucketSizes.Add(after);
            if (after > before) grows++;
            if (after < before) shrinks++;
            step++;
        }
        while (cursor != "0" && step < 5000);

        Assert.Equal("0", cursor);
        Assert.True(grows > 0 && shrinks > 0, $"the churn must resize the table mid-scan (grows {grows}, shrinks {shrinks})");
        for (int i = 0; i < 200; i++) Assert.Contains("stable:" + i, seen);
        Assert.DoesNotContain(seen, k => !k.StartsWith("stable:", StringComparison.Ordinal) && !k.StartsWith("churn:", StringComparison.Ordinal));
        scanner.Call("FLUSHDB");
    }

    /// <summary>The same guarantee with the churn running concurrently on its own thread.</summary>
    [Fact]
    public async Task ScanReturnsEveryStableKeyUnderConcurrentChurn()
    {
        using var scanner = fixture.Connect();
        scanner.Call("SELECT", "8");
        scanner.Call("FLUSHDB");
        SetMany(scanner, "stable:", 500);
        using var stop = new CancellationTokenSource();
        int rounds = 0;
        var churnTask = Task.Run(() =>
        {
            using var churn = fixture.Connect();
            churn.Call("SELECT", "8");
            var del = new List<object> { "DEL" };
            for (int i = 0; i < 2000; i++) del.Add("churn:" + i);
            var delCommand = del.ToArray();
            while (!stop.IsCancellationRequested)
            {
                SetMany(churn, "churn:", 2000);
                churn.Call(delCommand);
                Interlocked.Increment(ref rounds);
            }
        });

        // Wait for the churn to be running, then scan slowly enough that it interleaves.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (Volatile.Read(ref rounds) == 0 && DateTime.UtcNow < deadline) Thread.Sleep(5);
        int roundsAtStart = Volatile.Read(ref rounds);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string cursor = "0";
        int calls = 0;
        do
        {
            var reply = scanner.Call("SCAN", cursor, "COUNT", "3");
            cursor = reply[0].Text!;
            seen.UnionWith(Texts(reply[1]));
            if (++calls % 8 == 0) Thread.Sleep(1);
        }
        while (cursor != "0" && calls < 100_000);
        int roundsDuring = Volatile.Read(ref rounds) - roundsAtStart;
        stop.Cancel();
        await churnTask;

        Assert.Equal("0", cursor);
        Assert.True(roundsDuring > 0, "the churn ran while scanning");
        for (int i = 0; i < 500; i++) Assert.Contains("stable:" + i, seen);
        scanner.Call("FLUSHDB");
    }

    [Fact]
    public void RandomKeyReturnsLiveKeysOnlyAndNullWhenEmpty()
    {
        using var c = fixture.Connect();
        c.Call("SELECT", "9");
        c.Call("FLUSHDB");
        Assert.True(c.Call("RANDOMKEY").IsNull);
        for (int i = 0; i < 50; i++) c.Call("SET", "gone:" + i, "v", "PX", "1");
        c.Call("SET", "alive", "v");
        Thread.Sleep(20);
        for (int i = 0; i < 20; i++) Assert.Equal("alive", c.Call("RANDOMKEY").Text);
        c.Call("FLUSHDB");
    }

    [Fact]
    public void ObjectReportsRedisEncodingsAndRefcounts()
    {
        using var c = fixture.Connect();
        c.Call("SET", "o:int", "12345");
        c.Call("SET", "o:lead", "012");
        c.Call("SET", "o:emb", new string('x', 44));
        c.Call("SET", "o:raw", new string('x', 45));
        c.Call("SET", "o:shared", "42");
        Assert.Equal("int", c.Call("OBJECT", "ENCODING", "o:int").Text);
        Assert.Equal("embstr", c.Call("OBJECT", "ENCODING", "o:lead").Text);
        Assert.Equal("embstr", c.Call("OBJECT", "ENCODING", "o:emb").Text);
        Assert.Equal("raw", c.Call("OBJECT", "encoding", "o:raw").Text);
        Assert.Equal(2147483647, c.Call("OBJECT", "REFCOUNT", "o:shared").Integer);
        Assert.Equal(1, c.Call("OBJECT", "REFCOUNT", "o:int").Integer);
        // One-second resolution: a key written just now is 0 or 1 seconds idle.
        Assert.InRange(c.Call("OBJECT", "IDLETIME", "o:int").Integer, 0, 1);
        Assert.True(c.Call("OBJECT", "ENCODING", "o:missing").IsNull);
        Assert.StartsWith("ERR An LFU maxmemory policy is not selected", c.Call("OBJECT", "FREQ", "o:int").Text);
        Assert.Equal(15, c.Call("OBJECT", "HELP").Count);
    }

    /// <summary>
    /// Inspecting a key (TYPE, EXISTS, TTL, OBJECT) does not reset its idle time, reading it does
    /// (Redis's LOOKUP_NOTOUCH). Needs two seconds to pass, at OBJECT IDLETIME's resolution.
    /// </summary>
    [Fact]
    public void InspectingAKeyDoesNotResetItsIdleTime()
    {
        using var c = fixture.Connect();
        c.Call("SET", "idle:a", "v");
        c.Call("SET", "idle:b", "v");
        Thread.Sleep(2050);
        c.Call("TYPE", "idle:a");
        c.Call("EXISTS", "idle:a");
        c.Call("TTL", "idle:a");
        c.Call("OBJECT", "ENCODING", "idle:a");
        Assert.Equal(1, c.Call("TOUCH", "idle:b").Integer);
        Assert.True(c.Call("OBJECT", "IDLETIME", "idle:a").Integer >= 2);
        Assert.InRange(c.Call("OBJECT", "IDLETIME", "idle:b").Integer, 0, 1);
    }

    [Fact]
    public async Task ObjectFreqAndIdleTimeFollowTheMaxmemoryPolicy()
    {
        await using var server = await KvsServerFixture.StartAsync(cfg => cfg.MaxMemoryPolicy = "allkeys-lfu");
        using var c = RespClient.Connect(server.Port);
        c.Call("SET", "k", "v");
        Assert.Equal(5, c.Call("OBJECT", "FREQ", "k").Integer);
        Assert.StartsWith("ERR An LFU maxmemory policy is selected, idle time not tracked.", c.Call("OBJECT", "IDLETIME", "k").Text);
        Assert.True(c.Call("OBJECT", "FREQ", "missing").IsNull);
    }

    [Fact]
    public void FlushDbFlushAllAndSwapDbAffectTheRightDatabases()
    {
        using var a = fixture.Connect();
        using var b = fixture.Connect();
        a.Call("FLUSHALL");
        b.Call("SELECT", "1");
        a.Call("SET", "in0", "x");
        b.Call("SET", "in1", "y");

        Assert.Equal("OK", a.Call("SWAPDB", "0", "1").Text);
        // A client keeps its database number; it now sees the other contents.
        Assert.Equal("y", a.Call("GET", "in1").Text);
        Assert.Equal("x", b.Call("GET", "in0").Text);

        Assert.Equal("OK", b.Call("FLUSHDB", "ASYNC").Text);
        Assert.Equal(0, b.Call("DBSIZE").Integer);
        Assert.Equal(1, a.Call("DBSIZE").Integer);
        Assert.Equal("OK", a.Call("FLUSHALL", "SYNC").Text);
        Assert.Equal(0, a.Call("DBSIZE").Integer);
        Assert.Equal("ERR syntax error", a.Call("FLUSHALL", "LATER").Text);
        Assert.Equal("ERR invalid first DB index", a.Call("SWAPDB", "x", "1").Text);
    }

    [Fact]
    public void KeysSkipsExpiredKeysThatAreNotRemovedYet()
    {
        using var c = fixture.Connect();
        c.Call("SELECT", "10");
        c.Call("FLUSHDB");
        for (int i = 0; i < 100; i++) c.Call("SET", "short:" + i, "v", "PX", "1");
        c.Call("SET", "long", "v");
        Thread.Sleep(10);
        var keys = c.Call("KEYS", "*");
        Assert.Equal("long", Encoding.UTF8.GetString(Assert.Single(keys.Items!).Bytes!));
        c.Call("FLUSHDB");
    }
}
