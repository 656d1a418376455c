using System.Text;
using Kvs.Tests.Infrastructure;
using Xunit;

namespace Kvs.Tests.Integration;

/// <summary>
/// Bitmap commands over a real socket: bit numbering, growth, ranges, BITOP, BITFIELD overflow
/// modes, and the metadata of writes (a version bump only when bytes change or the string grows).
/// </summary>
public sealed class BitmapCommandTests(KvsServerFixture fixture) : IClassFixture<KvsServerFixture>
{
    private static string Key(string name) => $"b{Guid.NewGuid():N}:{name}";

    private static long Version(RespClient c, string key)
    {
        var reply = c.Call("KVS.META", key);
        for (int i = 0; i + 1 < reply.Count; i += 2)
            if (reply[i].Text == "version") return reply[i + 1].Integer;
        throw new InvalidOperationException("no version");
    }

    [Fact]
    public void SetBitGrowsTheStringMostSignificantBitFirst()
    {
        using var c = fixture.Connect();
        var k = Key("setbit");
        Assert.Equal(0, c.Call("SETBIT", k, "1", "1").Integer);
        Assert.Equal(new byte[] { 0x40 }, c.Call("GET", k).Bytes);
        Assert.Equal(0, c.Call("SETBIT", k, "23", "1").Integer);
        Assert.Equal(new byte[] { 0x40, 0, 0x01 }, c.Call("GET", k).Bytes);
        Assert.Equal(1, c.Call("SETBIT", k, "23", "0").Integer);
        Assert.Equal(new byte[] { 0x40, 0, 0 }, c.Call("GET", k).Bytes);
        Assert.Equal(1, c.Call("GETBIT", k, "1").Integer);
        Assert.Equal(0, c.Call("GETBIT", k, "1000000").Integer);
        Assert.Equal("raw", c.Call("OBJECT", "ENCODING", k).Text);
        Assert.Equal("ERR bit offset is not an integer or out of range", c.Call("SETBIT", k, "4294967296", "1").Text);
        Assert.Equal("ERR bit offset is not an integer or out of range", c.Call("SETBIT", k, "-1", "1").Text);
        Assert.Equal("ERR bit is not an integer or out of range", c.Call("SETBIT", k, "0", "2").Text);
        Assert.Equal("ERR bit is not an integer or out of range", c.Call("SETBIT", k, "0", "x").Text);
        c.Call("ZADD", k + "z", "1", "a");
        Assert.StartsWith("WRONGTYPE", c.Call("SETBIT", k + "z", "0", "1").Text);
        Assert.StartsWith("WRONGTYPE", c.Call("GETBIT", k + "z", "0").Text);
    }

