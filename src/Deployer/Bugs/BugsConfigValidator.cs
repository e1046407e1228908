using ChatOpsReconfig.Deployer.Fleet;

namespace ChatOpsReconfig.Deployer.Bugs;

/// <summary>Checks the <c>bugs</c> section against the fleet: every problem as <c>bugs.NAME.key: message</c>.</summary>
public static class BugsConfigValidator
{
    private static readonly string[] Placeholders = ["{bug}", "{rollout}", "{hosts}"];

    public static IReadOnlyList<string> Validate(FleetConfig fleet, IReadOnlyDictionary<string, BugTrackerOptions> trackers, Func<string, string?>? environment = null)
    {
        var p = new List<string>();
        var owner = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, t) in trackers)
        {
            var at = $"{BugsOptions.Section}.{name}";
            var github = t.IsGitHub;
            if (!github && !string.Equals(t.Kind, BugTrackerOptions.Bugzilla, StringComparison.OrdinalIgnoreCase))
                p.Add($"{at}.kind: '{t.Kind}' is not a tracker kind; use bugzilla or github");
            if (!Uri.TryCreate(t.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
                p.Add($"{at}.url: '{t.Url}' is not an http(s) URL");
            if (github && (t.Project is null || t.Project.Split('/') is not [{ Length: > 0 }, { Length: > 0 }]))
                p.Add($"{at}.project: required for github trackers, as owner/name");
            if (!github && t.Project is not null) p.Add($"{at}.project: only github trackers have a project");
            var (envKey, fileKey) = github ? ("tokenEnv", "tokenFile") : ("apiKeyEnv", "apiKeyFile");
            if (github ? t.ApiKeyEnv is not null || t.ApiKeyFile is not null : t.TokenEnv is not null || t.TokenFile is not null)
                p.Add($"{at}: a {(github ? "github tracker takes tokenEnv/tokenFile" : "bugzilla tracker takes apiKeyEnv/apiKeyFile")}");
            var (env, file) = t.SecretSource;
            if (env is null && file is null && !t.DryRun)
                p.Add($"{at}.{envKey}: required (or {fileKey}) unless dryRun is true");
            else if (file is not null && !File.Exists(file) && (env is null || string.IsNullOrEmpty((environment ?? Environment.GetEnvironmentVariable)(env))))
                p.Add($"{at}.{fileKey}: no file {file}");
            if (t.Repos.Count == 0) p.Add($"{at}.repos: name at least one repo");
            foreach (var repo in t.Repos)
            {
                if (!fleet.Repos.ContainsKey(repo)) p.Add($"{at}.repos: no repo named '{repo}'; known: {string.Join(", ", fleet.Repos.Keys)}");
                else if (!owner.TryAdd(repo, name)) p.Add($"{at}.repos: '{repo}' already reports to tracker '{owner[repo]}'");
            }

            if (t.Template is not null)
            {
                var unknown = System.Text.RegularExpressions.Regex.Matches(t.Template, @"\{[^}]*\}").Select(m => m.Value).Where(v => !Placeholders.Contains(v)).Distinct().ToList();
                if (unknown.Count > 0) p.Add($"{at}.template: unknown placeholder {string.Join(", ", unknown)}; known: {string.Join(", ", Placeholders)}");
                if (string.IsNullOrWhiteSpace(t.Template)) p.Add($"{at}.template: empty; leave it out for the default");
            }

            if (t.TimeoutSeconds is < 1 or > 600) p.Add($"{at}.timeoutSeconds: {t.TimeoutSeconds} is out of range 1–600");
        }

        return p;
    }
}
