using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Kvs.Core.Persistence;

/// <summary>What a data file holds: log records (an AOF increment) or a key image (snapshot / AOF base).</summary>
public enum DataFileKind : byte
{
    Log = 1,
    Snapshot = 2,
}

/// <summary>
/// The 64-byte header of every data file (little endian):
/// <code>
///  0  8  magic "KVSDATA\n"
///  8  1  kind (1 = log increment, 2 = snapshot)
///  9  1  format version (1)
/// 10  1  flags (bit 0: records are AES-256-GCM encrypted)
/// 11  1  reserved (0)
/// 12  8  revision (snapshot: the revision T it is an image of; log: the revision when it was opened)
/// 20  8  creation time, unix ms
/// 28 16  salt (encrypted files; zero otherwise)
/// 44 16  key check value (encrypted files; zero otherwise)
/// 60  4  CRC-32C of bytes 0..59
/// </code>
/// </summary>
public sealed class DataFileHeader
{
    public const int Size = 64;
    public const byte CurrentVersion = 1;
    private static ReadOnlySpan<byte> Magic => "KVSDATA\n"u8;

    public DataFileKind Kind;
    public byte Version = CurrentVersion;
    public bool Encrypted;
    public long Revision;
    public long CreatedAt;
    public byte[] Salt = new byte[EncryptionKey.SaltSize];
    public byte[] Check = new byte[EncryptionKey.CheckSize];

    public void WriteTo(Span<byte> dest)
    {
        dest[..Size].Clear();
        Magic.CopyTo(dest);
        dest[8] = (byte)Kind;
        dest[9] = Version;
        dest[10] = (byte)(Encrypted ? 1 : 0);
        BinaryPrimitives.WriteInt64LittleEndian(dest[12..], Revision);
        BinaryPrimitives.WriteInt64LittleEndian(dest[20..], CreatedAt);
        Salt.CopyTo(dest[28..]);
        Check.CopyTo(dest[44..]);
        BinaryPrimitives.WriteUInt32LittleEndian(dest[60..], Crc32C.Compute(dest[..60]));
    }

    /// <summary>Parses a header; returns an error text (no magic, bad checksum, unknown version) or null.</summary>
    public static string? TryParse(ReadOnlySpan<byte> src, out DataFileHeader header)
    {
        header = new DataFileHeader();
        if (src.Length < Size) return "file is shorter than its header";
        if (!src[..8].SequenceEqual(Magic)) return "not a Kvs data file (bad magic)";
        if (BinaryPrimitives.ReadUInt32LittleEndian(src[60..]) != Crc32C.Compute(src[..60])) return "header checksum mismatch";
        header.Kind = (DataFileKind)src[8];
        header.Version = src[9];
        if (header.Version != CurrentVersion) return $"unsupported format version {header.Version}";
        if (header.Kind is not (DataFileKind.Log or DataFileKind.Snapshot)) return $"unknown file kind {src[8]}";
        header.Encrypted = (src[10] & 1) != 0;
        header.Revision = BinaryPrimitives.ReadInt64LittleEndian(src[12..]);
        header.CreatedAt = BinaryPrimitives.ReadInt64LittleEndian(src[20..]);
        header.Salt = src.Slice(28, EncryptionKey.SaltSize).ToArray();
        header.Check = src.Slice(44, EncryptionKey.CheckSize).ToArray();
        return null;
    }
}

/// <summary>
/// Record framing, shared by log and snapshot files: <c>u32 length ‖ u32 crc ‖ payload</c>, where
/// the payload is the record body (plus a 16-byte GCM tag, the body then being ciphertext) and the
/// CRC-32C covers the length field and the payload. Records are built in memory with a zero CRC
/// (<see cref="Begin"/>/<see cref="End"/>, cheap, under the store lock) and sealed — encrypted and
/// checksummed in place — by the thread that writes them (<see cref="DataFileWriter.SealFrames"/>).
/// </summary>
public static class Frames
{
    public const int HeaderSize = 8;
    /// <summary>No record is larger (proto-max-bulk-len is 512 MB): anything bigger is a corrupt length.</summary>
    public const int MaxPayload = 1 << 30;

