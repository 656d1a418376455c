using Kvs.Resp.Blocking;
using Xunit;

namespace Kvs.Tests.Unit;

/// <summary>
/// Blocking timeouts against ground truth: the expected values were produced by compiling Redis
/// 7.0's string2ld and getTimeoutFromObjectOrReply (strtold, <c>(long long)ceill(v * 1000.0)</c>,
/// x87 long double) with gcc on x86-64 and running them over these inputs. They pin the long
/// double rounding (0.253 s is 254 ms, -0.001 s rounds up to 0 = forever), the overflow to
/// LLONG_MIN ("negative") and strtold's grammar (hex floats, inf, no spaces, underflow).
/// </summary>
public sealed class BlockingTimeoutTests
{
    [Theory]
    [InlineData("0", "0")]
    [InlineData("1", "1000")]
    [InlineData("10", "10000")]
    [InlineData("0.01", "10")]
    [InlineData("0.1", "100")]
    [InlineData("0.253", "254")]
    [InlineData("0.501", "502")]
    [InlineData("1.002", "1003")]
    [InlineData("1.5", "1500")]
    [InlineData(".5", "500")]
    [InlineData("5.", "5000")]
    [InlineData("+0.001", "1")]
    [InlineData("0.001", "1")]
    [InlineData("-0.001", "0")]
    [InlineData("-0.0009999", "0")]
    [InlineData("-0.002", "Negative")]
    [InlineData("-0.5", "Negative")]
    [InlineData("-1", "Negative")]
    [InlineData("-0", "0")]
    [InlineData("1e3", "1000000")]
    [InlineData("1E-3", "1")]
    [InlineData("2.5e-1", "250")]
    [InlineData("0x10", "16000")]
    [InlineData("0x1p-20", "1")]
    [InlineData("0x1.8p1", "3000")]
    [InlineData("0X.8", "500")]
    [InlineData("1e-300", "1")]
    [InlineData("-1e-300", "0")]
    [InlineData("1e-5000", "NotFloat")]
    [InlineData("0e-5000", "0")]
    [InlineData("1e5000", "NotFloat")]
    [InlineData("1e30", "Negative")]
    [InlineData("inf", "Negative")]
    [InlineData("-inf", "Negative")]
    [InlineData("+INF", "Negative")]
    [InlineData("infinity", "Negative")]
    [InlineData("nan", "NotFloat")]
    [InlineData("NaN", "NotFloat")]
    [InlineData("abc", "NotFloat")]
    [InlineData(" 1", "NotFloat")]
    [InlineData("1 ", "NotFloat")]
    [InlineData("1e", "NotFloat")]
    [InlineData("1e+", "NotFloat")]
    [InlineData("0x", "NotFloat")]
    [InlineData(".", "NotFloat")]
    [InlineData("-", "NotFloat")]
    [InlineData("+", "NotFloat")]
    [InlineData("9223372036854775", "9223372036854775000")]
    [InlineData("9223372036854775.807", "9223372036854775807")]
    [InlineData("9223372036854775.808", "Negative")]
    [InlineData("9223372036854775.8075", "Negative")]
    [InlineData("9223372036854774", "9223372036854774000")]
    [InlineData("123456789012", "123456789012000")]
    [InlineData("1234567890123", "1234567890123000")]
    [InlineData("99999999999999999999", "Negative")]
    [InlineData("0.0000000001", "1")]
    [InlineData("3.14159265358979323846264338327950288", "3142")]
    public void ParsesLikeRedis(string input, string expected)
    {
        var result = BlockingTimeout.TryParseMilliseconds(System.Text.Encoding.ASCII.GetBytes(input), out long ms);
        string actual = result == BlockingTimeout.Result.Ok ? ms.ToString(System.Globalization.CultureInfo.InvariantCulture) : result.ToString();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void LongArgumentsAreParsedUpToRedisLimit()
    {
        // MAX_LONG_DOUBLE_CHARS is 5k: 5119 characters still parse, 5120 do not.
        Assert.Equal(BlockingTimeout.Result.Ok, BlockingTimeout.TryParseMilliseconds(System.Text.Encoding.ASCII.GetBytes("1." + new string('0', 5117)), out long ms));
        Assert.Equal(1000, ms);
        Assert.Equal(BlockingTimeout.Result.NotFloat, BlockingTimeout.TryParseMilliseconds(System.Text.Encoding.ASCII.GetBytes("1." + new string('0', 5118)), out _));
        Assert.Equal(BlockingTimeout.Result.Ok, BlockingTimeout.TryParseMilliseconds(System.Text.Encoding.ASCII.GetBytes("0." + new string('0', 100) + "1"), out ms));
        Assert.Equal(1, ms);
    }
}
