namespace Kvs.Core.Storage;

/// <summary>
/// Glob-style matching with the exact rules of Redis's <c>stringmatchlen</c> (KEYS, SCAN MATCH,
/// and later PSUBSCRIBE, CONFIG GET, HSCAN...): <c>*</c> any run of bytes, <c>?</c> one byte,
/// <c>[abc]</c>, <c>[^abc]</c>, <c>[a-z]</c> (reversed ranges allowed), <c>\x</c> a literal byte.
/// Binary safe and byte-wise; case-sensitive unless asked otherwise (ASCII folding only).
/// <para>
/// Redis reads one byte past the end of the pattern in a few places (its strings end with a NUL
/// terminator); <see cref="At"/> returns 0 there so malformed patterns such as <c>"["</c>,
/// <c>"[^"</c> or <c>"a\"</c> behave the same. Range bounds compare as signed chars, as they do on
/// x86 builds of Redis. Complexity is bounded the way Redis bounds it: a <c>*</c> whose remainder
/// failed to match anywhere in the rest of the text stops every outer <c>*</c> from retrying
/// (which makes the match polynomial), and <c>*</c> recursion deeper than 1000 fails the match.
/// </para>
/// </summary>
public static class GlobMatcher
{
    /// <summary>Redis's protection against abusive patterns: deeper <c>*</c> nesting is "no match".</summary>
    private const int MaxNesting = 1000;

    /// <summary>True when <paramref name="text"/> matches <paramref name="pattern"/> under Redis's glob rules.</summary>
    public static bool IsMatch(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text, bool ignoreCase = false)
    {
        bool skipLongerMatches = false;
        return Match(pattern, 0, text, 0, ignoreCase, ref skipLongerMatches, 0);
    }

    /// <summary>Glob over text (config option and command names), matched on its UTF-8 bytes.</summary>
    public static bool IsMatch(string pattern, string text, bool ignoreCase = false) =>
        IsMatch(System.Text.Encoding.UTF8.GetBytes(pattern), System.Text.Encoding.UTF8.GetBytes(text), ignoreCase);

    /// <summary>The pattern byte at <paramref name="index"/>, or 0 past the end (C's terminator).</summary>
    private static byte At(ReadOnlySpan<byte> pattern, int index) => index < pattern.Length ? pattern[index] : (byte)0;

    private static int Lower(int c) => (uint)(c - 'A') <= 'Z' - 'A' ? c + 32 : c;

    /// <summary>
    /// Matches <c>pattern[p..]</c> against <c>text[t..]</c>. The remaining lengths are always
    /// <c>pattern.Length - p</c> and <c>text.Length - t</c>, which is what Redis's patternLen and
    /// stringLen track alongside its pointers.
    /// </summary>
    private static bool Match(ReadOnlySpan<byte> pattern, int p, ReadOnlySpan<byte> text, int t, bool ignoreCase, ref bool skipLongerMatches, int nesting)
    {
        if (nesting > MaxNesting) return false;
        while (p < pattern.Length && t < text.Length)
        {
            switch (pattern[p])
            {
                case (byte)'*':
                    while (p < pattern.Length && At(pattern, p + 1) == '*') p++;
                    if (pattern.Length - p == 1) return true;
                    while (t < text.Length)
                    {
                        if (Match(pattern, p + 1, text, t, ignoreCase, ref skipLongerMatches, nesting + 1)) return true;
                        if (skipLongerMatches) return false;
                        t++;
                    }
                    // The rest of the pattern matches nowhere in the rest of the text, so no earlier
                    // '*' can help by consuming more: tell them all to give up.
                    skipLongerMatches = true;
                    return false;

                case (byte)'?':
                    t++;
                    break;

                case (byte)'[':
                {
                    p++;
                    bool negate = At(pattern, p) == '^';
                    if (negate) p++;
                    bool matched = false;
                    int c = text[t];
                    while (true)
                    {
                        if (At(pattern, p) == '\\' && pattern.Length - p >= 2)
                        {
                            p++;
                            if (pattern[p] == c) matched = true;
                        }
                        else if (At(pattern, p) == ']')
                        {
                            break;
                        }
                        else if (p == pattern.Length)
                        {
                            // Unterminated class: step back so the common advance below ends the pattern.
                            p--;
                            break;
                        }
                        else if (pattern.Length - p >= 3 && pattern[p + 1] == '-')
                        {
                            int start = (sbyte)pattern[p];
                            int end = (sbyte)pattern[p + 2];
                            int ch = (sbyte)text[t];
                            if (start > end) (start, end) = (end, start);
                            if (ignoreCase)
                            {
                                start = Lower(start);
                                end = Lower(end);
                                ch = Lower(ch);
                            }
                            p += 2;
                            if (ch >= start && ch <= end) matched = true;
                        }
                        else if (ignoreCase ? Lower(pattern[p]) == Lower(c) : pattern[p] == c)
                        {
                            matched = true;
                        }
                        p++;
                    }
                    if (negate) matched = !matched;
                    if (!matched) return false;
                    t++;
                    break;
                }

                case (byte)'\\':
                    if (pattern.Length - p >= 2) p++;
                    if (!SameByte(pattern[p], text[t], ignoreCase)) return false;
                    t++;
                    break;

                default:
                    if (!SameByte(pattern[p], text[t], ignoreCase)) return false;
                    t++;
                    break;
            }
            p++;
            if (t == text.Length)
            {
                while (At(pattern, p) == '*') p++;
                break;
            }
        }
        return p == pattern.Length && t == text.Length;
    }

    private static bool SameByte(byte a, byte b, bool ignoreCase) => ignoreCase ? Lower(a) == Lower(b) : a == b;
}
