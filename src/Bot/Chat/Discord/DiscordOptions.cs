using System.Text.RegularExpressions;

namespace ChatOpsReconfig.Bot.Chat.Discord;

/// <summary>
/// <c>chat.discord</c>: where the bot talks on Discord. The token is never in the config: it comes from the
/// environment variable <see cref="TokenEnv"/> or else the file <see cref="TokenFile"/>.
/// </summary>
// Setters, not init: the JSON source generator drops the default of an init-only property (see ChatOptions).
internal sealed partial record DiscordOptions
{
    public const string DefaultApiBase = "https://discord.com/api/v10";

    /// <summary>Environment variable holding the bot token; takes precedence over <see cref="TokenFile"/>.</summary>
    public string TokenEnv { get; set; } = "CHATOPS_DISCORD_TOKEN";

    /// <summary>File holding the bot token (surrounding whitespace ignored).</summary>
    public string? TokenFile { get; set; }

    /// <summary>REST base; tests point it at a fake Discord. The gateway URL comes from <c>GET {apiBase}/gateway/bot</c>.</summary>
    public string ApiBase { get; set; } = DefaultApiBase;

    /// <summary>The server (guild) whose slash commands the bot registers.</summary>
    public string GuildId { get; set; } = "";

    /// <summary>The channel the bot reads <c>!</c> commands in and posts announcements to.</summary>
    public string ChannelId { get; set; } = "";

    /// <summary>Bound only so that validation can refuse a token written into the config with a clear message.</summary>
    public string? Token { get; set; }

    /// <summary>Problems as <c>chat.discord.key: message</c>; <paramref name="roleIds"/> are the permission role lists to check as ids.</summary>
    public void Validate(List<string> problems, IEnumerable<(string Path, IReadOnlyList<string> Ids)> roleIds)
    {
        if (Token is not null)
            problems.Add("chat.discord.token: secrets do not go in the config; set chat.discord.tokenEnv or chat.discord.tokenFile");
        if (!EnvironmentVariableName().IsMatch(TokenEnv))
            problems.Add("chat.discord.tokenEnv: an environment variable name (letters, digits and '_', not starting with a digit)");
        else if (DiscordToken.Load(this) is { Error: { } error })
            problems.Add($"chat.discord.{error}");
        if (!Uri.TryCreate(ApiBase, UriKind.Absolute, out var api) || api.Scheme is not ("http" or "https"))
            problems.Add($"chat.discord.apiBase: an absolute http(s) URL such as {DefaultApiBase}");
        if (!IsSnowflake(GuildId)) problems.Add("chat.discord.guildId: the server's id, a number such as 613425648685547541 (Developer Mode → right-click the server → Copy Server ID)");
        if (!IsSnowflake(ChannelId)) problems.Add("chat.discord.channelId: the channel's id, a number such as 613425648685547541 (Developer Mode → right-click the channel → Copy Channel ID)");
        foreach (var (path, ids) in roleIds)
        {
            foreach (var id in ids.Where(id => !IsSnowflake(id)))
                problems.Add($"{path}: '{id}' is not a Discord role id (a number; role names change, ids do not)");
        }
    }

    /// <summary>Discord ids are 64-bit numbers written as strings; real ones have 17 to 20 digits.</summary>
    public static bool IsSnowflake(string? id) => id is not null && SnowflakePattern().IsMatch(id) && ulong.TryParse(id, out _);

    [GeneratedRegex("^[0-9]{15,20}$")]
    private static partial Regex SnowflakePattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvironmentVariableName();
}
