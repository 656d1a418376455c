using System.Net.Sockets;
using System.Text;

namespace Kvs.Tests.Infrastructure;

/// <summary>
/// A minimal blocking RESP client over a raw socket, for tests: sends commands as multibulk
/// requests and reads one reply at a time, either as raw bytes (for byte-exact comparison) or
/// parsed into a <see cref="RespValue"/>.
/// </summary>
public sealed class RespClient : IDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly BufferedStream _reader;

    private RespClient(TcpClient tcp)
    {
        _tcp = tcp;
        _tcp.NoDelay = true;
        _stream = tcp.GetStream();
        _stream.ReadTimeout = 10_000;
        _reader = new BufferedStream(_stream, 65536);
    }

    public static RespClient Connect(int port, string host = "127.0.0.1") => new(new TcpClient(host, port));

    public int ReadTimeout { get => _stream.ReadTimeout; set => _stream.ReadTimeout = value; }

    public static byte[] Encode(params object[] args)
    {
        var ms = new MemoryStream();
        void W(string s) { var b = Encoding.UTF8.GetBytes(s); ms.Write(b, 0, b.Length); }
        W($"*{args.Length}\r\n");
        foreach (var a in args)
        {
            byte[] bytes = a switch
            {
                byte[] b => b,
                string s => Encoding.UTF8.GetBytes(s),
                _ => Encoding.UTF8.GetBytes(Convert.ToString(a, System.Globalization.CultureInfo.InvariantCulture)!),
            };
            W($"${bytes.Length}\r\n");
            ms.Write(bytes, 0, bytes.Length);
            W("\r\n");
        }
        return ms.ToArray();
    }

    public void SendRaw(byte[] bytes) => _stream.Write(bytes, 0, bytes.Length);

    public void SendRaw(string text) => SendRaw(Encoding.UTF8.GetBytes(text));

    public void Send(params object[] args) => SendRaw(Encode(args));

    /// <summary>Sends a command and returns its reply parsed.</summary>
    public RespValue Call(params object[] args)
    {
        Send(args);
        return Read();
    }

    /// <summary>Sends a command and returns its reply's exact bytes.</summary>
    public byte[] CallRaw(params object[] args)
    {
        Send(args);
        return ReadRaw();
    }

    public RespValue Read() => RespValue.Parse(ReadRaw());

    /// <summary>Reads exactly one reply's bytes (any RESP2/RESP3 type).</summary>
    public byte[] ReadRaw()
    {
        var ms = new MemoryStream();
        ReadValue(ms);
        return ms.ToArray();
    }

    private void ReadValue(MemoryStream ms)
    {
        string line = ReadLine(ms);
        char type = line[0];
        string rest = line[1..];
        switch (type)
        {
            case '+': case '-': case ':': case ',': case '#': case '(': case '_':
                return;
            case '$': case '=': case '!':
                int n = int.Parse(rest);
                if (n < 0) return;
                var buf = new byte[n + 2];
                ReadExactly(buf);
                ms.Write(buf);
                return;
            case '*': case '~': case '>':
                int count = int.Parse(rest);
                for (int i = 0; i < count; i++) ReadValue(ms);
                return;
            case '%': case '|':
                int pairs = int.Parse(rest);
                for (int i = 0; i < pairs * 2; i++) ReadValue(ms);
                if (type == '|') ReadValue(ms);
                return;
            default:
                throw new InvalidDataException($"Unexpected RESP type '{type}' in line '{line}'");
        }
    }

    private string ReadLine(MemoryStream ms)
    {
        var sb = new StringBuilder();
        while (true)
        {
            int b = _reader.ReadByte();
            if (b < 0) throw new EndOfStreamException("Connection closed");
            ms.WriteByte((byte)b);
            if (b == '\n' && sb.Length > 0 && sb[^1] == '\r')
            {
                sb.Length--;
                return sb.ToString();
            }
            sb.Append((char)b);
        }
    }

    private void ReadExactly(byte[] buf)
    {
        int read = 0;
        while (read < buf.Length)
        {
            int n = _reader.Read(buf, read, buf.Length - read);
            if (n <= 0) throw new EndOfStreamException("Connection closed");
            read += n;
        }
    }

    /// <summary>True when the server closed the connection (reads EOF within the timeout).</summary>
    public bool IsClosedByServer(int timeoutMs = 2000)
    {
        _stream.ReadTimeout = timeoutMs;
        try
        {
            return _reader.ReadByte() < 0;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public void Dispose()
    {
        _reader.Dispose();
        _tcp.Dispose();
    }
}
