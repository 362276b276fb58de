using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DiffGen.Generator.Tests.RandomPrograms;

/// <summary>A compiled random program's entry points (see <see cref="ProgramPrinter"/>).</summary>
public sealed record CompiledProgram(
    RandomProgram Program,
    string Source,
    Func<double[], double> Value,
    Func<double[], double[], double> Gradient,
    Func<double[], int, double> Tangent,
    Func<double[], double> Twin,
    Func<double[], int, double> TwinTangent,
    bool Gated,
    bool Reserved,
    bool Blocked,
    bool StackTape,
    Func<double[], int, int, double[]>? GraphAdjoints = null,
    Func<double[], double[][]>? VectorHelpers = null,
    Func<double[], double[], double>? ForwardTangent = null,
    Func<double[], double[], double[], double[], double>? ForwardHessianVector = null,
    bool TangentCalls = false,
    IReadOnlySet<string>? GeneratedForms = null);

/// <summary>
/// Compiles a batch of random programs in memory, as a build does: the generator runs through
/// <see cref="CSharpGeneratorDriver"/>, the output is emitted and loaded into a collectible
/// <see cref="AssemblyLoadContext"/>, unloaded when the batch is disposed.
/// </summary>
public sealed class ProgramBatch : IDisposable
{
    // What the harness compiles against, plus this assembly for Dual<T>.
    private static readonly Lazy<MetadataReference[]> References = new(() =>
        GeneratorHarness.References.Value.Append(MetadataReference.CreateFromFile(typeof(Dual<>).Assembly.Location)).ToArray());

    private readonly AssemblyLoadContext _context = new("random-programs", isCollectible: true);

    private ProgramBatch(List<CompiledProgram> programs) => Programs = programs;

    public IReadOnlyList<CompiledProgram> Programs { get; }

    /// <summary>The generator's failures: an exception, a diagnostic, or generated code that does not compile.</summary>
    public sealed class CompileFailure(string message) : Exception(message);

