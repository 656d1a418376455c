using System.Text;
using Kvs.Core.Storage;
using Kvs.Tests.Infrastructure;
using Xunit;

namespace Kvs.Tests.Integration;

/// <summary>
/// The string family over a real socket. Replies are compared with what Redis 7.0 sends (the
/// differential script 10-strings.redis covers the long tail); these tests add what a script
/// cannot see: expiry times, versions, encoding flags and the store's value arrays, read from
/// the store under its lock after the reply arrived.
/// </summary>
public sealed class StringCommandTests(KvsServerFixture fixture) : IClassFixture<KvsServerFixture>
{
    private static string NewKey(string name) => $"{name}:{Guid.NewGuid():N}";

    private sealed record EntrySnapshot(long Version, long ExpiresAt, EntryFlags Flags, byte[] Value);

    private static EntrySnapshot? Snapshot(Kvs.Host.RunningServer server, string key)
    {
        var store = server.Server.Store;
        lock (store.SyncRoot)
        {
            var e = store.Find(store.GetDatabase(0), Encoding.UTF8.GetBytes(key));
            return e == null ? null : new EntrySnapshot(e.Version, e.ExpiresAt, e.Flags, (byte[])e.Value);
        }
    }

    private EntrySnapshot? Snapshot(string key) => Snapshot(fixture.Server, key);

    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static void AssertError(string expected, RespValue reply)
    {
        Assert.True(reply.IsError, $"expected error '{expected}', got {reply}");
        Assert.Equal(expected, reply.Text);
    }

    [Fact]
    public void SetThenGetRoundTripsBinaryValues()
    {
        using var c = fixture.Connect();
        var value = new byte[] { 0, 1, 2, 13, 10, 255 };
        Assert.Equal("OK", c.Call("SET", new byte[] { 0, 255, 10 }, value).Text);
        Assert.Equal(value, c.Call("GET", new byte[] { 0, 255, 10 }).Bytes);
    }

    [Fact]
    public void GetOfMissingKeyIsNull()
    {
        using var c = fixture.Connect();
        Assert.Equal("$-1\r\n", Encoding.ASCII.GetString(c.CallRaw("GET", "no-such-key-" + Guid.NewGuid())));
    }

    [Fact]
    public void SetAcceptsARepeatedExpireOptionAndTheLastValueWins()
    {
        using var c = fixture.Connect();
        string k = NewKey("set-ex-ex");
        long before = NowMs;
        Assert.Equal("OK", c.Call("SET", k, "v", "EX", "100", "EX", "200").Text);
        long expiresAt = Snapshot(k)!.ExpiresAt;
        Assert.InRange(expiresAt, before + 199_000, NowMs + 200_000);
        AssertError("ERR syntax error", c.Call("SET", k, "v", "EX", "100", "PX", "100"));
        AssertError("ERR syntax error", c.Call("SET", k, "v", "KEEPTTL", "EX", "100"));
        AssertError("ERR syntax error", c.Call("SET", k, "v", "PERSIST"));
        AssertError("ERR invalid expire time in 'set' command", c.Call("SET", k, "v", "EX", "9223372036854775807"));
        Assert.Equal(expiresAt, Snapshot(k)!.ExpiresAt);
        Assert.Equal("v", c.Call("SET", k, "w", "KEEPTTL", "GET").Text);
        Assert.Equal(expiresAt, Snapshot(k)!.ExpiresAt);
        Assert.Equal("OK", c.Call("SET", k, "x").Text);
        Assert.Equal(0, Snapshot(k)!.ExpiresAt);
    }

    [Fact]
    public void SetNxOnlyCreatesAbsentKeys()
    {
        using var c = fixture.Connect();
        string k = NewKey("setnx");
        Assert.Equal(1, c.Call("SETNX", k, "first").Integer);
        Assert.Equal(0, c.Call("SETNX", k, "second").Integer);
        Assert.Equal("first", c.Call("GET", k).Text);
        Assert.Equal(1, Snapshot(k)!.Version);
    }

