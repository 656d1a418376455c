using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Kvs.Tests.Infrastructure;
using Xunit;

namespace Kvs.Tests.Integration;

/// <summary>INFO, CONFIG, TIME, DEBUG, SHUTDOWN, CLUSTER and COMMAND over real sockets.</summary>
public sealed class ServerCommandTests(KvsServerFixture fixture) : IClassFixture<KvsServerFixture>
{
    private static string Raw(byte[] reply) => Encoding.UTF8.GetString(reply);

    /// <summary>INFO text → section title → field → value.</summary>
    private static Dictionary<string, Dictionary<string, string>> ParseInfo(string text)
    {
        var sections = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        Dictionary<string, string>? current = null;
        foreach (var line in text.Split("\r\n"))
        {
            Assert.DoesNotContain("\n", line);
            if (line.Length == 0) continue;
            if (line.StartsWith("# ", StringComparison.Ordinal))
            {
                current = new Dictionary<string, string>(StringComparer.Ordinal);
                sections.Add(line[2..], current);
                continue;
            }
            Assert.NotNull(current);
            int colon = line.IndexOf(':');
            Assert.True(colon > 0, $"INFO line without a colon: '{line}'");
            current[line[..colon]] = line[(colon + 1)..];
        }
        return sections;
    }

    [Fact]
    public void InfoDefaultSectionsParse()
    {
        using var c = fixture.Connect();
        var reply = c.Call("INFO");
        Assert.Equal('$', reply.Type);
        Assert.EndsWith("\r\n", reply.Text!);
        var info = ParseInfo(reply.Text!);
        Assert.Equal(new[] { "Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Modules", "Errorstats", "Cluster", "Keyspace" }, info.Keys);
        Assert.Equal("7.0.15", info["Server"]["redis_version"]);
        Assert.Equal("standalone", info["Server"]["redis_mode"]);
        Assert.Equal(fixture.Port.ToString(), info["Server"]["tcp_port"]);
        Assert.Equal(Environment.ProcessId.ToString(), info["Server"]["process_id"]);
        Assert.Equal(40, info["Server"]["run_id"].Length);
        Assert.True(long.Parse(info["Clients"]["connected_clients"]) >= 1);
        Assert.True(long.Parse(info["Memory"]["used_memory"]) > 0);
        Assert.Equal("noeviction", info["Memory"]["maxmemory_policy"]);
        Assert.Equal("0", info["Persistence"]["loading"]);
        Assert.Equal("0", info["Persistence"]["aof_enabled"]);
        Assert.True(long.Parse(info["Stats"]["total_commands_processed"]) >= 0);
        Assert.Equal("master", info["Replication"]["role"]);
        Assert.Equal("0", info["Cluster"]["cluster_enabled"]);
        Assert.Contains("used_cpu_user", info["CPU"].Keys);
    }

    [Fact]
    public void InfoSectionSelection()
    {
        using var c = fixture.Connect();
        Assert.Equal("$0\r\n\r\n", Raw(c.CallRaw("INFO", "nosuchsection")));
        Assert.Equal("$30\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n", Raw(c.CallRaw("INFO", "CLUSTER")));
        Assert.Equal("$11\r\n# Modules\r\n\r\n", Raw(c.CallRaw("INFO", "modules")));
        // Sections come in Redis's order whatever the argument order.
        var two = ParseInfo(c.Call("INFO", "keyspace", "clients").Text!);
        Assert.Equal(new[] { "Clients", "Keyspace" }, two.Keys);
        var everything = ParseInfo(c.Call("INFO", "everything").Text!);
        Assert.Contains("Commandstats", everything.Keys);
        Assert.Contains("Latencystats", everything.Keys);
        var all = ParseInfo(c.Call("INFO", "all").Text!);
        Assert.Equal(everything.Keys, all.Keys);
        var defaultPlus = ParseInfo(c.Call("INFO", "default", "commandstats").Text!);
        Assert.Contains("Commandstats", defaultPlus.Keys);
        Assert.Contains("Server", defaultPlus.Keys);
    }

