using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;

namespace DiffGen.Generator.Tests;

/// <summary>The same input gives byte-identical files, whatever the culture the compiler runs under.</summary>
public class DeterminismTests
{
    private const string Source = """
        using System;
        using DiffGen;

        public static partial class Calc
        {
            [Differentiable]
            public static double F(double x, double y)
            {
                double a = 0.5 * x + 1e-8 + 1234567.25 * y;
                if (a > 0.75) a = Math.Max(a, y) * 2.5f;
                return Math.Pow(a, 1.5) + Math.Log10(y);
            }

            [Differentiable]
            public static float G(float x) => 0.1f * x * x - 3.75f;
        }
        """;

    [Fact]
    public void SameBytesUnderEveryCulture()
    {
        var reference = Generate(CultureInfo.InvariantCulture);
        Assert.Contains("0.5 * x", reference, System.StringComparison.Ordinal);
        Assert.Contains("1E-08", reference, System.StringComparison.Ordinal);
        Assert.Contains("0.1f", reference, System.StringComparison.Ordinal);
        foreach (var culture in new[] { "tr-TR", "de-DE", "fr-FR", "ar-SA" })
        {
            Assert.Equal(reference, Generate(new CultureInfo(culture)));
        }

        Assert.Equal(reference, Generate(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void EveryTestProgramAndSampleGivesTheSameBytesUnderTurkishAndGermanCultures()
    {
        var root = Path.GetFullPath(Path.Combine(ThisDirectory(), "..", ".."));
        var sources = Directory.GetFiles(Path.Combine(root, "tests", "DiffGen.Tests", "Programs"), "*.cs")
            .Concat(Directory.GetFiles(Path.Combine(root, "samples", "DiffGen.Samples", "Tutorials"), "*.cs"))
            .OrderBy(p => p, System.StringComparer.Ordinal)
            .Select(File.ReadAllText)
            .ToArray();
        string Run(CultureInfo culture)
        {
            var saved = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
            try
            {
                (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = (culture, culture);
                var (result, _) = GeneratorHarness.Run(sources);
                Assert.Null(result.Exception);
                return string.Join("\n//----\n", result.GeneratedSources.OrderBy(g => g.HintName, System.StringComparer.Ordinal).Select(g => g.HintName + "\n" + g.SourceText));
            }
            finally
            {
                (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = saved;
            }
        }

        var reference = Run(CultureInfo.InvariantCulture);
        Assert.True(reference.Length > 100_000, $"{reference.Length} characters generated");
        Assert.Equal(reference, Run(new CultureInfo("tr-TR")));
        Assert.Equal(reference, Run(new CultureInfo("de-DE")));
        Assert.Equal(reference, Run(CultureInfo.InvariantCulture));
    }

    private static string ThisDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    private static string Generate(CultureInfo culture)
    {
        var saved = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        try
        {
            CultureInfo.CurrentCulture = culture;
            CultureInfo.CurrentUICulture = culture;
            var sources = GeneratorHarness.RunClean(Source);
            return string.Join("\n//----\n", sources.OrderBy(s => s.Key, System.StringComparer.Ordinal).Select(s => s.Key + "\n" + s.Value));
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = saved;
        }
    }
}
