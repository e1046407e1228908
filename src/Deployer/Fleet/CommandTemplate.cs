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
        var syntax = new List<TemplateProblem>();
        var tokens = Tokens(template, syntax);
        var problems = syntax.Select(SyntaxProblem).ToList();
        foreach (var token in tokens)
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

    /// <summary>Expands a template; a value that fails validation yields the problems (data, worded by the Bot) instead of a command.</summary>
    public static TemplateResult Expand(string template, TemplateValues values)
    {
        var problems = new List<TemplateProblem>();
        var sb = new StringBuilder(template.Length + 64);
        var last = 0;
        foreach (var token in Tokens(template, problems))
        {
            sb.Append(Unescape(template[last..token.Start]));
            last = token.End;
            var value = Resolve(token, values, out var problem);
            if (value is null)
            {
                problems.Add(problem!); // Resolve gives a problem whenever it gives no value.
                continue;
            }

            sb.Append(ShellQuote(value));
        }

        sb.Append(Unescape(template[last..]));
        return problems.Count == 0 ? new TemplateResult(sb.ToString(), []) : new TemplateResult(null, problems);
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

    private static string? Resolve(Token token, TemplateValues values, out TemplateProblem? problem)
    {
        var value = token.Name switch
        {
            "basedir" => values.Basedir,
            "host" => values.Host,
            "path" => values.Paths.GetValueOrDefault(token.Arg ?? ""),
            "rev" => values.Revisions.GetValueOrDefault(token.Arg ?? ""),
            "branch" => values.Branches.GetValueOrDefault(token.Arg ?? ""),
            _ => null,
        };
        var valid = token.Name switch
        {
            "basedir" or "path" => IsValidPath(value),
            "host" => IsValidName(value),
            "rev" => IsValidRevision(value),
            "branch" => IsValidBranch(value),
            _ => false,
        };
        if (valid)
        {
            problem = null;
            return value;
        }

        var known = Placeholders.Contains(token.Name);
        problem = new TemplateProblem
        {
            Kind = !known ? TemplateProblemKind.UnknownPlaceholder : value is null ? TemplateProblemKind.NoValue : TemplateProblemKind.InvalidValue,
            Placeholder = known ? token.Name : token.Raw,
            Repo = known ? token.Arg : null,
            Value = value is null ? null : SafeText.Clean(value, 80),
        };
        return null;
    }

    /// <summary>A syntax problem in the words of config validation (the Bot words those of a rollout).</summary>
    private static string SyntaxProblem(TemplateProblem p) => p.Kind == TemplateProblemKind.UnmatchedBrace
        ? $"unmatched '}}' at offset {p.Offset} (write }}}} for a literal brace)"
        : $"unclosed '{{' at offset {p.Offset}";

    private static string Unescape(string literal) =>
        literal.Replace("{{", "{", StringComparison.Ordinal).Replace("}}", "}", StringComparison.Ordinal);

    private static List<Token> Tokens(string template, List<TemplateProblem> problems)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < template.Length)
        {
            var c = template[i];
            if (c == '{' && i + 1 < template.Length && template[i + 1] == '{') { i += 2; continue; }
            if (c == '}' && i + 1 < template.Length && template[i + 1] == '}') { i += 2; continue; }
            if (c == '}') { problems.Add(new TemplateProblem { Kind = TemplateProblemKind.UnmatchedBrace, Offset = i }); i++; continue; }
            if (c != '{') { i++; continue; }

            var close = template.IndexOf('}', i + 1);
            if (close < 0) { problems.Add(new TemplateProblem { Kind = TemplateProblemKind.UnclosedBrace, Offset = i }); break; }
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

/// <summary>The command, or (when it is null) why it could not be built.</summary>
public sealed record TemplateResult(string? Command, IReadOnlyList<TemplateProblem> Problems);

/// <summary>Why a command template could not be expanded.</summary>
public enum TemplateProblemKind
{
    /// <summary>A <c>{</c> at <see cref="TemplateProblem.Offset"/> is never closed.</summary>
    UnclosedBrace,

    /// <summary>A lone <c>}</c> at <see cref="TemplateProblem.Offset"/>.</summary>
    UnmatchedBrace,

    /// <summary><see cref="TemplateProblem.Placeholder"/> (as written) is not one of <see cref="CommandTemplate.Placeholders"/>.</summary>
    UnknownPlaceholder,

    /// <summary>There is no value for <see cref="TemplateProblem.Placeholder"/> of <see cref="TemplateProblem.Repo"/>.</summary>
    NoValue,

    /// <summary><see cref="TemplateProblem.Value"/> is not a safe value for <see cref="TemplateProblem.Placeholder"/> (a revision that is not hex, …).</summary>
    InvalidValue,
}

/// <summary>One reason a command was not built, as data; the Bot words it (<c>revision 'x;rm' of repo 'tools' is not a hex revision</c>).</summary>
public sealed record TemplateProblem
{
    public TemplateProblemKind Kind { get; init; }

    /// <summary>The placeholder concerned: <c>basedir</c>, <c>host</c>, <c>path</c>, <c>rev</c>, <c>branch</c>, or an unknown one as written.</summary>
    public string? Placeholder { get; init; }

    /// <summary>The repo the placeholder names (<c>{rev:tools}</c>).</summary>
    public string? Repo { get; init; }

    /// <summary>The refused value, through the sanitizer (<see cref="TemplateProblemKind.InvalidValue"/>).</summary>
    public string? Value { get; init; }

    /// <summary>Where in the template (<see cref="TemplateProblemKind.UnclosedBrace"/>, <see cref="TemplateProblemKind.UnmatchedBrace"/>).</summary>
    public int? Offset { get; init; }
}
