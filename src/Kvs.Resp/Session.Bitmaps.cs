using System.Numerics;
using System.Runtime.InteropServices;
using Kvs.Core.Storage;
using Kvs.Resp.Commands;
using Kvs.Resp.Protocol;

namespace Kvs.Resp;

/// <summary>
/// Bitmap commands on string values (Redis 7.0's bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS,
/// BITOP, BITFIELD, BITFIELD_RO. Bits are numbered from the most significant bit of byte 0.
/// <para>
/// Writes go through the store: a missing key is created; an existing string is edited with
/// BeginStringEdit (which zero-pads a longer copy when the string grows and never changes an array
/// the history still holds) and CompleteUpdate, only when a byte really changes or the string
/// grows, so a no-op write keeps its version. Like
/// Redis's dbUnshareStringValue, any write command leaves the string "raw" for OBJECT ENCODING.
/// Offsets are limited by proto-max-bulk-len (512MB by default), as in Redis.
/// </para>
/// </summary>
public sealed partial class Session
{
    private const string BitOffsetError = "ERR bit offset is not an integer or out of range";
    private const string BitValueError = "ERR bit is not an integer or out of range";
    private const string BitfieldTypeError = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";

    /// <summary>
    /// getBitOffsetFromArgument: a non-negative integer whose byte index is below
    /// proto-max-bulk-len; with <paramref name="hashForm"/>, "#n" means n * <paramref name="bits"/>.
    /// </summary>
    private bool ParseBitOffsetOrReply(ReadOnlySpan<byte> s, bool hashForm, int bits, out ulong offset)
    {
        offset = 0;
        bool useHash = hashForm && bits > 0 && s.Length > 0 && s[0] == '#';
        if (!TryParseLong(useHash ? s.Slice(1) : s, out long value))
        {
            WriteError(BitOffsetError);
            return false;
        }
        if (useHash) value = unchecked(value * bits);
        long limit = Math.Min(_config.ProtoMaxBulkLen, Array.MaxLength);
        if (value < 0 || (value >> 3) >= limit)
        {
            WriteError(BitOffsetError);
            return false;
        }
        offset = (ulong)value;
        return true;
    }

    /// <summary>Finds the string a bitmap command reads or writes; false (WRONGTYPE written) for another type.</summary>
    private bool TryGetBitmap(KvsEntry? e)
    {
        if (e == null || e.Type == KvsType.String) return true;
        WrongType();
        return false;
    }

    // ------------------------------------------------------------------ SETBIT, GETBIT

    [RespCommand("setbit")]
    private void NetworkSetBit(RespArgs args)
    {
        if (!ParseBitOffsetOrReply(args[2], false, 0, out ulong offset)) return;
        if (!TryParseLong(args[3], out long on) || (on & ~1L) != 0)
        {
            WriteError(BitValueError);
            return;
        }
        var db = Database;
        var e = _store.Find(db, args[1]);
        if (!TryGetBitmap(e)) return;
        long byteIndex = (long)(offset >> 3);
        int shift = 7 - (int)(offset & 7);
        if (e == null)
        {
            var created = new byte[byteIndex + 1];
            created[byteIndex] = (byte)(on << shift);
            var ne = _store.Create(db, args[1], created, KvsType.String, Ctx);
            ne.Flags |= EntryFlags.RawString;
            _writer.WriteInteger(0);
            return;
        }
        e.Flags |= EntryFlags.RawString;
        var value = e.StringValue;
        int old = byteIndex < value.Length ? (value[byteIndex] >> shift) & 1 : 0;
        bool grows = byteIndex >= value.Length;
        if (grows || old != on)
        {
            value = _store.BeginStringEdit(db, e, (int)Math.Max(value.Length, byteIndex + 1), Ctx);
            value[byteIndex] = (byte)((value[byteIndex] & ~(1 << shift)) | (int)(on << shift));
            e.Flags |= EntryFlags.RawString;
            _store.CompleteUpdate(db, e, Ctx);
        }
        _writer.WriteInteger(old);
    }

