using System.Globalization;
using System.Text;

namespace Kvs.Core.Persistence;

/// <summary>
/// The AOF manifest (Redis 7's multi-part AOF idea): a small text file in the AOF directory that
/// names the base file (a snapshot) and the increment files (logs) to replay after it, in order:
/// <code>
/// file appendonly.aof.3.base.kvs seq 3 type b
/// file appendonly.aof.3.incr.kvs seq 3 type i
/// </code>
/// It is only ever replaced atomically — written to a temporary file, fsynced, renamed over the
/// old one, and the directory fsynced — so a crash leaves either the old or the new manifest.
/// </summary>
public sealed class AofManifest
{
    public readonly record struct Item(string FileName, long Seq);

    public Item? Base { get; set; }
    public List<Item> Increments { get; } = new();

    public long NextSeq
    {
        get
        {
            long max = Base?.Seq ?? 0;
            foreach (var i in Increments) max = Math.Max(max, i.Seq);
            return max + 1;
        }
    }

    public static string BaseName(string prefix, long seq) => $"{prefix}.{seq}.base.kvs";
    public static string IncrementName(string prefix, long seq) => $"{prefix}.{seq}.incr.kvs";
    public static string ManifestName(string prefix) => prefix + ".manifest";

    public IEnumerable<string> FileNames()
    {
        if (Base is { } b) yield return b.FileName;
        foreach (var i in Increments) yield return i.FileName;
    }

    public AofManifest Clone()
    {
        var copy = new AofManifest { Base = Base };
        copy.Increments.AddRange(Increments);
        return copy;
    }

    /// <summary>Reads a manifest; throws <see cref="PersistenceException"/> naming the line that is wrong.</summary>
    public static AofManifest Load(string path)
    {
        var manifest = new AofManifest();
        int lineNo = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            string? name = null, type = null;
            long seq = -1;
            for (int i = 0; i + 1 < parts.Length; i += 2)
            {
                switch (parts[i])
                {
                    case "file": name = parts[i + 1]; break;
                    case "seq": long.TryParse(parts[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out seq); break;
                    case "type": type = parts[i + 1]; break;
                }
            }
            if (parts.Length % 2 != 0 || name == null || seq < 0 || type is not ("b" or "i") || name.Contains('/'))
                throw new PersistenceException($"Invalid AOF manifest '{path}', line {lineNo}: '{line}'");
            if (type == "b")
            {
                if (manifest.Base != null) throw new PersistenceException($"Invalid AOF manifest '{path}': more than one base file");
                manifest.Base = new Item(name, seq);
            }
            else manifest.Increments.Add(new Item(name, seq));
        }
        return manifest;
    }

    /// <summary>Replaces the manifest atomically (temp file, fsync, rename, fsync of the directory).</summary>
    public void Save(string directory, string manifestName)
    {
        var sb = new StringBuilder();
        if (Base is { } b) sb.Append("file ").Append(b.FileName).Append(" seq ").Append(b.Seq.ToString(CultureInfo.InvariantCulture)).Append(" type b\n");
        foreach (var i in Increments)
            sb.Append("file ").Append(i.FileName).Append(" seq ").Append(i.Seq.ToString(CultureInfo.InvariantCulture)).Append(" type i\n");
        string temp = Path.Combine(directory, "temp-" + manifestName);
        string final = Path.Combine(directory, manifestName);
        using (var handle = File.OpenHandle(temp, FileMode.Create, FileAccess.Write))
        {
            RandomAccess.Write(handle, Encoding.UTF8.GetBytes(sb.ToString()), 0);
            NativeIo.SyncData(handle);
        }
        File.Move(temp, final, overwrite: true);
        NativeIo.SyncDirectory(directory);
    }
}