    [Fact]
    public void SetExAndPSetExSetARelativeExpiry()
    {
        using var c = fixture.Connect();
        string k = NewKey("setex");
        long before = NowMs;
        Assert.Equal("OK", c.Call("SETEX", k, "100", "v").Text);
        Assert.InRange(Snapshot(k)!.ExpiresAt, before + 99_000, NowMs + 100_000);
        before = NowMs;
        Assert.Equal("OK", c.Call("PSETEX", k, "5000", "w").Text);
        Assert.InRange(Snapshot(k)!.ExpiresAt, before + 4_000, NowMs + 5_000);
        Assert.Equal("w", c.Call("GET", k).Text);
        AssertError("ERR invalid expire time in 'setex' command", c.Call("SETEX", k, "0", "v"));
        AssertError("ERR invalid expire time in 'psetex' command", c.Call("PSETEX", k, "-1", "v"));
        AssertError("ERR value is not an integer or out of range", c.Call("SETEX", k, "1.5", "v"));
        Assert.Equal("w", c.Call("GET", k).Text);

        Assert.Equal("OK", c.Call("PSETEX", k, "50", "gone").Text);
        Thread.Sleep(120);
        Assert.True(c.Call("GET", k).IsNull);
    }

    [Fact]
    public void GetSetReturnsTheOldValueAndDropsTheTtl()
    {
        using var c = fixture.Connect();
        string k = NewKey("getset");
        Assert.True(c.Call("GETSET", k, "one").IsNull);
        Assert.Equal("OK", c.Call("SETEX", k, "100", "two").Text);
        Assert.Equal("two", c.Call("GETSET", k, "three").Text);
        var e = Snapshot(k)!;
        Assert.Equal(0, e.ExpiresAt);
        Assert.Equal(3, e.Version);
        Assert.Equal("three", c.Call("GET", k).Text);
    }

    [Fact]
    public void GetDelReturnsTheValueAndDeletesTheKey()
    {
        using var c = fixture.Connect();
        string k = NewKey("getdel");
        c.Call("SET", k, "v");
        Assert.Equal("v", c.Call("GETDEL", k).Text);
        Assert.Null(Snapshot(k));
        Assert.True(c.Call("GETDEL", k).IsNull);
        // Created again after a delete, the key starts over at version 1.
        c.Call("SET", k, "again");
        Assert.Equal(1, Snapshot(k)!.Version);
    }

    [Fact]
    public void GetExChangesTheExpiryOnlyWhenAskedTo()
    {
        using var c = fixture.Connect();
        string k = NewKey("getex");
        c.Call("SET", k, "v");
        Assert.Equal("v", c.Call("GETEX", k).Text);
        Assert.Equal("v", c.Call("GETEX", k, "PERSIST").Text);
        Assert.Equal(1, Snapshot(k)!.Version);

        long before = NowMs;
        Assert.Equal("v", c.Call("GETEX", k, "EX", "100").Text);
        var e = Snapshot(k)!;
        Assert.InRange(e.ExpiresAt, before + 99_000, NowMs + 100_000);
        Assert.Equal(2, e.Version);

        Assert.Equal("v", c.Call("GETEX", k, "PXAT", "99999999999999").Text);
        Assert.Equal(99999999999999, Snapshot(k)!.ExpiresAt);

        Assert.Equal("v", c.Call("GETEX", k, "PERSIST").Text);
        e = Snapshot(k)!;
        Assert.Equal(0, e.ExpiresAt);
        Assert.Equal(4, e.Version);

        AssertError("ERR syntax error", c.Call("GETEX", k, "EX", "100", "PERSIST"));
        AssertError("ERR syntax error", c.Call("GETEX", k, "KEEPTTL"));
        AssertError("ERR invalid expire time in 'getex' command", c.Call("GETEX", k, "EX", "0"));
        AssertError("ERR value is not an integer or out of range", c.Call("GETEX", k, "PX", "soon"));
        // The expire value is checked only once the key is found.
        Assert.True(c.Call("GETEX", NewKey("missing"), "EX", "soon").IsNull);
        Assert.Equal(4, Snapshot(k)!.Version);

        // An absolute time in the past returns the value and deletes the key.
        Assert.Equal("v", c.Call("GETEX", k, "EXAT", "1").Text);
        Assert.Null(Snapshot(k));
    }

