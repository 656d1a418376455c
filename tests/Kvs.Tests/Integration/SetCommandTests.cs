using Kvs.Tests.Infrastructure;
using Xunit;

namespace Kvs.Tests.Integration;

/// <summary>
/// Set commands over a real socket: intset order and conversion, random members, the algebra
/// (SINTER/SUNION/SDIFF and their STORE forms) checked against a model on large hashtable sets,
/// SSCAN's guarantee across resizes, and the metadata version rule.
/// </summary>
public sealed class SetCommandTests(KvsServerFixture fixture) : IClassFixture<KvsServerFixture>
{
    private static string Key(string name) => $"s{Guid.NewGuid():N}:{name}";

    private static Dictionary<string, RespValue> Map(RespValue reply)
    {
        var map = new Dictionary<string, RespValue>();
        for (int i = 0; i + 1 < reply.Count; i += 2) map[reply[i].Text!] = reply[i + 1];
        return map;
    }

    private static long Version(RespClient c, string key) => Map(c.Call("KVS.META", key))["version"].Integer;

    private static List<string> Texts(RespValue array) => array.Items!.Select(i => i.Text!).ToList();

    private static void AddAll(RespClient c, string key, IEnumerable<string> members)
    {
        var args = new List<object> { "SADD", key };
        args.AddRange(members);
        c.Call(args.ToArray());
    }

    [Fact]
    public void IntsetsAreSortedNumericallyUntilTheyConvert()
    {
        using var c = fixture.Connect();
        var k = Key("ints");
        Assert.Equal(5, c.Call("SADD", k, "3", "1", "2", "-5", "100", "3").Integer);
        Assert.Equal("intset", c.Call("OBJECT", "ENCODING", k).Text);
        Assert.Equal(new[] { "-5", "1", "2", "3", "100" }, Texts(c.Call("SMEMBERS", k)));
        Assert.Equal(new[] { "-5", "1", "2", "3", "100" }, Texts(c.Call("SSCAN", k, "0", "COUNT", "1")[1]));
        Assert.Equal(1, c.Call("SISMEMBER", k, "100").Integer);
        Assert.Equal(0, c.Call("SISMEMBER", k, "0100").Integer);
        // "010" is not an integer in Redis's canonical form: the set becomes a hashtable.
        Assert.Equal(1, c.Call("SADD", k, "010").Integer);
        Assert.Equal("hashtable", c.Call("OBJECT", "ENCODING", k).Text);
        Assert.Equal(new[] { "-5", "010", "1", "100", "2", "3" }, Texts(c.Call("SMEMBERS", k)).OrderBy(s => s, StringComparer.Ordinal));
        Assert.Equal(1, c.Call("SREM", k, "010").Integer);
        Assert.Equal("hashtable", c.Call("OBJECT", "ENCODING", k).Text);

        var big = Key("big");
        AddAll(c, big, Enumerable.Range(0, 512).Select(i => i.ToString()));
        Assert.Equal("intset", c.Call("OBJECT", "ENCODING", big).Text);
        Assert.Equal(1, c.Call("SADD", big, "512").Integer);
        Assert.Equal("hashtable", c.Call("OBJECT", "ENCODING", big).Text);
        Assert.Equal("hashtable", c.Call("OBJECT", "ENCODING", AddAndReturn(c, Key("str"), "a")).Text);
        Assert.Equal(long.MinValue.ToString(), Texts(c.Call("SMEMBERS", AddAndReturn(c, Key("min"), long.MinValue.ToString())))[0]);
    }

    private static string AddAndReturn(RespClient c, string key, string member)
    {
        c.Call("SADD", key, member);
        return key;
    }

    [Fact]
    public async Task IntsetLimitFollowsTheConfiguration()
    {
        await using var server = await KvsServerFixture.StartAsync(cfg => cfg.SetMaxIntsetEntries = 3);
        using var c = RespClient.Connect(server.Port);
        c.Call("SADD", "s", "1", "2", "3");
        Assert.Equal("intset", c.Call("OBJECT", "ENCODING", "s").Text);
        c.Call("SADD", "s", "4");
        Assert.Equal("hashtable", c.Call("OBJECT", "ENCODING", "s").Text);
        // *STORE results are built like Redis builds them: an intset that converts as it grows.
        c.Call("SADD", "t", "1", "2");
        c.Call("SUNIONSTORE", "u", "t");
        Assert.Equal("intset", c.Call("OBJECT", "ENCODING", "u").Text);
        c.Call("SUNIONSTORE", "u", "s");
        Assert.Equal("hashtable", c.Call("OBJECT", "ENCODING", "u").Text);
    }

