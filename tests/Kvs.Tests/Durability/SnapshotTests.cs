using System.Text;
using Kvs.Core.Config;
using Kvs.Host;
using Kvs.Tests.Infrastructure;
using Xunit;

namespace Kvs.Tests.Durability;

/// <summary>
/// Snapshots: BGSAVE is an image of the moment it was asked for even while every key changes
/// right after (copy-on-write without fork), SAVE/BGSAVE/BGREWRITEAOF/LASTSAVE reply as Redis
/// does, a restart with appendonly no loads the snapshot, and a graceful stop writes the final
/// snapshot and flushes the log.
/// </summary>
public sealed class SnapshotTests
{
    private static Task<RunningServer> StartAsync(string dir, Action<ServerConfig>? configure = null) =>
        KvsServerFixture.StartAsync(c =>
        {
            c.Dir = dir;
            c.AppendOnly = false;
            c.Save = "";
            configure?.Invoke(c);
        });

    private static void Pipeline(RespClient c, IEnumerable<object[]> commands)
    {
        var ms = new MemoryStream();
        int n = 0;
        foreach (var cmd in commands)
        {
            ms.Write(RespClient.Encode(cmd));
            n++;
        }
        c.SendRaw(ms.ToArray());
        for (int i = 0; i < n; i++)
        {
            var reply = c.Read();
            Assert.False(reply.IsError, reply.ToString());
        }
    }

    private static void WaitForBackgroundJobs(RunningServer server)
    {
        var status = server.Server.Persistence!.Status;
        EncryptionTests.WaitUntil(() => !status.RdbBgsaveInProgress && !status.AofRewriteInProgress && !status.AofRewriteScheduled && !status.RdbBgsaveScheduled, 20_000);
    }

    [Fact]
    public async Task Bgsave_IsAnImageOfTheMomentItWasAskedFor()
    {
        using var dir = new TempDir();
        const int keys = 20_000;
        await using (var server = await StartAsync(dir.Path))
        {
            using var c = RespClient.Connect(server.Port);
            Pipeline(c, Enumerable.Range(0, keys).Select(i => new object[] { "SET", $"key:{i}", $"v1-{i}" }));
            Pipeline(c, new[] { new object[] { "SELECT", "1" } }.Concat(Enumerable.Range(0, 100).Select(i => new object[] { "KVS.SET", $"one:{i}", "x", "TAG", "t" })).Append(new object[] { "SELECT", "0" }));

            // BGSAVE and, in the same batch, changes to everything: they must not show in the snapshot.
            var batch = new List<object[]> { new object[] { "BGSAVE" } };
            for (int i = 0; i < keys; i += 2) batch.Add(new object[] { "SET", $"key:{i}", "v2" });
            for (int i = 1; i < keys; i += 10) batch.Add(new object[] { "DEL", $"key:{i}" });
            batch.Add(new object[] { "RENAME", "key:3", "renamed" });
            batch.Add(new object[] { "SWAPDB", "0", "1" });
            batch.Add(new object[] { "FLUSHDB" });
            batch.Add(new object[] { "SET", "new", "1" });
            Pipeline(c, batch);
            // More changes while the walk is under way.
            Pipeline(c, new[] { new object[] { "SELECT", "1" } }.Concat(Enumerable.Range(0, keys).Where(i => i % 3 == 0).Select(i => new object[] { "SET", $"key:{i}", "v3" })));
            WaitForBackgroundJobs(server);
            Assert.Equal("ok", server.Server.Persistence!.Status.RdbLastBgsaveStatus);
        }
        await using (var server = await StartAsync(dir.Path))
        {
            using var c = RespClient.Connect(server.Port);
            Assert.Equal(keys, c.Call("DBSIZE").Integer);
            for (int i = 0; i < keys; i += 97) Assert.Equal($"v1-{i}", c.Call("GET", $"key:{i}").Text);
            Assert.Equal("v1-3", c.Call("GET", "key:3").Text);
            Assert.True(c.Call("GET", "renamed").IsNull);
            Assert.True(c.Call("GET", "new").IsNull);
            c.Call("SELECT", "1");
            Assert.Equal(100L, c.Call("DBSIZE").Integer);
            Assert.Equal("t", c.Call("KVS.TAGS", "one:5")[0].Text);
            Assert.Equal(20_000L, server.Server.Persistence!.Status.RdbLastLoadKeysLoaded - 100);
        }
    }

