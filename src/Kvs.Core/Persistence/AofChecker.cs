namespace Kvs.Core.Persistence;

/// <summary>
/// <c>kvs-server check-aof [--fix] &lt;file&gt;</c>, Kvs's redis-check-aof: verifies every record's
/// checksum in an increment file, a base/snapshot file, or every file a manifest names, and with
/// <c>--fix</c> truncates a damaged increment file to its last good record (only the last file
/// of a manifest may be truncated, as replay requires). Encrypted files are checked without their
/// key: the checksums cover the ciphertext. Exit code 0 when everything is (now) valid, 1 otherwise.
/// </summary>
public static class AofChecker
{
    public static int Run(IReadOnlyList<string> args, TextWriter output)
    {
        bool fix = false;
        string? path = null;
        foreach (var a in args)
        {
            if (a == "--fix") fix = true;
            else if (path == null && !a.StartsWith("--", StringComparison.Ordinal)) path = a;
            else
            {
                output.WriteLine("Usage: kvs-server check-aof [--fix] <file.manifest|file.incr.kvs|file.base.kvs>");
                return 1;
            }
        }
        if (path == null)
        {
            output.WriteLine("Usage: kvs-server check-aof [--fix] <file.manifest|file.incr.kvs|file.base.kvs>");
            return 1;
        }
        if (!File.Exists(path))
        {
            output.WriteLine($"Cannot open file '{path}': No such file or directory");
            return 1;
        }
        try
        {
            if (path.EndsWith(".manifest", StringComparison.Ordinal))
            {
                var manifest = AofManifest.Load(path);
                string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
                var names = manifest.FileNames().ToList();
                bool allValid = true;
                for (int i = 0; i < names.Count; i++)
                    allValid &= Check(Path.Combine(dir, names[i]), fix, canTruncate: i == names.Count - 1, output);
                output.WriteLine(allValid ? "All AOF files and manifest are valid" : "Some AOF files are not valid");
                return allValid ? 0 : 1;
            }
            return Check(path, fix, canTruncate: true, output) ? 0 : 1;
        }
        catch (PersistenceException ex)
        {
            output.WriteLine(ex.Message);
            return 1;
        }
    }

    private static bool Check(string path, bool fix, bool canTruncate, TextWriter output)
    {
        long records = 0, goodEnd, size;
        RecordStatus status;
        string problem;
        long badOffset;
        DataFileKind kind;
        bool sawEnd = false;
        using (var reader = DataFileReader.Open(path, key: null, verifyOnly: true))
        {
            kind = reader.Header.Kind;
            while (true)
            {
                status = reader.Next(out var body);
                if (status != RecordStatus.Record) break;
                records++;
                if (kind == DataFileKind.Snapshot && !reader.Header.Encrypted) sawEnd = body.Length > 0 && body[0] == EntryCodec.EndRecord;
            }
            goodEnd = reader.NextOffset;
            size = reader.FileLength;
            problem = reader.Problem;
            badOffset = reader.RecordOffset;
        }
        if (status == RecordStatus.End)
        {
            if (kind == DataFileKind.Snapshot && !sawEnd && goodEnd > DataFileHeader.Size && !IsEncrypted(path))
            {
                output.WriteLine($"Snapshot '{path}' is not valid: it ends before its end marker (incomplete)");
                return false;
            }
            output.WriteLine($"AOF '{path}' is valid ({records} records, {size} bytes)");
            return true;
        }
        output.WriteLine($"AOF analyzed: filename={path}, size={size}, ok_up_to={goodEnd}, ok_up_to_record={records}, diff={size - goodEnd}");
        output.WriteLine($"{(status == RecordStatus.Torn ? "Truncated" : "Bad")} record at offset {badOffset}: {problem}");
        if (kind == DataFileKind.Snapshot)
        {
            output.WriteLine($"'{path}' is a base/snapshot file: it can't be repaired by truncation");
            return false;
        }
        if (!fix)
        {
            output.WriteLine($"AOF '{path}' is not valid. Use the --fix option to try fixing it.");
            return false;
        }
        if (!canTruncate)
        {
            output.WriteLine($"AOF '{path}' is not the last file of its manifest: it can't be truncated without losing the files after it");
            return false;
        }
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            fs.SetLength(goodEnd);
            fs.Flush(flushToDisk: true);
        }
        output.WriteLine($"This shrank the AOF from {size} bytes to {goodEnd} bytes ({size - goodEnd} bytes removed)");
        output.WriteLine($"Successfully truncated AOF '{path}'");
        return true;
    }

    private static bool IsEncrypted(string path)
    {
        using var reader = DataFileReader.Open(path, key: null, verifyOnly: true);
        return reader.Header.Encrypted;
    }
}
