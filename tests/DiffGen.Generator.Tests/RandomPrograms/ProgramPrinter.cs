using System;
using System.Globalization;
using System.Linq;
using System.Text;

namespace DiffGen.Generator.Tests.RandomPrograms;

/// <summary>
/// Writes a <see cref="RandomProgram"/> as C#: a partial class <c>P{id}</c> with the [Differentiable]
/// method <c>F</c> and its helpers, their dual-number twins (<c>FDual</c>), for float programs a double
/// twin (<c>FTwin</c>, the same function in double for finite differences), and a harness with
/// array-in, array-out entry points (<c>Value</c>, <c>Gradient</c>, <c>Tangent</c>, <c>Twin</c>) that a
/// test calls through delegates.
/// </summary>
public static class ProgramPrinter
{
    private enum Dialect
    {
        Original,
        Dual,
        Twin,

        // A float program's double twin as dual numbers: the double program's exact derivative, to tell float
        // conditioning of a derivative from a wrong one.
        TwinDual,
    }

    public static string ClassName(RandomProgram program) => "P" + program.Id;

    /// <summary>The program's source; with <paramref name="originalOnly"/> only the [Differentiable] methods (a rejected shape has no twins).</summary>
    /// <param name="graphs">Every [Differentiable] method also gets its graph method (<c>Graph = true</c>), and the harness a <c>GraphAdjoints</c> entry.</param>
    public static string Print(RandomProgram program, bool originalOnly = false, bool graphs = false)
    {
        var t = program.IsFloat ? "float" : "double";
        var dual = $"Dual<{t}>";
        var sb = new StringBuilder();
        sb.Append("public static partial class ").Append(ClassName(program)).Append("\n{\n");
        sb.Append("    private static readonly ").Append(t).Append("[] C = { ")
          .Append(string.Join(", ", program.ConstantValues.Select(v => Literal(v, program.IsFloat)))).Append(" };\n\n");

        foreach (var dialect in new[] { Dialect.Original, Dialect.Dual, Dialect.Twin, Dialect.TwinDual })
        {
            if (dialect is Dialect.Twin or Dialect.TwinDual && !program.IsFloat || dialect != Dialect.Original && originalOnly)
            {
                continue;
            }

            var printer = new Writer(program, dialect, graphs);
            foreach (var helper in program.Helpers)
            {
                printer.Helper(sb, helper);
            }

            printer.Main(sb);
        }

        if (!originalOnly)
        {
            Harness(sb, program, t, dual);
            if (graphs)
            {
                GraphHarness(sb, program, t);
            }
        }

        sb.Append("}\n");
        return sb.ToString();
    }