    [RespCommand("getbit")]
    private void NetworkGetBit(RespArgs args)
    {
        if (!ParseBitOffsetOrReply(args[2], false, 0, out ulong offset)) return;
        var e = _store.Read(Database, args[1]);
        if (!TryGetBitmap(e)) return;
        if (e == null)
        {
            _writer.WriteInteger(0);
            return;
        }
        var value = e.StringValue;
        ulong byteIndex = offset >> 3;
        _writer.WriteInteger(byteIndex < (ulong)value.Length ? (value[byteIndex] >> (7 - (int)(offset & 7))) & 1 : 0);
    }

    // ------------------------------------------------------------------ BITCOUNT, BITPOS

    /// <summary>
    /// Turns a BYTE/BIT range into inclusive bit bounds the way bitcountCommand/bitposCommand do:
    /// negatives from the end, clamped to the string. False when the range is empty.
    /// </summary>
    private static bool ClampBitRange(long length, bool isBit, ref long start, ref long end)
    {
        long total = isBit ? length << 3 : length;
        if (start < 0) start += total;
        if (end < 0) end += total;
        if (start < 0) start = 0;
        if (end < 0) end = 0;
        if (end >= total) end = total - 1;
        if (start > end) return false;
        if (!isBit)
        {
            start <<= 3;
            end = (end << 3) + 7;
        }
        return true;
    }

    [RespCommand("bitcount")]
    private void NetworkBitCount(RespArgs args)
    {
        var e = _store.Read(Database, args[1]);
        if (e == null)
        {
            _writer.WriteInteger(0);
            return;
        }
        if (!TryGetBitmap(e)) return;
        var value = e.StringValue;
        long start, end;
        bool isBit = false;
        if (args.Count == 4 || args.Count == 5)
        {
            if (!ParseLongOrReply(args[2], out start) || !ParseLongOrReply(args[3], out end)) return;
            if (args.Count == 5)
            {
                if (args.Is(4, "BIT"u8)) isBit = true;
                else if (!args.Is(4, "BYTE"u8))
                {
                    SyntaxError();
                    return;
                }
            }
            if (start < 0 && end < 0 && start > end)
            {
                _writer.WriteInteger(0);
                return;
            }
        }
        else if (args.Count == 2)
        {
            start = 0;
            end = value.Length - 1;
        }
        else
        {
            SyntaxError();
            return;
        }
        if (!ClampBitRange(value.Length, isBit, ref start, ref end))
        {
            _writer.WriteInteger(0);
            return;
        }
        _writer.WriteInteger(CountBits(value, start, end));
    }

    /// <summary>Number of set bits between two bit positions (inclusive) of an array.</summary>
    private static long CountBits(byte[] value, long firstBit, long lastBit)
    {
        long firstByte = firstBit >> 3, lastByte = lastBit >> 3;
        long count = PopCount(value.AsSpan((int)firstByte, (int)(lastByte - firstByte + 1)));
        // Take off the bits of the edge bytes that lie outside the range.
        int headMask = (0xFF00 >> (int)(firstBit & 7)) & 0xFF;
        int tailMask = (1 << (7 - (int)(lastBit & 7))) - 1;
        count -= BitOperations.PopCount((uint)(value[firstByte] & headMask));
        count -= BitOperations.PopCount((uint)(value[lastByte] & tailMask));
        return count;
    }

    private static long PopCount(ReadOnlySpan<byte> bytes)
    {
        long count = 0;
        var words = MemoryMarshal.Cast<byte, ulong>(bytes);
        foreach (ulong w in words) count += BitOperations.PopCount(w);
        for (int i = words.Length * 8; i < bytes.Length; i++) count += BitOperations.PopCount(bytes[i]);
        return count;
    }

