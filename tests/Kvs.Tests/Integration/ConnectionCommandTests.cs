using System.Text;
using Kvs.Tests.Infrastructure;
using Xunit;

namespace Kvs.Tests.Integration;

/// <summary>AUTH, HELLO and RESET over real sockets, with and without requirepass.</summary>
public sealed class ConnectionCommandTests(KvsServerFixture fixture) : IClassFixture<KvsServerFixture>
{
    private const string WrongPass = "WRONGPASS invalid username-password pair or user is disabled.";

    private static string Raw(byte[] reply) => Encoding.UTF8.GetString(reply);

    [Fact]
    public void AuthWithoutConfiguredPasswordIsRefusedLikeRedis()
    {
        using var c = fixture.Connect();
        Assert.Equal("-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n", Raw(c.CallRaw("AUTH", "x")));
        // The default user has no password, so any password works for it; other users do not exist.
        Assert.Equal("+OK\r\n", Raw(c.CallRaw("AUTH", "default", "whatever")));
        Assert.Equal("-" + WrongPass + "\r\n", Raw(c.CallRaw("AUTH", "nobody", "x")));
        Assert.Equal("-ERR syntax error\r\n", Raw(c.CallRaw("AUTH", "a", "b", "c")));
    }

    [Fact]
    public async Task RequirePassGatesCommandsUntilAuth()
    {
        await using var server = await KvsServerFixture.StartAsync(c => c.RequirePass = "pw");
        using var c = RespClient.Connect(server.Port);
        Assert.Equal("-NOAUTH Authentication required.\r\n", Raw(c.CallRaw("PING")));
        Assert.Equal("-NOAUTH Authentication required.\r\n", Raw(c.CallRaw("CLIENT", "ID")));
        Assert.Equal("-" + WrongPass + "\r\n", Raw(c.CallRaw("AUTH", "wrong")));
        Assert.Equal("-" + WrongPass + "\r\n", Raw(c.CallRaw("AUTH", "other", "pw")));
        Assert.Equal("-NOAUTH Authentication required.\r\n", Raw(c.CallRaw("PING")));
        Assert.Equal("+OK\r\n", Raw(c.CallRaw("AUTH", "pw")));
        Assert.Equal("+PONG\r\n", Raw(c.CallRaw("PING")));
        // A failed AUTH afterwards does not log the client out.
        Assert.Equal("-" + WrongPass + "\r\n", Raw(c.CallRaw("AUTH", "wrong")));
        Assert.Equal("+PONG\r\n", Raw(c.CallRaw("PING")));

        using var d = RespClient.Connect(server.Port);
        Assert.Equal("+OK\r\n", Raw(d.CallRaw("AUTH", "default", "pw")));
        Assert.Equal("+PONG\r\n", Raw(d.CallRaw("PING")));
    }

    [Fact]
    public async Task UnauthenticatedClientsGetTheTighterProtocolLimits()
    {
        await using var server = await KvsServerFixture.StartAsync(c => c.RequirePass = "pw");
        using (var c = RespClient.Connect(server.Port))
        {
            c.Send(Enumerable.Repeat((object)"PING", 11).ToArray());
            Assert.Equal("-ERR Protocol error: unauthenticated multibulk length\r\n", Raw(c.ReadRaw()));
            Assert.True(c.IsClosedByServer());
        }
        using (var c = RespClient.Connect(server.Port))
        {
            c.Send("ECHO", new string('x', 17000));
            Assert.Equal("-ERR Protocol error: unauthenticated bulk length\r\n", Raw(c.ReadRaw()));
            Assert.True(c.IsClosedByServer());
        }
        using (var c = RespClient.Connect(server.Port))
        {
            Assert.Equal("+OK\r\n", Raw(c.CallRaw("AUTH", "pw")));
            var echoed = c.Call("ECHO", new string('x', 17000));
            Assert.Equal(17000, echoed.Bytes!.Length);
        }
    }

    [Fact]
    public async Task HelloAuthenticatesNamesAndSwitchesProtocol()
    {
        await using var server = await KvsServerFixture.StartAsync(c => c.RequirePass = "pw");
        using var c = RespClient.Connect(server.Port);
        Assert.StartsWith("-NOAUTH HELLO must be called with the client already authenticated", Raw(c.CallRaw("HELLO", "3")));
        Assert.Equal("-" + WrongPass + "\r\n", Raw(c.CallRaw("HELLO", "3", "AUTH", "default", "bad")));

        var reply = c.Call("HELLO", "3", "AUTH", "default", "pw", "SETNAME", "conn-a");
        Assert.Equal('%', reply.Type);
        var map = ToMap(reply);
        Assert.Equal("redis", map["server"].Text);
        Assert.Equal("7.0.15", map["version"].Text);
        Assert.Equal(3, map["proto"].Integer);
        Assert.Equal("standalone", map["mode"].Text);
        Assert.Equal("master", map["role"].Text);
        Assert.Equal('*', map["modules"].Type);
        Assert.Equal(0, map["modules"].Count);
        Assert.Equal(c.Call("CLIENT", "ID").Integer, map["id"].Integer);
        Assert.Equal("conn-a", c.Call("CLIENT", "GETNAME").Text);
        // RESP3 is in effect: nulls are '_', CONFIG GET is a map.
        Assert.Equal("+OK\r\n", Raw(c.CallRaw("CLIENT", "SETNAME", "")));
        Assert.Equal("_\r\n", Raw(c.CallRaw("CLIENT", "GETNAME")));
        Assert.Equal('%', c.Call("CONFIG", "GET", "maxclients").Type);

        var back = c.Call("HELLO", "2");
        Assert.Equal('*', back.Type);
        Assert.Equal(14, back.Count);
        Assert.Equal("$-1\r\n", Raw(c.CallRaw("CLIENT", "GETNAME")));
    }

