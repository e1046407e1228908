using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChatOpsReconfig.Deployer;

namespace ChatOpsReconfig.Bot.Web;

/// <summary>A payload that parsed, or why it did not (answered with 400).</summary>
internal readonly record struct Parsed<T>(T? Value, string? Error)
    where T : class
{
    public static Parsed<T> Ok(T value) => new(value, null);

    public static Parsed<T> Fail(string error) => new(null, error);
}

/// <summary>
/// The parts of a GitHub push event the bot uses: the ref that moved, its new head, and the name and urls of the
/// repository. Everything else in the payload is ignored.
/// </summary>
internal sealed partial record GitPush(string Ref, string? After, string? RepositoryName, string? RepositoryFullName, IReadOnlyList<string> RepositoryUrls)
{
    private const string HeadsPrefix = "refs/heads/";

    private static readonly string[] UrlFields = ["clone_url", "ssh_url", "git_url", "html_url"];

    /// <summary>The branch of a <c>refs/heads/…</c> ref; null for tags and other refs.</summary>
    public string? Branch => Ref.StartsWith(HeadsPrefix, StringComparison.Ordinal) ? Ref[HeadsPrefix.Length..] : null;

    public bool HasRepository => RepositoryName is not null || RepositoryUrls.Count > 0;

    /// <summary>How the payload names its repository, for messages.</summary>
    public string RepositoryLabel => SafeText.Clean(RepositoryFullName ?? RepositoryName ?? RepositoryUrls.FirstOrDefault() ?? "(none)");

    public static Parsed<GitPush> Parse(ReadOnlyMemory<byte> json)
    {
        using var doc = PushText.TryParse(json, out var error);
        if (doc is null) return Parsed<GitPush>.Fail(error!); // TryParse returns an error whenever it returns no document.
        var root = doc.RootElement;

        if (!PushText.TryGetString(root, "ref", required: true, out var @ref, out error)) return Parsed<GitPush>.Fail(error!);
        if (!@ref!.StartsWith("refs/", StringComparison.Ordinal) || !IsValidRefName(@ref))
            return Parsed<GitPush>.Fail($"'ref' is not a git ref such as refs/heads/production: '{SafeText.Clean(@ref)}'");

        if (!PushText.TryGetString(root, "after", required: false, out var after, out error)) return Parsed<GitPush>.Fail(error!);
        if (after is not null && !(after.Length is 40 or 64 && PushText.IsHex(after)))
            return Parsed<GitPush>.Fail($"'after' is not a 40- or 64-character hex commit id: '{SafeText.Clean(after)}'");

        string? name = null, fullName = null;
        var urls = new List<string>();
        if (root.TryGetProperty("repository", out var repository) && repository.ValueKind != JsonValueKind.Null)
        {
            if (repository.ValueKind != JsonValueKind.Object) return Parsed<GitPush>.Fail("'repository' must be an object");
            if (!PushText.TryGetString(repository, "name", required: false, out name, out error, "repository.")) return Parsed<GitPush>.Fail(error!);
            if (!PushText.TryGetString(repository, "full_name", required: false, out fullName, out error, "repository.")) return Parsed<GitPush>.Fail(error!);
            foreach (var field in UrlFields)
            {
                if (!PushText.TryGetString(repository, field, required: false, out var url, out error, "repository.")) return Parsed<GitPush>.Fail(error!);
                if (!string.IsNullOrWhiteSpace(url)) urls.Add(url);
            }
        }

        return Parsed<GitPush>.Ok(new GitPush(@ref, after, string.IsNullOrWhiteSpace(name) ? null : name, fullName, urls));
    }

