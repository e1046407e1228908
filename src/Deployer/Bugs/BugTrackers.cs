namespace ChatOpsReconfig.Deployer.Bugs;

/// <summary>The configured trackers, their clients (secrets read once, never logged), and where the status page is.</summary>
public sealed class BugTrackers
{
    private readonly Dictionary<string, IBugTracker> _clients = new(StringComparer.Ordinal);

    public BugTrackers(
        IReadOnlyDictionary<string, BugTrackerOptions> options,
        string? statusUrl,
        HttpClient http,
        TimeProvider time,
        TrackerRetry? retry = null,
        Func<string, string?>? environment = null)
    {
        Options = options;
        StatusUrl = statusUrl;
        retry ??= new TrackerRetry();
        foreach (var (name, o) in options)
        {
            var secret = o.ReadSecret(environment);
            _clients[name] = o.IsGitHub
                ? new GitHubTracker(name, o, http, secret, time, retry)
                : new BugzillaTracker(name, o, http, secret, time, retry);
        }
    }

    public IReadOnlyDictionary<string, BugTrackerOptions> Options { get; }

    /// <summary>The status page's root, for the rollout link in comments; null leaves the link out.</summary>
    public string? StatusUrl { get; }

    public IBugTracker? Client(string name) => _clients.GetValueOrDefault(name);

    /// <summary>Where people read <paramref name="bug"/> of tracker <paramref name="name"/>.</summary>
    public string? BugUrl(string name, int bug) => Client(name)?.BugUrl(bug);
}
