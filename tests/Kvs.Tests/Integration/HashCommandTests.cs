using Kvs.Tests.Infrastructure;
using Xunit;

namespace Kvs.Tests.Integration;

/// <summary>
/// Hash commands over a real socket: listpack order and the one-way conversion to hashtable,
/// HINCRBY/HINCRBYFLOAT rules, HRANDFIELD counts, the HSCAN guarantee across table resizes,
/// deep COPY, the canonical data_hash, and the metadata version rule (a bump per write, none for
/// a write that changes nothing).
/// </summary>
public sealed class HashCommandTests(KvsServerFixture fixture) : IClassFixture<KvsServerFixture>
{
    private static string Key(string name) => $"h{Guid.NewGuid():N}:{name}";

    private static Dictionary<string, RespValue> Map(RespValue reply)
    {
        var map = new Dictionary<string, RespValue>();
        for (int i = 0; i + 1 < reply.Count; i += 2) map[reply[i].Text!] = reply[i + 1];
        return map;
    }

    private static long Version(RespClient c, string key) => Map(c.Call("KVS.META", key))["version"].Integer;

    private static string DataHash(RespClient c, string key) => Map(c.Call("KVS.META", key))["data_hash"].Text!;

    private static List<string> Texts(RespValue array) => array.Items!.Select(i => i.Text!).ToList();

    /// <summary>Sends many commands in one write and reads all replies (fast bulk loading).</summary>
    private static List<RespValue> Pipeline(RespClient c, IEnumerable<object[]> commands)
    {
        var ms = new MemoryStream();
        int n = 0;
        foreach (var cmd in commands)
        {
            ms.Write(RespClient.Encode(cmd));
            n++;
        }
        c.SendRaw(ms.ToArray());
        var replies = new List<RespValue>(n);
        for (int i = 0; i < n; i++) replies.Add(c.Read());
        return replies;
    }

    [Fact]
    public void SmallHashesKeepInsertionOrderLikeAListpack()
    {
        using var c = fixture.Connect();
        var k = Key("order");
        Assert.Equal(3, c.Call("HSET", k, "z", "1", "a", "2", "m", "3").Integer);
        Assert.Equal(0, c.Call("HSET", k, "a", "20").Integer);
        Assert.Equal(1, c.Call("HDEL", k, "z", "nope").Integer);
        Assert.Equal(1, c.Call("HSET", k, "b", "4").Integer);
        Assert.Equal(new[] { "a", "20", "m", "3", "b", "4" }, Texts(c.Call("HGETALL", k)));
        Assert.Equal(new[] { "a", "m", "b" }, Texts(c.Call("HKEYS", k)));
        Assert.Equal(new[] { "20", "3", "4" }, Texts(c.Call("HVALS", k)));
        Assert.Equal("listpack", c.Call("OBJECT", "ENCODING", k).Text);
        Assert.Equal(3, c.Call("HLEN", k).Integer);
        Assert.Equal(2, c.Call("HSTRLEN", k, "a").Integer);
        Assert.Equal(0, c.Call("HSTRLEN", k, "nope").Integer);
        var mget = c.Call("HMGET", k, "m", "nope", "b");
        Assert.Equal("3", mget[0].Text);
        Assert.True(mget[1].IsNull);
        Assert.Equal("4", mget[2].Text);
        Assert.Equal("hash", c.Call("TYPE", k).Text);
    }

