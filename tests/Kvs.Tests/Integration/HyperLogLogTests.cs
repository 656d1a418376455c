using System.Text;
using Kvs.Tests.Infrastructure;
using Xunit;

namespace Kvs.Tests.Integration;

/// <summary>A real redis-server next to the class's Kvs, to compare HLL bytes.</summary>
public sealed class RedisOracleFixture : IDisposable
{
    public RedisServerProcess Redis { get; } = RedisServerProcess.Start();

    public void Dispose() => Redis.Dispose();
}

/// <summary>
/// HyperLogLog over a real socket: accuracy on 100k and 1M distinct elements, multi-key counts,
/// byte compatibility with Redis 7 in both directions (sparse, dense, promotion, merge, cache),
/// error replies, and the metadata rule (PFCOUNT's cache write is not a new version).
/// </summary>
public sealed class HyperLogLogTests(KvsServerFixture fixture, RedisOracleFixture oracle)
    : IClassFixture<KvsServerFixture>, IClassFixture<RedisOracleFixture>
{
    private static string Key(string name) => $"p{Guid.NewGuid():N}:{name}";

    private static Dictionary<string, RespValue> Map(RespValue reply)
    {
        var map = new Dictionary<string, RespValue>();
        for (int i = 0; i + 1 < reply.Count; i += 2) map[reply[i].Text!] = reply[i + 1];
        return map;
    }

    private static long Version(RespClient c, string key) => Map(c.Call("KVS.META", key))["version"].Integer;

    /// <summary>PFADDs elements prefix0..prefix(n-1) in pipelined batches of 1000.</summary>
    private static void AddDistinct(RespClient c, string key, string prefix, int from, int count)
    {
        const int batch = 1000;
        const int window = 50;
        int pending = 0;
        var ms = new MemoryStream();
        for (int start = from; start < from + count; start += batch)
        {
            var args = new List<object> { "PFADD", key };
            for (int i = start; i < Math.Min(start + batch, from + count); i++) args.Add(prefix + i);
            ms.Write(RespClient.Encode(args.ToArray()));
            if (++pending == window)
            {
                c.SendRaw(ms.ToArray());
                ms.SetLength(0);
                for (int i = 0; i < pending; i++) Assert.Equal(':', c.Read().Type);
                pending = 0;
            }
        }
        c.SendRaw(ms.ToArray());
        for (int i = 0; i < pending; i++) Assert.Equal(':', c.Read().Type);
    }

    private static void AssertWithin(long expected, long actual, double relative)
    {
        double error = Math.Abs(actual - expected) / (double)expected;
        Assert.True(error <= relative, $"estimate {actual} for {expected} is off by {error:P2}");
    }

    [Fact]
    public void EstimatesStayWithinTwoPercentAt100kAnd1M()
    {
        using var c = fixture.Connect();
        var k = Key("big");
        AddDistinct(c, k, "element:", 0, 100_000);
        AssertWithin(100_000, c.Call("PFCOUNT", k).Integer, 0.02);
        AddDistinct(c, k, "element:", 100_000, 900_000);
        AssertWithin(1_000_000, c.Call("PFCOUNT", k).Integer, 0.02);
        Assert.Equal("dense", c.Call("PFDEBUG", "ENCODING", k).Text);
    }

    [Fact]
    public void SmallCardinalitiesAreNearlyExactAndRepeatsDoNotCount()
    {
        using var c = fixture.Connect();
        var k = Key("small");
        Assert.Equal(1, c.Call("PFADD", k, "a", "b", "c").Integer);
        Assert.Equal(0, c.Call("PFADD", k, "a", "b").Integer);
        Assert.Equal(3, c.Call("PFCOUNT", k).Integer);
        Assert.Equal(0, c.Call("PFCOUNT", Key("none")).Integer);
        AddDistinct(c, k, "x", 0, 1000);
        AssertWithin(1003, c.Call("PFCOUNT", k).Integer, 0.02);
        Assert.Equal("sparse", c.Call("PFDEBUG", "ENCODING", k).Text);
        Assert.Equal("string", c.Call("TYPE", k).Text);
        Assert.Equal("raw", c.Call("OBJECT", "ENCODING", k).Text);
    }

    [Fact]
    public void PfcountOfSeveralKeysEstimatesTheUnion()
    {
        using var c = fixture.Connect();
        var a = Key("a");
        var b = Key("b");
        var d = Key("dense");
        AddDistinct(c, a, "e", 0, 20_000);
        AddDistinct(c, b, "e", 10_000, 20_000);
        AddDistinct(c, d, "e", 25_000, 10_000);
        AssertWithin(30_000, c.Call("PFCOUNT", a, b).Integer, 0.02);
        AssertWithin(35_000, c.Call("PFCOUNT", a, b, d, Key("none")).Integer, 0.02);
        var merged = Key("merged");
        Assert.Equal("OK", c.Call("PFMERGE", merged, a, b, d).Text);
        Assert.Equal(c.Call("PFCOUNT", a, b, d).Integer, c.Call("PFCOUNT", merged).Integer);
        Assert.Equal("OK", c.Call("PFMERGE", Key("empty")).Text);
    }

    [Fact]
    public void BytesMatchRedisForTheSameElements()
    {
        using var kvs = fixture.Connect();
        using var redis = RespClient.Connect(oracle.Redis.Port);
        var random = new Random(12345);
        // Sizes that stay sparse, reach the sparse limit, and go dense.
        foreach (int size in new[] { 0, 1, 7, 300, 2000, 5000, 40_000 })
        {
            var k = Key("cmp" + size);
            redis.Call("DEL", k);
            for (int done = 0; done < Math.Max(size, 1);)
            {
                int n = Math.Min(Math.Max(size, 1) - done, random.Next(1, 500));
                var args = new List<object> { "PFADD", k };
                for (int i = 0; i < n && size > 0; i++) args.Add("m" + random.Next(size * 2));
                Assert.Equal(redis.Call(args.ToArray()).Integer, kvs.Call(args.ToArray()).Integer);
                done += n;
                if (random.Next(4) == 0) Assert.Equal(redis.CallRaw("PFCOUNT", k), kvs.CallRaw("PFCOUNT", k));
            }
            Assert.Equal(redis.CallRaw("GET", k), kvs.CallRaw("GET", k));
            Assert.Equal(redis.CallRaw("PFCOUNT", k), kvs.CallRaw("PFCOUNT", k));
            // After PFCOUNT both caches hold the count.
            Assert.Equal(redis.CallRaw("GET", k), kvs.CallRaw("GET", k));
        }
    }

    [Fact]
    public void MergesAndCrossServerValuesMatchRedis()
    {
        using var kvs = fixture.Connect();
        using var redis = RespClient.Connect(oracle.Redis.Port);
        var sparse1 = Key("s1");
        var sparse2 = Key("s2");
        var dense = Key("d");
        foreach (var c in new[] { kvs, redis })
        {
            c.Call(new object[] { "PFADD", sparse1 }.Concat(Enumerable.Range(0, 200).Select(i => (object)("a" + i))).ToArray());
            c.Call(new object[] { "PFADD", sparse2 }.Concat(Enumerable.Range(100, 200).Select(i => (object)("a" + i))).ToArray());
            for (int j = 0; j < 20; j++)
                c.Call(new object[] { "PFADD", dense }.Concat(Enumerable.Range(j * 1000, 1000).Select(i => (object)("d" + i))).ToArray());
        }
        var m1 = Key("m1");
        var m2 = Key("m2");
        foreach (var c in new[] { kvs, redis })
        {
            c.Call("PFMERGE", m1, sparse1, sparse2);
            c.Call("PFMERGE", m2, sparse1, dense);
        }
        Assert.Equal(redis.CallRaw("GET", m1), kvs.CallRaw("GET", m1));
        Assert.Equal(redis.CallRaw("GET", m2), kvs.CallRaw("GET", m2));
        Assert.Equal(redis.CallRaw("PFCOUNT", sparse1, dense, sparse2), kvs.CallRaw("PFCOUNT", sparse1, dense, sparse2));

        // A value made by Redis and stored in Kvs with SET counts and grows the same way, and back.
        var fromRedis = redis.Call("GET", dense).Bytes!;
        var imported = Key("imported");
        kvs.Call("SET", imported, fromRedis);
        Assert.Equal(redis.Call("PFCOUNT", dense).Integer, kvs.Call("PFCOUNT", imported).Integer);
        var fromKvs = kvs.Call("GET", sparse1).Bytes!;
        var exported = Key("exported");
        redis.Call("SET", exported, fromKvs);
        redis.Call("PFADD", exported, "new1", "new2");
        kvs.Call("PFADD", sparse1, "new1", "new2");
        Assert.Equal(redis.CallRaw("GET", exported), kvs.CallRaw("GET", sparse1));
    }

    [Fact]
    public async Task SparseLimitFollowsTheConfigurationLikeRedis()
    {
        await using var server = await KvsServerFixture.StartAsync(cfg => cfg.HllSparseMaxBytes = 300);
        using var redisProcess = RedisServerProcess.Start("--hll-sparse-max-bytes", "300");
        using var kvs = RespClient.Connect(server.Port);
        using var redis = RespClient.Connect(redisProcess.Port);
        for (int i = 0; i < 200; i++)
        {
            var args = new object[] { "PFADD", "h", "e" + i };
            Assert.Equal(redis.Call(args).Integer, kvs.Call(args).Integer);
            if (i % 10 == 0) Assert.Equal(redis.CallRaw("GET", "h"), kvs.CallRaw("GET", "h"));
        }
        Assert.Equal("dense", kvs.Call("PFDEBUG", "ENCODING", "h").Text);
        Assert.Equal(redis.CallRaw("GET", "h"), kvs.CallRaw("GET", "h"));
    }

    [Fact]
    public void ErrorsMatchRedis()
    {
        using var c = fixture.Connect();
        var s = Key("str");
        c.Call("SET", s, "not an hll");
        Assert.Equal("WRONGTYPE Key is not a valid HyperLogLog string value.", c.Call("PFADD", s, "a").Text);
        Assert.Equal("WRONGTYPE Key is not a valid HyperLogLog string value.", c.Call("PFCOUNT", s).Text);
        Assert.Equal("WRONGTYPE Key is not a valid HyperLogLog string value.", c.Call("PFMERGE", Key("d"), s).Text);
        var set = Key("set");
        c.Call("SADD", set, "a");
        Assert.Equal("WRONGTYPE Operation against a key holding the wrong kind of value", c.Call("PFADD", set, "a").Text);
        // A dense header of the wrong size is not an HLL.
        var shortDense = Key("short");
        c.Call("SET", shortDense, Encoding.ASCII.GetBytes("HYLL").Concat(new byte[20]).ToArray());
        Assert.Equal("WRONGTYPE Key is not a valid HyperLogLog string value.", c.Call("PFCOUNT", shortDense).Text);
        // A sparse body covering 16383 registers is corrupted.
        var corrupt = Key("corrupt");
        var bytes = new byte[18];
        Encoding.ASCII.GetBytes("HYLL").CopyTo(bytes, 0);
        bytes[4] = 1;
        bytes[15] = 0x80;
        bytes[16] = 0x7f;
        bytes[17] = 0xfe;
        c.Call("SET", corrupt, bytes);
        Assert.Equal("INVALIDOBJ Corrupted HLL object detected", c.Call("PFCOUNT", corrupt).Text);
        Assert.Equal("INVALIDOBJ Corrupted HLL object detected", c.Call("PFCOUNT", corrupt, Key("x")).Text);
        Assert.Equal("INVALIDOBJ Corrupted HLL object detected", c.Call("PFMERGE", Key("y"), corrupt).Text);
        Assert.Equal("ERR The specified key does not exist", c.Call("PFDEBUG", "ENCODING", Key("none")).Text);
    }

    [Fact]
    public void OnlyRealChangesBumpTheVersion()
    {
        using var c = fixture.Connect();
        var k = Key("meta");
        Assert.Equal(1, c.Call("PFADD", k, "a").Integer);
        Assert.Equal(1, Version(c, k));
        Assert.Equal(0, c.Call("PFADD", k, "a").Integer);
        Assert.Equal(0, c.Call("PFADD", k).Integer);
        Assert.Equal(1, Version(c, k));
        Assert.Equal(1, c.Call("PFADD", k, "b").Integer);
        Assert.Equal(2, Version(c, k));
        // PFCOUNT fills the cache inside the value (as Redis does) without a new version, and
        // data_hash follows the bytes GET returns.
        var hashBefore = Map(c.Call("KVS.META", k))["data_hash"].Text;
        Assert.Equal(2, c.Call("PFCOUNT", k).Integer);
        Assert.Equal(2, Version(c, k));
        var bytes = c.Call("GET", k).Bytes!;
        Assert.Equal(2, bytes[8]);
        Assert.Equal(0, bytes[15]);
        var hashAfter = Map(c.Call("KVS.META", k))["data_hash"].Text;
        Assert.NotEqual(hashBefore, hashAfter);
        Assert.Equal("sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), hashAfter);
        var merged = Key("merged");
        c.Call("PFMERGE", merged, k);
        Assert.Equal(1, Version(c, merged));
        c.Call("PFMERGE", merged, k);
        Assert.Equal(1, Version(c, merged));
        c.Call("PFADD", k, "c");
        c.Call("PFMERGE", merged, k);
        Assert.Equal(2, Version(c, merged));
    }
}
