using Kvs.Tests.Infrastructure;
using Xunit;

namespace Kvs.Tests.Integration;

/// <summary>The KVS.* commands and the metadata every write keeps (SPEC §3, §4), over a real socket.</summary>
public sealed class KvsCommandTests(KvsServerFixture fixture) : IClassFixture<KvsServerFixture>
{
    private static string Key(string name) => $"t{Guid.NewGuid():N}:{name}";

    private static Dictionary<string, RespValue> Map(RespValue reply)
    {
        var map = new Dictionary<string, RespValue>();
        for (int i = 0; i + 1 < reply.Count; i += 2) map[reply[i].Text!] = reply[i + 1];
        return map;
    }

    private static long Version(RespClient c, string key) => Map(c.Call("KVS.META", key))["version"].Integer;

    [Fact]
    public void KvsSetReturnsVersionsAndHonoursIfVersion()
    {
        using var c = fixture.Connect();
        var k = Key("cas");
        Assert.Equal(1, c.Call("KVS.SET", k, "a", "IFVERSION", "0").Integer);
        Assert.Equal("CONFLICT expected version 0, key is at version 1", c.Call("KVS.SET", k, "b", "IFVERSION", "0").Text);
        Assert.Equal(2, c.Call("KVS.SET", k, "b", "IFVERSION", "1").Integer);
        Assert.Equal("CONFLICT expected version 5, key is at version 2", c.Call("KVS.SET", k, "c", "IFVERSION", "5").Text);
        Assert.Equal("b", c.Call("GET", k).Text);
        Assert.True(c.Call("KVS.SET", k, "c", "NX").IsNull);
        Assert.True(c.Call("KVS.SET", Key("missing"), "c", "XX").IsNull);
        Assert.Equal("ERR syntax error", c.Call("KVS.SET", k, "c", "BOGUS").Text);
        Assert.Equal("ERR value is not an integer or out of range", c.Call("KVS.SET", k, "c", "IFVERSION", "x").Text);
        Assert.Equal("ERR syntax error", c.Call("KVS.SET", k, "c", "IFVERSION").Text);
        Assert.Equal("ERR IFVERSION must be a non-negative integer", c.Call("KVS.SET", k, "c", "IFVERSION", "-1").Text);
        Assert.Equal(2, Version(c, k));
    }

    [Fact]
    public void PlainRedisWritesBumpTheVersion()
    {
        using var c = fixture.Connect();
        var k = Key("bump");
        c.Call("SET", k, "1");
        Assert.Equal(1, Version(c, k));
        c.Call("SET", k, "2");
        Assert.Equal(2, Version(c, k));
        c.Call("INCR", k);
        Assert.Equal(3, Version(c, k));
        c.Call("APPEND", k, "0");
        Assert.Equal(4, Version(c, k));
        c.Call("EXPIRE", k, "100");
        Assert.Equal(5, Version(c, k));
        var renamed = Key("renamed");
        c.Call("RENAME", k, renamed);
        Assert.Equal(6, Version(c, renamed));
        Assert.True(c.Call("KVS.META", k).IsNull);
        var meta = Map(c.Call("KVS.META", renamed));
        Assert.Equal("string", meta["type"].Text);
        Assert.True(meta.ContainsKey("expires_at"));
        Assert.Equal(6, meta["history_length"].Integer);
        // Deleted and re-created: version starts again at 1, the revision keeps growing.
        long revisionBefore = meta["revision"].Integer;
        c.Call("DEL", renamed);
        c.Call("SET", renamed, "x");
        var again = Map(c.Call("KVS.META", renamed));
        Assert.Equal(1, again["version"].Integer);
        Assert.True(again["revision"].Integer > revisionBefore);
    }

