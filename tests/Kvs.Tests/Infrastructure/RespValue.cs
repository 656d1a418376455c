using System.Text;

namespace Kvs.Tests.Infrastructure;

/// <summary>A parsed reply, for assertions. <see cref="Type"/> is the RESP type character.</summary>
public sealed class RespValue
{
    public char Type { get; init; }
    public byte[]? Bytes { get; init; }
    public long Integer { get; init; }
    public List<RespValue>? Items { get; init; }

    public bool IsNull => Type == '_' || (Type is '$' or '*' && Bytes == null && Items == null);
    public bool IsError => Type == '-';
    public string? Text => Bytes == null ? null : Encoding.UTF8.GetString(Bytes);

    public RespValue this[int index] => Items![index];
    public int Count => Items?.Count ?? 0;

    public static RespValue Parse(byte[] raw)
    {
        int pos = 0;
        return Parse(raw, ref pos);
    }

    private static RespValue Parse(byte[] raw, ref int pos)
    {
        int start = pos;
        while (raw[pos] != '\r' || raw[pos + 1] != '\n') pos++;
        char type = (char)raw[start];
        string rest = Encoding.UTF8.GetString(raw, start + 1, pos - start - 1);
        pos += 2;
        switch (type)
        {
            case '+': case '-': case ',': case '(':
                return new RespValue { Type = type, Bytes = Encoding.UTF8.GetBytes(rest) };
            case '#':
                return new RespValue { Type = type, Integer = rest == "t" ? 1 : 0 };
            case ':':
                return new RespValue { Type = type, Integer = long.Parse(rest) };
            case '_':
                return new RespValue { Type = type };
            case '$': case '=': case '!':
                int n = int.Parse(rest);
                if (n < 0) return new RespValue { Type = type };
                var bytes = raw.AsSpan(pos, n).ToArray();
                pos += n + 2;
                return new RespValue { Type = type, Bytes = bytes };
            default:
                int count = int.Parse(rest);
                if (count < 0) return new RespValue { Type = type };
                if (type is '%' or '|') count *= 2;
                var items = new List<RespValue>(count);
                for (int i = 0; i < count; i++) items.Add(Parse(raw, ref pos));
                return new RespValue { Type = type, Items = items };
        }
    }

    public override string ToString() => Type switch
    {
        ':' or '#' => Integer.ToString(),
        '_' => "(nil)",
        _ when Items != null => "[" + string.Join(", ", Items) + "]",
        _ when Bytes == null => "(nil)",
        _ => Text!,
    };
}