    [Fact]
    public void EncodingBecomesHashtableForGoodPastEitherLimit()
    {
        using var c = fixture.Connect();
        var longValue = Key("v");
        longValue += new string('x', 65 - longValue.Length);
        var k1 = Key("longvalue");
        c.Call("HSET", k1, "f", new string('x', 64));
        Assert.Equal("listpack", c.Call("OBJECT", "ENCODING", k1).Text);
        c.Call("HSET", k1, "g", longValue);
        Assert.Equal("hashtable", c.Call("OBJECT", "ENCODING", k1).Text);
        c.Call("HDEL", k1, "g");
        Assert.Equal("hashtable", c.Call("OBJECT", "ENCODING", k1).Text);

        var k2 = Key("many");
        var args = new List<object> { "HSET", k2 };
        for (int i = 0; i < 512; i++) args.AddRange(new object[] { "f" + i, i });
        Assert.Equal(512, c.Call(args.ToArray()).Integer);
        Assert.Equal("listpack", c.Call("OBJECT", "ENCODING", k2).Text);
        Assert.Equal(1, c.Call("HSET", k2, "one-more", "x").Integer);
        Assert.Equal("hashtable", c.Call("OBJECT", "ENCODING", k2).Text);
        Assert.Equal(513, c.Call("HLEN", k2).Integer);
        Assert.Equal("511", c.Call("HGET", k2, "f511").Text);

        // HSETNX on an existing field sets nothing, so it converts nothing.
        var k3 = Key("nx");
        c.Call("HSET", k3, "f", "1");
        Assert.Equal(0, c.Call("HSETNX", k3, "f", longValue).Integer);
        Assert.Equal("listpack", c.Call("OBJECT", "ENCODING", k3).Text);
        Assert.Equal(1, c.Call("HSETNX", k3, "g", longValue).Integer);
        Assert.Equal("hashtable", c.Call("OBJECT", "ENCODING", k3).Text);
    }

    [Fact]
    public async Task ListpackLimitsFollowTheConfiguration()
    {
        await using var server = await KvsServerFixture.StartAsync(cfg =>
        {
            cfg.HashMaxListpackEntries = 2;
            cfg.HashMaxListpackValue = 3;
        });
        using var c = RespClient.Connect(server.Port);
        c.Call("HSET", "a", "f1", "abc", "f2", "abc");
        Assert.Equal("listpack", c.Call("OBJECT", "ENCODING", "a").Text);
        c.Call("HSET", "a", "f3", "1");
        Assert.Equal("hashtable", c.Call("OBJECT", "ENCODING", "a").Text);
        c.Call("HSET", "b", "f1", "abcd");
        Assert.Equal("hashtable", c.Call("OBJECT", "ENCODING", "b").Text);
        c.Call("HINCRBYFLOAT", "c", "f", "1.25");
        Assert.Equal("hashtable", c.Call("OBJECT", "ENCODING", "c").Text);
    }

    [Fact]
    public void HincrbyFollowsRedisRulesAndErrors()
    {
        using var c = fixture.Connect();
        var k = Key("incr");
        Assert.Equal(5, c.Call("HINCRBY", k, "n", "5").Integer);
        Assert.Equal(-3, c.Call("HINCRBY", k, "n", "-8").Integer);
        c.Call("HSET", k, "s", "abc", "f", "1.5", "big", long.MaxValue.ToString(), "lead", "010");
        Assert.Equal("ERR hash value is not an integer", c.Call("HINCRBY", k, "s", "1").Text);
        Assert.Equal("ERR hash value is not an integer", c.Call("HINCRBY", k, "f", "1").Text);
        Assert.Equal("ERR hash value is not an integer", c.Call("HINCRBY", k, "lead", "1").Text);
        Assert.Equal("ERR increment or decrement would overflow", c.Call("HINCRBY", k, "big", "1").Text);
        Assert.Equal("ERR value is not an integer or out of range", c.Call("HINCRBY", k, "n", "1.0").Text);
        c.Call("SET", k + "str", "x");
        // The increment is parsed before the key's type is checked.
        Assert.Equal("ERR value is not an integer or out of range", c.Call("HINCRBY", k + "str", "n", "x").Text);
        Assert.StartsWith("WRONGTYPE", c.Call("HINCRBY", k + "str", "n", "1").Text);
    }

    [Fact]
    public void HincrbyfloatUsesExtendedPrecisionAndRedisFormatting()
    {
        using var c = fixture.Connect();
        var k = Key("float");
        Assert.Equal("10.5", c.Call("HINCRBYFLOAT", k, "f", "10.5").Text);
        Assert.Equal("10.6", c.Call("HINCRBYFLOAT", k, "f", "0.1").Text);
        Assert.Equal("10.6", c.Call("HGET", k, "f").Text);
        c.Call("HSET", k, "e", "5.0e3");
        Assert.Equal("5200", c.Call("HINCRBYFLOAT", k, "e", "2.0e2").Text);
        Assert.Equal("16", c.Call("HINCRBYFLOAT", k, "hex", "0x10").Text);
        c.Call("HSET", k, "s", "abc", "sp", " 1");
        Assert.Equal("ERR hash value is not a float", c.Call("HINCRBYFLOAT", k, "s", "1").Text);
        Assert.Equal("ERR hash value is not a float", c.Call("HINCRBYFLOAT", k, "sp", "1").Text);
        Assert.Equal("ERR value is not a valid float", c.Call("HINCRBYFLOAT", k, "f", "abc").Text);
        Assert.Equal("ERR value is not a valid float", c.Call("HINCRBYFLOAT", k, "f", "nan").Text);
        Assert.Equal("ERR value is NaN or Infinity", c.Call("HINCRBYFLOAT", k, "f", "inf").Text);
        c.Call("HSET", k, "huge", "1.7e308");
        var sum = c.Call("HINCRBYFLOAT", k, "huge", "1.7e308");
        Assert.StartsWith("34000000000000000000", sum.Text);
        Assert.Equal(309, sum.Text!.Length);
    }

