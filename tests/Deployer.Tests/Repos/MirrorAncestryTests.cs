using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Repos;

namespace ChatOpsReconfig.Deployer.Tests.Repos;

/// <summary><see cref="IRepoMirror.IsAncestorAsync"/> on real git and hg repositories: older, equal, newer, unrelated, unknown.</summary>
public sealed class MirrorAncestryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("chatops-ancestry-").FullName;

    [Theory]
    [InlineData(RepoKind.Git)]
    [InlineData(RepoKind.Hg)]
    public async Task AnAncestorIsTheRevisionOrOneOfItsParentsAndNothingElse(RepoKind kind)
    {
        var upstream = Upstream.Create(kind, Path.Combine(_root, "up"), UpstreamTemplates.Shared);
        var first = await upstream.InitAsync();
        var second = await upstream.CommitAsync("Bug 1040013 - second");
        var third = await upstream.CommitAsync("Bug 1040013 - third");
        await upstream.PushAsync();

        var mirror = RepoMirror.Create("app", new RepoConfig { Kind = kind, Url = upstream.Url, Branch = Upstream.Branch }, Path.Combine(_root, "data"), 50, TimeSpan.FromMinutes(1), TimeProvider.System);
        var fetched = await mirror.FetchAsync(CancellationToken.None);
        Assert.True(fetched.Ok, fetched.Error?.ToString());
        Assert.Equal(third, fetched.Head);

        Assert.True(await mirror.IsAncestorAsync(first, third, CancellationToken.None));
        Assert.True(await mirror.IsAncestorAsync(second, third, CancellationToken.None));
        Assert.True(await mirror.IsAncestorAsync(third, third, CancellationToken.None));
        Assert.False(await mirror.IsAncestorAsync(third, first, CancellationToken.None));
        Assert.False(await mirror.IsAncestorAsync(third, second, CancellationToken.None));

        var unknown = new string('a', first.Length);
        Assert.False(await mirror.IsAncestorAsync(unknown, third, CancellationToken.None));
        Assert.False(await mirror.IsAncestorAsync(first, unknown, CancellationToken.None));
        Assert.False(await mirror.IsAncestorAsync(first[..12], third, CancellationToken.None));
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { /* a chg server may still hold a file; the temp dir is cleaned eventually */ }
    }
}
