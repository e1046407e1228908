using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChatOpsReconfig.Deployer.Tests.Repos;

namespace ChatOpsReconfig.Bot.Tests.Web;

/// <summary>
/// <c>POST /hooks/git</c> and <c>/hooks/hg</c> against the bot on real Kestrel with real git and hg upstreams. The
/// repos poll once an hour, so an announcement within seconds of a push came from the hook.
/// </summary>
public sealed partial class HooksApiTests
{
    /// <summary>Far below the hour-long poll interval; generous for a loaded CI machine.</summary>
    private static readonly TimeSpan Quickly = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The hook logs this (event 512) before it answers whenever it starts a poll, so once the answer is in, its
    /// absence proves no poll was started: no fixed wait for something not to happen.
    /// </summary>
    private const int PollTriggered = 512;

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task PostGit_SignedPushEvent_AnnouncesMergeWithoutWaitingForThePoll(string contentType)
    {
        await using var bot = await HookedBot.StartAsync();
        var rev = await bot.Git!.CommitAsync("Bug 4242 - hooked change", "Bob Builder <bob@example.com>");
        await bot.Git.PushAsync();
        var from = bot.Lines.Count;

        var json = bot.GitHubPush("production", rev);
        var body = contentType == "application/json" ? json : "payload=" + Uri.EscapeDataString(json);
        var clock = Stopwatch.StartNew();
        using var response = await bot.PostAsync("/hooks/git", body, contentType);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("""{"repo":"app","polling":true}""", await response.Content.ReadAsStringAsync());
        await bot.WaitForLineAsync("app production: 1 commit by Bob Builder", Quickly, from);
        await bot.WaitForLineAsync(rev[..12] + "  Bob Builder  Bug 4242 - hooked change", Quickly, from);
        Assert.True(clock.Elapsed < Quickly);
    }

