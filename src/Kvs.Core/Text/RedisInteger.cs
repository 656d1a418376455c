namespace Kvs.Core.Text;

/// <summary>
/// Redis's string2ll in one place for the protocol layer (multibulk lengths, integer arguments)
/// and the data types (intset membership): an optional '-', no '+', no leading zeros, no spaces,
/// at most 20 bytes and a value that fits in 64 bits. Both layers must agree byte for byte on
/// what counts as an integer, or a set would report intset for members the parser rejects.
/// </summary>
public static class RedisInteger
{
    public static bool TryParse(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        if (s.IsEmpty || s.Length > 20) return false;
        if (s.Length == 1 && s[0] == (byte)'0') return true;
        int i = 0;
        bool negative = false;
        if (s[0] == (byte)'-')
        {
            negative = true;
            i = 1;
            if (s.Length == 1) return false;
        }
        if (s[i] < (byte)'1' || s[i] > (byte)'9') return false;
        ulong v = 0;
        for (; i < s.Length; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d > 9) return false;
            if (v > (ulong.MaxValue - d) / 10) return false;
            v = v * 10 + d;
        }
        if (negative)
        {
            if (v > (ulong)long.MaxValue + 1) return false;
            value = (long)(0 - v);
        }
        else
        {
            if (v > long.MaxValue) return false;
            value = (long)v;
        }
        return true;
    }
}
