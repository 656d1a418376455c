using System.Numerics;

namespace Kvs.Resp.Blocking;

/// <summary>
/// The timeout argument of BLPOP and friends, parsed exactly as Redis 7.0's
/// getTimeoutFromObjectOrReply does on x86-64: strtold (80-bit long double, 64-bit mantissa),
/// then <c>(long long)ceill(ftval * 1000.0)</c> in long double arithmetic.
/// <para>
/// The long double detail is observable: "-0.001" rounds up to 0 ms and means "block forever"
/// while "-0.002" is negative; "+0.001" and "1e-300" wait 1 ms; "0.253" waits 254 ms (0.253 is
/// slightly above itself in long double); "9223372036854775.807" is the largest accepted value
/// and ".808" overflows the conversion, which x87 turns into LLONG_MIN ("timeout is negative",
/// like "inf" and "1e30"). The arithmetic is therefore done exactly with big integers and rounded
/// to 64 significant bits twice (after parsing, after the multiplication), round half to even, as
/// the FPU does. strtold's grammar is followed: optional sign, decimal with optional
/// exponent, hexadecimal ("0x1p-3"), inf/infinity; no surrounding spaces; NaN, overflow and
/// underflow to zero are rejected ("not a float").
/// </para>
/// </summary>
internal static class BlockingTimeout
{
    public enum Result
    {
        Ok,
        NotFloat,
        Negative,
    }

    /// <summary>Redis's MAX_LONG_DOUBLE_CHARS: longer arguments are not floats.</summary>
    private const int MaxChars = 5 * 1024;

    /// <summary>Parses a timeout in seconds into whole milliseconds (0 = block forever).</summary>
    public static Result TryParseMilliseconds(ReadOnlySpan<byte> s, out long milliseconds)
    {
        milliseconds = 0;
        if (s.IsEmpty || s.Length >= MaxChars || IsSpace(s[0])) return Result.NotFloat;
        // Fast path: whole seconds are exact in both steps.
        if (TryParseWholeSeconds(s, out milliseconds)) return Result.Ok;
        int i = 0;
        bool negative = false;
        if (s[0] is (byte)'+' or (byte)'-')
        {
            negative = s[0] == '-';
            i++;
        }
        var rest = s.Slice(i);
        if (EqualsIgnoreCase(rest, "inf"u8) || EqualsIgnoreCase(rest, "infinity"u8))
            return Result.Negative; // (long long)inf is LLONG_MIN on x86-64
        BigInteger mantissa;
        long exponent;
        bool binaryExponent;
        if (rest.Length > 2 && rest[0] == '0' && (rest[1] | 0x20) == 'x')
        {
            if (!ParseHex(rest.Slice(2), out mantissa, out exponent)) return Result.NotFloat;
            binaryExponent = true;
        }
        else
        {
            if (!ParseDecimal(rest, out mantissa, out exponent)) return Result.NotFloat;
            binaryExponent = false;
        }
        if (mantissa.IsZero) return Result.Ok;

        // value = mantissa * base^exponent. Reject what strtold reports as ERANGE with HUGE_VAL
        // or zero; anything >= 2^63 / 1000 overflows the conversion (LLONG_MIN).
        double log2 = BigInteger.Log(mantissa, 2) + (binaryExponent ? exponent : exponent * Math.Log2(10));
        if (log2 > 16384.5) return Result.NotFloat;
        if (log2 < -16447) return Result.NotFloat;
        if (log2 > 80) return Result.Negative;
        if (log2 < -20)
        {
            milliseconds = negative ? 0 : 1; // 0 < |value| * 1000 < 1: ceil gives 1, or -0
            return Result.Ok;
        }

        BigInteger num = mantissa, den = BigInteger.One;
        if (binaryExponent)
        {
            if (exponent >= 0) num <<= (int)exponent;
            else den <<= (int)-exponent;
        }
        else
        {
            if (exponent >= 0) num *= BigInteger.Pow(10, (int)exponent);
            else den = BigInteger.Pow(10, (int)-exponent);
        }
        var (m1, e1) = RoundTo64Bits(num, den);
        var (m2, e2) = RoundTo64Bits(m1 * 1000, BigInteger.One);
        e2 += e1;
        // ceil of the signed value: magnitudes round up for positives and down for negatives.
        BigInteger magnitude;
        if (e2 >= 0) magnitude = m2 << e2;
        else if (negative) magnitude = m2 >> -e2;
        else magnitude = (m2 + (BigInteger.One << -e2) - 1) >> -e2;
        if (negative) return magnitude.IsZero ? Result.Ok : Result.Negative;
        if (magnitude >= BigInteger.One << 63) return Result.Negative;
        milliseconds = (long)magnitude;
        return Result.Ok;
    }

