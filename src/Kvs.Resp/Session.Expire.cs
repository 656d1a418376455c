using Kvs.Resp.Commands;
using Kvs.Resp.Protocol;

namespace Kvs.Resp;

/// <summary>
/// Expiry commands: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (with NX/XX/GT/LT), TTL, PTTL,
/// EXPIRETIME, PEXPIRETIME, PERSIST — Redis 7.0's expireGenericCommand and ttlGenericCommand.
/// Every TTL change goes through <c>KvsStore.SetExpiry</c> so it bumps the key's version.
/// </summary>
public sealed partial class Session
{
    [Flags]
    private enum ExpireCondition
    {
        None = 0,
        Nx = 1,
        Xx = 2,
        Gt = 4,
        Lt = 8,
    }

    [RespCommand("expire")]
    private void NetworkExpire(RespArgs args) => ExpireGeneric(args, _store.Now, inSeconds: true, "expire");

    [RespCommand("pexpire")]
    private void NetworkPExpire(RespArgs args) => ExpireGeneric(args, _store.Now, inSeconds: false, "pexpire");

    [RespCommand("expireat")]
    private void NetworkExpireAt(RespArgs args) => ExpireGeneric(args, 0, inSeconds: true, "expireat");

    [RespCommand("pexpireat")]
    private void NetworkPExpireAt(RespArgs args) => ExpireGeneric(args, 0, inSeconds: false, "pexpireat");

    /// <summary>
    /// Redis's parseExtendedExpireArgumentsOrReply: options are checked before the time argument,
    /// an unknown one is named in the error, and NX excludes the others as GT excludes LT.
    /// </summary>
    private bool ParseExpireConditions(RespArgs args, out ExpireCondition conditions)
    {
        conditions = ExpireCondition.None;
        for (int i = 3; i < args.Count; i++)
        {
            if (args.Is(i, "NX"u8)) conditions |= ExpireCondition.Nx;
            else if (args.Is(i, "XX"u8)) conditions |= ExpireCondition.Xx;
            else if (args.Is(i, "GT"u8)) conditions |= ExpireCondition.Gt;
            else if (args.Is(i, "LT"u8)) conditions |= ExpireCondition.Lt;
            else
            {
                // Redis formats the option with %s, so it ends at the first NUL byte.
                var option = args[i];
                int nul = option.IndexOf((byte)0);
                WriteError("ERR Unsupported option " + Utf8(nul < 0 ? option : option.Slice(0, nul)));
                return false;
            }
        }
        if ((conditions & ExpireCondition.Nx) != 0 && (conditions & (ExpireCondition.Xx | ExpireCondition.Gt | ExpireCondition.Lt)) != 0)
        {
            WriteError("ERR NX and XX, GT or LT options at the same time are not compatible");
            return false;
        }
        if ((conditions & (ExpireCondition.Gt | ExpireCondition.Lt)) == (ExpireCondition.Gt | ExpireCondition.Lt))
        {
            WriteError("ERR GT and LT options at the same time are not compatible");
            return false;
        }
        return true;
    }

    /// <summary>
    /// Sets a key's expiry to <paramref name="baseTime"/> + the argument (seconds or milliseconds).
    /// Overflow in the unit conversion or the addition is "invalid expire time"; negative times
    /// are allowed. A missing key or an unmet condition replies 0. A time that is already past
    /// deletes the key and replies 1. A key without a TTL counts as an infinite TTL for GT and LT.
    /// </summary>
    private void ExpireGeneric(RespArgs args, long baseTime, bool inSeconds, string command)
    {
        if (!ParseExpireConditions(args, out var conditions)) return;
        if (!ParseLongOrReply(args[2], out long when)) return;
        if (inSeconds)
        {
            if (when > long.MaxValue / 1000 || when < long.MinValue / 1000)
            {
                WriteError($"ERR invalid expire time in '{command}' command");
                return;
            }
            when *= 1000;
        }
        if (when > long.MaxValue - baseTime)
        {
            WriteError($"ERR invalid expire time in '{command}' command");
            return;
        }
        when += baseTime;

        var db = Database;
        var e = _store.Find(db, args[1]);
        if (e == null)
        {
            _writer.WriteInteger(0);
            return;
        }
        if (conditions != ExpireCondition.None)
        {
            long current = e.HasExpiry ? e.ExpiresAt : -1;
            bool unmet =
                ((conditions & ExpireCondition.Nx) != 0 && current != -1) ||
                ((conditions & ExpireCondition.Xx) != 0 && current == -1) ||
                ((conditions & ExpireCondition.Gt) != 0 && (current == -1 || when <= current)) ||
                ((conditions & ExpireCondition.Lt) != 0 && current != -1 && when >= current);
            if (unmet)
            {
                _writer.WriteInteger(0);
                return;
            }
        }
        if (when <= _store.Now) _store.Delete(db, e, Ctx);
        else _store.SetExpiry(db, e, when, Ctx);
        _writer.WriteInteger(1);
    }

    [RespCommand("ttl")]
    private void NetworkTtl(RespArgs args) => TtlGeneric(args, inMilliseconds: false, absolute: false);

    [RespCommand("pttl")]
    private void NetworkPTtl(RespArgs args) => TtlGeneric(args, inMilliseconds: true, absolute: false);

    [RespCommand("expiretime")]
    private void NetworkExpireTime(RespArgs args) => TtlGeneric(args, inMilliseconds: false, absolute: true);

    [RespCommand("pexpiretime")]
    private void NetworkPExpireTime(RespArgs args) => TtlGeneric(args, inMilliseconds: true, absolute: true);

    /// <summary>
    /// -2 for a missing key, -1 without a TTL, else the remaining (or absolute) time. Seconds are
    /// rounded to nearest, (ms + 500) / 1000 computed unsigned as Redis's compiled code does, so
    /// EXPIRE k 100 then TTL k gives 100 and the largest PEXPIREAT still rounds up.
    /// </summary>
    private void TtlGeneric(RespArgs args, bool inMilliseconds, bool absolute)
    {
        var e = _store.ReadNoTouch(Database, args[1]);
        if (e == null)
        {
            _writer.WriteInteger(-2);
            return;
        }
        if (!e.HasExpiry)
        {
            _writer.WriteInteger(-1);
            return;
        }
        long ms = absolute ? e.ExpiresAt : e.ExpiresAt - _store.Now;
        if (ms < 0) ms = 0;
        _writer.WriteInteger(inMilliseconds ? ms : (long)(((ulong)ms + 500) / 1000));
    }

    [RespCommand("persist")]
    private void NetworkPersist(RespArgs args)
    {
        var db = Database;
        var e = _store.Find(db, args[1]);
        if (e == null || !e.HasExpiry)
        {
            _writer.WriteInteger(0);
            return;
        }
        _store.SetExpiry(db, e, 0, Ctx);
        _writer.WriteInteger(1);
    }
}
