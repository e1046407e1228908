using System.Globalization;
using System.Text.RegularExpressions;

namespace ChatOpsReconfig.Deployer.Repos;

/// <summary>Commits read from a mirror, oldest first, or why they could not be read.</summary>
public sealed partial record CommitLog(IReadOnlyList<Commit> Commits, int Total, RepoFailure? Error)
{
    /// <summary>Between fields of one commit. The message comes last, so this may appear in it without harm.</summary>
    internal const char FieldSeparator = '\x1f';

    /// <summary>After each commit. Neither git nor hg lets a NUL into a commit message.</summary>
    internal const char RecordSeparator = '\0';

    private const int FieldCount = 5;

    public bool Ok => Error is null;

    public static CommitLog Failure(RepoFailure error) => new([], 0, error);

    /// <summary>Asked for commits between values that are not full revisions.</summary>
    public static CommitLog NotRevisions() => Failure(RepoFailure.Of(RepoFailureKind.NotARevision));

    public static bool IsRevision(string? value) => value is not null && RevisionPattern().IsMatch(value);

    /// <summary>
    /// Parses records of <c>rev␟unix-time␟author␟email␟message␀</c> (the unix time may be followed by a space and an
    /// offset, as hg's <c>hgdate</c> prints). Anything else is reported as a failure, never thrown.
    /// </summary>
    internal static CommitLog Parse(string output)
    {
        var commits = new List<Commit>();
        var records = output.Split(RecordSeparator);
        for (var i = 0; i < records.Length; i++)
        {
            var record = records[i];
            // git -z and our hg template both end the last record with a separator; git may add a newline after it.
            if (i == records.Length - 1 && record.Trim().Length == 0) break;
            if (i > 0 && record.StartsWith('\n')) record = record[1..];

            var fields = record.Split(FieldSeparator, FieldCount);
            if (fields.Length != FieldCount || !IsRevision(fields[0]) || !TryParseTime(fields[1], out var when))
                return Failure(new RepoFailure { Kind = RepoFailureKind.UnreadableLog, Commit = commits.Count + 1, Detail = SafeText.Clean(record, 80) });

            var message = fields[4].TrimEnd('\n');
            commits.Add(new Commit
            {
                Rev = fields[0],
                AuthoredAt = when,
                Author = fields[2],
                AuthorEmail = fields[3],
                Message = message,
                Summary = FirstLine(message),
            });
        }

        return new CommitLog(commits, commits.Count, null);
    }

    private static bool TryParseTime(string field, out DateTimeOffset when)
    {
        when = default;
        var seconds = field.Split(' ', 2)[0];
        if (!decimal.TryParse(seconds, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            || value < -62135596800m || value > 253402300799m)
            return false;
        when = DateTimeOffset.FromUnixTimeSeconds((long)decimal.Truncate(value));
        return true;
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOf('\n', StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).TrimEnd('\r');
    }

    [GeneratedRegex("^([0-9a-f]{40}|[0-9a-f]{64})$")]
    private static partial Regex RevisionPattern();
}
