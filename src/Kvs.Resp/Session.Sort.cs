using System.Globalization;
using Kvs.Core.Storage;
using Kvs.Core.Types;
using Kvs.Resp.Commands;
using Kvs.Resp.Protocol;

namespace Kvs.Resp;

/// <summary>
/// SORT and SORT_RO (Redis 7.0's sort.c). The sorted value is read through
/// <see cref="ISortable"/>, so lists, sets and sorted sets each provide their elements without
/// SORT knowing their layout; STORE builds a list through <see cref="SortSupport.CreateList"/>.
/// </summary>
public sealed partial class Session
{
    private const string SortScoreError = "ERR One or more scores can't be converted into double";

    /// <summary>One element being sorted: its numeric score or its comparison bytes (ALPHA with BY), and its load order.</summary>
    private struct SortItem
    {
        public byte[] Element;
        public double Score;
        public byte[]? CompareBy;
        public int Order;
    }

    [RespCommand("sort")]
    private void NetworkSort(RespArgs args) => SortGeneric(args, readOnly: false);

    [RespCommand("sort_ro")]
    private void NetworkSortRo(RespArgs args) => SortGeneric(args, readOnly: true);

    /// <summary>
    /// Redis's sortCommandGeneric, step by step: options (SQL-like, any order; STORE only for
    /// SORT); the key must be a list, set or sorted set (missing = empty list); a set sorted
    /// without sorting into STORE is sorted ALPHA instead so the stored result is deterministic;
    /// LIMIT is clamped to the size; lists and sorted sets not sorted (BY without '*') yield their
    /// natural order honouring DESC and LIMIT directly; otherwise scores come from the element or
    /// the BY pattern (strtod rules; a missing BY key scores 0) and the vector is sorted with
    /// ties broken by element bytes (numeric) or load order (ALPHA); finally GET patterns or the
    /// elements are replied or stored as a list.
    /// </summary>
    private void SortGeneric(RespArgs args, bool readOnly)
    {
        bool desc = false, alpha = false, dontSort = false;
        long limitStart = 0, limitCount = -1;
        byte[]? sortBy = null;
        byte[]? storeKey = null;
        List<byte[]>? getPatterns = null;
        for (int j = 2; j < args.Count; j++)
        {
            int left = args.Count - j - 1;
            if (args.Is(j, "ASC"u8)) desc = false;
            else if (args.Is(j, "DESC"u8)) desc = true;
            else if (args.Is(j, "ALPHA"u8)) alpha = true;
            else if (args.Is(j, "LIMIT"u8) && left >= 2)
            {
                if (!ParseLongOrReply(args[j + 1], out limitStart) || !ParseLongOrReply(args[j + 2], out limitCount)) return;
                j += 2;
            }
            else if (!readOnly && args.Is(j, "STORE"u8) && left >= 1)
            {
                storeKey = args.ToArray(j + 1);
                j++;
            }
            else if (args.Is(j, "BY"u8) && left >= 1)
            {
                sortBy = args.ToArray(j + 1);
                if (CStringPart(sortBy).IndexOf((byte)'*') < 0) dontSort = true;
                j++;
            }
            else if (args.Is(j, "GET"u8) && left >= 1)
            {
                (getPatterns ??= new List<byte[]>()).Add(args.ToArray(j + 1));
                j++;
            }
            else
            {
                SyntaxError();
                return;
            }
        }

        var db = Database;
        var entry = _store.Read(db, args[1]);
        ISortable? source = null;
        KvsType type = KvsType.List;
        if (entry != null)
        {
            if ((entry.Type != KvsType.Set && entry.Type != KvsType.List && entry.Type != KvsType.ZSet) || entry.Value is not ISortable sortable)
            {
                WrongType();
                return;
            }
            source = sortable;
            type = entry.Type;
        }

        if (dontSort && type == KvsType.Set && storeKey != null)
        {
            dontSort = false;
            alpha = true;
            sortBy = null;
        }

        long vectorLength = source?.Count ?? 0;
        long start = Math.Min(Math.Max(limitStart, 0), vectorLength);
        limitCount = Math.Min(Math.Max(limitCount, -1), vectorLength);
        long end = limitCount < 0 ? vectorLength - 1 : start + limitCount - 1;
        if (start >= vectorLength)
        {
            start = vectorLength - 1;
            end = vectorLength - 2;
        }
        if (end >= vectorLength) end = vectorLength - 1;

        var elements = new List<byte[]>((int)Math.Max(0, Math.Min(vectorLength, 1 << 20)));
        if (source != null)
        {
            if (dontSort && source.HasNaturalOrder)
            {
                if (end >= start) source.CollectRange((int)start, (int)(end - start + 1), desc, elements);
                end -= start;
                start = 0;
            }
            else
            {
                source.CollectAll(elements);
            }
        }

        var items = new SortItem[elements.Count];
        for (int i = 0; i < items.Length; i++) items[i] = new SortItem { Element = elements[i], Order = i };

        bool conversionError = false;
        if (!dontSort)
        {
            for (int i = 0; i < items.Length; i++)
            {
                byte[]? by;
                if (sortBy != null)
                {
                    by = LookupByPattern(db, sortBy, items[i].Element);
                    if (by == null) continue;
                }
                else
                {
                    by = items[i].Element;
                }
                if (alpha)
                {
                    if (sortBy != null) items[i].CompareBy = by;
                }
                else if (!TryParseStrtod(by, out items[i].Score))
                {
                    conversionError = true;
                }
            }
            bool byPattern = sortBy != null;
            bool descending = desc;
            bool binarySafe = storeKey != null;
            Array.Sort(items, (a, b) =>
            {
                int cmp = CompareSortItems(a, b, alpha, byPattern, binarySafe);
                if (descending) cmp = -cmp;
                return cmp != 0 ? cmp : a.Order.CompareTo(b.Order);
            });
        }

        int getCount = getPatterns?.Count ?? 0;
        long rows = Math.Max(0, end - start + 1);
        long outputLength = getCount > 0 ? getCount * rows : rows;
        if (conversionError)
        {
            WriteError(SortScoreError);
            return;
        }
        if (storeKey == null)
        {
            _writer.WriteArrayHeader((int)outputLength);
            for (long j = start; j <= end; j++)
            {
                var element = items[j].Element;
                if (getCount == 0) _writer.WriteBulk(element);
                for (int g = 0; g < getCount; g++)
                {
                    var value = LookupByPattern(db, getPatterns![g], element);
                    if (value == null) _writer.WriteNull();
                    else _writer.WriteBulk(value);
                }
            }
            return;
        }

        var stored = new List<byte[]>((int)Math.Min(outputLength, 1 << 20));
        for (long j = start; j <= end; j++)
        {
            var element = items[j].Element;
            if (getCount == 0) stored.Add(element);
            for (int g = 0; g < getCount; g++) stored.Add(LookupByPattern(db, getPatterns![g], element) ?? Array.Empty<byte>());
        }
        var existing = _store.Find(db, storeKey);
        if (stored.Count > 0)
        {
            var createList = SortSupport.CreateList;
            if (createList == null)
            {
                WriteError("ERR SORT STORE needs the list type, which is not available");
                return;
            }
            var list = createList(stored);
            if (existing == null) _store.Create(db, storeKey, list, KvsType.List, Ctx);
            else _store.Replace(db, existing, list, KvsType.List, Ctx, 0);
        }
        else if (existing != null)
        {
            _store.Delete(db, existing, Ctx);
        }
        _writer.WriteInteger(outputLength);
    }

