using System.Security.Cryptography;
using System.Text;
using ChatOpsReconfig.Bot.Hosting;
using Microsoft.AspNetCore.Http;

namespace ChatOpsReconfig.Bot.Web;

/// <summary>
/// The optional bearer token for <c>/api/*</c> and <c>/metrics</c>, read once at start from the environment variable
/// <c>web.tokenEnv</c> or else the file <c>web.tokenFile</c>. Without one those endpoints are open (they are read-only,
/// and the bot listens on loopback by default). Holds the token only; nothing here prints it.
/// </summary>
internal sealed class WebToken
{
    private readonly byte[]? _token;

    private WebToken(byte[]? token, string source)
    {
        _token = token;
        Source = source;
    }

    public static WebToken None { get; } = new(null, "none");

    public bool Required => _token is not null;

    /// <summary>Where the token came from (a variable or file name, never the value).</summary>
    public string Source { get; }

    public static WebToken Load(WebOptions web)
    {
        var (token, source) = HookSecret.Read(web.TokenEnv, web.TokenFile, "web.tokenFile");
        return token is null ? None : new(token, source);
    }

    /// <summary>True when no token is required or the request carries <c>Authorization: Bearer TOKEN</c> (compared in constant time).</summary>
    public bool Allows(HttpRequest request)
    {
        if (_token is null) return true;
        var header = request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)) return false;
        var given = Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(given, _token);
    }
}