    [Fact]
    public void InfoKeyspaceCommandstatsAndErrorstats()
    {
        using var c = fixture.Connect();
        Assert.Equal("+OK\r\n", Raw(c.CallRaw("SELECT", "9")));
        Assert.Equal("+OK\r\n", Raw(c.CallRaw("SET", "ks-a", "1")));
        Assert.Equal("+OK\r\n", Raw(c.CallRaw("SET", "ks-b", "2", "EX", "1000")));
        var keyspace = ParseInfo(c.Call("INFO", "keyspace").Text!)["Keyspace"];
        var db9 = keyspace["db9"];
        Assert.StartsWith("keys=2,expires=1,avg_ttl=", db9);
        long avgTtl = long.Parse(db9[(db9.LastIndexOf('=') + 1)..]);
        Assert.InRange(avgTtl, 990_000, 1_000_000);

        Assert.StartsWith("-ERR", Raw(c.CallRaw("CLIENT", "KILL", "ID", "x")));
        var stats = ParseInfo(c.Call("INFO", "commandstats", "errorstats").Text!);
        Assert.Matches(@"^calls=\d+,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=\d+,failed_calls=\d+$", stats["Commandstats"]["cmdstat_set"]);
        Assert.Contains("failed_calls=", stats["Commandstats"]["cmdstat_client|kill"]);
        Assert.DoesNotContain("failed_calls=0", stats["Commandstats"]["cmdstat_client|kill"]);
        Assert.Matches(@"^count=\d+$", stats["Errorstats"]["errorstat_ERR"]);
    }

    [Fact]
    public void InfoIsVerbatimInResp3()
    {
        using var c = fixture.Connect();
        Assert.Equal('%', c.Call("HELLO", "3").Type);
        Assert.Equal("=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n", Raw(c.CallRaw("INFO", "cluster")));
    }

    [Fact]
    public void ConfigSetThenGet()
    {
        using var c = fixture.Connect();
        Assert.Equal("+OK\r\n", Raw(c.CallRaw("CONFIG", "SET", "maxclients", "5000", "slowlog-max-len", "64")));
        Assert.Equal("*2\r\n$10\r\nmaxclients\r\n$4\r\n5000\r\n", Raw(c.CallRaw("CONFIG", "GET", "maxclients")));
        // A name without glob characters is echoed as typed, as Redis does.
        Assert.Equal("*2\r\n$15\r\nSLOWLOG-MAX-LEN\r\n$2\r\n64\r\n", Raw(c.CallRaw("CONFIG", "GET", "SLOWLOG-MAX-LEN")));
        Assert.Equal("5000", ParseInfo(c.Call("INFO", "clients").Text!)["Clients"]["maxclients"]);

        // All or nothing: the second value is bad, so the first one is not applied either.
        Assert.Equal("-ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer\r\n",
            Raw(c.CallRaw("CONFIG", "SET", "maxclients", "100", "hz", "abc")));
        Assert.Equal("5000", c.Call("CONFIG", "GET", "maxclients")[1].Text);
        Assert.Equal("-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n", Raw(c.CallRaw("CONFIG", "SET", "maxclients", "100", "nosuch", "1")));
        Assert.Equal("-ERR CONFIG SET failed (possibly related to argument 'MAXCLIENTS') - duplicate parameter\r\n", Raw(c.CallRaw("CONFIG", "SET", "maxclients", "1", "MAXCLIENTS", "2")));
        Assert.Equal("-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config\r\n", Raw(c.CallRaw("CONFIG", "SET", "databases", "2")));
        Assert.Equal("-ERR syntax error\r\n", Raw(c.CallRaw("CONFIG", "SET", "maxclients", "1", "hz")));
        Assert.Equal("5000", c.Call("CONFIG", "GET", "maxclients")[1].Text);
        Assert.Equal("+OK\r\n", Raw(c.CallRaw("CONFIG", "SET", "maxclients", "10000", "slowlog-max-len", "128")));
    }

