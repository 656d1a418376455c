using Kvs.Core.Storage;
using Kvs.Core.Types;
using Kvs.Resp.Commands;
using Kvs.Resp.Protocol;

namespace Kvs.Resp;

/// <summary>
/// PFADD, PFCOUNT, PFMERGE and PFDEBUG over Redis-compatible HLL strings (see
/// <see cref="HyperLogLog"/>). Values stay ordinary strings (TYPE string, OBJECT ENCODING raw),
/// so GET/SET move them between Redis and Kvs unchanged.
/// <para>
/// Metadata: PFADD and PFMERGE bump the version when they create the key or change its bytes.
/// PFCOUNT on one key writes the computed count into the header's cache, as Redis does, so a
/// later GET returns the same bytes as Redis's; that is not a change of the logical value, so it
/// does not bump the version (the cached data_hash is dropped so data_hash still matches the
/// bytes).
/// </para>
/// </summary>
public sealed partial class Session
{
    private const string InvalidHllError = "INVALIDOBJ Corrupted HLL object detected";
    private const string NotHllError = "WRONGTYPE Key is not a valid HyperLogLog string value.";

    /// <summary>Redis's isHLLObjectOrReply: a string key holding a well-formed HLL header, else the right error.</summary>
    private bool CheckHll(KvsEntry e)
    {
        if (e.Type != KvsType.String)
        {
            WrongType();
            return false;
        }
        if (!HyperLogLog.IsValid(e.StringValue))
        {
            WriteError(NotHllError);
            return false;
        }
        return true;
    }

    /// <summary>Stores an edited HLL back into its key as one change (or creates the key).</summary>
    private void StoreHll(Database db, ReadOnlySpan<byte> key, KvsEntry? entry, HyperLogLog.Editor editor)
    {
        if (entry == null)
        {
            var created = _store.Create(db, key, editor.ToArray(), KvsType.String, Ctx);
            created.Flags |= EntryFlags.RawString;
            return;
        }
        var edited = editor.Value;
        edited.CopyTo(_store.BeginStringEdit(db, entry, edited.Length, Ctx));
        entry.Flags |= EntryFlags.RawString;
        _store.CompleteUpdate(db, entry, Ctx);
    }

    /// <summary>
    /// PFADD key [element ...]: 1 when the key was created or some register grew. A corrupted
    /// sparse value replies INVALIDOBJ (keeping the registers already raised, as Redis does).
    /// </summary>
    [RespCommand("pfadd")]
    private void NetworkPfAdd(RespArgs args)
    {
        var db = Database;
        var entry = _store.Find(db, args[1]);
        if (entry != null && !CheckHll(entry)) return;
        var editor = new HyperLogLog.Editor(entry == null ? HyperLogLog.CreateEmpty() : entry.StringValue, _config.HllSparseMaxBytes);
        bool updated = entry == null;
        bool changed = false;
        for (int i = 2; i < args.Count; i++)
        {
            int result = editor.Add(args[i]);
            if (result == 1)
            {
                changed = true;
                continue;
            }
            if (result == -1)
            {
                if (changed) StoreHll(db, args[1], entry, editor);
                WriteError(InvalidHllError);
                return;
            }
        }
        updated |= changed;
        if (updated)
        {
            editor.InvalidateCache();
            StoreHll(db, args[1], entry, editor);
        }
        _writer.WriteInteger(updated ? 1 : 0);
    }

    /// <summary>
    /// PFCOUNT key [key ...]. One key: the cached count when valid, else computed and cached in
    /// the value. Several keys: the count of the register-wise maximum, nothing cached.
    /// </summary>
    [RespCommand("pfcount")]
    private void NetworkPfCount(RespArgs args)
    {
        var db = Database;
        if (args.Count > 2)
        {
            var max = new byte[HyperLogLog.Registers];
            for (int i = 1; i < args.Count; i++)
            {
                var e = _store.Read(db, args[i]);
                if (e == null) continue;
                if (!CheckHll(e)) return;
                if (!HyperLogLog.MergeInto(e.StringValue, max))
                {
                    WriteError(InvalidHllError);
                    return;
                }
            }
            _writer.WriteInteger(HyperLogLog.CountRaw(max));
            return;
        }
        var entry = _store.Read(db, args[1]);
        if (entry == null)
        {
            _writer.WriteInteger(0);
            return;
        }
        if (!CheckHll(entry)) return;
        var value = entry.StringValue;
        if (HyperLogLog.HasValidCache(value))
        {
            _writer.WriteInteger(HyperLogLog.CachedCount(value));
            return;
        }
        long count = HyperLogLog.Count(value);
        if (count < 0)
        {
            WriteError(InvalidHllError);
            return;
        }
        if (_store.Metadata.HistoryReferences(entry, value))
        {
            value = (byte[])value.Clone();
            entry.Value = value;
        }
        HyperLogLog.WriteCachedCount(value, count);
        entry.Flags |= EntryFlags.RawString;
        if (entry.Extras != null) entry.Extras.DataHash = null;
        _writer.WriteInteger(count);
    }

