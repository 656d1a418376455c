using System.Globalization;

namespace Kvs.Resp.Protocol;

/// <summary>
/// C's <c>strtod</c> as glibc implements it, over bytes: Redis parses scores, weights and score
/// ranges with it, and its exact grammar is observable (leading white space, "inf"/"infinity",
/// "nan", hexadecimal floats such as <c>0x1p4</c>, a bare "(" or "" reading as 0 in ranges).
/// <see cref="ParsePrefix"/> reads the longest accepted prefix like strtod's end pointer; the
/// helpers apply the checks of Redis's getDoubleFromObject and zslParseRange on top.
/// </summary>
public static class Strtod
{
    /// <summary>
    /// Parses the longest prefix strtod accepts. Returns the bytes consumed (0: no conversion,
    /// value 0). <paramref name="rangeError"/> is strtod's ERANGE in the cases Redis rejects: an
    /// overflow to ±infinity or an underflow to zero.
    /// </summary>
    public static int ParsePrefix(ReadOnlySpan<byte> s, out double value, out bool rangeError)
    {
        value = 0;
        rangeError = false;
        int i = 0;
        while (i < s.Length && IsSpace(s[i])) i++;
        bool negative = false;
        if (i < s.Length && (s[i] == '+' || s[i] == '-'))
        {
            negative = s[i] == '-';
            i++;
        }
        int start = i;
        if (MatchWord(s, i, "infinity"u8)) return Finish(i + 8, negative ? double.NegativeInfinity : double.PositiveInfinity, out value);
        if (MatchWord(s, i, "inf"u8)) return Finish(i + 3, negative ? double.NegativeInfinity : double.PositiveInfinity, out value);
        if (MatchWord(s, i, "nan"u8))
        {
            int end = i + 3;
            if (end < s.Length && s[end] == '(')
            {
                int j = end + 1;
                while (j < s.Length && (char.IsAsciiLetterOrDigit((char)s[j]) || s[j] == '_')) j++;
                if (j < s.Length && s[j] == ')') end = j + 1;
            }
            return Finish(end, double.NaN, out value);
        }
        if (i + 1 < s.Length && s[i] == '0' && (s[i + 1] | 0x20) == 'x')
        {
            int hexEnd = ParseHex(s, i + 2, out double hex);
            if (hexEnd > 0)
            {
                value = negative ? -hex : hex;
                rangeError = double.IsInfinity(hex);
                return hexEnd;
            }
            // "0x" without hex digits: strtod reads the "0" alone.
        }

        int digits = 0;
        bool nonZeroDigit = false;
        while (i < s.Length && char.IsAsciiDigit((char)s[i]))
        {
            nonZeroDigit |= s[i] != '0';
            i++;
            digits++;
        }
        if (i < s.Length && s[i] == '.')
        {
            int j = i + 1;
            int fraction = 0;
            while (j < s.Length && char.IsAsciiDigit((char)s[j]))
            {
                nonZeroDigit |= s[j] != '0';
                j++;
                fraction++;
            }
            if (digits + fraction > 0) i = j;
            digits += fraction;
        }
        if (digits == 0) return 0;
        if (i < s.Length && (s[i] | 0x20) == 'e')
        {
            int j = i + 1;
            if (j < s.Length && (s[j] == '+' || s[j] == '-')) j++;
            int expDigits = 0;
            while (j < s.Length && char.IsAsciiDigit((char)s[j]))
            {
                j++;
                expDigits++;
            }
            if (expDigits > 0) i = j;
        }
        double parsed = double.Parse(s.Slice(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture);
        rangeError = double.IsInfinity(parsed) || (parsed == 0 && nonZeroDigit);
        value = negative ? -parsed : parsed;
        return i;
    }

    /// <summary>
    /// Redis's getDoubleFromObject (scores, increments, weights): the whole argument must parse,
    /// no leading white space, no NaN, no overflow or underflow to zero.
    /// </summary>
    public static bool TryParseStrict(ReadOnlySpan<byte> s, out double value)
    {
        if (s.IsEmpty || IsSpace(s[0]))
        {
            value = 0;
            return false;
        }
        int consumed = ParsePrefix(s, out value, out bool rangeError);
        return consumed == s.Length && !rangeError && !double.IsNaN(value);
    }

    /// <summary>
    /// One end of a score range as zslParseRange reads it: strtod up to the end of the C string
    /// (an empty string or a NUL stops it), no NaN; overflow is allowed and gives ±inf.
    /// </summary>
    public static bool TryParseRangeValue(ReadOnlySpan<byte> s, out double value)
    {
        int consumed = ParsePrefix(s, out value, out _);
        if (consumed < s.Length && s[consumed] != 0) return false;
        return !double.IsNaN(value);
    }

    /// <summary>C's isspace in the "C" locale.</summary>
    public static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r';

    private static int Finish(int consumed, double v, out double value)
    {
        value = v;
        return consumed;
    }

    private static bool MatchWord(ReadOnlySpan<byte> s, int at, ReadOnlySpan<byte> lowerWord)
    {
        if (s.Length - at < lowerWord.Length) return false;
        for (int k = 0; k < lowerWord.Length; k++)
            if ((s[at + k] | 0x20) != lowerWord[k]) return false;
        return true;
    }

    /// <summary>
    /// The part of a hexadecimal float after "0x": hex digits with an optional point, then an
    /// optional binary exponent "p[+-]digits". Returns the end index, or 0 when there is no hex
    /// digit. The first 15 significant hex digits (60 bits) are kept; later ones only scale.
    /// </summary>
    private static int ParseHex(ReadOnlySpan<byte> s, int i, out double value)
    {
        value = 0;
        ulong mantissa = 0;
        int kept = 0;
        int binaryExponent = 0;
        int digits = 0;
        bool seenPoint = false;
        for (; i < s.Length; i++)
        {
            byte c = s[i];
            int d = HexValue(c);
            if (d < 0)
            {
                if (c == '.' && !seenPoint)
                {
                    seenPoint = true;
                    continue;
                }
                break;
            }
            digits++;
            if (kept < 15 && (mantissa != 0 || d != 0))
            {
                mantissa = (mantissa << 4) | (uint)d;
                kept++;
                if (seenPoint) binaryExponent -= 4;
            }
            else if (mantissa == 0 && d == 0)
            {
                if (seenPoint) binaryExponent -= 4;
            }
            else if (!seenPoint)
            {
                binaryExponent += 4;
            }
        }
        if (digits == 0) return 0;
        if (i < s.Length && (s[i] | 0x20) == 'p')
        {
            int j = i + 1;
            bool negativeExponent = false;
            if (j < s.Length && (s[j] == '+' || s[j] == '-'))
            {
                negativeExponent = s[j] == '-';
                j++;
            }
            int expStart = j;
            long e = 0;
            while (j < s.Length && char.IsAsciiDigit((char)s[j]))
            {
                if (e < 100000) e = e * 10 + (s[j] - '0');
                j++;
            }
            if (j > expStart)
            {
                binaryExponent += (int)(negativeExponent ? -e : e);
                i = j;
            }
        }
        value = mantissa == 0 ? 0 : Math.ScaleB(mantissa, binaryExponent);
        return i;
    }

    private static int HexValue(byte c)
    {
        if (c >= '0' && c <= '9') return c - '0';
        int lower = c | 0x20;
        if (lower >= 'a' && lower <= 'f') return lower - 'a' + 10;
        return -1;
    }
}
