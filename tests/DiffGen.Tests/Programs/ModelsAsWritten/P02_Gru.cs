using System;
using DiffGen;
namespace DiffGen.Tests.Programs.ModelsAsWritten;

public sealed class Dense
{
    public Dense(int i, int o) { In = i; Out = o; W = new double[i * o]; B = new double[o]; }
    [NoDerivative] public int In { get; }
    [NoDerivative] public int Out { get; }
    public double[] W { get; }
    public double[] B { get; }
    public double Unit(int j, ReadOnlySpan<double> x)
    {
        double z = B[j];
        for (int k = 0; k < In; k++) z += W[j * In + k] * x[k];
        return z;
    }
}

public sealed partial class GruCell
{
    public GruCell(int i, int h) { Z = new Dense(i + h, h); R = new Dense(i + h, h); N = new Dense(i + h, h); Readout = new Dense(h, 1); H = h; I = i; }
    public Dense Z { get; }
    public Dense R { get; }
    public Dense N { get; }
    public Dense Readout { get; }
    [NoDerivative] public int H { get; }
    [NoDerivative] public int I { get; }

    [Differentiable]
    public double Loss([NoDerivative] double[] xs, [NoDerivative] double[] ys, int T)
    {
        var h = new double[H];
        double total = 0;
        for (int t = 0; t < T; t++)
        {
            var xh = new double[I + H];
            for (int k = 0; k < I; k++) xh[k] = xs[t * I + k];
            for (int k = 0; k < H; k++) xh[I + k] = h[k];
            var r = new double[H];
            for (int j = 0; j < H; j++) r[j] = Functions.Sigmoid(R.Unit(j, xh));
            var xrh = new double[I + H];
            for (int k = 0; k < I; k++) xrh[k] = xs[t * I + k];
            for (int k = 0; k < H; k++) xrh[I + k] = r[k] * h[k];
            var hn = new double[H];
            for (int j = 0; j < H; j++)
            {
                double z = Functions.Sigmoid(Z.Unit(j, xh));
                double n = Math.Tanh(N.Unit(j, xrh));
                hn[j] = (1 - z) * n + z * h[j];
            }
            h = hn;
            double y = Readout.Unit(0, h);
            total += (y - ys[t]) * (y - ys[t]);
        }
        return total;
    }

    public static void Run()
    {
        var m = new GruCell(2, 3); FD.Fill(m, 3, 0.8);
        var g = new GruCell(2, 3);
        var r = new Random(4); var xs = new double[4 * 2]; var ys = new double[4];
        for (int i = 0; i < xs.Length; i++) xs[i] = r.NextDouble() * 2 - 1;
        for (int i = 0; i < ys.Length; i++) ys[i] = r.NextDouble();
        double v = m.LossGradient(xs, ys, 4, g);
        FD.Check("P02 GRU cell (nested Dense, instance helper with span)", m, o => ((GruCell)o).Loss(xs, ys, 4), g, v);
    }
}
