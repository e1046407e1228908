using System.Globalization;
using System.Text;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Transport;

namespace ChatOpsReconfig.Deployer.Rollout;

/// <summary>What reading a host's revisions gave: a revision or <see cref="RevisionReader.Unknown"/> per repo, and why each unknown one is.</summary>
public sealed record RevisionRead(Dictionary<string, string> Revisions, IReadOnlyList<RevisionProblem> Problems);

/// <summary>Why a repo's revision on a host is unknown.</summary>
public enum RevisionProblemKind
{
    /// <summary>The revision command could not be built safely (<see cref="RevisionProblem.Refusal"/> says why).</summary>
    Refused,

    /// <summary>The combined command did not run to an exit (<see cref="RevisionProblem.CommandError"/>).</summary>
    NotRead,

    /// <summary>The host's output has no result line for this repo (cut, or not from our command).</summary>
    NoResultLine,

    /// <summary>The repo's revision command exited <see cref="RevisionProblem.ExitCode"/>.</summary>
    Exited,

    /// <summary>The command printed something that is not a revision (<see cref="RevisionProblem.Output"/>).</summary>
    NotARevision,
}

/// <summary>When a host's revisions were read: before or after the steps.</summary>
public enum RevisionReadAt
{
    Before,

    After,
}

/// <summary>Why one repo's revision on a host is unknown, as data; the Bot words it.</summary>
public sealed record RevisionProblem
{
    public string Repo { get; init; } = "";

    public RevisionProblemKind Kind { get; init; }

    public RevisionReadAt At { get; init; }

    public int? ExitCode { get; init; }

    /// <summary>What the host printed (<see cref="RevisionProblemKind.NotARevision"/>).</summary>
    public string? Output { get; init; }

    /// <summary>What the command template said (<see cref="RevisionProblemKind.Refused"/>), in documents stored by older builds.</summary>
    public string? Detail { get; init; }

    /// <summary>Why the revision command was not built (<see cref="RevisionProblemKind.Refused"/>).</summary>
    public List<TemplateProblem>? Refusal { get; init; }

    public CommandStatus? Status { get; init; }

    public Transport.CommandError? CommandError { get; init; }
}

/// <summary>
/// Reads the revision of every repo a host carries ("show revisions"); "?" where it cannot be read. All of a host's
/// repos are read by one remote command (one channel, one shell): each repo's revision command runs in a subshell
/// and is followed by a line carrying a one-off marker, the repo's index and the command's exit status, so that the
/// output of one repo can never be taken for another's, and output that does not have this shape gives a problem
/// per repo instead of a revision.
/// </summary>
public static class RevisionReader
{
    public const string Unknown = "?";

    /// <summary>Time allowed per repo; the combined command gets this times the number of repos.</summary>
    private static readonly TimeSpan TimeoutPerRepo = TimeSpan.FromSeconds(60);

    public static async Task<Dictionary<string, string>> ReadAsync(
        FleetConfig fleet, HostConfig host, ICommandRunner session, CancellationToken cancellationToken) =>
        (await ReadWithProblemsAsync(fleet, host, session, cancellationToken)).Revisions;

    public static async Task<RevisionRead> ReadWithProblemsAsync(
        FleetConfig fleet, HostConfig host, ICommandRunner session, CancellationToken cancellationToken)
    {
        var role = fleet.Roles[host.Role];
        var values = new TemplateValues(
            host.Name,
            host.Basedir,
            role.Repos.ToDictionary(kv => kv.Key, kv => PathOnHost(host, kv.Value), StringComparer.Ordinal),
            new Dictionary<string, string>(),
            fleet.Repos.ToDictionary(kv => kv.Key, kv => kv.Value.Branch, StringComparer.Ordinal));
        var revisions = new Dictionary<string, string>(StringComparer.Ordinal);
        var problems = new List<RevisionProblem>();
        var commands = new List<(string Repo, string Command)>();
        foreach (var (repoName, roleRepo) in role.Repos)
        {
            var template = roleRepo.RevisionCommand ?? DefaultCommand(fleet.Repos[repoName].Kind, repoName);
            var expanded = CommandTemplate.Expand(template, values);
            if (expanded.Command is null)
            {
                revisions[repoName] = Unknown;
                problems.Add(new RevisionProblem { Repo = repoName, Kind = RevisionProblemKind.Refused, Refusal = [.. expanded.Problems] });
                continue;
            }

            commands.Add((repoName, expanded.Command));
        }

        if (commands.Count == 0) return new RevisionRead(revisions, problems);

        var marker = NewMarker();
        var outcome = await session.RunAsync(Combine(commands.Select(c => c.Command).ToList(), marker), TimeoutPerRepo * commands.Count, cancellationToken);
        var answers = Split(outcome.Stdout, marker, commands.Count, outputCut: outcome.OutputTruncated);
        for (var i = 0; i < commands.Count; i++)
        {
            var repo = commands[i].Repo;
            (string? Revision, RevisionProblem? Problem) read = answers[i] switch
            {
                null when outcome.Status is not (CommandStatus.Ok or CommandStatus.Failed) =>
                    (null, new RevisionProblem { Repo = repo, Kind = RevisionProblemKind.NotRead, Status = outcome.Status, CommandError = outcome.Error }),
                null => (null, new RevisionProblem { Repo = repo, Kind = RevisionProblemKind.NoResultLine }),
                { ExitCode: not 0 } a => (null, new RevisionProblem { Repo = repo, Kind = RevisionProblemKind.Exited, ExitCode = a.ExitCode }),
                { } a => Parse(a.Stdout) is { } r ? (r, null) : (null, new RevisionProblem { Repo = repo, Kind = RevisionProblemKind.NotARevision, Output = SafeText.Clean(a.Stdout, 60) }),
            };
            revisions[repo] = read.Revision ?? Unknown;
            if (read.Problem is not null) problems.Add(read.Problem);
        }

        return new RevisionRead(revisions, problems);
    }

