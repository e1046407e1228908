using System.Net;
using System.Net.Sockets;
using System.Text;
using ChatOpsReconfig.Deployer.Policy;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ChatOpsReconfig.Deployer.Tests.Policy;

/// <summary>Runs <see cref="CiGate"/> against a real HTTP server on loopback; the revision picks the canned answer.</summary>
public sealed class CiGateTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly HttpClient _http = new();
    private readonly CiServer _server = new();

    public Task InitializeAsync()
    {
        _server.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private CiGate CreateSut() =>
        new(() => _http, _time, Options.Create(new PolicyOptions { CiTimeoutSeconds = 10 }), NullLogger<CiGate>.Instance);

    private Task<CiStatus> CheckAsync(string scenario) =>
        CreateSut().CheckAsync(_server.Url + "/repos/build/tools/commits/{rev}/status", scenario, CancellationToken.None);

    /// <summary>Columns: scenario → state, how the answer was read, detail, checks named (comma-separated). The words are the Bot's (PolicyTextTests).</summary>
    [Theory]
    [InlineData("success", CiState.Success, CiAnswer.Read, "", "")]
    [InlineData("pending", CiState.Pending, CiAnswer.Read, "", "")]
    [InlineData("failure", CiState.Failure, CiAnswer.Read, "", "")]
    [InlineData("error", CiState.Failure, CiAnswer.Read, "error", "")]
    [InlineData("combined-success", CiState.Success, CiAnswer.Read, "", "")]
    [InlineData("combined-pending", CiState.Pending, CiAnswer.Read, "", "ci/test")]
    [InlineData("combined-failure", CiState.Failure, CiAnswer.Read, "", "ci/build,lint")]
    [InlineData("combined-empty", CiState.Pending, CiAnswer.Read, "", "")]
    [InlineData("weird-state", CiState.Unknown, CiAnswer.UnknownState, "flaky", "")]
    [InlineData("no-state", CiState.Unknown, CiAnswer.NoState, "", "")]
    [InlineData("html", CiState.Unknown, CiAnswer.Html, "text/html", "")]
    [InlineData("html-as-json", CiState.Unknown, CiAnswer.Html, "application/json", "")]
    [InlineData("not-json", CiState.Unknown, CiAnswer.NotJson, "state=success", "")]
    [InlineData("500", CiState.Unknown, CiAnswer.HttpError, "InternalServerError", "")]
    [InlineData("404", CiState.Unknown, CiAnswer.HttpError, "NotFound", "")]
    public async Task Check_Answer_GivesState(string scenario, CiState state, CiAnswer answer, string detail, string checks)
    {
        var status = await CheckAsync(scenario);

        Assert.Equal((state, answer, detail, checks), (status.State, status.Answer, status.Detail, string.Join(',', status.Checks)));
    }

    [Fact]
    public async Task Check_PutsTheRevisionIntoTheUrl()
    {
        await CheckAsync("success");

        Assert.Equal("/repos/build/tools/commits/success/status", Assert.Single(_server.Paths));
    }

    [Fact]
    public async Task Check_AnswerHangsPastTimeout_IsUnknown()
    {
        var check = CheckAsync("hang");
        await _server.HangReached.Task.WaitAsync(TimeSpan.FromSeconds(10));

        _time.Advance(TimeSpan.FromSeconds(10));

        var status = await check.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((CiState.Unknown, CiAnswer.Timeout, TimeSpan.FromSeconds(10)), (status.State, status.Answer, status.After));
    }

    [Fact]
    public async Task Check_NobodyListening_IsUnknown()
    {
        var port = CiServer.FreePort();

        var status = await CreateSut().CheckAsync($"http://127.0.0.1:{port}/{{rev}}", "abc", CancellationToken.None);

        Assert.Equal(CiState.Unknown, status.State);
        Assert.Equal(CiAnswer.Unreachable, status.Answer);
        Assert.NotEmpty(status.Detail);
    }

    [Fact]
    public async Task Check_CallerCancels_Throws()
    {
        using var cts = new CancellationTokenSource();
        var check = CreateSut().CheckAsync(_server.Url + "/{rev}", "hang", cts.Token);
        await _server.HangReached.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => check.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    /// <summary>A minimal CI status server: <c>HttpListener</c> on a free loopback port.</summary>
    private sealed class CiServer : IAsyncDisposable
    {
        private HttpListener _listener = new();
        private readonly CancellationTokenSource _stop = new();
        private Task _loop = Task.CompletedTask;

        public string Url { get; private set; } = "";

        public List<string> Paths { get; } = [];

        public TaskCompletionSource HangReached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public static int FreePort()
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            return ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        public void Start()
        {
            // HttpListener cannot take port 0: a free port is probed, and another process (an sshd, a bot of another
            // test project) may take it before the listener does; then the next one is tried.
            for (var attempt = 1; ; attempt++)
            {
                Url = $"http://127.0.0.1:{FreePort()}";
                _listener.Prefixes.Add(Url + "/");
                try
                {
                    _listener.Start();
                    break;
                }
                catch (HttpListenerException) when (attempt < 5)
                {
                    // A listener whose start failed is closed for good.
                    _listener.Close();
                    _listener = new HttpListener();
                }
            }

            _loop = Task.Run(LoopAsync);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Close();
            await _loop;
            _stop.Dispose();
        }

        private async Task LoopAsync()
        {
            var handlers = new List<Task>();
            while (!_stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    break;
                }

                handlers.Add(Task.Run(() => AnswerAsync(context)));
            }

            await Task.WhenAll(handlers);
        }

        private async Task AnswerAsync(HttpListenerContext context)
        {
            var path = context.Request.Url!.AbsolutePath;
            lock (Paths) Paths.Add(path);
            var scenario = path.Split('/', StringSplitOptions.RemoveEmptyEntries) switch
            {
                [.., "commits", var rev, "status"] => rev,
                [var rev] => rev,
                _ => "",
            };
            var (code, type, body) = scenario switch
            {
                "success" or "pending" or "failure" or "error" => (200, "application/json", $$"""{"state":"{{scenario}}"}"""),
                "combined-success" => (200, "application/json; charset=utf-8", Combined("success", ("ci/build", "success"))),
                "combined-pending" => (200, "application/json", Combined("pending", ("ci/build", "success"), ("ci/test", "pending"))),
                "combined-failure" => (200, "application/json", Combined("failure", ("ci/build", "failure"), ("ci/test", "success"), ("lint", "error"))),
                "combined-empty" => (200, "application/json", Combined("pending")),
                "weird-state" => (200, "application/json", """{"state":"flaky"}"""),
                "no-state" => (200, "application/json", """{"status":"success"}"""),
                "html" => (200, "text/html", "<html><body>Sign in</body></html>"),
                "html-as-json" => (200, "application/json", "  <!DOCTYPE html><html></html>"),
                "not-json" => (200, "text/plain", "state=success"),
                "500" => (500, "text/plain", "oops"),
                _ => (404, "text/plain", "no such status"),
            };

            try
            {
                if (scenario == "hang")
                {
                    HangReached.TrySetResult();
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                }

                var bytes = Encoding.UTF8.GetBytes(body);
                context.Response.StatusCode = code;
                context.Response.ContentType = type;
                context.Response.ContentLength64 = bytes.Length;
                await context.Response.OutputStream.WriteAsync(bytes, _stop.Token);
                context.Response.Close();
            }
            catch (Exception ex) when (ex is OperationCanceledException or HttpListenerException or ObjectDisposedException or IOException)
            {
                // The test is over or the client went away.
            }
        }

        private static string Combined(string state, params (string Context, string State)[] statuses) =>
            $$"""{"state":"{{state}}","sha":"abc","total_count":{{statuses.Length}},"statuses":[{{string.Join(",", statuses.Select(s => $$"""{"context":"{{s.Context}}","state":"{{s.State}}","description":"x"}"""))}}]}""";
    }
}