    /// <summary>
    /// Redis's sortCompare (before DESC is applied). ALPHA compares bytes; without STORE Redis uses
    /// strcoll, which stops at a NUL byte (the locale is byte order in the C/C.UTF-8 locales),
    /// with STORE a binary-safe comparison.
    /// </summary>
    private static int CompareSortItems(in SortItem a, in SortItem b, bool alpha, bool byPattern, bool binarySafe)
    {
        if (!alpha)
        {
            if (a.Score > b.Score) return 1;
            if (a.Score < b.Score) return -1;
            return a.Element.AsSpan().SequenceCompareTo(b.Element);
        }
        if (byPattern)
        {
            if (a.CompareBy == null || b.CompareBy == null)
            {
                if (a.CompareBy == b.CompareBy) return 0;
                return a.CompareBy == null ? -1 : 1;
            }
            return CompareAlpha(a.CompareBy, b.CompareBy, binarySafe);
        }
        return CompareAlpha(a.Element, b.Element, binarySafe);
    }

    private static int CompareAlpha(byte[] a, byte[] b, bool binarySafe) =>
        binarySafe ? Math.Sign(a.AsSpan().SequenceCompareTo(b)) : Math.Sign(CStringPart(a).SequenceCompareTo(CStringPart(b)));

    /// <summary>The part of a pattern C's string functions see: up to the first NUL byte.</summary>
    private static ReadOnlySpan<byte> CStringPart(ReadOnlySpan<byte> s)
    {
        int nul = s.IndexOf((byte)0);
        return nul < 0 ? s : s.Slice(0, nul);
    }