    /// <summary>Starts a frame; returns its start offset in the buffer.</summary>
    public static int Begin(RecordBuffer buffer)
    {
        int start = buffer.Length;
        buffer.Reserve(HeaderSize);
        return start;
    }

    /// <summary>Closes a frame: reserves the tag (<paramref name="tagSize"/> 0 or 16) and fills in the length.</summary>
    public static void End(RecordBuffer buffer, int start, int tagSize)
    {
        if (tagSize > 0) buffer.Reserve(tagSize);
        int payload = buffer.Length - start - HeaderSize;
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.Data.AsSpan(start), (uint)payload);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.Data.AsSpan(start + 4), 0);
    }

    /// <summary>The body of the frame at <paramref name="start"/> (in memory, before sealing).</summary>
    public static Span<byte> Body(RecordBuffer buffer, int start, int tagSize)
    {
        int payload = (int)BinaryPrimitives.ReadUInt32LittleEndian(buffer.Data.AsSpan(start));
        return buffer.Data.AsSpan(start + HeaderSize, payload - tagSize);
    }
}

/// <summary>
/// Writes one data file: header on creation, then sealed frames appended with positional writes
/// (pwrite at a tracked offset, so a failed write can be retried at the same place without
/// duplicating bytes), <c>fdatasync</c> on request.
/// </summary>
public sealed class DataFileWriter : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly FileCipher? _cipher;
    private ulong _recordIndex;

    private DataFileWriter(string path, SafeFileHandle handle, FileCipher? cipher, long length)
    {
        Path = path;
        _handle = handle;
        _cipher = cipher;
        Length = length;
    }

    public string Path { get; }
    public string Name => System.IO.Path.GetFileName(Path);
    /// <summary>Bytes on disk (what was written successfully).</summary>
    public long Length { get; private set; }
    public int TagSize => _cipher != null ? EncryptionKey.TagSize : 0;
    public bool Encrypted => _cipher != null;
    public bool Disposed { get; private set; }

    /// <summary>Creates (or truncates) a file and writes its header (not yet synced).</summary>
    public static DataFileWriter Create(string path, DataFileKind kind, long revision, EncryptionKey? key)
    {
        var header = new DataFileHeader
        {
            Kind = kind,
            Revision = revision,
            CreatedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        };
        FileCipher? cipher = null;
        if (key != null)
        {
            cipher = key.CreateForNewFile(out var salt, out var check);
            header.Encrypted = true;
            header.Salt = salt;
            header.Check = check;
        }
        var handle = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
        try
        {
            Span<byte> bytes = stackalloc byte[DataFileHeader.Size];
            header.WriteTo(bytes);
            RandomAccess.Write(handle, bytes, 0);
        }
        catch
        {
            handle.Dispose();
            cipher?.Dispose();
            throw;
        }
        return new DataFileWriter(path, handle, cipher, DataFileHeader.Size);
    }

    /// <summary>Encrypts (when keyed) and checksums every frame in <paramref name="data"/>, in place.</summary>
    public void SealFrames(byte[] data, int offset, int length)
    {
        int end = offset + length;
        int o = offset;
        while (o < end)
        {
            int payload = (int)BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(o));
            var lengthField = data.AsSpan(o, 4);
            if (_cipher != null)
            {
                int body = payload - EncryptionKey.TagSize;
                _cipher.Seal(_recordIndex, data.AsSpan(o + Frames.HeaderSize, body), data.AsSpan(o + Frames.HeaderSize + body, EncryptionKey.TagSize), lengthField);
            }
            _recordIndex++;
            uint crc = Crc32C.Append(Crc32C.Compute(lengthField), data.AsSpan(o + Frames.HeaderSize, payload));
            BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(o + 4), crc);
            o += Frames.HeaderSize + payload;
        }
    }

    /// <summary>Appends bytes at the end of what was written; on failure nothing counts as written.</summary>
    public void Write(ReadOnlySpan<byte> bytes)
    {
        RandomAccess.Write(_handle, bytes, Length);
        Length += bytes.Length;
    }

    public void Sync() => NativeIo.SyncData(_handle);

    public void Dispose()
    {
        if (Disposed) return;
        Disposed = true;
        _handle.Dispose();
        _cipher?.Dispose();
    }
}

