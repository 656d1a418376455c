using Kvs.Resp.Commands;
using Kvs.Resp.Protocol;

namespace Kvs.Resp;

/// <summary>Connection commands: PING, ECHO, QUIT, SELECT, AUTH, HELLO, RESET.</summary>
public sealed partial class Session
{
    [RespCommand("ping")]
    private void NetworkPing(RespArgs args)
    {
        if (args.Count > 2)
        {
            WrongArgs("ping");
            return;
        }
        if (args.Count == 1) _writer.WriteRaw("+PONG\r\n"u8);
        else _writer.WriteBulk(args[1]);
    }

    [RespCommand("echo")]
    private void NetworkEcho(RespArgs args) => _writer.WriteBulk(args[1]);

    [RespCommand("quit")]
    private void NetworkQuit(RespArgs args)
    {
        _writer.WriteOk();
        CloseAfterReply();
    }

    [RespCommand("select")]
    private void NetworkSelect(RespArgs args)
    {
        if (!TryParseLong(args[1], out long index))
        {
            NotInteger();
            return;
        }
        if (index < 0 || index >= _store.DatabaseCount)
        {
            WriteError("ERR DB index is out of range");
            return;
        }
        SelectDatabase((int)index);
        _writer.WriteOk();
    }
}
