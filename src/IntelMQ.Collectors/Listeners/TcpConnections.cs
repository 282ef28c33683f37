using System.Net.Sockets;

namespace IntelMQ.Collectors.Listeners;

/// <summary>Serves each connection a listener accepts until it is stopped, then waits for the open ones to end.</summary>
static class TcpConnections
{
    public static async Task ServeEachAsync(TcpListener listener, Func<TcpClient, Task> serve, CancellationToken stop)
    {
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                var client = await listener.AcceptTcpClientAsync(stop);
                connections.RemoveAll(t => t.IsCompleted);
                connections.Add(serve(client));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // stopped
        }
        await Task.WhenAll(connections);
    }
}
