using Kvs.Core.Storage;
using Kvs.Core.Types;
using Kvs.Resp.Commands;
using Kvs.Resp.Protocol;

namespace Kvs.Resp;

/// <summary>
/// Set commands (Redis 7.0's t_set.c semantics, reply types and error texts). Replies that are
/// whole sets (SMEMBERS, SINTER, SUNION, SDIFF, SPOP with a count) are RESP3 sets; SRANDMEMBER
/// with a count is an array (it may repeat). Results of SINTER/SUNION/SDIFF are built the way
/// Redis builds them — a new set that starts as an intset — so their order and encoding match
/// Redis whenever Redis's own order is defined (intsets: ascending).
/// <para>
/// Metadata: a key's version moves only when its members change (SADD that adds, SREM that
/// removes, SPOP, SMOVE's source, and its destination when the member was added). A *STORE
/// command replaces its destination (new value, TTL cleared) or deletes it for an empty result.
/// </para>
/// </summary>
public sealed partial class Session
{
    private bool ReadSet(ReadOnlySpan<byte> key, out RedisSet? set)
    {
        set = null;
        var e = _store.Read(Database, key);
        if (e == null) return true;
        if (e.Type != KvsType.Set)
        {
            WrongType();
            return false;
        }
        set = (RedisSet)e.Value;
        return true;
    }

    private bool FindSetForWrite(ReadOnlySpan<byte> key, out KvsEntry? entry)
    {
        entry = _store.Find(Database, key);
        if (entry == null || entry.Type == KvsType.Set) return true;
        WrongType();
        return false;
    }

    /// <summary>Writes one member: intset members are formatted on the stack.</summary>
    private void WriteSetMember(RedisSet set, int index)
    {
        Span<byte> scratch = stackalloc byte[20];
        _writer.WriteBulk(set.MemberAt(index, scratch));
    }

    private void WriteWholeSet(RedisSet? set)
    {
        int count = set?.Count ?? 0;
        _writer.WriteSetHeader(count);
        for (int i = 0; i < count; i++) WriteSetMember(set!, i);
    }

    [RespCommand("sadd")]
    private void NetworkSAdd(RespArgs args)
    {
        var db = Database;
        if (!FindSetForWrite(args[1], out var entry)) return;
        long maxInts = _config.SetMaxIntsetEntries;
        if (entry == null)
        {
            var created = RedisSet.CreateFor(args[2]);
            long n = 0;
            for (int i = 2; i < args.Count; i++)
                if (created.Add(args[i], maxInts)) n++;
            _store.Create(db, args[1], created, KvsType.Set, Ctx);
            _writer.WriteInteger(n);
            return;
        }
        var set = (RedisSet)entry.Value;
        int first = 2;
        while (first < args.Count && set.Contains(args[first])) first++;
        if (first == args.Count)
        {
            _writer.WriteInteger(0);
            return;
        }
        _store.BeginUpdate(db, entry, Ctx);
        long added = 0;
        for (int i = first; i < args.Count; i++)
            if (set.Add(args[i], maxInts)) added++;
        _store.CompleteUpdate(db, entry, Ctx);
        _writer.WriteInteger(added);
    }

    [RespCommand("srem")]
    private void NetworkSRem(RespArgs args)
    {
        var db = Database;
        if (!FindSetForWrite(args[1], out var entry)) return;
        if (entry == null)
        {
            _writer.WriteInteger(0);
            return;
        }
        var set = (RedisSet)entry.Value;
        int first = 2;
        while (first < args.Count && !set.Contains(args[first])) first++;
        if (first == args.Count)
        {
            _writer.WriteInteger(0);
            return;
        }
        _store.BeginUpdate(db, entry, Ctx);
        long removed = 0;
        for (int i = first; i < args.Count && set.Count > 0; i++)
            if (set.Remove(args[i])) removed++;
        if (set.Count == 0) _store.Delete(db, entry, Ctx);
        else _store.CompleteUpdate(db, entry, Ctx);
        _writer.WriteInteger(removed);
    }

    [RespCommand("sismember")]
    private void NetworkSIsMember(RespArgs args)
    {
        if (!ReadSet(args[1], out var set)) return;
        _writer.WriteInteger(set != null && set.Contains(args[2]) ? 1 : 0);
    }