    private static void Harness(StringBuilder sb, RandomProgram program, string t, string dual)
    {
        var scalars = Enumerable.Range(0, program.Scalars).ToList();
        string Arguments(Func<int, string> scalar, string weights, string constants) =>
            string.Join(", ", scalars.Select(scalar)
                .Concat(program.HasWeights ? [weights] : [])
                .Concat(program.HasConstants ? [constants] : [])
                .Append(program.N.ToString(CultureInfo.InvariantCulture)));
        var w0 = program.Scalars;

        sb.Append("    public static double Value(double[] v)\n    {\n");
        sb.Append("        var w = new ").Append(t).Append("[4];\n");
        sb.Append("        for (int j = 0; j < 4 && ").Append(program.HasWeights ? "true" : "false").Append("; j++) w[j] = (").Append(t).Append(")v[").Append(w0).Append(" + j];\n");
        sb.Append("        return ").Append(Call(program, "F", i => $"({t})v[{i}]", "C")).Append(");\n    }\n\n");

        sb.Append("    public static double Gradient(double[] v, double[] g)\n    {\n");
        sb.Append("        var w = new ").Append(t).Append("[4];\n");
        sb.Append("        for (int j = 0; j < 4 && ").Append(program.HasWeights ? "true" : "false").Append("; j++) w[j] = (").Append(t).Append(")v[").Append(w0).Append(" + j];\n");
        sb.Append("        var dw = new ").Append(t).Append("[4];\n");
        foreach (var i in scalars.Where(_ => !program.AsModel))
        {
            sb.Append("        ").Append(t).Append(" d").Append(i).Append(" = 0;\n");
        }

        if (program.AsModel)
        {
            // The gradient model: a same-shaped M whose fields receive the gradient.
            sb.Append("        var dm = new M()").Append(program.WeightsInArray ? " { parts = new[] { new Part(), new Part { w = dw } } }" : program.WeightsInNullable ? " { inner = new Part { w = dw } }" : program.HasWeights ? " { w = dw }" : string.Empty).Append(";\n");
            sb.Append("        double value = ").Append(Call(program, "FGradient", i => $"({t})v[{i}]", "C")).Append(", dm);\n");
            foreach (var i in scalars)
            {
                sb.Append("        g[").Append(i).Append("] = dm.x").Append(i).Append(";\n");
            }
        }
        else
        {
            var outputs = scalars.Select(i => $"ref d{i}").Concat(program.HasWeights ? ["dw"] : []);
            sb.Append("        double value = FGradient(").Append(Arguments(i => $"({t})v[{i}]", "w", "C")).Append(", ").Append(string.Join(", ", outputs)).Append(");\n");
            foreach (var i in scalars)
            {
                sb.Append("        g[").Append(i).Append("] = d").Append(i).Append(";\n");
            }
        }

        sb.Append("        for (int j = 0; j < 4 && ").Append(program.HasWeights ? "true" : "false").Append("; j++) g[").Append(w0).Append(" + j] = dw[j];\n");
        sb.Append("        return value;\n    }\n\n");

        sb.Append("    public static double Tangent(double[] v, int k)\n    {\n");
        sb.Append("        var w = new ").Append(dual).Append("[4];\n");
        sb.Append("        for (int j = 0; j < 4 && ").Append(program.HasWeights ? "true" : "false").Append("; j++) w[j] = new ").Append(dual).Append("((").Append(t).Append(")v[").Append(w0).Append(" + j], k == ").Append(w0).Append(" + j ? 1 : 0);\n");
        sb.Append("        return FDual(").Append(Arguments(i => $"new {dual}(({t})v[{i}], k == {i} ? 1 : 0)", "w", "C")).Append(").Derivative;\n    }\n\n");

        VectorHarness(sb, program, t, dual);

        sb.Append("    public static double Twin(double[] v)\n    {\n");
        if (program.IsFloat)
        {
            sb.Append("        var w = new double[4];\n");
            sb.Append("        for (int j = 0; j < 4 && ").Append(program.HasWeights ? "true" : "false").Append("; j++) w[j] = v[").Append(w0).Append(" + j];\n");
            sb.Append("        return FTwin(").Append(Arguments(i => $"v[{i}]", "w", "Array.ConvertAll(C, x => (double)x)")).Append(");\n");
        }
        else
        {
            sb.Append("        return Value(v);\n");
        }

        sb.Append("    }\n\n");

        // The double twin's derivative along input k, by dual numbers (a double program's is its Tangent).
        sb.Append("    public static double TwinTangent(double[] v, int k)\n    {\n");
        if (program.IsFloat)
        {
            sb.Append("        var w = new Dual<double>[4];\n");
            sb.Append("        for (int j = 0; j < 4 && ").Append(program.HasWeights ? "true" : "false").Append("; j++) w[j] = new Dual<double>(v[").Append(w0).Append(" + j], k == ").Append(w0).Append(" + j ? 1 : 0);\n");
            sb.Append("        return FTwinDual(").Append(Arguments(i => $"new Dual<double>(v[{i}], k == {i} ? 1 : 0)", "w", "Array.ConvertAll(C, x => (double)x)")).Append(").Derivative;\n");
        }
        else
        {
            sb.Append("        return Tangent(v, k);\n");
        }

        sb.Append("    }\n");
    }

    // A call of F's original or its gradient (without the outputs' closing): on a model M built from v when the program is one.
    private static string Call(RandomProgram program, string method, Func<int, string> scalar, string constants)
    {
        var rest = (program.HasConstants ? [constants] : Array.Empty<string>()).Append(program.N.ToString(CultureInfo.InvariantCulture));
        if (!program.AsModel)
        {
            return method + "(" + string.Join(", ", Enumerable.Range(0, program.Scalars).Select(scalar).Concat(program.HasWeights ? ["w"] : []).Concat(rest));
        }

        return ModelOf(program, scalar, "w") + "." + method + "(" + string.Join(", ", rest);
    }

    // A model M whose fields are these scalars and weights (w, or the second part's w).
    private static string ModelOf(RandomProgram program, Func<int, string> scalar, string weights)
    {
        var fields = Enumerable.Range(0, program.Scalars).Select(i => "x" + i + " = " + scalar(i))
            .Concat(program.WeightsInArray ? ["parts = new[] { new Part(), new Part { w = " + weights + " } }"]
                : program.WeightsInNullable ? ["inner = new Part { w = " + weights + " }"]
                : program.HasWeights ? ["w = " + weights] : []);
        return "new M { " + string.Join(", ", fields) + " }";
    }

