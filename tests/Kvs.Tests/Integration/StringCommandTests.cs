using Kvs.Tests.Infrastructure;
using Xunit;

namespace Kvs.Tests.Integration;

public sealed class StringCommandTests(KvsServerFixture fixture) : IClassFixture<KvsServerFixture>
{
    [Fact]
    public void SetThenGetRoundTripsBinaryValues()
    {
        using var c = fixture.Connect();
        var value = new byte[] { 0, 1, 2, 13, 10, 255 };
        Assert.Equal("OK", c.Call("SET", new byte[] { 0, 255, 10 }, value).Text);
        Assert.Equal(value, c.Call("GET", new byte[] { 0, 255, 10 }).Bytes);
    }

    [Fact]
    public void GetOfMissingKeyIsNull()
    {
        using var c = fixture.Connect();
        Assert.Equal("$-1\r\n", System.Text.Encoding.ASCII.GetString(c.CallRaw("GET", "no-such-key-" + Guid.NewGuid())));
    }
}
