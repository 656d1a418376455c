using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Kvs.Resp.Commands;
using Kvs.Resp.Protocol;
using Ascii = Kvs.Resp.Protocol.Ascii;

namespace Kvs.Resp;

/// <summary>
/// COMMAND, COMMAND COUNT / INFO / DOCS / LIST / GETKEYS / GETKEYSANDFLAGS / HELP. The metadata is
/// Redis 7.0's own (CommandDef.Info and Docs, type-tagged JSON), so replies equal Redis's byte for
/// byte in RESP2 and RESP3, except that only the commands and subcommands Kvs serves are listed.
/// </summary>
public sealed partial class Session
{
    /// <summary>
    /// COMMAND: the COMMAND INFO entry of every command. COMMAND is the one container that also
    /// runs on its own, and the dispatcher only routes to subcommands of containers without a
    /// handler, so "COMMAND sub ..." arrives here and is routed by <see cref="RunSubcommandOf"/>.
    /// </summary>
    [RespCommand("command")]
    private void CommandAll(RespArgs args)
    {
        if (args.Count > 1)
        {
            RunSubcommandOf(_server.Commands.Lookup("command")!, args);
            return;
        }
        WriteAllCommandInfos();
    }

    /// <summary>
    /// Dispatches "CONTAINER sub ..." from the container's own handler with the dispatcher's
    /// checks and statistics: unknown subcommand, arity (a rejected call of the subcommand), then
    /// the call is counted for the subcommand, not the container (whose counters, which
    /// <see cref="Invoke"/> bumps after this returns, are compensated in advance).
    /// </summary>
    private void RunSubcommandOf(CommandDef container, RespArgs args)
    {
        var sub = CommandTable.LookupSubcommand(container, args[1]);
        if (sub?.Handler == null)
        {
            WriteError($"ERR unknown subcommand '{Truncate(args.ToUtf8String(1), 128)}'. Try {container.DisplayName} HELP.");
            container.FailedCalls--;
            container.Calls--;
            return;
        }
        if (!sub.ArityMatches(args.Count))
        {
            sub.RejectedCalls++;
            WriteError($"ERR wrong number of arguments for '{sub.Name}' command");
            container.FailedCalls--;
            container.Calls--;
            return;
        }
        LastCommand = sub.Name;
        Ctx.Op = container.Name;
        long start = Stopwatch.GetTimestamp();
        sub.Handler(this, args);
        long elapsed = (Stopwatch.GetTimestamp() - start) * 1_000_000 / Stopwatch.Frequency;
        sub.Calls++;
        sub.Microseconds += elapsed;
        if (_commandFailed)
        {
            sub.FailedCalls++;
            container.FailedCalls--;
        }
        container.Calls--;
        container.Microseconds -= elapsed;
    }

    private void WriteAllCommandInfos()
    {
        _writer.WriteArrayHeader(_server.Commands.Count);
        foreach (var def in _server.Commands.All) _writer.WriteRaw(CommandMetadata.Info(def, Protocol));
    }

    [RespCommand("command|count")]
    private void CommandCount(RespArgs args) => _writer.WriteInteger(_server.Commands.Count);

    /// <summary>COMMAND INFO [name ...]: one entry per name (nil for an unknown one); all commands without names.</summary>
    [RespCommand("command|info")]
    private void CommandInfo(RespArgs args)
    {
        if (args.Count == 2)
        {
            WriteAllCommandInfos();
            return;
        }
        _writer.WriteArrayHeader(args.Count - 2);
        for (int i = 2; i < args.Count; i++)
        {
            var def = LookupCommandByFullName(args[i]);
            if (def == null) _writer.WriteNull();
            else _writer.WriteRaw(CommandMetadata.Info(def, Protocol));
        }
    }

    /// <summary>COMMAND DOCS [name ...]: a map from each known name to its documentation; all commands without names.</summary>
    [RespCommand("command|docs")]
    private void CommandDocs(RespArgs args)
    {
        if (args.Count == 2)
        {
            _writer.WriteMapHeader(_server.Commands.Count);
            foreach (var def in _server.Commands.All)
            {
                _writer.WriteBulk(def.Name);
                _writer.WriteRaw(CommandMetadata.Docs(def, Protocol));
            }
            return;
        }
        var found = new List<CommandDef>(args.Count - 2);
        for (int i = 2; i < args.Count; i++)
        {
            var def = LookupCommandByFullName(args[i]);
            if (def != null) found.Add(def);
        }
        _writer.WriteMapHeader(found.Count);
        foreach (var def in found)
        {
            _writer.WriteBulk(def.Name);
            _writer.WriteRaw(CommandMetadata.Docs(def, Protocol));
        }
    }

