using System.Text;
using System.Text.RegularExpressions;
using Kvs.Tests.Infrastructure;
using Xunit;

namespace Kvs.Tests.Integration;

/// <summary>CLIENT subcommands over real sockets: naming, listing, killing, reply modes.</summary>
public sealed class ClientCommandTests(KvsServerFixture fixture) : IClassFixture<KvsServerFixture>
{
    private static string Raw(byte[] reply) => Encoding.UTF8.GetString(reply);

    private static readonly string[] ListFields =
    {
        "id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub", "ssub", "multi", "qbuf",
        "qbuf-free", "argv-mem", "multi-mem", "rbs", "rbp", "obl", "oll", "omem", "tot-mem", "events", "cmd", "user", "redir", "resp",
    };

    private static Dictionary<string, string> ParseLine(string line)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in line.Split(' '))
        {
            int eq = part.IndexOf('=');
            fields[part[..eq]] = part[(eq + 1)..];
        }
        return fields;
    }

    [Fact]
    public void ClientInfoHasRedisFieldsInRedisOrder()
    {
        using var c = fixture.Connect();
        long id = c.Call("CLIENT", "ID").Integer;
        Assert.Equal("+OK\r\n", Raw(c.CallRaw("SELECT", "2")));
        string text = c.Call("CLIENT", "INFO").Text!;
        Assert.EndsWith("\n", text);
        var line = text.TrimEnd('\n');
        var names = line.Split(' ').Select(p => p[..p.IndexOf('=')]).ToArray();
        Assert.Equal(ListFields, names);
        var fields = ParseLine(line);
        Assert.Equal(id.ToString(), fields["id"]);
        Assert.Equal("2", fields["db"]);
        Assert.Equal("N", fields["flags"]);
        Assert.Equal("client|info", fields["cmd"]);
        Assert.Equal("default", fields["user"]);
        Assert.Equal("2", fields["resp"]);
        Assert.Equal("-1", fields["multi"]);
        Assert.Matches(new Regex(@"^127\.0\.0\.1:\d+$"), fields["addr"]);
        Assert.Equal("127.0.0.1:" + fixture.Port, fields["laddr"]);
    }

    [Fact]
    public void SetNameGetNameAndValidation()
    {
        using var c = fixture.Connect();
        Assert.Equal("$-1\r\n", Raw(c.CallRaw("CLIENT", "GETNAME")));
        Assert.Equal("+OK\r\n", Raw(c.CallRaw("CLIENT", "SETNAME", "worker-1")));
        Assert.Equal("$8\r\nworker-1\r\n", Raw(c.CallRaw("CLIENT", "GETNAME")));
        Assert.Equal("-ERR Client names cannot contain spaces, newlines or special characters.\r\n", Raw(c.CallRaw("CLIENT", "SETNAME", "a b")));
        Assert.Equal("-ERR Client names cannot contain spaces, newlines or special characters.\r\n", Raw(c.CallRaw("CLIENT", "SETNAME", "a\nb")));
        Assert.Equal("$8\r\nworker-1\r\n", Raw(c.CallRaw("CLIENT", "GETNAME")));
        Assert.Contains(" name=worker-1 ", c.Call("CLIENT", "INFO").Text!);
        Assert.Equal("+OK\r\n", Raw(c.CallRaw("CLIENT", "SETNAME", "")));
        Assert.Equal("$-1\r\n", Raw(c.CallRaw("CLIENT", "GETNAME")));
        Assert.Equal("-ERR wrong number of arguments for 'client|setname' command\r\n", Raw(c.CallRaw("CLIENT", "SETNAME")));
        Assert.Equal("-ERR unknown subcommand 'nope'. Try CLIENT HELP.\r\n", Raw(c.CallRaw("CLIENT", "nope")));
    }

    [Fact]
    public void SetInfoAcceptsLibraryNameAndVersion()
    {
        using var c = fixture.Connect();
        Assert.Equal("+OK\r\n", Raw(c.CallRaw("CLIENT", "SETINFO", "LIB-NAME", "redis-py")));
        Assert.Equal("+OK\r\n", Raw(c.CallRaw("CLIENT", "SETINFO", "lib-ver", "5.0.1")));
        Assert.Equal("-ERR Unrecognized option 'foo'\r\n", Raw(c.CallRaw("CLIENT", "SETINFO", "foo", "x")));
        Assert.Equal("-ERR lib-name cannot contain spaces, newlines or special characters.\r\n", Raw(c.CallRaw("CLIENT", "SETINFO", "lib-name", "a b")));
        Assert.Equal("-ERR wrong number of arguments for 'client|setinfo' command\r\n", Raw(c.CallRaw("CLIENT", "SETINFO", "lib-name")));
    }

    [Fact]
    public void ListShowsEveryClientAndFilters()
    {
        using var a = fixture.Connect();
        using var b = fixture.Connect();
        long idA = a.Call("CLIENT", "ID").Integer;
        long idB = b.Call("CLIENT", "ID").Integer;
        Assert.Equal("+OK\r\n", Raw(b.CallRaw("CLIENT", "SETNAME", "bee")));

        var lines = a.Call("CLIENT", "LIST").Text!.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(ParseLine).ToList();
        Assert.Contains(lines, l => l["id"] == idA.ToString() && l["cmd"] == "client|list");
        Assert.Contains(lines, l => l["id"] == idB.ToString() && l["name"] == "bee" && l["cmd"] == "client|setname");
        Assert.Equal(lines.Select(l => long.Parse(l["id"])).OrderBy(x => x), lines.Select(l => long.Parse(l["id"])));

        var byId = a.Call("CLIENT", "LIST", "ID", idB, "999999").Text!;
        Assert.Single(byId.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"id={idB} ", byId);
        Assert.Contains($"id={idA} ", a.Call("CLIENT", "LIST", "TYPE", "normal").Text!);
        Assert.Equal("$0\r\n\r\n", Raw(a.CallRaw("CLIENT", "LIST", "TYPE", "pubsub")));
        Assert.Equal("$0\r\n\r\n", Raw(a.CallRaw("CLIENT", "LIST", "TYPE", "replica")));
        Assert.Equal("-ERR Unknown client type 'foo'\r\n", Raw(a.CallRaw("CLIENT", "LIST", "TYPE", "foo")));
        Assert.Equal("-ERR Invalid client ID\r\n", Raw(a.CallRaw("CLIENT", "LIST", "ID", "1", "x")));
        Assert.Equal("-ERR syntax error\r\n", Raw(a.CallRaw("CLIENT", "LIST", "foo")));
    }

    [Fact]
    public void KillByIdClosesTheVictim()
    {
        using var killer = fixture.Connect();
        using var victim = fixture.Connect();
        long victimId = victim.Call("CLIENT", "ID").Integer;
        Assert.Equal(":1\r\n", Raw(killer.CallRaw("CLIENT", "KILL", "ID", victimId)));
        Assert.True(victim.IsClosedByServer());
        Assert.Equal("$0\r\n\r\n", Raw(killer.CallRaw("CLIENT", "LIST", "ID", victimId)));
        Assert.Equal(":0\r\n", Raw(killer.CallRaw("CLIENT", "KILL", "ID", victimId)));
        Assert.Equal("+PONG\r\n", Raw(killer.CallRaw("PING")));
    }

    [Fact]
    public void KillByAddressOldFormAndSkipMe()
    {
        using var killer = fixture.Connect();
        using var victim = fixture.Connect();
        string victimAddr = ParseLine(victim.Call("CLIENT", "INFO").Text!.TrimEnd('\n'))["addr"];
        Assert.Equal("+OK\r\n", Raw(killer.CallRaw("CLIENT", "KILL", victimAddr)));
        Assert.True(victim.IsClosedByServer());
        Assert.Equal("-ERR No such client\r\n", Raw(killer.CallRaw("CLIENT", "KILL", victimAddr)));

        // ADDR filter on the caller itself: skipped by default, killed with SKIPME no (after the reply).
        string self = ParseLine(killer.Call("CLIENT", "INFO").Text!.TrimEnd('\n'))["addr"];
        Assert.Equal(":0\r\n", Raw(killer.CallRaw("CLIENT", "KILL", "ADDR", self)));
        Assert.Equal(":1\r\n", Raw(killer.CallRaw("CLIENT", "KILL", "ADDR", self, "SKIPME", "no")));
        Assert.True(killer.IsClosedByServer());
    }

    [Fact]
    public void KillFilterErrorsMatchRedis()
    {
        using var c = fixture.Connect();
        Assert.Equal("-ERR client-id should be greater than 0\r\n", Raw(c.CallRaw("CLIENT", "KILL", "ID", "abc")));
        Assert.Equal("-ERR client-id should be greater than 0\r\n", Raw(c.CallRaw("CLIENT", "KILL", "ID", "0")));
        Assert.Equal("-ERR Unknown client type 'foo'\r\n", Raw(c.CallRaw("CLIENT", "KILL", "TYPE", "foo")));
        Assert.Equal("-ERR No such user 'nobody'\r\n", Raw(c.CallRaw("CLIENT", "KILL", "USER", "nobody")));
        Assert.Equal("-ERR syntax error\r\n", Raw(c.CallRaw("CLIENT", "KILL", "SKIPME", "maybe")));
        Assert.Equal("-ERR syntax error\r\n", Raw(c.CallRaw("CLIENT", "KILL", "foo", "bar")));
        Assert.Equal("-ERR syntax error\r\n", Raw(c.CallRaw("CLIENT", "KILL", "ID", "1", "TYPE")));
        Assert.Equal(":0\r\n", Raw(c.CallRaw("CLIENT", "KILL", "TYPE", "master")));
        Assert.Equal("+PONG\r\n", Raw(c.CallRaw("PING")));
    }

    [Fact]
    public async Task KillByTypeUserAndMaxAgeSparesTheCaller()
    {
        await using var server = await KvsServerFixture.StartAsync(_ => { });
        using var caller = RespClient.Connect(server.Port);
        using var v1 = RespClient.Connect(server.Port);
        using var v2 = RespClient.Connect(server.Port);
        Assert.Equal("+PONG\r\n", Raw(v1.CallRaw("PING")));
        Assert.Equal("+PONG\r\n", Raw(v2.CallRaw("PING")));
        // Nobody is an hour old yet.
        Assert.Equal(":0\r\n", Raw(caller.CallRaw("CLIENT", "KILL", "MAXAGE", "3600")));
        Assert.Equal(":2\r\n", Raw(caller.CallRaw("CLIENT", "KILL", "TYPE", "normal", "USER", "default")));
        Assert.True(v1.IsClosedByServer());
        Assert.True(v2.IsClosedByServer());
        Assert.Equal("+PONG\r\n", Raw(caller.CallRaw("PING")));
    }

    [Fact]
    public void ReplyOffSkipOn()
    {
        using var c = fixture.Connect();
        c.Send("CLIENT", "REPLY", "OFF");
        c.Send("PING", "dropped-1");
        c.Send("CLIENT", "REPLY", "SKIP"); // ignored while OFF
        c.Send("PING", "dropped-2");
        c.Send("CLIENT", "REPLY", "ON");
        Assert.Equal("+OK\r\n", Raw(c.ReadRaw()));

        c.Send("CLIENT", "REPLY", "SKIP");
        c.Send("CLIENT", "INFO"); // a multi-line bulk reply, dropped whole
        c.Send("PING", "kept");
        Assert.Equal("$4\r\nkept\r\n", Raw(c.ReadRaw()));

        c.Send("CLIENT", "REPLY", "SKIP");
        c.Send("CONFIG", "GET", "*"); // an aggregate reply, dropped whole
        c.Send("ECHO", "after-aggregate");
        Assert.Equal("$15\r\nafter-aggregate\r\n", Raw(c.ReadRaw()));
        Assert.Equal("-ERR syntax error\r\n", Raw(c.CallRaw("CLIENT", "REPLY", "maybe")));
        Assert.Equal("+PONG\r\n", Raw(c.CallRaw("PING")));
    }

    [Fact]
    public void ResetTurnsRepliesBackOn()
    {
        using var c = fixture.Connect();
        c.Send("CLIENT", "REPLY", "OFF");
        c.Send("PING");
        c.Send("RESET");
        Assert.Equal("+RESET\r\n", Raw(c.ReadRaw()));
        Assert.Equal("+PONG\r\n", Raw(c.CallRaw("PING")));
    }

    [Fact]
    public void NoEvictAndNoTouchShowInFlags()
    {
        using var c = fixture.Connect();
        Assert.Equal("+OK\r\n", Raw(c.CallRaw("CLIENT", "NO-EVICT", "on")));
        Assert.Contains(" flags=e ", c.Call("CLIENT", "INFO").Text!);
        Assert.Equal("+OK\r\n", Raw(c.CallRaw("CLIENT", "NO-TOUCH", "ON")));
        Assert.Contains(" flags=eT ", c.Call("CLIENT", "INFO").Text!);
        Assert.Equal("+OK\r\n", Raw(c.CallRaw("CLIENT", "NO-EVICT", "off")));
        Assert.Equal("+OK\r\n", Raw(c.CallRaw("CLIENT", "NO-TOUCH", "off")));
        Assert.Contains(" flags=N ", c.Call("CLIENT", "INFO").Text!);
        Assert.Equal("-ERR syntax error\r\n", Raw(c.CallRaw("CLIENT", "NO-EVICT", "maybe")));
    }

    [Fact]
    public void HelpListsServedSubcommands()
    {
        using var c = fixture.Connect();
        var help = c.Call("CLIENT", "HELP");
        Assert.Equal('*', help.Type);
        Assert.Equal("CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", help[0].Text);
        var lines = help.Items!.Select(i => i.Text!).ToList();
        Assert.Contains("SETNAME <name>", lines);
        Assert.Contains("REPLY (ON|OFF|SKIP)", lines);
        Assert.Equal("    Prints this help.", lines[^1]);
        Assert.All(help.Items!, i => Assert.Equal('+', i.Type));
    }
}