    [Fact]
    public async Task SaveCommands_ReplyAsRedis()
    {
        using var dir = new TempDir();
        await using var server = await StartAsync(dir.Path, c => c.AppendOnly = true);
        using var c = RespClient.Connect(server.Port);
        Pipeline(c, Enumerable.Range(0, 30_000).Select(i => new object[] { "SET", $"k{i}", "v" }));
        long before = c.Call("LASTSAVE").Integer;
        Assert.InRange(before, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 100, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        // One batch: the background save cannot finish before the batch ends (it needs the lock).
        c.SendRaw(RespClient.Encode("BGSAVE").Concat(RespClient.Encode("BGSAVE")).Concat(RespClient.Encode("BGSAVE", "SCHEDULE"))
            .Concat(RespClient.Encode("SAVE")).Concat(RespClient.Encode("BGREWRITEAOF")).Concat(RespClient.Encode("BGREWRITEAOF")).ToArray());
        Assert.Equal("+Background saving started\r\n", Encoding.UTF8.GetString(c.ReadRaw()));
        Assert.Equal("-ERR Background save already in progress\r\n", Encoding.UTF8.GetString(c.ReadRaw()));
        Assert.Equal("-ERR Background save already in progress\r\n", Encoding.UTF8.GetString(c.ReadRaw()));
        Assert.Equal("-ERR Background save already in progress\r\n", Encoding.UTF8.GetString(c.ReadRaw()));
        Assert.Equal("+Background append only file rewriting scheduled\r\n", Encoding.UTF8.GetString(c.ReadRaw()));
        Assert.Equal("+Background append only file rewriting scheduled\r\n", Encoding.UTF8.GetString(c.ReadRaw()));
        WaitForBackgroundJobs(server);
        c.SendRaw(RespClient.Encode("BGREWRITEAOF").Concat(RespClient.Encode("BGREWRITEAOF")).Concat(RespClient.Encode("BGSAVE"))
            .Concat(RespClient.Encode("BGSAVE", "SCHEDULE")).ToArray());
        Assert.Equal("+Background append only file rewriting started\r\n", Encoding.UTF8.GetString(c.ReadRaw()));
        Assert.Equal("-ERR Background append only file rewriting already in progress\r\n", Encoding.UTF8.GetString(c.ReadRaw()));
        Assert.Equal("-ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.\r\n", Encoding.UTF8.GetString(c.ReadRaw()));
        Assert.Equal("+Background saving scheduled\r\n", Encoding.UTF8.GetString(c.ReadRaw()));
        WaitForBackgroundJobs(server);
        Assert.Equal("-ERR syntax error\r\n", Encoding.UTF8.GetString(c.CallRaw("BGSAVE", "NOW")));
        Assert.Equal("+OK\r\n", Encoding.UTF8.GetString(c.CallRaw("SAVE")));
        Assert.True(c.Call("LASTSAVE").Integer >= before);

        var info = new StringBuilder();
        lock (server.Server.Store.SyncRoot) server.Server.Persistence!.Status.AppendInfo(info);
        string text = info.ToString();
        Assert.Contains("aof_enabled:1\r\n", text);
        Assert.Contains("rdb_bgsave_in_progress:0\r\n", text);
        Assert.Contains("rdb_last_bgsave_status:ok\r\n", text);
        Assert.Contains("aof_last_bgrewrite_status:ok\r\n", text);
        Assert.Contains("aof_last_write_status:ok\r\n", text);
        Assert.Contains("rdb_changes_since_last_save:0\r\n", text);
        Assert.Contains("aof_rewrites:2\r\n", text);
        Assert.True(text.Contains("rdb_saves:3\r\n"), text);
        Assert.Matches(@"aof_current_size:[1-9]\d*\r\n", text);
        Assert.Matches(@"aof_base_size:[1-9]\d*\r\n", text);
        c.Call("SET", "one-more", "x");
        info.Clear();
        lock (server.Server.Store.SyncRoot) server.Server.Persistence!.Status.AppendInfo(info);
        Assert.Contains("rdb_changes_since_last_save:1\r\n", info.ToString());
    }

    [Fact]
    public void GracefulStop_WritesTheFinalSnapshot_WhichSeedsTheAofWhenItIsTurnedOn()
    {
        using var dir = new TempDir();
        using (var server = KvsProcess.Start(dir.Path, "--appendonly", "no", "--save", "3600 1"))
        {
            using var c = server.Connect();
            for (int i = 0; i < 200; i++) c.Call("KVS.SET", $"k{i}", $"v{i}", "COMMENT", "seed");
            server.Terminate();
            Assert.Equal(0, server.ExitCode);
            Assert.Contains("Saving the final snapshot before exiting", server.Output);
        }
        Assert.True(File.Exists(Path.Combine(dir.Path, "dump.rdb")));
        Assert.False(Directory.Exists(dir.AofDir));
        // appendonly yes without an AOF yet: the snapshot is loaded and becomes the first base.
        using (var server = KvsProcess.Start(dir.Path, "--appendfsync", "always"))
        {
            Assert.Contains("DB loaded from snapshot dump.rdb: 200 keys", server.Output);
            Assert.Contains("Created a new AOF base", server.Output);
            using var c = server.Connect();
            Assert.Equal("OK", c.Call("SET", "extra", "e").Text);
            server.Kill();
        }
        File.Delete(Path.Combine(dir.Path, "dump.rdb"));
        using (var server = KvsProcess.Start(dir.Path))
        {
            Assert.Contains("DB loaded from append only file: 201 keys", server.Output);
            using var c = server.Connect();
            Assert.Equal("v199", c.Call("GET", "k199").Text);
            Assert.Equal("seed", Workload.TextField(c.Call("KVS.HISTORY", "k7")[0], "comment"));
            Assert.Equal("e", c.Call("GET", "extra").Text);
        }
    }

    [Fact]
    public async Task TurningAppendonlyOnAtRunTime_StartsWithARewrite()
    {
        using var dir = new TempDir();
        await using (var server = await StartAsync(dir.Path))
        {
            using var c = RespClient.Connect(server.Port);
            for (int i = 0; i < 100; i++) c.Call("SET", $"before:{i}", "b");
            var config = server.Server.Config;
            // What CONFIG SET appendonly yes does (the option's Changed event, under the lock).
            lock (server.Server.Store.SyncRoot) Assert.Null(config.Set(ServerConfig.FindOption("appendonly")!, "yes", atStartup: false));
            WaitForBackgroundJobs(server);
            Assert.True(File.Exists(dir.Manifest));
            Assert.Contains("type b", File.ReadAllText(dir.Manifest));
            Assert.NotNull(server.Server.Persistence!.Journal);
            for (int i = 0; i < 100; i++) c.Call("SET", $"after:{i}", "a");
            lock (server.Server.Store.SyncRoot) Assert.Null(config.Set(ServerConfig.FindOption("appendonly")!, "no", atStartup: false));
            Assert.Null(server.Server.Persistence!.Journal);
            c.Call("SET", "not-logged", "x");
        }
        await using (var server = await StartAsync(dir.Path, c => c.AppendOnly = true))
        {
            using var c = RespClient.Connect(server.Port);
            Assert.Equal(200L, c.Call("DBSIZE").Integer);
            Assert.Equal("a", c.Call("GET", "after:99").Text);
            Assert.True(c.Call("GET", "not-logged").IsNull);
        }
    }
}