    [Fact]
    public void HistoryIsNewestFirstWithOpsAuthorsCommentsAndHashes()
    {
        using var c = fixture.Connect();
        var k = Key("hist");
        c.Call("KVS.SET", k, "hello", "BY", "alice", "COMMENT", "first");
        c.Call("SET", k, "world");
        var history = c.Call("KVS.HISTORY", k);
        Assert.Equal(2, history.Count);
        var newest = Map(history[0]);
        var oldest = Map(history[1]);
        Assert.Equal(2, newest["version"].Integer);
        Assert.Equal("set", newest["op"].Text);
        Assert.Equal("sha256:486ea46224d1bb4fb680f34f7c9ad96a8f24ec88be73ea8e5a6c65260e9cb8a7", newest["data_hash"].Text);
        Assert.Equal(1, oldest["version"].Integer);
        Assert.Equal("kvs.set", oldest["op"].Text);
        Assert.Equal("alice", oldest["modified_by"].Text);
        Assert.Equal("first", oldest["comment"].Text);
        Assert.Equal("sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", oldest["data_hash"].Text);
        Assert.Equal(1, c.Call("KVS.HISTORY", k, "COUNT", "1").Count);
        Assert.Equal(0, c.Call("KVS.HISTORY", Key("none")).Count);
        Assert.Equal("ERR value is out of range, must be positive", c.Call("KVS.HISTORY", k, "COUNT", "-1").Text);
    }