    [Fact]
    public void RandomMembersFollowCountRules()
    {
        using var c = fixture.Connect();
        var k = Key("rand");
        c.Call("SADD", k, "a", "b", "c", "d", "e");
        var all = new[] { "a", "b", "c", "d", "e" };
        Assert.Contains(c.Call("SRANDMEMBER", k).Text!, all);
        var three = Texts(c.Call("SRANDMEMBER", k, "3"));
        Assert.Equal(3, three.Distinct().Count());
        Assert.All(three, m => Assert.Contains(m, all));
        Assert.Equal(5, Texts(c.Call("SRANDMEMBER", k, "50")).Distinct().Count());
        var repeats = Texts(c.Call("SRANDMEMBER", k, "-100"));
        Assert.Equal(100, repeats.Count);
        Assert.Equal(5, repeats.Distinct().Count());
        Assert.Equal(0, c.Call("SRANDMEMBER", k, "0").Count);
        Assert.True(c.Call("SRANDMEMBER", Key("none")).IsNull);
        Assert.Equal("ERR syntax error", c.Call("SRANDMEMBER", k, "1", "2").Text);
        Assert.Equal(5, c.Call("SCARD", k).Integer);
        Assert.Equal("ERR value is out of range", c.Call("SRANDMEMBER", k, "-20000000").Text);
        Assert.Equal(0, c.Call("SRANDMEMBER", Key("none"), "-20000000").Count);

        // Uniform over a large hashtable set.
        var big = Key("uniform");
        AddAll(c, big, Enumerable.Range(0, 1000).Select(i => "m" + i));
        var counts = new Dictionary<string, int>();
        foreach (var m in Texts(c.Call("SRANDMEMBER", big, "-100000"))) counts[m] = counts.GetValueOrDefault(m) + 1;
        Assert.Equal(1000, counts.Count);
        Assert.True(counts.Values.Max() < 200, $"max {counts.Values.Max()}");
    }

    [Fact]
    public void SpopRemovesWhatItReturnsAndDeletesEmptiedSets()
    {
        using var c = fixture.Connect();
        var k = Key("pop");
        var members = Enumerable.Range(0, 100).Select(i => "m" + i).ToList();
        AddAll(c, k, members);
        var popped = new List<string> { c.Call("SPOP", k).Text! };
        popped.AddRange(Texts(c.Call("SPOP", k, "9")));
        popped.AddRange(Texts(c.Call("SPOP", k, "70")));
        Assert.Equal(80, popped.Distinct().Count());
        var left = Texts(c.Call("SMEMBERS", k));
        Assert.Equal(20, left.Count);
        Assert.Empty(left.Intersect(popped));
        Assert.Equal(members.OrderBy(m => m), left.Concat(popped).OrderBy(m => m));
        Assert.Equal(20, c.Call("SPOP", k, "25").Count);
        Assert.Equal(0, c.Call("EXISTS", k).Integer);
        Assert.True(c.Call("SPOP", k).IsNull);
        Assert.Equal(0, c.Call("SPOP", k, "3").Count);
        Assert.Equal("ERR value is out of range, must be positive", c.Call("SPOP", k, "-1").Text);

        var ints = Key("popints");
        c.Call("SADD", ints, "5", "3", "9", "1");
        Assert.Equal(new[] { "1", "3", "5", "9" }, Texts(c.Call("SPOP", ints, "4")));
        Assert.Equal(0, c.Call("EXISTS", ints).Integer);
    }

    [Fact]
    public void SmoveFollowsRedisRules()
    {
        using var c = fixture.Connect();
        var a = Key("a");
        var b = Key("b");
        var s = Key("str");
        c.Call("SADD", a, "x", "y");
        c.Call("SET", s, "v");
        Assert.Equal(1, c.Call("SMOVE", a, b, "x").Integer);
        Assert.Equal(new[] { "x" }, Texts(c.Call("SMEMBERS", b)));
        Assert.Equal(0, c.Call("SMOVE", a, b, "nope").Integer);
        Assert.Equal(1, c.Call("SMOVE", a, a, "y").Integer);
        Assert.Equal(0, c.Call("SMOVE", a, a, "nope").Integer);
        Assert.Equal(0, c.Call("SMOVE", Key("none"), s, "x").Integer);
        Assert.StartsWith("WRONGTYPE", c.Call("SMOVE", a, s, "y").Text);
        Assert.Equal(1, c.Call("SMOVE", a, b, "y").Integer);
        Assert.Equal(0, c.Call("EXISTS", a).Integer);
        Assert.Equal(2, c.Call("SCARD", b).Integer);
    }