    /// <summary>"get", "config|get" (any case) as COMMAND INFO/DOCS name them; null when not served.</summary>
    private CommandDef? LookupCommandByFullName(ReadOnlySpan<byte> name)
    {
        int bar = name.IndexOf((byte)'|');
        if (bar < 0) return _server.Commands.Lookup(name);
        var container = _server.Commands.Lookup(name[..bar]);
        var rest = name[(bar + 1)..];
        if (container?.Subcommands == null || rest.IndexOf((byte)'|') >= 0) return null;
        return CommandTable.LookupSubcommand(container, rest);
    }

    /// <summary>COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN glob]: command and subcommand names.</summary>
    [RespCommand("command|list")]
    private void CommandList(RespArgs args)
    {
        int filter = 0; // 0 none, 1 module, 2 aclcat, 3 pattern
        string filterArg = "";
        for (int i = 2; i < args.Count; i++)
        {
            int more = args.Count - 1 - i;
            if (args.Is(i, "FILTERBY"u8) && more == 2)
            {
                if (args.Is(i + 1, "MODULE"u8)) filter = 1;
                else if (args.Is(i + 1, "ACLCAT"u8)) filter = 2;
                else if (args.Is(i + 1, "PATTERN"u8)) filter = 3;
                else
                {
                    SyntaxError();
                    return;
                }
                filterArg = args.ToUtf8String(i + 2);
                i += 2;
            }
            else
            {
                SyntaxError();
                return;
            }
        }
        var names = new List<string>();
        foreach (var def in _server.Commands.All)
        {
            AddListedCommand(names, def, filter, filterArg);
            if (def.Subcommands == null) continue;
            foreach (var sub in def.Subcommands.Values) AddListedCommand(names, sub, filter, filterArg);
        }
        _writer.WriteArrayHeader(names.Count);
        foreach (var n in names) _writer.WriteBulk(n);
    }

    private static void AddListedCommand(List<string> names, CommandDef def, int filter, string filterArg)
    {
        bool keep = filter switch
        {
            0 => true,
            1 => false, // Kvs loads no modules.
            2 => CommandMetadata.HasAclCategory(def, filterArg),
            _ => Kvs.Core.Storage.GlobMatcher.IsMatch(filterArg, def.Name, ignoreCase: true),
        };
        if (keep) names.Add(def.Name);
    }

    [RespCommand("command|getkeys")]
    private void CommandGetKeys(RespArgs args) => CommandGetKeysCore(args, withFlags: false);

    [RespCommand("command|getkeysandflags")]
    private void CommandGetKeysAndFlags(RespArgs args) => CommandGetKeysCore(args, withFlags: true);

    /// <summary>
    /// COMMAND GETKEYS / GETKEYSANDFLAGS full-command: the key arguments as Redis finds them: from
    /// the command's key specs, or for the few commands whose specs are incomplete or whose key
    /// flags depend on the arguments (SORT, MIGRATE, SET, BITFIELD) by their own rules.
    /// </summary>
    private void CommandGetKeysCore(RespArgs args, bool withFlags)
    {
        var target = args.Slice(2);
        var def = _server.Commands.Lookup(target[0]);
        if (def != null && target.Count > 1 && def.Subcommands != null) def = CommandTable.LookupSubcommand(def, target[1]);
        if (def == null)
        {
            WriteError("ERR Invalid command specified");
            return;
        }
        if (!CommandMetadata.HasKeys(def))
        {
            WriteError("ERR The command has no key arguments");
            return;
        }
        if ((def.Arity > 0 && def.Arity != target.Count) || target.Count < -def.Arity)
        {
            WriteError("ERR Invalid number of arguments specified for command");
            return;
        }
        var keys = new List<(int Position, string[] Flags)>();
        CommandMetadata.GetKeys(def, target, keys);
        if (keys.Count == 0)
        {
            if (CommandMetadata.HasFlag(def, "no_mandatory_keys")) _writer.WriteEmptyArray();
            else WriteError("ERR Invalid arguments specified for command");
            return;
        }
        _writer.WriteArrayHeader(keys.Count);
        foreach (var (position, flags) in keys)
        {
            if (!withFlags)
            {
                _writer.WriteBulk(target[position]);
                continue;
            }
            _writer.WriteArrayHeader(2);
            _writer.WriteBulk(target[position]);
            _writer.WriteSetHeader(flags.Length);
            foreach (var f in flags) _writer.WriteSimpleString(f);
        }
    }