    /// <summary>
    /// The entry points of forward mode's methods, in a file of their own (added only when the generator wrote
    /// <c>FTangent</c>, which it does for the forms forward mode takes): the tangent along a direction, and the
    /// Hessian-vector product with the gradient beside it, array in, array out.
    /// </summary>
    public static string ForwardHarness(RandomProgram program)
    {
        var t = program.IsFloat ? "float" : "double";
        var w0 = program.Scalars;
        var scalars = Enumerable.Range(0, program.Scalars).ToList();
        string Inputs(string weights) => string.Join(", ", scalars.Select(i => $"({t})v[{i}]")
            .Concat(program.HasWeights ? [weights] : [])
            .Concat(program.HasConstants ? ["C"] : [])
            .Append(program.N.ToString(CultureInfo.InvariantCulture)));
        string Directions(string weights) => string.Join(", ", scalars.Select(i => $"({t})u[{i}]").Concat(program.HasWeights ? [weights] : []));
        string Weights(string name, string from) =>
            $"        var {name} = new {t}[4];\n        for (int j = 0; j < 4 && {(program.HasWeights ? "true" : "false")}; j++) {name}[j] = ({t}){from}[{w0} + j];\n";

        var sb = new StringBuilder();
        sb.Append("public static partial class ").Append(ClassName(program)).Append("\n{\n");
        sb.Append("    public static double ForwardTangent(double[] v, double[] u)\n    {\n");
        sb.Append(Weights("w", "v")).Append(Weights("tw", "u"));
        if (program.AsModel)
        {
            // The instance method's tangent takes a model of tangents: the same M built from u.
            sb.Append("        ").Append(Call(program, "FTangent", i => $"({t})v[{i}]", "C")).Append(", ").Append(ModelOf(program, i => $"({t})u[{i}]", "tw")).Append(", out var tangent);\n");
        }
        else
        {
            sb.Append("        FTangent(").Append(Inputs("w")).Append(", ").Append(Directions("tw")).Append(", out var tangent);\n");
        }

        sb.Append("        return tangent;\n    }\n\n");

        sb.Append("    public static double ForwardHessianVector(double[] v, double[] u, double[] g, double[] h)\n    {\n");
        sb.Append(Weights("w", "v")).Append(Weights("vw", "u"));
        sb.Append("        var dw = new ").Append(t).Append("[4];\n        var hw = new ").Append(t).Append("[4];\n");
        if (program.AsModel)
        {
            // Direction, gradient and H·v are models too; the gradient and product models start at zero.
            sb.Append("        var dm = ").Append(ModelOf(program, _ => "0", "dw")).Append(";\n");
            sb.Append("        var hm = ").Append(ModelOf(program, _ => "0", "hw")).Append(";\n");
            sb.Append("        double value = ").Append(Call(program, "FHessianVector", i => $"({t})v[{i}]", "C")).Append(", ").Append(ModelOf(program, i => $"({t})u[{i}]", "vw")).Append(", dm, hm);\n");
            foreach (var i in scalars)
            {
                sb.Append("        g[").Append(i).Append("] = dm.x").Append(i).Append("; h[").Append(i).Append("] = hm.x").Append(i).Append(";\n");
            }
        }
        else
        {
            foreach (var i in scalars)
            {
                sb.Append("        ").Append(t).Append(" d").Append(i).Append(" = 0, h").Append(i).Append(" = 0;\n");
            }

            var outputs = scalars.Select(i => $"ref d{i}").Concat(program.HasWeights ? ["dw"] : [])
                .Concat(scalars.Select(i => $"ref h{i}")).Concat(program.HasWeights ? ["hw"] : []);
            sb.Append("        double value = FHessianVector(").Append(Inputs("w")).Append(", ").Append(Directions("vw")).Append(", ").Append(string.Join(", ", outputs)).Append(");\n");
            foreach (var i in scalars)
            {
                sb.Append("        g[").Append(i).Append("] = d").Append(i).Append("; h[").Append(i).Append("] = h").Append(i).Append(";\n");
            }
        }

        sb.Append("        for (int j = 0; j < 4 && ").Append(program.HasWeights ? "true" : "false").Append("; j++) { g[").Append(w0).Append(" + j] = dw[j]; h[").Append(w0).Append(" + j] = hw[j]; }\n");
        sb.Append("        return value;\n    }\n}\n");
        return sb.ToString();
    }