    [Fact]
    public void AlgebraMatchesAModelOnLargeSets()
    {
        using var c = fixture.Connect();
        var random = new Random(7);
        var keys = new[] { Key("x"), Key("y"), Key("z") };
        var model = new List<HashSet<string>>();
        foreach (var k in keys)
        {
            var members = new HashSet<string>();
            for (int i = 0; i < 3000; i++) members.Add("m" + random.Next(5000));
            AddAll(c, k, members);
            model.Add(members);
        }
        var inter = new HashSet<string>(model[0]);
        inter.IntersectWith(model[1]);
        inter.IntersectWith(model[2]);
        var union = new HashSet<string>(model[0]);
        union.UnionWith(model[1]);
        union.UnionWith(model[2]);
        var diff = new HashSet<string>(model[0]);
        diff.ExceptWith(model[1]);
        diff.ExceptWith(model[2]);

        Assert.True(inter.SetEquals(Texts(c.Call("SINTER", keys[0], keys[1], keys[2]))));
        Assert.True(union.SetEquals(Texts(c.Call("SUNION", keys[0], keys[1], keys[2]))));
        Assert.True(diff.SetEquals(Texts(c.Call("SDIFF", keys[0], keys[1], keys[2]))));
        Assert.Equal(inter.Count, c.Call("SINTERCARD", "3", keys[0], keys[1], keys[2]).Integer);
        Assert.Equal(10, c.Call("SINTERCARD", "3", keys[0], keys[1], keys[2], "LIMIT", "10").Integer);
        Assert.Equal(model[0].Count, c.Call("SINTERCARD", "1", keys[0], "LIMIT", "0").Integer);

        var dst = Key("dst");
        Assert.Equal(inter.Count, c.Call("SINTERSTORE", dst, keys[0], keys[1], keys[2]).Integer);
        Assert.True(inter.SetEquals(Texts(c.Call("SMEMBERS", dst))));
        Assert.Equal(union.Count, c.Call("SUNIONSTORE", dst, keys[0], keys[1], keys[2]).Integer);
        Assert.True(union.SetEquals(Texts(c.Call("SMEMBERS", dst))));
        Assert.Equal(diff.Count, c.Call("SDIFFSTORE", dst, keys[0], keys[1], keys[2]).Integer);
        Assert.True(diff.SetEquals(Texts(c.Call("SMEMBERS", dst))));
        // A destination that is also a source is read before it is replaced.
        Assert.Equal(union.Count, c.Call("SUNIONSTORE", keys[0], keys[0], keys[1], keys[2]).Integer);
        Assert.Equal(0, c.Call("SDIFF", keys[1], keys[0]).Count);
        // A missing key empties an intersection, and an empty result deletes the destination.
        Assert.Equal(0, c.Call("SINTERSTORE", dst, keys[1], Key("none")).Integer);
        Assert.Equal(0, c.Call("EXISTS", dst).Integer);
        Assert.Equal(0, c.Call("SDIFF", keys[1], keys[1]).Count);
        Assert.Equal(model[1].Count, c.Call("SDIFF", keys[1], Key("none")).Count);
    }

    [Fact]
    public void StoreReplacesTheDestinationValueAndClearsItsTtl()
    {
        using var c = fixture.Connect();
        var src = Key("src");
        var dst = Key("dst");
        c.Call("SADD", src, "a", "b");
        c.Call("SET", dst, "string");
        c.Call("EXPIRE", dst, "100");
        long before = Version(c, dst);
        Assert.Equal(2, c.Call("SUNIONSTORE", dst, src).Integer);
        Assert.Equal("set", c.Call("TYPE", dst).Text);
        Assert.Equal(-1, c.Call("TTL", dst).Integer);
        Assert.Equal(before + 1, Version(c, dst));
    }

