using System.Reflection;
using System.Text.RegularExpressions;
using ChatOpsReconfig.Deployer.Tests.Fixtures;

namespace ChatOpsReconfig.Deployer.Tests;

/// <summary>
/// The Deployer answers with data; the words for people are the Bot's (src/Bot/Announcements). These catch a
/// finished sentence creeping back into what the Deployer returns.
/// </summary>
public sealed class NoWordsTests
{
    /// <summary>Names a sentence for people used to go by on the Deployer's answers.</summary>
    private static readonly string[] SentenceNames = ["Line", "Refusal", "Message", "Why", "Text", "Sentence"];

    /// <summary>The answers of the lock, freeze, policy and rollout services (results, decisions, events).</summary>
    private static readonly string[] AnswerNamespaces =
        ["ChatOpsReconfig.Deployer.Locks", "ChatOpsReconfig.Deployer.Policy", "ChatOpsReconfig.Deployer.Rollout", "ChatOpsReconfig.Deployer"];

    [Fact]
    public void PublicAnswers_HaveNoSentenceProperties()
    {
        var offenders = typeof(Deployer.Locks.LockService).Assembly.GetExportedTypes()
            .Where(t => AnswerNamespaces.Contains(t.Namespace))
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).Select(p => (Type: t, Property: p)))
            .Where(x => x.Property.PropertyType == typeof(string) && SentenceNames.Contains(x.Property.Name))
            .Select(x => $"{x.Type.Name}.{x.Property.Name}")
            .ToList();

        Assert.True(offenders.Count == 0, "string sentences on Deployer answers: " + string.Join(", ", offenders));
    }

    [Fact]
    public void WordingHelpers_LiveInTheBot()
    {
        var src = SourceTree.Combine("src");
        foreach (var moved in new[] { "HumanTime.cs", "HumanNames.cs", "ReasonText.cs" })
        {
            Assert.False(File.Exists(Path.Combine(src, "Deployer", moved)), $"src/Deployer/{moved} is back; words belong in src/Bot/Announcements");
        }

        var offenders = Directory.GetFiles(Path.Combine(src, "Deployer"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => File.ReadAllText(f) is var text && (text.Contains("HumanTime.", StringComparison.Ordinal) || text.Contains("HumanNames.", StringComparison.Ordinal)))
            .Select(f => Path.GetRelativePath(src, f))
            .ToList();
        Assert.True(offenders.Count == 0, "Deployer source formats for people: " + string.Join(", ", offenders));
    }

    /// <summary>Records a rollout is stored and shown from: data only, words are the Bot's (RolloutText, HostText).</summary>
    private static readonly Type[] RolloutRecords =
    [
        typeof(Deployer.Rollout.RolloutRecord), typeof(Deployer.Rollout.RolloutTally), typeof(Deployer.Rollout.RolloutPlan),
        typeof(Deployer.Rollout.HostResult), typeof(Deployer.Rollout.HostFailure), typeof(Deployer.Rollout.StepResult),
        typeof(Deployer.Rollout.HostState), typeof(Deployer.Status.HostLag), typeof(Deployer.Transport.HostKeyRefusal),
        typeof(Deployer.Transport.ExpectedHostKey), typeof(Deployer.Transport.CommandError), typeof(Deployer.Transport.CommandStop),
        typeof(Deployer.Transport.ConnectFailure), typeof(Deployer.Rollout.RevisionProblem), typeof(Deployer.Fleet.TemplateProblem),
    ];

    /// <summary>String properties on those records that hold what a host, a transport or a person said, never our words.</summary>
    private static readonly string[] EchoedText =
    [
        "StepResult.Error", "StepResult.Command", "StepResult.StdoutTail", "StepResult.StderrTail", "HostFailure.Detail", "HostFailure.RestoreDetail",
        "HostFailure.Step", "HostFailure.Canary", "HostKeyRefusal.Detail", "CommandError.Detail", "CommandStop.Detail", "ConnectFailure.Detail",
        "RevisionProblem.Detail",
    ];

    /// <summary>What a repo poll returns and the store keeps: a typed <see cref="Deployer.Repos.RepoFailure"/>, words are the Bot's (RepoText).</summary>
    private static readonly Type[] RepoRecords =
    [
        typeof(Deployer.Repos.RepoState), typeof(Deployer.Repos.RepoFailure), typeof(Deployer.Repos.PollResult), typeof(Deployer.Repos.FetchResult),
        typeof(Deployer.Repos.CommitLog), typeof(Deployer.Repos.HeadsResult), typeof(Deployer.Repos.RepoUnreachable), typeof(Deployer.Policy.UnreadableRepo),
    ];

    [Fact]
    public void RepoRecords_HoldNoSentences()
    {
        var offenders = SentenceLike(RepoRecords, ["RepoFailure.Detail"], alsoLists: true);
        Assert.True(offenders.Count == 0, "sentence-like string properties on repo records: " + string.Join(", ", offenders));
    }

    /// <summary>What the bug outbox keeps and announces: a typed drop and delivery; words are the Bot's (BugDeliveryText).</summary>
    private static readonly Type[] BugRecords =
        [
            typeof(Deployer.Bugs.BugCommentEntry), typeof(Deployer.Bugs.BugCommentDrop), typeof(Deployer.Bugs.BugCommentDropped), typeof(Deployer.Bugs.BugTrackerFailing),
            typeof(Deployer.Bugs.TrackerProblem),
        ];

    /// <summary>The tracker's own words (its answer), and the comment the Bot wrote.</summary>
    private static readonly string[] BugEchoes = ["TrackerProblem.Said", "BugCommentEntry.Text"];

    [Fact]
    public void BugRecords_HoldNoSentences()
    {
        var offenders = SentenceLike(BugRecords, BugEchoes);
        Assert.True(offenders.Count == 0, "sentence-like string properties on bug outbox records: " + string.Join(", ", offenders));
    }

    [Fact]
    public void RolloutRecords_HoldNoSentences()
    {
        var offenders = SentenceLike(RolloutRecords, EchoedText);
        Assert.True(offenders.Count == 0, "sentence-like string properties on rollout records: " + string.Join(", ", offenders));
    }

    /// <summary>
    /// String properties of <paramref name="types"/> named like a sentence (<c>Reason</c>, <c>LastError</c>, <c>Detail</c>…),
    /// except the <paramref name="echoes"/> and <c>Legacy…</c> fields; <paramref name="alsoLists"/> counts lists of strings too.
    /// </summary>
    private static List<string> SentenceLike(Type[] types, string[] echoes, bool alsoLists = false) => types
        .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => (Type: t, Property: p)))
        .Where(x => x.Property.PropertyType == typeof(string) || (alsoLists && x.Property.PropertyType == typeof(IReadOnlyList<string>)))
        .Select(x => $"{x.Type.Name}.{x.Property.Name}")
        .Where(name => !echoes.Contains(name) && !name.Contains(".Legacy", StringComparison.Ordinal))
        .Where(name => Regex.IsMatch(name, @"\.(Last)?(Reason|Summary|Error|Label|Detail|Text|Note|Why|Message|Problems)$"))
        .ToList();

    [Fact]
    public void Deployer_HasNoLabelMethods()
    {
        var offenders = typeof(Deployer.Locks.LockService).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly).Select(m => (Type: t, Method: m)))
            .Where(x => x.Method.Name == "Label" && x.Method.ReturnType == typeof(string))
            .Select(x => $"{x.Type.Name}.{x.Method.Name}")
            .ToList();

        Assert.True(offenders.Count == 0, "wording methods in the Deployer (move them to src/Bot/Announcements): " + string.Join(", ", offenders));
    }

    /// <summary>
    /// What is still allowed to compose English in src/Deployer, per file: messages that are not chat text (command
    /// templates, config validation, shell commands, a URL). The counts only go down: a new sentence anywhere fails, and
    /// so does an allowance left higher than needed (lower it when you move words out).
    /// </summary>
    private static readonly Dictionary<string, int> SentenceAllowance = new(StringComparer.Ordinal)
    {
        ["Bugs/BugsConfigValidator.cs"] = 2, // config validation
        ["Bugs/GitHubTracker.cs"] = 1, // a bug's web address (https://github.com/…/issues/N), not words
        ["Fleet/CommandTemplate.cs"] = 6, // config validation of step commands (Check); a rollout's refusals are TemplateProblem data
        ["Fleet/ConfigShape.cs"] = 15, // config validation: plain words for the JSON reader's own complaints
        ["Fleet/FleetConfigLoader.cs"] = 1, // config validation
        ["Fleet/FleetConfigSections.cs"] = 1, // config validation
        ["Rollout/RevisionReader.cs"] = 2, // the default revision commands (git rev-parse, hg ident): shell, not words
        ["Transport/RemoteCommand.cs"] = 5, // the shell wrapper and kill command sent to hosts
    };

    /// <summary>An interpolated string that starts with a lower-case word, or a literal of three lower-case words.</summary>
    private static readonly Regex SentenceLiteral = new(@"(\$@?""[a-z]+[ :,;]|""[a-z]+ [a-z]+ [a-z]+)", RegexOptions.CultureInvariant);

    /// <summary>Lines whose text is for logs and exceptions, not for people in chat.</summary>
    private static readonly Regex NotForChat = new(@"LoggerMessage|throw new|Exception\(", RegexOptions.CultureInvariant);

    internal static int SentencesIn(IEnumerable<string> lines) => lines
        .Where(l => !l.TrimStart().StartsWith("//", StringComparison.Ordinal) && !NotForChat.IsMatch(l))
        .Sum(l => SentenceLiteral.Matches(l).Count);

    [Fact]
    public void SentencesIn_FindsAReintroducedSentence()
    {
        Assert.Equal(1, SentencesIn(["        result = result with { Error = $\"cancelled before step {step.Name}\" };"]));
        Assert.Equal(1, SentencesIn(["        result = result with { Error = \"cancelled while connecting\" };"]));
        Assert.Equal(0, SentencesIn(["        throw new InvalidOperationException($\"store {path} is busy\");", "    /// <summary>Says \"not run again\" here.</summary>", "        Failure = HostFailure.Of(HostFailureKind.Connect, failure.Message),"]));
    }

    [Fact]
    public void DeployerSource_ComposesSentencesOnlyWhereAllowed()
    {
        var root = SourceTree.Combine("src", "Deployer");
        var found = Directory.GetFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => (File: Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/'), Count: SentencesIn(File.ReadLines(f))))
            .Where(x => x.Count > 0)
            .ToDictionary(x => x.File, x => x.Count, StringComparer.Ordinal);

        var over = found.Where(kv => kv.Value > SentenceAllowance.GetValueOrDefault(kv.Key)).Select(kv => $"{kv.Key}: {kv.Value} (allowed {SentenceAllowance.GetValueOrDefault(kv.Key)})").ToList();
        var stale = SentenceAllowance.Where(kv => found.GetValueOrDefault(kv.Key) < kv.Value).Select(kv => $"{kv.Key}: {found.GetValueOrDefault(kv.Key)} (allowed {kv.Value})").ToList();

        Assert.True(over.Count == 0, "sentences composed in src/Deployer (type the data, word it in src/Bot/Announcements): " + string.Join("; ", over));
        Assert.True(stale.Count == 0, "fewer sentences than allowed; lower SentenceAllowance: " + string.Join("; ", stale));
    }
}