/// <summary>What reading the next record found.</summary>
public enum RecordStatus
{
    Record,
    /// <summary>Clean end of file.</summary>
    End,
    /// <summary>The file ends inside a record (or in zero fill): the tail of an interrupted write.</summary>
    Torn,
    /// <summary>A bad record that is followed by more data: real corruption.</summary>
    Corrupt,
}

/// <summary>
/// Reads the records of one data file in order, verifying each checksum and decrypting. A bad
/// record is classified: if the file ends inside it, or it is the last record, or only zeros
/// follow it, it is the torn tail of an interrupted write (<see cref="RecordStatus.Torn"/>);
/// otherwise the file is corrupt at that offset (<see cref="RecordStatus.Corrupt"/>).
/// </summary>
public sealed class DataFileReader : IDisposable
{
    private readonly FileStream _stream;
    private readonly FileCipher? _cipher;
    private byte[] _window = new byte[1 << 20];
    private int _windowStart;
    private int _windowEnd;
    /// <summary>File offset of <c>_window[0]</c>.</summary>
    private long _windowOffset;
    private ulong _recordIndex;

    private DataFileReader(string path, FileStream stream, DataFileHeader header, FileCipher? cipher)
    {
        Path = path;
        _stream = stream;
        Header = header;
        _cipher = cipher;
        FileLength = stream.Length;
        _windowOffset = DataFileHeader.Size;
        NextOffset = DataFileHeader.Size;
    }

    public string Path { get; }
    public string Name => System.IO.Path.GetFileName(Path);
    public DataFileHeader Header { get; }
    public long FileLength { get; }
    /// <summary>Offset of the record last returned (or of the bad one).</summary>
    public long RecordOffset { get; private set; }
    /// <summary>Offset just after the last good record: where a repair truncates to.</summary>
    public long NextOffset { get; private set; }
    public long RecordCount { get; private set; }
    /// <summary>Why the last <see cref="RecordStatus.Torn"/> or <see cref="RecordStatus.Corrupt"/> was returned.</summary>
    public string Problem { get; private set; } = "";

