using System.Globalization;
using Kvs.Tests.Infrastructure;
using Xunit;

namespace Kvs.Tests.Integration;

/// <summary>
/// Sorted-set commands over a real socket: replies, encodings, large sets beyond the listpack
/// size, and the metadata every write keeps (one version bump per changing command, none for a
/// no-op, deletion when a set is emptied).
/// </summary>
public sealed class SortedSetCommandTests(KvsServerFixture fixture) : IClassFixture<KvsServerFixture>
{
    private static string Key(string name) => $"z{Guid.NewGuid():N}:{name}";

    private static Dictionary<string, RespValue> Map(RespValue reply)
    {
        var map = new Dictionary<string, RespValue>();
        for (int i = 0; i + 1 < reply.Count; i += 2) map[reply[i].Text!] = reply[i + 1];
        return map;
    }

    private static long Version(RespClient c, string key) => Map(c.Call("KVS.META", key))["version"].Integer;

    private static string DataHash(RespClient c, string key) => Map(c.Call("KVS.META", key))["data_hash"].Text!;

    private static List<string> Texts(RespValue reply) => reply.Items!.Select(i => i.Text!).ToList();

    [Fact]
    public void ZAddOptionsAndScoreFormatting()
    {
        using var c = fixture.Connect();
        var k = Key("zadd");
        Assert.Equal(3, c.Call("ZADD", k, "1.1", "a", "2.5e-7", "b", "1e20", "c").Integer);
        Assert.Equal("1.1000000000000001", c.Call("ZSCORE", k, "a").Text);
        Assert.Equal("2.4999999999999999e-07", c.Call("ZSCORE", k, "b").Text);
        Assert.Equal("1e+20", c.Call("ZSCORE", k, "c").Text);
        Assert.Equal(0, c.Call("ZADD", k, "NX", "5", "a").Integer);
        Assert.Equal(2, c.Call("ZADD", k, "CH", "5", "a", "6", "d").Integer);
        Assert.Equal("5", c.Call("ZSCORE", k, "a").Text);
        Assert.Equal(1, c.Call("ZADD", k, "GT", "CH", "1", "a", "100", "d").Integer);
        Assert.Equal("5", c.Call("ZSCORE", k, "a").Text);
        Assert.True(c.Call("ZADD", k, "XX", "INCR", "1", "missing").IsNull);
        Assert.Equal("inf", c.Call("ZADD", k, "INCR", "inf", "a").Text);
        Assert.Equal("ERR resulting score is not a number (NaN)", c.Call("ZADD", k, "INCR", "-inf", "a").Text);
        Assert.Equal("ERR resulting score is not a number (NaN)", c.Call("ZINCRBY", k, "-inf", "a").Text);
        Assert.Equal("ERR XX and NX options at the same time are not compatible", c.Call("ZADD", k, "NX", "XX", "1", "a").Text);
        Assert.Equal("ERR GT, LT, and/or NX options at the same time are not compatible", c.Call("ZADD", k, "GT", "LT", "1", "a").Text);
        Assert.Equal("ERR INCR option supports a single increment-element pair", c.Call("ZADD", k, "INCR", "1", "a", "2", "b").Text);
        Assert.Equal("ERR value is not a valid float", c.Call("ZADD", k, "nan", "a").Text);
        Assert.Equal("ERR value is not a valid float", c.Call("ZADD", k, "1e400", "a").Text);
        Assert.Equal("ERR syntax error", c.Call("ZADD", k, "1", "a", "2").Text);
        Assert.Equal("16", c.Call("ZADD", k, "INCR", "0x10", "hex").Text);
        c.Call("SET", k + "s", "x");
        Assert.StartsWith("WRONGTYPE", c.Call("ZADD", k + "s", "1", "a").Text);
        Assert.Equal("zset", c.Call("TYPE", k).Text);
    }

