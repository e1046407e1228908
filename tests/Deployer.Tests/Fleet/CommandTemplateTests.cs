using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Tests.Fixtures;

namespace ChatOpsReconfig.Deployer.Tests.Fleet;

public sealed class CommandTemplateTests : IDisposable
{
    private const string Rev = "0123456789abcdef0123456789abcdef01234567";
    private static readonly HashSet<string> Repos = new(StringComparer.Ordinal) { "configs" };
    private readonly TempDirectory _dir = new("template");

    public void Dispose() => _dir.Dispose();

    private static TemplateValues Values(string host = "bm01", string basedir = "/srv/bm01", string path = "/srv/bm01/configs",
        string rev = Rev, string branch = "production") => new(
        host,
        basedir,
        new Dictionary<string, string> { ["configs"] = path },
        new Dictionary<string, string> { ["configs"] = rev },
        new Dictionary<string, string> { ["configs"] = branch });

    [Fact]
    public void Expand_AllPlaceholders_SubstitutesQuotedValues()
    {
        var result = CommandTemplate.Expand("update {host} {basedir} {path:configs} {rev:configs} {branch:configs}", Values());

        Assert.Empty(result.Problems);
        Assert.Equal($"update 'bm01' '/srv/bm01' '/srv/bm01/configs' '{Rev}' 'production'", result.Command);
    }

    [Theory]
    [InlineData("dir with spaces")]
    [InlineData("it's \"quoted\"")]
    [InlineData("a; touch pwned-semicolon")]
    [InlineData("$(touch pwned-subst)")]
    [InlineData("`touch pwned-backtick`")]
    [InlineData("'; touch pwned-quote; echo '")]
    [InlineData("* ? [a] ~ & | < > \\ !")]
    public async Task Expand_PathWithShellMetacharacters_ReachesShellAsOneLiteralWord(string hostile)
    {
        var result = CommandTemplate.Expand("printf '<%s>' {path:configs}", Values(path: hostile));

        Assert.Empty(result.Problems);
        var output = await Shell.ShAsync(result.Command!, _dir.Path);
        Assert.Equal($"<{hostile}>", output);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
    }

    [Theory]
    [InlineData("line one\nline two")]
    [InlineData("tab\there\r\nand crlf")]
    [InlineData("\n; touch pwned-newline\n")]
    public async Task ShellQuote_ValueWithNewlines_IsOneLiteralWord(string hostile)
    {
        var command = "printf '<%s>' " + CommandTemplate.ShellQuote(hostile);

        var output = await Shell.ShAsync(command, _dir.Path);

        Assert.Equal($"<{hostile}>", output);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
    }

    [Theory]
    [InlineData("/srv/bm01\n/etc")]
    [InlineData("/srv/bm01\n")]
    [InlineData("/srv/\u001b[31mred")]
    public void Expand_PathWithControlCharacters_IsRefused(string path)
    {
        var result = CommandTemplate.Expand("ls {path:configs}", Values(path: path));

        Assert.Null(result.Command);
        Assert.Equal(new TemplateProblem { Kind = TemplateProblemKind.InvalidValue, Placeholder = "path", Repo = "configs", Value = SafeText.Clean(path, 80) }, Assert.Single(result.Problems));
    }

    [Theory]
    [InlineData("0123456g")]
    [InlineData("HEAD")]
    [InlineData("master")]
    [InlineData("abcd;reboot")]
    [InlineData("abcd ef01")]
    [InlineData("$(reboot)")]
    [InlineData("abcdef0\n")]
    [InlineData("abcdef0\nreboot")]
    [InlineData("abc")]
    [InlineData("")]
    public void Expand_NonHexRevision_IsRefused(string rev)
    {
        var result = CommandTemplate.Expand("git checkout {rev:configs}", Values(rev: rev));

        Assert.Null(result.Command);
        Assert.Equal(new TemplateProblem { Kind = TemplateProblemKind.InvalidValue, Placeholder = "rev", Repo = "configs", Value = SafeText.Clean(rev, 80) }, Assert.Single(result.Problems));
    }

