using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;

namespace DiffGen.Generator.Tests;

/// <summary>
/// Half-typed code, as in an editor: the test programs truncated at many positions and with
/// tokens deleted. The generator must never throw (CS8785 would drop all generated code) and never
/// report an internal failure (DG0010) for what is only incomplete code.
/// </summary>
public class HostileInputTests
{
    public static IEnumerable<object[]> Programs() =>
        new[] { "Loops.cs", "Constructs.cs", "Networks.cs" }.Select(f => new object[] { f });

    [Theory]
    [MemberData(nameof(Programs))]
    public void TruncatedAndMangledSourcesNeverBreakTheGenerator(string file)
    {
        var source = File.ReadAllText(Path.Combine(ProgramsDirectory(), file));
        var variants = new List<string>();
        for (var cut = source.Length / 2; cut < source.Length; cut += 211)
        {
            variants.Add(source.Substring(0, cut));
        }

        var random = new Random(file.Length);
        for (var i = 0; i < 25; i++)
        {
            var start = random.Next(source.Length / 3, source.Length - 10);
            variants.Add(source.Remove(start, random.Next(1, 8)));
        }

        foreach (var variant in variants)
        {
            var (result, output) = GeneratorHarness.Run(variant);
            Assert.Null(result.Exception);
            Assert.DoesNotContain(result.Diagnostics, d => d.Id == "DG0010");
            Assert.DoesNotContain(output.GetDiagnostics(), d => d.Id == "CS8785");
        }
    }

    private static string ProgramsDirectory([CallerFilePath] string path = "") =>
        Path.Combine(Path.GetDirectoryName(path)!, "..", "DiffGen.Tests", "Programs");
}
