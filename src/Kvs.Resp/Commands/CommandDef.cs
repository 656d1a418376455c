using System.Text.Json.Nodes;
using Kvs.Resp.Protocol;

namespace Kvs.Resp.Commands;

/// <summary>A command handler: runs one parsed command for a session and writes its reply.</summary>
public delegate void CommandHandler(Session session, RespArgs args);

/// <summary>Marks a <see cref="Session"/> method as the handler of a command ("get", "config|get").</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class RespCommandAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

[Flags]
public enum CommandFlags
{
    None = 0,
    Write = 1 << 0,
    ReadOnly = 1 << 1,
    DenyOom = 1 << 2,
    Admin = 1 << 3,
    PubSub = 1 << 4,
    NoScript = 1 << 5,
    Blocking = 1 << 6,
    Loading = 1 << 7,
    Stale = 1 << 8,
    Fast = 1 << 9,
    NoAuth = 1 << 10,
    AllowBusy = 1 << 11,
    NoMulti = 1 << 12,
    MovableKeys = 1 << 13,
    SkipMonitor = 1 << 14,
}

/// <summary>
/// One entry of the command table: what COMMAND INFO says about it (arity, flags, key positions)
/// and its handler. <see cref="Info"/> and <see cref="Docs"/> keep the RESP3-typed metadata for
/// COMMAND / COMMAND INFO / COMMAND DOCS replies.
/// </summary>
public sealed class CommandDef
{
    public required string Name { get; init; }
    /// <summary>"GET" or "CONFIG GET": how errors and HELP messages name it.</summary>
    public required string DisplayName { get; init; }
    public required int Arity { get; init; }
    public required CommandFlags Flags { get; init; }
    public required int FirstKey { get; init; }
    public required int LastKey { get; init; }
    public required int Step { get; init; }
    public CommandHandler? Handler { get; set; }
    public CommandDef? Parent { get; init; }
    public Dictionary<string, CommandDef>? Subcommands { get; set; }
    public required JsonNode Info { get; init; }
    public JsonNode? Docs { get; init; }

    public bool IsWrite => (Flags & CommandFlags.Write) != 0;

    // INFO commandstats
    public long Calls;
    public long Microseconds;
    public long RejectedCalls;
    public long FailedCalls;

    public bool ArityMatches(int argc) => Arity >= 0 ? argc == Arity : argc >= -Arity;

    public void ResetStats()
    {
        Calls = Microseconds = RejectedCalls = FailedCalls = 0;
        if (Subcommands != null) foreach (var s in Subcommands.Values) s.ResetStats();
    }

    public override string ToString() => Name;
}
