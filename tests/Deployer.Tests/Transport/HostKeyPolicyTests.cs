using ChatOpsReconfig.Deployer.Transport;

namespace ChatOpsReconfig.Deployer.Tests.Transport;

/// <summary>
/// Keys, fingerprints and hashed lines below come from OpenSSH itself (ssh-keygen -t …, ssh-keygen -lf, ssh-keygen -H),
/// so these tests check our reading against the reference implementation, not against our own writing.
/// </summary>
public sealed class HostKeyPolicyTests : IDisposable
{
    private const string Key1 = "AAAAC3NzaC1lZDI1NTE5AAAAIA6N5i6vPafmtX89rtzsuii9+l8JaF4ELRbmTLBLMJsQ";
    private const string Key1Fingerprint = "SHA256:5yguZLouckKhIgMPc62eHqD7MR0aDToaClDWGbp3V5o";
    private const string Key2 = "AAAAC3NzaC1lZDI1NTE5AAAAIMsG8klBLkqf8RnYiCF0ZqZe020sa1QS+WYpPUnkAQeD";
    private const string Key2Fingerprint = "SHA256:JTmX5a2Pn0AoScxLXRKnGmBCqPSfNXYkNF4yuuDjSI8";
    private const string RsaKey = "AAAAB3NzaC1yc2EAAAADAQABAAAAgQCddxeXceCz/B2b3ifPeXSEHZuyOU/sqb1Vsm5ZDbzceGZijPDlWrjO6eLPR3hAPMmnlzR+WCJ+KmORyqIKRFZiuoc/G7a3xpknHQf5Uh1Srzt6JUVKhDMQesc5QaeNEYgYdaGf9nwtSa9WJYDXC9RSfAfwHmEfeQi6GmW1jfUrow==";
    private const string RsaFingerprint = "SHA256:P1uwtHRWApNc4mS1YbsyeXRvMuGXSTTRK/ogkULWNkQ";

    // ssh-keygen -H of "bm01.example.com ssh-ed25519 Key1" and "[10.0.0.5]:2222 ssh-ed25519 Key2".
    private const string HashedBm01 = "|1|e8z6ooI3GHjYo7xTnQ+SnzivUWk=|y/k2QRvmOoHHhfPtcMCzO26qvLY=";
    private const string Hashed10005Port2222 = "|1|15fLmnlg3XMVJkGrD5ml6GPbXzw=|RdZvZPWs+CFx53g/NAKWaz+1JbE=";