    [Fact]
    public void ConfigGetPatternsAndResp3Map()
    {
        using var c = fixture.Connect();
        var maxStar = c.Call("CONFIG", "GET", "max*");
        var names = new List<string>();
        for (int i = 0; i < maxStar.Count; i += 2) names.Add(maxStar[i].Text!);
        Assert.Contains("maxclients", names);
        Assert.Contains("maxmemory", names);
        Assert.Contains("maxmemory-policy", names);
        Assert.All(names, n => Assert.StartsWith("max", n));
        Assert.Equal("*0\r\n", Raw(c.CallRaw("CONFIG", "GET", "nosuch*")));
        // An option matched twice is listed once.
        Assert.Equal(2, c.Call("CONFIG", "GET", "maxclients", "maxc*").Count);
        Assert.Equal('%', c.Call("HELLO", "3").Type);
        Assert.Equal("%1\r\n$9\r\ndatabases\r\n$2\r\n16\r\n", Raw(c.CallRaw("CONFIG", "GET", "databases")));
    }

    [Fact]
    public async Task ConfigSetProtoMaxBulkLenReachesTheParser()
    {
        await using var server = await KvsServerFixture.StartAsync(_ => { });
        using var c = RespClient.Connect(server.Port);
        using var other = RespClient.Connect(server.Port);
        Assert.Equal("+OK\r\n", Raw(c.CallRaw("CONFIG", "SET", "proto-max-bulk-len", "1mb")));
        other.SendRaw("*2\r\n$4\r\nECHO\r\n$2000000\r\n");
        Assert.Equal("-ERR Protocol error: invalid bulk length\r\n", Raw(other.ReadRaw()));
        Assert.True(other.IsClosedByServer());
        using var fresh = RespClient.Connect(server.Port);
        fresh.SendRaw("*2\r\n$4\r\nECHO\r\n$1048577\r\n");
        Assert.Equal("-ERR Protocol error: invalid bulk length\r\n", Raw(fresh.ReadRaw()));
    }

    [Fact]
    public async Task ConfigResetStatClearsCounters()
    {
        await using var server = await KvsServerFixture.StartAsync(_ => { });
        using var c = RespClient.Connect(server.Port);
        for (int i = 0; i < 20; i++) c.Call("PING");
        c.Call("CONFIG", "GET", "nosuch-option");
        Assert.StartsWith("-", Raw(c.CallRaw("CONFIG", "SET", "hz", "x")));
        var before = ParseInfo(c.Call("INFO", "stats", "commandstats").Text!);
        Assert.True(long.Parse(before["Stats"]["total_commands_processed"]) >= 22);
        Assert.Contains("cmdstat_ping", before["Commandstats"].Keys);
        Assert.Equal("+OK\r\n", Raw(c.CallRaw("CONFIG", "RESETSTAT")));
        var after = ParseInfo(c.Call("INFO", "stats", "commandstats", "errorstats").Text!);
        Assert.True(long.Parse(after["Stats"]["total_commands_processed"]) <= 1);
        Assert.Equal("0", after["Stats"]["total_error_replies"]);
        Assert.DoesNotContain("cmdstat_ping", after["Commandstats"].Keys);
        Assert.Empty(after["Errorstats"]);
    }

    [Fact]
    public void ConfigHelpAndErrors()
    {
        using var c = fixture.Connect();
        var help = c.Call("CONFIG", "HELP");
        Assert.Equal("CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", help[0].Text);
        Assert.Equal("GET <pattern>", help[1].Text);
        Assert.Equal("-ERR unknown subcommand 'foo'. Try CONFIG HELP.\r\n", Raw(c.CallRaw("CONFIG", "foo")));
        Assert.Equal("-ERR wrong number of arguments for 'config|get' command\r\n", Raw(c.CallRaw("CONFIG", "GET")));
        Assert.Equal("-ERR The server is running without a config file\r\n", Raw(c.CallRaw("CONFIG", "REWRITE")));
    }

    [Fact]
    public void UnknownSubcommandCountsAsAnErrorButNotAsARejectedCallOfTheContainer()
    {
        using var c = fixture.Connect();
        c.Call("CONFIG", "RESETSTAT");
        Assert.Equal("-ERR unknown subcommand 'foo'. Try CONFIG HELP.\r\n", Raw(c.CallRaw("CONFIG", "foo")));
        string stats = c.Call("INFO", "commandstats").Text!;
        Assert.DoesNotContain("cmdstat_config:", stats);
        Assert.Contains("errorstat_ERR:count=1", c.Call("INFO", "errorstats").Text!);
    }

