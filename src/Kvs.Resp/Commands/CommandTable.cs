using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using Kvs.Resp.Protocol;

namespace Kvs.Resp.Commands;

/// <summary>
/// The command table. Metadata comes from <c>redis-commands.json</c> (COMMAND INFO and DOCS as
/// Redis 7.0 publishes them, via tools/gen-command-table.py) and <c>kvs-commands.json</c> (the
/// KVS.* commands); handlers are the <see cref="Session"/> methods marked with
/// <see cref="RespCommandAttribute"/>. Only commands with a handler are served and listed.
/// Lookup is by the command name's bytes, upper-cased on the stack: no allocation per command.
/// </summary>
public sealed class CommandTable
{
    private readonly Dictionary<string, CommandDef> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CommandDef>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public CommandTable()
    {
        var metadata = LoadMetadata();
        var handlers = FindHandlers();
        foreach (var (name, handler) in handlers)
        {
            int bar = name.IndexOf('|');
            if (bar < 0)
            {
                var def = GetOrAdd(metadata, name, null);
                def.Handler = handler;
            }
            else
            {
                var parent = GetOrAdd(metadata, name[..bar], null);
                var sub = GetOrAdd(metadata, name, parent);
                sub.Handler = handler;
            }
        }
        _lookup = _byName.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public IEnumerable<CommandDef> All => _byName.Values;

    public int Count => _byName.Count;

    private CommandDef GetOrAdd(Dictionary<string, JsonArray> metadata, string name, CommandDef? parent)
    {
        if (parent == null)
        {
            if (_byName.TryGetValue(name, out var existing)) return existing;
            var def = Create(metadata, name, null);
            _byName[name] = def;
            return def;
        }
        parent.Subcommands ??= new Dictionary<string, CommandDef>(StringComparer.Ordinal);
        string subName = name[(name.IndexOf('|') + 1)..];
        if (parent.Subcommands.TryGetValue(subName, out var sub)) return sub;
        sub = Create(metadata, name, parent);
        parent.Subcommands[subName] = sub;
        return sub;
    }

    private static CommandDef Create(Dictionary<string, JsonArray> metadata, string name, CommandDef? parent)
    {
        if (!metadata.TryGetValue(name, out var info))
            throw new InvalidOperationException($"Command '{name}' has a handler but no metadata in the command table JSON.");
        var flags = CommandFlags.None;
        foreach (var f in SetItems(info[2]!)) flags |= ParseFlag(f);
        return new CommandDef
        {
            Name = name,
            DisplayName = name.Replace('|', ' ').ToUpperInvariant(),
            Arity = (int)info[1]!,
            Flags = flags,
            FirstKey = (int)info[3]!,
            LastKey = (int)info[4]!,
            Step = (int)info[5]!,
            Parent = parent,
            Info = StripSubcommands(info),
            Docs = DocsByName.TryGetValue(name, out var docs) ? docs : null,
        };
    }

    /// <summary>Subcommands are listed from the live table, not the JSON, so the copy drops them.</summary>
    private static JsonNode StripSubcommands(JsonArray info)
    {
        var copy = (JsonArray)info.DeepClone();
        if (copy.Count > 9) copy[9] = new JsonArray();
        return copy;
    }

    private static IEnumerable<string> SetItems(JsonNode node)
    {
        var items = node is JsonObject o ? o["~"]!.AsArray() : node.AsArray();
        foreach (var item in items)
            yield return item is JsonObject s ? (string)s["+"]! : (string)item!;
    }

    private static CommandFlags ParseFlag(string flag) => flag switch
    {
        "write" => CommandFlags.Write,
        "readonly" => CommandFlags.ReadOnly,
        "denyoom" => CommandFlags.DenyOom,
        "admin" => CommandFlags.Admin,
        "pubsub" => CommandFlags.PubSub,
        "noscript" => CommandFlags.NoScript,
        "blocking" => CommandFlags.Blocking,
        "loading" => CommandFlags.Loading,
        "stale" => CommandFlags.Stale,
        "fast" => CommandFlags.Fast,
        "no_auth" => CommandFlags.NoAuth,
        "allow_busy" => CommandFlags.AllowBusy,
        "no_multi" => CommandFlags.NoMulti,
        "movablekeys" => CommandFlags.MovableKeys,
        "skip_monitor" => CommandFlags.SkipMonitor,
        _ => CommandFlags.None,
    };

    private static readonly Dictionary<string, JsonNode> DocsByName = new(StringComparer.Ordinal);

    private static Dictionary<string, JsonArray> LoadMetadata()
    {
        var result = new Dictionary<string, JsonArray>(StringComparer.Ordinal);
        var asm = typeof(CommandTable).Assembly;
        foreach (var resource in asm.GetManifestResourceNames())
        {
            if (!resource.EndsWith("commands.json", StringComparison.Ordinal)) continue;
            using var stream = asm.GetManifestResourceStream(resource)!;
            var table = JsonNode.Parse(stream)!.AsArray();
            foreach (var item in table)
            {
                var info = item!["info"]!.AsArray();
                var docs = item["docs"];
                Add(result, info, docs);
            }
        }
        return result;

        static void Add(Dictionary<string, JsonArray> result, JsonArray info, JsonNode? docs)
        {
            string name = (string)info[0]!;
            result[name] = info;
            lock (DocsByName) if (docs != null) DocsByName[name] = docs;
            if (info.Count > 9 && info[9] is JsonArray subs)
            {
                Dictionary<string, JsonNode>? subDocs = null;
                if (docs?["%"] is JsonArray pairs)
                    foreach (var pair in pairs)
                        if ((string)pair![0]! == "subcommands" && pair[1]?["%"] is JsonArray subPairs)
                        {
                            subDocs = new();
                            foreach (var sp in subPairs) subDocs[(string)sp![0]!] = sp[1]!;
                        }
                foreach (var sub in subs)
                {
                    var subInfo = sub!.AsArray();
                    JsonNode? sd = null;
                    subDocs?.TryGetValue((string)subInfo[0]!, out sd);
                    Add(result, subInfo, sd);
                }
            }
        }
    }

    private static List<(string, CommandHandler)> FindHandlers()
    {
        var list = new List<(string, CommandHandler)>();
        foreach (var method in typeof(Session).GetMethods(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            foreach (var attr in method.GetCustomAttributes<RespCommandAttribute>())
            {
                var handler = (CommandHandler)Delegate.CreateDelegate(typeof(CommandHandler), null, method);
                list.Add((attr.Name, handler));
            }
        }
        return list;
    }

    /// <summary>Finds a command by the bytes the client sent, in any case.</summary>
    public CommandDef? Lookup(ReadOnlySpan<byte> name)
    {
        if (name.Length > 64) return null;
        Span<char> lower = stackalloc char[name.Length];
        for (int i = 0; i < name.Length; i++)
        {
            int c = name[i];
            if ((uint)(c - 'A') <= 'Z' - 'A') c += 32;
            lower[i] = (char)c;
        }
        return _lookup.TryGetValue(lower, out var def) ? def : null;
    }

    public CommandDef? Lookup(string name) => _byName.TryGetValue(name.ToLowerInvariant(), out var d) ? d : null;

    public static CommandDef? LookupSubcommand(CommandDef container, ReadOnlySpan<byte> name)
    {
        if (container.Subcommands == null || name.Length > 64) return null;
        return container.Subcommands.TryGetValue(Encoding.UTF8.GetString(name).ToLowerInvariant(), out var d) ? d : null;
    }
}
