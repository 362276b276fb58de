using System;
using System.Linq;
using System.Text;
using DiffGen.Generator.Parsing;
using Microsoft.CodeAnalysis;

namespace DiffGen.Generator.Tests;

/// <summary>Every diagnostic, by ID and exact span, and the guarantee that the generator never throws.</summary>
public class DiagnosticTests
{
    private const string Prelude = "using System;\nusing DiffGen;\n\n";

    /// <summary>Runs the generator; asserts exactly one diagnostic with this ID, covering exactly <paramref name="span"/>.</summary>
    private static Diagnostic Expect(string id, string span, string body, string type = "public static partial class C")
    {
        var source = Prelude + type + "\n{\n" + body + "\n}\n";
        var (result, _) = GeneratorHarness.Run(source);
        Assert.Null(result.Exception);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(span, source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
        Assert.Equal("https://github.com/diffgen/diffgen/blob/main/README.md#" + id.ToLowerInvariant(), diagnostic.Descriptor.HelpLinkUri);
        Assert.Contains(";", diagnostic.GetMessage(), StringComparison.Ordinal); // every message says what to write instead
        Assert.Empty(result.GeneratedSources);
        return diagnostic;
    }

    /// <summary>
    /// double[] a = x; … a = next; starts a as a copy of x only when its elements are never written: here a write
    /// would be into x in C#, so it stays an error (a copy would silently leave x as it was).
    /// </summary>
    [Fact]
    public void AnArrayLocalStartingAsAParameterIsNotCopiedWhenWritten()
    {
        var source = Prelude + "public static partial class C\n{\n    [Differentiable] public static double F(double[] x, bool b) { double[] a = x; if (b) a[0] = 1; else a = new double[2]; return a[0] * x[0]; }\n}\n";
        var (result, _) = GeneratorHarness.Run(source);
        Assert.Null(result.Exception);
        Assert.Contains(result.Diagnostics, d => d.Id == "DG0008" && d.GetMessage().Contains("parameters are read-only", StringComparison.Ordinal));
        Assert.Empty(result.GeneratedSources);
    }

    [Fact]
    public void DG0001_TypeNotPartial() =>
        Expect("DG0001", "F", "    [Differentiable] public static double F(double x) => x;", "public static class C");

    [Fact]
    public void DG0001_EnclosingTypeNotPartial() =>
        Expect("DG0001", "F", "    public static partial class Inner { [Differentiable] public static double F(double x) => x; }", "public class C");

    [Fact]
    public void DG0002_NotStatic() =>
        Expect("DG0002", "F", "    [Differentiable] public double F(double x) => x;", "public partial interface I");

    [Fact]
    public void DG0003_ReturnType() =>
        Expect("DG0003", "int", "    [Differentiable] public static int F(double x) => 1;");

    [Fact]
    public void DG0004_ParameterType() =>
        Expect("DG0004", "string s", "    [Differentiable] public static double F(double x, string s) => x;");

    [Fact]
    public void DG0004_DecimalParameter() =>
        Expect("DG0004", "decimal m", "    [Differentiable] public static double F(decimal m) => 1.0;");

    [Fact]
    public void DG0005_MixedPrecision()
    {
        var diagnostic = Expect("DG0005", "float x", "    [Differentiable] public static double F(float x, double y) => x * y;");
        Assert.Contains("declare it 'double'", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void DG0006_RefParameter() =>
        Expect("DG0006", "ref double x", "    [Differentiable] public static double F(ref double x) => x;");

    [Fact]
    public void DG0006_OutParameter() =>
        Expect("DG0006", "out double y", "    [Differentiable] public static double F(double x, out double y) { y = x; return x; }");

    [Theory]
    [InlineData("lock (typeof(C)) { s = x; }", "'lock'")]
    [InlineData("using (var m = new System.IO.MemoryStream()) { s = x; }", "'using'")]
    [InlineData("try { s = x; } finally { }", "'try'")]
    [InlineData("throw new InvalidOperationException();", "'throw'")]
    public void DG0007_UnsupportedStatement(string statement, string what)
    {
        var diagnostic = Expect("DG0007", statement,
            "    [Differentiable] public static double F(double x)\n    {\n        double s = x;\n        " + statement + "\n        return s;\n    }");
        Assert.StartsWith(what, diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Field * x", "Field", "reading a field or property")]
    [InlineData("Prop * x", "Prop", "reading a field or property")]
    [InlineData("x.CompareTo(1.0)", "x.CompareTo(1.0)", "calling the instance method 'CompareTo'")]
    [InlineData("(new double[1, 1, 1])[0, 0, 0]", "new double[1, 1, 1]", "creating this array")]
    [InlineData("Apply(v => v * 2, x)", "v => v * 2", "a lambda")]
    public void DG0008_UnsupportedExpression(string expression, string span, string what)
    {
        var diagnostic = Expect("DG0008", span,
            "    static double Field = 2;\n    static double Prop => 3;\n    static double Apply(Func<double, double> f, double v) => f(v);\n"
            + "    [Differentiable] public static double F(double x) => " + expression + ";");
        Assert.StartsWith(what, diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void DG0008_WriteIntoParameterArray()
    {
        var diagnostic = Expect("DG0008", "w[0]", "    [Differentiable] public static double F(double[] w) { w[0] = 1; return w[1]; }");
        Assert.StartsWith("writing into a parameter's elements", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void DG0007_StackallocInsideALoop()
    {
        var diagnostic = Expect("DG0007", "h = stackalloc double[2]",
            "    [Differentiable] public static double F(double x)\n    {\n        double s = 0;\n        for (int i = 0; i < 3; i++)\n        {\n            Span<double> h = stackalloc double[2];\n            h[0] = x;\n            s += h[0];\n        }\n\n        return s;\n    }");
        Assert.Contains("stackalloc once before it", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void DG0009_CallWithoutDerivative()
    {
        var diagnostic = Expect("DG0009", "Helper(x * 2)",
            "    static extern double Helper(double v);\n    [Differentiable] public static double F(double x) => Helper(x * 2) + 1;");
        Assert.Contains("C.Helper", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void DG0009_HelperThatCannotBeDifferentiatedSaysWhyInItsBody()
    {
        var source = Prelude + "public static partial class C\n{\n    static double Helper(double v)\n    {\n        Console.WriteLine(v);\n        return v * v;\n    }\n\n"
            + "    [Differentiable] public static double F(double x) => Helper(x * 2) + Helper(3.0);\n}\n";
        var (result, _) = GeneratorHarness.Run(source);
        Assert.Null(result.Exception);
        var reported = result.Diagnostics.Select(d => (d.Id, source.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length))).OrderBy(d => d.Id).ToList();
        Assert.Equal(new[] { ("DG0008", "Console.WriteLine(v)"), ("DG0009", "Helper(x * 2)") }, reported);
    }

    [Fact]
    public void CallWithoutDerivative_OnConstantsIsAllowed()
    {
        var sources = GeneratorHarness.RunClean(Prelude + "public static partial class C\n{\n    static double Helper(double v) => v * v;\n"
            + "    [Differentiable] public static double F(double x, [NoDerivative] double c) => Helper(c) * x + Math.IEEERemainder(c, 2);\n}\n");
        Assert.Single(sources);
    }

    [Fact]
    public void DG0010_FailureInsideTheGeneratorStaysWithItsMethod()
    {
        MethodParser.FaultInjection = name =>
        {
            if (name == "Explode")
            {
                throw new InvalidOperationException("injected");
            }
        };
        try
        {
            var source = Prelude + "public static partial class C\n{\n"
                + "    [Differentiable] public static double Explode(double x) => x;\n"
                + "    [Differentiable] public static double Fine(double x) => x * x;\n}\n";
            var (result, _) = GeneratorHarness.Run(source);
            Assert.Null(result.Exception);
            var diagnostic = Assert.Single(result.Diagnostics);
            Assert.Equal("DG0010", diagnostic.Id);
            Assert.Equal("Explode", source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
            Assert.Contains("injected", diagnostic.GetMessage(), StringComparison.Ordinal);
            Assert.Equal(["C.Fine.Hessian.g.cs", "C.Fine.Tangent.g.cs", "C.Fine.g.cs"], result.GeneratedSources.Select(s => s.HintName).Order(StringComparer.Ordinal));
        }
        finally
        {
            MethodParser.FaultInjection = null;
        }
    }

    /// <summary>
    /// A caller varies G's [NoDerivative] c, so it needs G's full gradient, in which c reaches a call without a derivative:
    /// DG0009 there, where that full gradient once silently gave dc = 0.
    /// </summary>
    [Fact]
    public void DG0009_InTheFullGradientACallerNeeds()
    {
        var source = Prelude + "public static partial class C\n{\n    [Differentiable] public static double G(double x, [NoDerivative] double c) => x * Math.IEEERemainder(c, 2.0);\n    [Differentiable] public static double F(double w) => G(w, w * w);\n}\n";
        var (result, output) = GeneratorHarness.Run(source);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("DG0009", diagnostic.Id);
        Assert.Equal("Math.IEEERemainder(c, 2.0)", source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));

        // The full gradient is still generated, so that the only error is DiffGen's.
        Assert.Empty(GeneratorHarness.CompileErrors(output));

        // Without a caller that varies c, G's gradients are generated as ever.
        var sources = GeneratorHarness.RunClean(Prelude + "public static partial class C\n{\n    [Differentiable] public static double G(double x, [NoDerivative] double c) => x * Math.IEEERemainder(c, 2.0);\n    [Differentiable] public static double F(double w) => G(w, 3.0);\n}\n");
        Assert.Equal(new[] { "C.F.g.cs", "C.G.g.cs" }, sources.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void DG0011_GenericMethod() =>
        Expect("DG0011", "<T>", "    [Differentiable] public static double F<T>(double x) => x;");

    [Fact]
    public void DG0012_NoBody() =>
        Expect("DG0012", "F", "    [Differentiable] public static extern double F(double x);");

    [Fact]
    public void PartialMethodDeclarationUsesItsImplementation()
    {
        var sources = GeneratorHarness.RunClean(Prelude + "public static partial class C\n{\n"
            + "    [Differentiable] public static partial double F(double x);\n"
            + "    public static partial double F(double x) => x * x;\n}\n");
        Assert.Contains("dx += du1 * x;", Assert.Single(sources).Value, StringComparison.Ordinal);
    }

    [Fact]
    public void ASumOfSixThousandTermsBuilds()
    {
        // 5,500 terms once overflowed the compiler's stack (lowering recursed per operator).
        var terms = string.Join(" + ", Enumerable.Range(0, 6_000).Select(i => "x * " + (i % 7 + 1) + ".0"));
        var sources = GeneratorHarness.RunClean(Prelude + "public static partial class C\n{\n    [Differentiable] public static double F(double x) => " + terms + ";\n}\n");
        Assert.Contains("FGradient", Assert.Single(sources).Value, StringComparison.Ordinal);
    }

    [Fact]
    public void DG0013_TooLargeForOneMethod()
    {
        // 50,000 terms in one expression: more locals than a .NET method may have (and, once, a
        // stack overflow in the compiler): a diagnostic on the body, never a crash.
        var terms = string.Join(" + ", Enumerable.Range(0, 50_000).Select(i => "x * " + (i % 7 + 1) + ".0"));
        var body = "    [Differentiable] public static double F(double x) => " + terms + ";";
        var diagnostic = Expect("DG0013", "=> " + terms, body);
        Assert.Contains("split it into [Differentiable] helper methods", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void SeveralProblemsAreAllReported()
    {
        var (result, _) = GeneratorHarness.Run(Prelude + "public static partial class C\n{\n    static double Field = 1;\n"
            + "    [Differentiable] public static double F(double x)\n    {\n        double s = Field;\n        try { s += x; } finally { }\n        return s;\n    }\n}\n");
        Assert.Equal(new[] { "DG0007", "DG0008" }, result.Diagnostics.Select(d => d.Id).OrderBy(i => i, StringComparer.Ordinal));
    }

    [Fact]
    public void CompileErrorsInTheBodyAreLeftToTheCompiler()
    {
        var (result, output) = GeneratorHarness.Run(Prelude + "public static partial class C\n{\n"
            + "    [Differentiable] public static double F(double x) => Undefined(x);\n}\n");
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics);
        Assert.Contains(output.GetDiagnostics(), d => d.Id == "CS0103");
    }

    [Fact]
    public void PartialMethodWithItsBodyInAnotherFileIsToldWhereTheAttributeGoes()
    {
        var declaration = Prelude + "public static partial class C\n{\n    [Differentiable] public static partial double F(double x);\n}\n";
        var implementation = "public static partial class C\n{\n    public static partial double F(double x) => x * x;\n}\n";
        var (result, _) = GeneratorHarness.Run(declaration, implementation);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("DG0018", diagnostic.Id);
        Assert.Equal("F", declaration.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
        Assert.Contains("put [Differentiable] on the implementing declaration", diagnostic.GetMessage(), StringComparison.Ordinal);

        // With the attribute on the part that has the body, it differentiates.
        GeneratorHarness.RunClean(
            Prelude + "public static partial class C\n{\n    public static partial double F(double x);\n}\n",
            "using DiffGen;\npublic static partial class C\n{\n    [Differentiable] public static partial double F(double x) => x * x;\n}\n");
    }
}

/// <summary>Vector-valued methods in the forms people write them: each compiles with its product and Jacobian, no diagnostic.</summary>
public class VectorFormTests
{
    [Theory]
    [InlineData("public static double[] F(double[] v) { var r = (double[])v.Clone(); for (int i = 0; i < r.Length; i++) r[i] *= r[i]; return r; }")]
    [InlineData("public static double[] F(double[] v) { var r = v.AsSpan().ToArray(); r[0] = 2 * v[1]; return r; }")]
    [InlineData("public static double[] F(double x, double y) { double[] r = { x * y, x - y }; return r; }")]
    [InlineData("public static double[] F(double x, double y) => new double[] { x * y, x - y };")]
    [InlineData("public static float[] F(float x) { var r = new float[3]; Array.Fill(r, x); r[1] *= x; return r; }")]
    [InlineData("public static void F(double[] v, Span<double> r) { v.CopyTo(r); r[0] *= v[1]; }")]
    [InlineData("public static void F(double[] v, double[] r) { r.AsSpan().Fill(v[0]); G(v, r.AsSpan(1)); } [Differentiable] static void G(double[] v, Span<double> o) { for (int i = 0; i < o.Length; i++) o[i] += v[i] * v[i]; }")]
    [InlineData("public static void F(double a, ReadOnlySpan<double> v, Span<double> low, Span<double> high) { if (a < 0) { low[0] = a; return; } high[0] = a * v[0]; }")]
    [InlineData("public static void F(double a, [NoDerivative] Span<double> scratch, Span<double> r) { scratch[0] = a * a; r[0] = scratch[0] + a; }")]
    public void CompilesWithItsProductAndJacobian(string members)
    {
        var sources = GeneratorHarness.RunClean("using System;\nusing DiffGen;\n\npublic static partial class C\n{\n    [Differentiable] " + members + "\n}\n");
        var generated = string.Join("\n", sources.Values);
        Assert.Contains(" FGradient(", generated, StringComparison.Ordinal);
        Assert.Contains(" FJacobian(", generated, StringComparison.Ordinal);
    }
}
