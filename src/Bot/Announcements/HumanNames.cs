namespace ChatOpsReconfig.Bot.Announcements;

/// <summary>
/// Names in sentences. The console speaks as <c>you</c>, so a sentence built around a name must read right for
/// "you" as well as for "alice": <c>you hold</c>, <c>your hold</c>; <c>alice holds</c>, <c>alice's hold</c>.
/// </summary>
internal static class HumanNames
{
    /// <summary>True for the console's second person (<c>you</c>, any case).</summary>
    public static bool IsYou(string name) => string.Equals(name, "you", StringComparison.OrdinalIgnoreCase);

    /// <summary><c>alice's</c>, <c>your</c>.</summary>
    public static string Possessive(string name) => IsYou(name) ? "your" : name + "'s";

    /// <summary>The name with a verb in the present tense: <c>alice holds</c>, <c>you hold</c> (pass the third-person form).</summary>
    public static string With(string name, string verb) =>
        IsYou(name) ? $"{name} {ThirdPersonToPlain(verb)}" : $"{name} {verb}";

    private static string ThirdPersonToPlain(string verb) => verb switch
    {
        "has" => "have",
        "is" => "are",
        "was" => "were",
        _ when verb.EndsWith("es", StringComparison.Ordinal) && verb.Length > 3 && verb[^3] is 's' or 'x' or 'z' or 'h' => verb[..^2],
        _ when verb.EndsWith('s') => verb[..^1],
        _ => verb,
    };
}