    [Fact]
    public void SscanReturnsEveryStableMemberAcrossResizes()
    {
        using var c = fixture.Connect();
        var k = Key("scan");
        AddAll(c, k, Enumerable.Range(0, 3000).Select(i => "keep" + i));
        var seen = new HashSet<string>();
        string cursor = "0";
        int round = 0;
        do
        {
            var reply = c.Call("SSCAN", k, cursor, "COUNT", "40");
            cursor = reply[0].Text!;
            foreach (var m in Texts(reply[1])) seen.Add(m);
            if (round == 2) AddAll(c, k, Enumerable.Range(0, 9000).Select(i => "tmp" + i));
            if (round == 20)
            {
                var args = new List<object> { "SREM", k };
                args.AddRange(Enumerable.Range(0, 9000).Select(i => (object)("tmp" + i)));
                c.Call(args.ToArray());
            }
            round++;
        }
        while (cursor != "0" && round < 10000);
        Assert.Equal("0", cursor);
        for (int i = 0; i < 3000; i++) Assert.Contains("keep" + i, seen);
        var matched = Texts(c.Call("SSCAN", k, "0", "MATCH", "keep1*", "COUNT", "100000")[1]);
        Assert.All(matched, m => Assert.StartsWith("keep1", m));
        Assert.Equal(1111, matched.Count);
    }

    [Fact]
    public void WritesBumpTheVersionAndNoOpWritesDoNot()
    {
        using var c = fixture.Connect();
        var k = Key("meta");
        c.Call("SADD", k, "a", "b");
        Assert.Equal(1, Version(c, k));
        Assert.Equal("set", Map(c.Call("KVS.META", k))["type"].Text);
        Assert.Equal(0, c.Call("SADD", k, "a", "b").Integer);
        Assert.Equal(1, Version(c, k));
        Assert.Equal(1, c.Call("SADD", k, "a", "c").Integer);
        Assert.Equal(2, Version(c, k));
        Assert.Equal(0, c.Call("SREM", k, "x", "y").Integer);
        Assert.Equal(2, Version(c, k));
        Assert.Equal(1, c.Call("SREM", k, "x", "c").Integer);
        Assert.Equal(3, Version(c, k));
        c.Call("SPOP", k);
        Assert.Equal(4, Version(c, k));
        Assert.Equal(0, c.Call("SPOP", k, "0").Count);
        Assert.Equal(4, Version(c, k));

        var other = Key("other");
        c.Call("SADD", k, "m");
        long kVersion = Version(c, k);
        Assert.Equal(1, c.Call("SMOVE", k, other, "m").Integer);
        Assert.Equal(kVersion + 1, Version(c, k));
        Assert.Equal(1, Version(c, other));
        c.Call("SADD", k, "m");
        kVersion = Version(c, k);
        Assert.Equal(0, c.Call("SMOVE", k, other, "missing").Integer);
        Assert.Equal(kVersion, Version(c, k));
        Assert.Equal(1, c.Call("SMOVE", k, other, "m").Integer);
        // The destination already had "m": its members did not change, so its version stays.
        Assert.Equal(1, Version(c, other));
        Assert.Equal(kVersion + 1, Version(c, k));
        // Reads never bump.
        c.Call("SMEMBERS", other);
        c.Call("SRANDMEMBER", other, "-3");
        c.Call("SINTER", other, other);
        c.Call("SSCAN", other, "0");
        Assert.Equal(1, Version(c, other));
        // Emptying the set deletes the key.
        c.Call("SREM", other, "m");
        Assert.True(c.Call("KVS.META", other).IsNull);
    }

    [Fact]
    public void DataHashIgnoresInsertionOrderAndCopyIsDeep()
    {
        using var c = fixture.Connect();
        var a = Key("a");
        var b = Key("b");
        c.Call("SADD", a, "x", "y", "z", "1");
        c.Call("SADD", b, "1", "z", "y");
        c.Call("SADD", b, "x");
        Assert.Equal(Map(c.Call("KVS.META", a))["data_hash"].Text, Map(c.Call("KVS.META", b))["data_hash"].Text);
        var ints1 = Key("i1");
        var ints2 = Key("i2");
        c.Call("SADD", ints1, "1", "2");
        c.Call("SADD", ints2, "2", "1", "a");
        c.Call("SREM", ints2, "a");
        // Same members, different encodings (intset vs hashtable): same hash.
        Assert.Equal(Map(c.Call("KVS.META", ints1))["data_hash"].Text, Map(c.Call("KVS.META", ints2))["data_hash"].Text);

        var copy = Key("copy");
        Assert.Equal(1, c.Call("COPY", a, copy).Integer);
        c.Call("SADD", copy, "new");
        c.Call("SREM", copy, "x");
        Assert.Equal(4, c.Call("SCARD", a).Integer);
        Assert.Equal(1, c.Call("SISMEMBER", a, "x").Integer);
        Assert.Equal(0, c.Call("SISMEMBER", a, "new").Integer);
    }

