using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Kvs.Core.Storage;

/// <summary>
/// Seeded 64-bit hash over key bytes. Keys are attacker-controlled, so the seed is random per
/// process (like Redis's siphash seed) to keep bucket chains short under crafted key sets.
/// Reads 8 bytes at a time; the final avalanche is MurmurHash3's fmix64.
/// </summary>
public static class KeyHash
{
    private const ulong K1 = 0x9E3779B97F4A7C15UL;
    private const ulong K2 = 0xC2B2AE3D27D4EB4FUL;
    private static readonly ulong Seed = (ulong)Random.Shared.NextInt64() | 1UL;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Compute(ReadOnlySpan<byte> key)
    {
        ulong h = Seed ^ ((ulong)key.Length * K1);
        while (key.Length >= 8)
        {
            h = BitOperations.RotateLeft(h ^ (BinaryPrimitives.ReadUInt64LittleEndian(key) * K2), 29) * K1;
            key = key.Slice(8);
        }
        ulong tail = 0;
        for (int i = 0; i < key.Length; i++) tail |= (ulong)key[i] << (8 * i);
        h = BitOperations.RotateLeft(h ^ (tail * K2), 29) * K1;
        h ^= h >> 33; h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33; h *= 0xc4ceb9fe1a85ec53UL;
        h ^= h >> 33;
        return (uint)h;
    }
}
