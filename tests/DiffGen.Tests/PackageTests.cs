using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;

namespace DiffGen.Tests;

/// <summary>
/// The way a user first meets DiffGen: pack the package, reference it from a local folder (its
/// dependencies from NuGet, as for any user) in a fresh project (warnings as errors, nullable enabled), build, run a gradient and check it.
/// </summary>
public class PackageTests
{
    private const string Program = """
        using System;
        using System.Globalization;
        using DiffGen;

        double dw1 = 0, dw2 = 0, db = 0;
        var cost = Neuron.CostGradient(2, -3, -3, -1, -2, 1, ref dw1, ref dw2, ref db);
        Console.WriteLine(string.Join(" ", new[] { cost, dw1, dw2, db }.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));

        public static partial class Neuron
        {
            [Differentiable]
            public static double Cost(double w1, double w2, double b,
                                      [NoDerivative] double x1, [NoDerivative] double x2, [NoDerivative] double y)
            {
                double z = w1 * x1 + w2 * x2 + b;
                double a = 1 / (1 + Math.Exp(-z));
                return 0.5 * (y - a) * (y - a);
            }
        }
        """;

    [Fact]
    [Trait("Category", "Package")]
    public void PackedPackageWorksInAFreshProject()
    {
        var root = RepositoryRoot();
        var work = Directory.CreateTempSubdirectory("diffgen-package-");
        try
        {
            var feed = Path.Combine(work.FullName, "feed");
            var app = Path.Combine(work.FullName, "app");
            Run(root, "pack", "src/DiffGen/DiffGen.csproj", "-c", "Release", "-o", feed);
            var package = Assert.Single(Directory.GetFiles(feed, "DiffGen.*.nupkg"));
            var version = Path.GetFileNameWithoutExtension(package).Substring("DiffGen.".Length);

            Directory.CreateDirectory(app);
            File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="local" value="{feed}" />
                    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
                  </packageSources>
                  <packageSourceMapping>
                    <packageSource key="local">
                      <package pattern="DiffGen" />
                    </packageSource>
                    <packageSource key="nuget.org">
                      <package pattern="*" />
                    </packageSource>
                  </packageSourceMapping>
                </configuration>
                """);
            File.WriteAllText(Path.Combine(app, "App.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                    <RestorePackagesPath>{Path.Combine(work.FullName, "packages")}</RestorePackagesPath>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="DiffGen" Version="{version}" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(app, "Program.cs"), Program);

            var output = Run(app, "run", "-c", "Release");
            var numbers = output.Trim().Split('\n').Last().Split(' ').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(0.052877092784266715, numbers[1], 1e-12);
            Assert.Equal(0.10575418556853343, numbers[2], 1e-12);
            Assert.Equal(-0.052877092784266715, numbers[3], 1e-12);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "DiffGen.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("DiffGen.sln not found above " + AppContext.BaseDirectory);
    }

    private static string Run(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments.Concat(new[] { "-nodeReuse:false", "-p:UseSharedCompilation=false" }))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), "dotnet " + string.Join(" ", arguments) + " timed out");
        Assert.True(process.ExitCode == 0, "dotnet " + string.Join(" ", arguments) + " failed:\n" + stdout.Result + stderr.Result);
        return stdout.Result;
    }
}
