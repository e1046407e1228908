using System.Globalization;

namespace ChatOpsReconfig.Bench.Hooks;

/// <summary>An upstream repository with a working clone that commits and pushes to <c>production</c>, as an engineer would.</summary>
internal abstract class BenchRepo(string name, string root)
{
    public const string Branch = "production";

    private int _commits;

    public string Name => name;

    /// <summary>What the bot watches.</summary>
    public string Upstream => Path.Combine(root, "upstream");

    protected string Work => Path.Combine(root, "work");

    public abstract string Kind { get; }

    public static BenchRepo Create(string kind, string name, string root)
    {
        BenchRepo repo = kind == "git" ? new GitBenchRepo(name, root) : new HgBenchRepo(name, root);
        repo.Init();
        return repo;
    }

    /// <summary>Commits in the working clone (not pushed) and returns the full revision.</summary>
    public string Commit() => Commit($"Bug {1040013 + Interlocked.Increment(ref _commits)} - bench change {_commits.ToString(CultureInfo.InvariantCulture)}");

    public abstract void Push();

    protected abstract void Init();

    protected abstract string Commit(string message);
}

internal sealed class GitBenchRepo(string name, string root) : BenchRepo(name, root)
{
    public override string Kind => "git";

    public override void Push() => Shell.Run("git", ["-C", Work, "push", "--quiet", Upstream, $"{Branch}:{Branch}"]);

    protected override void Init()
    {
        Shell.Run("git", ["init", "--quiet", "--bare", Upstream]);
        Shell.Run("git", ["init", "--quiet", "--initial-branch=" + Branch, Work]);
        Commit("Initial commit");
        Push();
    }

    protected override string Commit(string message)
    {
        Shell.Run("git", ["-C", Work, "commit", "--quiet", "--allow-empty", "-m", message]);
        return Shell.Run("git", ["-C", Work, "rev-parse", "HEAD"]).Trim();
    }
}

internal sealed class HgBenchRepo(string name, string root) : BenchRepo(name, root)
{
    public override string Kind => "hg";

    /// <summary>Adds a <c>[hooks]</c> line to the upstream's <c>.hg/hgrc</c>, as an admin would on the server.</summary>
    public void InstallHook(string line) => File.AppendAllText(Path.Combine(Upstream, ".hg", "hgrc"), "[hooks]\n" + line + "\n");

    public void RemoveHooks() => File.Delete(Path.Combine(Upstream, ".hg", "hgrc"));

    // Plain hg, as people push; exit 1 means there was nothing to push.
    public override void Push() => Shell.Run("hg", ["push", "--quiet", "--new-branch", "-R", Work, "--", Upstream], null, 1);

    protected override void Init()
    {
        Shell.Run("hg", ["init", Upstream]);
        Shell.Run("hg", ["init", Work]);
        Shell.Run("hg", ["branch", "--quiet", Branch], Work);
        Commit("Initial commit");
        Push();
    }

    protected override string Commit(string message)
    {
        File.WriteAllText(Path.Combine(Work, "file.txt"), Guid.NewGuid().ToString());
        // --debug names the new changeset, which saves starting hg again to ask.
        var output = Shell.Run("hg", ["commit", "--debug", "--addremove", "-m", message], Work);
        const string Marker = "committed changeset ";
        var line = output.Split('\n').Single(l => l.StartsWith(Marker, StringComparison.Ordinal));
        return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }
}
