using System.Text.RegularExpressions;
using Xunit;

namespace Kvs.Tests.Durability;

/// <summary>
/// Damaged logs: a torn last record (an interrupted write) is dropped with a warning and the
/// server starts; corruption in the middle refuses to start with the file and offset; the repair
/// tool (kvs-server check-aof --fix) truncates to the last good record.
/// </summary>
public sealed class FileCorruptionTests
{
    private static KvsProcess WriteKeysAndKill(TempDir dir, int count)
    {
        var server = KvsProcess.Start(dir.Path, "--appendfsync", "always");
        using (var c = server.Connect())
        {
            for (int i = 0; i < count; i++) Assert.Equal("OK", c.Call("SET", $"k{i}", $"value-{i}").Text);
        }
        server.Kill();
        return server;
    }

    [Fact]
    public void TornLastRecord_IsDroppedWithAWarning()
    {
        using var dir = new TempDir();
        WriteKeysAndKill(dir, 50).Dispose();
        string incr = dir.Increments()[^1];
        long length = new FileInfo(incr).Length;
        using (var fs = new FileStream(incr, FileMode.Open)) fs.SetLength(length - 3);

        using (var refused = KvsProcess.Start(dir.Path, wait: false, "--aof-load-truncated", "no"))
        {
            Assert.Equal(1, refused.WaitForExit());
            Assert.Contains("Unexpected end of file", refused.Output);
        }
        using (var server = KvsProcess.Start(dir.Path, "--appendfsync", "always"))
        {
            Assert.Contains("short read while loading the AOF file", server.Output);
            Assert.Contains("Truncating the AOF file", server.Output);
            using var c = server.Connect();
            Assert.Equal(49L, c.Call("DBSIZE").Integer);
            Assert.Equal("value-48", c.Call("GET", "k48").Text);
            Assert.True(c.Call("GET", "k49").IsNull);
            Assert.Equal("OK", c.Call("SET", "after", "1").Text);
            server.Kill();
        }
        Assert.True(new FileInfo(incr).Length < length - 3, "the torn record was cut off the file");
        using (var again = KvsProcess.Start(dir.Path))
        {
            Assert.DoesNotContain("short read", again.Output);
            using var c = again.Connect();
            Assert.Equal(50L, c.Call("DBSIZE").Integer);
            Assert.Equal("1", c.Call("GET", "after").Text);
        }
    }

    [Fact]
    public void CorruptionInTheMiddle_RefusesToStart_AndCheckAofRepairsIt()
    {
        using var dir = new TempDir();
        WriteKeysAndKill(dir, 100).Dispose();
        string incr = dir.Increments()[^1];
        var bytes = File.ReadAllBytes(incr);
        int middle = bytes.Length / 2;
        bytes[middle] ^= 0x5A;
        File.WriteAllBytes(incr, bytes);

        using (var refused = KvsProcess.Start(dir.Path, wait: false))
        {
            Assert.Equal(1, refused.WaitForExit());
            string output = refused.Output;
            Assert.Contains("Bad file format reading the append only file", output);
            Assert.Contains(Path.GetFileName(incr), output);
            var match = Regex.Match(output, @"at offset (\d+)");
            Assert.True(match.Success, output);
            long offset = long.Parse(match.Groups[1].Value);
            Assert.InRange(offset, middle - 200, middle);
            Assert.Contains("check-aof --fix", output);
        }

        var (code, report) = KvsProcess.CheckAof(incr);
        Assert.Equal(1, code);
        Assert.Contains("is not valid", report);
        (code, report) = KvsProcess.CheckAof("--fix", dir.Manifest);
        Assert.Equal(0, code);
        Assert.Contains("Successfully truncated", report);
        (code, report) = KvsProcess.CheckAof(dir.Manifest);
        Assert.Equal(0, code);
        Assert.Contains("valid", report);

        using var server = KvsProcess.Start(dir.Path);
        using var c = server.Connect();
        long keys = c.Call("DBSIZE").Integer;
        Assert.InRange(keys, 30, 60);
        for (int i = 0; i < keys; i++) Assert.Equal($"value-{i}", c.Call("GET", $"k{i}").Text);
    }

    [Fact]
    public void CheckAof_ReportsValidFilesAndUsage()
    {
        using var dir = new TempDir();
        WriteKeysAndKill(dir, 5).Dispose();
        var (code, report) = KvsProcess.CheckAof(dir.Increments()[^1]);
        Assert.Equal(0, code);
        Assert.Contains("is valid (5 records", report);
        (code, report) = KvsProcess.CheckAof();
        Assert.Equal(1, code);
        Assert.Contains("Usage: kvs-server check-aof", report);
    }
}
