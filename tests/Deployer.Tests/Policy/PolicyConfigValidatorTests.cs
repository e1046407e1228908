using System.Text.Json;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Locks;
using ChatOpsReconfig.Deployer.Policy;

namespace ChatOpsReconfig.Deployer.Tests.Policy;

public sealed class PolicyConfigValidatorTests
{
    [Fact]
    public void Validate_Defaults_HasNoProblems() => Assert.Empty(PolicyConfigValidator.Validate(new LockOptions(), new PolicyOptions()));

    [Fact]
    public void Validate_EveryProblem_NamesItsKey()
    {
        var locks = new LockOptions { DefaultMinutes = 800, MaximumMinutes = 720, WarningMinutes = -1 };
        var policy = new PolicyOptions
            {
                QuietMinutes = -1,
                TimeZone = "Mars/Olympus",
                LagWarningMinutes = 15,
                LagCriticalMinutes = 10,
                CiTimeoutSeconds = 0,
                Freezes =
                [
                    new FreezeOptions { Cron = "0 9 * * 1", DurationMinutes = 60, Reason = "ok" },
                    new FreezeOptions { Cron = "0 25 * * 1", DurationMinutes = -5, Reason = " ", TimeZone = "Nowhere/Town" },
                ],
            };

        var problems = PolicyConfigValidator.Validate(locks, policy);

        Assert.Equal(
            [
                "lock.defaultMinutes: 800 is more than 720 (minutes, at most lock.maximumMinutes)",
                "lock.warningMinutes: -1 is less than 0 (minutes, less than lock.maximumMinutes)",
                "policy.quietMinutes: -1 is less than 0 (minutes)",
                "policy.timeZone: unknown time zone 'Mars/Olympus' (use an IANA name such as Europe/Berlin, or UTC)",
                "policy.lagCriticalMinutes: 10 is less than policy.lagWarningMinutes (15)",
                "policy.ciTimeoutSeconds: 0 is less than 1 (seconds)",
                "policy.freezes[1].cron: invalid cron expression '0 25 * * 1' (five fields: minute hour day-of-month month day-of-week, e.g. '0 9 * * 1')",
                "policy.freezes[1].durationMinutes: -5 is less than 1 (minutes, 31 days)",
                "policy.freezes[1].reason: required (it is shown while the freeze is open)",
                "policy.freezes[1].timeZone: unknown time zone 'Nowhere/Town'",
            ],
            problems);
    }

    [Fact]
    public void DeployerConfig_IncludesPolicyProblems()
    {
        var config = Parse("""{ "policy": { "quietMinutes": -3 } }""");

        Assert.Contains("policy.quietMinutes: -3 is less than 0 (minutes)", DeployerConfig.Validate(config));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(0.2)]
    [InlineData(0.5)]
    [InlineData(1440)]
    public void Validate_QuietMinutesWithAFraction_IsAccepted(double minutes) =>
        Assert.Empty(PolicyConfigValidator.Validate(new LockOptions(), new PolicyOptions { QuietMinutes = minutes }));

    [Theory]
    [InlineData(-0.5, "policy.quietMinutes: -0.5 is less than 0 (minutes)")]
    [InlineData(1440.5, "policy.quietMinutes: 1440.5 is more than 1440 (minutes)")]
    [InlineData(1e9, "policy.quietMinutes: 1000000000 is more than 1440 (minutes)")]
    public void Validate_QuietMinutesOutOfRange_IsRefusedWithItsValue(double minutes, string problem) =>
        Assert.Equal([problem], PolicyConfigValidator.Validate(new LockOptions(), new PolicyOptions { QuietMinutes = minutes }));

    [Fact]
    public void Loader_QuietMinutesWithAFraction_BindsAsMinutes()
    {
        var config = Parse("""{ "policy": { "quietMinutes": 0.2 } }""");

        Assert.Empty(DeployerConfig.Validate(config));
        Assert.Equal(TimeSpan.FromSeconds(12), TimeSpan.FromMinutes(PolicyOptions.From(config).QuietMinutes));
    }

    [Fact]
    public void DeployerConfig_UnknownKeyInASection_NamedWithItsPath()
    {
        var problem = Assert.Single(DeployerConfig.Validate(Parse("""{ "policy": { "quietMinuts": 3 } }""")));

        Assert.StartsWith("policy.quietMinuts: unknown key", problem, StringComparison.Ordinal);
    }

    private static FleetConfig Parse(string json) => JsonSerializer.Deserialize<FleetConfig>(json, FleetConfigLoader.JsonOptions)!;

    [Fact]
    public void Loader_BindsLockAndPolicySectionsInCamelCase()
    {
        const string json = """
            {
              "lock": { "defaultMinutes": 60, "maximumMinutes": 240, "warningMinutes": 5 },
              "policy": {
                "quietMinutes": 3,
                "timeZone": "Europe/Berlin",
                "lagWarningMinutes": 20,
                "lagCriticalMinutes": 40,
                "autoResumeInterrupted": false,
                "ciTimeoutSeconds": 5,
                "freezes": [ { "cron": "0 9 * * 1", "durationMinutes": 480, "reason": "release week", "timeZone": "UTC" } ]
              }
            }
            """;

        var config = Parse(json);
        var policy = PolicyOptions.From(config);

        Assert.Equal(new LockOptions { DefaultMinutes = 60, MaximumMinutes = 240, WarningMinutes = 5 }, LockOptions.From(config));
        Assert.Equal((3.0, "Europe/Berlin", 20, 40, false, 5), (policy.QuietMinutes, policy.TimeZone, policy.LagWarningMinutes, policy.LagCriticalMinutes, policy.AutoResumeInterrupted, policy.CiTimeoutSeconds));
        Assert.Equal(new FreezeOptions { Cron = "0 9 * * 1", DurationMinutes = 480, Reason = "release week", TimeZone = "UTC" }, Assert.Single(policy.Freezes));
    }

    [Fact]
    public void Loader_MissingSections_UseDefaults()
    {
        var config = Parse("{}");
        var (locks, policy) = (LockOptions.From(config), PolicyOptions.From(config));

        Assert.Equal((120, 720, 10), (locks.DefaultMinutes, locks.MaximumMinutes, locks.WarningMinutes));
        Assert.Equal((5.0, 15, 30, true, "UTC"), (policy.QuietMinutes, policy.LagWarningMinutes, policy.LagCriticalMinutes, policy.AutoResumeInterrupted, policy.TimeZone));
    }

    [Theory]
    [InlineData("""{ "policy": { "quietMinuts": 3 } }""")]
    [InlineData("""{ "lock": { "defaultDuration": "2h" } }""")]
    [InlineData("""{ "policy": { "freezes": [ { "cron": "@daily", "reason": "x", "until": "18:00" } ] } }""")]
    public void Loader_UnknownKeyInsideSections_IsRejected(string json) =>
        Assert.Throws<JsonException>(() => (LockOptions.From(Parse(json)), PolicyOptions.From(Parse(json))));
}