    [RespCommand("bitpos")]
    private void NetworkBitPos(RespArgs args)
    {
        if (!ParseLongOrReply(args[2], out long bit)) return;
        if (bit != 0 && bit != 1)
        {
            WriteError("ERR The bit argument must be 1 or 0.");
            return;
        }
        var e = _store.Read(Database, args[1]);
        if (e == null)
        {
            _writer.WriteInteger(bit == 1 ? -1 : 0);
            return;
        }
        if (!TryGetBitmap(e)) return;
        var value = e.StringValue;
        long start, end;
        bool isBit = false, endGiven = false;
        if (args.Count >= 4 && args.Count <= 6)
        {
            if (!ParseLongOrReply(args[3], out start)) return;
            if (args.Count == 6)
            {
                if (args.Is(5, "BIT"u8)) isBit = true;
                else if (!args.Is(5, "BYTE"u8))
                {
                    SyntaxError();
                    return;
                }
            }
            if (args.Count >= 5)
            {
                if (!ParseLongOrReply(args[4], out end)) return;
                endGiven = true;
            }
            else
            {
                end = value.Length - 1;
            }
        }
        else if (args.Count == 3)
        {
            start = 0;
            end = value.Length - 1;
        }
        else
        {
            SyntaxError();
            return;
        }
        if (!ClampBitRange(value.Length, isBit, ref start, ref end))
        {
            _writer.WriteInteger(-1);
            return;
        }
        long found = FindBit(value, (int)bit, start, end);
        if (found < 0)
        {
            // Looking for a clear bit without an explicit end: the string continues with zeros.
            found = bit == 0 && !endGiven ? end + 1 : -1;
        }
        _writer.WriteInteger(found);
    }

    /// <summary>The first bit equal to <paramref name="bit"/> between two positions (inclusive), or -1.</summary>
    private static long FindBit(byte[] value, int bit, long firstBit, long lastBit)
    {
        byte skip = bit == 1 ? (byte)0x00 : (byte)0xFF;
        long pos = firstBit;
        while (pos <= lastBit)
        {
            long byteIndex = pos >> 3;
            if ((pos & 7) == 0 && pos + 7 <= lastBit)
            {
                // Whole bytes: skip the ones that cannot contain the bit.
                long lastWhole = ((lastBit + 1) >> 3) - 1;
                var span = value.AsSpan((int)byteIndex, (int)(lastWhole - byteIndex + 1));
                int hit = span.IndexOfAnyExcept(skip);
                if (hit < 0)
                {
                    pos = (lastWhole + 1) << 3;
                    continue;
                }
                byte b = span[hit];
                int inByte = BitOperations.LeadingZeroCount((uint)(bit == 1 ? b : (byte)~b)) - 24;
                return ((byteIndex + hit) << 3) + inByte;
            }
            if (((value[byteIndex] >> (7 - (int)(pos & 7))) & 1) == bit) return pos;
            pos++;
        }
        return -1;
    }

    // ------------------------------------------------------------------ BITOP

    [RespCommand("bitop")]
    private void NetworkBitOp(RespArgs args)
    {
        int op;
        if (args.Is(1, "AND"u8)) op = 0;
        else if (args.Is(1, "OR"u8)) op = 1;
        else if (args.Is(1, "XOR"u8)) op = 2;
        else if (args.Is(1, "NOT"u8)) op = 3;
        else
        {
            SyntaxError();
            return;
        }
        if (op == 3 && args.Count != 4)
        {
            WriteError("ERR BITOP NOT must be called with a single source key.");
            return;
        }
        var db = Database;
        int keyCount = args.Count - 3;
        var sources = new byte[keyCount][];
        int maxLength = 0;
        for (int k = 0; k < keyCount; k++)
        {
            var e = _store.Read(db, args[3 + k]);
            if (e == null)
            {
                sources[k] = Array.Empty<byte>();
                continue;
            }
            if (!TryGetBitmap(e)) return;
            sources[k] = e.StringValue;
            maxLength = Math.Max(maxLength, sources[k].Length);
        }
        var dst = _store.Find(db, args[2]);
        if (maxLength == 0)
        {
            if (dst != null) _store.Delete(db, dst, Ctx);
            _writer.WriteInteger(0);
            return;
        }
        var result = new byte[maxLength];
        sources[0].CopyTo(result, 0);
        if (op == 3)
        {
            for (int i = 0; i < result.Length; i++) result[i] = (byte)~result[i];
        }
        for (int k = 1; k < keyCount; k++)
        {
            var src = sources[k];
            var words = MemoryMarshal.Cast<byte, ulong>(result.AsSpan(0, src.Length));
            var srcWords = MemoryMarshal.Cast<byte, ulong>(src.AsSpan());
            int tail = words.Length * 8;
            switch (op)
            {
                case 0:
                    for (int i = 0; i < words.Length; i++) words[i] &= srcWords[i];
                    for (int i = tail; i < src.Length; i++) result[i] &= src[i];
                    result.AsSpan(src.Length).Clear();
                    break;
                case 1:
                    for (int i = 0; i < words.Length; i++) words[i] |= srcWords[i];
                    for (int i = tail; i < src.Length; i++) result[i] |= src[i];
                    break;
                default:
                    for (int i = 0; i < words.Length; i++) words[i] ^= srcWords[i];
                    for (int i = tail; i < src.Length; i++) result[i] ^= src[i];
                    break;
            }
        }
        KvsEntry stored;
        if (dst == null) stored = _store.Create(db, args[2], result, KvsType.String, Ctx);
        else
        {
            _store.Replace(db, dst, result, KvsType.String, Ctx, 0);
            stored = dst;
        }
        stored.Flags |= EntryFlags.RawString;
        _writer.WriteInteger(maxLength);
    }

