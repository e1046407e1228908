namespace ChatOpsReconfig.Bot.Chat.Irc;

/// <summary>The SASL password, from the environment variable or the file named in the config; never from the config itself.</summary>
internal static class IrcSecrets
{
    /// <summary>The password, or null when no source is configured (no SASL). Validation checked the file exists.</summary>
    public static string? ReadPassword(IrcOptions options)
    {
        if (options.SaslPasswordEnv is { } name && Environment.GetEnvironmentVariable(name)?.Trim() is { Length: > 0 } fromEnvironment)
            return fromEnvironment;
        if (options.SaslPasswordFile is null) return null;
        var (secret, error) = Web.HookSecret.ReadFile(options.SaslPasswordFile);
        if (error is not null) throw new InvalidOperationException($"chat.irc.saslPasswordFile: {error}");
        return secret.Length == 0 ? throw new InvalidOperationException($"chat.irc.saslPasswordFile: {options.SaslPasswordFile} is empty") : secret;
    }
}
