using System.Buffers.Binary;
using System.Numerics;

namespace Kvs.Core.Types;

/// <summary>
/// Redis's HyperLogLog, byte for byte: the value is an ordinary string, so GET of a Kvs HLL can
/// be PFADDed in Redis and the other way round.
/// <para>
/// Layout (Redis 7.0): a 16-byte header — "HYLL", one encoding byte (0 dense, 1 sparse), three
/// unused bytes, the cached cardinality as 8 little-endian bytes whose top bit marks the cache as
/// stale — followed by 16384 six-bit registers (P = 14). Dense: the registers packed
/// least-significant-bit first, 12288 bytes. Sparse: run-length opcodes — ZERO <c>00xxxxxx</c>
/// (1–64 zero registers), XZERO <c>01xxxxxx yyyyyyyy</c> (1–16384 zero registers), VAL
/// <c>1vvvvvxx</c> (1–4 registers holding 1–32). An element hashes with MurmurHash64A (seed
/// 0xadc83b19); the low 14 bits pick the register, the run of zero bits above them plus one is
/// the value. The count is Otmar Ertl's improved estimator over the register histogram, as in
/// Redis ("New cardinality estimation algorithms for HyperLogLog sketches", 2017).
/// </para>
/// Sparse edits follow Redis's update rules exactly (split the covering opcode, promote to dense
/// past hll-sparse-max-bytes or a value above 32, then merge up to five neighbouring VAL opcodes),
/// because the resulting bytes are observable through GET.
/// </summary>
public static class HyperLogLog
{
    public const int RegisterIndexBits = 14;
    public const int Registers = 1 << RegisterIndexBits;
    public const int HashBitsUsed = 64 - RegisterIndexBits;
    public const int RegisterBits = 6;
    public const int RegisterMax = (1 << RegisterBits) - 1;
    public const int HeaderSize = 16;
    public const int DenseSize = HeaderSize + (Registers * RegisterBits + 7) / 8;
    public const byte EncodingDense = 0;
    public const byte EncodingSparse = 1;

    private const int SparseValueMax = 32;
    private const int SparseValueRunMax = 4;
    private const int SparseZeroRunMax = 64;
    private const int SparseXZeroRunMax = 16384;
    private const ulong HashSeed = 0xadc83b19UL;

    /// <summary>Redis's HLL_ALPHA_INF, 0.5 / ln 2.</summary>
    private const double AlphaInfinity = 0.721347520444481703680;

    /// <summary>A new, empty HLL: sparse, one XZERO opcode covering every register, a valid cached count of 0.</summary>
    public static byte[] CreateEmpty()
    {
        var value = new byte[HeaderSize + 2];
        "HYLL"u8.CopyTo(value);
        value[4] = EncodingSparse;
        WriteXZero(value, HeaderSize, Registers);
        return value;
    }

    /// <summary>Redis's isHLLObjectOrReply: the magic, a known encoding, and the exact size when dense.</summary>
    public static bool IsValid(ReadOnlySpan<byte> value)
    {
        if (value.Length < HeaderSize) return false;
        if (!value.Slice(0, 4).SequenceEqual("HYLL"u8)) return false;
        if (value[4] > EncodingSparse) return false;
        return value[4] != EncodingDense || value.Length == DenseSize;
    }

    public static bool IsDense(ReadOnlySpan<byte> value) => value[4] == EncodingDense;

    public static bool HasValidCache(ReadOnlySpan<byte> value) => (value[15] & 0x80) == 0;

    public static long CachedCount(ReadOnlySpan<byte> value) => (long)BinaryPrimitives.ReadUInt64LittleEndian(value.Slice(8, 8));

    /// <summary>Stores a freshly computed count in the header (PFCOUNT on one key), which also marks the cache valid.</summary>
    public static void WriteCachedCount(Span<byte> value, long count) => BinaryPrimitives.WriteUInt64LittleEndian(value.Slice(8, 8), (ulong)count);

    /// <summary>Redis's HLL_INVALIDATE_CACHE: only the top bit changes, the old count bytes stay.</summary>
    public static void InvalidateCache(Span<byte> value) => value[15] |= 0x80;

    // ------------------------------------------------------------------ hashing

