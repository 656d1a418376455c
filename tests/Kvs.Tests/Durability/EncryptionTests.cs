using System.Security.Cryptography;
using System.Text;
using Xunit;

namespace Kvs.Tests.Durability;

/// <summary>
/// Encryption at rest (kvs-encryption-key-file): nothing in the data directory shows a value in
/// clear, a restart with the key gets everything back, a wrong or missing key refuses to start
/// with a clear message that does not contain the key.
/// </summary>
public sealed class EncryptionTests
{
    [Fact]
    public void EncryptedLogAndSnapshots_RoundTrip_AndWrongKeyIsRefused()
    {
        using var dir = new TempDir();
        string keyHex = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        string keyFile = Path.Combine(dir.Path, "..", Path.GetFileName(dir.Path) + ".key");
        File.WriteAllText(keyFile, keyHex.ToLowerInvariant() + "\n");
        string wrongKeyFile = keyFile + ".wrong";
        File.WriteAllBytes(wrongKeyFile, RandomNumberGenerator.GetBytes(32));
        try
        {
            using (var server = KvsProcess.Start(dir.Path, "--kvs-encryption-key-file", keyFile, "--appendfsync", "always"))
            {
                using var c = server.Connect();
                Assert.Equal(1L, c.Call("KVS.SET", "secret", "plaintext-marker-in-base", "TAG", "tag-marker-xyz").Integer);
                Assert.Equal("Background append only file rewriting started", c.Call("BGREWRITEAOF").Text);
                WaitUntil(() => File.ReadAllText(dir.Manifest).Contains("type b"));
                Assert.Equal("OK", c.Call("SET", "later", "plaintext-marker-in-log").Text);
                Assert.Equal("OK", c.Call("SAVE").Text);
                Assert.Equal("OK", c.Call("SET", "last", "plaintext-marker-after-save").Text);
                server.Kill();
                Assert.DoesNotContain(keyHex, server.Output, StringComparison.OrdinalIgnoreCase);
            }
            foreach (var file in Directory.EnumerateFiles(dir.Path, "*", SearchOption.AllDirectories))
            {
                string text = Encoding.Latin1.GetString(File.ReadAllBytes(file));
                Assert.DoesNotContain("plaintext-marker", text);
                Assert.DoesNotContain("tag-marker", text);
            }
            Assert.True(File.Exists(Path.Combine(dir.Path, "dump.rdb")));

            using (var server = KvsProcess.Start(dir.Path, "--kvs-encryption-key-file", keyFile))
            {
                using var c = server.Connect();
                Assert.Equal("plaintext-marker-in-base", c.Call("GET", "secret").Text);
                Assert.Equal("tag-marker-xyz", c.Call("KVS.TAGS", "secret")[0].Text);
                Assert.Equal("plaintext-marker-in-log", c.Call("GET", "later").Text);
                Assert.Equal("plaintext-marker-after-save", c.Call("GET", "last").Text);
                server.Kill();
            }
            using (var wrong = KvsProcess.Start(dir.Path, wait: false, "--kvs-encryption-key-file", wrongKeyFile))
            {
                Assert.Equal(1, wrong.WaitForExit());
                Assert.Contains("Wrong encryption key", wrong.Output);
                Assert.DoesNotContain(keyHex, wrong.Output, StringComparison.OrdinalIgnoreCase);
            }
            using (var missing = KvsProcess.Start(dir.Path, wait: false))
            {
                Assert.Equal(1, missing.WaitForExit());
                Assert.Contains("is encrypted: set kvs-encryption-key-file", missing.Output);
            }
            // The snapshot alone (appendonly no) is encrypted too.
            using (var fromDump = KvsProcess.Start(dir.Path, "--appendonly", "no", "--kvs-encryption-key-file", keyFile))
            {
                using var c = fromDump.Connect();
                Assert.Equal("plaintext-marker-in-log", c.Call("GET", "later").Text);
                Assert.True(c.Call("GET", "last").IsNull);
            }
        }
        finally
        {
            File.Delete(keyFile);
            File.Delete(wrongKeyFile);
        }
    }

    [Fact]
    public void MalformedKeyFile_RefusesToStart()
    {
        using var dir = new TempDir();
        string keyFile = Path.Combine(dir.Path, "bad.key");
        File.WriteAllText(keyFile, "not-a-key");
        using var server = KvsProcess.Start(dir.Path, wait: false, "--kvs-encryption-key-file", keyFile);
        Assert.Equal(1, server.WaitForExit());
        Assert.Contains("must contain exactly 32 raw bytes or 64 hexadecimal characters", server.Output);
    }

    internal static void WaitUntil(Func<bool> condition, int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met in time");
            Thread.Sleep(20);
        }
    }
}