    [RespCommand("smismember")]
    private void NetworkSMIsMember(RespArgs args)
    {
        if (!ReadSet(args[1], out var set)) return;
        _writer.WriteArrayHeader(args.Count - 2);
        for (int i = 2; i < args.Count; i++) _writer.WriteInteger(set != null && set.Contains(args[i]) ? 1 : 0);
    }

    [RespCommand("scard")]
    private void NetworkSCard(RespArgs args)
    {
        if (!ReadSet(args[1], out var set)) return;
        _writer.WriteInteger(set?.Count ?? 0);
    }

    [RespCommand("smembers")]
    private void NetworkSMembers(RespArgs args)
    {
        if (!ReadSet(args[1], out var set)) return;
        WriteWholeSet(set);
    }

    /// <summary>
    /// SRANDMEMBER key [count]: the count is checked (as a C long except LONG_MIN) before the key;
    /// negative counts repeat members, a count ≥ the size is the whole set in its order.
    /// </summary>
    [RespCommand("srandmember")]
    private void NetworkSRandMember(RespArgs args)
    {
        if (args.Count > 3)
        {
            SyntaxError();
            return;
        }
        if (args.Count == 2)
        {
            if (!ReadSet(args[1], out var single)) return;
            if (single == null) _writer.WriteNull();
            else WriteSetMember(single, single.RandomIndex(Random.Shared));
            return;
        }
        if (!ParseLongOrReply(args[2], out long requested)) return;
        if (requested == long.MinValue)
        {
            WriteError("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807");
            return;
        }
        if (!ReadSet(args[1], out var set)) return;
        if (set == null || requested == 0)
        {
            _writer.WriteEmptyArray();
            return;
        }
        if (requested < -MaxRandomReplyCount)
        {
            WriteError("ERR value is out of range");
            return;
        }
        int size = set.Count;
        if (requested < 0)
        {
            _writer.WriteArrayHeader((int)-requested);
            for (long n = 0; n < -requested; n++) WriteSetMember(set, set.RandomIndex(Random.Shared));
            return;
        }
        if (requested >= size)
        {
            _writer.WriteArrayHeader(size);
            for (int i = 0; i < size; i++) WriteSetMember(set, i);
            return;
        }
        var picks = PickDistinctIndices(size, (int)requested);
        _writer.WriteArrayHeader(picks.Count);
        foreach (int i in picks) WriteSetMember(set, i);
    }

    /// <summary>
    /// SPOP key [count]. Without a count: one random member or nil. With a count (checked first:
    /// "must be positive"): a RESP3 set; a count ≥ the size returns the whole set and deletes the
    /// key. Otherwise Redis's two strategies: pop random members while few are taken, else keep
    /// a random remainder as a fresh set (shaped by its first member, like setTypeCreate) and
    /// return everything else.
    /// </summary>
    [RespCommand("spop")]
    private void NetworkSPop(RespArgs args)
    {
        var db = Database;
        if (args.Count > 3)
        {
            SyntaxError();
            return;
        }
        if (args.Count == 2)
        {
            if (!FindSetForWrite(args[1], out var e1)) return;
            if (e1 == null)
            {
                _writer.WriteNull();
                return;
            }
            var s1 = (RedisSet)e1.Value;
            _store.BeginUpdate(db, e1, Ctx);
            int index = s1.RandomIndex(Random.Shared);
            WriteSetMember(s1, index);
            s1.RemoveAt(index);
            if (s1.Count == 0) _store.Delete(db, e1, Ctx);
            else _store.CompleteUpdate(db, e1, Ctx);
            return;
        }
        if (!TryParseLong(args[2], out long requested) || requested < 0)
        {
            WriteError("ERR value is out of range, must be positive");
            return;
        }
        if (!FindSetForWrite(args[1], out var entry)) return;
        if (entry == null || requested == 0)
        {
            _writer.WriteSetHeader(0);
            return;
        }
        var set = (RedisSet)entry.Value;
        int size = set.Count;
        if (requested >= size)
        {
            WriteWholeSet(set);
            _store.Delete(db, entry, Ctx);
            return;
        }
        int count = (int)requested;
        _store.BeginUpdate(db, entry, Ctx);
        _writer.WriteSetHeader(count);
        int remaining = size - count;
        if ((long)remaining * 5 > count)
        {
            for (int n = 0; n < count; n++)
            {
                int index = set.RandomIndex(Random.Shared);
                WriteSetMember(set, index);
                set.RemoveAt(index);
            }
            _store.CompleteUpdate(db, entry, Ctx);
            return;
        }
        RedisSet? kept = null;
        long maxInts = _config.SetMaxIntsetEntries;
        Span<byte> scratch = stackalloc byte[20];
        for (int n = 0; n < remaining; n++)
        {
            int index = set.RandomIndex(Random.Shared);
            var member = set.MemberAt(index, scratch);
            kept ??= RedisSet.CreateFor(member);
            kept.Add(member, maxInts);
            set.RemoveAt(index);
        }
        for (int i = 0; i < set.Count; i++) WriteSetMember(set, i);
        entry.Value = kept!;
        _store.CompleteUpdate(db, entry, Ctx);
    }

