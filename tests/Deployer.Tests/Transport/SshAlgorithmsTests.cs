using ChatOpsReconfig.Deployer.Transport;
using Renci.SshNet;

namespace ChatOpsReconfig.Deployer.Tests.Transport;

public sealed class SshAlgorithmsTests
{
    private static ConnectionInfo Info() => new("localhost", "user", new NoneAuthenticationMethod("user"));

    [Fact]
    public void ApplyKeyExchange_Default_OffersCheapAlgorithmsBeforeSntrupAndKeepsTheRest()
    {
        var info = Info();
        var before = info.KeyExchangeAlgorithms.Keys.ToList();

        SshAlgorithms.ApplyKeyExchange(info, null);

        var after = info.KeyExchangeAlgorithms.Keys.ToList();
        Assert.Equal(before.Order(StringComparer.Ordinal), after.Order(StringComparer.Ordinal));
        Assert.Equal("mlkem768x25519-sha256", after[0]);
        Assert.True(after.IndexOf("curve25519-sha256") < after.IndexOf("sntrup761x25519-sha512"));
        Assert.True(after.IndexOf("ecdh-sha2-nistp256") < after.IndexOf("sntrup761x25519-sha512@openssh.com"));
    }

    [Fact]
    public void ApplyKeyExchange_Configured_OffersExactlyThoseInThatOrder()
    {
        var info = Info();

        SshAlgorithms.ApplyKeyExchange(info, ["sntrup761x25519-sha512", "curve25519-sha256"]);

        Assert.Equal(["sntrup761x25519-sha512", "curve25519-sha256"], info.KeyExchangeAlgorithms.Keys);
    }
}