    [Fact]
    public void HelloErrorsMatchRedis()
    {
        using var c = fixture.Connect();
        Assert.Equal("-NOPROTO unsupported protocol version\r\n", Raw(c.CallRaw("HELLO", "4")));
        Assert.Equal("-NOPROTO unsupported protocol version\r\n", Raw(c.CallRaw("HELLO", "1")));
        Assert.Equal("-ERR Protocol version is not an integer or out of range\r\n", Raw(c.CallRaw("HELLO", "x")));
        Assert.Equal("-ERR Syntax error in HELLO option 'AUTH'\r\n", Raw(c.CallRaw("HELLO", "3", "AUTH", "default")));
        Assert.Equal("-ERR Client names cannot contain spaces, newlines or special characters.\r\n", Raw(c.CallRaw("HELLO", "3", "SETNAME", "a b")));
        // SETNAME took effect before the bad option, as in Redis; the protocol did not change.
        Assert.Equal("-ERR Syntax error in HELLO option 'extra'\r\n", Raw(c.CallRaw("HELLO", "3", "SETNAME", "n1", "extra")));
        Assert.Equal("$2\r\nn1\r\n", Raw(c.CallRaw("CLIENT", "GETNAME")));
        var hello = c.Call("HELLO");
        Assert.Equal('*', hello.Type);
        Assert.Equal(2, ToMap(hello)["proto"].Integer);
    }

    [Fact]
    public async Task ResetRestoresAFreshConnection()
    {
        await using var server = await KvsServerFixture.StartAsync(c => c.RequirePass = "pw");
        using var c = RespClient.Connect(server.Port);
        Assert.Equal("+OK\r\n", Raw(c.CallRaw("AUTH", "pw")));
        Assert.Equal("+OK\r\n", Raw(c.CallRaw("SELECT", "3")));
        Assert.Equal("+OK\r\n", Raw(c.CallRaw("CLIENT", "SETNAME", "before-reset")));
        Assert.Equal('%', c.Call("HELLO", "3").Type);
        Assert.Equal("+OK\r\n", Raw(c.CallRaw("CLIENT", "NO-EVICT", "on")));
        Assert.Equal("+RESET\r\n", Raw(c.CallRaw("RESET")));
        // requirepass is set, so RESET logs the client out.
        Assert.Equal("-NOAUTH Authentication required.\r\n", Raw(c.CallRaw("CLIENT", "INFO")));
        Assert.Equal("+OK\r\n", Raw(c.CallRaw("AUTH", "pw")));
        string info = c.Call("CLIENT", "INFO").Text!;
        Assert.Contains(" name= ", info);
        Assert.Contains(" db=0 ", info);
        Assert.Contains(" resp=2", info);
        Assert.Contains(" flags=e ", info); // NO-EVICT survives RESET in Redis too.
        Assert.Equal("-ERR wrong number of arguments for 'reset' command\r\n", Raw(c.CallRaw("RESET", "x")));
    }

    [Fact]
    public async Task RequirePassSetAtRuntimeKeepsExistingClientsAuthenticated()
    {
        await using var server = await KvsServerFixture.StartAsync(_ => { });
        using var early = RespClient.Connect(server.Port);
        using var admin = RespClient.Connect(server.Port);
        Assert.Equal("+OK\r\n", Raw(admin.CallRaw("CONFIG", "SET", "requirepass", "secret")));
        Assert.Equal("+PONG\r\n", Raw(early.CallRaw("PING")));

        using var late = RespClient.Connect(server.Port);
        Assert.Equal("-NOAUTH Authentication required.\r\n", Raw(late.CallRaw("PING")));
        Assert.Equal("+OK\r\n", Raw(admin.CallRaw("CONFIG", "SET", "requirepass", "")));
        Assert.Equal("+PONG\r\n", Raw(late.CallRaw("PING")));
        // A client that never authenticated needs AUTH again once a password is back.
        Assert.Equal("+OK\r\n", Raw(admin.CallRaw("CONFIG", "SET", "requirepass", "again")));
        Assert.Equal("-NOAUTH Authentication required.\r\n", Raw(late.CallRaw("PING")));
        Assert.Equal("+PONG\r\n", Raw(early.CallRaw("PING")));
    }

    internal static Dictionary<string, RespValue> ToMap(RespValue reply)
    {
        var map = new Dictionary<string, RespValue>(StringComparer.Ordinal);
        for (int i = 0; i + 1 < reply.Count; i += 2) map[reply[i].Text!] = reply[i + 1];
        return map;
    }
}
