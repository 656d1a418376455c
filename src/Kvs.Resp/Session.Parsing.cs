using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Kvs.Resp.Protocol;

namespace Kvs.Resp;

/// <summary>Argument parsing with Redis's rules (string2ll, strtold), shared by all command families.</summary>
public sealed partial class Session
{
    /// <summary>Redis's string2ll: what getLongLongFromObject accepts.</summary>
    internal static bool TryParseLong(ReadOnlySpan<byte> s, out long value) => RequestParser.TryParseStrictInt64(s, out value);

    /// <summary>Parses an integer argument or writes "value is not an integer or out of range".</summary>
    internal bool ParseLongOrReply(ReadOnlySpan<byte> s, out long value)
    {
        if (TryParseLong(s, out value)) return true;
        NotInteger();
        return false;
    }

    /// <summary>
    /// Redis's string-to-double (strtold plus its checks): no leading/trailing spaces, no NaN,
    /// "inf"/"-inf"/"+inf" accepted (case-insensitive), at most 5k chars.
    /// </summary>
    internal static bool TryParseDouble(ReadOnlySpan<byte> s, out double value)
    {
        value = 0;
        if (s.IsEmpty || s.Length > 5000) return false;
        if (IsSpaceByte(s[0]) || IsSpaceByte(s[^1])) return false;
        Span<char> chars = s.Length <= 256 ? stackalloc char[s.Length] : new char[s.Length];
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] > 127 || s[i] == 0) return false;
            chars[i] = (char)s[i];
        }
        var str = chars;
        if (str.Equals("inf", StringComparison.OrdinalIgnoreCase) || str.Equals("+inf", StringComparison.OrdinalIgnoreCase) ||
            str.Equals("infinity", StringComparison.OrdinalIgnoreCase) || str.Equals("+infinity", StringComparison.OrdinalIgnoreCase))
        {
            value = double.PositiveInfinity;
            return true;
        }
        if (str.Equals("-inf", StringComparison.OrdinalIgnoreCase) || str.Equals("-infinity", StringComparison.OrdinalIgnoreCase))
        {
            value = double.NegativeInfinity;
            return true;
        }
        // strtod accepts hex floats too; .NET does not. Rare enough to leave as "not a float".
        foreach (char c in str)
            if (!(char.IsAsciiDigit(c) || c is '.' or 'e' or 'E' or '-' or '+')) return false;
        if (!double.TryParse(str, NumberStyles.Float, CultureInfo.InvariantCulture, out value)) return false;
        return !double.IsNaN(value);
    }

    private static bool IsSpaceByte(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\v' or (byte)'\f';

    internal bool ParseDoubleOrReply(ReadOnlySpan<byte> s, out double value)
    {
        if (TryParseDouble(s, out value)) return true;
        NotFloat();
        return false;
    }

    internal static string Utf8(ReadOnlySpan<byte> s) => Encoding.UTF8.GetString(s);

    internal static byte[] FormatLong(long value)
    {
        Span<byte> tmp = stackalloc byte[24];
        Utf8Formatter.TryFormat(value, tmp, out int n);
        return tmp.Slice(0, n).ToArray();
    }
}
