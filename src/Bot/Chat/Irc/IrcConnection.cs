using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace ChatOpsReconfig.Bot.Chat.Irc;

/// <summary>One TCP (or TLS) connection to the server: lines in, lines out. Knows nothing of the protocol.</summary>
internal sealed class IrcConnection : IAsyncDisposable
{
    private static readonly UTF8Encoding Utf8 = new(false, false);
    private readonly TcpClient _tcp;
    private readonly Stream _stream;
    private readonly StreamReader _reader;
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    private IrcConnection(TcpClient tcp, Stream stream)
    {
        _tcp = tcp;
        _stream = stream;
        // Invalid UTF-8 (a Latin-1 client) becomes U+FFFD instead of failing the read.
        _reader = new StreamReader(stream, Utf8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096);
    }

    public static async Task<IrcConnection> OpenAsync(IrcOptions options, X509Certificate2? extraTrust, CancellationToken cancellationToken)
    {
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(options.Server, options.Port, cancellationToken);
            Stream stream = tcp.GetStream();
            if (options.Tls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                var auth = new SslClientAuthenticationOptions { TargetHost = options.Server };
                if (extraTrust is not null)
                {
                    auth.CertificateChainPolicy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust };
                    auth.CertificateChainPolicy.CustomTrustStore.Add(extraTrust);
                }

                await ssl.AuthenticateAsClientAsync(auth, cancellationToken);
                stream = ssl;
            }

            return new IrcConnection(tcp, stream);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>The next line without CR/LF, or null when the server closed the connection.</summary>
    public ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken) => _reader.ReadLineAsync(cancellationToken);

    /// <summary>Writes one line and CRLF. The caller built it with <see cref="IrcLine"/>, so it holds no line break.</summary>
    public async Task WriteLineAsync(string line, CancellationToken cancellationToken)
    {
        var bytes = Utf8.GetBytes(line + "\r\n");
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await _stream.WriteAsync(bytes, cancellationToken);
            await _stream.FlushAsync(cancellationToken);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _stream.DisposeAsync();
        }
        catch (IOException)
        {
            // The peer is gone already; closing is all that is left.
        }

        _tcp.Dispose();
        _reader.Dispose();
    }
}