    [Fact]
    public void WritesBumpTheVersionOnceAndNoOpsLeaveItAlone()
    {
        using var c = fixture.Connect();
        var k = Key("meta");
        c.Call("ZADD", k, "1", "a", "2", "b", "3", "c");
        Assert.Equal(1, Version(c, k));
        string hash = DataHash(c, k);
        c.Call("ZADD", k, "1", "a", "2", "b");          // same scores: nothing changes
        c.Call("ZADD", k, "NX", "9", "a");               // NX on an existing member
        c.Call("ZADD", k, "XX", "9", "zz");              // XX on a missing member
        c.Call("ZADD", k, "GT", "0", "c");               // GT not satisfied
        c.Call("ZREM", k, "nope");
        c.Call("ZREMRANGEBYSCORE", k, "100", "200");
        c.Call("ZREMRANGEBYRANK", k, "10", "20");
        c.Call("ZREMRANGEBYLEX", k, "[x", "[y");
        c.Call("ZINCRBY", k, "0", "a");
        Assert.Equal(1, Version(c, k));
        Assert.Equal(hash, DataHash(c, k));
        c.Call("ZADD", k, "5", "a", "6", "d");           // one command, two changes
        Assert.Equal(2, Version(c, k));
        Assert.NotEqual(hash, DataHash(c, k));
        c.Call("ZINCRBY", k, "1", "a");
        Assert.Equal(3, Version(c, k));
        c.Call("ZREM", k, "a", "nope");
        Assert.Equal(4, Version(c, k));
        c.Call("ZPOPMIN", k);
        Assert.Equal(5, Version(c, k));
        c.Call("ZREMRANGEBYRANK", k, "0", "0");
        Assert.Equal(6, Version(c, k));
        var history = c.Call("KVS.HISTORY", k);
        Assert.Equal("zremrangebyrank", Map(history[0])["op"].Text);
        Assert.Equal("zpopmin", Map(history[1])["op"].Text);
        // Emptying the set deletes the key; a new ZADD starts again at version 1.
        c.Call("ZPOPMAX", k, "10");
        Assert.Equal(0, c.Call("EXISTS", k).Integer);
        Assert.True(c.Call("KVS.META", k).IsNull);
        c.Call("ZADD", k, "1", "x");
        Assert.Equal(1, Version(c, k));
    }

    [Fact]
    public void DataHashDependsOnContentOnly()
    {
        using var c = fixture.Connect();
        var a = Key("ha");
        var b = Key("hb");
        c.Call("ZADD", a, "1", "x", "2", "y", "3", "z");
        c.Call("ZADD", b, "3", "z");
        c.Call("ZADD", b, "2", "y", "1", "x");
        Assert.Equal(DataHash(c, a), DataHash(c, b));
        c.Call("ZINCRBY", b, "0.5", "x");
        Assert.NotEqual(DataHash(c, a), DataHash(c, b));
    }

    [Fact]
    public void StoreCommandsReplaceTheDestinationAndDeleteItOnEmptyResults()
    {
        using var c = fixture.Connect();
        var src1 = Key("s1");
        var src2 = Key("s2");
        var dst = Key("dst");
        c.Call("ZADD", src1, "1", "a", "2", "b", "3", "c");
        c.Call("ZADD", src2, "10", "b", "20", "c", "30", "d");
        c.Call("SET", dst, "old", "EX", "100");
        Assert.Equal(2, c.Call("ZINTERSTORE", dst, "2", src1, src2, "WEIGHTS", "1", "2", "AGGREGATE", "MAX").Integer);
        Assert.Equal("zset", c.Call("TYPE", dst).Text);
        Assert.Equal(-1, c.Call("TTL", dst).Integer);
        Assert.Equal(2, Version(c, dst));
        Assert.Equal(["b", "20", "c", "40"], Texts(c.Call("ZRANGE", dst, "0", "-1", "WITHSCORES")));
        Assert.Equal(4, c.Call("ZUNIONSTORE", dst, "2", src1, src2).Integer);
        Assert.Equal(["a", "1", "b", "12", "c", "23", "d", "30"], Texts(c.Call("ZRANGE", dst, "0", "-1", "WITHSCORES")));
        Assert.Equal(1, c.Call("ZDIFFSTORE", dst, "2", src1, src2).Integer);
        Assert.Equal(["a"], Texts(c.Call("ZRANGE", dst, "0", "-1")));
        Assert.Equal(2, c.Call("ZRANGESTORE", dst, src2, "(10", "+inf", "BYSCORE").Integer);
        Assert.Equal(["c", "d"], Texts(c.Call("ZRANGE", dst, "0", "-1")));
        Assert.Equal(0, c.Call("ZINTERSTORE", dst, "2", src1, Key("missing")).Integer);
        Assert.Equal(0, c.Call("EXISTS", dst).Integer);
        Assert.Equal(2, c.Call("ZINTERCARD", "2", src1, src2).Integer);
        Assert.Equal(1, c.Call("ZINTERCARD", "2", src1, src2, "LIMIT", "1").Integer);
        // A source may be the destination.
        Assert.Equal(2, c.Call("ZRANGESTORE", src1, src1, "0", "1").Integer);
        Assert.Equal(["a", "b"], Texts(c.Call("ZRANGE", src1, "0", "-1")));
    }

