using Kvs.Tests.Infrastructure;
using Xunit;

namespace Kvs.Tests.Durability;

/// <summary>
/// The log replays commands with their original clock and revision, so after a crash every key's
/// metadata is byte-for-byte what it was — versions, revisions, timestamps, authors, comments,
/// tags, TTLs, history — including changes no command made (expiry), keys moved by RENAME, MOVE,
/// SWAPDB and FLUSHDB, and the revision counter continues exactly where it stopped.
/// </summary>
public sealed class MetadataPersistenceTests
{
    private static readonly string[] Keys = { "doc", "tagged", "renamed", "moved", "gone", "lazy", "active", "swapped", "flushed", "hist" };

    private static Dictionary<string, byte[]> Capture(RespClient c)
    {
        var state = new Dictionary<string, byte[]>();
        for (int db = 0; db < 3; db++)
        {
            c.Call("SELECT", db);
            state[$"dbsize{db}"] = c.CallRaw("DBSIZE");
            foreach (var k in Keys)
            {
                state[$"{db}:{k}:value"] = c.CallRaw("GET", k);
                state[$"{db}:{k}:meta"] = c.CallRaw("KVS.META", k);
                state[$"{db}:{k}:history"] = c.CallRaw("KVS.HISTORY", k);
                state[$"{db}:{k}:pttl"] = c.CallRaw("PEXPIRETIME", k);
            }
        }
        c.Call("SELECT", 0);
        return state;
    }

    [Fact]
    public void AfterACrash_MetadataAndHistoryAreIdentical_AndRevisionsContinue()
    {
        using var dir = new TempDir();
        Dictionary<string, byte[]> before;
        long lastRevision;
        using (var server = KvsProcess.Start(dir.Path, "--appendfsync", "always"))
        {
            using var c = server.Connect();
            c.Call("KVS.SET", "doc", "v1", "BY", "bob", "COMMENT", "first draft");
            c.Call("KVS.SET", "doc", "v2", "COMMENT", "second");
            c.Call("SET", "doc", "v3", "EX", "5000");
            c.Call("KVS.TAG", "doc", "ADD", "red", "blue");
            c.Call("KVS.SET", "tagged", "x", "TAG", "a", "TAG", "b", "IFVERSION", "0");
            c.Call("KVS.TAG", "tagged", "REMOVE", "a");
            c.Call("SET", "renamed-src", "r");
            c.Call("RENAME", "renamed-src", "renamed");
            c.Call("SET", "moved", "m");
            c.Call("MOVE", "moved", "1");
            c.Call("SET", "gone", "g");
            c.Call("DEL", "gone");
            c.Call("SET", "lazy", "l", "PX", "50");
            c.Call("SET", "active", "a", "PX", "50");
            c.Call("SELECT", "2");
            c.Call("SET", "swapped", "s");
            c.Call("SELECT", "1");
            c.Call("SET", "flushed", "f");
            c.Call("SELECT", "0");
            c.Call("SWAPDB", "0", "2");
            c.Call("SWAPDB", "0", "2");
            c.Call("SELECT", "1");
            c.Call("SELECT", "0");
            for (int i = 0; i < 20; i++) c.Call("SET", "hist", $"h{i}");
            c.Call("EXPIRE", "hist", "900");
            c.Call("PERSIST", "hist");
            Thread.Sleep(200);
            Assert.True(c.Call("GET", "lazy").IsNull);       // lazy expiry by a read: logged as a removal
            Thread.Sleep(300);                                // the active janitor removes "active"
            Assert.Equal(0L, c.Call("EXISTS", "active").Integer);
            c.Call("SELECT", "1");
            c.Call("SET", "flushed2", "f");
            c.Call("FLUSHDB");
            c.Call("SET", "flushed", "again");
            c.Call("SELECT", "0");
            c.Call("KVS.SET", "probe", "p");
            lastRevision = Workload.MetaField(c.Call("KVS.META", "probe"), "revision");
            before = Capture(c);
            server.Kill();
        }
        using (var server = KvsProcess.Start(dir.Path))
        {
            using var c = server.Connect();
            var after = Capture(c);
            foreach (var (key, bytes) in before)
                Assert.True(bytes.AsSpan().SequenceEqual(after[key]), $"{key}: before {System.Text.Encoding.UTF8.GetString(bytes)} after {System.Text.Encoding.UTF8.GetString(after[key])}");
            Assert.Equal(16, c.Call("KVS.HISTORY", "hist", "COUNT", "100").Count);
            c.Call("KVS.SET", "next", "n");
            Assert.Equal(lastRevision + 1, Workload.MetaField(c.Call("KVS.META", "next"), "revision"));
            server.Kill();
        }
        // And once more through a rewrite: the base file carries the same metadata.
        using (var server = KvsProcess.Start(dir.Path))
        {
            using var c = server.Connect();
            Assert.Equal("Background append only file rewriting started", c.Call("BGREWRITEAOF").Text);
            EncryptionTests.WaitUntil(() => File.ReadAllText(dir.Manifest).Contains("type b"));
            server.Kill();
        }
        using (var server = KvsProcess.Start(dir.Path))
        {
            using var c = server.Connect();
            c.Call("DEL", "next");
            var after = Capture(c);
            foreach (var (key, bytes) in before)
                Assert.True(bytes.AsSpan().SequenceEqual(after[key]), $"after rewrite, {key}: before {System.Text.Encoding.UTF8.GetString(bytes)} after {System.Text.Encoding.UTF8.GetString(after[key])}");
        }
    }
}