    [Fact]
    public void MSetMGetAndMSetNx()
    {
        using var c = fixture.Connect();
        string a = NewKey("m-a"), b = NewKey("m-b"), missing = NewKey("m-missing");
        Assert.Equal("OK", c.Call("MSET", a, "1", b, "2").Text);
        var values = c.Call("MGET", a, missing, b);
        Assert.Equal(3, values.Count);
        Assert.Equal("1", values[0].Text);
        Assert.True(values[1].IsNull);
        Assert.Equal("2", values[2].Text);

        AssertError("ERR wrong number of arguments for 'mset' command", c.Call("MSET", a, "1", b));
        AssertError("ERR wrong number of arguments for 'msetnx' command", c.Call("MSETNX", a, "1", b));

        Assert.Equal(0, c.Call("MSETNX", missing, "x", a, "y").Integer);
        Assert.Null(Snapshot(missing));
        Assert.Equal("1", c.Call("GET", a).Text);

        string n1 = NewKey("m-n1"), n2 = NewKey("m-n2");
        Assert.Equal(1, c.Call("MSETNX", n1, "x", n2, "y").Integer);
        Assert.Equal("x", c.Call("GET", n1).Text);
        Assert.Equal("y", c.Call("GET", n2).Text);

        // MSET drops TTLs, and a key named twice is changed twice.
        c.Call("SETEX", a, "100", "old");
        Assert.Equal("OK", c.Call("MSET", a, "first", a, "second").Text);
        var e = Snapshot(a)!;
        Assert.Equal("second", Encoding.UTF8.GetString(e.Value));
        Assert.Equal(0, e.ExpiresAt);
        Assert.Equal(4, e.Version);
    }

    [Fact]
    public void AppendCreatesGrowsAndMarksTheStringRaw()
    {
        using var c = fixture.Connect();
        string k = NewKey("append");
        Assert.Equal(5, c.Call("APPEND", k, "hello").Integer);
        Assert.Equal(EntryFlags.None, Snapshot(k)!.Flags);
        Assert.Equal(11, c.Call("APPEND", k, " world").Integer);
        var e = Snapshot(k)!;
        Assert.Equal("hello world", Encoding.UTF8.GetString(e.Value));
        Assert.Equal(EntryFlags.RawString, e.Flags);
        Assert.Equal(2, e.Version);
        Assert.Equal(11, c.Call("STRLEN", k).Integer);
        Assert.Equal(0, c.Call("STRLEN", NewKey("none")).Integer);

        // A plain SET makes it an ordinary string again.
        c.Call("SET", k, "x");
        Assert.Equal(EntryFlags.None, Snapshot(k)!.Flags);

        // APPEND keeps the TTL.
        c.Call("SETEX", k, "100", "x");
        long expiresAt = Snapshot(k)!.ExpiresAt;
        c.Call("APPEND", k, new byte[] { 0, 255 });
        Assert.Equal(expiresAt, Snapshot(k)!.ExpiresAt);
        Assert.Equal(new byte[] { (byte)'x', 0, 255 }, c.Call("GET", k).Bytes);
    }