    /// <summary>Austin Appleby's MurmurHash64A, little-endian, as Redis uses it for HLL.</summary>
    public static ulong MurmurHash64A(ReadOnlySpan<byte> data, ulong seed)
    {
        const ulong m = 0xc6a4a7935bd1e995UL;
        const int r = 47;
        ulong h = seed ^ ((ulong)data.Length * m);
        int blocks = data.Length & ~7;
        for (int i = 0; i < blocks; i += 8)
        {
            ulong k = BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i, 8));
            k *= m;
            k ^= k >> r;
            k *= m;
            h ^= k;
            h *= m;
        }
        int tail = data.Length & 7;
        if (tail != 0)
        {
            for (int i = tail - 1; i >= 0; i--) h ^= (ulong)data[blocks + i] << (8 * i);
            h *= m;
        }
        h ^= h >> r;
        h *= m;
        h ^= h >> r;
        return h;
    }

    /// <summary>
    /// Redis's hllPatLen: the register an element falls into and the value it proposes, the
    /// position of the first 1 bit above the index bits (1..51; bit 50 is forced so it ends).
    /// </summary>
    public static int PatternLength(ReadOnlySpan<byte> element, out int register)
    {
        ulong hash = MurmurHash64A(element, HashSeed);
        register = (int)(hash & (Registers - 1));
        hash >>= RegisterIndexBits;
        hash |= 1UL << HashBitsUsed;
        return BitOperations.TrailingZeroCount(hash) + 1;
    }

    // ------------------------------------------------------------------ dense registers

    public static int GetDenseRegister(ReadOnlySpan<byte> registers, int index)
    {
        int bit = index * RegisterBits;
        int at = bit >> 3;
        int shift = bit & 7;
        int low = registers[at] >> shift;
        int high = at + 1 < registers.Length ? registers[at + 1] << (8 - shift) : 0;
        return (low | high) & RegisterMax;
    }

    public static void SetDenseRegister(Span<byte> registers, int index, int value)
    {
        int bit = index * RegisterBits;
        int at = bit >> 3;
        int shift = bit & 7;
        registers[at] = (byte)((registers[at] & ~(RegisterMax << shift)) | (value << shift));
        if (at + 1 < registers.Length)
        {
            int spill = 8 - shift;
            registers[at + 1] = (byte)((registers[at + 1] & ~(RegisterMax >> spill)) | (value >> spill));
        }
    }

    // ------------------------------------------------------------------ sparse opcodes

    private static bool IsZero(byte b) => (b & 0xc0) == 0;

    private static bool IsXZero(byte b) => (b & 0xc0) == 0x40;

    private static int ZeroRun(byte b) => (b & 0x3f) + 1;

    private static int XZeroRun(byte b0, byte b1) => (((b0 & 0x3f) << 8) | b1) + 1;

    private static int ValueOf(byte b) => ((b >> 2) & 0x1f) + 1;

    private static int ValueRun(byte b) => (b & 0x3) + 1;

    private static byte ValueOpcode(int value, int run) => (byte)(0x80 | ((value - 1) << 2) | (run - 1));

    private static void WriteXZero(Span<byte> at, int offset, int run)
    {
        int n = run - 1;
        at[offset] = (byte)(0x40 | (n >> 8));
        at[offset + 1] = (byte)(n & 0xff);
    }

    /// <summary>
    /// Decodes a sparse body into raw registers (one byte each), keeping the larger value per
    /// register (PFMERGE and multi-key PFCOUNT), or false when the runs do not cover exactly
    /// 16384 registers (corruption).
    /// </summary>
    private static bool MergeSparse(ReadOnlySpan<byte> body, Span<byte> max)
    {
        int index = 0;
        int p = 0;
        while (p < body.Length)
        {
            byte b = body[p];
            if (IsZero(b))
            {
                index += ZeroRun(b);
                p++;
            }
            else if (IsXZero(b))
            {
                if (p + 1 >= body.Length) return false;
                index += XZeroRun(b, body[p + 1]);
                p += 2;
            }
            else
            {
                int run = ValueRun(b), value = ValueOf(b);
                if (index + run > Registers) break;
                for (int i = 0; i < run; i++, index++)
                    if (value > max[index]) max[index] = (byte)value;
                p++;
            }
        }
        return index == Registers;
    }

    /// <summary>
    /// Folds an HLL value into <paramref name="max"/> (16384 raw registers): Redis's hllMerge.
    /// False when the value is corrupted.
    /// </summary>
    public static bool MergeInto(ReadOnlySpan<byte> value, Span<byte> max)
    {
        var body = value.Slice(HeaderSize);
        if (IsDense(value))
        {
            for (int i = 0; i < Registers; i++)
            {
                int r = GetDenseRegister(body, i);
                if (r > max[i]) max[i] = (byte)r;
            }
            return true;
        }
        return MergeSparse(body, max);
    }

    // ------------------------------------------------------------------ counting

    /// <summary>
    /// The estimated cardinality of one stored HLL (dense or sparse), or -1 when a sparse body is
    /// corrupted.
    /// </summary>
    public static long Count(ReadOnlySpan<byte> value)
    {
        Span<int> histogram = stackalloc int[64];
        histogram.Clear();
        var body = value.Slice(HeaderSize);
        if (IsDense(value))
        {
            for (int i = 0; i < Registers; i++) histogram[GetDenseRegister(body, i)]++;
        }
        else
        {
            int index = 0;
            int p = 0;
            while (p < body.Length)
            {
                byte b = body[p];
                if (IsZero(b))
                {
                    int run = ZeroRun(b);
                    index += run;
                    histogram[0] += run;
                    p++;
                }
                else if (IsXZero(b))
                {
                    if (p + 1 >= body.Length) return -1;
                    int run = XZeroRun(b, body[p + 1]);
                    index += run;
                    histogram[0] += run;
                    p += 2;
                }
                else
                {
                    int run = ValueRun(b);
                    index += run;
                    histogram[ValueOf(b)] += run;
                    p++;
                }
            }
            if (index != Registers) return -1;
        }
        return Estimate(histogram);
    }

    /// <summary>The estimated cardinality of raw registers (the max of several HLLs).</summary>
    public static long CountRaw(ReadOnlySpan<byte> registers)
    {
        Span<int> histogram = stackalloc int[64];
        histogram.Clear();
        for (int i = 0; i < Registers; i++) histogram[registers[i]]++;
        return Estimate(histogram);
    }

    /// <summary>Ertl's estimator over the histogram of register values (Redis's hllCount).</summary>
    private static long Estimate(ReadOnlySpan<int> histogram)
    {
        const double m = Registers;
        const int q = HashBitsUsed;
        double z = m * Tau((m - histogram[q + 1]) / m);
        for (int j = q; j >= 1; j--)
        {
            z += histogram[j];
            z *= 0.5;
        }
        z += m * Sigma(histogram[0] / m);
        return (long)Math.Round(AlphaInfinity * m * m / z, MidpointRounding.AwayFromZero);
    }

    /// <summary>σ(x) = x + Σ x^(2^k) 2^(k-1), iterated until it stops changing (∞ at x = 1).</summary>
    private static double Sigma(double x)
    {
        if (x == 1.0) return double.PositiveInfinity;
        double y = 1;
        double z = x;
        double previous;
        do
        {
            x *= x;
            previous = z;
            z += x * y;
            y += y;
        }
        while (previous != z);
        return z;
    }

    /// <summary>τ(x) = (1 - x - Σ (1 - x^(2^-k))² 2^-k) / 3, iterated until it stops changing.</summary>
    private static double Tau(double x)
    {
        if (x == 0.0 || x == 1.0) return 0.0;
        double y = 1.0;
        double z = 1 - x;
        double previous;
        do
        {
            x = Math.Sqrt(x);
            previous = z;
            y *= 0.5;
            z -= Math.Pow(1 - x, 2) * y;
        }
        while (previous != z);
        return z / 3;
    }

    // ------------------------------------------------------------------ editing

    /// <summary>
    /// A mutable copy of an HLL value for PFADD/PFMERGE/PFDEBUG: edits happen in a private,
    /// growable buffer; <see cref="ToArray"/> gives the new value.
    /// </summary>
    public sealed class Editor
    {
        private byte[] _buf;
        private int _length;
        private readonly long _sparseMaxBytes;

        public Editor(ReadOnlySpan<byte> value, long sparseMaxBytes)
        {
            _buf = new byte[Math.Max(value.Length + 8, HeaderSize + 8)];
            value.CopyTo(_buf);
            _length = value.Length;
            _sparseMaxBytes = sparseMaxBytes;
        }

        public bool IsDense => _buf[4] == EncodingDense;

        public ReadOnlySpan<byte> Value => _buf.AsSpan(0, _length);

        public byte[] ToArray() => _buf.AsSpan(0, _length).ToArray();

        public void InvalidateCache() => HyperLogLog.InvalidateCache(_buf);

        /// <summary>Redis's hllAdd: 1 when a register grew, 0 when not, -1 when the value is corrupted.</summary>
        public int Add(ReadOnlySpan<byte> element)
        {
            int count = PatternLength(element, out int register);
            return Set(register, count);
        }

        /// <summary>Raises a register to <paramref name="count"/> if it is lower: 1 changed, 0 not, -1 corrupted.</summary>
        public int Set(int register, int count)
        {
            if (_buf[4] == EncodingDense) return SetDense(register, count);
            if (_buf[4] == EncodingSparse) return SetSparse(register, count);
            return -1;
        }

        private int SetDense(int register, int count)
        {
            var registers = _buf.AsSpan(HeaderSize, DenseSize - HeaderSize);
            if (count <= GetDenseRegister(registers, register)) return 0;
            SetDenseRegister(registers, register, count);
            return 1;
        }

        /// <summary>Redis's hllSparseToDense: false (nothing changed) when the sparse body is corrupted.</summary>
        public bool ToDense()
        {
            if (_buf[4] == EncodingDense) return true;
            var dense = new byte[DenseSize];
            _buf.AsSpan(0, HeaderSize).CopyTo(dense);
            dense[4] = EncodingDense;
            var registers = dense.AsSpan(HeaderSize);
            var body = _buf.AsSpan(HeaderSize, _length - HeaderSize);
            // Decoded through the same run walker as PFMERGE (one byte per register), then packed.
            Span<byte> raw = stackalloc byte[Registers];
            raw.Clear();
            if (!MergeSparse(body, raw)) return false;
            for (int i = 0; i < Registers; i++)
                if (raw[i] != 0) SetDenseRegister(registers, i, raw[i]);
            _buf = dense;
            _length = DenseSize;
            return true;
        }

        private int Promote(int register, int count)
        {
            if (!ToDense()) return -1;
            return SetDense(register, count);
        }

        /// <summary>
        /// Redis's hllSparseSet. Finds the opcode covering <paramref name="register"/>; a VAL
        /// already ≥ count changes nothing; a one-register VAL or ZERO is rewritten in place;
        /// otherwise the opcode is split into at most five bytes (zeros or old values before, the
        /// new VAL, zeros or old values after), promoting to dense if that would pass
        /// hll-sparse-max-bytes. Finally adjacent equal VAL opcodes are merged, scanning at most
        /// five opcodes from the one before the edit.
        /// </summary>
        private int SetSparse(int register, int count)
        {
            if (count > SparseValueMax) return Promote(register, count);
            EnsureCapacity(_length + 3);
            var buf = _buf;
            int end = _length;
            int p = HeaderSize;
            int prev = -1;
            int first = 0;
            int span = 0;
            int opLength = 1;
            while (p < end)
            {
                byte b = buf[p];
                opLength = 1;
                if (IsZero(b))
                {
                    span = ZeroRun(b);
                }
                else if (IsXZero(b))
                {
                    if (p + 1 >= end) return -1;
                    span = XZeroRun(b, buf[p + 1]);
                    opLength = 2;
                }
                else
                {
                    span = ValueRun(b);
                }
                if (register <= first + span - 1) break;
                prev = p;
                p += opLength;
                first += span;
            }
            if (span == 0 || p >= end) return -1;
            int next = p + opLength;
            byte op = buf[p];
            bool isZero = IsZero(op), isXZero = IsXZero(op);
            bool isValue = !isZero && !isXZero;

            if (isValue)
            {
                int old = ValueOf(op);
                if (old >= count) return 0;
                if (span == 1)
                {
                    buf[p] = ValueOpcode(count, 1);
                    MergeValues(prev, ref end);
                    return 1;
                }
            }
            else if (isZero && span == 1)
            {
                buf[p] = ValueOpcode(count, 1);
                MergeValues(prev, ref end);
                return 1;
            }

            Span<byte> seq = stackalloc byte[5];
            int n = 0;
            int last = first + span - 1;
            if (!isValue)
            {
                if (register != first) n += WriteZeros(seq, n, register - first);
                seq[n++] = ValueOpcode(count, 1);
                if (register != last) n += WriteZeros(seq, n, last - register);
            }
            else
            {
                int old = ValueOf(op);
                if (register != first) seq[n++] = ValueOpcode(old, register - first);
                seq[n++] = ValueOpcode(count, 1);
                if (register != last) seq[n++] = ValueOpcode(old, last - register);
            }
            int delta = n - opLength;
            if (delta > 0 && _length + delta > _sparseMaxBytes) return Promote(register, count);
            if (delta != 0 && next < end) Buffer.BlockCopy(buf, next, buf, next + delta, end - next);
            seq.Slice(0, n).CopyTo(buf.AsSpan(p));
            end += delta;
            _length = end;
            MergeValues(prev, ref end);
            return 1;
        }

        private static int WriteZeros(Span<byte> seq, int at, int run)
        {
            if (run > SparseZeroRunMax)
            {
                WriteXZero(seq, at, run);
                return 2;
            }
            seq[at] = (byte)(run - 1);
            return 1;
        }

        /// <summary>Redis's step 4 of hllSparseSet: merge equal adjacent VAL opcodes whose runs fit in one.</summary>
        private void MergeValues(int prev, ref int end)
        {
            var buf = _buf;
            int p = prev >= 0 ? prev : HeaderSize;
            int budget = 5;
            while (p < end && budget-- > 0)
            {
                byte b = buf[p];
                if (IsXZero(b))
                {
                    p += 2;
                    continue;
                }
                if (IsZero(b))
                {
                    p++;
                    continue;
                }
                if (p + 1 < end && !IsZero(buf[p + 1]) && !IsXZero(buf[p + 1]))
                {
                    int v1 = ValueOf(b), v2 = ValueOf(buf[p + 1]);
                    if (v1 == v2)
                    {
                        int run = ValueRun(b) + ValueRun(buf[p + 1]);
                        if (run <= SparseValueRunMax)
                        {
                            buf[p + 1] = ValueOpcode(v1, run);
                            Buffer.BlockCopy(buf, p + 1, buf, p, end - p - 1);
                            end--;
                            continue;
                        }
                    }
                }
                p++;
            }
            _length = end;
        }

        private void EnsureCapacity(int needed)
        {
            if (needed > _buf.Length) Array.Resize(ref _buf, Math.Max(needed, _buf.Length * 2));
        }

        /// <summary>PFDEBUG DECODE's text: "z:n" / "Z:n" zero runs and "v:value,run", space separated.</summary>
        public string DecodeSparse()
        {
            var sb = new System.Text.StringBuilder();
            var body = _buf.AsSpan(HeaderSize, _length - HeaderSize);
            int p = 0;
            while (p < body.Length)
            {
                byte b = body[p];
                if (IsZero(b))
                {
                    sb.Append("z:").Append(ZeroRun(b)).Append(' ');
                    p++;
                }
                else if (IsXZero(b))
                {
                    int run = p + 1 < body.Length ? XZeroRun(b, body[p + 1]) : XZeroRun(b, 0);
                    sb.Append("Z:").Append(run).Append(' ');
                    p += 2;
                }
                else
                {
                    sb.Append("v:").Append(ValueOf(b)).Append(',').Append(ValueRun(b)).Append(' ');
                    p++;
                }
            }
            if (sb.Length > 0) sb.Length--;
            return sb.ToString();
        }

        /// <summary>The 16384 register values (PFDEBUG GETREG), from a dense value.</summary>
        public int GetRegister(int index) => GetDenseRegister(_buf.AsSpan(HeaderSize, DenseSize - HeaderSize), index);
    }
}
