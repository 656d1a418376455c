using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace Kvs.Core.Persistence;

/// <summary>
/// A growable byte buffer that log and snapshot records are encoded into: LEB128 varints for
/// counts and lengths, fixed little-endian 64-bit integers for times, length-prefixed byte
/// strings. Collection types write their values through it (see <see cref="ValueCodecs"/>).
/// </summary>
public sealed class RecordBuffer
{
    private byte[] _data;
    private int _length;

    public RecordBuffer(int capacity = 4096) => _data = GC.AllocateUninitializedArray<byte>(Math.Max(16, capacity));

    public byte[] Data => _data;
    public int Length => _length;
    public int Capacity => _data.Length;

    public ReadOnlySpan<byte> WrittenSpan => _data.AsSpan(0, _length);

    public void Clear() => _length = 0;

    /// <summary>Forgets everything after <paramref name="length"/> (rolling back a record).</summary>
    public void Truncate(int length) => _length = length;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> Reserve(int n)
    {
        if (_data.Length - _length < n) Grow(n);
        var span = _data.AsSpan(_length, n);
        _length += n;
        return span;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(int n)
    {
        long size = Math.Max((long)_data.Length * 2, (long)_length + n);
        if (size > Array.MaxLength) size = Math.Max(Array.MaxLength, _length + n);
        var bigger = GC.AllocateUninitializedArray<byte>((int)size);
        Buffer.BlockCopy(_data, 0, bigger, 0, _length);
        _data = bigger;
    }

    /// <summary>Drops a buffer that grew for one huge record back to <paramref name="capacity"/>.</summary>
    public void ShrinkTo(int capacity)
    {
        if (_length == 0 && _data.Length > capacity) _data = GC.AllocateUninitializedArray<byte>(capacity);
    }

    public void WriteByte(byte value) => Reserve(1)[0] = value;

    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), value);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteVarint(ulong value)
    {
        if (value < 0x80)
        {
            Reserve(1)[0] = (byte)value;
            return;
        }
        WriteVarintSlow(value);
    }

    private void WriteVarintSlow(ulong value)
    {
        Span<byte> tmp = stackalloc byte[10];
        int n = 0;
        while (value >= 0x80)
        {
            tmp[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        tmp[n++] = (byte)value;
        tmp[..n].CopyTo(Reserve(n));
    }

    public void WriteVarint(long value) => WriteVarint((ulong)value);

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        WriteVarint((ulong)bytes.Length);
        bytes.CopyTo(Reserve(bytes.Length));
    }

    /// <summary>A nullable byte string: length + 1 (0 = null), then the bytes.</summary>
    public void WriteNullableBytes(ReadOnlySpan<byte> bytes, bool isNull)
    {
        if (isNull)
        {
            WriteByte(0);
            return;
        }
        WriteVarint((ulong)bytes.Length + 1);
        bytes.CopyTo(Reserve(bytes.Length));
    }

    public void WriteString(string? value)
    {
        if (value == null)
        {
            WriteByte(0);
            return;
        }
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (max < 128)
        {
            // Short strings (ops, authors, tags): encode straight into place behind a 1-byte length.
            int start = _length;
            var span = Reserve(1 + max);
            int n = Encoding.UTF8.GetBytes(value, span[1..]);
            span[0] = (byte)(n + 1);
            _length = start + 1 + n;
            return;
        }
        var bytes = Encoding.UTF8.GetBytes(value);
        WriteNullableBytes(bytes, false);
    }

    public void WriteRaw(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));
}

/// <summary>Reads what <see cref="RecordBuffer"/> wrote; any inconsistency throws <see cref="FormatException"/>.</summary>
public ref struct RecordReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _pos;

    public RecordReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _pos = 0;
    }

    public int Position => _pos;
    public bool AtEnd => _pos >= _data.Length;
    public ReadOnlySpan<byte> Data => _data;

    public byte ReadByte()
    {
        if (_pos >= _data.Length) throw Truncated();
        return _data[_pos++];
    }

    public long ReadInt64()
    {
        if (_data.Length - _pos < 8) throw Truncated();
        long v = BinaryPrimitives.ReadInt64LittleEndian(_data.Slice(_pos, 8));
        _pos += 8;
        return v;
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte b = ReadByte();
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return result;
        }
        throw new FormatException("varint too long");
    }

    public long ReadVarintLong() => (long)ReadVarint();

    public int ReadCount()
    {
        ulong n = ReadVarint();
        if (n > int.MaxValue) throw new FormatException("length out of range");
        return (int)n;
    }

    public ReadOnlySpan<byte> ReadBytes()
    {
        int n = ReadCount();
        return ReadRaw(n);
    }

    public ReadOnlySpan<byte> ReadRaw(int n)
    {
        if (n < 0 || _data.Length - _pos < n) throw Truncated();
        var span = _data.Slice(_pos, n);
        _pos += n;
        return span;
    }

    /// <summary>A nullable byte string; <paramref name="isNull"/> tells null from empty.</summary>
    public ReadOnlySpan<byte> ReadNullableBytes(out bool isNull)
    {
        ulong n = ReadVarint();
        isNull = n == 0;
        if (isNull) return default;
        if (n - 1 > int.MaxValue) throw new FormatException("length out of range");
        return ReadRaw((int)(n - 1));
    }

    public string? ReadString()
    {
        var bytes = ReadNullableBytes(out bool isNull);
        return isNull ? null : Encoding.UTF8.GetString(bytes);
    }

    private static FormatException Truncated() => new("record ends early");
}