    [Fact]
    public void SetRangeZeroPadsAndOnlyChangesWhenGivenBytes()
    {
        using var c = fixture.Connect();
        string k = NewKey("setrange");
        Assert.Equal(0, c.Call("SETRANGE", k, "10", "").Integer);
        Assert.Null(Snapshot(k));
        Assert.Equal(6, c.Call("SETRANGE", k, "3", "abc").Integer);
        var e = Snapshot(k)!;
        Assert.Equal(new byte[] { 0, 0, 0, (byte)'a', (byte)'b', (byte)'c' }, e.Value);
        Assert.Equal(EntryFlags.RawString, e.Flags);

        Assert.Equal(6, c.Call("SETRANGE", k, "0", "").Integer);
        Assert.Equal(1, Snapshot(k)!.Version);
        Assert.Equal(6, c.Call("SETRANGE", k, "1", "XY").Integer);
        Assert.Equal(8, c.Call("SETRANGE", k, "6", "de").Integer);
        Assert.Equal(new byte[] { 0, (byte)'X', (byte)'Y', (byte)'a', (byte)'b', (byte)'c', (byte)'d', (byte)'e' }, c.Call("GET", k).Bytes);
        Assert.Equal(3, Snapshot(k)!.Version);

        AssertError("ERR offset is out of range", c.Call("SETRANGE", k, "-1", "x"));
        AssertError("ERR value is not an integer or out of range", c.Call("SETRANGE", k, "one", "x"));
        AssertError("ERR string exceeds maximum allowed size (proto-max-bulk-len)", c.Call("SETRANGE", k, "536870911", "ab"));
        AssertError("ERR string exceeds maximum allowed size (proto-max-bulk-len)", c.Call("SETRANGE", k, "9223372036854775807", "x"));
        Assert.Equal(3, Snapshot(k)!.Version);
    }

    [Fact]
    public async Task StringsCannotGrowBeyondProtoMaxBulkLen()
    {
        await using var server = await KvsServerFixture.StartAsync(cfg => cfg.ProtoMaxBulkLen = 1024 * 1024);
        using var c = RespClient.Connect(server.Port);
        const string error = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
        AssertError(error, c.Call("SETRANGE", "big", "1048576", "x"));
        Assert.Null(Snapshot(server, "big"));
        Assert.Equal(1048576, c.Call("SETRANGE", "big", "1048575", "x").Integer);
        AssertError(error, c.Call("APPEND", "big", "y"));
        Assert.Equal(1048576, c.Call("STRLEN", "big").Integer);
        Assert.Equal(1048576, c.Call("APPEND", "big", "").Integer);
    }

    [Fact]
    public void GetRangeAndSubstrFollowRedisIndexRules()
    {
        using var c = fixture.Connect();
        string k = NewKey("getrange");
        c.Call("SET", k, "Hello World");
        Assert.Equal("Hello", c.Call("GETRANGE", k, "0", "4").Text);
        Assert.Equal("World", c.Call("GETRANGE", k, "-5", "-1").Text);
        Assert.Equal("Hello World", c.Call("GETRANGE", k, "0", "100").Text);
        // Redis 7.0 clamps a too-negative end to 0, so this is the first byte, not empty.
        Assert.Equal("H", c.Call("GETRANGE", k, "0", "-100").Text);
        Assert.Equal("", c.Call("GETRANGE", k, "-1", "-2").Text);
        Assert.Equal("", c.Call("GETRANGE", k, "5", "3").Text);
        Assert.Equal("", c.Call("GETRANGE", NewKey("none"), "0", "-1").Text);
        Assert.Equal("ell", c.Call("SUBSTR", k, "1", "3").Text);
        AssertError("ERR value is not an integer or out of range", c.Call("GETRANGE", k, "a", "1"));
    }

