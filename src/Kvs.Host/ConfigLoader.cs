using System.Collections;
using System.Text;
using Kvs.Core.Config;
using Kvs.Resp.Protocol;

namespace Kvs.Host;

/// <summary>
/// Builds the <see cref="ServerConfig"/> the way redis-server does: an optional config file in
/// redis.conf syntax as the first argument, then <c>KVS_&lt;OPTION&gt;</c> environment variables,
/// then <c>--option value...</c> flags (later sources win). Any unknown option or bad value is an
/// error naming it, and the server does not start.
/// </summary>
public static class ConfigLoader
{
    public sealed class ConfigException(string message) : Exception(message);

    public static ServerConfig Load(string[] args, IDictionary? environment = null)
    {
        var config = new ServerConfig();
        int i = 0;
        if (args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal))
        {
            string path = args[0];
            if (!File.Exists(path)) throw new ConfigException($"Fatal error, can't open config file '{Path.GetFullPath(path)}'");
            LoadFile(config, path);
            config.ConfigFile = Path.GetFullPath(path);
            i = 1;
        }
        environment ??= Environment.GetEnvironmentVariables();
        foreach (DictionaryEntry entry in environment)
        {
            string name = (string)entry.Key;
            if (!name.StartsWith("KVS_", StringComparison.Ordinal)) continue;
            string option = name[4..].ToLowerInvariant().Replace('_', '-');
            Apply(config, option, (string?)entry.Value ?? "", $"environment variable {name}");
        }
        while (i < args.Length)
        {
            string flag = args[i];
            if (!flag.StartsWith("--", StringComparison.Ordinal) || flag.Length == 2)
                throw new ConfigException($"Invalid argument '{flag}': options are given as --name value");
            string option = flag[2..];
            var values = new List<string>();
            i++;
            while (i < args.Length && !args[i].StartsWith("--", StringComparison.Ordinal)) values.Add(args[i++]);
            Apply(config, option, string.Join(' ', values), $"argument --{option}");
        }
        return config;
    }

    private static void LoadFile(ServerConfig config, string path)
    {
        int lineNo = 0;
        bool saveSeen = false;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var parts = SplitArgs(line) ?? throw new ConfigException($"Config file '{path}', line {lineNo}: unbalanced quotes in '{line}'");
            if (parts.Count == 0) continue;
            string option = parts[0].ToLowerInvariant();
            string value = string.Join(' ', parts.Skip(1));
            if (option == "save" && saveSeen && value.Length > 0) value = config.Save + " " + value;
            if (option == "save") saveSeen = true;
            Apply(config, option, value, $"config file '{path}', line {lineNo} ('{line}')");
        }
    }

    private static void Apply(ServerConfig config, string option, string value, string where)
    {
        var def = ServerConfig.FindOption(option)
            ?? throw new ConfigException($"Bad directive or wrong number of arguments: unknown option '{option}' in {where}");
        string? error = config.Set(def, value, atStartup: true);
        if (error != null) throw new ConfigException($"Invalid value '{value}' for option '{def.Name}' in {where}: {error}");
    }

    /// <summary>
    /// redis.conf argument splitting is Redis's sdssplitargs, the same function that splits
    /// inline commands, so quoting and escapes ("\x41", "\n", 'it\'s') behave exactly alike.
    /// </summary>
    private static List<string>? SplitArgs(string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line);
        var output = new byte[bytes.Length];
        var ranges = new ArgRange[8];
        if (!RequestParser.SplitArgs(bytes, output, ref ranges, out int count)) return null;
        var result = new List<string>(count);
        for (int i = 0; i < count; i++) result.Add(Encoding.UTF8.GetString(output, ranges[i].Offset, ranges[i].Length));
        return result;
    }
}
