using System.Text.RegularExpressions;

namespace ChatOpsReconfig.Deployer.Fleet;

/// <summary>Collects every problem of a fleet config as <c>path.to.key: message</c>.</summary>
public static partial class FleetConfigValidator
{
    /// <summary>Validates; <paramref name="extraSections"/> are root keys owned by other components.</summary>
    public static IReadOnlyList<string> Validate(FleetConfig config, IEnumerable<string> extraSections, Func<string, string?>? environment = null)
    {
        var p = new List<string>();
        var allowed = new HashSet<string>(extraSections, StringComparer.OrdinalIgnoreCase);
        foreach (var key in config.Extra?.Keys ?? Enumerable.Empty<string>())
        {
            if (!allowed.Contains(key)) p.Add($"{key}: unknown key");
        }

        if (string.IsNullOrWhiteSpace(config.DataDir)) p.Add("dataDir: must not be empty");

        ValidateRepos(config, p);
        ValidateRoles(config, p);
        ValidateHosts(config, p);
        ValidateSsh(config, environment ?? Environment.GetEnvironmentVariable, p);
        ValidateRollout(config.Rollout, p);
        return p;
    }

    private static void ValidateRepos(FleetConfig config, List<string> p)
    {
        if (config.Repos.Count == 0) p.Add("repos: at least one repo is required");
        foreach (var (name, repo) in config.Repos)
        {
            var at = $"repos.{name}";
            if (!CommandTemplate.IsValidName(name)) p.Add($"{at}: repo name may only contain letters, digits, '.', '_' and '-' (not first)");
            if (string.IsNullOrWhiteSpace(repo.Url)) p.Add($"{at}.url: required");
            else if (repo.Url.Any(char.IsControl)) p.Add($"{at}.url: contains control characters");
            else if (repo.Url[0] == '-') p.Add($"{at}.url: '{SafeText.Token(repo.Url, 60)}' starts with '-', which git and hg would read as an option");
            else if (repo.Url.StartsWith("ext::", StringComparison.OrdinalIgnoreCase) || repo.Url.StartsWith("fd::", StringComparison.OrdinalIgnoreCase))
                p.Add($"{at}.url: git's ext:: and fd:: transports run commands; use https, ssh or a path");
            if (!CommandTemplate.IsValidBranch(repo.Branch)) p.Add($"{at}.branch: '{SafeText.Token(repo.Branch, 60)}' is not a valid branch name (letters, digits, '.', '_', '-' and '/'; not starting with '-' or '/')");
            if (repo.BugPattern is not null && !IsRegex(repo.BugPattern, out var why)) p.Add($"{at}.bugPattern: not a valid regex: {why}");
            if (repo.QuietMinutes is { } quiet) ConfigRange.Check(p, $"{at}.quietMinutes", quiet, 0, 1440, "minutes");
            if (repo.PollSeconds is { } poll) ConfigRange.Check(p, $"{at}.pollSeconds", poll, 5, 86400, "seconds");
            if (repo.CiUrl is not null && !IsHttpUrl(repo.CiUrl.Replace("{rev}", "0", StringComparison.Ordinal)))
                p.Add($"{at}.ciUrl: must be an http(s) URL (use {{rev}} for the revision)");
        }
    }

