using Kvs.Host;

return await ServerHost.RunAsync(args).ConfigureAwait(false);
