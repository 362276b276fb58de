using System;

namespace DiffGen.Generator.Tests;

/// <summary>
/// Where a gradient keeps its tapes: on the stack when their whole size is a small number known at compile time
/// (every recording nest has literal bounds and runs once at most), else rented from the pool.
/// </summary>
public class TapeStorageTests
{
    private static string Gradient(string body) => GeneratorHarness.RunClean("""
        using System;
        using DiffGen;

        public static partial class Net
        {
            [Differentiable]
            public static double Loss(double[] w, [NoDerivative] double[] x, int n)
            {
        """ + body + """
            }
        }
        """)["Net.Loss.g.cs"];

    [Fact]
    public void ALoopNestOfLiteralBoundsKeepsItsTapesOnTheStack()
    {
        var source = Gradient("""
                double total = 0;
                for (int s = 0; s < 4; s++)
                    for (int j = 0; j < 4; j++)
                        total += Math.Exp(w[j] * x[s]) * total;
                return total;
            """);
        Assert.Contains("global::System.Span<double> tapeDouble = stackalloc double[", source, StringComparison.Ordinal);
        Assert.DoesNotContain("global::DiffGen.Tape<", source, StringComparison.Ordinal);
        Assert.DoesNotContain("finally", source, StringComparison.Ordinal);
        Assert.DoesNotContain(".Reserve(", source, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("for (int s = 0; s < n; s++) total += Math.Exp(w[0] * total);")] // a bound known only at run time
    [InlineData("for (int s = 0; s < 2000; s++) total += Math.Exp(w[0] * total);")] // 16 KB of doubles: too much for the stack
    [InlineData("int r = 0; while (total < 5 && r < 3) { for (int s = 0; s < 2; s++) total += Math.Exp(w[s] * total); r++; }")] // a nest run as often as the data say
    [InlineData("int m = 0; while (m < 3) { total += Math.Exp(w[m] * total); m++; }")] // a loop that grows the tape as it goes
    public void OtherwiseTheTapesAreRentedFromThePool(string loop)
    {
        var source = Gradient("double total = x[0];\n" + loop + "\nreturn total;");
        Assert.Contains("= new global::DiffGen.Tape<double>();", source, StringComparison.Ordinal);
        Assert.DoesNotContain("stackalloc", source, StringComparison.Ordinal);
        Assert.Contains("finally", source, StringComparison.Ordinal);
    }

    [Fact]
    public void ARecursiveMethodKeepsItsTapesPooledSoEachLevelDoesNotTakeAStackTape()
    {
        var sources = GeneratorHarness.RunClean("""
            using System;
            using DiffGen;

            public static partial class Q
            {
                [Differentiable]
                public static double Rec(double x, int depth)
                {
                    double s = x;
                    for (int i = 0; i < 900; i++) s = s + 1e-4 * Math.Sin(s);
                    if (depth <= 0) return s;
                    return Rec(s * 0.9, depth - 1);
                }
            }
            """);
        Assert.Contains("= new global::DiffGen.Tape<double>();", sources["Q.Rec.g.cs"], StringComparison.Ordinal);
        Assert.DoesNotContain("stackalloc", sources["Q.Rec.g.cs"], StringComparison.Ordinal);
    }
}
