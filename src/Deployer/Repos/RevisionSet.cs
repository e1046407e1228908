namespace ChatOpsReconfig.Deployer.Repos;

/// <summary>The production head of every repo, pinned when a rollout starts.</summary>
public sealed record RevisionSet(IReadOnlyDictionary<string, string> Revisions)
{
    public string this[string repo] => Revisions[repo];

    /// <summary>True when <paramref name="onHost"/> names <paramref name="head"/> (full hash or a prefix, as <c>hg ident -i</c> prints).</summary>
    public static bool Matches(string? onHost, string? head)
    {
        if (string.IsNullOrEmpty(onHost) || string.IsNullOrEmpty(head)) return false;
        var h = onHost.TrimEnd('+');
        if (h.Length < 7 && h.Length != head.Length) return false;
        return head.StartsWith(h, StringComparison.OrdinalIgnoreCase) || h.StartsWith(head, StringComparison.OrdinalIgnoreCase);
    }

    public static string Short(string? rev) => string.IsNullOrEmpty(rev) ? "?" : rev.Length > 12 ? rev[..12] : rev;
}