    // ------------------------------------------------------------------ BITFIELD

    private enum BitfieldOpCode : byte { Get, Set, IncrBy }

    private enum BitfieldOverflow : byte { Wrap, Sat, Fail }

    private struct BitfieldOp
    {
        public ulong Offset;
        public long Value;
        public int Bits;
        public BitfieldOpCode Code;
        public BitfieldOverflow Overflow;
        public bool Signed;
    }

    [RespCommand("bitfield")]
    private void NetworkBitfield(RespArgs args) => BitfieldGeneric(args, readOnlyCommand: false);

    [RespCommand("bitfield_ro")]
    private void NetworkBitfieldRo(RespArgs args) => BitfieldGeneric(args, readOnlyCommand: true);

    /// <summary>
    /// bitfieldGeneric: all operations are parsed (and every error reported) before the key is
    /// touched; GET reads zero past the end; SET/INCRBY grow the string up to the farthest bit
    /// written, even when OVERFLOW FAIL then writes nothing.
    /// </summary>
    private void BitfieldGeneric(RespArgs args, bool readOnlyCommand)
    {
        int maxOps = (args.Count - 2) / 3 + 1;
        Span<BitfieldOp> ops = maxOps <= 32 ? stackalloc BitfieldOp[maxOps] : new BitfieldOp[maxOps];
        int opCount = 0;
        var overflow = BitfieldOverflow.Wrap;
        bool readOnly = true;
        ulong highestWriteBit = 0;
        for (int j = 2; j < args.Count; j++)
        {
            int remaining = args.Count - j - 1;
            BitfieldOpCode code;
            if (args.Is(j, "GET"u8) && remaining >= 2) code = BitfieldOpCode.Get;
            else if (args.Is(j, "SET"u8) && remaining >= 3) code = BitfieldOpCode.Set;
            else if (args.Is(j, "INCRBY"u8) && remaining >= 3) code = BitfieldOpCode.IncrBy;
            else if (args.Is(j, "OVERFLOW"u8) && remaining >= 1)
            {
                j++;
                if (args.Is(j, "WRAP"u8)) overflow = BitfieldOverflow.Wrap;
                else if (args.Is(j, "SAT"u8)) overflow = BitfieldOverflow.Sat;
                else if (args.Is(j, "FAIL"u8)) overflow = BitfieldOverflow.Fail;
                else
                {
                    WriteError("ERR Invalid OVERFLOW type specified");
                    return;
                }
                continue;
            }
            else
            {
                SyntaxError();
                return;
            }
            if (!TryParseBitfieldType(args[j + 1], out bool signed, out int bits))
            {
                WriteError(BitfieldTypeError);
                return;
            }
            if (!ParseBitOffsetOrReply(args[j + 2], true, bits, out ulong offset)) return;
            long value = 0;
            if (code != BitfieldOpCode.Get)
            {
                readOnly = false;
                highestWriteBit = Math.Max(highestWriteBit, offset + (ulong)bits - 1);
                if (!ParseLongOrReply(args[j + 3], out value)) return;
            }
            ops[opCount++] = new BitfieldOp { Offset = offset, Value = value, Bits = bits, Code = code, Overflow = overflow, Signed = signed };
            j += code == BitfieldOpCode.Get ? 2 : 3;
        }

        var db = Database;
        KvsEntry? e;
        byte[] data;
        bool created = false, begun = false;
        if (readOnly)
        {
            e = _store.Read(db, args[1]);
            if (!TryGetBitmap(e)) return;
            data = e?.StringValue ?? Array.Empty<byte>();
        }
        else
        {
            if (readOnlyCommand)
            {
                WriteError("ERR BITFIELD_RO only supports the GET subcommand");
                return;
            }
            e = _store.Find(db, args[1]);
            if (!TryGetBitmap(e)) return;
            long needed = (long)(highestWriteBit >> 3) + 1;
            if (e == null)
            {
                data = new byte[needed];
                created = true;
            }
            else
            {
                e.Flags |= EntryFlags.RawString;
                data = e.StringValue;
                if (data.Length < needed)
                {
                    data = _store.BeginStringEdit(db, e, (int)needed, Ctx);
                    begun = true;
                }
            }
        }

        _writer.WriteArrayHeader(opCount);
        for (int i = 0; i < opCount; i++)
        {
            ref var op = ref ops[i];
            ulong old = ReadBits(data, op.Offset, op.Bits);
            if (op.Code == BitfieldOpCode.Get)
            {
                _writer.WriteInteger(op.Signed ? SignExtend(old, op.Bits) : (long)old);
                continue;
            }
            bool overflowed;
            ulong newBits;
            long reply;
            if (op.Signed)
            {
                long oldValue = SignExtend(old, op.Bits);
                long newValue;
                if (op.Code == BitfieldOpCode.IncrBy)
                {
                    overflowed = CheckSignedOverflow(oldValue, op.Value, op.Bits, op.Overflow, out long limited);
                    newValue = overflowed ? limited : unchecked(oldValue + op.Value);
                    reply = newValue;
                }
                else
                {
                    overflowed = CheckSignedOverflow(op.Value, 0, op.Bits, op.Overflow, out long limited);
                    newValue = overflowed ? limited : op.Value;
                    reply = oldValue;
                }
                newBits = (ulong)newValue;
            }
            else
            {
                ulong newValue;
                if (op.Code == BitfieldOpCode.IncrBy)
                {
                    overflowed = CheckUnsignedOverflow(old, op.Value, op.Bits, op.Overflow, out ulong limited);
                    newValue = overflowed ? limited : unchecked(old + (ulong)op.Value);
                    reply = (long)newValue;
                }
                else
                {
                    overflowed = CheckUnsignedOverflow((ulong)op.Value, 0, op.Bits, op.Overflow, out ulong limited);
                    newValue = overflowed ? limited : (ulong)op.Value;
                    reply = (long)old;
                }
                newBits = newValue;
            }
            if (overflowed && op.Overflow == BitfieldOverflow.Fail)
            {
                _writer.WriteNull();
                continue;
            }
            _writer.WriteInteger(reply);
            ulong mask = op.Bits == 64 ? ulong.MaxValue : (1UL << op.Bits) - 1;
            if ((newBits & mask) == old) continue;
            if (!created && !begun)
            {
                data = _store.BeginStringEdit(db, e!, data.Length, Ctx);
                begun = true;
            }
            WriteBits(data, op.Offset, op.Bits, newBits);
        }

        if (created)
        {
            var ne = _store.Create(db, args[1], data, KvsType.String, Ctx);
            ne.Flags |= EntryFlags.RawString;
        }
        else if (begun)
        {
            e!.Flags |= EntryFlags.RawString;
            _store.CompleteUpdate(db, e, Ctx);
        }
    }

