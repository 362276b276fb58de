using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DiffGen.Generator.Tests;

/// <summary>
/// [Differentiable(Graph = true)]: the graph method's file, reviewed as a snapshot, compiled without a
/// warning; the gradient's file stays byte for byte what it is without the option.
/// </summary>
public class GraphTests
{
    private const string Usings = "using System;\nusing DiffGen;\n\n";

    private const string Neuron = Usings + """
        namespace Tutorials;

        public static partial class Neuron
        {
            [Differentiable(Graph = true)]
            public static double Cost(double w1, double w2, double b,
                                      [NoDerivative] double x1, [NoDerivative] double x2, [NoDerivative] double y)
            {
                double z = w1 * x1 + w2 * x2 + b;
                double a = 1 / (1 + Math.Exp(-z));
                return 0.5 * (y - a) * (y - a);
            }
        }
        """;

    private const string WhileLoop = Usings + """
        public static partial class Calc
        {
            [Differentiable(Graph = true)]
            public static double Iterate(double x, double[] w)
            {
                double[] h = new double[2];
                double r = x;
                int i = 0;
                while (i < w.Length)
                {
                    r = Math.Tanh(r * w[i]);
                    h[i % 2] += r;
                    if (r < -0.5)
                        break;
                    i++;
                }

                return h[0] * h[1] + r;
            }
        }
        """;

    private const string Calls = Usings + """
        public static partial class Net
        {
            [Differentiable(Graph = true)]
            public static double Dot(double[] w, [NoDerivative] double[] x, double scale)
            {
                double s = 0;
                for (int i = 0; i < w.Length; i++)
                    s += w[i] * x[i];
                return scale * s;
            }

            [Differentiable]
            public static double Square(double z) => z * z;

            [Differentiable(Graph = true)]
            public static double Loss(double[] w, [NoDerivative] double[] x, double b)
            {
                double[] twice = { 2 * b, b };
                return Square(Dot(w, x, b) - 1) + Dot(twice, x, 1.0);
            }
        }
        """;

    [Fact]
    public void NeuronGraphFileBesideTheUnchangedGradient()
    {
        var sources = GeneratorHarness.RunClean(Neuron);
        Assert.Equal(new[] { "Tutorials.Neuron.Cost.Graph.g.cs", "Tutorials.Neuron.Cost.g.cs" }, sources.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal(Verified("SnapshotTests.SigmoidNeuron"), sources["Tutorials.Neuron.Cost.g.cs"]);
        Snapshot.Verify(sources["Tutorials.Neuron.Cost.Graph.g.cs"]);
    }

    [Fact]
    public void LoopWithBreakAndLocalArrayGraphFile()
    {
        var sources = GeneratorHarness.RunClean(WhileLoop);
        Assert.Equal(Verified("SnapshotTests.WhileLoopWithBreakAndLocalArray"), sources["Calc.Iterate.g.cs"]);
        Snapshot.Verify(sources["Calc.Iterate.Graph.g.cs"]);
    }

    [Fact]
    public void CallsAreCollapsedNodesExpandableIntoGraphEnabledCallees()
    {
        var sources = GeneratorHarness.RunClean(Calls);
        Assert.Equal(new[] { "Net.Dot.Graph.g.cs", "Net.Dot.g.cs", "Net.Loss.Graph.g.cs", "Net.Loss.g.cs", "Net.Square.g.cs" }, sources.Keys.OrderBy(k => k, StringComparer.Ordinal));
        var loss = sources["Net.Loss.Graph.g.cs"];
        Assert.Contains("global::Net.DotGraph(", loss, StringComparison.Ordinal);
        Assert.DoesNotContain("SquareGraph", loss, StringComparison.Ordinal); // Square has no graph: its call stays collapsed
        Snapshot.Verify(loss);
    }

    [Fact]
    public void FloatMethodsAndEveryKindOfStatementCompileWithoutWarnings()
    {
        GeneratorHarness.RunClean(Usings + """
            public static partial class Everything
            {
                [Differentiable(Graph = true)]
                public static float F(float x, float[] w, ReadOnlySpan<float> v, [NoDerivative] float c, int n, params float[] rest)
                {
                    Span<float> t = stackalloc float[2];
                    t[0] = x;
                    float s = MathF.Max(x, c) + float.Pow(x * x + 1, 0.5f);
                    foreach (var e in v)
                        s += e * x;
                    int k = 0;
                    do { s *= 0.5f; k++; } while (k < n);
                    switch (n) { case 1: s += w[0]; break; default: s -= (float)Math.Sqrt(x * x); break; }
                    static float Twice(float a) => 2 * a;
                    s = s > 0 ? Twice(s) : -s;
                    (t[1], s) = (s, t[0]);
                    return s + t[1] + (rest.Length > 0 ? rest[0] : 0) + (float)Math.Floor(x);
                }
            }
            """);
    }

    [Fact]
    public void WithoutTheOptionNoGraphIsGenerated()
    {
        var sources = GeneratorHarness.RunClean(Neuron.Replace("(Graph = true)", string.Empty, StringComparison.Ordinal));
        Assert.Equal("Tutorials.Neuron.Cost.g.cs", Assert.Single(sources.Keys));
        sources = GeneratorHarness.RunClean(Neuron.Replace("(Graph = true)", "(Graph = false)", StringComparison.Ordinal));
        Assert.Equal("Tutorials.Neuron.Cost.g.cs", Assert.Single(sources.Keys));
    }

    [Fact]
    public void GraphStepIsCachedOnAnUnrelatedEdit()
    {
        var compilation = GeneratorHarness.Compile(Calls);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("public static class Unrelated { public static int Answer() => 42; }", GeneratorHarness.ParseOptions));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();
        var outputs = result.TrackedSteps[DifferentiableGenerator.Steps.Graph].SelectMany(s => s.Outputs).ToList();
        Assert.Equal(2, outputs.Count);
        Assert.All(outputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
    }

    private static string Verified(string name, [CallerFilePath] string callerFile = "") =>
        File.ReadAllText(Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots", name + ".verified.cs")).Replace("\r\n", "\n");
}