    [Fact]
    public void IncrementsCheckTheValueAndOverflow()
    {
        using var c = fixture.Connect();
        string k = NewKey("incr");
        Assert.Equal(1, c.Call("INCR", k).Integer);
        Assert.Equal(11, c.Call("INCRBY", k, "10").Integer);
        Assert.Equal(10, c.Call("DECR", k).Integer);
        Assert.Equal(-5, c.Call("DECRBY", k, "15").Integer);
        Assert.Equal("-5", c.Call("GET", k).Text);
        Assert.Equal(4, Snapshot(k)!.Version);

        c.Call("SET", k, "9223372036854775807");
        AssertError("ERR increment or decrement would overflow", c.Call("INCR", k));
        AssertError("ERR increment or decrement would overflow", c.Call("DECRBY", k, "-1"));
        Assert.Equal(9223372036854775806, c.Call("DECR", k).Integer);
        AssertError("ERR decrement would overflow", c.Call("DECRBY", k, "-9223372036854775808"));
        c.Call("SET", k, "-9223372036854775808");
        AssertError("ERR increment or decrement would overflow", c.Call("DECR", k));

        foreach (var bad in new[] { " 1", "1 ", "+1", "01", "-0", "", "1.0", "abc", "99999999999999999999" })
        {
            c.Call("SET", k, bad);
            AssertError("ERR value is not an integer or out of range", c.Call("INCR", k));
            Assert.Equal(bad, c.Call("GET", k).Text);
        }
        AssertError("ERR value is not an integer or out of range", c.Call("INCRBY", k, "1.5"));
    }

    [Fact]
    public void IncrKeepsTheTtlAndMakesAPlainString()
    {
        using var c = fixture.Connect();
        string k = NewKey("incr-ttl");
        c.Call("SETEX", k, "100", "1");
        c.Call("APPEND", k, "0");
        var before = Snapshot(k)!;
        Assert.Equal(EntryFlags.RawString, before.Flags);
        Assert.Equal(11, c.Call("INCR", k).Integer);
        var after = Snapshot(k)!;
        Assert.Equal(before.ExpiresAt, after.ExpiresAt);
        Assert.Equal(EntryFlags.None, after.Flags);
        Assert.Equal(before.Version + 1, after.Version);
    }

    [Fact]
    public void IncrRecyclesValueArraysOnceTheHistoryIsFull()
    {
        // The history keeps each old small value by reference (hashed when read), so INCR writes
        // into a fresh array until the history ring is full, then into the arrays it evicts:
        // a steady stream of same-width INCRs cycles through a bounded set of arrays.
        using var c = fixture.Connect();
        string k = NewKey("incr-recycle");
        c.Call("SET", k, "10");
        for (int i = 0; i < 30; i++) c.Call("INCR", k);
        var seen = new HashSet<byte[]>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < 40; i++)
        {
            c.Call("INCR", k);
            seen.Add(Snapshot(k)!.Value);
        }
        Assert.Equal("80", c.Call("GET", k).Text);
        Assert.InRange(seen.Count, 1, 17);
        c.Call("INCRBY", k, "100");
        Assert.Equal("180", Encoding.ASCII.GetString(Snapshot(k)!.Value));
        // Old versions' hashes are still those of their values.
        var history = c.Call("KVS.HISTORY", k, "COUNT", "2");
        Assert.Equal("sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("80"u8)), history[1][11].Text);
    }

    [Fact]
    public async Task InPlaceEditsCopyWhenOldValuesAreRetained()
    {
        await using var server = await KvsServerFixture.StartAsync(cfg => cfg.KvsHistoryValues = 4);
        using var c = RespClient.Connect(server.Port);
        c.Call("SET", "counter", "10");
        var first = Snapshot(server, "counter")!.Value;
        Assert.Equal(11, c.Call("INCR", "counter").Integer);
        Assert.NotSame(first, Snapshot(server, "counter")!.Value);
        Assert.Equal("10", Encoding.ASCII.GetString(first));

        c.Call("SET", "text", "abcdef");
        var original = Snapshot(server, "text")!.Value;
        Assert.Equal(6, c.Call("SETRANGE", "text", "0", "XY").Integer);
        Assert.Equal("abcdef", Encoding.ASCII.GetString(original));
        Assert.Equal("XYcdef", c.Call("GET", "text").Text);
    }