    /// <summary>
    /// PFMERGE destkey [sourcekey ...]: the destination (itself an input) receives the
    /// register-wise maximum of all inputs; it becomes dense when any input is dense, else the
    /// registers are set one by one into the sparse form (which may promote it), as Redis does.
    /// </summary>
    [RespCommand("pfmerge")]
    private void NetworkPfMerge(RespArgs args)
    {
        var db = Database;
        var max = new byte[HyperLogLog.Registers];
        bool useDense = false;
        for (int i = 1; i < args.Count; i++)
        {
            var e = _store.Read(db, args[i]);
            if (e == null) continue;
            if (!CheckHll(e)) return;
            if (HyperLogLog.IsDense(e.StringValue)) useDense = true;
            if (!HyperLogLog.MergeInto(e.StringValue, max))
            {
                WriteError(InvalidHllError);
                return;
            }
        }
        var entry = _store.Find(db, args[1]);
        var editor = new HyperLogLog.Editor(entry == null ? HyperLogLog.CreateEmpty() : entry.StringValue, _config.HllSparseMaxBytes);
        if (useDense && !editor.ToDense())
        {
            WriteError(InvalidHllError);
            return;
        }
        for (int j = 0; j < HyperLogLog.Registers; j++)
        {
            if (max[j] == 0) continue;
            if (editor.Set(j, max[j]) == -1)
            {
                WriteError(InvalidHllError);
                return;
            }
        }
        editor.InvalidateCache();
        if (entry == null || !editor.Value.SequenceEqual(entry.StringValue)) StoreHll(db, args[1], entry, editor);
        _writer.WriteOk();
    }

    /// <summary>PFDEBUG GETREG|DECODE|ENCODING|TODENSE key: Redis's HLL debugging aid.</summary>
    [RespCommand("pfdebug")]
    private void NetworkPfDebug(RespArgs args)
    {
        var db = Database;
        var entry = _store.Find(db, args[2]);
        if (entry == null)
        {
            WriteError("ERR The specified key does not exist");
            return;
        }
        if (!CheckHll(entry)) return;
        var editor = new HyperLogLog.Editor(entry.StringValue, _config.HllSparseMaxBytes);
        if (args.Is(1, "GETREG"u8))
        {
            if (!editor.IsDense)
            {
                if (!editor.ToDense())
                {
                    WriteError(InvalidHllError);
                    return;
                }
                StoreHll(db, args[2], entry, editor);
            }
            _writer.WriteArrayHeader(HyperLogLog.Registers);
            for (int j = 0; j < HyperLogLog.Registers; j++) _writer.WriteInteger(editor.GetRegister(j));
        }
        else if (args.Is(1, "DECODE"u8))
        {
            if (editor.IsDense)
            {
                WriteError("ERR HLL encoding is not sparse");
                return;
            }
            _writer.WriteBulk(editor.DecodeSparse());
        }
        else if (args.Is(1, "ENCODING"u8))
        {
            _writer.WriteSimpleString(editor.IsDense ? "dense"u8 : "sparse"u8);
        }
        else if (args.Is(1, "TODENSE"u8))
        {
            bool converted = false;
            if (!editor.IsDense)
            {
                if (!editor.ToDense())
                {
                    WriteError(InvalidHllError);
                    return;
                }
                StoreHll(db, args[2], entry, editor);
                converted = true;
            }
            _writer.WriteInteger(converted ? 1 : 0);
        }
        else
        {
            WriteError($"ERR Unknown PFDEBUG subcommand '{args.ToUtf8String(1)}'");
        }
    }
}