    [Theory]
    [InlineData("bm01;reboot")]
    [InlineData("bm 01")]
    [InlineData("bm01$(id)")]
    [InlineData("bm01`id`")]
    [InlineData("bm01|sh")]
    [InlineData("bm01\n")]
    [InlineData("bm01\nreboot")]
    [InlineData("")]
    public void Expand_HostNameWithMetacharacters_IsRefused(string host)
    {
        var result = CommandTemplate.Expand("echo {host}", Values(host: host));

        Assert.Null(result.Command);
        Assert.Equal(new TemplateProblem { Kind = TemplateProblemKind.InvalidValue, Placeholder = "host", Value = SafeText.Clean(host, 80) }, Assert.Single(result.Problems));
    }

    [Theory]
    [InlineData("production;reboot")]
    [InlineData("../../etc")]
    [InlineData("prod\n")]
    [InlineData("prod uction")]
    public void Expand_BadBranch_IsRefused(string branch)
    {
        var result = CommandTemplate.Expand("git fetch origin {branch:configs}", Values(branch: branch));

        Assert.Null(result.Command);
        Assert.Equal(new TemplateProblem { Kind = TemplateProblemKind.InvalidValue, Placeholder = "branch", Repo = "configs", Value = SafeText.Clean(branch, 80) }, Assert.Single(result.Problems));
    }

    [Fact]
    public void Expand_RevisionOfRepoWithoutValue_IsRefused()
    {
        var result = CommandTemplate.Expand("git checkout {rev:custom}", Values());

        Assert.Null(result.Command);
        Assert.Equal(new TemplateProblem { Kind = TemplateProblemKind.NoValue, Placeholder = "rev", Repo = "custom" }, Assert.Single(result.Problems));
    }

    [Fact]
    public async Task Expand_DoubledBraces_AreLiteralBraces()
    {
        var result = CommandTemplate.Expand("f() {{ echo \"[$1]\"; }}; f {host}", Values());

        Assert.Empty(result.Problems);
        Assert.Equal("f() { echo \"[$1]\"; }; f 'bm01'", result.Command);
        Assert.Equal("[bm01]\n", await Shell.ShAsync(result.Command!, _dir.Path));
    }

    [Fact]
    public void Check_DoubledBraces_IsFine()
    {
        Assert.Empty(CommandTemplate.Check("awk '{{print $1}}' {path:configs}/list", Repos));
    }

    [Fact]
    public void Check_UnknownPlaceholder_NamesItAndTheKnownOnes()
    {
        var problems = CommandTemplate.Check("echo {nope} {host}", Repos);

        var problem = Assert.Single(problems);
        Assert.StartsWith("unknown placeholder {nope}", problem);
        Assert.Contains("{basedir}", problem);
    }

    [Fact]
    public void Expand_UnknownPlaceholder_IsRefused()
    {
        var result = CommandTemplate.Expand("echo {nope}", Values());

        Assert.Null(result.Command);
        Assert.Equal(new TemplateProblem { Kind = TemplateProblemKind.UnknownPlaceholder, Placeholder = "nope" }, Assert.Single(result.Problems));
    }

    [Fact]
    public void Check_UnclosedBrace_ReportsOffset()
    {
        var problems = CommandTemplate.Check("echo {host", Repos);

        Assert.Equal(["unclosed '{' at offset 5"], problems);
    }

    [Fact]
    public void Expand_UnclosedBrace_IsRefused()
    {
        var result = CommandTemplate.Expand("echo {host} {path:configs", Values());

        Assert.Null(result.Command);
        Assert.Contains(new TemplateProblem { Kind = TemplateProblemKind.UnclosedBrace, Offset = 12 }, result.Problems);
    }

    [Fact]
    public void Check_UnmatchedClosingBrace_ReportsOffset()
    {
        var problems = CommandTemplate.Check("echo } {host}", Repos);

        var problem = Assert.Single(problems);
        Assert.StartsWith("unmatched '}' at offset 5", problem);
    }

    [Theory]
    [InlineData("{rev}", "placeholder {rev} needs a repo, as in {rev:REPO}")]
    [InlineData("{path}", "placeholder {path} needs a repo, as in {path:REPO}")]
    [InlineData("{host:configs}", "placeholder {host} takes no argument")]
    [InlineData("{rev:custom}", "placeholder {rev:custom} names repo 'custom', which this role does not carry")]
    public void Check_MisusedPlaceholder_Explains(string template, string expected)
    {
        Assert.Equal([expected], CommandTemplate.Check(template, Repos));
    }

    [Fact]
    public void Check_SeveralProblems_ReportsEveryOne()
    {
        var problems = CommandTemplate.Check("{nope} {rev} {host:x} }", Repos);

        Assert.Equal(4, problems.Count);
    }
}