    [Theory]
    [InlineData("10.5", "0.1", "10.6")]
    [InlineData(null, "3.0e3", "3000")]
    [InlineData(null, "0x10", "16")]
    [InlineData("0.1", "0.2", "0.3")]
    [InlineData("1", "-1.5", "-0.5")]
    [InlineData(null, "0.000000000000000001", "0")]
    [InlineData(null, "-0.000000000000000001", "0")]
    [InlineData("5", "1e-17", "5.00000000000000001")]
    [InlineData(null, "3.14159265358979323846", "3.14159265358979324")]
    [InlineData(null, "123456789012345678901234567890", "123456789012345678899921813504")]
    [InlineData(null, "1e300", "1000000000000000000008997324079559193870523944273290747938260082321265646596180935755849152083750497190350372508614274835903592556184672983913096260520748646287327135641843653294084255107606016789726652932370030551382947620994540294772781889620606179267611627097410650567187386105690089424915104006144")]
    public void IncrByFloatMatchesRedisExtendedPrecision(string? initial, string increment, string expected)
    {
        using var c = fixture.Connect();
        string k = NewKey("float");
        if (initial != null) c.Call("SET", k, initial);
        Assert.Equal(expected, c.Call("INCRBYFLOAT", k, increment).Text);
        Assert.Equal(expected, c.Call("GET", k).Text);
    }

    [Fact]
    public void IncrByFloatRejectsBadInputAndKeepsTheTtl()
    {
        using var c = fixture.Connect();
        string k = NewKey("float-errors");
        foreach (var bad in new[] { "abc", " 1", "1 ", "", "nan", "1e5000", "1e-5000", "1\0", "0x" })
            AssertError("ERR value is not a valid float", c.Call("INCRBYFLOAT", k, bad));
        Assert.Null(Snapshot(k));
        AssertError("ERR increment would produce NaN or Infinity", c.Call("INCRBYFLOAT", k, "inf"));
        c.Call("SET", k, "1.7976931348623157e308");
        Assert.StartsWith("35953862697246313999184209354820886809677289388865835697", c.Call("INCRBYFLOAT", k, "1.7976931348623157e308").Text);
        c.Call("SET", k, "not a number");
        AssertError("ERR value is not a valid float", c.Call("INCRBYFLOAT", k, "1"));

        c.Call("SETEX", k, "100", "1.5");
        long expiresAt = Snapshot(k)!.ExpiresAt;
        Assert.Equal("2", c.Call("INCRBYFLOAT", k, "0.5").Text);
        Assert.Equal(expiresAt, Snapshot(k)!.ExpiresAt);
    }

    [Fact]
    public void LcsRepliesInAllShapesUnderResp2()
    {
        using var c = fixture.Connect();
        string a = NewKey("lcs-a"), b = NewKey("lcs-b");
        c.Call("MSET", a, "ohmytext", b, "mynewtext");
        Assert.Equal("mytext", c.Call("LCS", a, b).Text);
        Assert.Equal(6, c.Call("LCS", a, b, "LEN").Integer);
        Assert.Equal(
            "*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n",
            Encoding.ASCII.GetString(c.CallRaw("LCS", a, b, "IDX", "WITHMATCHLEN")));
        Assert.Equal(
            "*4\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n",
            Encoding.ASCII.GetString(c.CallRaw("LCS", a, b, "IDX", "MINMATCHLEN", "4")));
        Assert.Equal("", c.Call("LCS", a, NewKey("none")).Text);
        AssertError("ERR If you want both the length and indexes, please just use IDX.", c.Call("LCS", a, b, "LEN", "IDX"));
        AssertError("ERR syntax error", c.Call("LCS", a, b, "MINMATCHLEN"));
        AssertError("ERR value is not an integer or out of range", c.Call("LCS", a, b, "MINMATCHLEN", "x"));
    }