    /// <summary>One answer of the combined command: what a repo's revision command printed and how it exited.</summary>
    internal sealed record Answer(string Stdout, int ExitCode);

    /// <summary>
    /// A marker no repo's output contains by accident. Not a secret (the host sees it in the command), so no
    /// cryptographic generator: that would load OpenSSL into the idle bot (~5 MB RSS) for a start-up revision read.
    /// </summary>
    internal static string NewMarker() => "chatops-rev-" + Random.Shared.NextInt64().ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>
    /// The shell text that runs every command in turn: <c>( cmd ) &lt;/dev/null; printf '\n%s %s %s\n' marker i $?</c>.
    /// The subshell keeps a command's <c>cd</c>, variables or <c>exit</c> from reaching the next one; the newline
    /// before the marker puts it at the start of a line even after output without a final newline. It starts with
    /// <see cref="HostDriver.GitShortcut"/>, which saves a git process per plain git repo, in a rollout's reads and in
    /// the start-up probe and <c>status --live</c> alike.
    /// </summary>
    internal static string Combine(IReadOnlyList<string> commands, string marker)
    {
        var script = new StringBuilder(HostDriver.GitShortcut).Append('\n');
        for (var i = 0; i < commands.Count; i++)
        {
            // The newline after the command ends a trailing comment in it; the subshell ends on the next line.
            script.Append(CultureInfo.InvariantCulture, $"( {commands[i]}\n) </dev/null; printf '\\n%s %s %s\\n' {marker} {i} \"$?\"\n");
        }

        return script.ToString();
    }

    /// <summary>
    /// Cuts the combined output into one answer per command, by the marker lines: a command's output is everything
    /// after the previous marker line (or the start) up to its own. Null for a command whose marker line is missing,
    /// out of order or malformed; lines with other markers, or without one, are output like any other. When the
    /// output was cut (only its tail kept), the first answer found may have lost its beginning: it counts as missing.
    /// </summary>
    internal static IReadOnlyList<Answer?> Split(string stdout, string marker, int count, bool outputCut = false)
    {
        var answers = new Answer?[count];
        var prefix = marker + " ";
        var start = 0;
        var next = 0;
        var lineStart = 0;
        while (lineStart <= stdout.Length && next < count)
        {
            var end = stdout.IndexOf('\n', lineStart);
            var line = end < 0 ? stdout[lineStart..] : stdout[lineStart..end];
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                var parts = line[prefix.Length..].Split(' ');
                if (parts.Length == 2
                    && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                    && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
                {
                    // Marker lines come in order; only where the output was cut may the first ones be gone.
                    var headCut = outputCut && start == 0;
                    if (index >= count || (index != next && !(headCut && index > next))) return answers;
                    if (!headCut) answers[index] = new Answer(stdout[start..lineStart], status);
                    next = index + 1;
                    start = end < 0 ? stdout.Length : end + 1;
                }
                else
                {
                    return answers;
                }
            }

            if (end < 0) break;
            lineStart = end + 1;
        }

        return answers;
    }

    /// <summary>The first word of the output, if it looks like a revision; anything else from the host is refused.</summary>
    public static string? Parse(string stdout)
    {
        var first = stdout.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        if (first is null) return null;
        var bare = first.TrimEnd('+');
        return CommandTemplate.IsValidRevision(bare) ? first.ToLowerInvariant() : null;
    }

    /// <summary>
    /// The command that prints a repo's checked-out revision in full (hg's <c>--debug</c> gives the whole changeset id,
    /// <c>+</c> when modified): the door checks a host's revision against the set by ancestry in the bot's mirror, which
    /// takes full ids only, so a short one (plain <c>hg ident -i</c>) made every hg host look as if it would move backward.
    /// </summary>
    public static string DefaultCommand(RepoKind kind, string repo) => kind == RepoKind.Hg
        ? $"hg -R {{path:{repo}}} ident -i --debug"
        : $"git -C {{path:{repo}}} rev-parse HEAD";

    public static string PathOnHost(HostConfig host, RoleRepo repo) =>
        repo.Path.StartsWith('/') ? repo.Path : host.Basedir.TrimEnd('/') + "/" + repo.Path;

}