    [Fact]
    public async Task PostGit_RepoQueryOverridesPayload_Polls()
    {
        await using var bot = await HookedBot.StartAsync();
        var rev = await bot.Git!.CommitAsync("named by the query");
        await bot.Git.PushAsync();
        var from = bot.Lines.Count;

        using var response = await bot.PostAsync("/hooks/git?repo=app", bot.GitHubPush("production", rev, repositoryName: "elsewhere", cloneUrl: "https://example.com/elsewhere.git"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await bot.WaitForLineAsync("app production: 1 commit", Quickly, from);
    }

    [Fact]
    public async Task PostGit_Ping_Returns200Pong()
    {
        await using var bot = await HookedBot.StartAsync();

        using var response = await bot.PostAsync("/hooks/git", """{"zen":"Keep it logically awesome.","hook_id":1}""", gitHubEvent: "ping");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"pong\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PostGit_BadOrMissingSignature_Returns401AndNeitherPollsNorLogsTheSecret()
    {
        await using var bot = await HookedBot.StartAsync();
        var rev = await bot.Git!.CommitAsync("pushed, but the hook is forged");
        await bot.Git.PushAsync();
        var polledAt = await bot.LastPollAtAsync(HookedBot.GitRepo);
        var from = bot.Lines.Count;
        var body = bot.GitHubPush("production", rev);
        var wrong = HookedBot.Sign(body, "not the secret");

        foreach (var signature in new[] { null, "", wrong, wrong.ToUpperInvariant()[..20], "sha1=" + new string('0', 40), HookedBot.Sign(body + " ") })
        {
            using var response = await bot.PostAsync("/hooks/git", body, signature: signature);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains("X-Hub-Signature-256", await Detail(response), StringComparison.Ordinal);
        }

        Assert.DoesNotContain(bot.Logs.Entries, e => e.EventId == PollTriggered);
        Assert.Equal(polledAt, await bot.LastPollAtAsync(HookedBot.GitRepo));
        Assert.DoesNotContain(bot.Lines.Skip(from), l => l.Contains("commit", StringComparison.Ordinal));
        Assert.Equal(6, bot.Logs.Entries.Count(e => e.EventId == 510 && e.Message.Contains("refused with 401", StringComparison.Ordinal)));
        Assert.DoesNotContain(bot.Logs.Messages, m => m.Contains(HookedBot.Secret, StringComparison.Ordinal) || m.Contains(wrong[7..], StringComparison.OrdinalIgnoreCase));

        // The same push with the right signature is announced: the refusals were about the signature alone.
        using var signed = await bot.PostAsync("/hooks/git", body);
        Assert.Equal(HttpStatusCode.Accepted, signed.StatusCode);
        Assert.Single(bot.Logs.Entries, e => e.EventId == PollTriggered);
        await bot.WaitForLineAsync("app production: 1 commit", Quickly, from);
    }

    [Fact]
    public async Task PostGit_PushToAnotherBranchOrATag_Returns202IgnoredWithoutPolling()
    {
        await using var bot = await HookedBot.StartAsync();
        var polledAt = await bot.LastPollAtAsync(HookedBot.GitRepo);
        var rev = new string('a', 40);

        using var branch = await bot.PostAsync("/hooks/git", bot.GitHubPush("feature/x", rev));
        using var tag = await bot.PostAsync("/hooks/git", bot.GitHubPush("production", rev).Replace("refs/heads/production", "refs/tags/v1", StringComparison.Ordinal));
        using var issue = await bot.PostAsync("/hooks/git", "{}", gitHubEvent: "issues");

        Assert.Equal(HttpStatusCode.Accepted, branch.StatusCode);
        Assert.Equal("""{"repo":"app","polling":false,"message":"ignored: push to feature/x, not to the production branch (production)"}""", await branch.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Accepted, tag.StatusCode);
        Assert.Contains("ignored: refs/tags/v1 is not a branch", await tag.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, issue.StatusCode);
        Assert.Contains("ignored: event 'issues' is not a push", await issue.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(bot.Logs.Entries, e => e.EventId == PollTriggered);
        Assert.Equal(polledAt, await bot.LastPollAtAsync(HookedBot.GitRepo));
    }

    [Fact]
    public async Task PostHooks_WrongContentType_Returns415()
    {
        await using var bot = await HookedBot.StartAsync();
        var body = bot.GitHubPush("production", new string('a', 40));

        using var text = await bot.PostAsync("/hooks/git", body, "text/plain");
        using var latin1 = await bot.PostAsync("/hooks/git", body, "application/json; charset=iso-8859-1");
        using var formOnHg = await bot.PostAsync("/hooks/hg", "payload=%7B%7D", "application/x-www-form-urlencoded");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
        Assert.Equal("content type 'text/plain' is not application/json or application/x-www-form-urlencoded", await Detail(text));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, latin1.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, formOnHg.StatusCode);
        Assert.Equal("content type 'application/x-www-form-urlencoded' is not application/json", await Detail(formOnHg));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task PostGit_FiveMegabyteBody_Returns413AndKeepsWorking(bool withLength)
    {
        await using var bot = await HookedBot.StartAsync();
        var content = new GeneratedContent(5 * 1024 * 1024, withLength);
        content.Headers.ContentType = new("application/json");

        using var response = await bot.Http.PostAsync("/hooks/git", content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("body is over the limit of 1048576 bytes", await Detail(response));
        using var ping = await bot.PostAsync("/hooks/git", "{}", gitHubEvent: "ping");
        Assert.Equal(HttpStatusCode.OK, ping.StatusCode);
    }

    [Theory]
    [InlineData("not json", "malformed JSON")]
    [InlineData("[1,2]", "expected a JSON object, got array")]
    [InlineData("""{"after":"abc"}""", "missing field 'ref'")]
    [InlineData("""{"ref":7}""", "'ref' must be a string, got number")]
    [InlineData("""{"ref":"production"}""", "'ref' is not a git ref such as refs/heads/production: 'production'")]
    [InlineData("""{"ref":"refs/heads/bad..name"}""", "'ref' is not a git ref such as refs/heads/production: 'refs/heads/bad..name'")]
    [InlineData("""{"ref":"refs/heads/sp ace"}""", "'ref' is not a git ref")]
    [InlineData("""{"ref":"refs/heads/production","after":"xyz"}""", "'after' is not a 40- or 64-character hex commit id: 'xyz'")]
    [InlineData("""{"ref":"refs/heads/production","repository":"app"}""", "'repository' must be an object")]
    [InlineData("""{"ref":"refs/heads/production","repository":{"name":5}}""", "'repository.name' must be a string, got number")]
    [InlineData("""{"ref":"refs/heads/production"}""", "missing field 'repository' with a name or urls (or name the repo with ?repo=NAME)")]
    public async Task PostGit_Malformed_Returns400WithTheReason(string body, string reason)
    {
        await using var bot = await HookedBot.StartAsync();

        using var response = await bot.PostAsync("/hooks/git", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith(reason, await Detail(response), StringComparison.Ordinal);
        Assert.Contains(bot.Logs.Entries, e => e.EventId == 510 && e.Message.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public async Task PostGit_FormWithoutOnePayload_Returns400()
    {
        await using var bot = await HookedBot.StartAsync();
        const string Form = "application/x-www-form-urlencoded";

        using var none = await bot.PostAsync("/hooks/git", "other=1", Form);
        using var two = await bot.PostAsync("/hooks/git", "payload=%7B%7D&payload=%7B%7D", Form);
        using var many = await bot.PostAsync("/hooks/git", string.Join('&', Enumerable.Range(0, 2000).Select(i => $"f{i}=1")), Form);
        using var notJson = await bot.PostAsync("/hooks/git", "payload=nope", Form);

        Assert.Equal("form body without exactly one 'payload' field", await Detail(none));
        Assert.Equal("form body without exactly one 'payload' field", await Detail(two));
        Assert.StartsWith("malformed form body: ", await Detail(many), StringComparison.Ordinal);
        Assert.StartsWith("malformed JSON: ", await Detail(notJson), StringComparison.Ordinal);
        Assert.All(new[] { none, two, many, notJson }, r => Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode));
    }

    [Theory]
    [InlineData("""{"branch":"production"}""", "missing field 'repo'")]
    [InlineData("""{"repo":"hgapp"}""", "missing field 'branch'")]
    [InlineData("""{"repo":"hgapp","branch":""}""", "'branch' must not be empty")]
    [InlineData("""{"repo":"hgapp","branch":"a:b"}""", "'branch' is not a valid Mercurial branch name: 'a:b'")]
    [InlineData("""{"repo":"hgapp","branch":"42"}""", "'branch' is not a valid Mercurial branch name: '42'")]
    [InlineData("""{"repo":"hgapp","branch":"production","node":"not-hex-at-all"}""", "'node' is not a hex changeset id of 12 to 64 characters: 'not-hex-at-all'")]
    [InlineData("""{"repo":"hgapp","branch":"production","node":12}""", "'node' must be a string, got number")]
    public async Task PostHg_Malformed_Returns400WithTheReason(string body, string reason)
    {
        await using var bot = await HookedBot.StartAsync();

        using var response = await bot.PostAsync("/hooks/hg", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(reason, await Detail(response));
    }

    [Fact]
    public async Task PostHg_EverySanitizerCorpusInput_AnswerHarmless()
    {
        await using var bot = await HookedBot.StartAsync(git: false, hg: true);

        foreach (var e in Fixtures.SanitizerCorpus.Entries)
        {
            // The repo name (404 when unknown), the branch (400, or ignored when valid) and the node (400) each carry the input.
            foreach (var payload in new object[] { new { repo = e.Input, branch = "default" }, new { repo = HookedBot.HgRepo, branch = e.Input }, new { repo = HookedBot.HgRepo, branch = "default", node = e.Input } })
            {
                using var response = await bot.PostAsync("/hooks/hg", JsonSerializer.Serialize(payload));
                using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                var said = doc.RootElement.TryGetProperty("detail", out var detail) ? detail.GetString()! : doc.RootElement.GetProperty("message").GetString()!;
                Fixtures.SanitizerCorpus.AssertHarmless(said, $"{e.Name} (/hooks/hg {(int)response.StatusCode})");
            }
        }
    }

    [Fact]
    public async Task PostHooks_UnknownRepo_Returns404NamingTheKnownRepos()
    {
        await using var bot = await HookedBot.StartAsync();
        var rev = new string('a', 40);

        using var byPayload = await bot.PostAsync("/hooks/git", bot.GitHubPush("production", rev, repositoryName: "stranger", cloneUrl: "https://example.com/stranger.git"));
        using var byQuery = await bot.PostAsync("/hooks/git?repo=stranger", bot.GitHubPush("production", rev));
        using var hg = await bot.PostAsync("/hooks/hg", """{"repo":"app","branch":"production"}""");

        Assert.Equal(HttpStatusCode.NotFound, byPayload.StatusCode);
        Assert.Equal("no git repo matches repository 'releng/stranger' by url or name (known git repos: other, app)", await Detail(byPayload));
        Assert.Equal(HttpStatusCode.NotFound, byQuery.StatusCode);
        Assert.Equal("no git repo named 'stranger' (known git repos: other, app)", await Detail(byQuery));
        Assert.Equal(HttpStatusCode.NotFound, hg.StatusCode);
        Assert.Equal("no hg repo named 'app' (no hg repos are configured; app is a git repo, use /hooks/git)", await Detail(hg));
    }

    [Fact]
    public async Task PostGit_NoSecretConfigured_AcceptsUnsignedHooks()
    {
        await using var bot = await HookedBot.StartAsync(signed: false);
        var rev = await bot.Git!.CommitAsync("unsigned but welcome");
        await bot.Git.PushAsync();
        var from = bot.Lines.Count;

        using var response = await bot.PostAsync("/hooks/git", bot.GitHubPush("production", rev), signature: null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await bot.WaitForLineAsync("app production: 1 commit", Quickly, from);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task HgChangegroupHook_ReadmeCurlLine_AnnouncesThePush(bool signed)
    {
        await using var bot = await HookedBot.StartAsync(git: false, hg: true, signed: signed);
        var line = ReadmeHookLine(signed)
            .Replace("\\\"repo\\\":\\\"tools\\\"", $"\\\"repo\\\":\\\"{HookedBot.HgRepo}\\\"", StringComparison.Ordinal)
            .Replace("http://127.0.0.1:8080", bot.Http.BaseAddress!.ToString().TrimEnd('/'), StringComparison.Ordinal)
            .Replace("/etc/chatops/hook-secret", bot.SecretFile, StringComparison.Ordinal);
        await File.AppendAllTextAsync(Path.Combine(bot.Hg!.Url, ".hg", "hgrc"), "[hooks]\n" + line + "\n");
        var rev = await bot.Hg.CommitAsync("Bug 1040013 - pushed to hg", "Carol Hg <carol@example.com>");
        var from = bot.Lines.Count;

        await bot.Hg.PushAsync();

        await bot.WaitForLineAsync("hgapp production: 1 commit by Carol Hg — Bug 1040013", Quickly, from);
        await bot.WaitForLineAsync(rev[..12], Quickly, from);
        Assert.Contains(bot.Logs.Entries, e => e.EventId == 512 && e.Message.Contains(rev, StringComparison.Ordinal));
    }

    [Fact]
    public async Task HgChangegroupHook_PushToAnotherBranch_IsIgnored()
    {
        await using var bot = await HookedBot.StartAsync(git: false, hg: true);

        using var response = await bot.PostAsync("/hooks/hg", """{"repo":"hgapp","branch":"default","node":"0123456789ab"}""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("""{"repo":"hgapp","polling":false,"message":"ignored: push to default, not to the production branch (production)"}""", await response.Content.ReadAsStringAsync());
    }

    private static async Task<string> Detail(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("detail").GetString()!;
    }

    /// <summary>The hgrc line the README documents (the unsigned or the signed one), so the test runs what people copy.</summary>
    private static string ReadmeHookLine(bool signed)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ChatOpsReconfig.sln"))) dir = dir.Parent;
        var readme = File.ReadAllText(Path.Combine(dir!.FullName, "README.md"));
        var lines = HookLine().Matches(readme).Select(m => m.Value).ToList();
        Assert.Equal(2, lines.Count);
        return lines.Single(l => l.Contains("X-Hub-Signature-256", StringComparison.Ordinal) == signed);
    }

    [GeneratedRegex("^changegroup\\.chatops = .*$", RegexOptions.Multiline)]
    private static partial Regex HookLine();

    /// <summary>A body of <c>size</c> spaces produced as it is sent, with a Content-Length or chunked.</summary>
    private sealed class GeneratedContent(long size, bool withLength) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var chunk = Encoding.ASCII.GetBytes(new string(' ', 64 * 1024));
            for (long left = size; left > 0; left -= chunk.Length)
            {
                var n = (int)Math.Min(chunk.Length, left);
                await stream.WriteAsync(chunk.AsMemory(0, n));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = size;
            return withLength;
        }
    }
}