    [Fact]
    public void DataHashFollowsTheCurrentValue()
    {
        using var c = fixture.Connect();
        var k = Key("hash");
        c.Call("SET", k, "hello");
        Assert.Equal("sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", Map(c.Call("KVS.META", k))["data_hash"].Text);
        c.Call("SET", k, "world");
        Assert.Equal("sha256:486ea46224d1bb4fb680f34f7c9ad96a8f24ec88be73ea8e5a6c65260e9cb8a7", Map(c.Call("KVS.META", k))["data_hash"].Text);
        c.Call("APPEND", k, "!");
        Assert.Equal("sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("world!"u8)), Map(c.Call("KVS.META", k))["data_hash"].Text);
    }

    [Fact]
    public async Task HistoryDepthTrimsAndRetainedValuesCanBeReadBack()
    {
        await using var server = await KvsServerFixture.StartAsync(cfg =>
        {
            cfg.KvsHistoryDepth = 4;
            cfg.KvsHistoryValues = 2;
        });
        using var c = RespClient.Connect(server.Port);
        for (int i = 1; i <= 10; i++) c.Call("SET", "k", "v" + i);
        var history = c.Call("KVS.HISTORY", "k");
        Assert.Equal(4, history.Count);
        Assert.Equal(10, Map(history[0])["version"].Integer);
        Assert.Equal(7, Map(history[3])["version"].Integer);
        Assert.Equal("v10", c.Call("KVS.GET", "k", "VERSION", "10").Text);
        Assert.Equal("v9", c.Call("KVS.GET", "k", "VERSION", "9").Text);
        Assert.Equal("ERR version 8 of this key is not retained", c.Call("KVS.GET", "k", "VERSION", "8").Text);
        // Hashes of versions whose values were dropped are still right.
        Assert.Equal("sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("v7"u8)), Map(history[3])["data_hash"].Text);
    }

    [Fact]
    public void VersionsAreNotRetainedByDefault()
    {
        using var c = fixture.Connect();
        var k = Key("noretain");
        c.Call("SET", k, "a");
        c.Call("SET", k, "b");
        Assert.Equal("b", c.Call("KVS.GET", k, "VERSION", "2").Text);
        Assert.Equal("ERR version 1 of this key is not retained", c.Call("KVS.GET", k, "VERSION", "1").Text);
        Assert.Equal("b", c.Call("KVS.GET", k).Text);
        Assert.True(c.Call("KVS.GET", Key("none")).IsNull);
    }

    [Fact]
    public async Task ConcurrentCompareAndSetHasExactlyOneWinnerPerRound()
    {
        const int clients = 8, rounds = 50;
        var k = Key("race");
        using (var setup = fixture.Connect()) setup.Call("KVS.SET", k, "0");
        var clientsList = Enumerable.Range(0, clients).Select(_ => fixture.Connect()).ToList();
        try
        {
            for (int round = 1; round <= rounds; round++)
            {
                long expected = round;
                using var barrier = new Barrier(clients);
                var tasks = clientsList.Select((c, i) => Task.Run(() =>
                {
                    barrier.SignalAndWait();
                    return c.Call("KVS.SET", k, $"r{expected}c{i}", "IFVERSION", expected);
                })).ToArray();
                var replies = await Task.WhenAll(tasks);
                Assert.Equal(1, replies.Count(r => r.Type == ':'));
                Assert.Equal(clients - 1, replies.Count(r => r.IsError && r.Text!.StartsWith("CONFLICT expected version " + expected, StringComparison.Ordinal)));
                Assert.Equal(expected + 1, replies.Single(r => r.Type == ':').Integer);
            }
        }
        finally
        {
            foreach (var c in clientsList) c.Dispose();
        }
    }

    [Fact]
    public void KvsDelHonoursIfVersion()
    {
        using var c = fixture.Connect();
        var k = Key("del");
        c.Call("SET", k, "a");
        c.Call("SET", k, "b");
        Assert.Equal("CONFLICT expected version 1, key is at version 2", c.Call("KVS.DEL", k, "IFVERSION", "1").Text);
        Assert.Equal(1, c.Call("KVS.DEL", k, "IFVERSION", "2").Integer);
        Assert.Equal(0, c.Call("KVS.DEL", k).Integer);
        Assert.Equal(0, c.Call("KVS.DEL", k, "IFVERSION", "0").Integer);
    }

    [Fact]
    public void TagsChangeTheVersionOnlyWhenTheyChange()
    {
        using var c = fixture.Connect();
        var k = Key("tags");
        c.Call("KVS.SET", k, "v", "TAG", "a");
        Assert.Equal(2, c.Call("KVS.TAG", k, "ADD", "b", "c").Integer);
        Assert.Equal(2, c.Call("KVS.TAG", k, "ADD", "b").Integer);
        Assert.Equal(new[] { "a", "b", "c" }, c.Call("KVS.TAGS", k).Items!.Select(i => i.Text).ToArray());
        Assert.Equal(3, c.Call("KVS.TAG", k, "REMOVE", "a", "zz").Integer);
        Assert.Equal(new[] { "b", "c" }, c.Call("KVS.TAGS", k).Items!.Select(i => i.Text).ToArray());
        Assert.Equal("ERR no such key", c.Call("KVS.TAG", Key("none"), "ADD", "x").Text);
        Assert.Equal("ERR syntax error", c.Call("KVS.TAG", k, "TOGGLE", "x").Text);
        Assert.Equal(0, c.Call("KVS.TAGS", Key("none")).Count);
        // A plain SET keeps the tags (they are metadata, not value).
        c.Call("SET", k, "w");
        Assert.Equal(2, c.Call("KVS.TAGS", k).Count);
    }

    private static List<string> FindAll(RespClient c, params object[] filters)
    {
        var keys = new List<string>();
        string cursor = "0";
        int guard = 0;
        do
        {
            var args = new List<object> { "KVS.FIND" };
            args.AddRange(filters);
            args.Add("CURSOR");
            args.Add(cursor);
            args.Add("COUNT");
            args.Add("3");
            var reply = c.Call(args.ToArray());
            cursor = reply[0].Text!;
            keys.AddRange(reply[1].Items!.Select(i => i.Text!));
        }
        while (cursor != "0" && ++guard < 1000);
        keys.Sort(StringComparer.Ordinal);
        return keys;
    }

    [Fact]
    public async Task FindFollowsTagsDeletesRenamesExpiryAndFlush()
    {
        await using var server = await KvsServerFixture.StartAsync(_ => { });
        using var c = RespClient.Connect(server.Port);
        for (int i = 0; i < 10; i++) c.Call("KVS.SET", $"users/active:{i}", "v", "TAG", "vip", "TAG", i % 2 == 0 ? "even" : "odd");
        c.Call("KVS.SET", "users/inactive:1", "v", "TAG", "vip");
        c.Call("KVS.SET", "orders:1", "v", "TAG", "vip");
        c.Call("SET", "users/active:plain", "v");

        Assert.Equal(12, FindAll(c, "TAG", "vip").Count);
        Assert.Equal(11, FindAll(c, "TAG", "vip", "NAMESPACE", "users").Count);
        Assert.Equal(10, FindAll(c, "TAG", "vip", "NAMESPACE", "users/active").Count);
        Assert.Equal(10, FindAll(c, "TAG", "vip", "NAMESPACE", "users:active").Count);
        Assert.Equal(5, FindAll(c, "TAG", "vip", "TAG", "even").Count);
        Assert.Equal(11, FindAll(c, "NAMESPACE", "users/active").Count);
        Assert.Empty(FindAll(c, "TAG", "nosuchtag"));

        c.Call("KVS.TAG", "users/active:0", "REMOVE", "vip");
        c.Call("DEL", "users/active:1");
        c.Call("RENAME", "users/active:2", "archive:2");
        c.Call("PEXPIRE", "users/active:3", "1");
        Thread.Sleep(20);
        var remaining = FindAll(c, "TAG", "vip", "NAMESPACE", "users/active");
        Assert.Equal(new[] { "users/active:4", "users/active:5", "users/active:6", "users/active:7", "users/active:8", "users/active:9" }, remaining);
        Assert.Equal(new[] { "archive:2" }, FindAll(c, "TAG", "vip", "NAMESPACE", "archive"));

        c.Call("FLUSHDB");
        Assert.Empty(FindAll(c, "TAG", "vip"));
        Assert.Empty(FindAll(c));
        Assert.Equal("ERR invalid cursor", c.Call("KVS.FIND", "CURSOR", "zz").Text);
    }

    [Fact]
    public void PayloadReadsSeveralKeysIntoAMap()
    {
        using var c = fixture.Connect();
        var a = Key("a");
        c.Call("SET", a, "1");
        var reply = c.Call("KVS.PAYLOAD", "first", a, "second", Key("missing"));
        Assert.Equal(4, reply.Count);
        Assert.Equal("first", reply[0].Text);
        Assert.Equal("1", reply[1].Text);
        Assert.True(reply[3].IsNull);
        Assert.Equal("ERR wrong number of arguments for 'kvs.payload' command", c.Call("KVS.PAYLOAD", "f", a, "g").Text);
    }

    [Fact]
    public void ModifiedByComesFromByThenClientNameThenUser()
    {
        using var c = fixture.Connect();
        var k = Key("who");
        c.Call("SET", k, "1");
        Assert.Equal("default", Map(c.Call("KVS.META", k))["modified_by"].Text);
        c.Call("CLIENT", "SETNAME", "worker-7");
        c.Call("SET", k, "2");
        Assert.Equal("worker-7", Map(c.Call("KVS.META", k))["modified_by"].Text);
        c.Call("KVS.SET", k, "3", "BY", "bob");
        Assert.Equal("bob", Map(c.Call("KVS.META", k))["modified_by"].Text);
    }

    [Fact]
    public void MetaRepliesAreMapsUnderResp3()
    {
        using var c = fixture.Connect();
        var k = Key("resp3");
        c.Call("KVS.SET", k, "v", "TAG", "t");
        c.Call("HELLO", "3");
        var meta = c.Call("KVS.META", k);
        Assert.Equal('%', meta.Type);
        var tags = Map(meta)["tags"];
        Assert.Equal('~', tags.Type);
        Assert.True(c.Call("KVS.META", Key("none")).IsNull);
    }
}