    private static void ValidateRoles(FleetConfig config, List<string> p)
    {
        if (config.Roles.Count == 0) p.Add("roles: at least one role is required");
        foreach (var (name, role) in config.Roles)
        {
            var at = $"roles.{name}";
            if (!CommandTemplate.IsValidName(name)) p.Add($"{at}: role name may only contain letters, digits, '.', '_' and '-' (not first)");
            if (role.Repos.Count == 0) p.Add($"{at}.repos: a role must carry at least one repo");
            var repoNames = role.Repos.Keys.ToHashSet(StringComparer.Ordinal);
            foreach (var (repoName, rr) in role.Repos)
            {
                if (!config.Repos.ContainsKey(repoName)) p.Add($"{at}.repos.{repoName}: no such repo (known: {string.Join(", ", config.Repos.Keys)})");
                if (!CommandTemplate.IsValidPath(rr.Path)) p.Add($"{at}.repos.{repoName}.path: required, without control characters, not starting with '-'");
                if (rr.RevisionCommand is not null)
                {
                    foreach (var problem in CommandTemplate.Check(rr.RevisionCommand, repoNames))
                        p.Add($"{at}.repos.{repoName}.revisionCommand: {problem}");
                }
            }

            if (role.Steps.Count == 0) p.Add($"{at}.steps: at least one step is required");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < role.Steps.Count; i++)
            {
                var step = role.Steps[i];
                var sat = $"{at}.steps[{i}]";
                if (!CommandTemplate.IsValidName(step.Name)) p.Add($"{sat}.name: required; letters, digits, '.', '_' and '-' (not first)");
                else if (!seen.Add(step.Name)) p.Add($"{sat}.name: duplicate step '{step.Name}'");
                if (string.IsNullOrWhiteSpace(step.Command)) p.Add($"{sat}.command: required");
                foreach (var problem in CommandTemplate.Check(step.Command, repoNames)) p.Add($"{sat}.command: {problem}");
                ConfigRange.Check(p, $"{sat}.timeoutSeconds", step.TimeoutSeconds, 1, 86400, "seconds");
            }

            if (role.Steps.Count > 0 && !seen.Contains(role.UpdateStep))
                p.Add($"{at}.updateStep: no step named '{role.UpdateStep}' (it restores a host after a failed gate)");
        }
    }

    private static void ValidateHosts(FleetConfig config, List<string> p)
    {
        if (config.Hosts.Count == 0) p.Add("hosts: at least one host is required");
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < config.Hosts.Count; i++)
        {
            var h = config.Hosts[i];
            var at = $"hosts[{i}]";
            if (!CommandTemplate.IsValidName(h.Name)) p.Add($"{at}.name: '{SafeText.Token(h.Name, 60)}' may only contain letters, digits, '.', '_' and '-' (not first)");
            else if (!names.Add(h.Name)) p.Add($"{at}.name: duplicate host '{SafeText.Token(h.Name, 60)}'");
            if (!config.Roles.ContainsKey(h.Role)) p.Add($"{at}.role: no such role '{SafeText.Token(h.Role, 60)}' (known: {string.Join(", ", config.Roles.Keys)})");
            if (!CommandTemplate.IsValidPath(h.Basedir)) p.Add($"{at}.basedir: required, without control characters, not starting with '-'");
            if (h.Transport == TransportKind.Ssh)
            {
                if (string.IsNullOrWhiteSpace(h.Address) || !HostPattern().IsMatch(h.Address))
                    p.Add($"{at}.address: required for ssh; a host name or IP address");
                var user = h.User ?? config.Ssh.User;
                if (!CommandTemplate.IsValidName(user)) p.Add($"{at}.user: required for ssh (here or in ssh.user); letters, digits, '.', '_' and '-' (not first)");
                if (h.HostKeyFingerprint is null && config.Ssh.KnownHosts is null)
                    p.Add($"{at}.hostKeyFingerprint: no way to verify this host's key; set it or ssh.knownHosts");
            }

            if (h.Port is { } port) ConfigRange.Check(p, $"{at}.port", port, 1, 65535);
            if (h.HostKeyFingerprint is not null && !FingerprintPattern().IsMatch(h.HostKeyFingerprint))
                p.Add($"{at}.hostKeyFingerprint: expected 'SHA256:' and 43 base64 characters, as printed by ssh-keygen -lf");
        }
    }

    private static void ValidateSsh(FleetConfig config, Func<string, string?> environment, List<string> p)
    {
        var s = config.Ssh;
        ConfigRange.Check(p, "ssh.port", s.Port, 1, 65535);
        ConfigRange.Check(p, "ssh.connectTimeoutSeconds", s.ConnectTimeoutSeconds, 1, 300, "seconds");
        ConfigRange.Check(p, "ssh.maxConcurrentHandshakes", s.MaxConcurrentHandshakes, 1, 1000);
        ConfigRange.Check(p, "ssh.maxOutputBytes", s.MaxOutputBytes, 1024, 64 * 1024 * 1024, "bytes");
        if (!string.IsNullOrEmpty(s.User) && !CommandTemplate.IsValidName(s.User)) p.Add("ssh.user: letters, digits, '.', '_' and '-' (not first)");
        // Whether each named algorithm is supported is the transport's to say (Transport/SshAlgorithms.Problems).
        if (s.KeyExchange is { Count: 0 }) p.Add("ssh.keyExchange: at least one algorithm, or leave it out for the default order");

        if (config.Hosts.Any(h => h.Transport == TransportKind.Ssh) && s.KeyFile is null && string.IsNullOrWhiteSpace(environment(s.KeyFileEnv)))
            p.Add($"ssh.keyFile: required for ssh hosts (or set the environment variable {s.KeyFileEnv})");
    }

    private static void ValidateRollout(RolloutSettings r, List<string> p)
    {
        ConfigRange.Check(p, "rollout.canaryCount", r.CanaryCount, 0, 100);
        ConfigRange.Check(p, "rollout.parallelism", r.Parallelism, 1, 1000);
        ConfigRange.Check(p, "rollout.connectAttempts", r.ConnectAttempts, 1, 10);
        ConfigRange.Check(p, "rollout.connectBackoffSeconds", r.ConnectBackoffSeconds, 0, 300, "seconds");
    }

    internal static bool IsRegex(string pattern, out string? why)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
            why = null;
            return true;
        }
        catch (ArgumentException ex)
        {
            why = ex.Message;
            return false;
        }
    }

    internal static bool IsHttpUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps);

    [GeneratedRegex(@"^[A-Za-z0-9.:-]+\z")]
    private static partial Regex HostPattern();

    [GeneratedRegex(@"^SHA256:[A-Za-z0-9+/]{43}=?\z")]
    private static partial Regex FingerprintPattern();
}
