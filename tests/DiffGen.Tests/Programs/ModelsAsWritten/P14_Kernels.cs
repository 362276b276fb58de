using System;
using DiffGen;
namespace DiffGen.Tests.Programs.ModelsAsWritten;

public sealed partial class Ridge
{
    public Ridge(int d, int h) { D = d; H = h; W = new double[h * d]; V = new double[h]; U = new double[h * d]; }
    [NoDerivative] public int D;
    [NoDerivative] public int H;
    public double[] W;
    public double[] U;
    public double[] V;
    public double Lambda = 0.1;

    [Differentiable]
    public double Loss([NoDerivative] double[] x, [NoDerivative] double[] y, int n)
    {
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            double o = 0;
            for (int j = 0; j < H; j++)
            {
                double z = 0;
                for (int k = 0; k < D; k++) z += W[j * D + k] * x[i * D + k];
                o += Math.Max(0, z) * V[j];
            }
            total += (o - y[i]) * (o - y[i]);
        }
        // dot of a model array with itself, and of two model arrays
        double reg = 0;
        for (int j = 0; j < H; j++)
        {
            double r = 0;
            for (int k = 0; k < D; k++) r += W[j * D + k] * W[j * D + k];
            double c = 0;
            for (int k = 0; k < D; k++) c += W[j * D + k] * U[j * D + k];
            reg += r + 0.5 * c;
        }
        return total / n + Lambda * reg;
    }

    public static void Run()
    {
        var m = new Ridge(9, 5); FD.Fill(m, 14, 0.6); m.Lambda = 0.3;
        var g = new Ridge(9, 5); g.Lambda = 0;
        var r = new Random(5); int n = 7; var x = new double[n * 9]; var y = new double[n];
        for (int i = 0; i < x.Length; i++) x[i] = r.NextDouble() * 2 - 1;
        for (int i = 0; i < n; i++) y[i] = r.NextDouble();
        double v = m.LossGradient(x, y, n, g);
        FD.Check("P14 ReLU-gated dot kernels on model arrays, W·W and W·U", m, o => ((Ridge)o).Loss(x, y, n), g, v);
        // accumulation & seed
        var g2 = new Ridge(9, 5); g2.Lambda = 0;
        m.LossGradient(x, y, n, g2, 0.5); m.LossGradient(x, y, n, g2, 1.5);
        double maxd = 0; for (int i = 0; i < g.W.Length; i++) maxd = Math.Max(maxd, Math.Abs(g2.W[i] - 2 * g.W[i]));
        Console.WriteLine($"      accumulate seed 0.5+1.5 vs 2x: max |diff| W {maxd:G3}, Lambda {g2.Lambda} vs {2 * g.Lambda}");
    }
}
