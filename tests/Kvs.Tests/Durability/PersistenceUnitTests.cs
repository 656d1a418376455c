using System.Text;
using Kvs.Core.Persistence;
using Kvs.Core.Storage;
using Xunit;

namespace Kvs.Tests.Durability;

/// <summary>The building blocks of the file formats: checksum, encoding, framing, torn/corrupt classification, encryption.</summary>
public sealed class PersistenceUnitTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Crc32C_MatchesTheStandardCheckValue()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
        Assert.Equal(0u, Crc32C.Compute(ReadOnlySpan<byte>.Empty));
        var data = Encoding.ASCII.GetBytes("The quick brown fox jumps over the lazy dog, twice over.");
        Assert.Equal(Crc32C.Compute(data), Crc32C.Append(Crc32C.Compute(data.AsSpan(0, 13)), data.AsSpan(13)));
    }

    [Fact]
    public void RecordBuffer_RoundTripsVarintsStringsAndBytes()
    {
        var b = new RecordBuffer(16);
        long[] numbers = { 0, 1, 127, 128, 300, 1L << 35, long.MaxValue, -1 };
        foreach (var n in numbers) b.WriteVarint(n);
        b.WriteString(null);
        b.WriteString("");
        b.WriteString("héllo");
        b.WriteString(new string('x', 300));
        b.WriteBytes(new byte[] { 0, 1, 2 });
        b.WriteInt64(-5);
        var r = new RecordReader(b.WrittenSpan);
        foreach (var n in numbers) Assert.Equal(n, r.ReadVarintLong());
        Assert.Null(r.ReadString());
        Assert.Equal("", r.ReadString());
        Assert.Equal("héllo", r.ReadString());
        Assert.Equal(300, r.ReadString()!.Length);
        Assert.Equal(new byte[] { 0, 1, 2 }, r.ReadBytes().ToArray());
        Assert.Equal(-5, r.ReadInt64());
        Assert.True(r.AtEnd);
        Assert.Throws<FormatException>(() => new RecordReader(new byte[] { 5, 1 }).ReadBytes().ToArray());
    }

    private string WriteLog(int records, EncryptionKey? key, out long[] offsets)
    {
        string path = Path.Combine(_dir.Path, Guid.NewGuid().ToString("N") + ".incr.kvs");
        using var w = DataFileWriter.Create(path, DataFileKind.Log, 0, key);
        var b = new RecordBuffer();
        offsets = new long[records];
        for (int i = 0; i < records; i++)
        {
            offsets[i] = DataFileHeader.Size + b.Length;
            int start = Frames.Begin(b);
            b.WriteByte(LogRecords.Skip);
            b.WriteString($"record {i}");
            Frames.End(b, start, w.TagSize);
        }
        w.SealFrames(b.Data, 0, b.Length);
        w.Write(b.WrittenSpan);
        w.Sync();
        return path;
    }

    private static List<string> ReadAll(string path, EncryptionKey? key, out RecordStatus last, out long at)
    {
        var list = new List<string>();
        using var r = DataFileReader.Open(path, key);
        while ((last = r.Next(out var body)) == RecordStatus.Record)
        {
            var rr = new RecordReader(body);
            rr.ReadByte();
            list.Add(rr.ReadString()!);
        }
        at = r.RecordOffset;
        return list;
    }

    [Fact]
    public void Reader_TellsATornTailFromCorruptionInTheMiddle()
    {
        string path = WriteLog(10, null, out var offsets);
        Assert.Equal(10, ReadAll(path, null, out var status, out _).Count);
        Assert.Equal(RecordStatus.End, status);

        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length - 2).ToArray());
        Assert.Equal(9, ReadAll(path, null, out status, out long at).Count);
        Assert.Equal(RecordStatus.Torn, status);
        Assert.Equal(offsets[9], at);

        // A garbled last record is torn too; zero fill after the last record as well.
        var garbled = (byte[])bytes.Clone();
        garbled[^1] ^= 1;
        File.WriteAllBytes(path, garbled);
        Assert.Equal(9, ReadAll(path, null, out status, out _).Count);
        Assert.Equal(RecordStatus.Torn, status);
        File.WriteAllBytes(path, bytes.Concat(new byte[4096]).ToArray());
        Assert.Equal(10, ReadAll(path, null, out status, out _).Count);
        Assert.Equal(RecordStatus.Torn, status);

        var middle = (byte[])bytes.Clone();
        middle[offsets[4] + 10] ^= 0x40;
        File.WriteAllBytes(path, middle);
        Assert.Equal(4, ReadAll(path, null, out status, out at).Count);
        Assert.Equal(RecordStatus.Corrupt, status);
        Assert.Equal(offsets[4], at);
    }

    [Fact]
    public void EncryptedRecords_NeedTheRightKey()
    {
        var key = EncryptionKey.FromBytes(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
        string path = WriteLog(5, key, out _);
        Assert.DoesNotContain("record 3", Encoding.Latin1.GetString(File.ReadAllBytes(path)));
        Assert.Equal(new[] { "record 0", "record 1", "record 2", "record 3", "record 4" }, ReadAll(path, key, out _, out _));
        var wrong = EncryptionKey.FromBytes(new byte[32]);
        Assert.Contains("Wrong encryption key", Assert.Throws<PersistenceException>(() => ReadAll(path, wrong, out _, out _)).Message);
        Assert.Contains("is encrypted", Assert.Throws<PersistenceException>(() => ReadAll(path, null, out _, out _)).Message);

        // Swapping two records (same length) is caught: each record's nonce is its position.
        string other = WriteLog(2, key, out var offsets);
        var bytes = File.ReadAllBytes(other);
        int size = (int)(offsets[1] - offsets[0]);
        var swapped = (byte[])bytes.Clone();
        Array.Copy(bytes, offsets[1], swapped, offsets[0], size);
        Array.Copy(bytes, offsets[0], swapped, offsets[1], size);
        File.WriteAllBytes(other, swapped);
        Assert.Empty(ReadAll(other, key, out var status, out _));
        Assert.Equal(RecordStatus.Corrupt, status);
    }

    [Fact]
    public void Manifest_RoundTripsAndRejectsGarbage()
    {
        var m = new AofManifest { Base = new AofManifest.Item("appendonly.aof.3.base.kvs", 3) };
        m.Increments.Add(new AofManifest.Item("appendonly.aof.3.incr.kvs", 3));
        m.Increments.Add(new AofManifest.Item("appendonly.aof.4.incr.kvs", 4));
        m.Save(_dir.Path, "appendonly.aof.manifest");
        var back = AofManifest.Load(Path.Combine(_dir.Path, "appendonly.aof.manifest"));
        Assert.Equal(m.FileNames(), back.FileNames());
        Assert.Equal(5, back.NextSeq);
        Assert.False(File.Exists(Path.Combine(_dir.Path, "temp-appendonly.aof.manifest")));
        File.WriteAllText(Path.Combine(_dir.Path, "bad.manifest"), "file ../x seq 1 type i\n");
        Assert.Throws<PersistenceException>(() => AofManifest.Load(Path.Combine(_dir.Path, "bad.manifest")));
    }

    [Fact]
    public void SnapshotMark_DoesNotGrowTheEntry()
    {
        // The copy-on-write mark lives in padding: 102 bytes of fields were already padded to 104,
        // so an entry object stays at 104 + 16 bytes of header.
        var key = new byte[8];
        var value = new byte[8];
        var keep = new KvsEntry[1000];
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < keep.Length; i++) keep[i] = new KvsEntry(key, 0, value, KvsType.String, "set");
        long perEntry = (GC.GetAllocatedBytesForCurrentThread() - before) / keep.Length;
        Assert.True(perEntry <= 120, $"{perEntry} bytes per entry");
    }
}
