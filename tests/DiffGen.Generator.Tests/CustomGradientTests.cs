using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DiffGen.Generator.Tests;

/// <summary>
/// [CustomGradient]: nothing generated for the method; its user's gradient checked against the signature DiffGen would
/// have generated (DG0020), the method itself checked (DG0021), and [Differentiable] callers calling that gradient.
/// </summary>
public class CustomGradientTests
{
    private const string Prelude = "using System;\nusing DiffGen;\n\n";

    /// <summary>Runs the generator over one type; asserts exactly one diagnostic with this ID covering exactly <paramref name="span"/>.</summary>
    private static Diagnostic Expect(string id, string span, string members, string type = "public static partial class C")
    {
        var source = Prelude + type + "\n{\n" + members + "\n}\n";
        var (result, output) = GeneratorHarness.Run(source);
        Assert.Null(result.Exception);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(span, source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
        Assert.Equal("https://github.com/diffgen/diffgen/blob/main/README.md#" + id.ToLowerInvariant(), diagnostic.Descriptor.HelpLinkUri);
        Assert.Contains("; ", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.DoesNotContain(GeneratorHarness.CompileErrors(output), d => d.Severity == DiagnosticSeverity.Error); // valid C# otherwise: the error is DiffGen's alone
        return diagnostic;
    }

    private const string Softplus = "    [CustomGradient] public static double Softplus(double x) => Math.Log(1 + Math.Exp(x));\n";

    [Fact]
    public void DG0020_MissingGradientAtTheMethodsIdentifierSpellsTheSignature()
    {
        var diagnostic = Expect("DG0020", "Softplus", Softplus);
        Assert.Equal(
            "[CustomGradient] method 'Softplus' has no 'SoftplusGradient' in type 'C', and DiffGen generates none for it; "
            + "declare it exactly as 'public static double SoftplusGradient(double x, ref double dx, double seed = 1.0)', "
            + "returning the value and adding seed × ∂Softplus/∂p into each output",
            diagnostic.GetMessage());
    }

    [Fact]
    public void DG0020_OutputNotByReference()
    {
        var diagnostic = Expect("DG0020", "double dx", Softplus + "    public static double SoftplusGradient(double x, double dx, double seed = 1.0) => 0;");
        Assert.StartsWith("parameter 2 of 'SoftplusGradient', 'double dx', must be 'ref double dx'; declare it exactly as 'public static double SoftplusGradient(double x, ref double dx, double seed = 1.0)'", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void DG0020_OutputNamedOtherwise()
    {
        var diagnostic = Expect("DG0020", "ref double grad", Softplus + "    public static double SoftplusGradient(double x, ref double grad, double seed = 1.0) => 0;");
        Assert.Contains("must be 'ref double dx'", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void DG0020_WrongReturnTypeAtTheReturnType() =>
        Expect("DG0020", "float", Softplus + "    public static float SoftplusGradient(double x, ref double dx, double seed = 1.0) => 0;");

    [Fact]
    public void DG0020_VoidGradient()
    {
        var diagnostic = Expect("DG0020", "void", Softplus + "    public static void SoftplusGradient(double x, ref double dx, double seed = 1.0) { }");
        Assert.StartsWith("'SoftplusGradient' returns 'void' where it must return the value of 'Softplus', a 'double'", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void DG0020_NoSeedAtTheParameterList()
    {
        var diagnostic = Expect("DG0020", "(double x, ref double dx)", Softplus + "    public static double SoftplusGradient(double x, ref double dx) => 0;");
        Assert.StartsWith("'SoftplusGradient' ends before its parameter 3, 'double seed = 1.0'", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void DG0020_SeedWithoutItsDefault() =>
        Expect("DG0020", "double seed", Softplus + "    public static double SoftplusGradient(double x, ref double dx, double seed) => 0;");

    [Fact]
    public void DG0020_SeedWithAnotherDefault() =>
        Expect("DG0020", "double seed = 0.5", Softplus + "    public static double SoftplusGradient(double x, ref double dx, double seed = 0.5) => 0;");

    [Fact]
    public void DG0020_AnExtraParameter()
    {
        var diagnostic = Expect("DG0020", "int calls = 0", Softplus + "    public static double SoftplusGradient(double x, ref double dx, double seed = 1.0, int calls = 0) => 0;");
        Assert.StartsWith("'SoftplusGradient' has a parameter 'int calls = 0' after its last, 'double seed = 1.0'", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void DG0020_InputOfAnotherType() =>
        Expect("DG0020", "double[] w", "    [CustomGradient] public static double F(ReadOnlySpan<double> w) => w[0];\n    public static double FGradient(double[] w, Span<double> dw, double seed = 1.0) => 0;");

    [Fact]
    public void DG0020_ArrayOutputMustBeASpan()
    {
        var diagnostic = Expect("DG0020", "double[] dw", "    [CustomGradient] public static double F(double[] w, [NoDerivative] double[] x, int n) => w[0] * x[0];\n    public static double FGradient(double[] w, double[] x, int n, double[] dw, double seed = 1.0) => 0;");
        Assert.Contains("'public static double FGradient(double[] w, double[] x, int n, Span<double> dw, double seed = 1.0)'", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void DG0020_AnOutputForANoDerivativeParameterIsOneTooMany() =>
        Expect("DG0020", "ref double dbeta", "    [CustomGradient] public static double F(double z, [NoDerivative] double beta) => z * beta;\n    public static double FGradient(double z, double beta, ref double dz, ref double dbeta, double seed = 1.0) => 0;");

    [Fact]
    public void DG0020_FloatMethodsTakeFloatOutputsAndSeed()
    {
        var diagnostic = Expect("DG0020", "double seed = 1.0", "    [CustomGradient] internal static float F(float x, float[] w) => x * w[0];\n    internal static float FGradient(float x, float[] w, ref float dx, Span<float> dw, double seed = 1.0) => 0;");
        Assert.Contains("'internal static float FGradient(float x, float[] w, ref float dx, Span<float> dw, float seed = 1f)'", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void DG0020_NamesThatCollideGetTheGeneratedUnderscores()
    {
        // As generated: seed is claimed first, then d + each name; a taken name gets a trailing _.
        var diagnostic = Expect("DG0020", "G", "    [CustomGradient] public static double G(double w, double dw, double seed) => w * dw * seed;");
        Assert.Contains("'public static double GGradient(double w, double dw, double seed, ref double dw_, ref double ddw, ref double dseed, double seed_ = 1.0)'", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void DG0020_NotStatic() =>
        Expect("DG0020", "SoftplusGradient", Softplus + "    public double SoftplusGradient(double x, ref double dx, double seed = 1.0) => 0;", "public partial class C");

    [Fact]
    public void DG0020_LessAccessibleThanTheMethod()
    {
        var diagnostic = Expect("DG0020", "SoftplusGradient", Softplus + "    private static double SoftplusGradient(double x, ref double dx, double seed = 1.0) => 0;");
        Assert.StartsWith("'SoftplusGradient' is private, and the callers of the public 'Softplus' must be able to call it", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void DG0020_OverloadsAreMatchedEachToItsOwnGradient()
    {
        // The double overload's gradient is right; the float one's has a double output: reported there, not at the double one.
        var diagnostic = Expect("DG0020", "ref double dx", """
                [CustomGradient] public static double F(double x) => x * x;
                [CustomGradient] public static float F(float x) => x * x;
                public static double FGradient(double x, ref double dx, double seed = 1.0) { dx += seed * 2 * x; return x * x; }
                public static float FGradient(float x, ref double dx, float seed = 1f) => 0;
            """);
        Assert.Contains("must be 'ref float dx'", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void AGradientInAnotherFileOfThePartialTypeIsFound()
    {
        var (result, output) = GeneratorHarness.Run(
            Prelude + "public static partial class C\n{\n" + Softplus + "}\n",
            "public static partial class C\n{\n    public static double SoftplusGradient(double x, ref double dx, double seed = 1.0) { dx += seed / (1 + System.Math.Exp(-x)); return Softplus(x); }\n}\n");
        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.GeneratedSources);
        Assert.Empty(GeneratorHarness.CompileErrors(output));
    }

    [Fact]
    public void TheBodyIsNeverLowered()
    {
        // try/catch, goto, LINQ, a lambda, a static mutable field: all of it would be DG0007/DG0008 in a [Differentiable] body.
        var sources = GeneratorHarness.RunClean("using System.Linq;\n" + Prelude + """
            public static partial class C
            {
                private static int _calls;

                [CustomGradient]
                public static double Lookup(double x)
                {
                    _calls++;
                    try
                    {
                        int i = 0;
                    again:
                        if (i < 3 && x > i) { i++; goto again; }
                        return new[] { 0.0, 1.0, 3.0, 6.0 }.Select(v => v * 0.5).ElementAt(i) + x;
                    }
                    catch (ArgumentException)
                    {
                        return double.NaN;
                    }
                }

                public static double LookupGradient(double x, ref double dx, double seed = 1.0)
                {
                    dx += seed;
                    return Lookup(x);
                }

                [Differentiable]
                public static double F(double x) => Lookup(x * x) * x;
            }
            """);
        var gradient = Assert.Single(sources).Value;
        Assert.Contains("global::C.LookupGradient(", gradient, StringComparison.Ordinal);
        Assert.DoesNotContain("LookupFullGradient", gradient, StringComparison.Ordinal);
    }

    [Fact]
    public void AHelperWithAVisibleBodyIsNotInlinedWhenItHasACustomGradient()
    {
        // Unmarked, Square would be lowered in place; marked, its (deliberately different) gradient is what counts.
        var sources = GeneratorHarness.RunClean(Prelude + """
            public static partial class C
            {
                [CustomGradient] public static double Square(double x) => x * x;
                public static double SquareGradient(double x, ref double dx, double seed = 1.0) { dx += seed * 2 * x; return x * x; }

                [Differentiable] public static double F(double a, double b) => Square(a - b) + Square(b);
            }
            """);
        var gradient = Assert.Single(sources).Value;
        Assert.Equal(2, gradient.Split("global::C.SquareGradient(").Length - 1);
    }

    [Theory]
    [InlineData("[Differentiable(Graph = true)] public static double F(double x) => Softplus(x * x) + x;", "FGraph")]
    [InlineData("[Differentiable] public static void F(double x, Span<double> r) { r[0] = Softplus(x); r[1] = x * Softplus(-x); }", "FJacobian")]
    [InlineData("[Differentiable] public static double[] F(double[] w) { var r = new double[w.Length]; for (int i = 0; i < w.Length; i++) r[i] = Softplus(w[i]); return r; }", "FJacobian")]
    public void CallersWithGraphsAndVectorValuedCallersCompile(string caller, string alsoGenerated)
    {
        var sources = GeneratorHarness.RunClean(Prelude + "public static partial class C\n{\n" + Softplus
            + "    public static double SoftplusGradient(double x, ref double dx, double seed = 1.0) { dx += seed / (1 + Math.Exp(-x)); return Softplus(x); }\n    "
            + caller + "\n}\n");
        var generated = string.Join("\n", sources.Values);
        Assert.Contains("global::C.SoftplusGradient(", generated, StringComparison.Ordinal);
        Assert.Contains(" " + alsoGenerated + "(", generated, StringComparison.Ordinal);
    }

    [Fact]
    public void DG0014_AVariedValueToANoDerivativeParameterOfACustomCallee()
    {
        var diagnostic = Expect("DG0014", "w * w", """
                [CustomGradient] public static double Softplus(double z, [NoDerivative] double beta) => Math.Log(1 + Math.Exp(beta * z)) / beta;
                public static double SoftplusGradient(double z, double beta, ref double dz, double seed = 1.0) { dz += seed / (1 + Math.Exp(-beta * z)); return Softplus(z, beta); }
                [Differentiable] public static double Loss(double w) => Softplus(w, w * w);
            """);
        Assert.Equal(
            "This argument depends on a differentiable parameter, but parameter 'beta' of 'C.Softplus' is [NoDerivative], so 'C.Softplus' computes no derivative for it; "
            + "its gradient is the hand-written 'SoftplusGradient', which has no output for 'beta': remove [NoDerivative] from 'beta' and give 'SoftplusGradient' the output 'ref double dbeta' "
            + "(in parameter order, before seed), or pass 'beta' a value that does not depend on a differentiable parameter",
            diagnostic.GetMessage());
    }

    [Fact]
    public void DG0014_AVariedArrayToANoDerivativeArrayOfACustomCallee()
    {
        var diagnostic = Expect("DG0014", "a", """
                [CustomGradient] public static double Dot(double[] w, [NoDerivative] double[] x) => w[0] * x[0];
                public static double DotGradient(double[] w, double[] x, Span<double> dw, double seed = 1.0) { dw[0] += seed * x[0]; return Dot(w, x); }
                [Differentiable] public static double Loss(double[] w, double s) { var a = new double[1]; a[0] = s; return Dot(w, a); }
            """);
        Assert.Contains("give 'DotGradient' the output 'Span<double> dx'", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void ConstantsToANoDerivativeParameterOfACustomCalleeAreFine()
    {
        var sources = GeneratorHarness.RunClean(Prelude + """
            public static partial class C
            {
                [CustomGradient] public static double Softplus(double z, [NoDerivative] double beta) => Math.Log(1 + Math.Exp(beta * z)) / beta;
                public static double SoftplusGradient(double z, double beta, ref double dz, double seed = 1.0) { dz += seed / (1 + Math.Exp(-beta * z)); return Softplus(z, beta); }
                [Differentiable] public static double Loss(double w, [NoDerivative] double beta) => Softplus(w * 3, beta) + Softplus(w, 2.0);
            }
            """);
        Assert.Contains("global::C.SoftplusGradient(", Assert.Single(sources).Value, StringComparison.Ordinal);
    }

    private const string PassedOn = """
            [CustomGradient] public static double H(double x, [NoDerivative] double c) => x * c;
            public static double HGradient(double x, double c, ref double dx, double seed = 1.0) { dx += seed * c; return x * c; }
            [Differentiable] public static double G(double x, [NoDerivative] double c) => H(x, c) * 2;
        """;

    [Fact]
    public void DG0014_AFullGradientWouldPassAVariedValueOnToACustomCallee()
    {
        // F varies G's [NoDerivative] c, so F's gradient needs G's full gradient, which would need H's derivative
        // with respect to its [NoDerivative] c: there is none (it once was a silent zero).
        var diagnostic = Expect("DG0014", "c", PassedOn + "    [Differentiable] public static double F(double w) => G(w, w * w);");
        Assert.Contains("a caller of 'G' varies a [NoDerivative] parameter of 'G' that this argument depends on", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.Contains("give 'HGradient' the output 'ref double dc'", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void AFullGradientThatWouldLoseADerivativeIsNotGeneratedForOtherAssemblies()
    {
        // Without a caller here, G's own gradient is fine and no diagnostic is due; a library that offers every full
        // gradient does not offer G's, so a caller in another assembly gets DG0014 at its argument instead.
        var compilation = GeneratorHarness.Compile(Prelude + "public static partial class C\n{\n" + PassedOn + "}\n");
        var driver = CSharpGeneratorDriver.Create(new[] { new DifferentiableGenerator().AsSourceGenerator() }, parseOptions: GeneratorHarness.ParseOptions,
            optionsProvider: new EveryFullGradient());
        var result = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out _).GetRunResult().Results.Single();
        Assert.Empty(result.Diagnostics);
        Assert.Equal(new[] { "C.G.g.cs" }, result.GeneratedSources.Select(s => s.HintName).Where(h => !GeneratorHarness.IsForwardMode(h)));

        var caller = "using DiffGen;\npublic static partial class App\n{\n    [Differentiable] public static double F(double w) => C.G(w, w * w);\n}\n";
        var app = GeneratorHarness.Compile(caller).WithAssemblyName("App").AddReferences(MetadataReference.CreateFromImage(Emit(output)));
        var diagnostic = Assert.Single(GeneratorHarness.Driver().RunGenerators(app).GetRunResult().Results.Single().Diagnostics);
        Assert.Equal("DG0014", diagnostic.Id);
        Assert.Equal("w * w", caller.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
    }

    /// <summary>&lt;DiffGenFullGradients&gt;true&lt;/DiffGenFullGradients&gt;, as the compiler hands it to generators.</summary>
    private sealed class EveryFullGradient : Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptionsProvider
    {
        public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GlobalOptions { get; } = new Options(true);

        public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Options(false);

        public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GetOptions(AdditionalText textFile) => new Options(false);

        private sealed class Options(bool global) : Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions
        {
            public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
            {
                value = global && key == "build_property.DiffGenFullGradients" ? "true" : null;
                return value is not null;
            }
        }
    }

    [Fact]
    public void DG0021_WithDifferentiableTooAtThatAttribute() =>
        Expect("DG0021", "Differentiable", "    [Differentiable, CustomGradient] public static double F(double x) => x * x;\n    public static double FGradient(double x, ref double dx, double seed = 1.0) => 0;");

    [Fact]
    public void DG0021_WithDifferentiableInItsOwnList()
    {
        var diagnostic = Expect("DG0021", "Differentiable", "    [CustomGradient]\n    [Differentiable]\n    public static double F(double x) => x * x;");
        Assert.Equal("[Differentiable] together with [CustomGradient] is not supported for a [CustomGradient] method; keep [CustomGradient] to write 'FGradient' yourself, or [Differentiable] to have DiffGen generate it from the body", diagnostic.GetMessage());
    }

    [Fact]
    public void DG0021_InstanceMethod() =>
        Expect("DG0021", "F", "    [CustomGradient] public double F(double x) => x;", "public partial class C");

    [Fact]
    public void DG0021_GenericMethod() =>
        Expect("DG0021", "<T>", "    [CustomGradient] public static double F<T>(double x) => x;");

    [Fact]
    public void DG0021_ReturnType() =>
        Expect("DG0021", "decimal", "    [CustomGradient] public static decimal F(double x) => 1m;");

    [Fact]
    public void DG0021_ParameterType() =>
        Expect("DG0021", "string name", "    [CustomGradient] public static double F(double x, string name) => x;");

    [Fact]
    public void DG0021_RefParameter() =>
        Expect("DG0021", "ref double x", "    [CustomGradient] public static double F(ref double x) => x;");

    [Fact]
    public void DG0021_MixedPrecision()
    {
        var diagnostic = Expect("DG0021", "float[] w", "    [CustomGradient] public static double F(double x, float[] w) => x * w[0];");
        Assert.Contains("declare it 'double[]'", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void DG0021_LocalFunction() =>
        Expect("DG0021", "G", "    public static double F(double x) { [CustomGradient] static double G(double v) => v; return G(x); }");

    /// <summary>A [CustomGradient] method of a referenced assembly, its gradient written there: a caller pulls back through it.</summary>
    [Fact]
    public void CallsACustomGradientOfAReferencedAssembly()
    {
        const string library = """
            using System;
            using DiffGen;

            namespace Lib;

            public static class Special
            {
                // Φ by erf's Abramowitz–Stegun 7.1.26 fit: its derivative is φ, written by hand.
                [CustomGradient]
                public static double NormalCdf(double x)
                {
                    double z = Math.Abs(x) / Math.Sqrt(2);
                    double t = 1 / (1 + 0.3275911 * z);
                    double erf = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.Exp(-z * z);
                    return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
                }

                public static double NormalCdfGradient(double x, ref double dx, double seed = 1.0)
                {
                    dx += seed * Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI);
                    return NormalCdf(x);
                }
            }
            """;
        const string app = """
            using DiffGen;

            public static partial class Model
            {
                [Differentiable]
                public static double Probit(double a, double c, [NoDerivative] double x) => Lib.Special.NormalCdf(a * x + c) * a;
            }
            """;
        var libraryCompilation = GeneratorHarness.Compile(library).WithAssemblyName("Lib");
        var libraryRun = GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(libraryCompilation, out var libraryOutput, out _).GetRunResult().Results.Single();
        Assert.Empty(libraryRun.Diagnostics);
        Assert.Empty(libraryRun.GeneratedSources);
        var libraryImage = Emit(libraryOutput);

        var appCompilation = GeneratorHarness.Compile(app).WithAssemblyName("App").AddReferences(MetadataReference.CreateFromImage(libraryImage));
        var appRun = GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(appCompilation, out var appOutput, out _).GetRunResult().Results.Single();
        Assert.Empty(appRun.Diagnostics);
        Assert.Contains("global::Lib.Special.NormalCdfGradient(", GeneratorHarness.Sources(appRun).Single().Value, StringComparison.Ordinal);
        var appImage = Emit(appOutput);

        var context = new AssemblyLoadContext("custom-gradient", isCollectible: true);
        try
        {
            context.LoadFromStream(new MemoryStream(libraryImage));
            var model = context.LoadFromStream(new MemoryStream(appImage)).GetType("Model")!;
            double Value(double a, double c) => (double)model.GetMethod("Probit")!.Invoke(null, new object[] { a, c, 1.3 })!;
            var arguments = new object[] { 0.8, -0.3, 1.3, 0.0, 0.0, 1.0 };
            var value = (double)model.GetMethod("ProbitGradient")!.Invoke(null, arguments)!;
            Assert.Equal(Value(0.8, -0.3), value);

            // ∂/∂c = a·φ(a·x + c) exactly as the library writes φ; ∂/∂a against finite differences (the fit is good to 1.5e-7).
            var u = 0.8 * 1.3 - 0.3;
            Assert.Equal(Math.Exp(-0.5 * u * u) / Math.Sqrt(2 * Math.PI) * 0.8, (double)arguments[4], 1e-15);
            const double h = 1e-4;
            Assert.Equal((Value(0.8 + h, -0.3) - Value(0.8 - h, -0.3)) / (2 * h), (double)arguments[3], 1e-5);
        }
        finally
        {
            context.Unload();
        }
    }

    [Fact]
    public void AddingTheGradientInAnotherFileClearsTheDiagnostic()
    {
        var compilation = GeneratorHarness.Compile(Prelude + "public static partial class C\n{\n" + Softplus + "}\n");
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        Assert.Equal("DG0020", Assert.Single(driver.GetRunResult().Results.Single().Diagnostics).Id);

        var gradient = CSharpSyntaxTree.ParseText(
            "public static partial class C\n{\n    public static double SoftplusGradient(double x, ref double dx, double seed = 1.0) => 0;\n}\n",
            GeneratorHarness.ParseOptions, path: "Gradient.cs");
        driver = driver.RunGenerators(compilation.AddSyntaxTrees(gradient));
        Assert.Empty(driver.GetRunResult().Results.Single().Diagnostics);
    }

    [Fact]
    public void TheCheckHoldsNoRoslynObjectsAndIsCachedAcrossUnrelatedEdits()
    {
        var compilation = GeneratorHarness.Compile(Prelude + "public static partial class C\n{\n" + Softplus
            + "    public static double SoftplusGradient(double x, double dx, double seed = 1.0) => 0;\n}\n");
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var first = driver.GetRunResult().Results.Single();
        var outputs = first.TrackedSteps[DifferentiableGenerator.Steps.CustomGradient].SelectMany(s => s.Outputs).ToList();
        var diagnostics = Assert.IsType<DiffGen.Generator.Model.EquatableArray<DiffGen.Generator.Diagnostics.DiagnosticInfo>>(Assert.Single(outputs).Value);
        Assert.Equal("DG0020", Assert.Single(diagnostics.AsImmutableArray()).Id);

        driver = driver.RunGenerators(compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("public static class Unrelated { public static int Answer() => 42; }", GeneratorHarness.ParseOptions)));
        var second = driver.GetRunResult().Results.Single();
        Assert.All(second.TrackedSteps[DifferentiableGenerator.Steps.CustomGradient].SelectMany(s => s.Outputs),
            o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
        Assert.Equal("DG0020", Assert.Single(second.Diagnostics).Id);
    }

    private static byte[] Emit(Compilation compilation)
    {
        using var stream = new MemoryStream();
        var emit = compilation.Emit(stream);
        Assert.True(emit.Success, string.Join(Environment.NewLine, emit.Diagnostics));
        Assert.Empty(emit.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        return stream.ToArray();
    }
}
