using System;
using DiffGen;
namespace DiffGen.Tests.Programs.ModelsAsWritten;

public sealed class Affine
{
    public double Scale;
    public double Shift;
    public double[] W = new double[3];
    public double Apply(double x) => Scale * x + Shift + W[0] * x * x;
}

public sealed partial class TwoHeads
{
    public Affine First = new();
    public Affine Second = new();
    [NoDerivative] public bool UseSecond;

    // locals aliasing members
    [Differentiable]
    public double Aliases(double x)
    {
        double[] w = First.W;
        double a = First.Scale;
        var w2 = Second.W;
        double s = 0;
        for (int i = 0; i < w.Length; i++) s += w[i] * w2[i] * a + x;
        a = a * 2;   // reassigning the scalar local copied from a member
        return s + a * Second.Shift;
    }

    // the same model passed twice to a static helper, and this passed to static helper
    static double Pair(Affine p, Affine q, double x) => p.Apply(x) * q.Apply(x) + p.Scale * q.Shift;
    static double Whole(TwoHeads t, double x) => t.First.Apply(x) - t.Second.Apply(x);

    [Differentiable]
    public double Helpers(double x) => Pair(First, First, x) + Pair(First, Second, x) + Whole(this, x);

    public static void Run()
    {
        foreach (var use in new[] { false, true })
        {
            var m = new TwoHeads(); FD.Fill(m, 11, 0.9); m.UseSecond = use;
            double x = 0.7;
            var g = new TwoHeads(); double dx = 0; double v = m.AliasesGradient(x, g, ref dx);
            FD.Check("P10c locals aliasing members", m, o => ((TwoHeads)o).Aliases(x), g, v);
            g = new TwoHeads(); dx = 0; v = m.HelpersGradient(x, g, ref dx);
            FD.Check("P10d same model twice to static helper, this to helper", m, o => ((TwoHeads)o).Helpers(x), g, v);
            double fd = (m.Helpers(x + 1e-6) - m.Helpers(x - 1e-6)) / 2e-6; Console.WriteLine($"      dx {dx} vs {fd}");
        }
    }
}
