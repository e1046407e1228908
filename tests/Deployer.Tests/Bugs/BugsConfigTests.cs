using System.Text.Json;
using ChatOpsReconfig.Deployer.Bugs;
using ChatOpsReconfig.Deployer.Fleet;

namespace ChatOpsReconfig.Deployer.Tests.Bugs;

public sealed class BugsConfigTests
{
    private static FleetConfig Fleet(string bugs) => new()
    {
        Repos = { ["buildbot-configs"] = new RepoConfig { Url = "https://hg.mozilla.org/build/buildbot-configs", Kind = RepoKind.Hg }, ["tools"] = new RepoConfig() },
        Extra = new Dictionary<string, JsonElement> { ["bugs"] = JsonDocument.Parse(bugs, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip }).RootElement },
    };

    [Fact]
    public void ValidSection_HasNoProblems_AndBinds()
    {
        var fleet = Fleet("""
            { "bmo": { "kind": "bugzilla", "url": "https://bugzilla.mozilla.org", "apiKeyEnv": "CHATOPS_BUGZILLA_KEY", "repos": ["buildbot-configs"] },
              "gh": { "kind": "github", "url": "https://api.github.com", "project": "mozilla/tools", "tokenEnv": "CHATOPS_GITHUB_TOKEN", "repos": ["tools"],
                      "template": "Deployed (rollout #{rollout}) to {hosts}." } }
            """);
        Assert.DoesNotContain(DeployerConfig.Validate(fleet), p => p.StartsWith("bugs", StringComparison.Ordinal));
        var bugs = BugsOptions.From(fleet);
        Assert.True(bugs["gh"].IsGitHub);
        Assert.Equal(["buildbot-configs"], bugs["bmo"].Repos);
    }

    [Fact]
    public void EveryProblem_IsNamedByItsKey()
    {
        var problems = BugsConfigValidator.Validate(
            Fleet("{}"),
            new Dictionary<string, BugTrackerOptions>
            {
                ["a"] = new() { Kind = "jira", Url = "ftp://x", Repos = ["nope"], Template = "rollout {id}" },
                ["b"] = new() { Kind = "github", Url = "https://api.github.com", TokenFile = "/nonexistent/token", Repos = [] },
                ["c"] = new() { Url = "https://bugzilla.example.org", ApiKeyEnv = "K", Repos = ["tools"] },
                ["d"] = new() { Url = "https://bugzilla.example.org", DryRun = true, Repos = ["tools"], TimeoutSeconds = 0 },
            },
            _ => null);

        Assert.Contains("bugs.a.kind: 'jira' is not a tracker kind; use bugzilla or github", problems);
        Assert.Contains("bugs.a.url: 'ftp://x' is not an http(s) URL", problems);
        Assert.Contains(problems, p => p.StartsWith("bugs.a.repos: no repo named 'nope'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("bugs.a.template: unknown placeholder {id}", StringComparison.Ordinal));
        Assert.Contains("bugs.a.apiKeyEnv: required (or apiKeyFile) unless dryRun is true", problems);
        Assert.Contains("bugs.b.project: required for github trackers, as owner/name", problems);
        Assert.Contains("bugs.b.tokenFile: no file /nonexistent/token", problems);
        Assert.Contains("bugs.b.repos: name at least one repo", problems);
        Assert.Contains("bugs.d.repos: 'tools' already reports to tracker 'c'", problems);
        Assert.Contains("bugs.d.timeoutSeconds: 0 is out of range 1–600", problems);
        Assert.DoesNotContain(problems, p => p.StartsWith("bugs.c", StringComparison.Ordinal));
    }

    [Fact]
    public void ASecretInTheConfig_IsRefusedByKey()
    {
        var problems = DeployerConfig.Validate(Fleet("""{ "bmo": { "url": "https://bugzilla.example.org", "apiKey": "s3cret", "repos": ["tools"] } }"""));
        var problem = Assert.Single(problems, p => p.StartsWith("bugs", StringComparison.Ordinal));
        Assert.StartsWith("bugs.bmo.apiKey: unknown key", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", problem, StringComparison.Ordinal);
    }
}
