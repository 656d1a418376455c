using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Kvs.Core.Persistence;

/// <summary>
/// CRC-32C (Castagnoli), the checksum of every log and snapshot record. Built on
/// <see cref="BitOperations.Crc32C(uint, ulong)"/>, which the runtime maps to the SSE4.2 / ARMv8
/// crc32 instruction (with a table fallback elsewhere), so checksumming costs well under a
/// nanosecond per byte and no package (System.IO.Hashing has no CRC-32C) is needed.
/// Standard parameters: initial value and final XOR 0xFFFFFFFF; "123456789" → 0xE3069283.
/// </summary>
public static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>Continues <paramref name="crc"/> (a previous result, or 0 to start) over more bytes.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        uint c = ~crc;
        ref byte p = ref MemoryMarshal.GetReference(data);
        int i = 0;
        int n = data.Length;
        for (; i + 8 <= n; i += 8) c = BitOperations.Crc32C(c, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i)));
        for (; i < n; i++) c = BitOperations.Crc32C(c, Unsafe.Add(ref p, i));
        return ~c;
    }
}
