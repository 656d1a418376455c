# Multi-stage build of the Kvs server (kvs-server).
# docker build -t kvs . && docker run -p 6379:6379 -v kvs-data:/data kvs
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Kvs.sln ./
COPY src/ src/
RUN dotnet publish src/Kvs.Host/Kvs.Host.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app ./
RUN mkdir -p /data
VOLUME /data
EXPOSE 6379
# Listening on all interfaces inside the container: set a password (KVS_REQUIREPASS) or keep
# protected mode, which only lets loopback clients in when no password is set.
ENV KVS_DIR=/data KVS_BIND=0.0.0.0
ENTRYPOINT ["dotnet", "kvs-server.dll"]
