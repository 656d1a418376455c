using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Kvs.Core.Persistence;

/// <summary>
/// The two durability primitives .NET does not expose: <c>fdatasync</c> (what Redis uses for the
/// AOF on Linux: it flushes the data and the file size, not the timestamps, so it is cheaper than
/// fsync) and fsync of a directory (needed after a rename so that the rename itself survives a
/// power cut). Elsewhere they fall back to <see cref="RandomAccess.FlushToDisk"/> / nothing.
/// </summary>
internal static partial class NativeIo
{
    [LibraryImport("libc", SetLastError = true)]
    private static partial int fdatasync(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    /// <summary>Makes the file's written data durable; throws <see cref="IOException"/> with the OS error text.</summary>
    public static void SyncData(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux())
        {
            RandomAccess.FlushToDisk(handle);
            return;
        }
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (fdatasync((int)handle.DangerousGetHandle()) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                throw new IOException(Marshal.GetPInvokeErrorMessage(errno), errno);
            }
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    /// <summary>fsync of a directory, so that files created or renamed in it stay after a crash.</summary>
    public static void SyncDirectory(string path)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        int fd = Open(path, 0);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException(Marshal.GetPInvokeErrorMessage(errno), errno);
        }
        try
        {
            if (fsync(fd) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                throw new IOException(Marshal.GetPInvokeErrorMessage(errno), errno);
            }
        }
        finally
        {
            close(fd);
        }
    }
}