    [Fact]
    public void EncodingFollowsTheListpackLimits()
    {
        using var c = fixture.Connect();
        var k = Key("enc");
        var args = new List<object> { "ZADD", k };
        for (int i = 0; i < 128; i++) args.AddRange(new object[] { i, "m" + i });
        c.Call(args.ToArray());
        Assert.Equal("listpack", c.Call("OBJECT", "ENCODING", k).Text);
        c.Call("ZADD", k, "1000", "one-more");
        Assert.Equal("skiplist", c.Call("OBJECT", "ENCODING", k).Text);
        c.Call("ZREMRANGEBYRANK", k, "0", "100");
        Assert.Equal("skiplist", c.Call("OBJECT", "ENCODING", k).Text);
        var small = Key("long");
        c.Call("ZADD", small, "1", new string('x', 65));
        Assert.Equal("skiplist", c.Call("OBJECT", "ENCODING", small).Text);
        var copy = Key("copy");
        Assert.Equal(1, c.Call("ZUNIONSTORE", copy, "1", small, "WEIGHTS", "0").Integer);
        Assert.Equal("skiplist", c.Call("OBJECT", "ENCODING", copy).Text);
        c.Call("ZADD", copy, "1", "short");
        c.Call("ZREM", copy, new string('x', 65));
        Assert.Equal(1, c.Call("ZUNIONSTORE", copy, "1", copy).Integer);
        Assert.Equal("listpack", c.Call("OBJECT", "ENCODING", copy).Text);
    }

    [Fact]
    public void NegativeZeroIsKeptOnlyInSkiplistEncodedSets()
    {
        using var c = fixture.Connect();
        var small = Key("z0");
        c.Call("ZADD", small, "-0", "a");
        Assert.Equal("0", c.Call("ZSCORE", small, "a").Text);
        var big = Key("z0big");
        c.Call("ZADD", big, "-0", new string('m', 70));
        Assert.Equal("-0", c.Call("ZSCORE", big, new string('m', 70)).Text);
    }

    [Fact]
    public void LargeSetRanksRangesAndScanAgreeWithAModel()
    {
        using var c = fixture.Connect();
        var k = Key("large");
        var random = new Random(5);
        var model = new Dictionary<string, double>();
        var args = new List<object> { "ZADD", k };
        for (int i = 0; i < 2000; i++)
        {
            string member = "member:" + random.Next(100000);
            double score = random.Next(500);
            model[member] = score;
            args.Add(score.ToString(CultureInfo.InvariantCulture));
            args.Add(member);
        }
        Assert.Equal(model.Count, c.Call(args.ToArray()).Integer);
        var sorted = model.OrderBy(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key).ToList();
        Assert.Equal(sorted, Texts(c.Call("ZRANGE", k, "0", "-1")));
        for (int i = 0; i < 50; i++)
        {
            int r = random.Next(sorted.Count);
            Assert.Equal(r, c.Call("ZRANK", k, sorted[r]).Integer);
            Assert.Equal(sorted.Count - 1 - r, c.Call("ZREVRANK", k, sorted[r]).Integer);
        }
        Assert.Equal(model.Values.Count(v => v >= 100 && v < 200), c.Call("ZCOUNT", k, "100", "(200").Integer);
        Assert.Equal(sorted.Where(m => model[m] > 10 && model[m] <= 20).Reverse().Skip(3).Take(5).ToList(),
            Texts(c.Call("ZREVRANGEBYSCORE", k, "20", "(10", "LIMIT", "3", "5")));
        Assert.Equal(sorted.Skip(sorted.Count - 10).Reverse().ToList(), Texts(c.Call("ZRANGE", k, "0", "9", "REV")));

        // ZSCAN over a skiplist-encoded set: the cursor walk returns every member with its score.
        var seen = new Dictionary<string, string>();
        string cursor = "0";
        int calls = 0;
        do
        {
            var reply = c.Call("ZSCAN", k, cursor, "COUNT", "50");
            cursor = reply[0].Text!;
            for (int i = 0; i + 1 < reply[1].Count; i += 2) seen[reply[1][i].Text!] = reply[1][i + 1].Text!;
            calls++;
        }
        while (cursor != "0");
        Assert.True(calls > 5);
        Assert.Equal(model.Count, seen.Count);
        foreach (var (member, score) in model) Assert.Equal(score.ToString(CultureInfo.InvariantCulture), seen[member]);
        var matched = c.Call("ZSCAN", k, "0", "MATCH", "member:1*", "COUNT", "100000");
        Assert.Equal("0", matched[0].Text);
        Assert.Equal(model.Keys.Count(m => m.StartsWith("member:1", StringComparison.Ordinal)) * 2, matched[1].Count);

        Assert.Equal(100, c.Call("ZREMRANGEBYRANK", k, "0", "99").Integer);
        Assert.Equal(sorted.Skip(100).Take(3).ToList(), Texts(c.Call("ZRANGE", k, "0", "2")));
    }