    private readonly string _dir = Directory.CreateTempSubdirectory("chatops-hostkeys-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static byte[] Blob(string base64) => Convert.FromBase64String(base64);

    private static HostKeyTarget Target(string address, int port = 22, string? pin = null) => new("bm01", address, port, pin);

    private HostKeyPolicy CreateSut(params string[] lines)
    {
        var path = Path.Combine(_dir, "known_hosts");
        File.WriteAllLines(path, lines);
        return new HostKeyPolicy(path);
    }

    [Theory]
    [InlineData(Key1, Key1Fingerprint)]
    [InlineData(Key2, Key2Fingerprint)]
    [InlineData(RsaKey, RsaFingerprint)]
    public void Fingerprint_OfKeyBlob_MatchesSshKeygen(string key, string expected) =>
        Assert.Equal(expected, HostKeyPolicy.Fingerprint(Blob(key)));

    [Theory]
    [InlineData(Key1, "ssh-ed25519")]
    [InlineData(RsaKey, "ssh-rsa")]
    public void KeyType_OfKeyBlob_IsTheEmbeddedName(string key, string expected) =>
        Assert.Equal(expected, HostKeyPolicy.KeyType(Blob(key)));

    [Fact]
    public void KeyType_OfGarbage_IsNull() => Assert.Null(HostKeyPolicy.KeyType([0xff, 0xff, 0xff, 0xff, 1, 2]));

    [Theory]
    [InlineData("bm01.example.com", 22)]
    [InlineData("BM01.Example.COM", 22)]
    [InlineData("10.0.0.5", 2222)]
    public void Verify_PlainEntry_TrustsSameKey(string address, int port)
    {
        var sut = CreateSut(
            "# fleet hosts",
            "",
            $"bm01.example.com,10.0.0.9 ssh-ed25519 {Key1}",
            $"[10.0.0.5]:2222 ssh-ed25519 {Key1} a comment");

        var verdict = sut.Verify(Target(address, port), Blob(Key1));

        Assert.True(verdict.Trusted, verdict.Refusal?.Problem.ToString());
    }

    [Fact]
    public void Verify_CommaList_MatchesEveryName()
    {
        var sut = CreateSut($"bm01,bm01.example.com,[127.0.0.1]:2200 ssh-ed25519 {Key1}");

        Assert.True(sut.Verify(Target("bm01"), Blob(Key1)).Trusted);
        Assert.True(sut.Verify(Target("bm01.example.com"), Blob(Key1)).Trusted);
        Assert.True(sut.Verify(Target("127.0.0.1", 2200), Blob(Key1)).Trusted);
    }

    [Fact]
    public void Verify_PlainHostEntry_DoesNotCoverOtherPorts()
    {
        var sut = CreateSut($"10.0.0.5 ssh-ed25519 {Key1}");

        var verdict = sut.Verify(Target("10.0.0.5", 2222), Blob(Key1));

        Assert.Equal(ConnectFailureKind.HostKeyUnknown, verdict.Failure);
        Assert.Equal("[10.0.0.5]:2222", verdict.Refusal?.LookupName);
    }

    [Fact]
    public void Verify_Wildcards_AndNegation_FollowOpenSsh()
    {
        var sut = CreateSut($"*.example.com,!evil.example.com ssh-ed25519 {Key1}", $"bm?? ssh-ed25519 {Key1}");

        Assert.True(sut.Verify(Target("bm01.example.com"), Blob(Key1)).Trusted);
        Assert.True(sut.Verify(Target("bm42"), Blob(Key1)).Trusted);
        Assert.Equal(ConnectFailureKind.HostKeyUnknown, sut.Verify(Target("evil.example.com"), Blob(Key1)).Failure);
        Assert.Equal(ConnectFailureKind.HostKeyUnknown, sut.Verify(Target("bm123"), Blob(Key1)).Failure);
    }

    [Theory]
    [InlineData("bm01.example.com", 22, Key1)]
    [InlineData("10.0.0.5", 2222, Key2)]
    public void Verify_HashedEntry_MatchesHostAndKey(string address, int port, string key)
    {
        var sut = CreateSut($"{HashedBm01} ssh-ed25519 {Key1}", $"{Hashed10005Port2222} ssh-ed25519 {Key2}");

        var verdict = sut.Verify(Target(address, port), Blob(key));

        Assert.True(verdict.Trusted, verdict.Refusal?.Problem.ToString());
    }

    [Fact]
    public void Verify_HashedEntry_OtherHost_IsUnknown()
    {
        var sut = CreateSut($"{HashedBm01} ssh-ed25519 {Key1}");

        Assert.Equal(ConnectFailureKind.HostKeyUnknown, sut.Verify(Target("bm02.example.com"), Blob(Key1)).Failure);
        Assert.Equal(ConnectFailureKind.HostKeyUnknown, sut.Verify(Target("bm01.example.com", 2222), Blob(Key1)).Failure);
    }

    [Fact]
    public void Verify_HashedEntry_ChangedKey_IsMismatch()
    {
        var sut = CreateSut($"{Hashed10005Port2222} ssh-ed25519 {Key2}");

        var verdict = sut.Verify(Target("10.0.0.5", 2222), Blob(Key1));

        Assert.Equal(ConnectFailureKind.HostKeyMismatch, verdict.Failure);
        Assert.Equal(Key1Fingerprint, verdict.Refusal?.Fingerprint);
        Assert.Equal([Key2Fingerprint], verdict.Refusal?.Expected.Select(e => e.Fingerprint));
    }

    [Fact]
    public void Verify_ChangedKey_NamesHostAndBothFingerprints()
    {
        var sut = CreateSut($"[127.0.0.1]:2222 ssh-ed25519 {Key2}");

        var verdict = sut.Verify(Target("127.0.0.1", 2222), Blob(Key1));

        Assert.False(verdict.Trusted);
        Assert.Equal(ConnectFailureKind.HostKeyMismatch, verdict.Failure);
        Assert.Equal(HostKeyProblem.Changed, verdict.Refusal?.Problem);
        Assert.Equal("bm01 (127.0.0.1:2222)", verdict.Refusal?.Host);
        Assert.Equal(Key1Fingerprint, verdict.Refusal?.Fingerprint);
        Assert.Equal([Key2Fingerprint], verdict.Refusal?.Expected.Select(e => e.Fingerprint));
        Assert.Equal([1], verdict.Refusal?.Expected.Select(e => e.Line));
    }

    [Fact]
    public void Verify_OnlyOtherKeyTypeKnown_IsMismatch()
    {
        var sut = CreateSut($"bm01 ssh-rsa {RsaKey}");

        var verdict = sut.Verify(Target("bm01"), Blob(Key1));

        Assert.Equal(ConnectFailureKind.HostKeyMismatch, verdict.Failure);
        Assert.Equal(HostKeyProblem.OnlyOtherTypes, verdict.Refusal?.Problem);
        Assert.Equal([(RsaFingerprint, (string?)"ssh-rsa")], verdict.Refusal?.Expected.Select(e => (e.Fingerprint, e.KeyType)));
    }

    [Fact]
    public void Verify_UnknownHost_NamesHostAndFingerprint()
    {
        var sut = CreateSut($"bm02 ssh-ed25519 {Key1}");

        var verdict = sut.Verify(Target("bm01"), Blob(Key1));

        Assert.Equal(ConnectFailureKind.HostKeyUnknown, verdict.Failure);
        Assert.Equal(HostKeyProblem.Unknown, verdict.Refusal?.Problem);
        Assert.Equal(("bm01 (bm01:22)", Key1Fingerprint, (string?)"ssh-ed25519"), (verdict.Refusal?.Host, verdict.Refusal?.Fingerprint, verdict.Refusal?.KeyType));
    }

    [Fact]
    public void Verify_RevokedKey_IsRefusedEvenIfAlsoListed()
    {
        var sut = CreateSut($"bm01 ssh-ed25519 {Key1}", $"@revoked * ssh-ed25519 {Key1}");

        var verdict = sut.Verify(Target("bm01"), Blob(Key1));

        Assert.Equal(ConnectFailureKind.HostKeyMismatch, verdict.Failure);
        Assert.Equal(HostKeyProblem.Revoked, verdict.Refusal?.Problem);
        Assert.Equal(2, verdict.Refusal?.Line);
    }

    [Fact]
    public void Verify_CertAuthorityLine_IsNotTrustedAsHostKey()
    {
        var sut = CreateSut($"@cert-authority * ssh-ed25519 {Key1}");

        Assert.Equal(ConnectFailureKind.HostKeyUnknown, sut.Verify(Target("bm01"), Blob(Key1)).Failure);
    }

    [Theory]
    [InlineData(Key1Fingerprint)]
    [InlineData(Key1Fingerprint + "=")]
    [InlineData(" " + Key1Fingerprint + " ")]
    public void Verify_PinnedFingerprint_TrustsWithoutKnownHosts(string pin)
    {
        var sut = new HostKeyPolicy(null);

        Assert.True(sut.Verify(Target("127.0.0.1", 2222, pin), Blob(Key1)).Trusted);
    }

    [Fact]
    public void Verify_PinnedFingerprint_WinsOverKnownHosts()
    {
        var sut = CreateSut($"[127.0.0.1]:2222 ssh-ed25519 {Key1}");

        var verdict = sut.Verify(Target("127.0.0.1", 2222, Key2Fingerprint), Blob(Key1));

        Assert.Equal(ConnectFailureKind.HostKeyMismatch, verdict.Failure);
        Assert.Equal(HostKeyProblem.PinChanged, verdict.Refusal?.Problem);
        Assert.Equal([(Key2Fingerprint, (string?)null)], verdict.Refusal?.Expected.Select(e => (e.Fingerprint, e.Source)));
    }

    [Fact]
    public void Verify_NoKnownHostsAndNoPin_IsUnknown()
    {
        var verdict = new HostKeyPolicy(null).Verify(Target("bm01"), Blob(Key1));

        Assert.Equal(ConnectFailureKind.HostKeyUnknown, verdict.Failure);
        Assert.Equal(HostKeyProblem.NoKnownHosts, verdict.Refusal?.Problem);
        Assert.Equal(Key1Fingerprint, verdict.Refusal?.Fingerprint);
    }

    [Fact]
    public void Verify_MissingKnownHostsFile_IsConfigFailure()
    {
        var verdict = new HostKeyPolicy(Path.Combine(_dir, "nope")).Verify(Target("bm01"), Blob(Key1));

        Assert.Equal(ConnectFailureKind.Config, verdict.Failure);
        Assert.Equal(HostKeyProblem.KnownHostsUnreadable, verdict.Refusal?.Problem);
        Assert.Equal(Path.Combine(_dir, "nope"), verdict.Refusal?.KnownHosts);
        Assert.Contains("nope", verdict.Refusal?.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_KnownHostsEditedBetweenConnects_UsesTheNewText()
    {
        // Key1 and Key2 lines have the same length: the edit is seen by content, not by size or timestamp.
        var sut = CreateSut($"bm01.example.com ssh-ed25519 {Key1}");
        Assert.True(sut.Verify(Target("bm01.example.com"), Blob(Key1)).Trusted);

        File.WriteAllLines(sut.KnownHostsPath!, [$"bm01.example.com ssh-ed25519 {Key2}"]);

        var changed = sut.Verify(Target("bm01.example.com"), Blob(Key1));
        Assert.Equal(ConnectFailureKind.HostKeyMismatch, changed.Failure);
        Assert.True(sut.Verify(Target("bm01.example.com"), Blob(Key2)).Trusted);

        File.Delete(sut.KnownHostsPath!);
        Assert.Equal(ConnectFailureKind.Config, sut.Verify(Target("bm01.example.com"), Blob(Key2)).Failure);
    }

    [Fact]
    public void Parse_BadLines_AreReportedAndSkipped()
    {
        var file = KnownHostsFile.Parse(string.Join('\n',
            $"bm01 ssh-rsa {Key1}",
            "bm02 ssh-ed25519 not-base64!",
            "bm03 ssh-ed25519",
            $"@weird bm04 ssh-ed25519 {Key1}",
            $"|1|nope ssh-ed25519 {Key1}",
            $"bm05 ssh-ed25519 {Key1}"));

        Assert.Equal(
            [
                new KnownHostsProblem(1, KnownHostsLineProblem.KeyTypeMismatch, "ssh-rsa"),
                new KnownHostsProblem(2, KnownHostsLineProblem.KeyNotBase64),
                new KnownHostsProblem(3, KnownHostsLineProblem.TooFewFields),
                new KnownHostsProblem(4, KnownHostsLineProblem.UnknownMarker, "@weird"),
                new KnownHostsProblem(5, KnownHostsLineProblem.MalformedHash),
            ],
            file.Problems);
        var only = Assert.Single(file.Entries);
        Assert.Equal(6, only.Line);
    }

    [Fact]
    public void KnownKeyTypes_ListsTypesRecordedForHost()
    {
        var sut = CreateSut($"[127.0.0.1]:2222 ssh-rsa {RsaKey}", $"[127.0.0.1]:2222 ssh-ed25519 {Key1}", $"other ssh-ed25519 {Key2}");

        Assert.Equal(["ssh-rsa", "ssh-ed25519"], sut.KnownKeyTypes("127.0.0.1", 2222));
        Assert.Empty(sut.KnownKeyTypes("127.0.0.1", 22));
    }
}