    [RespCommand("command|help")]
    private void CommandHelp(RespArgs args) => WriteHelp("COMMAND", CommandHelpLines);

    private static readonly (string Sub, string[] Lines)[] CommandHelpLines =
    {
        ("", new[] { "(no subcommand)", "    Return details about all Redis commands." }),
        ("count", new[] { "COUNT", "    Return the total number of commands in this Redis server." }),
        ("list", new[] { "LIST", "    Return a list of all commands in this Redis server." }),
        ("info", new[]
        {
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
        }),
        ("docs", new[]
        {
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
        }),
        ("getkeys", new[] { "GETKEYS <full-command>", "    Return the keys from a full Redis command." }),
        ("getkeysandflags", new[] { "GETKEYSANDFLAGS <full-command>", "    Return the keys and the access flags from a full Redis command." }),
    };
}

/// <summary>
/// Serializes the type-tagged JSON metadata of commands (CommandDef.Info / Docs) to RESP and
/// answers questions about it (ACL categories, flags, key positions).
/// <para>
/// JSON encoding (tools/gen-command-table.py): string = bulk string, {"+": s} = status,
/// number = integer, array = array, {"~": [...]} = set, {"%": [[k, v], ...]} = map, null = null.
/// Replies are built once per command and protocol and cached as bytes: COMMAND and COMMAND DOCS
/// (which redis-cli sends at start) then cost one copy per command. The subcommand lists (info
/// entry 9 and the docs' "subcommands" map) are built from the live table, in Redis's order, so
/// only served subcommands appear.
/// </para>
/// </summary>
internal static class CommandMetadata
{
    private sealed class Cached
    {
        public readonly byte[]?[] Info = new byte[4][];
        public readonly byte[]?[] Docs = new byte[4][];
        public KeySpec[]? KeySpecs;
    }

    private static readonly ConditionalWeakTable<CommandDef, Cached> Cache = new();

    public static ReadOnlySpan<byte> Info(CommandDef def, int protocol)
    {
        var cached = Cache.GetValue(def, static _ => new Cached());
        return cached.Info[protocol] ??= Serialize(w => WriteInfo(w, def), protocol);
    }

    public static ReadOnlySpan<byte> Docs(CommandDef def, int protocol)
    {
        var cached = Cache.GetValue(def, static _ => new Cached());
        return cached.Docs[protocol] ??= Serialize(w => WriteDocs(w, def), protocol);
    }

    private static byte[] Serialize(Action<RespWriter> write, int protocol)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        var writer = new RespWriter(buffer) { Protocol = protocol };
        write(writer);
        writer.Commit();
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteInfo(RespWriter w, CommandDef def)
    {
        var info = def.Info.AsArray();
        w.WriteArrayHeader(info.Count);
        for (int i = 0; i < info.Count; i++)
        {
            if (i == 9) WriteSubcommandInfos(w, def);
            else WriteNode(w, info[i]);
        }
    }

    /// <summary>Redis: an array of the subcommands' entries for a container, an empty set for any other command.</summary>
    private static void WriteSubcommandInfos(RespWriter w, CommandDef def)
    {
        var subs = OrderedSubcommands(def);
        if (subs.Count == 0)
        {
            w.WriteSetHeader(0);
            return;
        }
        w.WriteArrayHeader(subs.Count);
        foreach (var sub in subs) WriteInfo(w, sub);
    }

    private static void WriteDocs(RespWriter w, CommandDef def)
    {
        if (def.Docs?["%"] is not JsonArray pairs)
        {
            w.WriteMapHeader(0);
            return;
        }
        w.WriteMapHeader(pairs.Count);
        foreach (var pair in pairs)
        {
            string key = (string)pair![0]!;
            w.WriteBulk(key);
            if (key == "subcommands")
            {
                var subs = OrderedSubcommands(def);
                w.WriteMapHeader(subs.Count);
                foreach (var sub in subs)
                {
                    w.WriteBulk(sub.Name);
                    WriteDocs(w, sub);
                }
            }
            else
            {
                WriteNode(w, pair[1]);
            }
        }
    }

