using ChatOpsReconfig.Deployer.Fleet;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using ChatOpsReconfig.Deployer;

namespace ChatOpsReconfig.Bot.Web;

/// <summary>
/// Push notifications: <c>POST /hooks/git</c> (GitHub push events) and <c>POST /hooks/hg</c> (an hg <c>changegroup</c>
/// hook) make the watcher poll a repo now instead of at its next interval. A hook only triggers a poll: what moved is
/// read from the remote, never from the payload, so a stale or repeated payload costs one poll at most. Refusals
/// (401, 400, 404, 413, 415) change nothing and are logged with their reason.
/// </summary>
internal static class HooksApi
{
    private const string GitEndpoint = "/hooks/git";
    private const string HgEndpoint = "/hooks/hg";

    public static IEndpointRouteBuilder MapHooksApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(GitEndpoint, PostGitAsync);
        app.MapPost(HgEndpoint, PostHgAsync);
        return app;
    }

    /// <summary>
    /// A GitHub push event (JSON or form-encoded): the repo is the one whose url is among the repository's urls, else
    /// the one named like it; <c>?repo=NAME</c> overrides both. Pushes to other branches are ignored.
    /// </summary>
    public static async Task<Results<Ok<string>, Accepted<HookAccepted>, ProblemHttpResult>> PostGitAsync(
        HttpRequest request,
        [FromQuery(Name = "repo")] string? repo,
        [FromHeader(Name = "X-GitHub-Event")] string? gitHubEvent,
        HookRequests hooks,
        CancellationToken cancellationToken)
    {
        var body = await hooks.ReadAsync(request, GitEndpoint, allowForm: true, cancellationToken);
        if (body.Refusal is not null) return body.Refusal;
        if (gitHubEvent == "ping") return hooks.Pong(GitEndpoint);
        if (!string.IsNullOrEmpty(gitHubEvent) && gitHubEvent != "push")
            return hooks.Ignore(GitEndpoint, repo ?? "", $"event '{SafeText.Clean(gitHubEvent)}' is not a push");

        var parsed = GitPush.Parse(body.Json);
        if (parsed.Value is not { } push) return hooks.Refuse(request, GitEndpoint, StatusCodes.Status400BadRequest, parsed.Error!); // Parse gives an error whenever it gives no value.

        IReadOnlyList<string> repos;
        if (!string.IsNullOrEmpty(repo))
        {
            if (hooks.Find(repo, RepoKind.Git) is null)
                return hooks.Refuse(request, GitEndpoint, StatusCodes.Status404NotFound, $"no git repo named '{SafeText.Clean(repo)}' ({hooks.Known(RepoKind.Git, repo)})");
            repos = [repo];
        }
        else
        {
            if (!push.HasRepository)
                return hooks.Refuse(request, GitEndpoint, StatusCodes.Status400BadRequest, "missing field 'repository' with a name or urls (or name the repo with ?repo=NAME)");
            repos = hooks.FindAll(RepoKind.Git, (_, config) => push.IsAt(config.Url));
            if (repos.Count == 0) repos = hooks.FindAll(RepoKind.Git, (name, _) => string.Equals(name, push.RepositoryName, StringComparison.OrdinalIgnoreCase));
            if (repos.Count == 0)
                return hooks.Refuse(request, GitEndpoint, StatusCodes.Status404NotFound, $"no git repo matches repository '{push.RepositoryLabel}' by url or name ({hooks.Known(RepoKind.Git)})");
        }

        if (push.Branch is not { } branch) return hooks.Ignore(GitEndpoint, string.Join(",", repos), $"{SafeText.Clean(push.Ref)} is not a branch");
        var production = repos.Where(r => hooks.BranchOf(r) == branch).ToList();
        if (production.Count == 0)
        {
            var branches = string.Join(", ", repos.Select(hooks.BranchOf).Distinct());
            return hooks.Ignore(GitEndpoint, string.Join(",", repos), $"push to {branch}, not to the production branch ({branches})");
        }

        return hooks.Trigger(GitEndpoint, production, branch, push.After);
    }

    /// <summary>An hg <c>changegroup</c> hook's <c>{"repo", "branch", "node"}</c>; pushes to other branches are ignored.</summary>
    public static async Task<Results<Accepted<HookAccepted>, ProblemHttpResult>> PostHgAsync(
        HttpRequest request,
        HookRequests hooks,
        CancellationToken cancellationToken)
    {
        var body = await hooks.ReadAsync(request, HgEndpoint, allowForm: false, cancellationToken);
        if (body.Refusal is not null) return body.Refusal;

        var parsed = HgPush.Parse(body.Json);
        if (parsed.Value is not { } push) return hooks.Refuse(request, HgEndpoint, StatusCodes.Status400BadRequest, parsed.Error!); // Parse gives an error whenever it gives no value.

        if (hooks.Find(push.Repo, RepoKind.Hg) is not { } config)
            return hooks.Refuse(request, HgEndpoint, StatusCodes.Status404NotFound, $"no hg repo named '{SafeText.Clean(push.Repo)}' ({hooks.Known(RepoKind.Hg, push.Repo)})");
        if (config.Branch != push.Branch)
            return hooks.Ignore(HgEndpoint, push.Repo, $"push to {SafeText.Clean(push.Branch)}, not to the production branch ({config.Branch})");

        return hooks.Trigger(HgEndpoint, [push.Repo], push.Branch, push.Node);
    }
}