    /// <summary>getBitfieldTypeFromArgument: "i1".."i64" or "u1".."u63" (lower-case prefix only).</summary>
    private static bool TryParseBitfieldType(ReadOnlySpan<byte> s, out bool signed, out int bits)
    {
        signed = false;
        bits = 0;
        if (s.IsEmpty || (s[0] != 'i' && s[0] != 'u')) return false;
        signed = s[0] == 'i';
        var digits = s.Slice(1);
        int nul = digits.IndexOf((byte)0);
        if (nul >= 0) digits = digits.Slice(0, nul);
        if (!TryParseLong(digits, out long n) || n < 1 || (signed && n > 64) || (!signed && n > 63)) return false;
        bits = (int)n;
        return true;
    }

    /// <summary>getUnsignedBitfield: <paramref name="bits"/> bits from <paramref name="offset"/>, most significant first; zeros past the end.</summary>
    private static ulong ReadBits(byte[] data, ulong offset, int bits)
    {
        ulong value = 0;
        for (int j = 0; j < bits; j++, offset++)
        {
            ulong byteIndex = offset >> 3;
            int bit = byteIndex < (ulong)data.Length ? (data[byteIndex] >> (7 - (int)(offset & 7))) & 1 : 0;
            value = (value << 1) | (uint)bit;
        }
        return value;
    }