    /// <summary>Up to 12 plain digits: whole seconds, exact without big integers.</summary>
    private static bool TryParseWholeSeconds(ReadOnlySpan<byte> s, out long milliseconds)
    {
        milliseconds = 0;
        if (s.Length > 12) return false;
        long whole = 0;
        foreach (byte b in s)
        {
            if (!IsDigit(b)) return false;
            whole = whole * 10 + (b - '0');
        }
        milliseconds = whole * 1000;
        return true;
    }

    private static bool ParseDecimal(ReadOnlySpan<byte> s, out BigInteger mantissa, out long exponent)
    {
        mantissa = BigInteger.Zero;
        exponent = 0;
        int i = 0, digits = 0;
        var chunk = 0UL;
        int chunkDigits = 0;
        void Flush(ref BigInteger m, ref ulong c, ref int cd)
        {
            if (cd == 0) return;
            m = m * BigInteger.Pow(10, cd) + c;
            c = 0;
            cd = 0;
        }
        for (; i < s.Length && IsDigit(s[i]); i++, digits++)
        {
            chunk = chunk * 10 + (ulong)(s[i] - '0');
            if (++chunkDigits == 18) Flush(ref mantissa, ref chunk, ref chunkDigits);
        }
        if (i < s.Length && s[i] == '.')
        {
            i++;
            for (; i < s.Length && IsDigit(s[i]); i++, digits++)
            {
                chunk = chunk * 10 + (ulong)(s[i] - '0');
                if (++chunkDigits == 18) Flush(ref mantissa, ref chunk, ref chunkDigits);
                exponent--;
            }
        }
        Flush(ref mantissa, ref chunk, ref chunkDigits);
        if (digits == 0) return false;
        if (i < s.Length && (s[i] | 0x20) == 'e')
        {
            if (!ParseExponent(s.Slice(i + 1), out long e)) return false;
            exponent += e;
            i = s.Length;
        }
        return i == s.Length;
    }

    private static bool ParseHex(ReadOnlySpan<byte> s, out BigInteger mantissa, out long exponent)
    {
        mantissa = BigInteger.Zero;
        exponent = 0;
        int i = 0, digits = 0;
        for (; i < s.Length && HexValue(s[i]) >= 0; i++, digits++) mantissa = (mantissa << 4) + HexValue(s[i]);
        if (i < s.Length && s[i] == '.')
        {
            i++;
            for (; i < s.Length && HexValue(s[i]) >= 0; i++, digits++)
            {
                mantissa = (mantissa << 4) + HexValue(s[i]);
                exponent -= 4;
            }
        }
        if (digits == 0) return false;
        if (i < s.Length && (s[i] | 0x20) == 'p')
        {
            if (!ParseExponent(s.Slice(i + 1), out long e)) return false;
            exponent += e;
            i = s.Length;
        }
        return i == s.Length;
    }

    /// <summary>A signed decimal exponent; saturates far outside the long double range.</summary>
    private static bool ParseExponent(ReadOnlySpan<byte> s, out long exponent)
    {
        exponent = 0;
        int i = 0;
        bool negative = false;
        if (i < s.Length && s[i] is (byte)'+' or (byte)'-')
        {
            negative = s[i] == '-';
            i++;
        }
        if (i == s.Length) return false;
        for (; i < s.Length; i++)
        {
            if (!IsDigit(s[i])) return false;
            if (exponent < 1_000_000_000) exponent = exponent * 10 + (s[i] - '0');
        }
        if (negative) exponent = -exponent;
        return true;
    }

    /// <summary>
    /// num/den rounded to a 64-bit mantissa, round half to even: returns (m, e) with
    /// 2^63 &lt;= m &lt; 2^64 and value ≈ m·2^e.
    /// </summary>
    private static (BigInteger Mantissa, int Exponent) RoundTo64Bits(BigInteger num, BigInteger den)
    {
        int shift = 66 - ((int)num.GetBitLength() - (int)den.GetBitLength());
        BigInteger n = shift >= 0 ? num << shift : num;
        BigInteger d = shift >= 0 ? den : den << -shift;
        var q = BigInteger.DivRem(n, d, out var remainder);
        int extra = (int)q.GetBitLength() - 64;
        var mantissa = q >> extra;
        var dropped = q - (mantissa << extra);
        var half = BigInteger.One << (extra - 1);
        if (dropped > half || (dropped == half && (!remainder.IsZero || !mantissa.IsEven))) mantissa += 1;
        int exponent = extra - shift;
        if (mantissa.GetBitLength() > 64)
        {
            mantissa >>= 1;
            exponent++;
        }
        return (mantissa, exponent);
    }

    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\v' or (byte)'\f';

    private static bool EqualsIgnoreCase(ReadOnlySpan<byte> value, ReadOnlySpan<byte> lower)
    {
        if (value.Length != lower.Length) return false;
        for (int i = 0; i < value.Length; i++)
            if ((value[i] | 0x20) != lower[i]) return false;
        return true;
    }
}