    /// <summary>The served subcommands in the order Redis's metadata lists them, then any others (Kvs additions) by name.</summary>
    private static List<CommandDef> OrderedSubcommands(CommandDef def)
    {
        var result = new List<CommandDef>();
        if (def.Subcommands == null) return result;
        if (def.Docs?["%"] is JsonArray pairs)
        {
            foreach (var pair in pairs)
            {
                if ((string)pair![0]! != "subcommands" || pair[1]?["%"] is not JsonArray subs) continue;
                foreach (var sub in subs)
                {
                    string full = (string)sub![0]!;
                    if (def.Subcommands.TryGetValue(full[(full.IndexOf('|') + 1)..], out var served)) result.Add(served);
                }
            }
        }
        var extra = new List<CommandDef>();
        foreach (var sub in def.Subcommands.Values)
            if (!result.Contains(sub)) extra.Add(sub);
        extra.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        result.AddRange(extra);
        return result;
    }

    public static void WriteNode(RespWriter w, JsonNode? node)
    {
        switch (node)
        {
            case null:
                w.WriteNull();
                break;
            case JsonArray array:
                w.WriteArrayHeader(array.Count);
                foreach (var item in array) WriteNode(w, item);
                break;
            case JsonObject obj:
                if (obj["+"] is JsonNode status)
                {
                    w.WriteSimpleString((string)status!);
                }
                else if (obj["~"] is JsonArray set)
                {
                    w.WriteSetHeader(set.Count);
                    foreach (var item in set) WriteNode(w, item);
                }
                else if (obj["%"] is JsonArray map)
                {
                    w.WriteMapHeader(map.Count);
                    foreach (var pair in map)
                    {
                        WriteNode(w, pair![0]);
                        WriteNode(w, pair[1]);
                    }
                }
                else
                {
                    w.WriteNull();
                }
                break;
            case JsonValue value:
                if (value.TryGetValue<string>(out var text)) w.WriteBulk(text);
                else if (value.TryGetValue<long>(out var number)) w.WriteInteger(number);
                else if (value.TryGetValue<double>(out var real)) w.WriteDouble(real);
                else if (value.TryGetValue<bool>(out var flag)) w.WriteBoolean(flag);
                else w.WriteNull();
                break;
        }
    }

    private static IEnumerable<string> StatusItems(JsonNode? node)
    {
        var items = node is JsonObject o ? o["~"] as JsonArray : node as JsonArray;
        if (items == null) yield break;
        foreach (var item in items)
            yield return item is JsonObject s ? (string?)s["+"] ?? "" : (string?)item ?? "";
    }

    /// <summary>Whether the command's flags (COMMAND INFO entry 2) include <paramref name="flag"/>.</summary>
    public static bool HasFlag(CommandDef def, string flag)
    {
        foreach (var f in StatusItems(def.Info[2]))
            if (f == flag) return true;
        return false;
    }

    /// <summary>COMMAND LIST FILTERBY ACLCAT: the category (without '@', any case) is among the command's.</summary>
    public static bool HasAclCategory(CommandDef def, string category)
    {
        foreach (var c in StatusItems(def.Info[6]))
            if (c.Length == category.Length + 1 && string.Compare(c, 1, category, 0, category.Length, StringComparison.OrdinalIgnoreCase) == 0)
                return true;
        return false;
    }

    // ------------------------------------------------------------------ key specs

    /// <summary>One key spec of COMMAND INFO entry 8, parsed (Redis's keySpec).</summary>
    private sealed class KeySpec
    {
        public string[] Flags = Array.Empty<string>();
        public bool NotKey, Incomplete, VariableFlags;
        /// <summary>"index", "keyword" or anything else (unknown).</summary>
        public string BeginType = "";
        public int Index;
        public string Keyword = "";
        public int StartFrom;
        /// <summary>"range", "keynum" or anything else (unknown).</summary>
        public string FindType = "";
        public int LastKey, KeyStep = 1, Limit, KeyNumIndex, FirstKey;
    }

