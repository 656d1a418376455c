using System.Net;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Kvs.Resp;

/// <summary>Kestrel's entry point for each accepted TCP connection: one <see cref="Session"/> per connection.</summary>
public sealed class RespConnectionHandler(RespServer server) : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        if (IsDeniedByProtectedMode(connection))
        {
            await connection.Transport.Output.WriteAsync(DeniedMessage).ConfigureAwait(false);
            await connection.Transport.Output.CompleteAsync().ConfigureAwait(false);
            return;
        }
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

    private static readonly byte[] DeniedMessage = Encoding.ASCII.GetBytes(
        "-DENIED Kvs is running in protected mode because protected mode is enabled and no password is set for the default user. " +
        "In this mode connections are only accepted from the loopback interface. If you want to connect from external computers, either " +
        "1) disable protected mode with 'CONFIG SET protected-mode no' from the loopback interface, making sure the server is not publicly accessible, " +
        "2) start the server with '--protected-mode no', or 3) set up a password with requirepass. " +
        "NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n");

    /// <summary>Redis's protected mode: without a password, only loopback clients are served.</summary>
    private bool IsDeniedByProtectedMode(ConnectionContext connection)
    {
        if (!server.Config.ProtectedMode || server.Config.RequirePass.Length > 0) return false;
        return connection.RemoteEndPoint is IPEndPoint ip && !IPAddress.IsLoopback(ip.Address) &&
               !(ip.Address.IsIPv4MappedToIPv6 && IPAddress.IsLoopback(ip.Address.MapToIPv4()));
    }
}
