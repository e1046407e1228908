using ChatOpsReconfig.Deployer.Transport;

namespace ChatOpsReconfig.Deployer.Tests.Transport;

/// <summary>
/// Which steps the driver may start without a shell of their own (<see cref="HostDriver.IsPlainProgram"/>): only those
/// a shell would run exactly as written, one program with its words.
/// </summary>
public sealed class PlainProgramTests
{
    [Theory]
    [InlineData("sleep 0.2")]
    [InlineData("make -C master checkconfig")]
    [InlineData("./checkconfig.sh")]
    [InlineData("/usr/bin/env")]
    [InlineData("buildbot reconfig master")]
    [InlineData("python3 -m pip install -r requirements.txt")]
    [InlineData("rsync -a src/ user@host:/srv/x")]
    [InlineData("make FLAGS=-O2 all")]
    [InlineData("hg update -r 0a1b2c3d4e5f")]
    public void OneProgramWithPlainWords_IsPlain(string command) => Assert.True(HostDriver.IsPlainProgram(command), command);

    [Theory]
    [InlineData("")]
    [InlineData("sleep 0.2; sleep 0.2")]
    [InlineData("make && make install")]
    [InlineData("git log | head -1")]
    [InlineData("echo $HOME")]
    [InlineData("ls *.cfg")]
    [InlineData("cat a > b")]
    [InlineData("git checkout 'abc'")]
    [InlineData("ls ~/x")]
    [InlineData("sleep  1")]
    [InlineData("sleep 1 ")]
    [InlineData("sleep\t1")]
    [InlineData("sleep 1\nrm -rf x")]
    [InlineData("FOO=1 make")]
    [InlineData("cd master")]
    [InlineData("exec make")]
    [InlineData("export A")]
    [InlineData("echo done")]
    [InlineData("pwd")]
    [InlineData("true")]
    [InlineData(". ./env.sh")]
    [InlineData("-rf x")]
    [InlineData("if")]
    [InlineData("make # comment")]
    [InlineData("sleep 1 &")]
    [InlineData("(make)")]
    [InlineData("make {a,b}")]
    [InlineData("mäke")]
    public void AnythingAShellWouldReadDifferently_KeepsItsShell(string command) => Assert.False(HostDriver.IsPlainProgram(command), command);

    [Fact]
    public void Step_MarksOnlyPlainPrograms()
    {
        Assert.EndsWith("'sleep 1' x\n", HostDriver.Step(1, "sleep 1", TimeSpan.FromSeconds(5), "-"), StringComparison.Ordinal);
        Assert.EndsWith("'sleep 1; true'\n", HostDriver.Step(1, "sleep 1; true", TimeSpan.FromSeconds(5), "-"), StringComparison.Ordinal);
    }
}