    /// <summary>True when <paramref name="configUrl"/> is one of the repository's urls, whatever the scheme, user, port, trailing <c>.git</c> or <c>/</c>.</summary>
    public bool IsAt(string configUrl)
    {
        var key = UrlKey(configUrl);
        return RepositoryUrls.Any(u => string.Equals(UrlKey(u), key, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// <c>host/path</c> for URLs and scp-like <c>user@host:path</c>, the full path for local repositories; without a
    /// trailing <c>.git</c> or <c>/</c>. GitHub's clone, ssh, git and html urls of one repository share one key.
    /// </summary>
    internal static string UrlKey(string url)
    {
        var u = url.Trim().TrimEnd('/');
        if (u.EndsWith(".git", StringComparison.OrdinalIgnoreCase)) u = u[..^4].TrimEnd('/');
        if (Uri.TryCreate(u, UriKind.Absolute, out var uri))
        {
            if (uri.IsFile) return uri.LocalPath.TrimEnd('/');
            if (uri.Host.Length > 0) return uri.Host + "/" + Uri.UnescapeDataString(uri.AbsolutePath).Trim('/');
        }

        var scp = ScpLike().Match(u);
        return scp.Success ? scp.Groups["host"].Value + "/" + scp.Groups["path"].Value.Trim('/') : u;
    }

    /// <summary>The rules of <c>git check-ref-format</c>.</summary>
    internal static bool IsValidRefName(string name)
    {
        if (name.Length is 0 or > 255 || name == "@") return false;
        if (name.StartsWith('/') || name.EndsWith('/') || name.EndsWith('.')) return false;
        if (name.Contains("..", StringComparison.Ordinal) || name.Contains("@{", StringComparison.Ordinal) || name.Contains("//", StringComparison.Ordinal)) return false;
        if (name.Any(c => c < 0x20 || c == 0x7f || c is ' ' or '~' or '^' or ':' or '?' or '*' or '[' or '\\')) return false;
        return name.Split('/').All(part => !part.StartsWith('.') && !part.EndsWith(".lock", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^(?:[^@/:\s]+@)?(?<host>[^@/:\s]+):(?<path>.+)$")]
    private static partial Regex ScpLike();
}

/// <summary>What an hg <c>changegroup</c> hook posts: the configured repo name, the branch that moved and its newest changeset.</summary>
internal sealed record HgPush(string Repo, string Branch, string? Node)
{
    private static readonly string[] ReservedBranches = [".", "null", "tip"];

    public static Parsed<HgPush> Parse(ReadOnlyMemory<byte> json)
    {
        using var doc = PushText.TryParse(json, out var error);
        if (doc is null) return Parsed<HgPush>.Fail(error!); // TryParse returns an error whenever it returns no document.
        var root = doc.RootElement;

        if (!PushText.TryGetString(root, "repo", required: true, out var repo, out error)) return Parsed<HgPush>.Fail(error!);
        if (!PushText.TryGetString(root, "branch", required: true, out var branch, out error)) return Parsed<HgPush>.Fail(error!);
        if (!IsValidBranch(branch!)) return Parsed<HgPush>.Fail($"'branch' is not a valid Mercurial branch name: '{SafeText.Clean(branch)}'");
        if (!PushText.TryGetString(root, "node", required: false, out var node, out error)) return Parsed<HgPush>.Fail(error!);
        if (node is not null && !(node.Length is >= 12 and <= 64 && PushText.IsHex(node)))
            return Parsed<HgPush>.Fail($"'node' is not a hex changeset id of 12 to 64 characters: '{SafeText.Clean(node)}'");
        return Parsed<HgPush>.Ok(new HgPush(repo!, branch!, node));
    }

    /// <summary>What Mercurial accepts as a branch name: no colon, no control characters, no surrounding spaces, not a number or reserved word.</summary>
    internal static bool IsValidBranch(string name) =>
        name.Length is > 0 and <= 255
        && name.Trim().Length == name.Length
        && !name.Any(c => char.IsControl(c) || c == ':')
        && !name.All(char.IsAsciiDigit)
        && !ReservedBranches.Contains(name, StringComparer.Ordinal);
}

/// <summary>JSON reading and printing shared by the payloads: errors name the field, quoted input is made printable.</summary>
internal static class PushText
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    /// <summary>A document whose root is an object, or null and why not.</summary>
    public static JsonDocument? TryParse(ReadOnlyMemory<byte> json, out string? error)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException ex)
        {
            error = $"malformed JSON: {ex.Message}";
            return null;
        }

        if (doc.RootElement.ValueKind == JsonValueKind.Object)
        {
            error = null;
            return doc;
        }

        error = $"expected a JSON object, got {doc.RootElement.ValueKind.ToString().ToLowerInvariant()}";
        doc.Dispose();
        return null;
    }

    /// <summary>A string field; absent or null is an error only when <paramref name="required"/>, any other kind always is.</summary>
    public static bool TryGetString(JsonElement obj, string field, bool required, out string? value, out string? error, string path = "")
    {
        value = null;
        error = null;
        if (!obj.TryGetProperty(field, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            if (required) error = $"missing field '{path}{field}'";
            return !required;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            error = $"'{path}{field}' must be a string, got {element.ValueKind.ToString().ToLowerInvariant()}";
            return false;
        }

        try
        {
            value = element.GetString()!; // a String element always has a value.
        }
        catch (InvalidOperationException)
        {
            // A \uD800-\uDFFF escape without its other half: valid JSON syntax, but no text.
            error = $"'{path}{field}' is not valid text (a \\u escape of half a surrogate pair)";
            return false;
        }

        if (required && value.Length == 0)
        {
            error = $"'{path}{field}' must not be empty";
            return false;
        }

        return true;
    }

    public static bool IsHex(string s) => s.All(char.IsAsciiHexDigit);

}
