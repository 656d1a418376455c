using System.Diagnostics;
using System.Text;
using Kvs.Core.Services;
using Microsoft.Extensions.Logging;

namespace Kvs.Core.Storage;

/// <summary>
/// The logging decorator of the original design: every store operation logged when it starts and
/// when it ends, with its op (the command), database, key, outcome and duration. Writes log at
/// Debug (<c>loglevel verbose</c>), reads at Trace (<c>loglevel debug</c>, Redis's most verbose).
/// <para>
/// The host composes it only when Debug is enabled at start-up; at the default <c>notice</c>
/// level sessions talk to the bare <see cref="KvsStore"/> and this class costs nothing, not even
/// an <c>IsEnabled</c> check per call. The line format is in docs/adr/0003-log-format.md.
/// </para>
/// </summary>
public sealed class LoggingKvsStore(IKvsStore inner, ILogger logger) : IKvsStore
{
    public IKvsStore Inner => inner;

    public object SyncRoot => inner.SyncRoot;
    public long Now => inner.Now;
    public long RefreshClock() => inner.RefreshClock();
    public long Revision => inner.Revision;
    public StoreStats Stats => inner.Stats;
    public IKeyService Keys => inner.Keys;
    public IMetadataService Metadata => inner.Metadata;
    public int DatabaseCount => inner.DatabaseCount;
    public Database GetDatabase(int index) => inner.GetDatabase(index);
    public bool IsExpired(KvsEntry e) => inner.IsExpired(e);
    public long IdleSeconds(KvsEntry e) => inner.IdleSeconds(e);
    public byte[] GetDataHash(KvsEntry e) => inner.GetDataHash(e);

    // ---- reads (Trace)

    public KvsEntry? Find(Database db, ReadOnlySpan<byte> key)
    {
        long t = StartRead("find", db, key);
        var e = inner.Find(db, key);
        EndRead("find", db, key, t, e);
        return e;
    }

    public KvsEntry? Read(Database db, ReadOnlySpan<byte> key)
    {
        long t = StartRead("read", db, key);
        var e = inner.Read(db, key);
        EndRead("read", db, key, t, e);
        return e;
    }

    public KvsEntry? ReadNoTouch(Database db, ReadOnlySpan<byte> key)
    {
        long t = StartRead("read", db, key);
        var e = inner.ReadNoTouch(db, key);
        EndRead("read", db, key, t, e);
        return e;
    }

    public KvsEntry? RandomKey(Database db)
    {
        long t = StartRead("randomkey", db, default);
        var e = inner.RandomKey(db);
        EndRead("randomkey", db, e == null ? default : e.Key, t, e);
        return e;
    }

    // ---- writes (Debug)

    public KvsEntry Create(Database db, ReadOnlySpan<byte> key, object value, KvsType type, WriteContext ctx, long expiresAt = 0, IReadOnlyList<string>? tags = null)
    {
        long t = Start("create", db, key, ctx);
        KvsEntry e;
        try { e = inner.Create(db, key, value, type, ctx, expiresAt, tags); }
        catch (Exception ex) { Failed("create", db, key, ctx, ex); throw; }
        End("create", db, key, ctx, t, e);
        return e;
    }

    public void Replace(Database db, KvsEntry e, object value, KvsType type, WriteContext ctx, long expiresAt)
    {
        long t = Start("replace", db, e.Key, ctx);
        try { inner.Replace(db, e, value, type, ctx, expiresAt); }
        catch (Exception ex) { Failed("replace", db, e.Key, ctx, ex); throw; }
        End("replace", db, e.Key, ctx, t, e);
    }

    public void ReplaceString(Database db, KvsEntry e, ReadOnlySpan<byte> value, WriteContext ctx, long expiresAt)
    {
        long t = Start("replace", db, e.Key, ctx);
        try { inner.ReplaceString(db, e, value, ctx, expiresAt); }
        catch (Exception ex) { Failed("replace", db, e.Key, ctx, ex); throw; }
        End("replace", db, e.Key, ctx, t, e);
    }

    public byte[] BeginStringEdit(Database db, KvsEntry e, int newLength, WriteContext ctx)
    {
        long t = Start("edit", db, e.Key, ctx);
        var buffer = inner.BeginStringEdit(db, e, newLength, ctx);
        End("edit", db, e.Key, ctx, t, e);
        return buffer;
    }

    public void BeginUpdate(Database db, KvsEntry e, WriteContext ctx)
    {
        Start("update", db, e.Key, ctx);
        inner.BeginUpdate(db, e, ctx);
    }

    public void CompleteUpdate(Database db, KvsEntry e, WriteContext ctx)
    {
        long t = Stopwatch.GetTimestamp();
        inner.CompleteUpdate(db, e, ctx);
        End("update", db, e.Key, ctx, t, e);
    }

    public void SetExpiry(Database db, KvsEntry e, long expiresAt, WriteContext ctx)
    {
        long t = Start("expire", db, e.Key, ctx);
        inner.SetExpiry(db, e, expiresAt, ctx);
        End("expire", db, e.Key, ctx, t, e);
    }