    /// <summary>
    /// Redis's lookupKeyByPattern: "#" is the element itself; otherwise the first '*' is replaced
    /// by the element, and a "->field" suffix after the '*' (with a non-empty field) reads that
    /// hash field instead of a string key. Missing keys, wrong types and patterns without '*'
    /// give null.
    /// </summary>
    private byte[]? LookupByPattern(Database db, byte[] pattern, byte[] element)
    {
        if (pattern.Length >= 1 && pattern[0] == '#' && (pattern.Length == 1 || pattern[1] == 0)) return element;
        var visible = CStringPart(pattern);
        int star = visible.IndexOf((byte)'*');
        if (star < 0) return null;
        int arrow = visible.Slice(star + 1).IndexOf("->"u8);
        int fieldStart = -1;
        if (arrow >= 0)
        {
            int f = star + 1 + arrow;
            if (f + 2 < visible.Length) fieldStart = f + 2;
        }
        int postfixEnd = fieldStart >= 0 ? fieldStart - 2 : pattern.Length;
        int postfixLength = postfixEnd - (star + 1);
        var key = new byte[star + element.Length + postfixLength];
        pattern.AsSpan(0, star).CopyTo(key);
        element.CopyTo(key, star);
        pattern.AsSpan(star + 1, postfixLength).CopyTo(key.AsSpan(star + element.Length));
        var e = _store.Read(db, key);
        if (e == null) return null;
        if (fieldStart >= 0)
        {
            if (e.Type != KvsType.Hash) return null;
            return ((RedisHash)e.Value).Get(pattern.AsSpan(fieldStart));
        }
        return e.Type == KvsType.String ? e.StringValue : null;
    }

