using System.Diagnostics;
using Xunit;

namespace Kvs.Tests.Durability;

/// <summary>
/// A data directory that cannot be written (read-only file system at start, disk full later):
/// the server logs a clear error, keeps serving reads, refuses writes with Redis's
/// "-MISCONF Errors writing to the AOF file: ..." and accepts them again as soon as the disk
/// works, without losing what it had acknowledged. Uses a small tmpfs mount (needs root).
/// </summary>
public sealed class DiskErrorTests
{
    private static bool Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            p.WaitForExit(10_000);
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    [Fact]
    public void UnwritableAndFullDisk_RefuseWritesWithMisconf_ReadsWork_AndRecover()
    {
        using var dir = new TempDir();
        if (!Run("mount", "-t", "tmpfs", "-o", "size=2m,mode=0777", "tmpfs", dir.Path))
        {
            Assert.NotEqual("root", Environment.UserName);
            return; // not root: cannot mount a small file system here
        }
        try
        {
            Assert.True(Run("mount", "-o", "remount,ro", dir.Path));
            using var server = KvsProcess.Start(dir.Path, "--appendfsync", "everysec");
            Assert.Contains("Can't open the append only file", server.Output);
            using var c = server.Connect();
            var refused = c.Call("SET", "a", "1");
            Assert.True(refused.IsError);
            Assert.Equal("MISCONF Errors writing to the AOF file: Read-only file system", refused.Text);
            Assert.True(c.Call("GET", "a").IsNull);                       // reads still work
            Assert.StartsWith("MISCONF", c.Call("PING").Text);          // as Redis: PING reports it too

            Assert.True(Run("mount", "-o", "remount,rw", dir.Path));
            WaitForWrites(c, "a", "1");
            server.WaitForOutput("could be opened again");

            // Disk full: fill the file system, writes are refused once the log can't be written.
            string filler = Path.Combine(dir.Path, "filler");
            using (var fs = new FileStream(filler, FileMode.Create))
            {
                var block = new byte[64 * 1024];
                try
                {
                    while (true) fs.Write(block);
                }
                catch (IOException) { }
            }
            var acknowledged = new List<string>();
            var deadline = DateTime.UtcNow.AddSeconds(10);
            string? error = null;
            for (int i = 0; DateTime.UtcNow < deadline; i++)
            {
                var reply = c.Call("SET", $"b{i}", new string('v', 2000));
                if (reply.IsError)
                {
                    error = reply.Text;
                    break;
                }
                acknowledged.Add($"b{i}");
                Thread.Sleep(5);
            }
            Assert.Equal("MISCONF Errors writing to the AOF file: No space left on device", error);
            Assert.Equal("1", c.Call("GET", "a").Text);
            server.WaitForOutput("Error writing to the AOF file");

            File.Delete(filler);
            WaitForWrites(c, "c", "3");
            server.WaitForOutput("AOF write error looks solved");
            Thread.Sleep(200); // everysec: let the flusher hand the last write to the OS before the kill
            server.Kill();

            using var restarted = KvsProcess.Start(dir.Path);
            using var r = restarted.Connect();
            Assert.Equal("1", r.Call("GET", "a").Text);
            Assert.Equal("3", r.Call("GET", "c").Text);
            foreach (var key in acknowledged) Assert.Equal(2000, r.Call("GET", key).Bytes!.Length);
            restarted.Kill();
        }
        finally
        {
            Run("umount", "-l", dir.Path);
        }
    }

    private static void WaitForWrites(Kvs.Tests.Infrastructure.RespClient c, string key, string value)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var reply = c.Call("SET", key, value);
            if (!reply.IsError) return;
            Assert.StartsWith("MISCONF", reply.Text);
            if (DateTime.UtcNow > deadline) throw new TimeoutException("writes were not accepted again: " + reply.Text);
            Thread.Sleep(50);
        }
    }
}
