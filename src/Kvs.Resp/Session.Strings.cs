using Kvs.Core.Storage;
using Kvs.Resp.Commands;
using Kvs.Resp.Protocol;

namespace Kvs.Resp;

/// <summary>String commands: GET, SET and the rest of the family.</summary>
public sealed partial class Session
{
    [RespCommand("get")]
    private void NetworkGet(RespArgs args)
    {
        var e = _store.Read(Database, args[1]);
        if (e == null) _writer.WriteNull();
        else if (e.Type != KvsType.String) WrongType();
        else _writer.WriteBulk(e.StringValue);
    }

    [Flags]
    private enum SetFlags
    {
        None = 0,
        Nx = 1,
        Xx = 2,
        Get = 4,
        KeepTtl = 8,
        Ex = 16,
        Px = 32,
        ExAt = 64,
        PxAt = 128,
        AnyExpire = Ex | Px | ExAt | PxAt,
    }

    /// <summary>
    /// Parses SET's options from <paramref name="first"/> on (Redis's parseExtendedStringArgumentsOrReply):
    /// returns false after writing the error. <paramref name="expiresAt"/> is absolute unix ms, 0 = none.
    /// </summary>
    private bool ParseSetOptions(RespArgs args, int first, string command, out SetFlags flags, out long expiresAt)
    {
        flags = SetFlags.None;
        expiresAt = 0;
        ReadOnlySpan<byte> expireArg = default;
        for (int i = first; i < args.Count; i++)
        {
            var a = args[i];
            bool hasNext = i + 1 < args.Count;
            if (args.Is(i, "NX"u8) && (flags & (SetFlags.Xx)) == 0) flags |= SetFlags.Nx;
            else if (args.Is(i, "XX"u8) && (flags & SetFlags.Nx) == 0) flags |= SetFlags.Xx;
            else if (args.Is(i, "GET"u8)) flags |= SetFlags.Get;
            else if (args.Is(i, "KEEPTTL"u8) && (flags & SetFlags.AnyExpire) == 0) flags |= SetFlags.KeepTtl;
            else if (args.Is(i, "EX"u8) && (flags & (SetFlags.KeepTtl | SetFlags.AnyExpire)) == 0 && hasNext) { flags |= SetFlags.Ex; expireArg = args[++i]; }
            else if (args.Is(i, "PX"u8) && (flags & (SetFlags.KeepTtl | SetFlags.AnyExpire)) == 0 && hasNext) { flags |= SetFlags.Px; expireArg = args[++i]; }
            else if (args.Is(i, "EXAT"u8) && (flags & (SetFlags.KeepTtl | SetFlags.AnyExpire)) == 0 && hasNext) { flags |= SetFlags.ExAt; expireArg = args[++i]; }
            else if (args.Is(i, "PXAT"u8) && (flags & (SetFlags.KeepTtl | SetFlags.AnyExpire)) == 0 && hasNext) { flags |= SetFlags.PxAt; expireArg = args[++i]; }
            else
            {
                _ = a;
                SyntaxError();
                return false;
            }
        }
        if ((flags & SetFlags.AnyExpire) != 0)
        {
            if (!TryParseLong(expireArg, out long n))
            {
                NotInteger();
                return false;
            }
            if (n <= 0 || ((flags & (SetFlags.Ex | SetFlags.ExAt)) != 0 && n > long.MaxValue / 1000))
            {
                WriteError($"ERR invalid expire time in '{command}' command");
                return false;
            }
            if ((flags & (SetFlags.Ex | SetFlags.ExAt)) != 0) n *= 1000;
            if ((flags & (SetFlags.Ex | SetFlags.Px)) != 0)
            {
                if (n > long.MaxValue - _store.Now)
                {
                    WriteError($"ERR invalid expire time in '{command}' command");
                    return false;
                }
                n += _store.Now;
            }
            expiresAt = n;
        }
        return true;
    }

    [RespCommand("set")]
    private void NetworkSet(RespArgs args)
    {
        var flags = SetFlags.None;
        long expiresAt = 0;
        if (args.Count > 3 && !ParseSetOptions(args, 3, "set", out flags, out expiresAt)) return;
        var db = Database;
        var key = args[1];
        var e = _store.Find(db, key);
        if ((flags & SetFlags.Get) != 0 && e != null && e.Type != KvsType.String)
        {
            WrongType();
            return;
        }
        bool exists = e != null;
        if (((flags & SetFlags.Nx) != 0 && exists) || ((flags & SetFlags.Xx) != 0 && !exists))
        {
            if ((flags & SetFlags.Get) != 0)
            {
                if (e == null) _writer.WriteNull();
                else _writer.WriteBulk(e.StringValue);
            }
            else _writer.WriteNull();
            return;
        }
        if ((flags & SetFlags.Get) != 0)
        {
            if (e == null) _writer.WriteNull();
            else _writer.WriteBulk(e.StringValue);
        }
        else
        {
            _writer.WriteOk();
        }
        SetStringValue(db, key, e, args[2], (flags & SetFlags.KeepTtl) != 0 ? -1 : expiresAt);
    }

    /// <summary>
    /// Stores a string value, creating or overwriting the key. <paramref name="expiresAt"/>: -1 keeps
    /// the TTL, 0 clears it.
    /// </summary>
    internal KvsEntry SetStringValue(Database db, ReadOnlySpan<byte> key, KvsEntry? existing, ReadOnlySpan<byte> value, long expiresAt)
    {
        if (existing == null) return _store.Create(db, key, value.ToArray(), KvsType.String, Ctx, Math.Max(0, expiresAt));
        _store.ReplaceString(db, existing, value, Ctx, expiresAt);
        return existing;
    }
}