    [Fact]
    public async Task ConfigRewriteUpdatesTheFile()
    {
        string path = Path.Combine(Path.GetTempPath(), "kvs-rewrite-" + Guid.NewGuid().ToString("N") + ".conf");
        File.WriteAllText(path, "# my settings\nhz 20\nmaxclients 50\n\ntimeout 7\n");
        try
        {
            await using var server = await KvsServerFixture.StartAsync(c => c.ConfigFile = path);
            using var c = RespClient.Connect(server.Port);
            Assert.Equal("+OK\r\n", Raw(c.CallRaw("CONFIG", "SET", "hz", "30", "maxmemory", "1000")));
            Assert.Equal("+OK\r\n", Raw(c.CallRaw("CONFIG", "REWRITE")));
            var lines = File.ReadAllLines(path);
            Assert.Equal("# my settings", lines[0]);
            Assert.Equal("hz 30", lines[1]);
            Assert.Contains("maxmemory 1000", lines);
            Assert.Contains("# Generated by CONFIG REWRITE", lines);
            Assert.Contains("timeout 0", lines); // the server's value (the fixture did not load the file)
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TimeIsNow()
    {
        using var c = fixture.Connect();
        var reply = c.Call("TIME");
        Assert.Equal(2, reply.Count);
        long seconds = long.Parse(reply[0].Text!);
        long micros = long.Parse(reply[1].Text!);
        Assert.InRange(micros, 0, 999_999);
        Assert.InRange(seconds, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 5, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5);
        Assert.Equal("-ERR wrong number of arguments for 'time' command\r\n", Raw(c.CallRaw("TIME", "x")));
    }

    [Fact]
    public void ClusterAnswersAsANonClusterServer()
    {
        using var c = fixture.Connect();
        Assert.Equal("-ERR This instance has cluster support disabled\r\n", Raw(c.CallRaw("CLUSTER", "INFO")));
        Assert.Equal("-ERR This instance has cluster support disabled\r\n", Raw(c.CallRaw("CLUSTER", "SLOTS")));
        Assert.Equal("-ERR wrong number of arguments for 'cluster|keyslot' command\r\n", Raw(c.CallRaw("CLUSTER", "KEYSLOT")));
    }

    [Fact]
    public async Task DebugNeedsEnableDebugCommand()
    {
        await using var server = await KvsServerFixture.StartAsync(c => c.EnableDebugCommand = "no");
        using var c = RespClient.Connect(server.Port);
        Assert.StartsWith("-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\"", Raw(c.CallRaw("DEBUG", "SLEEP", "0")));
        Assert.Equal("-ERR CONFIG SET failed (possibly related to argument 'enable-debug-command') - can't set immutable config\r\n",
            Raw(c.CallRaw("CONFIG", "SET", "enable-debug-command", "yes")));
    }

    [Fact]
    public async Task DebugSleepBlocksTheWholeServer()
    {
        await using var server = await KvsServerFixture.StartAsync(c => c.EnableDebugCommand = "local");
        using var sleeper = RespClient.Connect(server.Port);
        using var other = RespClient.Connect(server.Port);
        Assert.Equal("+PONG\r\n", Raw(other.CallRaw("PING")));
        var sw = Stopwatch.StartNew();
        sleeper.Send("DEBUG", "SLEEP", "0.3");
        Thread.Sleep(50);
        Assert.Equal("+PONG\r\n", Raw(other.CallRaw("PING")));
        long otherWaited = sw.ElapsedMilliseconds;
        Assert.Equal("+OK\r\n", Raw(sleeper.ReadRaw()));
        Assert.InRange(otherWaited, 250, 5000);
        Assert.Equal("+OK\r\n", Raw(sleeper.CallRaw("DEBUG", "SLEEP", "0")));
        Assert.Equal("-ERR unknown subcommand or wrong number of arguments for 'nope'. Try DEBUG HELP.\r\n", Raw(sleeper.CallRaw("DEBUG", "nope")));
        Assert.Equal("-ERR unknown subcommand or wrong number of arguments for 'sleep'. Try DEBUG HELP.\r\n", Raw(sleeper.CallRaw("DEBUG", "sleep")));
    }

    [Fact]
    public async Task DebugSetActiveExpirePausesTheJanitor()
    {
        await using var server = await KvsServerFixture.StartAsync(c => c.EnableDebugCommand = "yes");
        using var c = RespClient.Connect(server.Port);
        Assert.Equal("+OK\r\n", Raw(c.CallRaw("DEBUG", "SET-ACTIVE-EXPIRE", "0")));
        Assert.Equal("+OK\r\n", Raw(c.CallRaw("SET", "short", "v", "PX", "30")));
        Thread.Sleep(400);
        // INFO does not touch keys, so only the janitor could have removed it.
        Assert.StartsWith("keys=1,", ParseInfo(c.Call("INFO", "keyspace").Text!)["Keyspace"]["db0"]);
        Assert.Equal("+OK\r\n", Raw(c.CallRaw("DEBUG", "SET-ACTIVE-EXPIRE", "1")));
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (ParseInfo(c.Call("INFO", "keyspace").Text!)["Keyspace"].ContainsKey("db0") && DateTime.UtcNow < deadline) Thread.Sleep(50);
        Assert.False(ParseInfo(c.Call("INFO", "keyspace").Text!)["Keyspace"].ContainsKey("db0"));
    }

    [Fact]
    public void DebugProtocolAndError()
    {
        using var c = fixture.Connect();
        Assert.Equal("-foo bar\r\n", Raw(c.CallRaw("DEBUG", "ERROR", "foo bar")));
        Assert.Equal("*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n", Raw(c.CallRaw("DEBUG", "PROTOCOL", "map")));
        Assert.Equal("-ERR RESP2 is not supported by this command\r\n", Raw(c.CallRaw("DEBUG", "PROTOCOL", "push")));
        Assert.Equal('%', c.Call("HELLO", "3").Type);
        Assert.Equal("%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n", Raw(c.CallRaw("DEBUG", "PROTOCOL", "map")));
        Assert.Equal(",3.141\r\n", Raw(c.CallRaw("DEBUG", "PROTOCOL", "double")));
    }

    [Fact]
    public async Task ShutdownStopsTheServer()
    {
        var server = await KvsServerFixture.StartAsync(_ => { });
        try
        {
            using var c = RespClient.Connect(server.Port);
            using var bystander = RespClient.Connect(server.Port);
            Assert.Equal("+PONG\r\n", Raw(bystander.CallRaw("PING")));
            Assert.Equal("-ERR syntax error\r\n", Raw(c.CallRaw("SHUTDOWN", "NOSAVE", "SAVE")));
            Assert.Equal("-ERR No shutdown in progress.\r\n", Raw(c.CallRaw("SHUTDOWN", "ABORT")));
            c.Send("SHUTDOWN", "NOSAVE");
            Assert.True(c.IsClosedByServer(5000));
            Assert.True(bystander.IsClosedByServer(5000));
            var stopped = server.WaitForShutdownAsync();
            Assert.Same(stopped, await Task.WhenAny(stopped, Task.Delay(10_000)));
            Assert.Throws<SocketException>(() => RespClient.Connect(server.Port).Dispose());
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    // ------------------------------------------------------------------ COMMAND

    /// <summary>Redis 7.0.15's exact reply to COMMAND INFO get (RESP2).</summary>
    private const string GetInfoResp2 =
        "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n";

    /// <summary>Redis 7.0.15's exact reply to COMMAND INFO get (RESP3).</summary>
    private const string GetInfoResp3 =
        "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n+@string\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n";

    [Fact]
    public void CommandInfoMatchesRedisBytes()
    {
        using var c = fixture.Connect();
        Assert.Equal(GetInfoResp2, Raw(c.CallRaw("COMMAND", "INFO", "get")));
        Assert.Equal("*2\r\n" + GetInfoResp2[4..] + "$-1\r\n", Raw(c.CallRaw("COMMAND", "INFO", "GET", "no-such-command")));
        Assert.Equal('%', c.Call("HELLO", "3").Type);
        Assert.Equal(GetInfoResp3, Raw(c.CallRaw("COMMAND", "INFO", "get")));
        Assert.Equal("*1\r\n_\r\n", Raw(c.CallRaw("COMMAND", "INFO", "no-such-command")));
    }

    [Fact]
    public void CommandDocsMatchesRedisBytes()
    {
        using var c = fixture.Connect();
        Assert.Equal("*2\r\n$3\r\nget\r\n*10\r\n$7\r\nsummary\r\n$22\r\nGet the value of a key\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n*6\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n",
            Raw(c.CallRaw("COMMAND", "DOCS", "get")));
        Assert.Equal("*0\r\n", Raw(c.CallRaw("COMMAND", "DOCS", "no-such-command")));
        // All commands: a map from every command name to its docs.
        var all = c.Call("COMMAND", "DOCS");
        long count = c.Call("COMMAND", "COUNT").Integer;
        Assert.Equal(count * 2, all.Count);
    }

    [Fact]
    public void CommandListsOnlyServedCommandsAndSubcommands()
    {
        using var c = fixture.Connect();
        var all = c.Call("COMMAND");
        Assert.Equal(c.Call("COMMAND", "COUNT").Integer, all.Count);
        var names = all.Items!.Select(i => i[0].Text!).ToList();
        Assert.Contains("get", names);
        Assert.Contains("config", names);
        var config = all.Items!.Single(i => i[0].Text == "config");
        var subs = config[9].Items!.Select(s => s[0].Text!).ToList();
        Assert.Contains("config|get", subs);
        Assert.Contains("config|set", subs);
        Assert.Equal(subs.Count, c.Call("COMMAND", "LIST", "FILTERBY", "PATTERN", "config|*").Count);
        var connection = c.Call("COMMAND", "LIST", "FILTERBY", "ACLCAT", "connection").Items!.Select(i => i.Text!).ToList();
        Assert.Contains("ping", connection);
        Assert.Contains("client|setname", connection);
        Assert.DoesNotContain("get", connection);
        Assert.Equal("*0\r\n", Raw(c.CallRaw("COMMAND", "LIST", "FILTERBY", "MODULE", "x")));
        Assert.Equal("-ERR syntax error\r\n", Raw(c.CallRaw("COMMAND", "LIST", "FILTERBY", "foo", "x")));
        Assert.Equal("-ERR unknown subcommand 'foo'. Try COMMAND HELP.\r\n", Raw(c.CallRaw("COMMAND", "foo")));
        Assert.Equal("-ERR wrong number of arguments for 'command|count' command\r\n", Raw(c.CallRaw("COMMAND", "COUNT", "x")));
    }

    [Fact]
    public void CommandGetKeys()
    {
        using var c = fixture.Connect();
        Assert.Equal("*1\r\n$1\r\na\r\n", Raw(c.CallRaw("COMMAND", "GETKEYS", "get", "a")));
        Assert.Equal("*1\r\n*2\r\n$1\r\na\r\n*2\r\n+OW\r\n+update\r\n", Raw(c.CallRaw("COMMAND", "GETKEYSANDFLAGS", "set", "a", "b")));
        Assert.Equal("*1\r\n*2\r\n$1\r\na\r\n*3\r\n+RW\r\n+access\r\n+update\r\n", Raw(c.CallRaw("COMMAND", "GETKEYSANDFLAGS", "set", "a", "b", "GET")));
        Assert.Equal("-ERR Invalid command specified\r\n", Raw(c.CallRaw("COMMAND", "GETKEYS", "no-such", "a")));
        Assert.Equal("-ERR Invalid number of arguments specified for command\r\n", Raw(c.CallRaw("COMMAND", "GETKEYS", "set", "a")));
        Assert.Equal("-ERR The command has no key arguments\r\n", Raw(c.CallRaw("COMMAND", "GETKEYS", "client", "list")));
        Assert.Equal("-ERR wrong number of arguments for 'command|getkeys' command\r\n", Raw(c.CallRaw("COMMAND", "GETKEYS", "get")));
    }
}
