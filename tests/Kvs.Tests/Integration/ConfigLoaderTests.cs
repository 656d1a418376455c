using System.Collections;
using Kvs.Core.Config;
using Kvs.Host;
using Xunit;

namespace Kvs.Tests.Integration;

/// <summary>
/// Start-up configuration as redis-server takes it: a redis.conf-syntax file as the first
/// argument, then KVS_&lt;OPTION&gt; environment variables, then --option flags, later sources
/// winning; anything unknown or malformed stops start-up with a message naming it.
/// </summary>
public sealed class ConfigLoaderTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "kvs-config-tests-" + Guid.NewGuid().ToString("N"));

    public ConfigLoaderTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly IDictionary NoEnvironment = new Hashtable();

    private static ServerConfig Load(params string[] args) => ConfigLoader.Load(args, NoEnvironment);

    private string WriteFile(string text, string name = "redis.conf")
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string LoadError(string[] args, IDictionary? environment = null) =>
        Assert.Throws<ConfigLoader.ConfigException>(() => ConfigLoader.Load(args, environment ?? NoEnvironment)).Message;

    [Fact]
    public void DefaultsWithoutArguments()
    {
        var config = Load();
        Assert.Equal(6379, config.Port);
        Assert.Equal("127.0.0.1", config.Bind);
        Assert.True(config.AppendOnly);
    }

    [Fact]
    public void FlagsAsRedisServerTakesThem()
    {
        var config = Load("--port", "6380", "--appendonly", "no", "--save", "900", "1", "300", "10", "--bind", "127.0.0.1", "::1",
            "--slowlog-log-slower-than", "-1", "--maxmemory", "1gb", "--PROTO-MAX-BULK-LEN", "2mb", "--requirepass", "");
        Assert.Equal(6380, config.Port);
        Assert.False(config.AppendOnly);
        Assert.Equal("900 1 300 10", config.Save);
        Assert.Equal("127.0.0.1 ::1", config.Bind);
        Assert.Equal(-1, config.SlowlogLogSlowerThan);
        Assert.Equal(1024L * 1024 * 1024, config.MaxMemory);
        Assert.Equal(2L * 1024 * 1024, config.ProtoMaxBulkLen);
        Assert.Equal("", config.RequirePass);
        Assert.Equal("", Load("--save", "").Save);
    }

    [Fact]
    public void UnknownFlagStopsStartUpNamingIt()
    {
        string message = LoadError(new[] { "--port", "6380", "--foo", "bar" });
        Assert.Contains("'foo'", message);
        Assert.Contains("--foo", message);
    }

    [Theory]
    [InlineData("port", "abc")]
    [InlineData("port", "70000")]
    [InlineData("maxclients", "0")]
    [InlineData("appendonly", "maybe")]
    [InlineData("appendfsync", "sometimes")]
    [InlineData("loglevel", "loud")]
    [InlineData("maxmemory", "lots")]
    [InlineData("save", "900")]
    [InlineData("kvs-history-depth", "10001")]
    public void BadValueNamesTheOption(string option, string value)
    {
        string message = LoadError(new[] { "--" + option, value });
        Assert.Contains($"'{option}'", message);
        Assert.Contains($"'{value}'", message);
    }

    [Fact]
    public void StrayArgumentsBecomePartOfTheValueAndFailThere()
    {
        // redis-server joins the words after a flag into its value: "port 6380 stray" is wrong.
        string message = LoadError(new[] { "--port", "6380", "stray" });
        Assert.Contains("'port'", message);
        Assert.Contains("6380 stray", message);
    }

    [Fact]
    public void ConfigFileInRedisConfSyntax()
    {
        string path = WriteFile(
            "# A redis.conf written by hand\r\n" +
            "\r\n" +
            "   # indented comment\n" +
            "PORT 7000\n" +
            "  bind 127.0.0.1 ::1  \n" +
            "requirepass \"pa ss\\\"word\\x21\"\n" +
            "dir '/tmp/with space'\n" +
            "appendonly no\n" +
            "save 900 1\n" +
            "save 300 10\n" +
            "maxmemory 100mb\n" +
            "notify-keyspace-events \"\"\n" +
            "kvs-separators \"/:.\"\n");
        var config = ConfigLoader.Load(new[] { path }, NoEnvironment);
        Assert.Equal(7000, config.Port);
        Assert.Equal("127.0.0.1 ::1", config.Bind);
        Assert.Equal("pa ss\"word!", config.RequirePass);
        Assert.Equal("/tmp/with space", config.Dir);
        Assert.False(config.AppendOnly);
        Assert.Equal("900 1 300 10", config.Save);
        Assert.Equal(100L * 1024 * 1024, config.MaxMemory);
        Assert.Equal("", config.NotifyKeyspaceEvents);
        Assert.Equal("/:.", config.KvsSeparators);
    }

    [Fact]
    public void EmptySaveInFileDisablesSnapshots()
    {
        Assert.Equal("", ConfigLoader.Load(new[] { WriteFile("save \"\"\n") }, NoEnvironment).Save);
    }

    [Fact]
    public void UnknownOptionInFileNamesItAndTheLine()
    {
        string path = WriteFile("port 7000\n# comment\nfoo bar\n");
        string message = LoadError(new[] { path });
        Assert.Contains("'foo'", message);
        Assert.Contains("line 3", message);
    }

    [Fact]
    public void BadValueInFileNamesTheOptionAndTheLine()
    {
        string message = LoadError(new[] { WriteFile("\nmaxclients many\n") });
        Assert.Contains("'maxclients'", message);
        Assert.Contains("line 2", message);
    }

    [Fact]
    public void UnbalancedQuotesInFile()
    {
        string message = LoadError(new[] { WriteFile("requirepass \"secret\n") });
        Assert.Contains("unbalanced quotes", message);
        Assert.Contains("line 1", message);
        Assert.Contains("unbalanced quotes", LoadError(new[] { WriteFile("requirepass \"a\"b\n", "b.conf") }));
    }

    [Fact]
    public void MissingConfigFile()
    {
        string message = LoadError(new[] { Path.Combine(_dir, "nope.conf") });
        Assert.Contains("nope.conf", message);
    }

    [Fact]
    public void EnvironmentVariables()
    {
        var env = new Hashtable
        {
            ["KVS_PORT"] = "7001",
            ["KVS_PROTO_MAX_BULK_LEN"] = "2mb",
            ["KVS_APPENDONLY"] = "no",
            ["KVS_SAVE"] = "",
            ["PATH"] = "/usr/bin",
            ["REDIS_PORT"] = "1",
        };
        var config = ConfigLoader.Load(Array.Empty<string>(), env);
        Assert.Equal(7001, config.Port);
        Assert.Equal(2L * 1024 * 1024, config.ProtoMaxBulkLen);
        Assert.False(config.AppendOnly);
        Assert.Equal("", config.Save);
    }

    [Fact]
    public void UnknownOrBadEnvironmentVariableNamesIt()
    {
        string message = LoadError(Array.Empty<string>(), new Hashtable { ["KVS_NO_SUCH_THING"] = "1" });
        Assert.Contains("KVS_NO_SUCH_THING", message);
        message = LoadError(Array.Empty<string>(), new Hashtable { ["KVS_MAXCLIENTS"] = "lots" });
        Assert.Contains("'maxclients'", message);
        Assert.Contains("KVS_MAXCLIENTS", message);
    }

    [Fact]
    public void PrecedenceIsFileThenEnvironmentThenFlags()
    {
        string path = WriteFile("port 7000\nmaxclients 10\nhz 3\ntimeout 1\n");
        var env = new Hashtable { ["KVS_PORT"] = "7001", ["KVS_MAXCLIENTS"] = "20", ["KVS_HZ"] = "5" };
        var config = ConfigLoader.Load(new[] { path, "--port", "7002", "--hz", "7" }, env);
        Assert.Equal(7002, config.Port);
        Assert.Equal(20, config.MaxClients);
        Assert.Equal(7, config.Hz);
        Assert.Equal(1, config.Timeout);
        config = ConfigLoader.Load(new[] { path }, env);
        Assert.Equal(7001, config.Port);
        Assert.Equal(5, config.Hz);
        config = ConfigLoader.Load(new[] { path }, NoEnvironment);
        Assert.Equal(7000, config.Port);
        // The last of repeated flags wins, as with redis-server.
        Assert.Equal(7004, ConfigLoader.Load(new[] { "--port", "7003", "--port", "7004" }, NoEnvironment).Port);
    }
}