    // Each [Differentiable] helper returning an array is vector-valued: its generated Jacobian, the same Jacobian by dual
    // numbers (one helper evaluation per column), and its generated vector-Jacobian product with a fixed seed, at
    // scalars taken from the point. Three arrays per helper, row-major 4 × k Jacobians.
    private static void VectorHarness(StringBuilder sb, RandomProgram program, string t, string dual)
    {
        sb.Append("    public static double[][] VectorHelpers(double[] v)\n    {\n");
        sb.Append("        var result = new System.Collections.Generic.List<double[]>();\n");
        foreach (var helper in program.Helpers.Where(h => h.Marked && h.Returns == HelperResult.Array && h.Parameters.All(p => p.Kind == ParameterKind.Scalar)))
        {
            var k = helper.Parameters.Count;
            var scalars = Enumerable.Range(0, k).Select(i => $"({t})v[{i} % v.Length]").ToList();
            sb.Append("        {\n");
            sb.Append("            var jacobian = new ").Append(t).Append("[4 * ").Append(k).Append("];\n");
            sb.Append("            ").Append(helper.Name).Append("Jacobian(").Append(string.Join(", ", scalars)).Append(", jacobian);\n");
            sb.Append("            var duals = new double[4 * ").Append(k).Append("];\n");
            sb.Append("            for (int column = 0; column < ").Append(k).Append("; column++)\n            {\n");
            sb.Append("                var d = ").Append(helper.Name).Append("Dual(")
              .Append(string.Join(", ", Enumerable.Range(0, k).Select(i => $"new {dual}({scalars[i]}, column == {i} ? 1 : 0)"))).Append(");\n");
            sb.Append("                for (int row = 0; row < 4; row++) duals[row * ").Append(k).Append(" + column] = d[row].Derivative;\n");
            sb.Append("            }\n");
            sb.Append("            ").Append(t).Append(' ').Append(string.Join(", ", Enumerable.Range(0, k).Select(i => $"d{i} = 0"))).Append(";\n");
            sb.Append("            ").Append(helper.Name).Append("Gradient(").Append(string.Join(", ", scalars.Concat(Enumerable.Range(0, k).Select(i => $"ref d{i}"))))
              .Append(", new ").Append(t).Append("[] { 1, -2, 0.5").Append(program.IsFloat ? "f" : string.Empty).Append(", 3 });\n");
            // Forward mode's Jacobian-vector product along u = cos(1.7j + 0.3).
            sb.Append("            ").Append(helper.Name).Append("Tangent(").Append(string.Join(", ", scalars.Concat(Enumerable.Range(0, k).Select(i => $"({t})Math.Cos(1.7 * {i} + 0.3)")))).Append(", out var jvp);\n");
            sb.Append("            result.Add(Array.ConvertAll(jacobian, x => (double)x));\n");
            sb.Append("            result.Add(duals);\n");
            sb.Append("            result.Add(new double[] { ").Append(string.Join(", ", Enumerable.Range(0, k).Select(i => $"d{i}"))).Append(" });\n");
            sb.Append("            result.Add(Array.ConvertAll(jvp, x => (double)x));\n");
            sb.Append("        }\n");
        }

        sb.Append("        return result.ToArray();\n    }\n\n");
    }

    // The adjoints the graph method drew for the inputs, in the gradient's order, with calls expanded and loops unrolled as asked.
    private static void GraphHarness(StringBuilder sb, RandomProgram program, string t)
    {
        var w0 = program.Scalars;
        if (program.WeightsInArray || program.WeightsInNullable)
        {
            sb.Append("\n    public static double[] GraphAdjoints(double[] v, int expand, int unroll) => throw new NotSupportedException(\"no graph compared for a method reading a nested part\");\n");
            return;
        }

        sb.Append("\n    public static double[] GraphAdjoints(double[] v, int expand, int unroll)\n    {\n");
        sb.Append("        var w = new ").Append(t).Append("[4];\n");
        sb.Append("        for (int j = 0; j < 4 && ").Append(program.HasWeights ? "true" : "false").Append("; j++) w[j] = (").Append(t).Append(")v[").Append(w0).Append(" + j];\n");
        sb.Append("        var graph = ").Append(Call(program, "FGraph", i => $"({t})v[{i}]", "C")).Append(", new GraphOptions { ExpandCalls = expand, UnrollIterations = unroll });\n");
        sb.Append("        _ = graph.ToDot();\n");
        sb.Append("        var g = new double[").Append(program.Inputs).Append("];\n");
        // A model's members are drawn only when read; an unread one has adjoint 0.
        sb.Append("        for (int i = 0; i < ").Append(program.Scalars).Append("; i++) g[i] = ")
          .Append(program.AsModel ? "System.Linq.Enumerable.FirstOrDefault(graph.Nodes, node => node.Name == \"x\" + i)?.Adjoint ?? 0" : "graph.Node(\"x\" + i).Adjoint").Append(";\n");
        sb.Append("        for (int j = 0; j < 4 && ").Append(program.HasWeights ? "true" : "false").Append("; j++) g[").Append(w0).Append(" + j] = ")
          .Append(program.AsModel ? "System.Linq.Enumerable.FirstOrDefault(graph.Nodes, node => node.Name == \"w\")?.ElementAdjoints![j] ?? 0" : "graph.Node(\"w\").ElementAdjoints![j]").Append(";\n");
        sb.Append("        return g;\n    }\n");
    }

