using Kvs.Core.Storage;
using Kvs.Tests.Infrastructure;
using Xunit;

namespace Kvs.Tests.Integration;

/// <summary>
/// Expiry over a real socket: the active janitor removes keys nobody reads, lazy expiry on
/// access, the EXPIRE family's conditions and edge cases, TTL rounding, and that TTL changes go
/// through the store's metadata.
/// </summary>
public sealed class ExpiryTests(KvsServerFixture fixture) : IClassFixture<KvsServerFixture>
{
    private KvsStore Store => fixture.Server.Server.Store;

    /// <summary>
    /// 2,000 keys with PX 100 leave DBSIZE (which reads no key) within 2 s, and KEYS/SCAN agree,
    /// which only the active expiry cycle can achieve.
    /// </summary>
    [Fact]
    public void ActiveExpiryRemovesKeysThatNobodyReads()
    {
        using var c = fixture.Connect();
        c.Call("SELECT", "2");
        c.Call("FLUSHDB");
        long expiredBefore;
        lock (Store.SyncRoot) expiredBefore = Store.Stats.ExpiredKeys;
        var ms = new MemoryStream();
        for (int i = 0; i < 2000; i++) ms.Write(RespClient.Encode("SET", "ttl:" + i, "v", "PX", "100"));
        for (int i = 0; i < 10; i++) ms.Write(RespClient.Encode("SET", "keep:" + i, "v"));
        c.SendRaw(ms.ToArray());
        for (int i = 0; i < 2010; i++) Assert.Equal("OK", c.Read().Text);
        var setAt = DateTime.UtcNow;
        Assert.True(c.Call("DBSIZE").Integer > 1000, "the keys exist before their TTL");

        long size;
        do
        {
            Thread.Sleep(50);
            size = c.Call("DBSIZE").Integer;
        }
        while (size > 10 && DateTime.UtcNow - setAt < TimeSpan.FromSeconds(2.1));

        Assert.Equal(10, size);
        Assert.Equal(10, c.Call("KEYS", "*").Count);
        var scan = c.Call("SCAN", "0", "COUNT", "10000");
        Assert.Equal(10, scan[1].Count);
        lock (Store.SyncRoot) Assert.True(Store.Stats.ExpiredKeys - expiredBefore >= 2000);
        c.Call("FLUSHDB");
    }

    [Fact]
    public void ExpiredKeyIsGoneOnAccess()
    {
        using var c = fixture.Connect();
        c.Call("SET", "lazy", "v", "PX", "30");
        Assert.Equal("v", c.Call("GET", "lazy").Text);
        Thread.Sleep(60);
        Assert.True(c.Call("GET", "lazy").IsNull);
        Assert.Equal(-2, c.Call("TTL", "lazy").Integer);
        Assert.Equal(0, c.Call("EXISTS", "lazy").Integer);
        Assert.Equal("ERR no such key", c.Call("RENAME", "lazy", "other").Text);
        Assert.Equal(0, c.Call("PERSIST", "lazy").Integer);
    }

    [Fact]
    public void TtlFamilyReportsRemainingAndAbsoluteTimes()
    {
        using var c = fixture.Connect();
        c.Call("SET", "t", "v");
        Assert.Equal(-1, c.Call("TTL", "t").Integer);
        Assert.Equal(-1, c.Call("PEXPIRETIME", "t").Integer);
        Assert.Equal(-2, c.Call("PTTL", "t-missing").Integer);

        Assert.Equal(1, c.Call("EXPIRE", "t", "100").Integer);
        Assert.Equal(100, c.Call("TTL", "t").Integer);
        long pttl = c.Call("PTTL", "t").Integer;
        Assert.InRange(pttl, 99_000, 100_000);

        Assert.Equal(1, c.Call("PEXPIRE", "t", "1700").Integer);
        Assert.Equal(2, c.Call("TTL", "t").Integer);

        Assert.Equal(1, c.Call("PEXPIREAT", "t", "4102444800499").Integer);
        Assert.Equal(4102444800499, c.Call("PEXPIRETIME", "t").Integer);
        Assert.Equal(4102444800, c.Call("EXPIRETIME", "t").Integer);
        Assert.Equal(1, c.Call("EXPIREAT", "t", "4102444801").Integer);
        Assert.Equal(4102444801000, c.Call("PEXPIRETIME", "t").Integer);

        Assert.Equal(1, c.Call("PERSIST", "t").Integer);
        Assert.Equal(-1, c.Call("TTL", "t").Integer);
        Assert.Equal(0, c.Call("PERSIST", "t").Integer);
    }

