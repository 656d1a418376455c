using Kvs.Core.Storage;

namespace Kvs.Core.Persistence;

/// <summary>
/// How each value type is written into snapshots and AOF base files. Strings are built in; every
/// collection type registers its pair at start-up (a <c>[ModuleInitializer]</c> next to its
/// cloner and hash encoder), writing its elements with <see cref="RecordBuffer"/> in any order it
/// can read back. A snapshot of a type without a codec fails with a message naming the type.
/// </summary>
public static class ValueCodecs
{
    public delegate void Writer(object value, RecordBuffer output);
    public delegate object Reader(ref RecordReader input);

    private static readonly Writer?[] Writers = new Writer?[256];
    private static readonly Reader?[] Readers = new Reader?[256];

    static ValueCodecs()
    {
        Register(KvsType.String, (v, o) => o.WriteBytes((byte[])v), (ref RecordReader r) => r.ReadBytes().ToArray());
    }

    public static void Register(KvsType type, Writer writer, Reader reader)
    {
        Writers[(int)type] = writer;
        Readers[(int)type] = reader;
    }

    public static bool IsRegistered(KvsType type) => Writers[(int)type] != null;

    public static void Write(KvsType type, object value, RecordBuffer output)
    {
        var writer = Writers[(int)type] ?? throw new PersistenceException($"No snapshot codec is registered for values of type {type}");
        writer(value, output);
    }

    public static object Read(KvsType type, ref RecordReader input)
    {
        var reader = Readers[(int)type] ?? throw new FormatException($"no snapshot codec is registered for values of type {type}");
        return reader(ref input);
    }
}
