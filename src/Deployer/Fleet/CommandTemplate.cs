using System.Text;
using System.Text.RegularExpressions;

namespace ChatOpsReconfig.Deployer.Fleet;

/// <summary>
/// A step command with placeholders (<c>{basedir}</c>, <c>{host}</c>, <c>{path:REPO}</c>, <c>{rev:REPO}</c>,
/// <c>{branch:REPO}</c>). Every substituted value is validated and shell-quoted; <c>{{</c> and <c>}}</c> are literal braces.
/// </summary>
public static partial class CommandTemplate
{
    public static readonly IReadOnlySet<string> Placeholders = new HashSet<string>(StringComparer.Ordinal)
    {
        "basedir", "host", "path", "rev", "branch",
    };

    private static readonly HashSet<string> NeedsRepo = new(StringComparer.Ordinal) { "path", "rev", "branch" };

    /// <summary>Checks a template's syntax; returns the problems (empty when fine).</summary>
    public static IReadOnlyList<string> Check(string template, IReadOnlySet<string> knownRepos)
    {
        var problems = new List<string>();
        foreach (var token in Tokens(template, problems))
        {
            if (!Placeholders.Contains(token.Name))
            {
                problems.Add($"unknown placeholder {{{token.Raw}}} (use {{basedir}}, {{host}}, {{path:REPO}}, {{rev:REPO}}, {{branch:REPO}}; write {{{{ for a literal brace)");
            }
            else if (NeedsRepo.Contains(token.Name) && token.Arg is null)
            {
                problems.Add($"placeholder {{{token.Name}}} needs a repo, as in {{{token.Name}:REPO}}");
            }
            else if (!NeedsRepo.Contains(token.Name) && token.Arg is not null)
            {
                problems.Add($"placeholder {{{token.Name}}} takes no argument");
            }
            else if (token.Arg is not null && !knownRepos.Contains(token.Arg))
            {
                problems.Add($"placeholder {{{token.Raw}}} names repo '{token.Arg}', which this role does not carry");
            }
        }

        return problems;
    }

    /// <summary>Expands a template; a value that fails validation yields an error instead of a command.</summary>
    public static TemplateResult Expand(string template, TemplateValues values)
    {
        var problems = new List<string>();
        var sb = new StringBuilder(template.Length + 64);
        var last = 0;
        foreach (var token in Tokens(template, problems))
        {
            sb.Append(Unescape(template[last..token.Start]));
            last = token.End;
            var value = Resolve(token, values, out var error);
            if (value is null)
            {
                problems.Add(error!);
                continue;
            }

            sb.Append(ShellQuote(value));
        }

        sb.Append(Unescape(template[last..]));
        return problems.Count == 0 ? new TemplateResult(sb.ToString(), null) : new TemplateResult(null, string.Join("; ", problems));
    }

    /// <summary>POSIX shell single-quoting.</summary>
    public static string ShellQuote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    // A leading '-' would make a name, branch or path an option of the command it is substituted into (quoting does not help).
    public static bool IsValidName(string? value) => value is { Length: > 0 and <= 128 } and not ("." or "..") && value[0] != '-' && NamePattern().IsMatch(value);

    public static bool IsValidRevision(string? value) => value is { Length: >= 4 and <= 64 } && RevisionPattern().IsMatch(value);

    public static bool IsValidBranch(string? value) =>
        value is { Length: > 0 and <= 200 } && value[0] is not ('-' or '/') && !value.EndsWith('/') && !value.EndsWith(".lock", StringComparison.Ordinal)
        && BranchPattern().IsMatch(value) && !value.Contains("..", StringComparison.Ordinal);

    public static bool IsValidPath(string? value) => value is { Length: > 0 and <= 1024 } && value[0] != '-' && PathPattern().IsMatch(value);

    private static string? Resolve(Token token, TemplateValues values, out string? error)
    {
        error = null;
        string? value;
        switch (token.Name)
        {
            case "basedir":
                value = values.Basedir;
                if (!IsValidPath(value)) { error = $"basedir '{SafeText.Clean(value, 80)}' is not a valid path"; return null; }
                return value;
            case "host":
                value = values.Host;
                if (!IsValidName(value)) { error = $"host name '{SafeText.Clean(value, 80)}' may only contain letters, digits, '.', '_' and '-' (not first)"; return null; }
                return value;
            case "path":
                if (!values.Paths.TryGetValue(token.Arg ?? "", out value)) { error = $"no path for repo '{token.Arg}'"; return null; }
                if (!IsValidPath(value)) { error = $"path '{SafeText.Clean(value, 80)}' of repo '{token.Arg}' is not a valid path"; return null; }
                return value;
            case "rev":
                if (!values.Revisions.TryGetValue(token.Arg ?? "", out value)) { error = $"no revision for repo '{token.Arg}'"; return null; }
                if (!IsValidRevision(value)) { error = $"revision '{SafeText.Clean(value, 80)}' of repo '{token.Arg}' is not a hex revision"; return null; }
                return value;
            case "branch":
                if (!values.Branches.TryGetValue(token.Arg ?? "", out value)) { error = $"no branch for repo '{token.Arg}'"; return null; }
                if (!IsValidBranch(value)) { error = $"branch '{SafeText.Clean(value, 80)}' of repo '{token.Arg}' is not a valid branch name"; return null; }
                return value;
            default:
                error = $"unknown placeholder {{{token.Raw}}}";
                return null;
        }
    }

    private static string Unescape(string literal) =>
        literal.Replace("{{", "{", StringComparison.Ordinal).Replace("}}", "}", StringComparison.Ordinal);

    private static List<Token> Tokens(string template, List<string> problems)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < template.Length)
        {
            var c = template[i];
            if (c == '{' && i + 1 < template.Length && template[i + 1] == '{') { i += 2; continue; }
            if (c == '}' && i + 1 < template.Length && template[i + 1] == '}') { i += 2; continue; }
            if (c == '}') { problems.Add($"unmatched '}}' at offset {i} (write }}}} for a literal brace)"); i++; continue; }
            if (c != '{') { i++; continue; }

            var close = template.IndexOf('}', i + 1);
            if (close < 0) { problems.Add($"unclosed '{{' at offset {i}"); break; }
            var raw = template[(i + 1)..close];
            var colon = raw.IndexOf(':', StringComparison.Ordinal);
            var name = colon < 0 ? raw : raw[..colon];
            var arg = colon < 0 ? null : raw[(colon + 1)..];
            tokens.Add(new Token(i, close + 1, raw, name, arg));
            i = close + 1;
        }

        return tokens;
    }

    private sealed record Token(int Start, int End, string Raw, string Name, string? Arg);

    [GeneratedRegex(@"^[A-Za-z0-9._-]+\z")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^[0-9a-fA-F]+\z")]
    private static partial Regex RevisionPattern();

    [GeneratedRegex(@"^[A-Za-z0-9._/-]+\z")]
    private static partial Regex BranchPattern();

    // Paths are quoted anyway; refusing control characters keeps logs and tables sane.
    [GeneratedRegex(@"^[^\x00-\x1f\x7f]+\z")]
    private static partial Regex PathPattern();
}

/// <summary>The values a template may substitute for one host.</summary>
public sealed record TemplateValues(
    string Host,
    string Basedir,
    IReadOnlyDictionary<string, string> Paths,
    IReadOnlyDictionary<string, string> Revisions,
    IReadOnlyDictionary<string, string> Branches);

public sealed record TemplateResult(string? Command, string? Error);