    [Fact]
    public void HrandfieldCountsAndShapes()
    {
        using var c = fixture.Connect();
        var k = Key("rand");
        c.Call("HSET", k, "a", "1", "b", "2", "c", "3", "d", "4", "e", "5");
        var values = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2", ["c"] = "3", ["d"] = "4", ["e"] = "5" };
        Assert.Contains(c.Call("HRANDFIELD", k).Text!, values.Keys);
        Assert.True(c.Call("HRANDFIELD", Key("missing")).IsNull);
        Assert.Equal(0, c.Call("HRANDFIELD", Key("missing"), "3").Count);

        var distinct = Texts(c.Call("HRANDFIELD", k, "3"));
        Assert.Equal(3, distinct.Distinct().Count());
        Assert.Equal(new[] { "a", "b", "c", "d", "e" }, Texts(c.Call("HRANDFIELD", k, "10")));

        var repeats = Texts(c.Call("HRANDFIELD", k, "-200"));
        Assert.Equal(200, repeats.Count);
        Assert.Equal(5, repeats.Distinct().Count());

        var pairs = Texts(c.Call("HRANDFIELD", k, "-20", "WITHVALUES"));
        Assert.Equal(40, pairs.Count);
        for (int i = 0; i < pairs.Count; i += 2) Assert.Equal(values[pairs[i]], pairs[i + 1]);

        Assert.Equal(0, c.Call("HRANDFIELD", k, "0").Count);
        Assert.Equal("ERR syntax error", c.Call("HRANDFIELD", k, "1", "WITHVALUE").Text);
        Assert.Equal("ERR value is not an integer or out of range", c.Call("HRANDFIELD", k, "x").Text);
        Assert.Equal("ERR value is out of range", c.Call("HRANDFIELD", k, "-9223372036854775807", "WITHVALUES").Text);
        Assert.Equal("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
            c.Call("HRANDFIELD", k, "-9223372036854775808").Text);
        // Kvs bounds a repeating reply (documented limit); a missing key is still an empty array.
        Assert.Equal("ERR value is out of range", c.Call("HRANDFIELD", k, "-20000000").Text);
        Assert.Equal(0, c.Call("HRANDFIELD", Key("missing"), "-20000000").Count);
    }

    [Fact]
    public void HrandfieldIsRoughlyUniformOverAHashtable()
    {
        using var c = fixture.Connect();
        var k = Key("uniform");
        var args = new List<object> { "HSET", k };
        for (int i = 0; i < 1000; i++) args.AddRange(new object[] { "f" + i, "v" });
        c.Call(args.ToArray());
        Assert.Equal("hashtable", c.Call("OBJECT", "ENCODING", k).Text);
        var counts = new Dictionary<string, int>();
        foreach (var f in Texts(c.Call("HRANDFIELD", k, "-100000")))
            counts[f] = counts.GetValueOrDefault(f) + 1;
        // 100 expected draws per field: every field is drawn, none wildly more often than others.
        Assert.Equal(1000, counts.Count);
        Assert.True(counts.Values.Max() < 200, $"max {counts.Values.Max()}");
    }