    [Fact]
    public void WritesBumpTheVersionOnlyWhenBytesChange()
    {
        using var c = fixture.Connect();
        var k = Key("meta");
        c.Call("SET", k, "abc");
        Assert.Equal("embstr", c.Call("OBJECT", "ENCODING", k).Text);
        Assert.Equal(1, Version(c, k));
        c.Call("SETBIT", k, "1", "1");                    // 'a' = 0x61: bit 1 is already set
        Assert.Equal(1, Version(c, k));
        Assert.Equal("raw", c.Call("OBJECT", "ENCODING", k).Text);
        c.Call("SETBIT", k, "0", "0");
        Assert.Equal(1, Version(c, k));
        c.Call("SETBIT", k, "0", "1");
        Assert.Equal(2, Version(c, k));
        c.Call("SETBIT", k, "100", "0");                  // grows the string: a change
        Assert.Equal(3, Version(c, k));
        Assert.Equal(13, c.Call("GET", k).Bytes!.Length);
        c.Call("BITFIELD", k, "SET", "u8", "8", "98");    // 'b' again
        c.Call("BITFIELD", k, "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "1000");
        c.Call("BITFIELD", k, "INCRBY", "u8", "0", "0");
        c.Call("BITFIELD", k, "GET", "u8", "0");
        Assert.Equal(3, Version(c, k));
        c.Call("BITFIELD", k, "SET", "u8", "8", "1", "SET", "u8", "16", "2");
        Assert.Equal(4, Version(c, k));
        c.Call("BITOP", "NOT", k, k);
        Assert.Equal(5, Version(c, k));
        Assert.Equal("raw", c.Call("OBJECT", "ENCODING", k).Text);
        var history = c.Call("KVS.HISTORY", k);
        Assert.Equal(5, history.Count);
        // A new key written by BITFIELD exists even if every write failed (as in Redis).
        var created = Key("created");
        Assert.True(c.Call("BITFIELD", created, "OVERFLOW", "FAIL", "SET", "u2", "0", "8")[0].IsNull);
        Assert.Equal(new byte[] { 0 }, c.Call("GET", created).Bytes);
        Assert.Equal(1, Version(c, created));
    }

    [Fact]
    public void BitCountAndBitPosUseByteAndBitRanges()
    {
        using var c = fixture.Connect();
        var k = Key("ranges");
        c.Call("SET", k, new byte[] { 0xFF, 0xF0, 0x00, 0x0F });
        Assert.Equal(16, c.Call("BITCOUNT", k).Integer);
        Assert.Equal(4, c.Call("BITCOUNT", k, "1", "2").Integer);
        Assert.Equal(8, c.Call("BITCOUNT", k, "-3", "-1").Integer);
        Assert.Equal(7, c.Call("BITCOUNT", k, "5", "14", "BIT").Integer);
        Assert.Equal(0, c.Call("BITCOUNT", k, "-1", "-2").Integer);
        Assert.Equal("ERR syntax error", c.Call("BITCOUNT", k, "0").Text);
        Assert.Equal(12, c.Call("BITPOS", k, "0").Integer);
        Assert.Equal(28, c.Call("BITPOS", k, "1", "2").Integer);
        Assert.Equal(-1, c.Call("BITPOS", k, "0", "0", "0").Integer);
        c.Call("SET", k + "f", new byte[] { 0xFF, 0xFF, 0xFF, 0xFF });
        Assert.Equal(32, c.Call("BITPOS", k + "f", "0").Integer);
        Assert.Equal(-1, c.Call("BITPOS", k + "f", "0", "0", "-1").Integer);
        Assert.Equal(13, c.Call("BITPOS", k, "0", "13", "20", "BIT").Integer);
        Assert.Equal(29, c.Call("BITPOS", k, "1", "29", "31", "BIT").Integer);
        Assert.Equal(-1, c.Call("BITPOS", Key("none"), "1").Integer);
        Assert.Equal(0, c.Call("BITPOS", Key("none"), "0").Integer);
        Assert.Equal("ERR The bit argument must be 1 or 0.", c.Call("BITPOS", k, "2").Text);
    }

    [Fact]
    public void BitOpCombinesStringsOfDifferentLengths()
    {
        using var c = fixture.Connect();
        var a = Key("a");
        var b = Key("b");
        var d = Key("d");
        c.Call("SET", a, new byte[] { 0xF0, 0x0F, 0xAA });
        c.Call("SET", b, new byte[] { 0xFF });
        Assert.Equal(3, c.Call("BITOP", "AND", d, a, b).Integer);
        Assert.Equal(new byte[] { 0xF0, 0, 0 }, c.Call("GET", d).Bytes);
        Assert.Equal(3, c.Call("BITOP", "OR", d, a, b).Integer);
        Assert.Equal(new byte[] { 0xFF, 0x0F, 0xAA }, c.Call("GET", d).Bytes);
        Assert.Equal(3, c.Call("BITOP", "XOR", d, a, b, Key("missing")).Integer);
        Assert.Equal(new byte[] { 0x0F, 0x0F, 0xAA }, c.Call("GET", d).Bytes);
        Assert.Equal(3, c.Call("BITOP", "NOT", d, a).Integer);
        Assert.Equal(new byte[] { 0x0F, 0xF0, 0x55 }, c.Call("GET", d).Bytes);
        var longA = new byte[1000];
        var longB = new byte[999];
        new Random(3).NextBytes(longA);
        new Random(4).NextBytes(longB);
        c.Call("SET", a, longA);
        c.Call("SET", b, longB);
        c.Call("BITOP", "XOR", d, a, b);
        var xored = c.Call("GET", d).Bytes!;
        for (int i = 0; i < 1000; i++) Assert.Equal((byte)(longA[i] ^ (i < 999 ? longB[i] : 0)), xored[i]);
        c.Call("EXPIRE", d, "100");
        Assert.Equal(0, c.Call("BITOP", "AND", d, Key("x"), Key("y")).Integer);
        Assert.Equal(0, c.Call("EXISTS", d).Integer);
        Assert.Equal("ERR BITOP NOT must be called with a single source key.", c.Call("BITOP", "NOT", d, a, b).Text);
    }

    [Fact]
    public void BitFieldOverflowModesAndTypes()
    {
        using var c = fixture.Connect();
        var k = Key("bf");
        var r = c.Call("BITFIELD", k, "SET", "i8", "0", "200", "GET", "u8", "0", "GET", "i8", "0");
        Assert.Equal([0L, 200L, -56L], r.Items!.Select(i => i.Integer));
        r = c.Call("BITFIELD", k, "OVERFLOW", "SAT", "INCRBY", "i8", "0", "-1000", "OVERFLOW", "WRAP", "INCRBY", "u4", "#3", "17");
        Assert.Equal([-128L, 1L], r.Items!.Select(i => i.Integer));
        r = c.Call("BITFIELD", k, "OVERFLOW", "FAIL", "INCRBY", "u4", "#3", "15", "GET", "u4", "#3");
        Assert.True(r[0].IsNull);
        Assert.Equal(1, r[1].Integer);
        Assert.Equal(-9223090561878065152, c.Call("BITFIELD", k, "SET", "i64", "0", "-1")[0].Integer);
        r = c.Call("BITFIELD", k, "INCRBY", "i64", "0", "1", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "-9223372036854775808", "INCRBY", "i64", "0", "-1");
        Assert.Equal([0L, long.MinValue, long.MinValue], r.Items!.Select(i => i.Integer));
        Assert.Equal("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.", c.Call("BITFIELD", k, "GET", "u64", "0").Text);
        Assert.Equal("ERR Invalid OVERFLOW type specified", c.Call("BITFIELD", k, "OVERFLOW", "x").Text);
        Assert.Equal("ERR BITFIELD_RO only supports the GET subcommand", c.Call("BITFIELD_RO", k, "GET", "u8", "0", "SET", "u8", "0", "1").Text);
        Assert.Equal(2, c.Call("BITFIELD_RO", k, "GET", "u8", "0", "GET", "i4", "4").Count);
        Assert.Equal(0, c.Call("BITFIELD_RO", Key("none"), "GET", "u8", "100")[0].Integer);
        Assert.Equal(Encoding.ASCII.GetString(new byte[] { 0x80 }), Encoding.ASCII.GetString(c.Call("GET", k).Bytes!.AsSpan(0, 1)));
    }

    [Fact]
    public async Task RetainedHistoryValuesDoNotChangeUnderBitWrites()
    {
        await using var server = await KvsServerFixture.StartAsync(cfg => cfg.KvsHistoryValues = 5);
        using var c = RespClient.Connect(server.Port);
        c.Call("SET", "bits", "abc");
        c.Call("SETBIT", "bits", "0", "1");
        c.Call("BITFIELD", "bits", "SET", "u8", "8", "0", "SET", "u8", "40", "255");
        c.Call("SETBIT", "bits", "7", "0");
        Assert.Equal(Encoding.ASCII.GetBytes("abc"), c.Call("KVS.GET", "bits", "VERSION", "1").Bytes);
        Assert.Equal(new byte[] { 0xE1, (byte)'b', (byte)'c' }, c.Call("KVS.GET", "bits", "VERSION", "2").Bytes);
        Assert.Equal(new byte[] { 0xE1, 0, (byte)'c', 0, 0, 0xFF }, c.Call("KVS.GET", "bits", "VERSION", "3").Bytes);
        Assert.Equal(new byte[] { 0xE0, 0, (byte)'c', 0, 0, 0xFF }, c.Call("GET", "bits").Bytes);
        c.Call("ZADD", "scores", "1", "a");
        c.Call("ZADD", "scores", "2", "b");
        c.Call("ZINCRBY", "scores", "5", "a");
        Assert.Equal(3, c.Call("KVS.HISTORY", "scores").Count);
        Assert.Equal(["a", "6"], c.Call("ZRANGE", "scores", "1", "1", "WITHSCORES").Items!.Select(i => i.Text!));
    }
}
