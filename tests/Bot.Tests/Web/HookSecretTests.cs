using System.Security.Cryptography;
using System.Text;
using ChatOpsReconfig.Bot.Hosting;
using ChatOpsReconfig.Bot.Web;

namespace ChatOpsReconfig.Bot.Tests.Web;

public sealed class HookSecretTests : IDisposable
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"ref":"refs/heads/production"}""");

    private readonly string _dir = Directory.CreateTempSubdirectory("chatops-secret-").FullName;
    private readonly string _variable = "CHATOPS_TEST_SECRET_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(_variable, null);
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Verify_SignatureOfTheBodyWithTheSecret_IsValid()
    {
        var secret = FromFile("s3cret\n");

        Assert.True(secret.Required);
        Assert.Equal(SignatureCheck.Valid, secret.Verify(Body, Sign("s3cret", Body)));
        Assert.Equal(SignatureCheck.Valid, secret.Verify(Body, Sign("s3cret", Body).ToUpperInvariant().Replace("SHA256=", "sha256=", StringComparison.Ordinal)));
    }

    [Fact]
    public void Verify_WrongMissingOrMalformed_IsRefused()
    {
        var secret = FromFile("s3cret");

        Assert.Equal(SignatureCheck.Mismatch, secret.Verify(Body, Sign("other", Body)));
        Assert.Equal(SignatureCheck.Mismatch, secret.Verify([.. Body, (byte)' '], Sign("s3cret", Body)));
        Assert.Equal(SignatureCheck.Missing, secret.Verify(Body, null));
        Assert.Equal(SignatureCheck.Missing, secret.Verify(Body, ""));
        Assert.Equal(SignatureCheck.Malformed, secret.Verify(Body, "sha256=xyz"));
        Assert.Equal(SignatureCheck.Malformed, secret.Verify(Body, "sha1=" + new string('0', 40)));
        Assert.Equal(SignatureCheck.Malformed, secret.Verify(Body, "sha256=" + new string('g', 64)));
    }

    [Fact]
    public void Load_EnvironmentVariableSet_TakesPrecedenceOverTheFile()
    {
        File.WriteAllText(Path.Combine(_dir, "secret"), "from-file");
        Environment.SetEnvironmentVariable(_variable, "from-env");

        var secret = HookSecret.Load(new WebOptions { HookSecretEnv = _variable, HookSecretFile = Path.Combine(_dir, "secret") });

        Assert.Equal(SignatureCheck.Valid, secret.Verify(Body, Sign("from-env", Body)));
        Assert.Equal($"environment variable {_variable}", secret.Source);
    }

    [Fact]
    public void Load_NeitherSet_RequiresNoSignature()
    {
        var secret = HookSecret.Load(new WebOptions { HookSecretEnv = _variable });

        Assert.False(secret.Required);
        Assert.Equal(SignatureCheck.NotRequired, secret.Verify(Body, null));
    }

    [Theory]
    [InlineData("missing", "does not exist")]
    [InlineData("empty", "is empty")]
    [InlineData("dir", "is a directory")]
    public void Validate_UnusableSecretFile_NamesTheKey(string which, string problem)
    {
        File.WriteAllText(Path.Combine(_dir, "empty"), " \n");
        Directory.CreateDirectory(Path.Combine(_dir, "dir"));
        var fleet = Fleet($$"""{"hookSecretFile":"{{Path.Combine(_dir, which)}}"}""");

        var problems = BotOptions.Validate(fleet);

        var p = Assert.Single(problems);
        Assert.StartsWith("web.hookSecretFile: ", p, StringComparison.Ordinal);
        Assert.EndsWith(problem, p, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SecretInTheConfigOrBadVariableName_IsRefused()
    {
        var problems = BotOptions.Validate(Fleet("""{"hookSecret":"hunter2","hookSecretEnv":"2BAD-NAME"}"""));

        Assert.Equal(
            [
                "web.hookSecret: secrets do not go in the config; set web.hookSecretEnv or web.hookSecretFile",
                "web.hookSecretEnv: an environment variable name (letters, digits and '_', not starting with a digit)",
            ],
            problems);
    }

    private HookSecret FromFile(string content)
    {
        var path = Path.Combine(_dir, "secret");
        File.WriteAllText(path, content);
        return HookSecret.Load(new WebOptions { HookSecretEnv = _variable, HookSecretFile = path });
    }

    private static Deployer.Fleet.FleetConfig Fleet(string web) => new()
    {
        Extra = new() { ["web"] = System.Text.Json.JsonDocument.Parse(web).RootElement.Clone() },
    };

    private static string Sign(string key, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), body));
}