    /// <summary>
    /// Opens a file and checks its header and key. Throws <see cref="PersistenceException"/> for a
    /// bad header, an encrypted file without a key, or the wrong key. With
    /// <paramref name="verifyOnly"/> an encrypted file is read without its key (checksums only).
    /// </summary>
    public static DataFileReader Open(string path, EncryptionKey? key, bool verifyOnly = false)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PersistenceException($"Can't open '{path}': {IoErrors.Describe(ex)}");
        }
        try
        {
            var head = new byte[DataFileHeader.Size];
            int n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            string? error = DataFileHeader.TryParse(head.AsSpan(0, n), out var header);
            if (error != null) throw new PersistenceException($"Bad file format reading '{path}' at offset 0: {error}");
            FileCipher? cipher = null;
            if (header.Encrypted && !verifyOnly)
            {
                if (key == null)
                    throw new PersistenceException($"'{path}' is encrypted: set kvs-encryption-key-file to the key it was written with");
                cipher = key.OpenExistingFile(header.Salt, header.Check)
                    ?? throw new PersistenceException($"Wrong encryption key: '{path}' was not written with the key in kvs-encryption-key-file");
            }
            return new DataFileReader(path, stream, header, cipher);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Reads the next record; <paramref name="body"/> (plaintext) is valid until the next call.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public RecordStatus Next(out ReadOnlySpan<byte> body)
    {
        body = default;
        long offset = NextOffset;
        RecordOffset = offset;
        long remaining = FileLength - offset;
        if (remaining == 0) return RecordStatus.End;
        if (remaining < Frames.HeaderSize)
            return Torn($"the file ends inside a record header ({remaining} bytes)");
        var head = Fetch(offset, Frames.HeaderSize);
        uint payload = BinaryPrimitives.ReadUInt32LittleEndian(head);
        uint storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(head[4..]);
        int minPayload = 1 + (Header.Encrypted ? EncryptionKey.TagSize : 0);
        if (payload < minPayload || payload > Frames.MaxPayload)
        {
            if (RestIsZero(offset)) return Torn("zero fill after the last record");
            return Corrupt($"invalid record length {payload}");
        }
        if (Frames.HeaderSize + (long)payload > remaining)
            return Torn($"the file ends inside a record ({remaining} of {Frames.HeaderSize + (long)payload} bytes present)");
        var frame = Fetch(offset, Frames.HeaderSize + (int)payload);
        uint crc = Crc32C.Append(Crc32C.Compute(frame[..4]), frame[Frames.HeaderSize..]);
        if (crc != storedCrc)
        {
            if (offset + Frames.HeaderSize + payload == FileLength) return Torn("checksum mismatch in the last record");
            if (RestIsZero(offset)) return Torn("zero fill after the last record");
            return Corrupt("checksum mismatch");
        }
        var payloadSpan = frame[Frames.HeaderSize..];
        if (_cipher != null)
        {
            int bodyLength = (int)payload - EncryptionKey.TagSize;
            var cipherText = payloadSpan[..bodyLength];
            var tag = payloadSpan[bodyLength..];
            if (!_cipher.Open(_recordIndex, cipherText, tag, cipherText, frame[..4]))
                return Corrupt("record does not authenticate (AES-GCM tag mismatch)");
            body = cipherText;
        }
        else if (Header.Encrypted)
        {
            body = default; // verify-only: checksums are all that can be checked
        }
        else
        {
            body = payloadSpan;
        }
        _recordIndex++;
        RecordCount++;
        NextOffset = offset + Frames.HeaderSize + payload;
        return RecordStatus.Record;
    }

    private RecordStatus Torn(string why)
    {
        Problem = why;
        return RecordStatus.Torn;
    }

    private RecordStatus Corrupt(string why)
    {
        Problem = why;
        return RecordStatus.Corrupt;
    }

    /// <summary>A writable view of <paramref name="count"/> bytes at file <paramref name="offset"/> (in the read window).</summary>
    private Span<byte> Fetch(long offset, int count)
    {
        long relative = offset - _windowOffset;
        if (relative < _windowStart || relative + count > _windowEnd)
        {
            // Slide the window so it starts at offset, then fill it.
            if (relative >= _windowStart && relative <= _windowEnd)
            {
                int keep = _windowEnd - (int)relative;
                Buffer.BlockCopy(_window, (int)relative, _window, 0, keep);
                _windowEnd = keep;
            }
            else
            {
                _windowEnd = 0;
                _stream.Position = offset;
            }
            _windowStart = 0;
            _windowOffset = offset;
            relative = 0;
            if (count > _window.Length)
            {
                var bigger = GC.AllocateUninitializedArray<byte>(Math.Max(count, _window.Length * 2));
                Buffer.BlockCopy(_window, 0, bigger, 0, _windowEnd);
                _window = bigger;
            }
            while (_windowEnd < count)
            {
                int n = _stream.Read(_window, _windowEnd, _window.Length - _windowEnd);
                if (n == 0) throw new EndOfStreamException();
                _windowEnd += n;
            }
        }
        return _window.AsSpan((int)relative, count);
    }

    private bool RestIsZero(long offset)
    {
        var buf = new byte[64 * 1024];
        long position = offset;
        using var scan = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
        scan.Position = position;
        int n;
        while ((n = scan.Read(buf, 0, buf.Length)) > 0)
        {
            if (buf.AsSpan(0, n).ContainsAnyExcept((byte)0)) return false;
        }
        return true;
    }

    public void Dispose()
    {
        _stream.Dispose();
        _cipher?.Dispose();
    }
}