    [Fact]
    public void RandomMemberAndPops()
    {
        using var c = fixture.Connect();
        var k = Key("rand");
        c.Call("ZADD", k, "1", "a", "2", "b", "3", "c", "4", "d", "5", "e");
        var distinct = Texts(c.Call("ZRANDMEMBER", k, "3"));
        Assert.Equal(3, distinct.Distinct().Count());
        Assert.All(distinct, m => Assert.Contains(m, new[] { "a", "b", "c", "d", "e" }));
        Assert.Equal(20, c.Call("ZRANDMEMBER", k, "-20").Count);
        Assert.Equal(["e", "5", "d", "4", "c", "3", "b", "2", "a", "1"], Texts(c.Call("ZRANDMEMBER", k, "9", "WITHSCORES")));
        Assert.Equal(["a", "1", "b", "2"], Texts(c.Call("ZPOPMIN", k, "2")));
        Assert.Equal(["e", "5"], Texts(c.Call("ZPOPMAX", k)));
        var mpop = c.Call("ZMPOP", "2", Key("none"), k, "MAX", "COUNT", "5");
        Assert.Equal(k, mpop[0].Text);
        Assert.Equal(2, mpop[1].Count);
        Assert.Equal(0, c.Call("EXISTS", k).Integer);
        Assert.Equal("*-1\r\n", System.Text.Encoding.ASCII.GetString(c.CallRaw("ZMPOP", "1", k, "MIN")));
    }

    [Fact]
    public void BlockingPopsServeAvailableDataAndOtherwiseAnswerTheTimeoutReply()
    {
        using var c = fixture.Connect();
        var k = Key("bz");
        var empty = Key("empty");
        c.Call("ZADD", k, "1", "a", "2", "b");
        Assert.Equal([k, "b", "2"], Texts(c.Call("BZPOPMAX", empty, k, "0")));
        var mpop = c.Call("BZMPOP", "0", "2", empty, k, "MIN");
        Assert.Equal(k, mpop[0].Text);
        Assert.Equal("a", mpop[1][0][0].Text);
        Assert.Equal("*-1\r\n", System.Text.Encoding.ASCII.GetString(c.CallRaw("BZPOPMIN", empty, "0.01")));
        Assert.Equal("ERR timeout is negative", c.Call("BZPOPMIN", empty, "-1").Text);
        Assert.Equal("ERR timeout is not a float or out of range", c.Call("BZPOPMIN", empty, "x").Text);
    }

    [Fact]
    public void CopyIsDeepAndKeepsTheEncoding()
    {
        using var c = fixture.Connect();
        var k = Key("orig");
        var copy = Key("copy");
        c.Call("ZADD", k, "1", "a", "2", "b");
        Assert.Equal(1, c.Call("COPY", k, copy).Integer);
        c.Call("ZADD", copy, "3", "c");
        c.Call("ZINCRBY", k, "10", "a");
        Assert.Equal(["b", "a"], Texts(c.Call("ZRANGE", k, "0", "-1")));
        Assert.Equal(["a", "b", "c"], Texts(c.Call("ZRANGE", copy, "0", "-1")));
        Assert.Equal("listpack", c.Call("OBJECT", "ENCODING", copy).Text);
    }
}
