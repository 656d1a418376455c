using System.Globalization;

namespace Kvs.Core.Types;

/// <summary>
/// Text forms of sorted-set scores, written into a caller's buffer without allocating.
/// <list type="bullet">
/// <item><see cref="FormatG17"/>: Redis 7.0's reply form, C's <c>%.17g</c> with "inf", "-inf"
/// and "nan" (addReplyDouble); also the data-hash encoding of scores.</item>
/// <item><see cref="FormatD2String"/>: Redis 7.0's d2string, the text a listpack stores for a
/// score and that ZSCAN returns for small sets: integral values within ±2^62 as integers, else
/// <c>%.17g</c>.</item>
/// </list>
/// </summary>
public static class ScoreFormat
{
    /// <summary>Longest output: sign, 17 digits, point, up to 4 leading zeros, exponent.</summary>
    public const int MaxLength = 32;

    /// <summary>Writes <paramref name="value"/> as printf("%.17g") does; returns the length.</summary>
    public static int FormatG17(double value, Span<byte> dest)
    {
        if (double.IsPositiveInfinity(value)) return Ascii("inf", dest);
        if (double.IsNegativeInfinity(value)) return Ascii("-inf", dest);
        if (double.IsNaN(value)) return Ascii("nan", dest);
        if (value == 0) return Ascii(double.IsNegative(value) ? "-0" : "0", dest);

        // "E16" gives the 17 significant digits correctly rounded, and the decimal exponent;
        // %.17g then chooses fixed or scientific notation from that exponent.
        Span<char> e = stackalloc char[32];
        value.TryFormat(e, out int len, "E16", CultureInfo.InvariantCulture);
        int pos = 0;
        int i = 0;
        if (e[0] == '-')
        {
            dest[pos++] = (byte)'-';
            i = 1;
        }
        Span<byte> digits = stackalloc byte[17];
        digits[0] = (byte)e[i];
        for (int d = 1; d < 17; d++) digits[d] = (byte)e[i + 1 + d];
        int ePos = i + 18;
        int exponent = int.Parse(e.Slice(ePos + 1, len - ePos - 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        int significant = 17;
        while (significant > 1 && digits[significant - 1] == '0') significant--;

        if (exponent < -4 || exponent >= 17)
        {
            dest[pos++] = digits[0];
            if (significant > 1)
            {
                dest[pos++] = (byte)'.';
                for (int d = 1; d < significant; d++) dest[pos++] = digits[d];
            }
            dest[pos++] = (byte)'e';
            dest[pos++] = exponent < 0 ? (byte)'-' : (byte)'+';
            int abs = Math.Abs(exponent);
            if (abs >= 100) dest[pos++] = (byte)('0' + abs / 100);
            dest[pos++] = (byte)('0' + abs / 10 % 10);
            dest[pos++] = (byte)('0' + abs % 10);
            return pos;
        }
        if (exponent >= 0)
        {
            for (int d = 0; d <= exponent; d++) dest[pos++] = digits[d];
            if (significant > exponent + 1)
            {
                dest[pos++] = (byte)'.';
                for (int d = exponent + 1; d < significant; d++) dest[pos++] = digits[d];
            }
            return pos;
        }
        dest[pos++] = (byte)'0';
        dest[pos++] = (byte)'.';
        for (int z = -1; z > exponent; z--) dest[pos++] = (byte)'0';
        for (int d = 0; d < significant; d++) dest[pos++] = digits[d];
        return pos;
    }

    /// <summary>
    /// Redis 7.0's d2string: "0"/"-0", integral values in [-2^62, 2^62] (double2ll's safe range)
    /// printed as integers, everything else as <c>%.17g</c>.
    /// </summary>
    public static int FormatD2String(double value, Span<byte> dest)
    {
        const double Limit = 4611686018427387904.0; // (double)(LLONG_MAX / 2) rounds to 2^62
        if (value != 0 && value >= -Limit && value <= Limit && Math.Floor(value) == value)
        {
            ((long)value).TryFormat(dest, out int n, default, CultureInfo.InvariantCulture);
            return n;
        }
        return FormatG17(value, dest);
    }

    private static int Ascii(string s, Span<byte> dest)
    {
        for (int i = 0; i < s.Length; i++) dest[i] = (byte)s[i];
        return s.Length;
    }
}
