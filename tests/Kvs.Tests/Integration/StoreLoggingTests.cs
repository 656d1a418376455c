using Kvs.Core.Storage;
using Kvs.Host;
using Kvs.Tests.Infrastructure;
using Xunit;

namespace Kvs.Tests.Integration;

/// <summary>
/// The logging decorator of the design, end to end: a server started with a verbose log level
/// writes a start and an end line per store operation (op, db, key, outcome, duration) to its
/// log file; at the default level sessions use the bare store and nothing is logged.
/// </summary>
public sealed class StoreLoggingTests
{
    private static async Task<string> RunAndReadLog(string level, Action<RespClient> commands)
    {
        string log = Path.Combine(Path.GetTempPath(), "kvs-storelog-" + Guid.NewGuid().ToString("N") + ".log");
        var config = KvsServerFixture.DefaultConfig();
        config.LogLevel = level;
        config.LogFile = log;
        try
        {
            await using (var server = await ServerHost.StartAsync(config, useSerilog: true))
            {
                Assert.Equal(level is "debug" or "verbose", server.Server.SessionStore is LoggingKvsStore);
                using var c = RespClient.Connect(server.Port);
                commands(c);
            }
            return File.ReadAllText(log);
        }
        finally
        {
            File.Delete(log);
        }
    }

    [Fact]
    public async Task VerboseLevelLogsEveryWriteWithOutcomeAndDuration()
    {
        string text = await RunAndReadLog("verbose", c =>
        {
            c.Call("CLIENT", "SETNAME", "logger-test");
            Assert.Equal("OK", c.Call("SET", "log:k\x01", "v").Text);
            Assert.Equal(1, c.Call("DEL", "log:k\x01").Integer);
            Assert.Equal(3, c.Call("RPUSH", "log:list", "a", "b", "c").Integer);
        });
        Assert.Contains("store create start: op=set db=0 key=\"log:k\\x01\" by=logger-test", text);
        Assert.Matches(@"store create end: op=set db=0 key=""log:k\\x01"" version=1 revision=\d+ in \d+us", text);
        Assert.Contains("store delete end: op=del db=0 key=\"log:k\\x01\" deleted in", text);
        Assert.Contains("store create end: op=rpush db=0 key=\"log:list\" version=1", text);
        // Reads are Trace: not at verbose.
        Assert.DoesNotContain("store read", text);
    }

    [Fact]
    public async Task DebugLevelAlsoLogsReads()
    {
        string text = await RunAndReadLog("debug", c =>
        {
            c.Call("GET", "log:missing");
        });
        Assert.Matches(@"store read end: db=0 key=""log:missing"" miss in \d+us", text);
    }

    [Fact]
    public async Task DefaultLevelDoesNotDecorateTheStore()
    {
        string text = await RunAndReadLog("notice", c => c.Call("SET", "log:quiet", "v"));
        Assert.DoesNotContain("store create", text);
    }
}
