using System.Text;
using System.Text.Json.Serialization;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Repos;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using ChatOpsReconfig.Deployer;

namespace ChatOpsReconfig.Bot.Web;

/// <summary>The 202 answer of a hook: the repo(s) it concerns and whether a poll was started; <c>message</c> says why not.</summary>
internal sealed record HookAccepted(
    string Repo,
    bool Polling,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message = null);

/// <summary>A hook body that passed the size, type and signature checks, or the answer that refuses it.</summary>
internal sealed record HookBody(ReadOnlyMemory<byte> Json, ProblemHttpResult? Refusal)
{
    public static HookBody Refused(ProblemHttpResult refusal) => new(ReadOnlyMemory<byte>.Empty, refusal);
}

/// <summary>
/// What the hook endpoints share: reading a body within the limit and checking its type and signature, refusing with
/// a logged reason, finding configured repos, and starting polls in the background.
/// </summary>
internal sealed class HookRequests(
    RepoWatcher watcher, FleetConfig fleet, HookSecret secret, HookBodyFailures failures, ILogger<HookRequests> logger, Hosting.LeaderState? leadership = null)
{
    /// <summary>Bodies are refused past this, while reading; a push event of a few hundred commits is well under it.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    private const string Json = "application/json";
    private const string Form = "application/x-www-form-urlencoded";

    /// <summary>
    /// Reads at most <see cref="MaxBodyBytes"/> (more is refused before it is buffered), checks the content type
    /// (JSON, or GitHub's form encoding with the JSON in <c>payload</c> when <paramref name="allowForm"/>) and the
    /// signature of the raw body.
    /// </summary>
    public async Task<HookBody> ReadAsync(HttpRequest request, string endpoint, bool allowForm, CancellationToken cancellationToken)
    {
        // A standby watches nothing and may not write: the sender must reach the leader (503 tells it to try again).
        if (leadership is { Shared: true, IsLeader: false })
        {
            return HookBody.Refused(Refuse(request, endpoint, StatusCodes.Status503ServiceUnavailable,
                $"this bot ({SafeText.Clean(leadership.Instance)}) stands by; {SafeText.Clean(leadership.Current?.Instance ?? "another bot")} leads: send hooks to the leader. Nothing was polled"));
        }

        _ = MediaTypeHeaderValue.TryParse(request.ContentType, out var type);
        var isJson = type?.MediaType.Equals(Json, StringComparison.OrdinalIgnoreCase) == true;
        var isForm = allowForm && type?.MediaType.Equals(Form, StringComparison.OrdinalIgnoreCase) == true;
        if (type is null || !(isJson || isForm))
        {
            var accepted = allowForm ? $"{Json} or {Form}" : Json;
            return HookBody.Refused(Refuse(request, endpoint, StatusCodes.Status415UnsupportedMediaType,
                $"content type '{SafeText.Clean(request.ContentType ?? "(none)")}' is not {accepted}"));
        }

        if (type.Charset.HasValue && !type.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
            return HookBody.Refused(Refuse(request, endpoint, StatusCodes.Status415UnsupportedMediaType, $"charset '{SafeText.Clean(type.Charset.Value)}' is not utf-8"));

        var (raw, failure) = await ReadBoundedAsync(request, cancellationToken);
        if (failure is { } bad)
        {
            // Slow or cut-off senders are counted and summed up once a minute (HookBodyFailures), not logged one by one;
            // the connection is usually gone, but a sender still listening learns why.
            failures.Record(bad.Reason, endpoint, Remote(request));
            return HookBody.Refused(TypedResults.Problem(detail: bad.Reason, statusCode: bad.Status, title: ReasonPhrases.GetReasonPhrase(bad.Status)));
        }

        if (raw is null)
            return HookBody.Refused(Refuse(request, endpoint, StatusCodes.Status413PayloadTooLarge, $"body is over the limit of {MaxBodyBytes} bytes"));

        var signature = secret.Verify(raw.Value.Span, request.Headers[HookSecret.SignatureHeader]);
        var unsigned = signature switch
        {
            SignatureCheck.Missing => $"missing {HookSecret.SignatureHeader} header (a secret is configured)",
            SignatureCheck.Malformed => $"malformed {HookSecret.SignatureHeader} header (expected sha256= and 64 hex digits)",
            SignatureCheck.Mismatch => $"{HookSecret.SignatureHeader} does not match the body (a different secret?)",
            _ => null,
        };
        if (unsigned is not null) return HookBody.Refused(Refuse(request, endpoint, StatusCodes.Status401Unauthorized, unsigned));

        if (!isForm) return new HookBody(raw.Value, null);
        // GitHub signs the form body as sent; the JSON is its payload field.
        Dictionary<string, Microsoft.Extensions.Primitives.StringValues> form;
        try
        {
            form = new FormReader(Encoding.UTF8.GetString(raw.Value.Span)).ReadForm();
        }
        catch (InvalidDataException ex)
        {
            return HookBody.Refused(Refuse(request, endpoint, StatusCodes.Status400BadRequest, $"malformed form body: {ex.Message}"));
        }

        return form.TryGetValue("payload", out var payload) && payload.Count == 1
            ? new HookBody(Encoding.UTF8.GetBytes(payload.ToString()), null)
            : HookBody.Refused(Refuse(request, endpoint, StatusCodes.Status400BadRequest, "form body without exactly one 'payload' field"));
    }

    /// <summary>Logs the refusal with its reason and answers with a problem whose detail is that reason.</summary>
    public ProblemHttpResult Refuse(HttpRequest request, string endpoint, int status, string reason)
    {
        WebLog.Refused(logger, endpoint, status, reason, Remote(request));
        return TypedResults.Problem(detail: reason, statusCode: status, title: ReasonPhrases.GetReasonPhrase(status));
    }

    private static string Remote(HttpRequest request) => request.HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    public Accepted<HookAccepted> Ignore(string endpoint, string repo, string reason)
    {
        WebLog.Ignored(logger, endpoint, repo, reason);
        return TypedResults.Accepted((string?)null, new HookAccepted(repo, Polling: false, "ignored: " + reason));
    }

    public Ok<string> Pong(string endpoint)
    {
        WebLog.Pong(logger, endpoint);
        return TypedResults.Ok("pong");
    }

    /// <summary>Starts a poll of each repo without waiting for it: the answer must not wait for a fetch.</summary>
    public Accepted<HookAccepted> Trigger(string endpoint, IReadOnlyList<string> repos, string branch, string? revision)
    {
        foreach (var repo in repos)
        {
            WebLog.Triggered(logger, endpoint, repo, branch, revision ?? "(not given)");
            // The watcher coalesces triggers, so a burst of hooks costs at most one poll running and one queued.
            _ = FollowAsync(repo, watcher.PollNowAsync(repo, CancellationToken.None));
        }

        return TypedResults.Accepted((string?)null, new HookAccepted(string.Join(",", repos), Polling: true));
    }

    public RepoConfig? Find(string name, RepoKind kind) =>
        fleet.Repos.TryGetValue(name, out var repo) && repo.Kind == kind ? repo : null;

    /// <summary>Configured repos of <paramref name="kind"/> that <paramref name="match"/> accepts, in config order.</summary>
    public IReadOnlyList<string> FindAll(RepoKind kind, Func<string, RepoConfig, bool> match) =>
        fleet.Repos.Where(kv => kv.Value.Kind == kind && match(kv.Key, kv.Value)).Select(kv => kv.Key).ToList();

    /// <summary>The repos a 404 names, with a hint when <paramref name="asked"/> is a repo of the other kind.</summary>
    public string Known(RepoKind kind, string? asked = null)
    {
        var names = FindAll(kind, (_, _) => true);
        var known = names.Count == 0 ? $"no {Kind(kind)} repos are configured" : $"known {Kind(kind)} repos: {string.Join(", ", names)}";
        var other = kind == RepoKind.Git ? RepoKind.Hg : RepoKind.Git;
        return asked is not null && Find(asked, other) is not null ? $"{known}; {asked} is {(other == RepoKind.Hg ? "an hg" : "a git")} repo, use /hooks/{Kind(other)}" : known;
    }

    public string BranchOf(string repo) => fleet.Repos[repo].Branch;

    private static string Kind(RepoKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>
    /// The body, or null once it is known to exceed <see cref="MaxBodyBytes"/>; never buffers more than that. Kestrel's
    /// own limit stays as it is: it then discards the rest of a refused upload, so the sender reads our 413 instead of
    /// a connection reset in the middle of sending. A body sent too slowly or cut off is a failure with its status.
    /// </summary>
    private static async Task<(ReadOnlyMemory<byte>? Body, (int Status, string Reason)? Failure)> ReadBoundedAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes) return (null, null);

        var body = new MemoryStream((int)Math.Min(request.ContentLength ?? 16 * 1024, MaxBodyBytes));
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (body.Length + read > MaxBodyBytes) return (null, null);
                body.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, null);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status408RequestTimeout)
        {
            return (null, (ex.StatusCode, "timed out (body sent too slowly)"));
        }
        catch (BadHttpRequestException ex)
        {
            return (null, (ex.StatusCode, "cut off (body shorter than its Content-Length)"));
        }

        return (body.GetBuffer().AsMemory(0, (int)body.Length), null);
    }

    private async Task FollowAsync(string repo, Task<PollResult> poll)
    {
        try
        {
            var result = await poll;
            WebLog.PolledAfterHook(logger, repo, result.Outcome, result.Error is null ? "" : Announcements.RepoText.Failure(result.Error));
        }
        catch (OperationCanceledException)
        {
            // The watcher is stopping.
        }
        catch (Exception)
        {
            // RepoWatcher logged the crash; nobody waits for this poll.
        }
    }
}
