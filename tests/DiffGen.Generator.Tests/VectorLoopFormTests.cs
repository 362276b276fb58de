using System;

namespace DiffGen.Generator.Tests;

/// <summary>
/// Which counted loops run a vector of iterations at a time, by how their bound is written: <c>j &lt; n</c> and
/// <c>j &lt;= n - 1</c> alike (the helper that tried the vectorizer as a user found the second left scalar), and a
/// literal trip count from two vectors' worth on, counted the same way for both comparisons.
/// </summary>
public class VectorLoopFormTests
{
    private static string Gradient(string loop) => GeneratorHarness.RunClean("""
        using System;
        using DiffGen;

        public static partial class Fit
        {
            [Differentiable]
            public static double Loss(double a, [NoDerivative] double[] t, int lo, int hi)
            {
                double sum = 0;
        """ + loop + """
                {
                    double r = t[j] - a;
                    sum += r * r;
                }

                return sum;
            }
        }
        """)["Fit.Loss.g.cs"];

    private static int Count(string source, string text)
    {
        var count = 0;
        for (var at = source.IndexOf(text, StringComparison.Ordinal); at >= 0; at = source.IndexOf(text, at + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    [Theory]
    [InlineData("for (int j = 0; j < t.Length; j++)", " - j >= ", "j < ")]
    [InlineData("for (int j = 0; j <= t.Length - 1; j++)", " - j + 1 >= ", "j <= ")]
    [InlineData("for (int j = lo; j <= hi; j++)", "(long)hi - j + 1 >= ", "j <= hi")]
    [InlineData("for (int j = 0; j <= 7; j++)", "(long)7 - j + 1 >= ", "j <= 7")]
    public void BothSweepsRunLanes(string loop, string vectorHeader, string scalarTail)
    {
        var source = Gradient(loop);
        Assert.Equal(2, Count(source, "// vectorized:"));
        Assert.Equal(2, Count(source, vectorHeader));
        Assert.Equal(2, Count(source, "for (; " + scalarTail));
    }

    [Theory]
    [InlineData("for (int j = 0; j <= 6; j++)")] // 7 iterations: under two vectors of 4
    [InlineData("for (int j = 0; j < 7; j++)")]
    public void AFewLiteralIterationsStayScalar(string loop) =>
        Assert.DoesNotContain("// vectorized:", Gradient(loop), StringComparison.Ordinal);

    private static string SigmoidLayer(string units, string first, string second) => GeneratorHarness.RunClean("""
        using System;
        using DiffGen;

        public static partial class Net
        {
            [Differentiable]
            public static double Layer(double[] w, double[] b, double[] v, double x0, double x1)
            {
                double o = 0;
                for (int j = 0; j < 
        """ + units + """
        ; j++)
                {
                    double z = w[
        """ + first + "] * x0 + w[" + second + """
        ] * x1 + b[j];
                    o += v[j] / (1 + Math.Exp(-z));
                }

                return o;
            }
        }
        """)["Net.Layer.g.cs"];

    // Exp keeps the forward scalar; the reverse, all + − × ÷, runs lanes, from XOR's 4 units (one vector) on, with the
    // weights two apart loaded and added with a stride, however the index is written.
    [Theory]
    [InlineData("4", "2 * j", "2 * j + 1")]
    [InlineData("b.Length", "j * 2", "j * 2 + 1")]
    [InlineData("b.Length", "2 * j", "1 + 2 * j")]
    [InlineData("b.Length", "j + j", "j + 1 + j")]
    [InlineData("b.Length", "b.Length + 2 * j", "2 * j + 1 + b.Length")]
    [InlineData("b.Length", "2 * j", "2 * j + 3")]
    public void ASigmoidLayersReverseRunsLanesItsForwardDoesNot(string units, string first, string second)
    {
        var source = SigmoidLayer(units, first, second);
        Assert.Equal(1, Count(source, "// vectorized:"));
        Assert.Equal(1, Count(source, "it reads them back Vector256<double>.Count iterations at a time"));
        Assert.Equal(2, Count(source, "Kernels.AddLanes<double>(dw, "));
        Assert.Equal(2, Count(source, ", 2, du"));
        Assert.Equal(4, Count(source, "Kernels.AddLanes<double>(d"));   // and db[j], dv[j] at the counter
        Assert.DoesNotContain("Vector256.Create(global::System.Math.Exp", source, StringComparison.Ordinal);
    }

    // Below a vector of units, an index no lane could step by (a square, a variable stride, a step down), or two
    // iterations adding into one element (each element must receive its contributions in the scalar order): scalar.
    [Theory]
    [InlineData("3", "2 * j", "2 * j + 1")]
    [InlineData("b.Length", "j * j", "2 * j + 1")]
    [InlineData("b.Length", "j * b.Length", "2 * j + 1")]
    [InlineData("b.Length", "2 * j", "2 * (b.Length - 1 - j)")]
    [InlineData("b.Length", "2 * j", "(2 * j + 1) % w.Length")]
    [InlineData("b.Length", "j", "j + 1")] // iterations j and j + 1 both add into w[j + 1]: the lanes would swap their order
    [InlineData("b.Length", "2 * j", "2 * j + 2")]
    [InlineData("b.Length", "2 * j", "3 * j")]
    [InlineData("b.Length", "2 * j", "2 * j + b.Length")]
    public void ALayerNoLaneCanStepThroughStaysScalar(string units, string first, string second) =>
        Assert.DoesNotContain("// vectorized:", SigmoidLayer(units, first, second), StringComparison.Ordinal);

    // A fixed weight read by every iteration (w[0] of a logistic regression) is gathered per lane and added once
    // after the loop; the counter used as a number ((double)t) is a vector of counters.
    [Fact]
    public void FixedWeightsGatherAndTheCounterIsANumber()
    {
        var source = GeneratorHarness.RunClean("""
            using System;
            using DiffGen;

            public static partial class Fit
            {
                [Differentiable]
                public static double Loss(double[] w, double r, [NoDerivative] double[] x)
                {
                    double s = 0;
                    for (int t = 0; t < x.Length; t++)
                        s += Math.Exp(-w[0] * x[t] - w[1] * t * r);
                    return s;
                }
            }
            """)["Fit.Loss.g.cs"];
        Assert.Equal(1, Count(source, "// vectorized:"));
        Assert.Equal(1, Count(source, "if (dwAt0Lanes != global::System.Runtime.Intrinsics.Vector256<double>.Zero) dw[0] += "));
        Assert.Equal(1, Count(source, "if (dwAt1Lanes != global::System.Runtime.Intrinsics.Vector256<double>.Zero) dw[1] += "));
        Assert.Equal(1, Count(source, "global::DiffGen.Kernels.IndexLanes<double>(t, 1)"));
    }
}
