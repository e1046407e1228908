namespace ChatOpsReconfig.Bot.Hosting;

/// <summary>Run mode: the long-running bot on the Generic Host.</summary>
internal static class BotHost
{
    public static Task<int> RunAsync(string configPath, CancellationToken cancellationToken)
    {
        Console.Error.WriteLine($"run mode is not built yet ({configPath})");
        return Task.FromResult(cancellationToken.IsCancellationRequested ? 1 : 1);
    }
}
