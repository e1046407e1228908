using System.Globalization;
using System.Text.RegularExpressions;

namespace ChatOpsReconfig.Deployer.Repos;

/// <summary>Finds bug numbers in commit messages with a configurable pattern whose first group is the number.</summary>
public sealed partial class BugReferences
{
    public const string DefaultPattern = @"[Bb]ug[ -]?(\d{5,8})";

    // The pattern comes from the config file; a timeout keeps a pathological one from stalling the watcher.
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    private readonly Regex _pattern;

    public BugReferences(string? pattern = null)
    {
        // The default is compiled into the assembly: no regex parser or interpreter in a bot that keeps it.
        _pattern = pattern is null or DefaultPattern
            ? DefaultRegex()
            : new Regex(pattern, RegexOptions.CultureInvariant, MatchTimeout);
    }

    public static BugReferences Default { get; } = new();

    /// <summary>Bug numbers in <paramref name="text"/>, in order of first mention, without repeats.</summary>
    public List<int> Find(string text)
    {
        var found = new List<int>();
        try
        {
            foreach (Match m in _pattern.Matches(text))
            {
                var value = m.Groups.Count > 1 && m.Groups[1].Success ? m.Groups[1].Value : m.Value;
                if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var bug) && bug > 0 && !found.Contains(bug))
                    found.Add(bug);
            }
        }
        catch (RegexMatchTimeoutException)
        {
            // Keep what was found before the pattern gave up; a bug comment too few beats a stalled watcher.
        }

        return found;
    }

    [GeneratedRegex(DefaultPattern, RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex DefaultRegex();

    /// <summary>The bugs of all <paramref name="commits"/>, in order of first mention, without repeats.</summary>
    public static List<int> Union(IEnumerable<Commit> commits)
    {
        var seen = new HashSet<int>();
        return commits.SelectMany(c => c.Bugs).Where(seen.Add).ToList();
    }
}
