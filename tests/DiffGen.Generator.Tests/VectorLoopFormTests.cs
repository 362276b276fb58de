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
}
