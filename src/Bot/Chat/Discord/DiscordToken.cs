namespace ChatOpsReconfig.Bot.Chat.Discord;

/// <summary>
/// The bot token, read from the environment variable or the file named in <see cref="DiscordOptions"/>. The value is
/// only ever handed to the REST and gateway clients; <see cref="ToString"/> and <see cref="Source"/> never show it.
/// </summary>
internal sealed class DiscordToken
{
    private DiscordToken(string value, string source)
    {
        Value = value;
        Source = source;
    }

    /// <summary>The raw token, for the Authorization header and Identify/Resume only.</summary>
    public string Value { get; }

    /// <summary>Where the token came from (a variable or file name), for logs.</summary>
    public string Source { get; }

    public override string ToString() => $"Discord token from {Source}";

    /// <summary>The token, or an error naming the setting (<c>tokenEnv: …</c>) that would fix it.</summary>
    public static (DiscordToken? Token, string? Error) Load(DiscordOptions options)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(options.TokenEnv)?.Trim();
        if (!string.IsNullOrEmpty(fromEnvironment)) return (new(fromEnvironment, $"environment variable {options.TokenEnv}"), null);
        if (options.TokenFile is null)
            return (null, $"tokenEnv: environment variable {options.TokenEnv} is not set, and no tokenFile is configured; the bot token comes from one of them");

        string text;
        try
        {
            text = File.ReadAllText(options.TokenFile).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, $"tokenFile: {ex.Message}");
        }

        if (text.Length == 0) return (null, $"tokenFile: {options.TokenFile} is empty");
        if (text.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            return (null, $"tokenFile: {options.TokenFile} holds more than one word; it should hold only the bot token");
        return (new(text, $"file {Path.GetFullPath(options.TokenFile)}"), null);
    }
}
