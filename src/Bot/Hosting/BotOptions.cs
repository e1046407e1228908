using System.Text.Json;
using System.Text.RegularExpressions;
using ChatOpsReconfig.Bot.Chat.Irc;
using ChatOpsReconfig.Deployer.Fleet;

namespace ChatOpsReconfig.Bot.Hosting;

/// <summary>The config sections the bot owns (the Deployer owns the rest of the file).</summary>
internal sealed partial record BotOptions
{
    /// <summary>Root sections besides the fleet's: the bot's own and the Deployer's features' (lock, policy).</summary>
    public static readonly string[] SectionNames = ["chat", "permissions", "web", .. Deployer.DeployerConfig.SectionNames];

    /// <summary>The fleet config's JSON options with the sections' source-generated metadata.</summary>
    private static readonly JsonSerializerOptions SectionJson = CreateSectionJson();

    /// <summary>Every root section besides the fleet's with its JSON metadata, and their checks: see <see cref="ConfigSections"/>.</summary>
    public static readonly ConfigSections Sections = new(
        new Dictionary<string, System.Text.Json.Serialization.Metadata.JsonTypeInfo?>(Deployer.DeployerConfig.SectionTypes)
        {
            ["chat"] = SectionJson.GetTypeInfo(typeof(ChatOptions)),
            ["permissions"] = SectionJson.GetTypeInfo(typeof(PermissionsOptions)),
            ["web"] = SectionJson.GetTypeInfo(typeof(WebOptions)),
        },
        fleet => [.. Deployer.DeployerConfig.Validate(fleet), .. Validate(fleet)]);

    public ChatOptions Chat { get; init; } = new();

    public PermissionsOptions Permissions { get; init; } = new();

    public WebOptions Web { get; init; } = new();

    public static BotOptions From(FleetConfig fleet) => new()
    {
        Chat = Section<ChatOptions>(fleet, "chat") ?? new(),
        Permissions = Section<PermissionsOptions>(fleet, "permissions") ?? new(),
        Web = Section<WebOptions>(fleet, "web") ?? new(),
    };