    private static CSharpCompilation Parse(IReadOnlyList<RandomProgram> programs, List<string> sources)
    {
        const string Prelude = "using System;\nusing System.Linq;\nusing DiffGen;\nusing DiffGen.Generator.Tests.RandomPrograms;\n\n";
        var trees = sources.Select((s, i) => CSharpSyntaxTree.ParseText(Prelude + s, GeneratorHarness.ParseOptions, path: ProgramPrinter.ClassName(programs[i]) + ".cs")).ToList();
        return CSharpCompilation.Create(
            "RandomPrograms" + Guid.NewGuid().ToString("N"),
            trees,
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release, nullableContextOptions: NullableContextOptions.Enable));
    }

    /// <summary>
    /// Runs the generator over programs it must reject: the IDs of the diagnostics it reports for each program, in
    /// program order. Throws when the generator throws, or when a program does not compile as C# on its own.
    /// </summary>
    public static List<HashSet<string>> Diagnose(IReadOnlyList<RandomProgram> programs)
    {
        var sources = programs.Select(p => ProgramPrinter.Print(p, originalOnly: true)).ToList();
        var compilation = Parse(programs, sources);
        var invalid = compilation.GetDiagnostics().FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error);
        if (invalid is not null)
        {
            throw new CompileFailure($"A rejected-shape program is not valid C#: {invalid}\n{invalid.Location.SourceTree}");
        }

        var result = GeneratorHarness.Driver().RunGenerators(compilation).GetRunResult().Results.Single();
        if (result.Exception is { } exception)
        {
            throw new CompileFailure("The generator threw: " + exception);
        }

        return programs.Select(p => result.Diagnostics
            .Where(d => d.Location.GetLineSpan().Path == ProgramPrinter.ClassName(p) + ".cs")
            .Select(d => d.Id)
            .ToHashSet()).ToList();
    }

    /// <param name="graphs">Also generate every method's graph method and bind <see cref="CompiledProgram.GraphAdjoints"/>.</param>
    public static ProgramBatch Compile(IReadOnlyList<RandomProgram> programs, bool graphs = false)
    {
        var sources = programs.Select(p => ProgramPrinter.Print(p, graphs: graphs)).ToList();
        var compilation = Parse(programs, sources);
        var driver = GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var result = driver.GetRunResult().Results.Single();

        // Forward mode's entry points, for the programs whose F has a tangent (every program's, models' included).
        bool HasTangent(RandomProgram p) => result.GeneratedSources.Any(g => g.HintName == ProgramPrinter.ClassName(p) + (p.AsModel ? ".M" : string.Empty) + ".F.Tangent.g.cs");
        output = output.AddSyntaxTrees(programs.Where(HasTangent).Select(p => CSharpSyntaxTree.ParseText(
            ProgramPrinter.ForwardHarness(p), GeneratorHarness.ParseOptions, path: ProgramPrinter.ClassName(p) + ".Forward.cs")));
        // A generator diagnostic's location is external (a path and a span, no syntax tree).
        string Owner(Location location) => location.SourceTree?.FilePath ?? location.GetLineSpan().Path ?? "?";
        if (result.Exception is { } exception)
        {
            throw new CompileFailure("The generator threw: " + exception);
        }

        if (result.Diagnostics.Length > 0)
        {
            var first = result.Diagnostics[0];
            // DG0010 has no location (the cached models hold none): then the programs that declare the array it names.
            var array = System.Text.RegularExpressions.Regex.Match(first.GetMessage(), "array '(\\w+)'").Groups[1].Value;
            var suspects = array.Length == 0 ? [] : sources.Where(s => s.Contains(" " + array + " = new", StringComparison.Ordinal)).Take(3);
            throw new CompileFailure($"The generator reported {first} for a supported program:\n{SourceOf(Owner(first.Location))}\n{string.Join("\n----\n", suspects)}");
        }

        using var stream = new MemoryStream();
        var emit = output.Emit(stream);
        // Generated code compiles without a warning: a user's warnings-as-errors build would fail. (Until the branches on
        // constants were folded in lowering, an intermediate declared and never used, CS0219, still occurred in rare
        // programs: seeds 000gJMC6olP1 in a graph file, c4d2BLvaUXR1 for a tangent of the value.)
        var generatedTrees = result.GeneratedSources.Select(g => g.SyntaxTree).ToHashSet();
        bool Checked(Diagnostic d) => d.Severity == DiagnosticSeverity.Warning && generatedTrees.Contains(d.Location.SourceTree!);
        if (!emit.Success || emit.Diagnostics.Any(Checked))
        {
            var error = emit.Diagnostics.FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error) ?? emit.Diagnostics.First(Checked);
            var generated = result.GeneratedSources.FirstOrDefault(g => g.SyntaxTree == error.Location.SourceTree);
            throw new CompileFailure($"{error}\nin {(generated.HintName ?? Owner(error.Location))}:\n{error.Location.SourceTree}\nfrom the program:\n{SourceOf(generated.HintName ?? Owner(error.Location))}");
        }

        string SourceOf(string file)
        {
            var index = programs.ToList().FindIndex(p => file.Contains(ProgramPrinter.ClassName(p) + ".", StringComparison.Ordinal));
            return index < 0 ? "(not one program's)" : sources[index];
        }

        stream.Position = 0;
        var batch = new ProgramBatch([]);
        var assembly = batch._context.LoadFromStream(stream);
        var compiled = (List<CompiledProgram>)batch.Programs;
        // Whether the generated file of program i contains a text.
        bool Emits(int i, string text) => result.GeneratedSources.Any(g =>
            g.HintName.Contains(ProgramPrinter.ClassName(programs[i]) + ".", StringComparison.Ordinal) && g.SourceText.ToString().Contains(text, StringComparison.Ordinal));
        for (var i = 0; i < programs.Count; i++)
        {
            var type = assembly.GetType(ProgramPrinter.ClassName(programs[i]))!;
            T Entry<T>(string name) where T : Delegate => type.GetMethod(name, BindingFlags.Public | BindingFlags.Static)!.CreateDelegate<T>();
            compiled.Add(new CompiledProgram(
                programs[i],
                sources[i],
                Entry<Func<double[], double>>("Value"),
                Entry<Func<double[], double[], double>>("Gradient"),
                Entry<Func<double[], int, double>>("Tangent"),
                Entry<Func<double[], double>>("Twin"),
                Entry<Func<double[], int, double>>("TwinTangent"),
                Emits(i, " ? 1 : 0;"),   // a gated record: the count advanced by 0 or 1
                Emits(i, "global::DiffGen.Tape.Trips("),
                Emits(i, "global::DiffGen.Kernels.MatrixMultiplyAddAt("),
                Emits(i, " values: ") && Emits(i, " = stackalloc "),   // a tape of a size known at compile time, on the stack
                graphs ? Entry<Func<double[], int, int, double[]>>("GraphAdjoints") : null,
                Entry<Func<double[], double[][]>>("VectorHelpers"),
                HasTangent(programs[i]) ? Entry<Func<double[], double[], double>>("ForwardTangent") : null,
                HasTangent(programs[i]) ? Entry<Func<double[], double[], double[], double[], double>>("ForwardHessianVector") : null,
                result.GeneratedSources.Any(g => g.HintName == ProgramPrinter.ClassName(programs[i]) + ".F.Tangent.g.cs"
                    && System.Text.RegularExpressions.Regex.IsMatch(g.SourceText.ToString(), @"global::P\w+\.H\d+(Full)?Tangent\(")),   // a helper's tangent called
                GeneratedForms.Where(f => Emits(i, f.Value)).Select(f => f.Key).ToHashSet()));
        }

        return batch;
    }

    public void Dispose() => _context.Unload();

    /// <summary>
    /// Forms of generated code the tally counts like the generator's shapes, by a text only that form writes: each must
    /// occur in a long run, or the code that writes it went untested.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> GeneratedForms = new Dictionary<string, string>
    {
        // q = a / b: b's adjoint from a's share, dq/b, times −q (one division, not two)
        ["generated-quotient-share"] = "² = (1/",
        // q = 1 / b: b's adjoint times −q², no division
        ["generated-reciprocal-square"] = "² = −",
        // a loop run Vector256 lanes at a time in both sweeps
        ["generated-vector-loop"] = "Vector256.IsHardwareAccelerated",
        // a vectorized loop whose bound is written with <= (one more iteration than bound − counter)
        ["generated-vector-loop-inclusive"] = " + 1 >= global::System.Runtime.Intrinsics.Vector256<",
        // its reverse with a ReLU's off units masked
        ["generated-vector-loop-masked"] = "its lanes masked",
        // its reverse adding into an adjoint outside the loop per lane
        ["generated-vector-loop-gathered"] = "into sums added after the loop",
        // a loop whose forward stays scalar (Exp, Tanh, Log) and whose reverse runs lanes
        ["generated-vector-reverse-only"] = "it reads them back Vector256<",
        // its lanes loading and adding at indices two or more elements apart (w[2·j + 1])
        ["generated-vector-loop-strided"] = "elements apart",
        // its lanes gathering an element every iteration adds into (dw[1]), added after the loop
        ["generated-vector-gathered-element"] = "]'s share, per lane",
        // its lanes holding the counter as a number
        ["generated-vector-counter-lanes"] = "Kernels.IndexLanes<",
    };
}