    /// <summary>
    /// SMOVE source destination member (Redis's smoveCommand): a missing source is 0 before any
    /// type check of the destination; same key → 1 if member else 0, no change.
    /// </summary>
    [RespCommand("smove")]
    private void NetworkSMove(RespArgs args)
    {
        var db = Database;
        var source = _store.Find(db, args[1]);
        var destination = _store.Find(db, args[2]);
        if (source == null)
        {
            _writer.WriteInteger(0);
            return;
        }
        if (source.Type != KvsType.Set || (destination != null && destination.Type != KvsType.Set))
        {
            WrongType();
            return;
        }
        var member = args[3];
        var sourceSet = (RedisSet)source.Value;
        if (ReferenceEquals(source, destination))
        {
            _writer.WriteInteger(sourceSet.Contains(member) ? 1 : 0);
            return;
        }
        if (!sourceSet.Contains(member))
        {
            _writer.WriteInteger(0);
            return;
        }
        _store.BeginUpdate(db, source, Ctx);
        sourceSet.Remove(member);
        if (sourceSet.Count == 0) _store.Delete(db, source, Ctx);
        else _store.CompleteUpdate(db, source, Ctx);
        long maxInts = _config.SetMaxIntsetEntries;
        if (destination == null)
        {
            var created = RedisSet.CreateFor(member);
            created.Add(member, maxInts);
            _store.Create(db, args[2], created, KvsType.Set, Ctx);
        }
        else
        {
            var destinationSet = (RedisSet)destination.Value;
            if (!destinationSet.Contains(member))
            {
                _store.BeginUpdate(db, destination, Ctx);
                destinationSet.Add(member, maxInts);
                _store.CompleteUpdate(db, destination, Ctx);
            }
        }
        _writer.WriteInteger(1);
    }

    // ------------------------------------------------------------------ SINTER, SINTERCARD, SINTERSTORE

    /// <summary>
    /// Looks up the set keys args[first..first+count): false after WRONGTYPE. Missing keys are null
    /// entries. Every key is type-checked before any result is computed, as in Redis.
    /// </summary>
    private bool CollectSets(RespArgs args, int first, int count, bool forWrite, out RedisSet?[] sets)
    {
        sets = new RedisSet?[count];
        for (int j = 0; j < count; j++)
        {
            var e = forWrite ? _store.Find(Database, args[first + j]) : _store.Read(Database, args[first + j]);
            if (e == null) continue;
            if (e.Type != KvsType.Set)
            {
                WrongType();
                return false;
            }
            sets[j] = (RedisSet)e.Value;
        }
        return true;
    }

    /// <summary>
    /// Redis's sinterGenericCommand: any missing key makes the result empty; otherwise the
    /// smallest set (stable by argument order among equals) is walked and each member kept when
    /// every other set has it. <paramref name="limit"/> &gt; 0 stops early (SINTERCARD).
    /// Returns the indices (in the smallest set) of the members kept, and that set.
    /// </summary>
    private static List<int>? Intersect(RedisSet?[] sets, long limit, out RedisSet? smallest)
    {
        smallest = null;
        foreach (var s in sets)
            if (s == null) return null;
        var ordered = (RedisSet[])sets.Clone()!;
        for (int i = 1; i < ordered.Length; i++)
        {
            var x = ordered[i];
            int j = i - 1;
            while (j >= 0 && ordered[j].Count > x.Count)
            {
                ordered[j + 1] = ordered[j];
                j--;
            }
            ordered[j + 1] = x;
        }
        smallest = ordered[0];
        var result = new List<int>();
        Span<byte> scratch = stackalloc byte[20];
        for (int i = 0; i < smallest.Count; i++)
        {
            bool everywhere = true;
            for (int j = 1; j < ordered.Length && everywhere; j++)
            {
                var other = ordered[j];
                if (ReferenceEquals(other, smallest)) continue;
                everywhere = smallest.IsIntSet ? other.ContainsInteger(smallest.IntegerAt(i)) : other.Contains(smallest.MemberAt(i, scratch));
            }
            if (!everywhere) continue;
            result.Add(i);
            if (limit > 0 && result.Count >= limit) break;
        }
        return result;
    }