    /// <summary>setUnsignedBitfield: the low <paramref name="bits"/> bits of <paramref name="value"/>, most significant first.</summary>
    private static void WriteBits(byte[] data, ulong offset, int bits, ulong value)
    {
        for (int j = 0; j < bits; j++, offset++)
        {
            int bit = (int)((value >> (bits - 1 - j)) & 1);
            ulong byteIndex = offset >> 3;
            int shift = 7 - (int)(offset & 7);
            data[byteIndex] = (byte)((data[byteIndex] & ~(1 << shift)) | (bit << shift));
        }
    }

    /// <summary>getSignedBitfield: two's complement of the field's width.</summary>
    private static long SignExtend(ulong value, int bits)
    {
        if (bits < 64 && (value & (1UL << (bits - 1))) != 0) value |= ulong.MaxValue << bits;
        return (long)value;
    }

    /// <summary>
    /// checkUnsignedBitfieldOverflow: whether value + incr leaves [0, 2^bits - 1], and the value
    /// to store instead: wrapped modulo 2^bits, or saturated at the nearest bound.
    /// </summary>
    private static bool CheckUnsignedOverflow(ulong value, long incr, int bits, BitfieldOverflow mode, out ulong limited)
    {
        ulong max = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
        long maxIncr = unchecked((long)(max - value));
        long minIncr = unchecked(-(long)value);
        limited = 0;
        bool high = value > max || (incr > 0 && incr > maxIncr);
        bool low = !high && incr < 0 && incr < minIncr;
        if (!high && !low) return false;
        if (mode == BitfieldOverflow.Wrap)
        {
            ulong sum = unchecked(value + (ulong)incr);
            limited = bits == 64 ? sum : sum & max;
        }
        else if (mode == BitfieldOverflow.Sat)
        {
            limited = high ? max : 0;
        }
        return true;
    }

    /// <summary>
    /// checkSignedBitfieldOverflow: whether value + incr leaves [-2^(bits-1), 2^(bits-1) - 1], and
    /// the value to store instead: wrapped (sign-extended from the field's top bit) or saturated.
    /// </summary>
    private static bool CheckSignedOverflow(long value, long incr, int bits, BitfieldOverflow mode, out long limited)
    {
        long max = bits == 64 ? long.MaxValue : (1L << (bits - 1)) - 1;
        long min = -max - 1;
        long maxIncr = unchecked((long)((ulong)max - (ulong)value));
        long minIncr = unchecked(min - value);
        limited = 0;
        bool high = value > max || (bits != 64 && incr > maxIncr) || (value >= 0 && incr > 0 && incr > maxIncr);
        bool low = !high && (value < min || (bits != 64 && incr < minIncr) || (value < 0 && incr < 0 && incr < minIncr));
        if (!high && !low) return false;
        if (mode == BitfieldOverflow.Wrap)
        {
            ulong c = unchecked((ulong)value + (ulong)incr);
            if (bits < 64)
            {
                ulong mask = ulong.MaxValue << bits;
                ulong msb = 1UL << (bits - 1);
                c = (c & msb) != 0 ? c | mask : c & ~mask;
            }
            limited = (long)c;
        }
        else if (mode == BitfieldOverflow.Sat)
        {
            limited = high ? max : min;
        }
        return true;
    }
}
