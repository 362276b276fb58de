using System.Linq;

namespace DiffGen.Generator.Tests;

/// <summary>
/// Generated files compile without a warning (a user's warnings-as-errors build would fail otherwise), in forms the
/// random programs found: each source here is run through <see cref="GeneratorHarness.RunCleanWithForwardMode"/>,
/// which asserts no warning in any generated file, gradients', tangents', Hessians' and layouts' alike.
/// </summary>
public class GeneratedWarningTests
{
    private const string Usings = "using System;\nusing DiffGen;\n\n";

    [Fact]
    public void AConstantConditionsOtherArmDeclaresNothing()
    {
        // The arm not taken (c[3]) assigned a primal that was declared and never used: CS0219 (seed 000g4DDu8_n2).
        var sources = GeneratorHarness.RunCleanWithForwardMode(Usings + """
            public static partial class Fit
            {
                [Differentiable]
                public static double F(double x, double[] c) => Math.FusedMultiplyAdd(x, ((-1.11) <= 1.52) ? c[0] : c[3], Math.Sin(x));
            }
            """);
        Assert.Equal(["Fit.F.Hessian.g.cs", "Fit.F.Tangent.g.cs", "Fit.F.g.cs"], sources.Keys.Order(System.StringComparer.Ordinal));
    }

    [Fact]
    public void AValueConstantOnEveryPathThatRunsHasNoTangentAssignedOnlyConstants()
    {
        // The arm under a constant-false condition made the value look varied to forward mode, whose H·v file then
        // assigned a tangent only 0 and never read it: CS0219 (seed c4d2BLvaUXR1).
        var sources = GeneratorHarness.RunCleanWithForwardMode(Usings + """
            public static partial class Flat
            {
                [Differentiable]
                public static double F(double x, [NoDerivative] double[] c) => (1.57 < (-(-0.42))) ? -Math.Asinh(x) : -c[2];
            }
            """);
        Assert.DoesNotContain("tvalue", sources["Flat.F.Hessian.g.cs"]);
    }

    [Fact]
    public void AConstantConditionsOtherArmIsNotDeclaredInTheGraph()
    {
        // The graph file drew only the arm taken but declared the other's primal (c[3]), never used: CS0219 (seed 000gJMC6olP1).
        var sources = GeneratorHarness.RunCleanWithForwardMode(Usings + """
            public static partial class Drawn
            {
                [Differentiable(Graph = true)]
                public static double F(double x, double[] c) => (((-1.91) < 1.03) ? (-1.9) : c[3]) * x;
            }
            """);
        Assert.Contains("Drawn.F.Graph.g.cs", sources.Keys);
    }

    [Fact]
    public void ALoopWhoseEveryPathReturnsIsDrawnWithItsLatchDeclared()
    {
        // With the constant condition folded every path through the body returns: the latch after the return read next
        // values that no statement assigns, undeclared in the graph file: CS0103 (seed 0001CcIpJqZ2).
        var sources = GeneratorHarness.RunCleanWithForwardMode(Usings + """
            #pragma warning disable CS0162 // the user's own unreachable code, as the random program wrote it
            public static partial class Returns
            {
                [Differentiable(Graph = true)]
                public static float F(float v, float[] a)
                {
                    float s = v * 2;
                    foreach (var e in a)
                    {
                        if (-1.99f <= 1.76f)
                            return 0.9f - s;
                        s += e * v;
                    }

                    return s;
                }
            }
            """);
        Assert.Contains("Returns.F.Graph.g.cs", sources.Keys);
    }

    [Fact]
    public void AValueComparedWithItselfIsSpelledAsWhatItGives()
    {
        // Math.Min(x, x)'s tie test, and a <= b where both are x, gave CS1718 ("comparison made to same variable").
        var sources = GeneratorHarness.RunCleanWithForwardMode(Usings + """
            public static partial class Ties
            {
                [Differentiable]
                public static double F(double x, double y)
                {
                    double a = x, b = x;
                    return Math.Min(x, x) * y + (a <= b ? y : 0) + (a < b ? 1 : 0);
                }
            }
            """);
        Assert.Contains("double.IsNaN(", sources["Ties.F.g.cs"]);
    }

    [Fact]
    public void AConstantReadOnlyByAComparisonWithItselfIsNotLeftUnread()
    {
        // v2 > v2 is spelled false (CS1718 otherwise), so v2's last value, a constant there, was assigned and never read
        // in the H·v file: CS0219 (seed 3ew7fwTQPiZ2, the long run at 90f9491).
        var sources = GeneratorHarness.RunCleanWithForwardMode(Usings + """
            #pragma warning disable CS1718 // the user's own comparison with itself, as the random program wrote it
            public static partial class Self
            {
                [Differentiable]
                public static float F(float x0, float x1)
                {
                    float v2 = x0 * x1;
                    if (x0 > v2)
                    {
                        v2 = -0.02f;
                        if (x1 > 0)
                        {
                            v2 += 0.21f;
                            return (v2 > v2) ? x0 : MathF.Ceiling(x1) * x0;
                        }
                    }

                    return x0 * x1;
                }

                // The same with an integer and a flag, each only compared with itself once its value is known.
                [Differentiable]
                public static double G(double x, int n)
                {
                    int k = 3;
                    bool on = true;
                    if (x > n)
                    {
                        k += 1;
                        on = !on;
                        return (k < k) || (on != on) ? x : x * x;
                    }

                    return x;
                }
            }
            """);
        Assert.Contains("u4 > +u4", sources["Self.F.g.cs"]);
        foreach (var file in new[] { "Self.F.g.cs", "Self.F.Tangent.g.cs", "Self.F.Hessian.g.cs", "Self.G.g.cs", "Self.G.Tangent.g.cs", "Self.G.Hessian.g.cs" })
        {
            Assert.Contains(file, sources.Keys);
        }
    }

    [Fact]
    public void AMemberAnnotatedNullableIsReadThroughAsTheBodyReadsIt()
    {
        // head.Next!.Value: every generated file read head.Next.Value, CS8602 (found outside-in; then by the random shape
        // model-nullable-member in the model's layout file).
        var sources = GeneratorHarness.RunCleanWithForwardMode(Usings + """
            public sealed class Node
            {
                public double Value;
                public Node? Next;
            }

            public static partial class Chains
            {
                [Differentiable]
                public static double Product(Node head) => head.Value * head.Next!.Value;
            }
            """);
        Assert.Contains("head.Next!.Value", sources["Chains.Product.g.cs"]);
    }
}