    [Fact]
    public void ConditionsFollowRedisRulesWithNoTtlAsInfinite()
    {
        using var c = fixture.Connect();
        c.Call("SET", "cond", "v");
        Assert.Equal(0, c.Call("EXPIRE", "cond", "100", "XX").Integer);
        Assert.Equal(0, c.Call("EXPIRE", "cond", "100", "GT").Integer);
        Assert.Equal(1, c.Call("EXPIRE", "cond", "100", "LT").Integer);
        Assert.Equal(0, c.Call("EXPIRE", "cond", "50", "NX").Integer);
        Assert.Equal(0, c.Call("EXPIRE", "cond", "50", "GT").Integer);
        Assert.Equal(1, c.Call("EXPIRE", "cond", "200", "GT").Integer);
        Assert.Equal(0, c.Call("EXPIRE", "cond", "300", "LT").Integer);
        Assert.Equal(1, c.Call("EXPIRE", "cond", "150", "XX", "LT").Integer);
        Assert.Equal(150, c.Call("TTL", "cond").Integer);

        Assert.Equal("ERR NX and XX, GT or LT options at the same time are not compatible", c.Call("EXPIRE", "cond", "1", "NX", "LT").Text);
        Assert.Equal("ERR GT and LT options at the same time are not compatible", c.Call("EXPIRE", "cond", "1", "GT", "LT").Text);
        Assert.Equal("ERR Unsupported option XYZ", c.Call("EXPIRE", "cond", "oops", "XYZ").Text);
        Assert.Equal("ERR invalid expire time in 'expire' command", c.Call("EXPIRE", "cond", "9223372036854775").Text);
        Assert.Equal("ERR invalid expire time in 'pexpire' command", c.Call("PEXPIRE", "cond", "9223372036854775807").Text);
        Assert.Equal(150, c.Call("TTL", "cond").Integer);
    }

    [Fact]
    public void TimeInThePastDeletesTheKeyAndRepliesOne()
    {
        using var c = fixture.Connect();
        foreach (var (command, arg) in new[] { ("EXPIRE", "-1"), ("EXPIRE", "0"), ("PEXPIRE", "-100"), ("EXPIREAT", "1"), ("PEXPIREAT", "0") })
        {
            c.Call("SET", "past", "v");
            Assert.Equal(1, c.Call(command, "past", arg).Integer);
            Assert.Equal(0, c.Call("EXISTS", "past").Integer);
        }
        Assert.Equal(0, c.Call("EXPIRE", "past", "-1").Integer);
    }

    [Fact]
    public void ExpiryChangesGoThroughTheStoreMetadata()
    {
        using var c = fixture.Connect();
        c.Call("DEL", "meta");
        c.Call("SET", "meta", "v");
        c.Call("EXPIRE", "meta", "100");
        long revisionAfterExpire;
        lock (Store.SyncRoot)
        {
            var e = Store.Find(Store.GetDatabase(0), "meta"u8)!;
            Assert.Equal(2, e.Version);
            Assert.Equal("expire", e.LastOp);
            Assert.True(e.ExpiresAt > Store.Now + 99_000);
            revisionAfterExpire = e.Revision;
        }
        c.Call("PERSIST", "meta");
        lock (Store.SyncRoot)
        {
            var e = Store.Find(Store.GetDatabase(0), "meta"u8)!;
            Assert.Equal(3, e.Version);
            Assert.Equal("persist", e.LastOp);
            Assert.Equal(0, e.ExpiresAt);
            Assert.True(e.Revision > revisionAfterExpire);
        }
        // Unmet conditions change nothing.
        c.Call("EXPIRE", "meta", "10", "XX");
        lock (Store.SyncRoot) Assert.Equal(3, Store.Find(Store.GetDatabase(0), "meta"u8)!.Version);
    }

    [Fact]
    public void TtlSurvivesRenameMoveAndCopy()
    {
        using var c = fixture.Connect();
        c.Call("FLUSHALL");
        c.Call("SET", "a", "v", "EX", "100");
        c.Call("RENAME", "a", "b");
        Assert.Equal(100, c.Call("TTL", "b").Integer);
        c.Call("COPY", "b", "c");
        Assert.Equal(100, c.Call("TTL", "c").Integer);
        c.Call("MOVE", "c", "3");
        c.Call("SELECT", "3");
        Assert.Equal(100, c.Call("TTL", "c").Integer);
        c.Call("FLUSHALL");
    }
}
