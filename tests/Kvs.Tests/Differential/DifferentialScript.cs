using System.Text;

namespace Kvs.Tests.Differential;

/// <summary>
/// A differential script: one command per line in redis-cli syntax (whitespace separated,
/// "double quotes" with \n \r \t \xHH escapes, 'single quotes'). Blank lines and lines starting
/// with # are skipped. A line may start with a directive:
/// <list type="bullet">
/// <item><c>[sorted]</c> compare the replies after sorting the elements of the top-level array;</item>
/// <item><c>[ignore]</c> send to both servers but do not compare (non-deterministic replies);</item>
/// <item><c>[type]</c> compare only the reply's RESP type and shape, not the payload;</item>
/// <item><c>[sleep N]</c> sleep N milliseconds before sending (expiry tests).</item>
/// </list>
/// </summary>
public sealed record ScriptLine(int LineNumber, string Text, List<byte[]> Args, string Mode, int SleepMs);

public static class DifferentialScript
{
    public static List<ScriptLine> Parse(string path)
    {
        var result = new List<ScriptLine>();
        int n = 0;
        foreach (var raw in File.ReadLines(path))
        {
            n++;
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            string mode = "exact";
            int sleep = 0;
            while (line.StartsWith('['))
            {
                int close = line.IndexOf(']');
                string directive = line[1..close];
                line = line[(close + 1)..].TrimStart();
                if (directive.StartsWith("sleep ", StringComparison.Ordinal)) sleep = int.Parse(directive[6..]);
                else mode = directive;
            }
            if (line.Length == 0 && sleep > 0)
            {
                result.Add(new ScriptLine(n, raw, new List<byte[]>(), mode, sleep));
                continue;
            }
            var args = Split(line) ?? throw new FormatException($"{path}:{n}: unbalanced quotes");
            result.Add(new ScriptLine(n, raw, args, mode, sleep));
        }
        return result;
    }

    public static List<byte[]>? Split(string line)
    {
        var args = new List<byte[]>();
        int i = 0;
        while (true)
        {
            while (i < line.Length && char.IsWhiteSpace(line[i])) i++;
            if (i >= line.Length) return args;
            var cur = new List<byte>();
            if (line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length) return null;
                    char c = line[i];
                    if (c == '\\' && i + 3 < line.Length && line[i + 1] == 'x' && Uri.IsHexDigit(line[i + 2]) && Uri.IsHexDigit(line[i + 3]))
                    {
                        cur.Add(Convert.ToByte(line.Substring(i + 2, 2), 16));
                        i += 4;
                    }
                    else if (c == '\\' && i + 1 < line.Length)
                    {
                        char e = line[i + 1];
                        cur.AddRange(Encoding.UTF8.GetBytes((e switch { 'n' => '\n', 'r' => '\r', 't' => '\t', 'b' => '\b', 'a' => '\a', _ => e }).ToString()));
                        i += 2;
                    }
                    else if (c == '"')
                    {
                        i++;
                        break;
                    }
                    else
                    {
                        cur.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
                        i++;
                    }
                }
            }
            else if (line[i] == '\'')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length) return null;
                    char c = line[i];
                    if (c == '\\' && i + 1 < line.Length && line[i + 1] == '\'') { cur.Add((byte)'\''); i += 2; }
                    else if (c == '\'') { i++; break; }
                    else { cur.AddRange(Encoding.UTF8.GetBytes(c.ToString())); i++; }
                }
            }
            else
            {
                while (i < line.Length && !char.IsWhiteSpace(line[i]))
                {
                    cur.AddRange(Encoding.UTF8.GetBytes(line[i].ToString()));
                    i++;
                }
            }
            args.Add(cur.ToArray());
        }
    }
}
