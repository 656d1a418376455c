using System.Numerics;
using System.Text;

namespace Kvs.Resp.Numerics;

/// <summary>
/// A software model of the C <c>long double</c> that Redis uses for INCRBYFLOAT (and
/// HINCRBYFLOAT) on x86-64: the x87 80-bit extended format, a 64-bit significand with an
/// explicit integer bit and a 15-bit exponent.
/// <para>
/// Why not <see cref="double"/>: Redis adds in extended precision and prints with
/// <c>%.17Lf</c>, so <c>10.5 + 0.1</c> is <c>10.6</c> in Redis but <c>10.59999999999999964</c>
/// with doubles; byte-exact replies need the same 64-bit significand, the same round-to-nearest-even
/// arithmetic and the same exact decimal printing as glibc. Values are kept as
/// <c>significand × 2^exponent</c> and all rounding is done exactly with <see cref="BigInteger"/>;
/// the commands using it are not hot paths, so clarity wins over speed here.
/// </para>
/// </summary>
public readonly struct LongDouble
{
    /// <summary>Exponent of the smallest normal value's significand (2^-16382 = 2^63 × 2^-16445); denormals share it.</summary>
    private const int MinExponent = -16445;

    /// <summary>Exponent of the largest finite value's significand ((2^64-1) × 2^16320 &lt; 2^16384).</summary>
    private const int MaxExponent = 16320;

    /// <summary>Redis's MAX_LONG_DOUBLE_CHARS: string2ld refuses inputs of this length or longer.</summary>
    public const int MaxInputLength = 5 * 1024;

    private readonly ulong _significand;
    private readonly int _exponent;
    private readonly bool _negative;
    private readonly bool _infinite;

    private LongDouble(bool negative, ulong significand, int exponent, bool infinite)
    {
        _negative = negative;
        _significand = significand;
        _exponent = exponent;
        _infinite = infinite;
    }

    public static LongDouble Zero => default;

    public bool IsInfinity => _infinite;

    public bool IsZero => !_infinite && _significand == 0;

    public bool IsNegative => _negative;

    private static LongDouble Infinity(bool negative) => new(negative, 0, 0, true);

    // ------------------------------------------------------------------ parsing

    /// <summary>
    /// Redis's string2ld: what glibc's <c>strtold</c> accepts (decimal and hex floats, inf/infinity),
    /// consuming the whole input, with no leading space, no NaN, and no overflow to infinity or
    /// underflow to zero (a denormal result is fine). An explicit "inf" is accepted.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> s, out LongDouble value)
    {
        value = default;
        if (s.IsEmpty || s.Length >= MaxInputLength) return false;
        int i = 0;
        bool negative = false;
        if (s[0] is (byte)'+' or (byte)'-')
        {
            negative = s[0] == (byte)'-';
            i = 1;
        }
        var rest = s.Slice(i);
        if (EqualsIgnoreCase(rest, "inf"u8) || EqualsIgnoreCase(rest, "infinity"u8))
        {
            value = Infinity(negative);
            return true;
        }
        if (rest.Length >= 2 && rest[0] == (byte)'0' && (rest[1] | 0x20) == (byte)'x')
            return TryParseHex(negative, rest.Slice(2), out value);
        return TryParseDecimal(negative, rest, out value);
    }

    private static bool EqualsIgnoreCase(ReadOnlySpan<byte> s, ReadOnlySpan<byte> lower)
    {
        if (s.Length != lower.Length) return false;
        for (int i = 0; i < s.Length; i++)
            if ((s[i] | 0x20) != lower[i]) return false;
        return true;
    }

    private static bool TryParseDecimal(bool negative, ReadOnlySpan<byte> s, out LongDouble value)
    {
        value = default;
        int i = 0;
        int intStart = i;
        while (i < s.Length && IsDigit(s[i])) i++;
        var intDigits = s.Slice(intStart, i - intStart);
        ReadOnlySpan<byte> fracDigits = default;
        if (i < s.Length && s[i] == (byte)'.')
        {
            int fracStart = ++i;
            while (i < s.Length && IsDigit(s[i])) i++;
            fracDigits = s.Slice(fracStart, i - fracStart);
        }
        if (intDigits.IsEmpty && fracDigits.IsEmpty) return false;
        long exponent = 0;
        if (i < s.Length && (s[i] | 0x20) == (byte)'e')
        {
            i++;
            if (!TryParseExponent(s, ref i, out exponent)) return false;
        }
        if (i != s.Length) return false;

        // The significant digits as one integer, scaled by 10^decimalExponent.
        var digits = new StringBuilder(intDigits.Length + fracDigits.Length);
        foreach (byte b in intDigits) digits.Append((char)b);
        foreach (byte b in fracDigits) digits.Append((char)b);
        int firstNonZero = 0;
        while (firstNonZero < digits.Length && digits[firstNonZero] == '0') firstNonZero++;
        if (firstNonZero == digits.Length)
        {
            value = new LongDouble(negative, 0, 0, false);
            return true;
        }
        long significantDigits = digits.Length - firstNonZero;
        long decimalExponent = exponent - fracDigits.Length;
        // Out of range by magnitude alone: strtold reports ERANGE with inf or zero, which Redis refuses.
        if (significantDigits + decimalExponent - 1 > 4933) return false;
        if (significantDigits + decimalExponent < -4952) return false;

        var mantissa = BigInteger.Parse(digits.ToString(firstNonZero, (int)significantDigits), System.Globalization.CultureInfo.InvariantCulture);
        LongDouble result;
        if (decimalExponent >= 0)
            result = RoundExact(negative, mantissa * BigInteger.Pow(10, (int)decimalExponent), 0);
        else
            result = RoundQuotient(negative, mantissa, BigInteger.Pow(10, (int)-decimalExponent), 0);
        if (result._infinite || result._significand == 0) return false;
        value = result;
        return true;
    }

    private static bool TryParseHex(bool negative, ReadOnlySpan<byte> s, out LongDouble value)
    {
        value = default;
        int i = 0;
        var mantissa = BigInteger.Zero;
        int digitCount = 0;
        long binaryExponent = 0;
        while (i < s.Length && HexValue(s[i]) >= 0)
        {
            mantissa = (mantissa << 4) + HexValue(s[i]);
            digitCount++;
            i++;
        }
        if (i < s.Length && s[i] == (byte)'.')
        {
            i++;
            while (i < s.Length && HexValue(s[i]) >= 0)
            {
                mantissa = (mantissa << 4) + HexValue(s[i]);
                binaryExponent -= 4;
                digitCount++;
                i++;
            }
        }
        // "0x" without digits: strtold reads just the "0" and stops at the "x".
        if (digitCount == 0) return false;
        if (i < s.Length && (s[i] | 0x20) == (byte)'p')
        {
            i++;
            if (!TryParseExponent(s, ref i, out long p)) return false;
            binaryExponent += p;
        }
        if (i != s.Length) return false;
        if (mantissa.IsZero)
        {
            value = new LongDouble(negative, 0, 0, false);
            return true;
        }
        long magnitude = (long)mantissa.GetBitLength() + binaryExponent;
        if (magnitude > 16385 || magnitude < -16500) return false;
        var result = RoundExact(negative, mantissa, (int)binaryExponent);
        if (result._infinite || result._significand == 0) return false;
        value = result;
        return true;
    }

    /// <summary>An exponent: optional sign and at least one digit; saturates far beyond any representable value.</summary>
    private static bool TryParseExponent(ReadOnlySpan<byte> s, ref int i, out long exponent)
    {
        exponent = 0;
        bool negative = false;
        if (i < s.Length && s[i] is (byte)'+' or (byte)'-')
        {
            negative = s[i] == (byte)'-';
            i++;
        }
        int start = i;
        while (i < s.Length && IsDigit(s[i]))
        {
            if (exponent < 1_000_000_000) exponent = exponent * 10 + (s[i] - '0');
            i++;
        }
        if (i == start) return false;
        if (negative) exponent = -exponent;
        return true;
    }

    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    private static int HexValue(byte b)
    {
        if (IsDigit(b)) return b - '0';
        int lower = b | 0x20;
        if (lower is >= 'a' and <= 'f') return lower - 'a' + 10;
        return -1;
    }

    // ------------------------------------------------------------------ arithmetic

    /// <summary>
    /// x87 addition: the exact sum rounded to nearest-even. Returns false when the result is NaN
    /// (inf + -inf) or infinite, the two cases INCRBYFLOAT refuses.
    /// </summary>
    public static bool TryAdd(LongDouble a, LongDouble b, out LongDouble sum)
    {
        sum = default;
        if (a._infinite || b._infinite) return false;
        if (a._significand == 0 && b._significand == 0)
        {
            // IEEE: -0 + -0 = -0, any other sum of zeros is +0.
            sum = new LongDouble(a._negative && b._negative, 0, 0, false);
            return true;
        }
        int lowest = Math.Min(a._significand == 0 ? int.MaxValue : a._exponent, b._significand == 0 ? int.MaxValue : b._exponent);
        var exact = a.Scaled(lowest) + b.Scaled(lowest);
        if (exact.IsZero)
        {
            sum = Zero;
            return true;
        }
        sum = RoundExact(exact.Sign < 0, BigInteger.Abs(exact), lowest);
        return !sum._infinite;
    }

    /// <summary>The signed significand re-expressed with the (lower or equal) exponent <paramref name="exponent"/>.</summary>
    private BigInteger Scaled(int exponent)
    {
        if (_significand == 0) return BigInteger.Zero;
        var m = new BigInteger(_significand) << (_exponent - exponent);
        return _negative ? -m : m;
    }

    /// <summary>Rounds <paramref name="n"/> × 2^<paramref name="exponent"/> (n ≥ 0, exact) to the format, nearest-even, with denormals and overflow.</summary>
    private static LongDouble RoundExact(bool negative, BigInteger n, int exponent)
    {
        if (n.IsZero) return new LongDouble(negative, 0, 0, false);
        long bits = (long)n.GetBitLength();
        long shift = Math.Max(bits - 64, (long)MinExponent - exponent);
        BigInteger m;
        if (shift <= 0)
        {
            m = n << (int)-shift;
        }
        else
        {
            m = n >> (int)shift;
            var remainder = n - (m << (int)shift);
            var half = BigInteger.One << (int)(shift - 1);
            int cmp = remainder.CompareTo(half);
            if (cmp > 0 || (cmp == 0 && !m.IsEven)) m += 1;
            if (m.GetBitLength() > 64)
            {
                m >>= 1;
                shift++;
            }
        }
        long resultExponent = exponent + shift;
        if (m.IsZero) return new LongDouble(negative, 0, 0, false);
        if (resultExponent > MaxExponent) return Infinity(negative);
        return new LongDouble(negative, (ulong)m, (int)resultExponent, false);
    }

    /// <summary>Rounds (<paramref name="numerator"/> / <paramref name="denominator"/>) × 2^<paramref name="exponent"/>: a quotient with enough bits plus a sticky bit rounds exactly like the true value.</summary>
    private static LongDouble RoundQuotient(bool negative, BigInteger numerator, BigInteger denominator, int exponent)
    {
        long extra = Math.Max(0, 66 + (long)denominator.GetBitLength() - (long)numerator.GetBitLength() + 1);
        var quotient = BigInteger.DivRem(numerator << (int)extra, denominator, out var remainder);
        var withSticky = (quotient << 1) + (remainder.IsZero ? 0 : 1);
        return RoundExact(negative, withSticky, exponent - (int)extra - 1);
    }

    // ------------------------------------------------------------------ formatting

    /// <summary>
    /// Redis's ld2string in LD_STR_HUMAN mode: printf("%.17Lf") (exact value, rounded half-even
    /// at the 17th decimal like glibc), trailing zeros and a trailing '.' removed, "-0" as "0".
    /// </summary>
    public byte[] ToHumanString()
    {
        if (_infinite) return Encoding.ASCII.GetBytes(_negative ? "-inf" : "inf");
        var scale = BigInteger.Pow(10, 17);
        BigInteger fixedPoint;
        if (_exponent >= 0)
        {
            fixedPoint = (new BigInteger(_significand) << _exponent) * scale;
        }
        else
        {
            var scaled = new BigInteger(_significand) * scale;
            int shift = -_exponent;
            fixedPoint = scaled >> shift;
            var remainder = scaled - (fixedPoint << shift);
            int cmp = remainder.CompareTo(BigInteger.One << (shift - 1));
            if (cmp > 0 || (cmp == 0 && !fixedPoint.IsEven)) fixedPoint += 1;
        }
        var integerPart = BigInteger.DivRem(fixedPoint, scale, out var fraction);
        var sb = new StringBuilder();
        if (_negative) sb.Append('-');
        sb.Append(integerPart.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!fraction.IsZero)
        {
            string digits = ((long)fraction).ToString("D17", System.Globalization.CultureInfo.InvariantCulture).TrimEnd('0');
            sb.Append('.').Append(digits);
        }
        if (sb.Length == 2 && sb[0] == '-' && sb[1] == '0') return "0"u8.ToArray();
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    public override string ToString() => Encoding.ASCII.GetString(ToHumanString());
}