    [Fact]
    public void HscanReturnsEveryStableFieldAcrossResizes()
    {
        using var c = fixture.Connect();
        var k = Key("scan");
        c.Call(new object[] { "HSET", k }.Concat(Enumerable.Range(0, 2000).SelectMany(i => new object[] { "keep" + i, i })).ToArray());
        var seen = new HashSet<string>();
        string cursor = "0";
        int round = 0;
        do
        {
            var reply = c.Call("HSCAN", k, cursor, "COUNT", "50");
            cursor = reply[0].Text!;
            var items = reply[1];
            Assert.Equal(0, items.Count % 2);
            for (int i = 0; i < items.Count; i += 2)
            {
                var field = items[i].Text!;
                if (field.StartsWith("keep", StringComparison.Ordinal)) Assert.Equal(field[4..], items[i + 1].Text);
                seen.Add(field);
            }
            // Grow the table, then shrink it, while the scan is in progress.
            if (round == 3) c.Call(new object[] { "HSET", k }.Concat(Enumerable.Range(0, 6000).SelectMany(i => new object[] { "tmp" + i, i })).ToArray());
            if (round == 10) c.Call(new object[] { "HDEL", k }.Concat(Enumerable.Range(0, 6000).Select(i => (object)("tmp" + i))).ToArray());
            round++;
        }
        while (cursor != "0" && round < 10000);
        Assert.Equal("0", cursor);
        for (int i = 0; i < 2000; i++) Assert.Contains("keep" + i, seen);
    }

    [Fact]
    public void HscanOfAListpackReturnsEverythingAtOnceAndFiltersByPattern()
    {
        using var c = fixture.Connect();
        var k = Key("smallscan");
        c.Call("HSET", k, "a1", "x", "b1", "y", "a2", "z");
        var reply = c.Call("HSCAN", k, "0", "COUNT", "1");
        Assert.Equal("0", reply[0].Text);
        Assert.Equal(new[] { "a1", "x", "b1", "y", "a2", "z" }, Texts(reply[1]));
        Assert.Equal(new[] { "a1", "x", "a2", "z" }, Texts(c.Call("HSCAN", k, "0", "MATCH", "a*")[1]));
        Assert.Equal("ERR syntax error", c.Call("HSCAN", k, "0", "COUNT", "0").Text);
        Assert.Equal("ERR syntax error", c.Call("HSCAN", k, "0", "TYPE", "hash").Text);
        Assert.Equal("ERR invalid cursor", c.Call("HSCAN", k, "abc").Text);
        var empty = c.Call("HSCAN", Key("none"), "0", "COUNT", "0");
        Assert.Equal("0", empty[0].Text);
        Assert.Equal(0, empty[1].Count);
    }

    [Fact]
    public void WritesBumpTheVersionAndNoOpWritesDoNot()
    {
        using var c = fixture.Connect();
        var k = Key("meta");
        c.Call("HSET", k, "a", "1");
        Assert.Equal(1, Version(c, k));
        Assert.Equal("hash", Map(c.Call("KVS.META", k))["type"].Text);
        c.Call("HSET", k, "b", "2", "c", "3");
        Assert.Equal(2, Version(c, k));
        c.Call("HMSET", k, "a", "10");
        Assert.Equal(3, Version(c, k));
        Assert.Equal(0, c.Call("HSETNX", k, "a", "x").Integer);
        Assert.Equal(3, Version(c, k));
        Assert.Equal(1, c.Call("HSETNX", k, "d", "x").Integer);
        Assert.Equal(4, Version(c, k));
        Assert.Equal(0, c.Call("HDEL", k, "nope", "nope2").Integer);
        Assert.Equal(4, Version(c, k));
        Assert.Equal(2, c.Call("HDEL", k, "d", "c", "nope").Integer);
        Assert.Equal(5, Version(c, k));
        c.Call("HINCRBY", k, "n", "1");
        Assert.Equal(6, Version(c, k));
        c.Call("HINCRBYFLOAT", k, "n", "1.5");
        Assert.Equal(7, Version(c, k));
        Assert.Equal("ERR hash value is not an integer", c.Call("HINCRBY", k, "n", "1").Text);
        Assert.Equal(7, Version(c, k));
        // Reads never bump.
        c.Call("HGETALL", k);
        c.Call("HGET", k, "a");
        c.Call("HRANDFIELD", k, "-5");
        c.Call("HSCAN", k, "0");
        Assert.Equal(7, Version(c, k));
        Assert.Equal("hincrbyfloat", Map(c.Call("KVS.HISTORY", k, "COUNT", "1")[0])["op"].Text);
        // Removing the last fields deletes the key; a new hash starts again at version 1.
        Assert.Equal(3, c.Call("HDEL", k, "a", "b", "n").Integer);
        Assert.Equal(0, c.Call("EXISTS", k).Integer);
        Assert.True(c.Call("KVS.META", k).IsNull);
        c.Call("HSET", k, "x", "y");
        Assert.Equal(1, Version(c, k));
        var history = c.Call("KVS.HISTORY", k);
        Assert.Equal(1, history.Count);
    }