    [Fact]
    public void ErrorsMatchRedis()
    {
        using var c = fixture.Connect();
        var s = Key("string");
        var k = Key("set");
        c.Call("SET", s, "x");
        c.Call("SADD", k, "a");
        foreach (var cmd in new[] { new object[] { "SADD", s, "a" }, new object[] { "SREM", s, "a" }, new object[] { "SMEMBERS", s },
                     new object[] { "SCARD", s }, new object[] { "SPOP", s }, new object[] { "SRANDMEMBER", s }, new object[] { "SINTER", k, s },
                     new object[] { "SUNION", Key("none"), s }, new object[] { "SDIFF", s }, new object[] { "SSCAN", s, "0" }, new object[] { "SMISMEMBER", s, "a" } })
            Assert.Equal("WRONGTYPE Operation against a key holding the wrong kind of value", c.Call(cmd).Text);
        Assert.Equal("ERR numkeys should be greater than 0", c.Call("SINTERCARD", "0", k).Text);
        Assert.Equal("ERR Number of keys can't be greater than number of args", c.Call("SINTERCARD", "2", k).Text);
        Assert.Equal("ERR LIMIT can't be negative", c.Call("SINTERCARD", "1", k, "LIMIT", "-1").Text);
        Assert.Equal("ERR syntax error", c.Call("SINTERCARD", "1", k, "FOO").Text);
        Assert.Equal("ERR wrong number of arguments for 'sadd' command", c.Call("SADD", k).Text);
        var mis = c.Call("SMISMEMBER", k, "a", "b");
        Assert.Equal(new long[] { 1, 0 }, mis.Items!.Select(i => i.Integer));
    }
}

/// <summary>
/// RESP3 reply shapes of the hash and set families (maps, sets, [field, value] pairs, nulls).
/// Needs HELLO, which another part of the server provides: until it is present the test only
/// checks that HELLO is reported as unknown, and it checks the shapes once HELLO exists.
/// </summary>
public sealed class HashSetResp3Tests(KvsServerFixture fixture) : IClassFixture<KvsServerFixture>
{
    [Fact]
    public void Resp3UsesMapsSetsAndPairs()
    {
        using var c = fixture.Connect();
        var hello = c.Call("HELLO", "3");
        if (hello.IsError)
        {
            Assert.StartsWith("ERR unknown command 'HELLO'", hello.Text);
            return;
        }
        var h = $"r3{Guid.NewGuid():N}:h";
        var s = $"r3{Guid.NewGuid():N}:s";
        c.Call("HSET", h, "a", "1", "b", "2");
        c.Call("SADD", s, "3", "1", "2");
        Assert.Equal("%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n", System.Text.Encoding.ASCII.GetString(c.CallRaw("HGETALL", h)));
        Assert.Equal("%0\r\n", System.Text.Encoding.ASCII.GetString(c.CallRaw("HGETALL", h + "none")));
        Assert.Equal("*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n", System.Text.Encoding.ASCII.GetString(c.CallRaw("HRANDFIELD", h, "5", "WITHVALUES")));
        Assert.Equal("_\r\n", System.Text.Encoding.ASCII.GetString(c.CallRaw("HGET", h, "none")));
        Assert.Equal("~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", System.Text.Encoding.ASCII.GetString(c.CallRaw("SMEMBERS", s)));
        Assert.Equal("~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", System.Text.Encoding.ASCII.GetString(c.CallRaw("SUNION", s, s)));
        Assert.Equal("*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", System.Text.Encoding.ASCII.GetString(c.CallRaw("SRANDMEMBER", s, "5")));
        Assert.Equal("~0\r\n", System.Text.Encoding.ASCII.GetString(c.CallRaw("SPOP", s, "0")));
        Assert.Equal("~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", System.Text.Encoding.ASCII.GetString(c.CallRaw("SPOP", s, "3")));
        Assert.Equal("_\r\n", System.Text.Encoding.ASCII.GetString(c.CallRaw("SPOP", s)));
    }
}
