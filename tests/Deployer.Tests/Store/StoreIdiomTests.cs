using System.Reflection;
using ChatOpsReconfig.Deployer.Audit;
using ChatOpsReconfig.Deployer.Bugs;
using ChatOpsReconfig.Deployer.Locks;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Deployer.Tests.Store;

/// <summary>
/// One idiom for everything the store offers the features: each method of an interface that a type in
/// <c>src/Deployer/Store</c> implements is async (a Task) and takes a CancellationToken, whatever the interface is called.
/// </summary>
public sealed class StoreIdiomTests
{
    public static TheoryData<string> StoreInterfaces()
    {
        var data = new TheoryData<string>();
        foreach (var name in Stores().Select(t => t.FullName!).Order(StringComparer.Ordinal)) data.Add(name);
        return data;
    }

    [Fact]
    public void The_interfaces_checked_include_those_not_named_store()
    {
        var names = Stores().ToList();
        Assert.Contains(typeof(IRolloutStore), names);
        Assert.Contains(typeof(IRepoStore), names);
        Assert.Contains(typeof(ILockStore), names);
        Assert.Contains(typeof(IAuditLog), names);
        Assert.Contains(typeof(IBugCommentOutbox), names);
        Assert.Contains(typeof(IRolloutRetention), names);
        Assert.Contains(typeof(ChatOpsReconfig.Deployer.Store.IBugRecords), names);
        Assert.DoesNotContain(typeof(IDisposable), names);
    }

    [Theory]
    [MemberData(nameof(StoreInterfaces))]
    public void Every_method_returns_a_task_and_takes_a_cancellation_token(string store)
    {
        var type = Stores().Single(t => t.FullName == store);
        var wrong = NotInTheIdiom(type);
        Assert.True(wrong.Count == 0, $"{type.Name}: not Task XAsync(…, CancellationToken): {string.Join("; ", wrong)}");
    }

    [Fact]
    public void A_synchronous_method_is_found()
    {
        Assert.Equal(["Boolean IsPlanned(Int32)", "Void MarkPlanned(Int32, CancellationToken)"], NotInTheIdiom(typeof(ISyncRecords)));
        Assert.Empty(NotInTheIdiom(typeof(IAsyncRecords)));
    }

    private interface ISyncRecords
    {
        bool IsPlanned(int rolloutId);

        void MarkPlanned(int rolloutId, CancellationToken cancellationToken);
    }

    private interface IAsyncRecords
    {
        Task<bool> IsPlannedAsync(int rolloutId, CancellationToken cancellationToken);
    }

    private static List<string> NotInTheIdiom(Type type) =>
        type.GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => !IsTask(m.ReturnType) || !m.GetParameters().Any(p => p.ParameterType == typeof(CancellationToken)))
            .Select(m => $"{m.ReturnType.Name} {m.Name}({string.Join(", ", m.GetParameters().Select(p => p.ParameterType.Name))})")
            .Order(StringComparer.Ordinal)
            .ToList();

    private static bool IsTask(Type type) =>
        type == typeof(Task) || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Task<>));

    /// <summary>
    /// The Deployer's own interfaces (public or not) implemented by the types of its Store namespaces; those of .NET
    /// and LiteDB (IDisposable, a hosted service, LiteDB's engine) are theirs, not the store's.
    /// </summary>
    private static IEnumerable<Type> Stores()
    {
        var assembly = typeof(IRolloutStore).Assembly;
        return assembly.GetTypes()
            .Where(t => t is { IsClass: true, Namespace: not null } && t.Namespace.StartsWith("ChatOpsReconfig.Deployer.Store", StringComparison.Ordinal))
            .SelectMany(t => t.GetInterfaces())
            .Where(i => i.Assembly == assembly)
            .Distinct();
    }
}
