using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Kvs.Tests.Infrastructure;

namespace Kvs.Tests.Durability;

/// <summary>
/// kvs-server as a separate process (<c>dotnet kvs-server.dll --port P --dir D ...</c>, the copy
/// next to the tests), so that durability tests can kill it with SIGKILL at any moment and
/// start it again on the same data directory.
/// </summary>
public sealed class KvsProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private KvsProcess(Process process, int port, string dir)
    {
        _process = process;
        Port = port;
        Dir = dir;
        process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Port { get; }
    public string Dir { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    public static string ServerDll => Path.Combine(AppContext.BaseDirectory, "kvs-server.dll");

    /// <summary>Starts a server on <paramref name="dir"/>; waits until it answers PING unless <paramref name="wait"/> is false.</summary>
    public static KvsProcess Start(string dir, params string[] extra) => Start(dir, wait: true, extra);

    public static KvsProcess Start(string dir, bool wait, params string[] extra)
    {
        int port = RedisServerProcess.FreePort();
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dir,
        };
        psi.ArgumentList.Add(ServerDll);
        foreach (var a in new[] { "--port", port.ToString(), "--dir", dir, "--save", "" }) psi.ArgumentList.Add(a);
        foreach (var a in extra) psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("dotnet did not start");
        var server = new KvsProcess(process, port, dir);
        if (wait) server.WaitReady();
        return server;
    }

    /// <summary>Runs <c>kvs-server check-aof args</c> and returns its exit code and output.</summary>
    public static (int ExitCode, string Output) CheckAof(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(ServerDll);
        psi.ArgumentList.Add("check-aof");
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd();
        string stderr = p.StandardError.ReadToEnd();
        if (!p.WaitForExit(30_000)) p.Kill();
        return (p.ExitCode, stdout + stderr);
    }

    public void WaitReady()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"kvs-server exited with code {_process.ExitCode}:\n{Output}");
            try
            {
                using var c = RespClient.Connect(Port);
                c.Call("PING");
                break;
            }
            catch (Exception ex) when (ex is SocketException or IOException && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(25);
            }
        }
        // The log is written asynchronously: once the "ready" line is in, so is everything logged before it.
        WaitForOutput("ready to accept connections");
    }

    /// <summary>Waits until the output (asynchronous) contains <paramref name="text"/>.</summary>
    public void WaitForOutput(string text, int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"'{text}' not in the output:\n{Output}");
            Thread.Sleep(20);
        }
    }

    /// <summary>Waits for the process to exit by itself (refused start); returns its exit code.</summary>
    public int WaitForExit(int timeoutMs = 30_000)
    {
        if (!_process.WaitForExit(timeoutMs)) throw new TimeoutException("kvs-server did not exit:\n" + Output);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public RespClient Connect() => RespClient.Connect(Port);

    /// <summary>SIGKILL: no flush, no shutdown code runs.</summary>
    public void Kill()
    {
        if (_process.HasExited) return;
        _process.Kill();
        _process.WaitForExit(10_000);
    }

    /// <summary>SIGTERM: a graceful stop.</summary>
    public void Terminate()
    {
        if (_process.HasExited) return;
        NativeSignals.Kill(_process.Id, NativeSignals.SIGTERM);
        if (!_process.WaitForExit(20_000)) throw new TimeoutException("kvs-server did not stop on SIGTERM:\n" + Output);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}

internal static class NativeSignals
{
    public const int SIGTERM = 15;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static extern int Kill(int pid, int sig);
}

/// <summary>A fresh temporary data directory, deleted afterwards.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "kvs-durability-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string AofDir => System.IO.Path.Combine(Path, "appendonlydir");

    public string Manifest => System.IO.Path.Combine(AofDir, "appendonly.aof.manifest");

    /// <summary>The increment files named by the manifest, in order.</summary>
    public List<string> Increments()
    {
        var list = new List<string>();
        foreach (var line in File.ReadAllLines(Manifest))
        {
            var parts = line.Split(' ');
            if (parts.Length >= 6 && parts[5] == "i") list.Add(System.IO.Path.Combine(AofDir, parts[1]));
        }
        return list;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
