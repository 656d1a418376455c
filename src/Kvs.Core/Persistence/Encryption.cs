using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Kvs.Core.Persistence;

/// <summary>
/// The master key of encryption at rest (<c>kvs-encryption-key-file</c>): 32 raw bytes, or 64 hex
/// characters (surrounding whitespace ignored). The key is never logged or printed.
/// <para>
/// Each data file gets a random 16-byte salt in its header; the file's record key is
/// HKDF-SHA256(master, salt, "kvs-record-key"), and the header also carries a 16-byte check value
/// HKDF-SHA256(master, salt, "kvs-key-check") so that a wrong key is recognised before any record
/// is read. Within a file, record <c>i</c> is sealed with AES-256-GCM under nonce
/// <c>0x00000000 ‖ i (64-bit little endian)</c>: nonces never repeat under one record key because
/// files are never reopened for appending (a restart always starts a new increment file).
/// </para>
/// </summary>
public sealed class EncryptionKey
{
    public const int SaltSize = 16;
    public const int CheckSize = 16;
    public const int TagSize = 16;

    private static readonly byte[] RecordKeyInfo = Encoding.ASCII.GetBytes("kvs-record-key");
    private static readonly byte[] CheckInfo = Encoding.ASCII.GetBytes("kvs-key-check");

    private readonly byte[] _master;

    private EncryptionKey(byte[] master) => _master = master;

    /// <summary>Reads a key file; throws <see cref="PersistenceException"/> with a message that never contains key material.</summary>
    public static EncryptionKey Load(string path)
    {
        byte[] raw;
        try
        {
            raw = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PersistenceException($"Can't read the encryption key file '{path}' (kvs-encryption-key-file): {IoErrors.Describe(ex)}");
        }
        if (raw.Length == 32) return new EncryptionKey(raw);
        string text = Encoding.ASCII.GetString(raw).Trim();
        if (text.Length == 64)
        {
            try
            {
                return new EncryptionKey(Convert.FromHexString(text));
            }
            catch (FormatException) { }
        }
        throw new PersistenceException($"The encryption key file '{path}' (kvs-encryption-key-file) must contain exactly 32 raw bytes or 64 hexadecimal characters");
    }

    /// <summary>A key from bytes (tests).</summary>
    public static EncryptionKey FromBytes(ReadOnlySpan<byte> key)
    {
        if (key.Length != 32) throw new ArgumentException("AES-256 keys are 32 bytes", nameof(key));
        return new EncryptionKey(key.ToArray());
    }

    /// <summary>Derives the cipher of a new file: fresh salt and check value to put in its header.</summary>
    public FileCipher CreateForNewFile(out byte[] salt, out byte[] check)
    {
        salt = RandomNumberGenerator.GetBytes(SaltSize);
        check = Derive(salt, CheckInfo, CheckSize);
        return new FileCipher(Derive(salt, RecordKeyInfo, 32));
    }

    /// <summary>The cipher of an existing file, or null when <paramref name="check"/> says the key is not the one the file was written with.</summary>
    public FileCipher? OpenExistingFile(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> check)
    {
        var expected = Derive(salt, CheckInfo, CheckSize);
        if (!CryptographicOperations.FixedTimeEquals(expected, check)) return null;
        return new FileCipher(Derive(salt, RecordKeyInfo, 32));
    }

    private byte[] Derive(ReadOnlySpan<byte> salt, byte[] info, int length)
    {
        var output = new byte[length];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _master, output, salt, info);
        return output;
    }
}

/// <summary>AES-256-GCM over the records of one file (see <see cref="EncryptionKey"/> for keys and nonces).</summary>
public sealed class FileCipher : IDisposable
{
    private readonly AesGcm _aes;
    private readonly byte[] _nonce = new byte[12];

    public FileCipher(byte[] key) => _aes = new AesGcm(key, EncryptionKey.TagSize);

    /// <summary>Encrypts <paramref name="body"/> in place and writes the tag; <paramref name="aad"/> binds the frame's length field.</summary>
    public void Seal(ulong recordIndex, Span<byte> body, Span<byte> tag, ReadOnlySpan<byte> aad)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_nonce.AsSpan(4), recordIndex);
        _aes.Encrypt(_nonce, body, body, tag, aad);
    }

    /// <summary>Decrypts into <paramref name="plaintext"/>; false when the tag does not authenticate (wrong key or tampering).</summary>
    public bool Open(ulong recordIndex, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> aad)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_nonce.AsSpan(4), recordIndex);
        try
        {
            _aes.Decrypt(_nonce, ciphertext, tag, plaintext, aad);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }

    public void Dispose() => _aes.Dispose();
}

/// <summary>A persistence failure with a message meant for the operator (file, offset, what to do).</summary>
public sealed class PersistenceException(string message) : Exception(message);

/// <summary>Turns I/O exceptions into strerror-like texts ("No space left on device"), as Redis reports them.</summary>
public static class IoErrors
{
    public static string Describe(Exception ex)
    {
        if (ex is UnauthorizedAccessException) return "Permission denied";
        if (ex is DirectoryNotFoundException or FileNotFoundException) return "No such file or directory";
        string message = ex.Message;
        int cut = message.IndexOf(" : '", StringComparison.Ordinal);
        if (cut > 0) message = message[..cut];
        cut = message.IndexOf(" '/", StringComparison.Ordinal);
        if (cut > 0 && message.EndsWith('\'')) message = message[..cut];
        return message.TrimEnd('.', ' ');
    }
}
