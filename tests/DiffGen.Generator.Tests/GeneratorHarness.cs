using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DiffGen.Generator.Tests;

/// <summary>Runs the generator in memory over C# sources, as the compiler does in a build.</summary>
internal static class GeneratorHarness
{
    /// <summary>The framework's System assemblies and the DiffGen runtime: what a user's project compiles against.</summary>
    public static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Append(typeof(DifferentiableAttribute).Assembly.Location);
        return paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
    });

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp12);

    public static CSharpCompilation Compile(params string[] sources) => CSharpCompilation.Create(
        "TestAssembly",
        sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: "Source" + i + ".cs")),
        References.Value,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver Driver() => CSharpGeneratorDriver.Create(
        new[] { new DifferentiableGenerator().AsSourceGenerator() },
        parseOptions: ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>
    /// Runs the generator; returns its result and the compilation with the generated files added.
    /// Fails when the generator threw: the compiler reports that (CS8785) among the driver's
    /// diagnostics, not the output compilation's, and drops every generated file.
    /// </summary>
    public static (GeneratorRunResult Result, Compilation Output) Run(params string[] sources)
    {
        var compilation = Compile(sources);
        var driver = Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var driverDiagnostics);
        AssertGeneratorDidNotThrow(driverDiagnostics);
        return (driver.GetRunResult().Results.Single(), output);
    }

    /// <summary>Fails on CS8784/CS8785, the compiler's report of a generator that threw.</summary>
    public static void AssertGeneratorDidNotThrow(IEnumerable<Diagnostic> driverDiagnostics)
    {
        var thrown = driverDiagnostics.Where(d => d.Id is "CS8784" or "CS8785").ToList();
        Assert.True(thrown.Count == 0, "The generator threw: " + string.Join(Environment.NewLine, thrown));
    }

    /// <summary>Generated sources by hint name; the forward-mode files (Tangent, Hessian) only when asked for.</summary>
    public static Dictionary<string, string> Sources(GeneratorRunResult result, bool forwardMode = false) =>
        result.GeneratedSources.Where(s => forwardMode || !IsForwardMode(s.HintName)).ToDictionary(s => s.HintName, s => s.SourceText.ToString());

    /// <summary>Whether a generated file holds forward mode's methods: <c>…Tangent</c>, or <c>…HessianVector</c> and <c>…Hessian</c>.</summary>
    /// <remarks>A name made unique among names that differ only in case ends <c>.Tangent_2.g.cs</c>.</remarks>
    public static bool IsForwardMode(string hintName) =>
        System.Text.RegularExpressions.Regex.IsMatch(hintName, @"\.(Tangent|Hessian)(_\d+)?\.g\.cs$");

    /// <summary>Compiler diagnostics of the output compilation at warning level or above (the generated code must have none).</summary>
    public static List<Diagnostic> CompileErrors(Compilation output) =>
        output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();

    /// <summary>
    /// Asserts a clean run: no exception, no generator diagnostic, generated code compiles without warnings (forward
    /// mode's files included); returns the gradients' files (and graphs', layouts').
    /// </summary>
    public static Dictionary<string, string> RunClean(params string[] sources) => RunClean(sources, forwardMode: false);

    /// <summary>As <see cref="RunClean(string[])"/>, returning every generated file, forward mode's included.</summary>
    public static Dictionary<string, string> RunCleanWithForwardMode(params string[] sources) => RunClean(sources, forwardMode: true);

    private static Dictionary<string, string> RunClean(string[] sources, bool forwardMode)
    {
        var (result, output) = Run(sources);
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics);
        var errors = CompileErrors(output);
        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors) + Environment.NewLine + string.Join(Environment.NewLine, Sources(result, forwardMode: true).Values));
        return Sources(result, forwardMode);
    }
}