    private static KeySpec[] KeySpecs(CommandDef def)
    {
        var cached = Cache.GetValue(def, static _ => new Cached());
        if (cached.KeySpecs != null) return cached.KeySpecs;
        var specs = new List<KeySpec>();
        var info = def.Info.AsArray();
        var items = info.Count > 8 ? (info[8] is JsonObject o ? o["~"] as JsonArray : info[8] as JsonArray) : null;
        if (items != null)
        {
            foreach (var item in items)
            {
                var spec = new KeySpec();
                var flags = new List<string>(StatusItems(MapGet(item, "flags")));
                spec.Flags = flags.ToArray();
                spec.NotKey = flags.Contains("not_key");
                spec.Incomplete = flags.Contains("incomplete");
                spec.VariableFlags = flags.Contains("variable_flags");
                var begin = MapGet(item, "begin_search");
                spec.BeginType = (string?)MapGet(begin, "type") ?? "";
                var beginSpec = MapGet(begin, "spec");
                spec.Index = IntOf(MapGet(beginSpec, "index"));
                spec.Keyword = (string?)MapGet(beginSpec, "keyword") ?? "";
                spec.StartFrom = IntOf(MapGet(beginSpec, "startfrom"));
                var find = MapGet(item, "find_keys");
                spec.FindType = (string?)MapGet(find, "type") ?? "";
                var findSpec = MapGet(find, "spec");
                spec.LastKey = IntOf(MapGet(findSpec, "lastkey"));
                spec.KeyStep = Math.Max(1, IntOf(MapGet(findSpec, "keystep")));
                spec.Limit = IntOf(MapGet(findSpec, "limit"));
                spec.KeyNumIndex = IntOf(MapGet(findSpec, "keynumidx"));
                spec.FirstKey = IntOf(MapGet(findSpec, "firstkey"));
                specs.Add(spec);
            }
        }
        return cached.KeySpecs = specs.ToArray();
    }

    private static JsonNode? MapGet(JsonNode? map, string key)
    {
        if (map?["%"] is not JsonArray pairs) return null;
        foreach (var pair in pairs)
            if ((string?)pair?[0] == key) return pair![1];
        return null;
    }

    private static int IntOf(JsonNode? node) => node is JsonValue v && v.TryGetValue<int>(out int n) ? n : 0;

    /// <summary>Commands whose keys Redis finds with a getkeys procedure when the specs cannot (incomplete or argument-dependent).</summary>
    private static bool HasKeyProcedure(CommandDef def) => def.Name is "sort" or "sort_ro" or "migrate" or "set" or "bitfield";

    /// <summary>Redis's doesCommandHaveKeys: a getkeys procedure or a key spec that is not NOT_KEY.</summary>
    public static bool HasKeys(CommandDef def)
    {
        if (HasKeyProcedure(def)) return true;
        foreach (var spec in KeySpecs(def))
            if (!spec.NotKey) return true;
        return false;
    }

    /// <summary>Redis's getKeysFromCommandWithSpecs: specs first when they are reliable, else the command's own procedure.</summary>
    public static void GetKeys(CommandDef def, RespArgs argv, List<(int, string[])> keys)
    {
        var specs = KeySpecs(def);
        bool hasKeySpec = false, hasVariableFlags = false;
        foreach (var spec in specs)
        {
            hasKeySpec |= !spec.NotKey;
            hasVariableFlags |= spec.VariableFlags;
        }
        if (hasKeySpec && !hasVariableFlags)
        {
            if (GetKeysFromSpecs(def, specs, argv, keys)) return;
            keys.Clear();
        }
        if (HasKeyProcedure(def)) GetKeysByProcedure(def.Name, argv, keys);
    }

