using Kvs.Host;

// Socket completions run inline on the epoll threads instead of being queued to the thread pool:
// with Kestrel's inline scheduling a request is then received, executed and answered on one
// thread without a hop (ADR 0001). Must be set before the first socket is created.
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") == null)
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");

return await ServerHost.RunAsync(args).ConfigureAwait(false);