    public bool ChangeTags(Database db, KvsEntry e, IReadOnlyList<string>? add, IReadOnlyList<string>? remove, WriteContext ctx, bool recordChange = true)
    {
        long t = Start("tag", db, e.Key, ctx);
        bool changed = inner.ChangeTags(db, e, add, remove, ctx, recordChange);
        EndWith("tag", db, e.Key, ctx, t, changed ? "changed" : "unchanged");
        return changed;
    }

    public void Delete(Database db, KvsEntry e, WriteContext ctx)
    {
        long t = Start("delete", db, e.Key, ctx);
        inner.Delete(db, e, ctx);
        EndWith("delete", db, e.Key, ctx, t, "deleted");
    }

    public bool Delete(Database db, ReadOnlySpan<byte> key, WriteContext ctx)
    {
        long t = Start("delete", db, key, ctx);
        bool deleted = inner.Delete(db, key, ctx);
        EndWith("delete", db, key, ctx, t, deleted ? "deleted" : "absent");
        return deleted;
    }

    public void Expire(Database db, KvsEntry e)
    {
        long t = Start("expired", db, e.Key, WriteContext.Internal);
        inner.Expire(db, e);
        EndWith("expired", db, e.Key, WriteContext.Internal, t, "removed");
    }

    public KvsEntry Rename(Database fromDb, KvsEntry e, Database toDb, ReadOnlySpan<byte> newKey, WriteContext ctx)
    {
        long t = Start("rename", fromDb, e.Key, ctx);
        var renamed = inner.Rename(fromDb, e, toDb, newKey, ctx);
        End("rename", toDb, newKey, ctx, t, renamed);
        return renamed;
    }

    public KvsEntry Copy(KvsEntry source, Database toDb, ReadOnlySpan<byte> newKey, KvsEntry? existing, WriteContext ctx)
    {
        long t = Start("copy", toDb, newKey, ctx);
        var copy = inner.Copy(source, toDb, newKey, existing, ctx);
        End("copy", toDb, newKey, ctx, t, copy);
        return copy;
    }

    public void FlushDatabase(Database db, WriteContext ctx)
    {
        long t = Start("flushdb", db, default, ctx);
        inner.FlushDatabase(db, ctx);
        EndWith("flushdb", db, default, ctx, t, "flushed");
    }

    public void FlushAll(WriteContext ctx)
    {
        var db0 = inner.GetDatabase(0);
        long t = Start("flushall", db0, default, ctx);
        inner.FlushAll(ctx);
        EndWith("flushall", db0, default, ctx, t, "flushed");
    }

    public void SwapDatabases(int a, int b, WriteContext ctx)
    {
        var db = inner.GetDatabase(a);
        long t = Start("swapdb", db, default, ctx);
        inner.SwapDatabases(a, b, ctx);
        EndWith("swapdb", db, default, ctx, t, "swapped with db " + b);
    }

    // ---- log lines

    private long Start(string operation, Database db, ReadOnlySpan<byte> key, WriteContext ctx)
    {
        logger.LogDebug("store {Operation} start: op={Op} db={Db} key={Key} by={By}", operation, ctx.Op, db.Index, Printable(key), ctx.ModifiedBy);
        return Stopwatch.GetTimestamp();
    }

    private void End(string operation, Database db, ReadOnlySpan<byte> key, WriteContext ctx, long started, KvsEntry e) =>
        EndWith(operation, db, key, ctx, started, "version=" + e.Version + " revision=" + e.Revision);

    private void EndWith(string operation, Database db, ReadOnlySpan<byte> key, WriteContext ctx, long started, string outcome) =>
        logger.LogDebug("store {Operation} end: op={Op} db={Db} key={Key} {Outcome} in {Micros}us", operation, ctx.Op, db.Index, Printable(key), outcome, Micros(started));

    private void Failed(string operation, Database db, ReadOnlySpan<byte> key, WriteContext ctx, Exception ex) =>
        logger.LogDebug(ex, "store {Operation} failed: op={Op} db={Db} key={Key}", operation, ctx.Op, db.Index, Printable(key));

    private long StartRead(string operation, Database db, ReadOnlySpan<byte> key)
    {
        logger.LogTrace("store {Operation} start: db={Db} key={Key}", operation, db.Index, Printable(key));
        return Stopwatch.GetTimestamp();
    }

    private void EndRead(string operation, Database db, ReadOnlySpan<byte> key, long started, KvsEntry? e) =>
        logger.LogTrace("store {Operation} end: db={Db} key={Key} {Outcome} in {Micros}us", operation, db.Index, Printable(key), e == null ? "miss" : "hit", Micros(started));

    private static long Micros(long started) => (Stopwatch.GetTimestamp() - started) * 1_000_000 / Stopwatch.Frequency;

    /// <summary>The key as redis-cli quotes it (printable ASCII kept, the rest as \xHH), cut at 128 bytes.</summary>
    internal static string Printable(ReadOnlySpan<byte> key)
    {
        var sb = new StringBuilder(key.Length + 2);
        sb.Append('"');
        int n = Math.Min(key.Length, 128);
        for (int i = 0; i < n; i++)
        {
            byte b = key[i];
            if (b == (byte)'"' || b == (byte)'\\') sb.Append('\\').Append((char)b);
            else if (b >= 0x20 && b < 0x7f) sb.Append((char)b);
            else sb.Append("\\x").Append(b.ToString("x2"));
        }
        if (key.Length > n) sb.Append("...");
        return sb.Append('"').ToString();
    }
}