    [RespCommand("sinter")]
    private void NetworkSInter(RespArgs args)
    {
        if (!CollectSets(args, 1, args.Count - 1, forWrite: false, out var sets)) return;
        var members = Intersect(sets, 0, out var smallest);
        if (members == null)
        {
            _writer.WriteSetHeader(0);
            return;
        }
        _writer.WriteSetHeader(members.Count);
        foreach (int i in members) WriteSetMember(smallest!, i);
    }

    [RespCommand("sintercard")]
    private void NetworkSInterCard(RespArgs args)
    {
        if (!TryParseLong(args[1], out long numKeys) || numKeys < 1)
        {
            WriteError("ERR numkeys should be greater than 0");
            return;
        }
        if (numKeys > args.Count - 2)
        {
            WriteError("ERR Number of keys can't be greater than number of args");
            return;
        }
        long limit = 0;
        for (int j = 2 + (int)numKeys; j < args.Count; j++)
        {
            if (args.Is(j, "LIMIT"u8) && j + 1 < args.Count)
            {
                j++;
                if (!TryParseLong(args[j], out limit) || limit < 0)
                {
                    WriteError("ERR LIMIT can't be negative");
                    return;
                }
            }
            else
            {
                SyntaxError();
                return;
            }
        }
        if (!CollectSets(args, 2, (int)numKeys, forWrite: false, out var sets)) return;
        var members = Intersect(sets, limit, out _);
        _writer.WriteInteger(members?.Count ?? 0);
    }

    [RespCommand("sinterstore")]
    private void NetworkSInterStore(RespArgs args)
    {
        if (!CollectSets(args, 2, args.Count - 2, forWrite: true, out var sets)) return;
        var members = Intersect(sets, 0, out var smallest);
        var result = new RedisSet();
        if (members != null)
        {
            long maxInts = _config.SetMaxIntsetEntries;
            Span<byte> scratch = stackalloc byte[20];
            foreach (int i in members) result.Add(smallest!.MemberAt(i, scratch), maxInts);
        }
        StoreSetResult(args[1], result);
    }

    /// <summary>Stores a *STORE result: replaces the destination (TTL cleared), or deletes it when the result is empty.</summary>
    private void StoreSetResult(ReadOnlySpan<byte> key, RedisSet result)
    {
        var db = Database;
        var existing = _store.Find(db, key);
        if (result.Count == 0)
        {
            if (existing != null) _store.Delete(db, existing, Ctx);
        }
        else if (existing == null)
        {
            _store.Create(db, key, result, KvsType.Set, Ctx);
        }
        else
        {
            _store.Replace(db, existing, result, KvsType.Set, Ctx, 0);
        }
        _writer.WriteInteger(result.Count);
    }

    // ------------------------------------------------------------------ SUNION, SDIFF and their STORE forms

