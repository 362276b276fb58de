using System;
using DiffGen;
namespace DiffGen.Tests.Programs.ModelsAsWritten;

public sealed partial class Regressor
{
    public double[] W = new double[3];
    public double B;
    public double LogNoise;

    [Differentiable]
    public double Predict([NoDerivative] double[] x, int i) => B + W[0] * x[3 * i] + W[1] * x[3 * i + 1] + W[2] * x[3 * i + 2];

    [Differentiable]
    public double Nll([NoDerivative] double[] x, [NoDerivative] double[] y)
    {
        double s = 0;
        double sigma2 = Math.Exp(2 * LogNoise);
        for (int i = 0; i < y.Length; i++)
        {
            double r = y[i] - Predict(x, i);
            s += 0.5 * r * r / sigma2 + LogNoise;
        }
        return s;
    }

    public static void Run()
    {
        var m = new Regressor(); FD.Fill(m, 16, 0.8);
        var g = new Regressor();
        var x = new[] { 0.1, 0.2, 0.3, -0.5, 0.4, 0.9, 1.0, -1.0, 0.0 }; var y = new[] { 0.5, -0.2, 0.8 };
        double v = m.NllGradient(x, y, g);
        FD.Check("P16 [Differentiable] instance calling [Differentiable] instance (through its gradient)", m, o => ((Regressor)o).Nll(x, y), g, v);
    }
}