    /// <summary>Redis's getKeysUsingKeySpecs; false when a spec does not apply (the caller falls back).</summary>
    private static bool GetKeysFromSpecs(CommandDef def, KeySpec[] specs, RespArgs argv, List<(int, string[])> keys)
    {
        int argc = argv.Count;
        foreach (var spec in specs)
        {
            if (spec.NotKey) continue;
            if (spec.Incomplete) return false;
            int first = 0;
            if (spec.BeginType == "index")
            {
                first = spec.Index;
            }
            else if (spec.BeginType == "keyword")
            {
                int start = spec.StartFrom > 0 ? spec.StartFrom : argc + spec.StartFrom;
                int end = spec.StartFrom > 0 ? argc - 1 : 1;
                for (int i = start; ; i = start <= end ? i + 1 : i - 1)
                {
                    if (i >= argc || i < 1) break;
                    if (Ascii.EqualsIgnoreCase(argv[i], System.Text.Encoding.ASCII.GetBytes(spec.Keyword)))
                    {
                        first = i + 1;
                        break;
                    }
                    if (i == end) break;
                }
                if (first == 0) continue;
            }
            else
            {
                return false;
            }

            int last, step;
            if (spec.FindType == "range")
            {
                step = spec.KeyStep;
                if (spec.LastKey >= 0) last = first + spec.LastKey;
                else if (spec.Limit == 0) last = argc + spec.LastKey;
                else last = first + ((argc - first) / spec.Limit + spec.LastKey);
            }
            else if (spec.FindType == "keynum")
            {
                step = spec.KeyStep;
                int at = first + spec.KeyNumIndex;
                if (at >= argc || !Session.TryParseLong(argv[at], out long numKeys) || numKeys < 0) return false;
                first += spec.FirstKey;
                last = first + (int)Math.Min(numKeys, int.MaxValue / 2) - 1;
            }
            else
            {
                return false;
            }
            if (last >= argc || last < first || first >= argc) return false;
            for (int i = first; i <= last; i += step)
            {
                if (i >= argc) continue;
                keys.Add((i, spec.Flags));
            }
        }
        _ = def;
        return true;
    }

    private static readonly string[] FlagsRoAccess = { "RO", "access" };
    private static readonly string[] FlagsRwAccessUpdate = { "RW", "access", "update" };
    private static readonly string[] FlagsRwAccessDelete = { "RW", "access", "delete" };
    private static readonly string[] FlagsOwUpdate = { "OW", "update" };

    /// <summary>Redis's sortGetKeys, sortROGetKeys, migrateGetKeys, setGetKeys and bitfieldGetKeys.</summary>
    private static void GetKeysByProcedure(string name, RespArgs argv, List<(int, string[])> keys)
    {
        int argc = argv.Count;
        switch (name)
        {
            case "sort_ro":
                keys.Add((1, FlagsRoAccess));
                break;
            case "sort":
            {
                keys.Add((1, FlagsRoAccess));
                int store = -1;
                for (int i = 2; i < argc; i++)
                {
                    if (argv.Is(i, "LIMIT"u8)) i += 2;
                    else if (argv.Is(i, "GET"u8) || argv.Is(i, "BY"u8)) i += 1;
                    else if (argv.Is(i, "STORE"u8) && i + 1 < argc) store = i + 1;
                }
                if (store > 0) keys.Add((store, FlagsOwUpdate));
                break;
            }
            case "migrate":
            {
                int first = 3, num = 1;
                if (argc > 6)
                {
                    for (int i = 6; i < argc; i++)
                    {
                        if (argv.Is(i, "KEYS"u8))
                        {
                            if (argv[3].Length > 0) return;
                            first = i + 1;
                            num = argc - first;
                            break;
                        }
                        if (argv.Is(i, "AUTH"u8)) i += 1;
                        else if (argv.Is(i, "AUTH2"u8)) i += 2;
                    }
                }
                for (int i = 0; i < num; i++) keys.Add((first + i, FlagsRwAccessDelete));
                break;
            }
            case "set":
            {
                var flags = FlagsOwUpdate;
                for (int i = 3; i < argc; i++)
                {
                    if (argv.Is(i, "GET"u8))
                    {
                        flags = FlagsRwAccessUpdate;
                        break;
                    }
                }
                keys.Add((1, flags));
                break;
            }
            case "bitfield":
            {
                bool readOnly = true;
                for (int i = 2; i < argc; i++)
                {
                    int remaining = argc - i - 1;
                    if (argv.Is(i, "GET"u8) && remaining >= 2) i += 2;
                    else if ((argv.Is(i, "SET"u8) || argv.Is(i, "INCRBY"u8)) && remaining >= 3)
                    {
                        readOnly = false;
                        break;
                    }
                    else if (argv.Is(i, "OVERFLOW"u8) && remaining >= 1) i += 1;
                    else
                    {
                        readOnly = false;
                        break;
                    }
                }
                keys.Add((1, readOnly ? FlagsRoAccess : FlagsRwAccessUpdate));
                break;
            }
        }
    }
}
