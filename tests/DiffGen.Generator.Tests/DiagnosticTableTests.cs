using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace DiffGen.Generator.Tests;

/// <summary>
/// Unsupported and malformed [Differentiable] methods, one per row: each gives exactly one
/// diagnostic, with its ID, at the span marked [| |], and a message that says what to write instead.
/// The source compiles otherwise (the marked code is valid C#), so the diagnostic is DiffGen's alone.
/// </summary>
public class DiagnosticTableTests
{
    private const string Prelude = "using System;\nusing DiffGen;\n\n";
    private const string Partial = "public static partial class C";

    /// <summary>ID, type declaration, members with the span marked, and words of the advice the message must give.</summary>
    public static readonly TheoryData<string, string, string, string> Rows = new()
    {
        // DG0001: the containing type (and every enclosing one) must be partial.
        { "DG0001", "public static class C", "[Differentiable] public static double [|F|](double x) => x;", "declare it" },
        { "DG0001", "public class C", "public static partial class Inner { [Differentiable] public static double [|F|](double x) => x; }", "partial" },
        { "DG0001", "public struct S", "[Differentiable] public static double [|F|](double x) => x * x;", "partial" },
        { "DG0001", "public sealed class C", "[Differentiable] internal static float [|G|](float x) => x;", "partial" },

        // DG0002: static, or an instance method of a model type (not of an interface).
        { "DG0002", "public partial interface I", "[Differentiable] public double [|F|](double x) => x;", "make it static" },
        { "DG0002", "public partial interface I", "[Differentiable] double [|F|](double x) { return x * 2; }", "instance method of a struct, class or record" },

        // DG0003: double or float results.
        { "DG0003", Partial, "[Differentiable] public static [|int|] F(double x) => 1;", "must return double or float" },
        { "DG0003", Partial, "[Differentiable] public static [|string|] F(double x) => \"\";", "may also return double[], float[], a tuple" },
        { "DG0003", Partial, "[Differentiable] public static [|decimal|] F(double x) => 1m;", "must return double or float" },
        { "DG0003", Partial, "[Differentiable] public static [|int[]|] F(double x) => new[] { 1 };", "must return double or float" },
        { "DG0003", Partial, "[Differentiable] public static [|(double, string)|] F(double x) => (x, \"\");", "must return double or float" },

        // DG0004: parameter types.
        { "DG0004", Partial, "[Differentiable] public static double F(double x, [|string s|]) => x;", "use double, float" },
        { "DG0004", Partial, "[Differentiable] public static double F([|decimal m|]) => 1.0;", "use double, float" },
        { "DG0004", Partial, "[Differentiable] public static double F([|System.Collections.Generic.List<double> xs|]) => 1.0;", "double[]" },
        { "DG0004", Partial, "[Differentiable] public static double F([|object o|]) => 1.0;", "use double, float" },
        { "DG0004", Partial, "[Differentiable] public static double F([|double[,,] m|]) => 1.0;", "double[]" },
        { "DG0008", Partial, "[Differentiable] static double G(double[,] m) => m[0, 0]; [Differentiable] public static double F(double[,] m) => [|G(m)|];", "it is then differentiated in place here" },
        { "DG0008", Partial, "[Differentiable] public static double F(double x, [NoDerivative] double[,] m) { [|m[0, 0]|] = x; return x; }", "copy into a local matrix" },
        { "DG0008", Partial, "[Differentiable] public static double F(double x, [NoDerivative] double[,] m) { double s = 0; foreach (var v in [|m|]) s += v * x; return s; }", "loop over m.GetLength(0)" },
        { "DG0004", Partial, "[Differentiable] public static double F(double x, [|double[][] rows|]) => x * rows[0][0];", "may be [NoDerivative]" },
        { "DG0008", Partial, "[Differentiable] public static double F(double x, [NoDerivative] double[][] rows) { var row = rows[0]; [|row|][0] = x; return row[0] * x; }", "parameters are read-only" },
        { "DG0004", Partial, "[Differentiable] public static double F([|Func<double, double> f|], double x) => x;", "use double, float" },
        { "DG0004", Partial, "[Differentiable] public static double F([|double? x|]) => 1.0;", "use double, float" },
        { "DG0004", Partial, "[Differentiable] public static double F(double x, [|string[] names|]) => x;", "an integral type, bool" },

        // DG0005: one precision per method.
        { "DG0005", Partial, "[Differentiable] public static double F([|float x|], double y) => x * y;", "declare it 'double'" },
        { "DG0005", Partial, "[Differentiable] public static float F(float x, [|double[] w|]) => x;", "declare it 'float[]'" },
        { "DG0005", Partial, "[Differentiable] public static double F([|ReadOnlySpan<float> s|]) => 1.0;", "declare it 'ReadOnlySpan<double>'" },

        // DG0006: by-value parameters.
        { "DG0006", Partial, "[Differentiable] public static double F([|ref double x|]) => x;", "remove 'ref'" },
        { "DG0006", Partial, "[Differentiable] public static double F(double x, [|out double y|]) { y = x; return x; }", "remove 'out'" },
        { "DG0006", Partial, "[Differentiable] public static double F([|in double x|]) => x;", "remove 'in'" },

        // DG0007: statements.
        { "DG0007", Partial, "[Differentiable] public static double F(double x) { double s = x; [|lock (typeof(C)) { s = x; }|] return s; }", "remove it" },
        { "DG0007", Partial, "[Differentiable] public static double F(double x) { double s = x; [|using (var m = new System.IO.MemoryStream()) { s = x; }|] return s; }", "remove it" },
        { "DG0007", Partial, "[Differentiable] public static double F(double x) { double s = x; [|try { s = x; } finally { }|] return s; }", "remove the try statement" },
        { "DG0007", Partial, "[Differentiable] public static double F(double x) { if (x < 0) [|throw new ArgumentException();|] return x; }", "return a value such as double.NaN" },
        { "DG0008", Partial, "[Differentiable] public static double F(double x) => x < 0 ? [|throw new ArgumentException()|] : x;", "return a value such as double.NaN" },
        { "DG0008", Partial, "[Differentiable] public static double F(double x) { double G(double v) => v < 1 ? v : [|G(v / 2)|]; return G(x); }", "recursion between those is supported" },
        { "DG0007", Partial, "[Differentiable] public static double F(double x) { switch ((int)x) { case 0: [|goto case 1;|] case 1: return x; default: return 0; } }", "structure the code with if/else and return" },
        { "DG0007", Partial, "[Differentiable] public static double F(double x) { double s = 0; for (int i = 0; i < 2; i++) { Span<double> [|h = stackalloc double[2]|]; h[0] = x; s += h[0]; } return s; }", "stackalloc once before it" },
        { "DG0007", Partial, "[Differentiable] public static double F(double x) { double s = x; ref double [|r = ref s|]; return r; }", "declare a plain local" },
        { "DG0007", Partial, "[Differentiable] public static double F(double x) { string [|name = \"a\"|]; return x; }", "use double, float, integral or bool locals" },
        { "DG0007", Partial, "[Differentiable] public static double F(double x) { object [|o = x|]; return x; }", "use double, float, integral or bool locals" },
        { "DG0007", Partial, "[Differentiable] public static double F(double x) { Random [|r = new Random(1)|]; return x; }", "a local of type 'Random' is not supported" },
        { "DG0007", Partial, "public static double F(double x) { [Differentiable] static double [|G|](double v) => v * v; return G(x); }", "move it out as a static [Differentiable] method" },

        // DG0008: expressions.
        { "DG0008", Partial, "static double Field = 2; [Differentiable] public static double F(double x) => [|Field|] * x;", "pass the value in as a parameter" },
        { "DG0008", Partial, "static double Prop => 3; [Differentiable] public static double F(double x) => [|Prop|] * x;", "pass the value in as a parameter" },
        { "DG0008", Partial, "[Differentiable] public static double F(double x) => [|x.CompareTo(1.0)|];", "call static methods" },
        { "DG0008", Partial, "static double Apply(Func<double, double> f, double v) => f(v); [Differentiable] public static double F(double x) => Apply([|v => v * 2|], x);", "write a static [Differentiable] method" },
        { "DG0008", Partial, "[Differentiable] public static double F(double x) => ([|new double[1, 1, 1]|])[0, 0, 0] * x;", "create one-dimensional double[] or float[] arrays" },
        { "DG0008", Partial, "static double[] Pick(double[] a, double[] b, bool first) => [|first ? a : b|]; [Differentiable] public static double F(double x, double[] a, double[] b) => x * Pick(a, b, x > 0)[0];", "branch with if/else" },
        { "DG0008", Partial, "static double[] Make(double v) { var r = new double[1]; r[0] = v; return r; } [Differentiable] public static double F(double x) { var a = [|x > 0 ? Make(x) : Make(-x)|]; return a[0]; }", "branch with if/else" },
        { "DG0008", Partial, "static double[] Abs(double v) { if (v < 0) return new[] { -v }; return new[] { v }; } [Differentiable] public static double F(double x) => x * [|Abs(x)|][0];", "end the helper with its only return" },
        { "DG0008", Partial, "[Differentiable] public static double F(double[] x) => x[[|1..^1|]][0];", "write ranges from the start" },
        { "DG0008", Partial, "[Differentiable] public static double F(double x) { var a = new double[3]; a[1] = x; var b = [|a[1..]|]; a[1] = 2 * x; return b[0]; }", "a.AsSpan(start, length)" },
        { "DG0008", Partial, "[Differentiable] public static double F(double[] x) { var b = x[1..]; [|b|][0] = 2; return b[0]; }", "copy the elements into a new local array" },
        { "DG0008", Partial, "[Differentiable] public static double F(double[] x) => x[[|^1|]] * x[0];", "x[x.Length - k]" },
        { "DG0008", Partial, "[Differentiable] public static double F(double x) { var m = new double[2, 2]; var n = new double[2, 2]; m[0, 0] = x; [|n|] = m; return n[0, 0]; }", "copy the elements in a loop" },
        { "DG0008", Partial, "[Differentiable] public static double F(double x, int d) { var m = new double[2, 2]; m[0, 0] = x; return m[0, 0] * [|m.GetLength(d)|]; }", "GetLength(0) for the rows" },
        { "DG0008", Partial, "[Differentiable] public static double F(double[] x) => [|System.Linq.Enumerable.First(System.Linq.Enumerable.OrderBy(x, v => v))|];", "use Sum, Max, Min, Average" },
        { "DG0008", Partial, "[Differentiable] public static double F(double[] x) => [|System.Linq.Enumerable.Max(System.Linq.Enumerable.Where(x, v => v > 0))|];", "write the loop" },
        { "DG0008", Partial, "[Differentiable] public static double F(double[] x) { double c = 0; return System.Linq.Enumerable.Sum(x, [|v => c += v|]) + c; }", "reduce it with Sum or Aggregate" },
        { "DG0008", Partial, "[Differentiable] public static double F(double x) { var a = new double[2]; var b = new double[2]; var c = a; a[0] = x; [|(a, b) = (b, a)|]; return b[0] + c[0]; }", "keep one name per array" },
        { "DG0007", Partial, "[Differentiable] public static double F(double[] x) { double s = 0; [|foreach (var v in System.Linq.Enumerable.Where(x, v => v > 0)) s += v;|] return s; }", "test the condition with if inside the loop" },
        { "DG0008", Partial, "static (double, double) Split(double v) => (v, -v); [Differentiable] public static double F(double x) { var t = Split(x); for (int i = 0; i < 2; i++) [|t|] = Split(t.Item1); return t.Item2; }", "deconstruct" },
        { "DG0008", Partial, "[Differentiable] public static double F(double x) => (double)[|(decimal)x|];", "convert only between double, float and integral types" },
        { "DG0008", Partial, "[Differentiable] public static double F(double x) => [|double.TryParse(\"1\", out var v)|] ? v * x : x;", "pass each value as a plain argument" },
        { "DG0008", Partial, "[Differentiable] public static double F(double[] w) { [|w[0]|] = 1; return w[1]; }", "copy into a local array" },
        { "DG0008", Partial, "static double Field; [Differentiable] public static double F(double x) { [|Field|] = x; return x; }", "assign a local and return the result" },
        { "DG0008", Partial, "[Differentiable] public static double F(double x) { double[] a = new double[2]; double[] b = new double[2]; [|a = b|]; b[0] = x; return a[0]; }", "b.CopyTo(a, 0)" },
        { "DG0008", Partial, "[Differentiable] public static double F(double x) { var a = new double[2]; var b = new double[2]; for (int i = 0; i < 3; i++) { b[0] = a[0] + x; [|a = b|]; } return a[0]; }", "declare 'b' inside the loop" },
        { "DG0008", Partial, "[Differentiable] public static double F(double x) { var a = new double[2]; var view = a; var b = new double[2]; b[0] = x; [|a = b|]; return view[0]; }", "keep one name per array" },
        { "DG0008", Partial, "[Differentiable] public static double F(double[] p, double x) { var a = new double[2]; a[0] = x; a = [|p|]; return a[0]; }", "source.CopyTo(target, 0)" },
        { "DG0008", Partial, "[Differentiable] public static double F(double x) { var a = new double[2]; var b = new double[2]; a[0] = x; double s = 0; foreach (var v in a) { s += v; [|(a, b) = (b, a)|]; } return s; }", "keep one name per array" },
        { "DG0008", Partial, "[Differentiable] public static double F(double w) { double[] h = { 1.0, 2.0 }; double[] n = new double[2]; for (int t = 0; t < 2; t++) { n[0] = w * h[1]; Advance(); } return h[0]; void Advance() { [|h = n|]; } }", "pass the arrays to the local function as parameters" },
        { "DG0008", Partial, "[Differentiable] public static double F(double w) { double[] h = new double[1]; double[] n = { w }; double Read() => n[0]; [|h = n|]; h[0] = 10 * w; return Read(); }", "pass the arrays to the local function as parameters" },
        { "DG0008", Partial, "[Differentiable] public static double F(double x) => [|x is > 0 and < 1|] ? x : 0;", "use arithmetic, Math functions, comparisons" },
        { "DG0008", Partial, "[Differentiable] public static double F(double x) => [|$\"{x}\".Length|] * x;", "pass the value in as a parameter" },
        { "DG0008", Partial, "[Differentiable] public static double F(double x) => [|new Random(1).NextDouble()|] * x;", "call static methods" },
        { "DG0008", Partial, "[Differentiable] public static double F(double x) { switch (x) { [|case > 0:|] return x; default: return -x; } }", "use constant case labels" },
        { "DG0008", Partial, "[Differentiable] public static double F(double x) => [|x switch { > 0 => x, _ => -x }|];", "use arithmetic, Math functions, comparisons" },
        { "DG0007", Partial, "[Differentiable] public static double F(double x) { double[,,] [|m = new double[2, 2, 2]|]; m[0, 0, 0] = x; return x * m[0, 0, 0]; }", "a local of type 'double[,,]' is not supported" },
        // Nested differentiation: a generated tangent or gradient called where its unbound value has no stated type, or as it cannot be differentiated.
        { "DG0008", Partial, "[Differentiable] public static double G(double x) => x * x; [Differentiable] public static double F(double x) { double d = 0; return [|GGradient(x, ref d)|] + d; }", "assign its value to a typed local first" },
        { "DG0008", Partial, "[Differentiable] public static double G(double x) => x * x; [Differentiable] public static double F(double x) { double d = 0; return [|C.GGradient(x, ref d, 1.0)|] * d; }", "write the call as a statement of its own" },
        { "DG0008", Partial, "[Differentiable] public static double G(double x) => x * x; [Differentiable] public static double F(double x) { return [|GTangent(x, 1, out double t)|] * t; }", "'double value = GTangent(…);'" },
        { "DG0008", Partial, "[Differentiable] public static double G(double x) => x * x; [Differentiable] public static double F(double x) { double v = GTangent(x, 1, [|out var t|]); return v * t; }", "'out double t'" },
        { "DG0008", Partial, "[Differentiable] public static double G(double x) => x * x; [Differentiable] public static double F(double x) { [|GTangent(x, out double t)|]; return t; }", "then a tangent" },
        { "DG0008", Partial, "[Differentiable] public static double G(double x) => x * x; [Differentiable] public static double F(double x) { var v = [|GTangent(x, 1, out double t)|]; return v * t; }", "write its type: 'double value = GTangent(…);'" },
        { "DG0008", Partial, "[Differentiable] public static double G(double x, double c) => Math.Sin(c * x); [Differentiable] public static double F(double c, [NoDerivative] double[] xs) => System.Linq.Enumerable.Sum(xs, x => { double gx = 0, gc = 0; [|GGradient(x, c, ref gx, ref gc)|]; return gx; });", "a loop instead of LINQ" },
        { "DG0008", Partial, "[Differentiable] public static double G(double[] x) => x[0] * x[0]; [Differentiable] public static double F(double[] x) { double v = GTangent(x, [|x.AsSpan(0, 1)|], out double t); return v * t; }", "pass an array or span parameter" },
        { "DG0008", Partial, "[Differentiable] public static double G(double[] x) => x[0] * x[1]; [Differentiable] public static double F(double[] x) { var d = new double[2]; double v = GGradient(x, [|d|]); return v + d[0]; }", "call 'GTangent' with the direction you need" },
        { "DG0008", Partial, "[Differentiable] public static double G(double x) => x * x; [Differentiable] public static double F(double x) { double v = GTangent(x, 1, out [|x|]); return v; }", "pass the tangent to a local" },
        { "DG0008", Partial, "[Differentiable] public static double G(double x) => x * x; [Differentiable] public static float F(float x) { [|GTangent(x, 1, out double t)|]; return (float)t; }", "give 'G' this method's precision" },
        { "DG0008", Partial, "[Differentiable] public static double G(double[] x) => x[0] * x[1]; [Differentiable] public static double F(double[] x) { var h = new double[4]; return [|GHessian(x, h)|] + h[1]; }", "call 'GTangent' or 'GGradient'" },
        { "DG0008", Partial, "[Differentiable] public static double G(double x) => x * x; [Differentiable(Graph = true)] public static double [|F|](double x) { GTangent(x, 1, out double t); return t * t; }", "remove Graph = true" },
        { "DG0008", Partial, "[Differentiable] public static double G(double x) => x * x * x; [Differentiable] public static double D(double x) { GTangent(x, 1, out double t); return t; } [Differentiable] public static double F(double x) { [|DTangent(x, 1, out double t)|]; return t * t; }", "third derivative" },
        { "DG0008", Partial, "[Differentiable] public static double G(double[] x) => x[0] * x[1]; [Differentiable] public static double F(double[] x) { var v = new double[2]; var d = new double[2]; var h = new double[2]; [|GHessianVector(x, v, d, h)|]; return h[0]; }", "would be a third" },

        // DG0015: a local array refilled after a call whose pullback reads it, constant or not (it was silently the last contents).
        { "DG0015", Partial, "[Differentiable] public static double G(double[] w, [NoDerivative] double[] x) => Math.Sin(w[0] * x[0]); [Differentiable] public static double F(double[] w) { var x = new double[1]; double s = 0; for (int i = 0; i < 3; i++) { x[0] = i; s += G(w, [|x|]); } return s; }", "pass a separate local array" },
        { "DG0015", Partial, "[Differentiable] public static double G(double[] x) => x[0] * x[0] * x[1]; [Differentiable] public static double F(double[] x) { double s = 0; for (int j = 0; j < 2; j++) { var e = new double[2]; e[j] = 1; GTangent(x, [|e|], out double t); s += t * t; } return s; }", "made anew in each iteration" },
        { "DG0015", Partial, "[Differentiable] public static double G(double[] x) => x[0] * x[0] * x[1]; [Differentiable] public static double F(double[] x) { var e = new double[2]; double s = 0; for (int j = 0; j < 2; j++) { e[j] = 1; GTangent(x, [|e|], out double t); e[j] = 0; s += t * t; } return s; }", "finish writing 'e' before the call" },

        { "DG0008", "file static class Tables { public static readonly double K = 2.5; }\npublic static partial class C", "[Differentiable] public static double F(double x) => [|Tables.K|] * x;", "make the type internal" },

        // DG0016: a gradient method the user declared with the generated signature.
        { "DG0016", Partial, "[Differentiable] public static double F(double x, double[] w) => x * w[0]; public static double [|FGradient|](double x, double[] w, ref double dx, Span<double> dw, double seed) => 0;", "rename or remove it" },

        // DG0017: a file-local type cannot be extended from the generated file.
        { "DG0017", "file static partial class C", "[Differentiable] public static double [|F|](double x) => x * x;", "remove 'file'" },

        // Models as types: members the body cannot read, gradients with nowhere to go, writes into a model.
        { "DG0008", Partial, "public struct In { public double X; } public sealed class O { public readonly In Inner; } [Differentiable] public static double F(O o) => [|o.Inner.X|] * 2;", "fields that are not readonly" },
        { "DG0008", Partial, "public struct In { public double X; } public sealed class O { public In Inner { get; set; } } [Differentiable] public static double F(O o) => [|o.Inner.X|] * 2;", "fields that are not readonly" },
        { "DG0008", Partial, "public struct L { public double S; } public sealed class N { public L[] Layers = new L[1]; } [Differentiable] public static double F(N n) => [|n.Layers|][0].S;", "make L a class" },
        { "DG0008", Partial, "public sealed class L { public double S; } public sealed class N { public L[] Layers = new L[1]; } [Differentiable] public static double F(N n, int i) => [|n.Layers[i++]|].S;", "index it with a local" },
        { "DG0007", Partial, "public sealed class L { public double S; } public sealed class N { public L[] Layers = new L[1]; } [Differentiable] public static double F(N n) { var [|ls = n.Layers|]; return ls[0].S; }", "read the array through its model" },
        { "DG0008", Partial, "public sealed class L { public double S; } public sealed class N { public L[] Layers = new L[1]; } [Differentiable(Graph = true)] public static double [|F|](N n) => n.Layers[0].S;", "remove Graph = true" },
        { "DG0004", Partial, "public enum E { A, B } [Differentiable] public static double F(double x, [|E e|]) => e == E.A ? x : -x;", "cannot differentiate" },
        { "DG0008", Partial, "public enum E { A, B } static double G(E e, double x) { try { return x; } finally { } } [Differentiable] public static double F(double x) => [|G(E.A, x)|];", "takes or returns an enum" },
        { "DG0008", Partial, "static void Touch(double[] y) { } [Differentiable] public static double F(double[] x) { double[] a = x; Touch(a); [|a|] = new double[2]; return a[0] * x[0]; }", "assign local arrays that were created with new" },
        { "DG0019", "public sealed partial class M", "public double[] W = new double[2]; [Differentiable] public void [|Residuals|](double x, Span<double> r) { r[0] = W[0] * x; r[1] = W[1]; }", "make it static" },
        { "DG0008", Partial, "public sealed class L { public double S { get; init; } } public sealed class N { public L[] Layers = new L[1]; } [Differentiable] public static double F(N n) => [|n.Layers[0].S|];", "give 'S' a setter" },
        { "DG0008", Partial, "public sealed class L { public System.Collections.Generic.List<double> W = new(); } [Differentiable] public static double F(L l) => [|l.W|][0];", "double[] or float[] arrays" },
        { "DG0008", Partial, "public sealed class L { public double[] W = new double[2]; } [Differentiable] public static double F(L l, double x) { [|l.W[0]|] = x; return x; }", "copy into a local array" },
        { "DG0008", Partial, "public sealed class L { public double S; } [Differentiable] public static double F(L l, double x) { [|l.S|] = x; return x; }", "assign a local" },
        { "DG0008", Partial, "public sealed class L { public double S; } [Differentiable] public static double F(L l, L k, double x) { var m = l; [|m = k|]; return m.S * x; }", "declare a new local" },
        { "DG0007", Partial, "public sealed class L { public double S; } [Differentiable] public static double F(L l) { var [|m = new L()|]; return l.S; }", "cannot create models" },
        { "DG0007", Partial, "public sealed class L { public double[] W = new double[1]; public double Apply(double x) => W[0] * x; } public sealed class N { public L A = new(), B = new(); } [Differentiable] public static double F(N n, double x) { var [|head = x > 0 ? n.A : n.B|]; return head.Apply(x) + head.W[0]; }", "name a model the method reads" },

        // DG0009: calls the generator cannot see through.
        { "DG0009", Partial, "static T Twice<T>(T v) => v; [Differentiable] public static double F(double x) => [|Twice(x * 2)|] + 1;", "mark 'C.Twice' [Differentiable]" },
        { "DG0009", Partial, "[Differentiable] public static double F(double x) => [|Math.IEEERemainder(x, 2.0)|];", "pass only constants to it" },
        { "DG0009", Partial, "[Differentiable] public static double F(double x, double y) => y * [|Math.IEEERemainder(x, y)|];", "call it from a [CustomGradient] method whose gradient you write" },
        { "DG0009", Partial, "static extern float Half(float v); [Differentiable] public static float F(float x) => [|Half(x)|];", "mark 'C.Half' [Differentiable]" },

        // DG0014: a varied array where the callee marks the array [NoDerivative] (a scalar gets the callee's full gradient).
        { "DG0014", Partial, "[Differentiable] static double G(double x, [NoDerivative] double[] y) => x * y[0]; [Differentiable] public static double F(double[] w) => G(1.0, [|w|]);", "remove [NoDerivative] from 'y'" },
        { "DG0014", Partial, "[Differentiable] static double G(double x, [NoDerivative] double[] data) => x * data[0]; [Differentiable] public static double F(double x) { var a = new double[1]; a[0] = x; return G(x, [|a|]); }", "write the computation inline" },

        { "DG0014", Partial, "[CustomGradient] static double G(double x, [NoDerivative] double c) => x * c; static double GGradient(double x, double c, ref double dx, double seed = 1.0) { dx += seed * c; return x * c; } [Differentiable] public static double F(double w) => G(w, [|w * 2|]);", "give 'GGradient' the output 'ref double dc'" },

        // DG0015: a local array written after a call that reads it (the pullback needs the old values).
        { "DG0015", Partial, "[Differentiable] static double Sq(double[] a) => a[0] * a[0]; [Differentiable] public static double F(double x) { var a = new double[1]; a[0] = x; double s = Sq([|a|]); a[0] = 3 * x; return s + a[0]; }", "pass a separate local array" },
        { "DG0015", Partial, "[Differentiable] static double Sq(double[] a) => a[0] * a[0]; [Differentiable] public static double F(double x) { var a = new double[1]; double s = 0; for (int i = 0; i < 3; i++) { a[0] = x * i; s += Sq([|a|]); } return s; }", "finish writing 'a' before the call" },

        // DG0019: vector-valued methods (void with outputs, or returning a new array) in a form their product cannot take.
        { "DG0019", Partial, "[Differentiable] public static void [|F|](int n) { }", "write its results into a Span<double> or double[] parameter" },
        { "DG0019", Partial, "[Differentiable] public static void [|F|](double x, double[] w) { double s = x * w[0]; }", "without [NoDerivative]" },
        { "DG0019", Partial, "[Differentiable] public static void [|F|](double x, [NoDerivative] Span<double> scratch) { scratch[0] = x; }", "a [NoDerivative] one is scratch, not an output" },
        { "DG0019", Partial, "[Differentiable] public static void F(double x, Span<double> r, [|int[] counts|]) { r[0] = x; counts[0] = 1; }", "compute integer results in a separate method" },
        { "DG0019", Partial, "[Differentiable] public static double[] F(double x) { [|if (x > 0) return new[] { x };|] return new[] { -x }; }", "end the method with its only return" },
        { "DG0019", Partial, "[Differentiable] public static double[] F(double[] w) => [|w|];", "copy an input into one first" },
        { "DG0019", Partial, "static readonly double[] Table = { 1, 2 }; [Differentiable] public static double[] F(double x) { var t = Table; return [|t|]; }", "return a local array the method allocates" },

        // DG0022: a [CustomGradient] method's own tangent and Hessian-vector product, declared otherwise than DiffGen calls them.
        { "DG0022", Partial, "[CustomGradient] public static double F(double x) => x * x; public static double FGradient(double x, ref double dx, double seed = 1.0) { dx += seed * 2 * x; return x * x; } public static double [|FTangent|](double x, double tx, out float tangent) { tangent = (float)(2 * x * tx); return x * x; } public static double FHessianVector(double x, double vx, ref double dx, ref double hx, double seed) { dx += seed * 2 * x; hx += seed * 2 * vx; return x * x; }", "declare it exactly as 'public static double FTangent(double x, double tx, out double tangent)'" },
        { "DG0022", Partial, "[CustomGradient] public static double F(double[] w) => w[0] * w[0]; public static double FGradient(double[] w, Span<double> dw, double seed = 1.0) { dw[0] += seed * 2 * w[0]; return w[0] * w[0]; } public static double [|FTangent|](double[] w, ReadOnlySpan<double> tw, out double tangent) { tangent = 2 * w[0] * tw[0]; return w[0] * w[0]; }", "'public static double FHessianVector(double[] w, ReadOnlySpan<double> vw, Span<double> dw, Span<double> hw, double seed)'" },

        // DG0020: a [CustomGradient] method's own gradient, missing or not declared as DiffGen would have generated it.
        { "DG0020", Partial, "[CustomGradient] public static double [|Softplus|](double x) => Math.Log(1 + Math.Exp(x));", "declare it exactly as 'public static double SoftplusGradient(double x, ref double dx, double seed = 1.0)'" },
        { "DG0020", Partial, "[CustomGradient] public static double F(double[] w, int n) => w[0] * n; public static double FGradient(double[] w, int n, [|ref double dw|], double seed = 1.0) => 0;", "must be 'Span<double> dw'" },
        { "DG0020", Partial, "[CustomGradient] public static float F(float x) => x; public static [|double|] FGradient(float x, ref float dx, float seed = 1f) => 0;", "must return the value of 'F', a 'float'" },
        { "DG0020", Partial, "[CustomGradient] public static double F(double x, [NoDerivative] double c) => x * c; public static double FGradient(double x, double c, ref double dx, [|ref double dc|], double seed = 1.0) => 0;", "must be 'double seed = 1.0'" },

        // DG0021: a [CustomGradient] method DiffGen cannot call through its gradient.
        { "DG0021", Partial, "[[|Differentiable|], CustomGradient] public static double F(double x) => x;", "keep [CustomGradient] to write 'FGradient' yourself" },
        { "DG0021", Partial, "[CustomGradient] public static [|int|] F(double x) => 1;", "return double or float" },
        { "DG0021", Partial, "[CustomGradient] public static double F(double x, [|System.Collections.Generic.List<double> xs|]) => x;", "use double, float, double[]" },
        { "DG0021", Partial, "[CustomGradient] public static double F([|out double x|]) { x = 1; return x; }", "by value" },

        // DG0011, DG0012: generic methods, no body.
        { "DG0011", Partial, "[Differentiable] public static double F[|<T>|](double x) => x;", "one non-generic method per precision" },
        { "DG0011", Partial, "[Differentiable] public static float F[|<T, U>|](float x) where T : struct => x;", "one non-generic method per precision" },
        { "DG0012", Partial, "[Differentiable] public static extern double [|F|](double x);", "give it a block or expression body" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void ReportsItsDiagnosticAtTheExactSpanWithAdvice(string id, string type, string members, string advice)
    {
        var start = members.IndexOf("[|", StringComparison.Ordinal);
        var end = members.IndexOf("|]", StringComparison.Ordinal) - 2;
        Assert.True(start >= 0 && end >= start, "mark the expected span with [| |]");
        var prefix = Prelude + type + "\n{\n    ";
        var source = prefix + members.Replace("[|", string.Empty, StringComparison.Ordinal).Replace("|]", string.Empty, StringComparison.Ordinal) + "\n}\n";

        var (result, _) = GeneratorHarness.Run(source);
        Assert.Null(result.Exception);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(members[(start + 2)..(end + 2)], source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
        Assert.Equal(prefix.Length + start, diagnostic.Location.SourceSpan.Start);
        var message = diagnostic.GetMessage();
        Assert.Contains(advice, message, StringComparison.Ordinal);
        Assert.Contains("; ", message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheTableCoversEveryUserFacingDiagnosticWithAtLeastFiftyRows()
    {
        var ids = new HashSet<string>();
        foreach (var row in Rows)
        {
            ids.Add((string)row[0]);
        }

        Assert.True(Rows.Count >= 50, $"{Rows.Count} rows");
        Assert.Equal(new[] { "DG0001", "DG0002", "DG0003", "DG0004", "DG0005", "DG0006", "DG0007", "DG0008", "DG0009", "DG0011", "DG0012", "DG0014", "DG0015", "DG0016", "DG0017", "DG0019", "DG0020", "DG0021", "DG0022" }, ids.Order(StringComparer.Ordinal));
    }
}
