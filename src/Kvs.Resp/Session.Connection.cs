using System.Security.Cryptography;
using System.Text;
using Kvs.Resp.Commands;
using Kvs.Resp.Protocol;

namespace Kvs.Resp;

/// <summary>Connection commands: PING, ECHO, QUIT, SELECT, AUTH, HELLO, RESET.</summary>
public sealed partial class Session
{
    [RespCommand("ping")]
    private void NetworkPing(RespArgs args)
    {
        if (args.Count > 2)
        {
            WrongArgs("ping");
            return;
        }
        if (args.Count == 1) _writer.WriteRaw("+PONG\r\n"u8);
        else _writer.WriteBulk(args[1]);
    }

    [RespCommand("echo")]
    private void NetworkEcho(RespArgs args) => _writer.WriteBulk(args[1]);

    [RespCommand("quit")]
    private void NetworkQuit(RespArgs args)
    {
        _writer.WriteOk();
        CloseAfterReply();
    }

    [RespCommand("select")]
    private void NetworkSelect(RespArgs args)
    {
        if (!TryParseLong(args[1], out long index))
        {
            NotInteger();
            return;
        }
        if (index < 0 || index >= _store.DatabaseCount)
        {
            WriteError("ERR DB index is out of range");
            return;
        }
        SelectDatabase((int)index);
        _writer.WriteOk();
    }

    // ------------------------------------------------------------------ authentication

    /// <summary>
    /// Redis's <c>c->authenticated</c>: set by a successful AUTH / HELLO AUTH, or at connect (and on
    /// RESET) when the default user needs no password. Whether commands need AUTH is derived from
    /// it and requirepass, as Redis's authRequired() does: a client that connected while no
    /// password was set stays authenticated when one is set later, one that never authenticated
    /// gets NOAUTH again.
    /// </summary>
    private bool _authFlag;

    /// <summary>Called by <see cref="RespServer.TryRegister"/> before the receive loop starts.</summary>
    internal void OnRegistered()
    {
        _authFlag = _config.RequirePass.Length == 0;
        _parser.ProtoMaxBulkLen = _config.ProtoMaxBulkLen;
        RefreshAuthState();
    }

    /// <summary>An option changed by CONFIG SET (under the store lock): refresh what this session caches.</summary>
    internal void OnConfigChanged(string option)
    {
        switch (option)
        {
            case "requirepass":
                RefreshAuthState();
                break;
            case "proto-max-bulk-len":
                _parser.ProtoMaxBulkLen = _config.ProtoMaxBulkLen;
                break;
        }
    }

    /// <summary>Derives what dispatch checks (and the parser's tighter pre-auth limits) from the auth flag and requirepass.</summary>
    private void RefreshAuthState()
    {
        Authenticated = _authFlag || _config.RequirePass.Length == 0;
        _parser.Unauthenticated = !Authenticated;
    }

    private void SetAuthFlag(bool value)
    {
        _authFlag = value;
        User = "default";
        RefreshAuthState();
    }

    /// <summary>
    /// Checks a username/password pair against the only user Kvs has, "default", whose password is
    /// requirepass (none = any password, Redis's nopass). The comparison takes the same time
    /// whatever the bytes (both sides are hashed first, as Redis's time-independent compare).
    /// </summary>
    private bool CheckCredentials(ReadOnlySpan<byte> user, ReadOnlySpan<byte> password)
    {
        if (!user.SequenceEqual("default"u8)) return false;
        string required = _config.RequirePass;
        if (required.Length == 0) return true;
        Span<byte> expected = stackalloc byte[32];
        Span<byte> actual = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(required), expected);
        SHA256.HashData(password, actual);
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }

    private void WrongPass() => WriteError("WRONGPASS invalid username-password pair or user is disabled.");

    [RespCommand("auth")]
    private void ConnectionAuth(RespArgs args)
    {
        if (args.Count > 3)
        {
            SyntaxError();
            return;
        }
        ReadOnlySpan<byte> user, password;
        if (args.Count == 2)
        {
            if (_config.RequirePass.Length == 0)
            {
                WriteError("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?");
                return;
            }
            user = "default"u8;
            password = args[1];
        }
        else
        {
            user = args[1];
            password = args[2];
        }
        if (!CheckCredentials(user, password))
        {
            // Like Redis, a failed AUTH leaves an earlier successful one in place.
            WrongPass();
            return;
        }
        SetAuthFlag(true);
        _writer.WriteOk();
    }

    /// <summary>
    /// HELLO [protover [AUTH user pass] [SETNAME name]]. As in Redis 7.0, AUTH and SETNAME take
    /// effect in argument order while the options are read (a later syntax error does not undo
    /// them), the client must be authenticated at the end, and only then the protocol switches
    /// and the reply (already in the new protocol) is sent.
    /// </summary>
    [RespCommand("hello")]
    private void ConnectionHello(RespArgs args)
    {
        long version = 0;
        int next = 1;
        if (args.Count >= 2)
        {
            next = 2;
            if (!TryParseLong(args[1], out version))
            {
                WriteError("ERR Protocol version is not an integer or out of range");
                return;
            }
            if (version < 2 || version > 3)
            {
                WriteError("NOPROTO unsupported protocol version");
                return;
            }
        }
        for (int j = next; j < args.Count; j++)
        {
            int more = args.Count - 1 - j;
            if (args.Is(j, "AUTH"u8) && more >= 2)
            {
                if (!CheckCredentials(args[j + 1], args[j + 2]))
                {
                    WrongPass();
                    return;
                }
                SetAuthFlag(true);
                j += 2;
            }
            else if (args.Is(j, "SETNAME"u8) && more >= 1)
            {
                if (!TrySetClientName(args[j + 1])) return;
                j++;
            }
            else
            {
                WriteError($"ERR Syntax error in HELLO option '{args.ToUtf8String(j)}'");
                return;
            }
        }
        if (!_authFlag)
        {
            WriteError("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
            return;
        }
        if (version != 0) _writer.Protocol = (int)version;
        _writer.WriteMapHeader(7);
        _writer.WriteBulk("server"u8);
        _writer.WriteBulk("redis"u8);
        _writer.WriteBulk("version"u8);
        _writer.WriteBulk(RedisVersion);
        _writer.WriteBulk("proto"u8);
        _writer.WriteInteger(_writer.Protocol);
        _writer.WriteBulk("id"u8);
        _writer.WriteInteger(Id);
        _writer.WriteBulk("mode"u8);
        _writer.WriteBulk("standalone"u8);
        _writer.WriteBulk("role"u8);
        _writer.WriteBulk("master"u8);
        _writer.WriteBulk("modules"u8);
        _writer.WriteEmptyArray();
    }

    /// <summary>
    /// RESET: back to a fresh connection's state (Redis's clearClientConnectionState): db 0, RESP2,
    /// no name, replies on, the default user authenticated only if it needs no password; the
    /// other families drop MULTI, subscriptions and so on through <see cref="OnResetCore"/>.
    /// </summary>
    [RespCommand("reset")]
    private void ConnectionReset(RespArgs args)
    {
        SelectDatabase(0);
        _writer.Protocol = 2;
        SetAuthFlag(_config.RequirePass.Length == 0);
        Name = null;
        RestoreReplies();
        OnResetCore();
        _writer.WriteSimpleString("RESET"u8);
    }

    /// <summary>Hook for families with per-connection state that RESET clears (MULTI/WATCH, pub/sub, tracking).</summary>
    partial void OnResetCore();
}
