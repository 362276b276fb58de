using System;
using DiffGen;
namespace DiffGen.Tests.Programs.ModelsAsWritten;

public sealed partial class LayerNorm
{
    public LayerNorm(int n) { Gamma = new double[n]; Beta = new double[n]; N = n; }
    public double[] Gamma;
    public double[] Beta;
    [NoDerivative] public double Eps = 1e-5;
    [NoDerivative] public int N;

    public void Apply(ReadOnlySpan<double> x, Span<double> y)
    {
        double mean = 0;
        for (int i = 0; i < N; i++) mean += x[i];
        mean /= N;
        double var = 0;
        for (int i = 0; i < N; i++) var += (x[i] - mean) * (x[i] - mean);
        var /= N;
        double inv = 1 / Math.Sqrt(var + Eps);
        for (int i = 0; i < N; i++) y[i] = Gamma[i] * (x[i] - mean) * inv + Beta[i];
    }

    [Differentiable]
    public double Loss(double[] x, [NoDerivative] double[] target)
    {
        var y = new double[N];
        Apply(x, y);
        double s = 0;
        for (int i = 0; i < N; i++) s += Math.Pow(y[i] - target[i], 2);
        return s;
    }

    public static void Run()
    {
        var m = new LayerNorm(5); FD.Fill(m, 5, 1.0);
        var g = new LayerNorm(5);
        var x = new[] { 0.3, -1.2, 0.8, 2.0, -0.1 }; var tg = new[] { 0.1, 0.2, -0.3, 0.5, 0.0 };
        var dx = new double[5];
        double v = m.LossGradient(x, tg, g, dx);
        FD.Check("P06 LayerNorm gamma/beta + input gradient", m, o => ((LayerNorm)o).Loss(x, tg), g, v);
        for (int i = 0; i < 5; i++) { var xp = (double[])x.Clone(); xp[i] += 1e-6; var xm = (double[])x.Clone(); xm[i] -= 1e-6; double fd = (m.Loss(xp, tg) - m.Loss(xm, tg)) / 2e-6; if (Math.Abs(fd - dx[i]) > 1e-6 * Math.Max(1, Math.Abs(fd))) Console.WriteLine($"      dx[{i}] {dx[i]} vs {fd}  BAD"); }
    }
}