    [Fact]
    public void LcsIdxIsAMapUnderResp3()
    {
        using var c = fixture.Connect();
        SwitchToResp3(c);
        string a = NewKey("lcs3-a"), b = NewKey("lcs3-b");
        c.Call("MSET", a, "ohmytext", b, "mynewtext");
        Assert.Equal(
            "%2\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n",
            Encoding.ASCII.GetString(c.CallRaw("LCS", a, b, "IDX")));
        Assert.Equal("%2\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n", Encoding.ASCII.GetString(c.CallRaw("LCS", a, NewKey("none"), "IDX")));
        Assert.Equal("_\r\n", Encoding.ASCII.GetString(c.CallRaw("GETDEL", NewKey("none"))));
        Assert.Equal("*2\r\n$8\r\nohmytext\r\n_\r\n", Encoding.ASCII.GetString(c.CallRaw("MGET", a, NewKey("none"))));
    }

    /// <summary>
    /// Puts the connection in RESP3 without HELLO (owned by the connection family): the newest
    /// session of this class's server is this client's, as tests of a class run one at a time.
    /// </summary>
    private void SwitchToResp3(RespClient c)
    {
        Assert.Equal("PONG", c.Call("PING").Text);
        var server = fixture.Server.Server;
        lock (server.Store.SyncRoot)
        {
            Kvs.Resp.Session? newest = null;
            foreach (var s in server.Sessions)
                if (newest == null || s.Id > newest.Id) newest = s;
            newest!.Writer.Protocol = 3;
        }
        Assert.Equal("_\r\n", Encoding.ASCII.GetString(c.CallRaw("GET", NewKey("none"))));
    }

    [Fact]
    public void NonStringKeysGiveWrongTypeWhereRedisDoes()
    {
        using var c = fixture.Connect();
        string k = NewKey("wrongtype");
        string s = NewKey("string");
        c.Call("SET", s, "abc");
        // No other type has commands yet: put a list-typed entry in through the store.
        var store = fixture.Server.Server.Store;
        lock (store.SyncRoot)
            store.Create(store.GetDatabase(0), Encoding.UTF8.GetBytes(k), new List<byte[]>(), KvsType.List, WriteContext.Internal);

        const string wrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";
        object[][] commands =
        [
            ["GET", k], ["GETSET", k, "v"], ["GETDEL", k], ["GETEX", k], ["GETEX", k, "EX", "bad"], ["SET", k, "v", "GET"],
            ["APPEND", k, "v"], ["SETRANGE", k, "0", "v"], ["SETRANGE", k, "0", ""], ["STRLEN", k], ["GETRANGE", k, "0", "1"],
            ["SUBSTR", k, "0", "1"], ["INCR", k], ["DECR", k], ["INCRBY", k, "1"], ["DECRBY", k, "1"], ["INCRBYFLOAT", k, "1"],
        ];
        foreach (var command in commands) AssertError(wrongType, c.Call(command));

        // Argument errors come before the type check where Redis checks them first.
        AssertError("ERR value is not an integer or out of range", c.Call("INCRBY", k, "x"));
        AssertError("ERR offset is out of range", c.Call("SETRANGE", k, "-1", "v"));
        AssertError("ERR syntax error", c.Call("GETEX", k, "BOGUS"));

        var values = c.Call("MGET", k, s);
        Assert.True(values[0].IsNull);
        Assert.Equal("abc", values[1].Text);
        AssertError("ERR The specified keys must contain string values", c.Call("LCS", s, k));
        Assert.Equal(0, c.Call("SETNX", k, "v").Integer);
        Assert.Equal(0, c.Call("MSETNX", k, "v").Integer);

        // SET replaces a key of any type.
        Assert.Equal("OK", c.Call("SET", k, "now a string").Text);
        Assert.Equal("now a string", c.Call("GET", k).Text);
    }
}
