using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Kvs.Resp;

/// <summary>Kestrel's entry point for each accepted TCP connection: one <see cref="Session"/> per connection.</summary>
public sealed class RespConnectionHandler(RespServer server) : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var session = new Session(server, connection);
        if (!server.TryRegister(session))
        {
            await connection.Transport.Output.WriteAsync("-ERR max number of clients reached\r\n"u8.ToArray()).ConfigureAwait(false);
            await connection.Transport.Output.CompleteAsync().ConfigureAwait(false);
            return;
        }
        try
        {
            await session.RunAsync(connection.Transport).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            server.Logger.LogError(ex, "Session {Id} failed", session.Id);
        }
        finally
        {
            server.Unregister(session);
        }
    }
}