    /// <summary>A literal of the program's precision, never an integer literal (2 / 3 would divide integers) and parenthesized when negative.</summary>
    private static string Literal(double value, bool isFloat)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        if (!text.Contains('.') && !text.Contains('E'))
        {
            text += ".0";
        }

        text += isFloat ? "f" : string.Empty;
        return double.IsNegative(value) ? "(" + text + ")" : text;
    }

    private sealed class Writer(RandomProgram program, Dialect dialect, bool graphs)
    {
        private readonly bool _float = program.IsFloat && dialect is not (Dialect.Twin or Dialect.TwinDual);

        private readonly bool _dual = dialect is Dialect.Dual or Dialect.TwinDual;

        private string Scalar => _dual ? $"Dual<{Plain}>" : Plain;

        private string Suffix => dialect switch
        {
            Dialect.Dual => "Dual",
            Dialect.Twin => "Twin",
            Dialect.TwinDual => "TwinDual",
            _ => string.Empty,
        };

        private string Plain => _float ? "float" : "double";

        public void Helper(StringBuilder sb, Helper helper)
        {
            sb.Append(dialect == Dialect.Original && helper.Marked ? (graphs && helper.Returns == HelperResult.Scalar ? "    [Differentiable(Graph = true)]\n" : "    [Differentiable]\n") : string.Empty);
            var returns = helper.Returns switch
            {
                HelperResult.Array => Scalar + "[]",
                HelperResult.Tuple => "(" + Scalar + ", " + Scalar + ")",
                _ => Scalar,
            };
            var result = helper.Returns == HelperResult.Tuple ? "(" + Expression(helper.Result) + ", " + Expression(helper.Second!) + ")" : Expression(helper.Result);
            sb.Append("    public static ").Append(returns).Append(' ').Append(helper.Name).Append(Suffix).Append('(')
              .Append(string.Join(", ", helper.Parameters.Select(p => Parameter(p, helper.Marked)))).Append(')');
            if (helper.Body.Count == 0)
            {
                sb.Append(" =>\n        ").Append(result).Append(";\n\n");
                return;
            }

            sb.Append("\n    {\n");
            foreach (var statement in helper.Body)
            {
                Statement(sb, statement, 2);
            }

            sb.Append("        return ").Append(result).Append(";\n    }\n\n");
        }

        // A [NoDerivative] scalar is a plain number in the original and a dual number in the twin, so that a varied
        // value passed to it carries its derivative there: DiffGen's full gradient must give the same.
        // An unmarked helper takes its array as a span: callers may pass a slice (x.AsSpan(a, b)).
        private string Parameter(HelperParameter parameter, bool marked) => parameter.Kind switch
        {
            ParameterKind.Array when !marked => "ReadOnlySpan<" + Scalar + "> " + parameter.Name,
            ParameterKind.Array => Scalar + "[] " + parameter.Name,
            ParameterKind.Constant => dialect == Dialect.Original ? "[NoDerivative] " + Plain + " " + parameter.Name : Scalar + " " + parameter.Name,
            ParameterKind.ConstantArray => (dialect == Dialect.Original ? "[NoDerivative] " + Plain : Scalar) + "[] " + parameter.Name,
            _ => Scalar + " " + parameter.Name,
        };

        public void Main(StringBuilder sb)
        {
            var parameters = Enumerable.Range(0, program.Scalars).Select(i => $"{Scalar} x{i}").ToList();
            if (program.HasWeights)
            {
                parameters.Add(Scalar + "[] w");
            }

            if (program.HasConstants)
            {
                parameters.Add((dialect == Dialect.Original ? "[NoDerivative] " : string.Empty) + Plain + "[] c");
            }

            parameters.Add("int n");
            var model = dialect == Dialect.Original && program.AsModel;
            if (model)
            {
                // The scalars and w are the fields of a model class, and F its instance method: the body reads them as written.
                sb.Append("    public sealed partial class M\n    {\n");
                foreach (var i in Enumerable.Range(0, program.Scalars))
                {
                    sb.Append("        public ").Append(Scalar).Append(" x").Append(i).Append(program.InitOnly ? " { get; init; }\n" : ";\n");
                }

                if (program.EnumMode)
                {
                    sb.Append("        public Mode mode = Mode.On;\n");
                }

                if (program.WeightsInArray)
                {
                    // w is a member of the second element of an array of models; the body reads it as parts[1].w.
                    sb.Append("        public Part[] parts = { new Part(), new Part() };\n");
                }
                else if (program.WeightsInNullable)
                {
                    // w is a member of a nested part annotated nullable; the body reads it as inner!.w.
                    sb.Append("        public Part? inner = new Part();\n");
                }
                else if (program.HasWeights)
                {
                    sb.Append("        public ").Append(Scalar).Append("[] w = new ").Append(Scalar).Append("[").Append(RandomProgram.ArrayLength).Append("];\n");
                }

                sb.Append('\n');
                parameters.RemoveAll(p => p.StartsWith(Scalar + " x", StringComparison.Ordinal) || p == Scalar + "[] w");
            }

            // A method reading an array of models has no graph method (DG0008): the graph check skips it.
            sb.Append(dialect == Dialect.Original ? (graphs && !program.WeightsInArray && !program.WeightsInNullable ? "    [Differentiable(Graph = true)]\n" : "    [Differentiable]\n") : string.Empty);
            var bodyStart = sb.Length;
            sb.Append(model ? "    public " : "    public static ").Append(Scalar).Append(" F").Append(Suffix).Append('(').Append(string.Join(", ", parameters)).Append(")\n    {\n");
            foreach (var array in program.LocalArrays)
            {
                // The dual twin's span lives on the heap: its elements are structs, and what matters is the same indexing.
                var (type, allocation) = !array.IsSpan ? (Scalar + "[]", "new")
                    : _dual ? ("Span<" + Scalar + ">", "new")
                    : ("Span<" + Scalar + ">", "stackalloc");
                sb.Append("        ").Append(type).Append(' ').Append(array.Name).Append(" = ").Append(allocation).Append(' ').Append(Scalar)
                  .Append('[').Append(RandomProgram.ArrayLength).Append("];\n");
            }

            if (model && program.EnumMode)
            {
                // mode is On: the switch never returns early, and the factor is exactly 1 (the dual twin has neither).
                sb.Append("        switch (mode)\n        {\n            case Mode.Off:\n                return 0;\n            default:\n                break;\n        }\n\n");
            }

            foreach (var statement in program.Body)
            {
                Statement(sb, statement, 2);
            }

            sb.Append("        return ").Append(model && program.EnumMode ? "(mode == Mode.On ? 1 : 2) * (" + Expression(program.Result) + ")" : Expression(program.Result)).Append(";\n    }\n\n");
            if (model && (program.WeightsInArray || program.WeightsInNullable))
            {
                // Every use of w in F's text, as an array of models' element's member or the nullable part's.
                var text = System.Text.RegularExpressions.Regex.Replace(sb.ToString(bodyStart, sb.Length - bodyStart), @"(?<![\w.])w\b", program.WeightsInArray ? "parts[1].w" : "inner!.w");
                sb.Length = bodyStart;
                sb.Append(text);
            }

            if (model)
            {
                sb.Append("    }\n\n");
            }

            if (model && (program.WeightsInArray || program.WeightsInNullable))
            {
                sb.Append("    public sealed class Part\n    {\n        public ").Append(Scalar).Append("[] w = new ").Append(Scalar).Append("[").Append(RandomProgram.ArrayLength).Append("];\n    }\n\n");
            }

            if (model && program.EnumMode)
            {
                sb.Append("    public enum Mode\n    {\n        Off,\n        On,\n    }\n\n");
            }
        }

        private void Statement(StringBuilder sb, Stmt statement, int indent)
        {
            var pad = new string(' ', 4 * indent);
            switch (statement)
            {
                case Declare d:
                    sb.Append(pad).Append(Scalar).Append(' ').Append(d.Name).Append(" = ").Append(Expression(d.Value)).Append(";\n");
                    break;
                case LocalFunction f:
                    sb.Append(pad).Append(Scalar).Append(' ').Append(f.Name).Append('(').Append(Scalar).Append(' ').Append(f.Parameter).Append(")\n");
                    Block(sb, [.. f.Body, new Return(f.Result)], indent);
                    break;
                case DeclareMatrix m:
                    sb.Append(pad).Append("var ").Append(m.Name).Append(" = new ").Append(Scalar).Append("[2, 3];\n");
                    break;
                case DeclareArray a:
                    sb.Append(pad).Append("var ").Append(a.Name).Append(" = new ").Append(Scalar).Append('[').Append(a.Length).Append("];\n");
                    break;
                case DeclareArrayFrom a:
                    sb.Append(pad).Append("var ").Append(a.Name).Append(" = ").Append(Expression(a.Call)).Append(";\n");
                    break;
                case SwapArrays w:
                    sb.Append(pad).Append('(').Append(w.First).Append(", ").Append(w.Second).Append(") = (").Append(w.Second).Append(", ").Append(w.First).Append(");\n");
                    break;
                case DeconstructCall t:
                    sb.Append(pad).Append("var (").Append(t.First).Append(", ").Append(t.Second).Append(") = ").Append(Expression(t.Call)).Append(";\n");
                    break;
                case Assign a:
                    sb.Append(pad).Append(a.Name).Append(' ').Append(a.Op).Append(' ').Append(Expression(a.Value)).Append(";\n");
                    break;
                case ElementWrite e:
                    sb.Append(pad).Append(e.Array).Append('[').Append(e.Index).Append("] ").Append(e.Op).Append(' ').Append(Expression(e.Value)).Append(";\n");
                    break;
                case If i:
                    sb.Append(pad).Append("if ").Append(Test(i.Test)).Append('\n');
                    Block(sb, i.Then, indent);
                    if (i.Else is { } otherwise)
                    {
                        sb.Append(pad).Append("else\n");
                        Block(sb, otherwise, indent);
                    }

                    break;
                case BlockStatement b:
                    Block(sb, b.Body, indent);
                    break;
                case For f:
                    sb.Append(pad).Append(ForHeader(f)).Append('\n');
                    Block(sb, f.Body, indent);
                    break;
                case While w:
                    sb.Append(pad).Append("int ").Append(w.Counter).Append(" = 0;\n");
                    sb.Append(pad).Append("while (").Append(w.Counter).Append(" < ").Append(w.Trips).Append(")\n");
                    Block(sb, [.. w.Body, new Assign(w.Counter, "++", new Lit(0))], indent);
                    break;
                case DoWhile d:
                    sb.Append(pad).Append("int ").Append(d.Counter).Append(" = 0;\n");
                    sb.Append(pad).Append("do\n");
                    Block(sb, d.IncrementInCondition ? d.Body : [.. d.Body, new Assign(d.Counter, "++", new Lit(0))], indent);
                    sb.Append(pad).Append("while (").Append(d.IncrementInCondition ? "++" + d.Counter : d.Counter).Append(" < ").Append(d.Trips).Append(");\n");
                    break;
                case Foreach f:
                    sb.Append(pad).Append("foreach (var ").Append(f.Variable).Append(" in ").Append(f.Array).Append(")\n");
                    Block(sb, f.Body, indent);
                    break;
                case Switch s:
                    sb.Append(pad).Append("switch (").Append(s.Subject).Append(")\n").Append(pad).Append("{\n");
                    foreach (var section in s.Sections)
                    {
                        foreach (var label in section.Labels)
                        {
                            sb.Append(pad).Append("    case ").Append(label).Append(":\n");
                        }

                        Section(sb, section.Body, indent + 1);
                    }

                    if (s.Default is { } fallback)
                    {
                        sb.Append(pad).Append("    default:\n");
                        Section(sb, fallback, indent + 1);
                    }

                    sb.Append(pad).Append("}\n");
                    break;
                case Return r:
                    sb.Append(pad).Append("return ").Append(Expression(r.Value)).Append(";\n");
                    break;
                case BreakIf b:
                    sb.Append(pad).Append("if ").Append(Test(b.Test)).Append(" break;\n");
                    break;
                case ContinueIf c:
                    sb.Append(pad).Append("if ").Append(Test(c.Test)).Append(" continue;\n");
                    break;
                case ReturnIf r:
                    sb.Append(pad).Append("if ").Append(Test(r.Test)).Append(" return ").Append(Expression(r.Value)).Append(";\n");
                    break;
                default:
                    throw new InvalidOperationException(statement.ToString());
            }
        }

        // A braced block; inside is a last line written before the closing brace (a section's own break).
        private void Block(StringBuilder sb, System.Collections.Generic.IEnumerable<Stmt> statements, int indent, string? inside = null)
        {
            var pad = new string(' ', 4 * indent);
            sb.Append(pad).Append("{\n");
            foreach (var statement in statements)
            {
                if (statement is Assign { Op: "++" } increment)
                {
                    sb.Append(pad).Append("    ").Append(increment.Name).Append("++;\n");
                    continue;
                }

                Statement(sb, statement, indent + 1);
            }

            if (inside is not null)
            {
                sb.Append(pad).Append("    ").Append(inside);
            }

            sb.Append(pad).Append("}\n");
        }

        // A switch section: its statements in their own block (sections share one scope in C#), then break, or the
        // section's final return; in both styles people write: after the braces, or inside them (case k: { …; break; }).
        private void Section(StringBuilder sb, System.Collections.Generic.IReadOnlyList<Stmt> statements, int indent)
        {
            var pad = new string(' ', 4 * indent);
            var last = statements.Count > 0 && statements[^1] is Return r ? r : null;
            var end = last is null ? "break;\n" : "return " + Expression(last.Value) + ";\n";
            var body = last is null ? statements : statements.Take(statements.Count - 1).ToList();
            if (statements.Count % 2 == 0)
            {
                Block(sb, body, indent);
                sb.Append(pad).Append(end);
            }
            else
            {
                Block(sb, body, indent, inside: end);
            }
        }

        // The header of a counted loop visiting the indices From … trips − 1 (see Counting): the bound is cast to the
        // counter's type, unsigned counters counting down stop at From + 1 (i >= 0 would never fail).
        private static string ForHeader(For f)
        {
            var counting = f.Counting ?? Counting.Default;
            var (c, type) = (f.Counter, counting.Type);
            var bound = type == "int" || int.TryParse(f.Trips, out _) ? f.Trips : "(" + type + ")" + f.Trips;
            var from = counting.From.ToString(CultureInfo.InvariantCulture);
            var fromPlusOne = (counting.From + 1).ToString(CultureInfo.InvariantCulture);
            var (start, test, step) = (counting.Down, counting.Inclusive) switch
            {
                (false, false) => (from, counting.Written switch
                {
                    1 => c + " + 1 < " + bound + " + 1",
                    2 => bound + " > " + c,
                    3 => "1 + " + c + " <= " + bound,
                    _ => c + " < " + bound,
                }, c + "++"),
                (false, true) => (fromPlusOne, c + " <= " + bound, c + "++"),
                (true, true) when counting.Unsigned => (bound, c + " >= " + fromPlusOne, c + "--"),
                (true, true) => (bound + " - 1", c + " >= " + from, c + "--"),
                (true, false) => (bound, c + " > " + from, c + "--"),
            };
            return "for (" + type + " " + c + " = " + start + "; " + test + "; " + step + ")";
        }

        private string Test(Condition test) => "(" + Expression(test.Left) + " " + test.Op + " " + Expression(test.Right) + ")";

        private string Expression(Expr expression) => expression switch
        {
            Var v => v.Name,
            Lit l => Literal(l.Value, _float),
            Negate n => "(-" + Expression(n.Operand) + ")",
            Binary b => "(" + Expression(b.Left) + " " + b.Op + " " + Expression(b.Right) + ")",
            Chain c => "(" + string.Join(" " + c.Op + " ", c.Terms.Select(Expression)) + ")",
            AssignValue a => "(" + a.Name + " = " + Expression(a.Value) + ")",
            // Sign returns an int; cast it so that it never meets an overload set (Math.Round(int) is ambiguous).
            Call { Function: "Sign" } c => "((" + Plain + ")" + Function(c.Function) + "(" + Expression(c.Arguments[0]) + "))",
            Call c => Function(c.Function) + "(" + string.Join(", ", c.Arguments.Select(Expression)) + ")",
            Conditional c => "(" + Test(c.Test) + " ? " + Expression(c.Then) + " : " + Expression(c.Else) + ")",
            Element e => e.Array + "[" + e.Index + "]",
            HelperCall { Order: null } h => h.Helper + Suffix + "(" + string.Join(", ", h.Arguments.Select(Expression)) + ")",
            HelperCall h => h.Helper + Suffix + "(" + string.Join(", ", h.Order.Select(i => ParameterName(h.Helper, i) + ": " + Expression(h.Arguments[i]))) + ")",
            LinqReduce l => Linq(l),
            LocalCall c => c.Name + "(" + Expression(c.Argument) + ")",
            HelperElement e => Expression(e.Call) + "[" + e.Index + "]",
            HelperItem i => Expression(i.Call) + ".Item" + i.Item.ToString(CultureInfo.InvariantCulture),
            _ => throw new InvalidOperationException(expression.ToString()),
        };

        // The dual twin cannot use Enumerable (it sums numbers only): DualLinq folds the same way, in the same order.
        private string Linq(LinqReduce l)
        {
            var lambda = (l.Parameters.Count == 1 ? l.Parameters[0] : "(" + string.Join(", ", l.Parameters) + ")") + " => " + Expression(l.Body);
            if (!_dual)
            {
                return l.Reducer == "ZipSum" ? "(" + l.Source + ".Zip(" + l.Second + ", " + lambda + ").Sum())" : "(" + l.Source + "." + l.Reducer + "(" + lambda + "))";
            }

            string ElementType(string array) => array == "c" ? Plain : Scalar;
            var t = Plain;
            return l.Reducer == "ZipSum"
                ? "DualLinq.ZipSum<" + ElementType(l.Source) + ", " + ElementType(l.Second!) + ", " + t + ">(" + l.Source + ", " + l.Second + ", " + lambda + ")"
                : "DualLinq." + l.Reducer + "<" + ElementType(l.Source) + ", " + t + ">(" + l.Source + ", " + lambda + ")";
        }

        private string ParameterName(string helper, int index) => program.Helpers.Single(h => h.Name == helper).Parameters[index].Name;

        private string Function(string name) => _dual
            ? Scalar + "." + name
            : name switch
            {
                "Hypot" => Plain + ".Hypot",
                "Clamp" => "Math.Clamp",
                _ => (_float ? "MathF." : "Math.") + name,
            };
    }
}
