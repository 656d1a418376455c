using System.Runtime.CompilerServices;

namespace Kvs.Resp.Protocol;

/// <summary>Offset and length of one argument, relative to the start of its command's bytes.</summary>
public struct ArgRange
{
    public int Offset;
    public int Length;
}

/// <summary>
/// The arguments of one command as slices of the bytes they arrived in (the network buffer, or
/// the session's own buffer for split and inline commands). Index 0 is the command name. Valid
/// only while the command executes: handlers copy what they keep.
/// </summary>
public readonly ref struct RespArgs
{
    private readonly ReadOnlySpan<byte> _source;
    private readonly ReadOnlySpan<ArgRange> _ranges;

    public RespArgs(ReadOnlySpan<byte> source, ReadOnlySpan<ArgRange> ranges)
    {
        _source = source;
        _ranges = ranges;
    }

    /// <summary>Number of arguments including the command name.</summary>
    public int Count => _ranges.Length;

    public ReadOnlySpan<byte> this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            ref readonly var r = ref _ranges[index];
            return _source.Slice(r.Offset, r.Length);
        }
    }

    public byte[] ToArray(int index) => this[index].ToArray();

    public string ToUtf8String(int index) => System.Text.Encoding.UTF8.GetString(this[index]);

    /// <summary>Arguments from <paramref name="start"/> on, as a new view (subcommands, MULTI queueing).</summary>
    public RespArgs Slice(int start) => new(_source, _ranges.Slice(start));

    /// <summary>ASCII case-insensitive comparison with an upper-case literal, for option names.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Is(int index, ReadOnlySpan<byte> upperLiteral) => Ascii.EqualsIgnoreCase(this[index], upperLiteral);
}

internal static class Ascii
{
    public static bool EqualsIgnoreCase(ReadOnlySpan<byte> value, ReadOnlySpan<byte> upper)
    {
        if (value.Length != upper.Length) return false;
        for (int i = 0; i < value.Length; i++)
        {
            int c = value[i];
            if ((uint)(c - 'a') <= 'z' - 'a') c -= 32;
            if (c != upper[i]) return false;
        }
        return true;
    }
}
