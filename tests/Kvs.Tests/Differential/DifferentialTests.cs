using System.Text;
using Kvs.Tests.Infrastructure;
using Xunit;

namespace Kvs.Tests.Differential;

/// <summary>One Redis 7 and one Kvs, shared by all scripts (which run one after the other).</summary>
public sealed class DifferentialFixture : IAsyncLifetime
{
    public RedisServerProcess Redis { get; private set; } = null!;
    public Kvs.Host.RunningServer Kvs { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Redis = RedisServerProcess.Start();
        Kvs = await KvsServerFixture.StartAsync(_ => { });
    }

    public async Task DisposeAsync()
    {
        Redis.Dispose();
        await Kvs.DisposeAsync();
    }
}

/// <summary>
/// Runs every script in Differential/Scripts against Redis 7 and Kvs and compares the replies
/// byte for byte (see <see cref="DifferentialScript"/> for the directives).
/// </summary>
public sealed class DifferentialTests(DifferentialFixture fixture) : IClassFixture<DifferentialFixture>
{
    public static IEnumerable<object[]> Scripts() =>
        Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Differential", "Scripts"), "*.redis")
            .OrderBy(p => p, StringComparer.Ordinal)
            .Select(p => new object[] { Path.GetFileName(p) });

    [Theory]
    [MemberData(nameof(Scripts))]
    public void RepliesMatchRedis(string script)
    {
        var lines = DifferentialScript.Parse(Path.Combine(AppContext.BaseDirectory, "Differential", "Scripts", script));
        using var redis = RespClient.Connect(fixture.Redis.Port);
        using var kvs = RespClient.Connect(fixture.Kvs.Port);
        redis.Call("FLUSHALL");
        kvs.Call("FLUSHALL");
        var failures = new StringBuilder();
        foreach (var line in lines)
        {
            if (line.SleepMs > 0) Thread.Sleep(line.SleepMs);
            if (line.Args.Count == 0) continue;
            var args = line.Args.Cast<object>().ToArray();
            byte[] expected = redis.CallRaw(args);
            byte[] actual = kvs.CallRaw(args);
            if (!Matches(line.Mode, expected, actual))
            {
                failures.Append($"{script}:{line.LineNumber}: {line.Text}\n  redis: {Show(expected)}\n  kvs:   {Show(actual)}\n");
            }
        }
        Assert.True(failures.Length == 0, "Replies differ from Redis:\n" + failures);
    }

    private static bool Matches(string mode, byte[] expected, byte[] actual)
    {
        switch (mode)
        {
            case "ignore":
                return true;
            case "type":
                return expected.Length > 0 && actual.Length > 0 && expected[0] == actual[0];
            case "sorted":
                var e = RespValue.Parse(expected);
                var a = RespValue.Parse(actual);
                return Canonical(e) == Canonical(a);
            default:
                return expected.AsSpan().SequenceEqual(actual);
        }
    }

    private static string Canonical(RespValue v)
    {
        if (v.Items == null) return v.Type + (v.Text ?? v.Integer.ToString());
        var items = v.Items.Select(Canonical).OrderBy(s => s, StringComparer.Ordinal);
        return v.Type + "[" + string.Join(",", items) + "]";
    }

    private static string Show(byte[] raw)
    {
        var s = Encoding.UTF8.GetString(raw, 0, Math.Min(raw.Length, 400)).Replace("\r\n", "\\r\\n");
        return raw.Length > 400 ? s + "..." : s;
    }
}
