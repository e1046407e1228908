using System.Reflection;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Deployer.Tests.Store;

/// <summary>One idiom for every feature's store: each method is async (a Task) and takes a CancellationToken.</summary>
public sealed class StoreIdiomTests
{
    public static TheoryData<string> StoreInterfaces()
    {
        var data = new TheoryData<string>();
        foreach (var name in Stores().Select(t => t.FullName!).Order(StringComparer.Ordinal)) data.Add(name);
        return data;
    }

    [Fact]
    public void The_rollout_and_repo_stores_are_among_the_interfaces_checked()
    {
        var names = Stores().ToList();
        Assert.Contains(typeof(IRolloutStore), names);
        Assert.Contains(typeof(IRepoStore), names);
    }

    [Theory]
    [MemberData(nameof(StoreInterfaces))]
    public void Every_method_returns_a_task_and_takes_a_cancellation_token(string store)
    {
        var type = Stores().Single(t => t.FullName == store);
        var wrong = type.GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => !IsTask(m.ReturnType) || !m.GetParameters().Any(p => p.ParameterType == typeof(CancellationToken)))
            .Select(m => $"{m.ReturnType.Name} {m.Name}({string.Join(", ", m.GetParameters().Select(p => p.ParameterType.Name))})")
            .ToList();
        Assert.True(wrong.Count == 0, $"{type.Name}: not Task XAsync(…, CancellationToken): {string.Join("; ", wrong)}");
    }

    private static bool IsTask(Type type) =>
        type == typeof(Task) || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Task<>));

    /// <summary>Interfaces named I…Store in the Deployer assembly, public or not.</summary>
    private static IEnumerable<Type> Stores() =>
        typeof(IRolloutStore).Assembly.GetTypes()
            .Where(t => t.IsInterface && t.Name.StartsWith('I') && t.Name.EndsWith("Store", StringComparison.Ordinal));
}
