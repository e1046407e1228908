using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Transport;

namespace ChatOpsReconfig.Deployer.Rollout;

/// <summary>Reads the revision of every repo a host carries ("show revisions"); "?" where it cannot be read.</summary>
public static class RevisionReader
{
    public const string Unknown = "?";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static async Task<Dictionary<string, string>> ReadAsync(
        FleetConfig fleet, HostConfig host, IHostSession session, CancellationToken cancellationToken)
    {
        var role = fleet.Roles[host.Role];
        var values = new TemplateValues(
            host.Name,
            host.Basedir,
            role.Repos.ToDictionary(kv => kv.Key, kv => PathOnHost(host, kv.Value), StringComparer.Ordinal),
            new Dictionary<string, string>(),
            fleet.Repos.ToDictionary(kv => kv.Key, kv => kv.Value.Branch, StringComparer.Ordinal));
        var revisions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (repoName, roleRepo) in role.Repos)
        {
            var template = roleRepo.RevisionCommand ?? DefaultCommand(fleet.Repos[repoName].Kind, repoName);
            var expanded = CommandTemplate.Expand(template, values);
            if (expanded.Command is null)
            {
                revisions[repoName] = Unknown;
                continue;
            }

            var outcome = await session.RunAsync(expanded.Command, Timeout, cancellationToken);
            revisions[repoName] = (outcome.Succeeded ? Parse(outcome.Stdout) : null) ?? Unknown;
        }

        return revisions;
    }

    /// <summary>The first word of the output, if it looks like a revision; anything else from the host is refused.</summary>
    public static string? Parse(string stdout)
    {
        var first = stdout.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        if (first is null) return null;
        var bare = first.TrimEnd('+');
        return CommandTemplate.IsValidRevision(bare) ? first.ToLowerInvariant() : null;
    }

    public static string DefaultCommand(RepoKind kind, string repo) => kind == RepoKind.Hg
        ? $"hg -R {{path:{repo}}} ident -i"
        : $"git -C {{path:{repo}}} rev-parse HEAD";

    public static string PathOnHost(HostConfig host, RoleRepo repo) =>
        repo.Path.StartsWith('/') ? repo.Path : host.Basedir.TrimEnd('/') + "/" + repo.Path;
}