    /// <summary>
    /// Redis's sunionDiffGenericCommand. Union adds every member of every set to a new intset-first
    /// set. Difference: empty when the first key is missing or named again later; otherwise
    /// algorithm 1 (walk the first set, keep members no other set has; the others ordered by
    /// decreasing size) when its estimated work is not larger, else algorithm 2 (copy the first
    /// set, remove the others' members).
    /// </summary>
    private RedisSet UnionOrDiff(RedisSet?[] sets, bool diff)
    {
        var result = new RedisSet();
        long maxInts = _config.SetMaxIntsetEntries;
        Span<byte> scratch = stackalloc byte[20];
        if (!diff)
        {
            foreach (var s in sets)
            {
                if (s == null) continue;
                for (int i = 0; i < s.Count; i++) result.Add(s.MemberAt(i, scratch), maxInts);
            }
            return result;
        }
        var first = sets[0];
        if (first == null) return result;
        for (int j = 1; j < sets.Length; j++)
            if (ReferenceEquals(sets[j], first)) return result;
        long algoOneWork = 0, algoTwoWork = 0;
        foreach (var s in sets)
        {
            if (s == null) continue;
            algoOneWork += first.Count;
            algoTwoWork += s.Count;
        }
        algoOneWork /= 2;
        if (algoOneWork <= algoTwoWork)
        {
            var others = new List<RedisSet>(sets.Length - 1);
            for (int j = 1; j < sets.Length; j++)
                if (sets[j] != null) others.Add(sets[j]!);
            // Stable, by decreasing size (glibc's qsort is a merge sort).
            for (int i = 1; i < others.Count; i++)
            {
                var x = others[i];
                int k = i - 1;
                while (k >= 0 && others[k].Count < x.Count)
                {
                    others[k + 1] = others[k];
                    k--;
                }
                others[k + 1] = x;
            }
            for (int i = 0; i < first.Count; i++)
            {
                var member = first.MemberAt(i, scratch);
                bool elsewhere = false;
                foreach (var other in others)
                {
                    if (other.Contains(member))
                    {
                        elsewhere = true;
                        break;
                    }
                }
                if (!elsewhere) result.Add(member, maxInts);
            }
            return result;
        }
        for (int j = 0; j < sets.Length; j++)
        {
            var s = sets[j];
            if (s == null) continue;
            for (int i = 0; i < s.Count; i++)
            {
                var member = s.MemberAt(i, scratch);
                if (j == 0) result.Add(member, maxInts);
                else result.Remove(member);
            }
            if (result.Count == 0) break;
        }
        return result;
    }

    [RespCommand("sunion")]
    private void NetworkSUnion(RespArgs args)
    {
        if (!CollectSets(args, 1, args.Count - 1, forWrite: false, out var sets)) return;
        WriteWholeSet(UnionOrDiff(sets, diff: false));
    }

    [RespCommand("sdiff")]
    private void NetworkSDiff(RespArgs args)
    {
        if (!CollectSets(args, 1, args.Count - 1, forWrite: false, out var sets)) return;
        WriteWholeSet(UnionOrDiff(sets, diff: true));
    }

    [RespCommand("sunionstore")]
    private void NetworkSUnionStore(RespArgs args)
    {
        if (!CollectSets(args, 2, args.Count - 2, forWrite: true, out var sets)) return;
        StoreSetResult(args[1], UnionOrDiff(sets, diff: false));
    }

    [RespCommand("sdiffstore")]
    private void NetworkSDiffStore(RespArgs args)
    {
        if (!CollectSets(args, 2, args.Count - 2, forWrite: true, out var sets)) return;
        StoreSetResult(args[1], UnionOrDiff(sets, diff: true));
    }

    // ------------------------------------------------------------------ SSCAN

    /// <summary>SSCAN key cursor [MATCH p] [COUNT n]: an intset is returned whole with cursor 0, a hashtable walked by bucket.</summary>
    [RespCommand("sscan")]
    private void NetworkSScan(RespArgs args)
    {
        if (!TryParseScanCursor(args[2], out ulong cursor))
        {
            WriteError("ERR invalid cursor");
            return;
        }
        if (!ReadSet(args[1], out var set)) return;
        if (set == null)
        {
            _writer.WriteRaw(EmptyScanReply);
            return;
        }
        if (!ParseCollectionScanOptions(args, 3, out long count, out bool usePattern)) return;
        var pattern = usePattern ? ScanPattern(args, 3) : default;
        var list = RentIndexList();
        if (set.IsIntSet)
        {
            for (int i = 0; i < set.Count; i++) list.Add(i);
            cursor = 0;
        }
        else
        {
            cursor = ScanTable(set.Table!, cursor, count, 1, list);
        }
        int kept = 0;
        Span<byte> scratch = stackalloc byte[20];
        for (int j = 0; j < list.Count; j++)
        {
            if (usePattern && !GlobMatcher.IsMatch(pattern, set.MemberAt(list[j], scratch))) continue;
            list[kept++] = list[j];
        }
        WriteScanCursor(cursor);
        _writer.WriteArrayHeader(kept);
        for (int j = 0; j < kept; j++) WriteSetMember(set, list[j]);
        ReturnIndexList(list);
    }
}