    /// <summary>
    /// What SORT accepts as a score: C's strtod over the whole (NUL-terminated) string — leading
    /// white space, an optional sign, decimal or hexadecimal (0x...p...) numbers, inf/infinity —
    /// refusing NaN, trailing characters, and ERANGE (overflow, or underflow to zero or a
    /// denormal). An empty string is 0; a string of only spaces is not a number.
    /// </summary>
    internal static bool TryParseStrtod(ReadOnlySpan<byte> input, out double value)
    {
        value = 0;
        var s = CStringPart(input);
        if (s.IsEmpty) return true;
        int i = 0;
        while (i < s.Length && IsSpaceByte(s[i])) i++;
        int signAt = i;
        bool negative = false;
        if (i < s.Length && (s[i] == '+' || s[i] == '-'))
        {
            negative = s[i] == '-';
            i++;
        }
        var rest = s.Slice(i);
        if (StartsWithIgnoreCase(rest, "inf"u8))
        {
            int n = StartsWithIgnoreCase(rest, "infinity"u8) ? 8 : 3;
            if (i + n != s.Length) return false;
            value = negative ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }
        if (StartsWithIgnoreCase(rest, "nan"u8)) return false;
        if (rest.Length >= 2 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X'))
        {
            int consumedHex = ParseHexFloat(rest.Slice(2), out double hex);
            if (consumedHex > 0)
            {
                if (i + 2 + consumedHex != s.Length) return false;
                value = negative ? -hex : hex;
                return IsInRange(value, hex != 0);
            }
            // "0x" without hex digits: strtod reads just the "0" and stops at the 'x'.
            return false;
        }
        int p = i;
        int digits = 0;
        bool nonZeroDigit = false;
        while (p < s.Length && char.IsAsciiDigit((char)s[p]))
        {
            nonZeroDigit |= s[p] != '0';
            p++;
            digits++;
        }
        if (p < s.Length && s[p] == '.')
        {
            p++;
            while (p < s.Length && char.IsAsciiDigit((char)s[p]))
            {
                nonZeroDigit |= s[p] != '0';
                p++;
                digits++;
            }
        }
        if (digits == 0) return false;
        if (p < s.Length && (s[p] == 'e' || s[p] == 'E'))
        {
            int q = p + 1;
            if (q < s.Length && (s[q] == '+' || s[q] == '-')) q++;
            int expStart = q;
            while (q < s.Length && char.IsAsciiDigit((char)s[q])) q++;
            if (q > expStart) p = q;
        }
        if (p != s.Length) return false;
        Span<char> chars = s.Length - signAt <= 256 ? stackalloc char[s.Length - signAt] : new char[s.Length - signAt];
        for (int k = signAt; k < s.Length; k++) chars[k - signAt] = (char)s[k];
        if (!double.TryParse(chars, NumberStyles.Float, CultureInfo.InvariantCulture, out value)) return false;
        return IsInRange(value, nonZeroDigit);
    }

    /// <summary>strtod's ERANGE: an infinite result from finite digits, or a zero/denormal result from non-zero digits.</summary>
    private static bool IsInRange(double value, bool nonZeroDigits)
    {
        if (double.IsInfinity(value)) return false;
        double magnitude = Math.Abs(value);
        if (magnitude != 0 && magnitude < SmallestNormalDouble) return false;
        return !(magnitude == 0 && nonZeroDigits);
    }

    /// <summary>DBL_MIN: results below it (denormals) make glibc's strtod report ERANGE.</summary>
    private const double SmallestNormalDouble = 2.2250738585072014E-308;

    private static bool StartsWithIgnoreCase(ReadOnlySpan<byte> s, ReadOnlySpan<byte> lower)
    {
        if (s.Length < lower.Length) return false;
        for (int i = 0; i < lower.Length; i++)
            if ((s[i] | 0x20) != lower[i]) return false;
        return true;
    }

    /// <summary>Parses hex digits with an optional fraction and binary exponent; returns the bytes consumed (0: no digits).</summary>
    private static int ParseHexFloat(ReadOnlySpan<byte> s, out double value)
    {
        value = 0;
        int p = 0;
        int digits = 0;
        double mantissa = 0;
        int scale = 0;
        while (p < s.Length && char.IsAsciiHexDigit((char)s[p]))
        {
            mantissa = mantissa * 16 + HexValue(s[p]);
            p++;
            digits++;
        }
        if (p < s.Length && s[p] == '.')
        {
            int q = p + 1;
            int fractionDigits = 0;
            while (q < s.Length && char.IsAsciiHexDigit((char)s[q]))
            {
                mantissa = mantissa * 16 + HexValue(s[q]);
                scale -= 4;
                q++;
                fractionDigits++;
            }
            if (digits + fractionDigits > 0)
            {
                p = q;
                digits += fractionDigits;
            }
        }
        if (digits == 0) return 0;
        if (p < s.Length && (s[p] == 'p' || s[p] == 'P'))
        {
            int q = p + 1;
            bool negativeExponent = false;
            if (q < s.Length && (s[q] == '+' || s[q] == '-'))
            {
                negativeExponent = s[q] == '-';
                q++;
            }
            int expStart = q;
            int exponent = 0;
            while (q < s.Length && char.IsAsciiDigit((char)s[q]))
            {
                if (exponent < 100000) exponent = exponent * 10 + (s[q] - '0');
                q++;
            }
            if (q > expStart)
            {
                scale += negativeExponent ? -exponent : exponent;
                p = q;
            }
        }
        value = Math.ScaleB(mantissa, scale);
        return p;
    }

    private static int HexValue(byte c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