    [Fact]
    public void DataHashIsCanonicalAndFollowsEveryChange()
    {
        using var c = fixture.Connect();
        var k1 = Key("dh1");
        var k2 = Key("dh2");
        c.Call("HSET", k1, "a", "1", "b", "2", "c", "3");
        c.Call("HSET", k2, "c", "3", "a", "1");
        c.Call("HSET", k2, "b", "2");
        Assert.Equal(DataHash(c, k1), DataHash(c, k2));
        var before = DataHash(c, k1);
        c.Call("HSET", k1, "a", "changed");
        Assert.NotEqual(before, DataHash(c, k1));
        c.Call("HSET", k1, "a", "1");
        Assert.Equal(before, DataHash(c, k1));
        // Field/value boundaries are part of the encoding: {"ab":"c"} differs from {"a":"bc"}.
        var k3 = Key("dh3");
        var k4 = Key("dh4");
        c.Call("HSET", k3, "ab", "c");
        c.Call("HSET", k4, "a", "bc");
        Assert.NotEqual(DataHash(c, k3), DataHash(c, k4));
    }

    [Fact]
    public void CopyIsDeepAndWrongTypeIsReported()
    {
        using var c = fixture.Connect();
        var k = Key("src");
        var copy = Key("dst");
        c.Call("HSET", k, "f", "aaa");
        Assert.Equal(1, c.Call("COPY", k, copy).Integer);
        c.Call("HSET", copy, "f", "bbb");
        c.Call("HINCRBY", copy, "n", "1");
        Assert.Equal("aaa", c.Call("HGET", k, "f").Text);
        Assert.True(c.Call("HGET", k, "n").IsNull);
        Assert.Equal("bbb", c.Call("HGET", copy, "f").Text);

        var s = Key("string");
        c.Call("SET", s, "x");
        foreach (var cmd in new[] { new object[] { "HSET", s, "a", "b" }, new object[] { "HGET", s, "a" }, new object[] { "HGETALL", s },
                     new object[] { "HDEL", s, "a" }, new object[] { "HLEN", s }, new object[] { "HRANDFIELD", s }, new object[] { "HSCAN", s, "0" },
                     new object[] { "HINCRBYFLOAT", s, "a", "1" }, new object[] { "HEXISTS", s, "a" }, new object[] { "HMGET", s, "a" } })
            Assert.Equal("WRONGTYPE Operation against a key holding the wrong kind of value", c.Call(cmd).Text);
        Assert.Equal("ERR wrong number of arguments for 'hset' command", c.Call("HSET", s, "a", "b", "c").Text);
        Assert.Equal("ERR wrong number of arguments for 'hmset' command", c.Call("HMSET", s, "a").Text);
    }

    [Fact]
    public void LargeHashesStayConsistentUnderRandomEdits()
    {
        using var c = fixture.Connect();
        var k = Key("model");
        var model = new Dictionary<string, string>();
        var random = new Random(42);
        var commands = new List<object[]>();
        for (int round = 0; round < 4000; round++)
        {
            string f = "f" + random.Next(1500);
            if (random.Next(3) == 0)
            {
                commands.Add(new object[] { "HDEL", k, f });
                model.Remove(f);
            }
            else
            {
                string v = "v" + random.Next(100000);
                commands.Add(new object[] { "HSET", k, f, v });
                model[f] = v;
            }
        }
        Pipeline(c, commands);
        Assert.Equal(model.Count, c.Call("HLEN", k).Integer);
        var all = Texts(c.Call("HGETALL", k));
        var actual = new Dictionary<string, string>();
        for (int i = 0; i < all.Count; i += 2) actual.Add(all[i], all[i + 1]);
        Assert.Equal(model.OrderBy(p => p.Key), actual.OrderBy(p => p.Key));
        foreach (var (f, v) in model.Take(50)) Assert.Equal(v, c.Call("HGET", k, f).Text);
    }
}