    /// <summary>Problems in the bot's sections, as <c>path.to.key: message</c>.</summary>
    public static IReadOnlyList<string> Validate(FleetConfig fleet)
    {
        var p = new List<string>();
        BotOptions? options = null;
        try
        {
            options = From(fleet);
        }
        catch (JsonException ex)
        {
            p.Add(FleetConfigSections.Describe(ex));
        }

        if (options is null) return p;
        var chat = options.Chat;
        if (chat.Transport is not ("console" or "discord" or "irc"))
            p.Add($"chat.transport: unknown transport '{chat.Transport}' (known: console, discord, irc)");
        if (chat.Transport == "irc") p.AddRange(IrcOptionsValidator.Validate(chat.Irc));
        if (chat.Transport == "discord")
            chat.Discord.Validate(p, [("permissions.deployerRoles", options.Permissions.DeployerRoles), ("permissions.adminRoles", options.Permissions.AdminRoles)]);
        if (string.IsNullOrWhiteSpace(chat.Prefix) || chat.Prefix.Length > 3 || chat.Prefix.Any(char.IsWhiteSpace))
            p.Add("chat.prefix: one to three non-space characters");
        if (!CommandTemplate.IsValidName(chat.Channel)) p.Add("chat.channel: letters, digits, '.', '_' and '-' (not first)");
        if (!CommandTemplate.IsValidName(chat.ConsoleUser)) p.Add("chat.consoleUser: letters, digits, '.', '_' and '-' (not first)");
        if (!Deployer.Policy.PolicyConfigValidator.IsTimeZone(chat.TimeZone))
            p.Add($"chat.timeZone: unknown time zone '{chat.TimeZone}' (use an IANA name such as Europe/Berlin, or UTC)");
        if (chat.StatusListLimit is < 5 or > 500) p.Add("chat.statusListLimit: must be between 5 and 500");
        if (!Uri.TryCreate(options.Web.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            p.Add("web.url: an http(s) URL such as http://127.0.0.1:8080");
        ValidateSecret("hookSecret", options.Web.HookSecret, options.Web.HookSecretEnv, options.Web.HookSecretFile, p);
        ValidateSecret("token", options.Web.Token, options.Web.TokenEnv, options.Web.TokenFile, p);
        return p;
    }

    /// <summary>A secret (hook secret, web token) comes from an environment variable or a file, never from the config.</summary>
    private static void ValidateSecret(string key, string? inConfig, string env, string? file, List<string> p)
    {
        if (inConfig is not null)
            p.Add($"web.{key}: secrets do not go in the config; set web.{key}Env or web.{key}File");
        if (!EnvironmentVariableName().IsMatch(env))
            p.Add($"web.{key}Env: an environment variable name (letters, digits and '_', not starting with a digit)");
        if (file is null) return;
        switch (ChatOpsReconfig.Bot.Web.HookSecret.ReadFile(file))
        {
            case { Error: { } error }:
                p.Add($"web.{key}File: {error}");
                break;
            case { Secret.Length: 0 }:
                p.Add($"web.{key}File: {file} is empty");
                break;
        }
    }

    private static JsonSerializerOptions CreateSectionJson()
    {
        var options = new JsonSerializerOptions(FleetConfigLoader.JsonOptions) { TypeInfoResolver = BotOptionsJsonContext.Default };
        options.MakeReadOnly();
        return options;
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    internal static partial Regex EnvironmentVariableName();

    private static T? Section<T>(FleetConfig fleet, string name) =>
        FleetConfigSections.Read(fleet, name, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)SectionJson.GetTypeInfo(typeof(T)));
}

// The section records have setters, not init: the JSON source generator (BotOptionsJsonContext) drops the default
// of an init-only property that the file leaves out (dotnet/runtime#84484).
internal sealed record ChatOptions
{
    /// <summary><c>console</c> (stdin/stdout), <c>discord</c> (<see cref="Discord"/>) or <c>irc</c> (<see cref="Irc"/>).</summary>
    public string Transport { get; set; } = "console";

    /// <summary>Settings for <c>transport: discord</c>.</summary>
    public Chat.Discord.DiscordOptions Discord { get; set; } = new();

    public string Prefix { get; set; } = "!";

    public string Channel { get; set; } = "releng";

    /// <summary>Who a bare console line speaks as.</summary>
    public string ConsoleUser { get; set; } = "you";

    /// <summary>Link for bug numbers in merge announcements; <c>{id}</c> is the bug number.</summary>
    public string BugUrlTemplate { get; set; } = "https://bugzilla.mozilla.org/show_bug.cgi?id={id}";

    /// <summary>How many lagging hosts <c>!status</c> lists before pointing at the full table.</summary>
    public int StatusListLimit { get; set; } = 25;

    /// <summary>The IRC network, when <see cref="Transport"/> is <c>irc</c>.</summary>
    public IrcOptions Irc { get; set; } = new();

    /// <summary>The zone (IANA name) every time in chat is shown in, with its name. Default UTC.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>The zone of <see cref="TimeZone"/>; only call after validation.</summary>
    public TimeZoneInfo FindTimeZone() => TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
}

internal sealed record PermissionsOptions
{
    /// <summary>User names or ids allowed to deploy and lock; <c>*</c> means everyone.</summary>
    public List<string> Deployers { get; set; } = [];

    /// <summary>User names or ids allowed to force deploys and release others' holds.</summary>
    public List<string> Admins { get; set; } = [];

    /// <summary>Chat roles (networked transports) mapped to deployer.</summary>
    public List<string> DeployerRoles { get; set; } = [];

    /// <summary>Chat roles mapped to admin.</summary>
    public List<string> AdminRoles { get; set; } = [];
}

internal sealed record WebOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Where Kestrel listens; port 0 picks a free port (logged at start).</summary>
    public string Url { get; set; } = "http://127.0.0.1:8080";

    /// <summary>Environment variable holding the push-hook secret; takes precedence over <see cref="HookSecretFile"/>.</summary>
    public string HookSecretEnv { get; set; } = "CHATOPS_HOOK_SECRET";

    /// <summary>File holding the push-hook secret (surrounding whitespace ignored). Without either, hooks need no signature.</summary>
    public string? HookSecretFile { get; set; }

    /// <summary>Bound only so that validation can refuse a secret written into the config with a clear message.</summary>
    public string? HookSecret { get; set; }

    /// <summary>Environment variable holding the bearer token for <c>/api/*</c> and <c>/metrics</c>; wins over <see cref="TokenFile"/>.</summary>
    public string TokenEnv { get; set; } = "CHATOPS_WEB_TOKEN";

    /// <summary>File holding that token (surrounding whitespace ignored). Without either, the read-only endpoints are open.</summary>
    public string? TokenFile { get; set; }

    /// <summary>Bound only so that validation can refuse a token written into the config.</summary>
    public string? Token { get; set; }
}
