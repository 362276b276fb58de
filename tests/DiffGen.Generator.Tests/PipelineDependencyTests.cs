using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace DiffGen.Generator.Tests;

/// <summary>
/// The generator's stages depend on one another in one direction only (design.md §2): each folder of
/// src/DiffGen.Generator may name only the folders listed for it. Model, the data every stage passes on,
/// names none; a new edge is a design decision, made here, not in passing.
/// </summary>
public class PipelineDependencyTests
{
    // Each stage and the stages it may use. The rule catalogue (DerivativeRules) is Model's: every stage reads it.
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Model"] = [],
        ["Diagnostics"] = ["Model"],
        ["Analysis"] = ["Model"],
        ["Parsing"] = ["Model", "Diagnostics", "Analysis"],
        ["Differentiation"] = ["Model", "Analysis"],
        ["Emission"] = ["Model", "Analysis"],
    };

    [Fact]
    public void EachStageUsesOnlyTheStagesBeforeIt()
    {
        var violations = new List<string>();
        foreach (var (stage, allowed) in Allowed)
        {
            var folder = Path.Combine(GeneratorSource(), stage);
            var files = Directory.GetFiles(folder, "*.cs");
            Assert.NotEmpty(files);
            foreach (var file in files)
            {
                var text = File.ReadAllText(file);
                foreach (Match used in Regex.Matches(text, @"\bDiffGen\.Generator\.(\w+)\b"))
                {
                    var other = used.Groups[1].Value;
                    if (other != stage && Allowed.ContainsKey(other) && !allowed.Contains(other))
                    {
                        violations.Add(stage + "/" + Path.GetFileName(file) + " uses " + other);
                    }
                }
            }
        }

        Assert.Empty(violations.Distinct());
    }

    [Fact]
    public void EveryStageFolderIsListed()
    {
        var folders = Directory.GetDirectories(GeneratorSource())
            .Select(Path.GetFileName)
            .Where(name => name is not ("bin" or "obj"))
            .Where(name => Directory.GetFiles(Path.Combine(GeneratorSource(), name!), "*.cs").Length > 0);
        Assert.Equal(folders.OrderBy(f => f, StringComparer.Ordinal), Allowed.Keys.OrderBy(f => f, StringComparer.Ordinal));
    }

    private static string GeneratorSource([CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", "..", "src", "DiffGen.Generator"));
}
