using Kvs.Tests.Infrastructure;
using Xunit;

namespace Kvs.Tests.Differential;

/// <summary>
/// Randomised differential test of the glob matcher: the same keys and a few thousand random
/// patterns over a hostile alphabet (<c>* ? [ ] ^ - \</c>, NUL, 0xFF for signed-char ranges) go to
/// Redis and Kvs as KEYS commands, and the matched sets must be equal. Seeded, so a failure
/// reproduces.
/// </summary>
public sealed class GlobDifferentialTests(DifferentialFixture fixture) : IClassFixture<DifferentialFixture>
{
    private static readonly byte[] PatternAlphabet = "ab*?[]^-\\"u8.ToArray().Concat(new byte[] { 0, 0xFF }).ToArray();
    private static readonly byte[] KeyAlphabet = "ab-]^[\\*?"u8.ToArray().Concat(new byte[] { 0, 0xFF }).ToArray();

    private static byte[] RandomBytes(Random random, byte[] alphabet, int maxLength)
    {
        var bytes = new byte[random.Next(maxLength + 1)];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = alphabet[random.Next(alphabet.Length)];
        return bytes;
    }

    private static List<string> Sorted(RespValue reply)
    {
        var list = new List<string>();
        foreach (var item in reply.Items!) list.Add(Convert.ToHexString(item.Bytes!));
        list.Sort(StringComparer.Ordinal);
        return list;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void KeysMatchesTheSameKeysAsRedis(int seed)
    {
        var random = new Random(seed);
        using var redis = RespClient.Connect(fixture.Redis.Port);
        using var kvs = RespClient.Connect(fixture.Kvs.Port);
        foreach (var c in new[] { redis, kvs })
        {
            c.Call("SELECT", "11");
            c.Call("FLUSHDB");
        }
        for (int i = 0; i < 200; i++)
        {
            var key = RandomBytes(random, KeyAlphabet, 6);
            redis.Call("SET", key, "1");
            kvs.Call("SET", key, "1");
        }
        for (int i = 0; i < 1500; i++)
        {
            var pattern = RandomBytes(random, PatternAlphabet, 8);
            var expected = Sorted(redis.Call("KEYS", pattern));
            var actual = Sorted(kvs.Call("KEYS", pattern));
            Assert.True(expected.SequenceEqual(actual), $"pattern {Convert.ToHexString(pattern)}: redis {expected.Count} keys, kvs {actual.Count}");
        }
        // Deep '*' nesting hits Redis's recursion bound the same way.
        foreach (var (keyLength, pattern) in new[] { (1200, string.Concat(Enumerable.Repeat("a*", 1200))), (1000, string.Concat(Enumerable.Repeat("*a", 1000))), (5000, string.Concat(Enumerable.Repeat("*a", 40)) + "b") })
        {
            var key = new string('a', keyLength);
            redis.Call("SET", key, "1");
            kvs.Call("SET", key, "1");
            Assert.Equal(Sorted(redis.Call("KEYS", pattern)), Sorted(kvs.Call("KEYS", pattern)));
        }
        redis.Call("FLUSHDB");
        kvs.Call("FLUSHDB");
    }
}
