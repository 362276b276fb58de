using System;
using DiffGen;
namespace DiffGen.Tests.Programs.ModelsAsWritten;

// Positional record (class): init-only members through UnsafeAccessor.
public sealed partial record Heston(double Kappa, double Theta, double Xi, double Rho, double V0)
{
    public double Feller => 2 * Kappa * Theta - Xi * Xi;
    public double LongRunVol => Math.Sqrt(Theta);

    public double ExpectedVariance(double t) => Theta + (V0 - Theta) * Math.Exp(-Kappa * t);

    [Differentiable]
    public double Error([NoDerivative] double[] maturities, [NoDerivative] double[] impliedVars)
    {
        double s = 0;
        for (int i = 0; i < maturities.Length; i++)
        {
            double t = maturities[i];
            double avg = Theta + (V0 - Theta) * (1 - Math.Exp(-Kappa * t)) / (Kappa * t);
            double skewAdj = 1 + Rho * Xi * Math.Sqrt(t) * 0.1;
            double d = avg * skewAdj - impliedVars[i];
            s += d * d;
        }
        double penalty = Feller < 0 ? Feller * Feller : 0;
        return s + 0.5 * penalty + 0.01 * ExpectedVariance(1.0) * LongRunVol;
    }
}

public static partial class HestonFit
{
    [Differentiable]
    public static double Objective(Heston p, [NoDerivative] double[] ts, [NoDerivative] double[] vs, double weight)
        => weight * p.Error(ts, vs) + Regularize(p);

    static double Regularize(Heston p) => 1e-3 * (p.Kappa * p.Kappa + p.Xi * p.Xi);

    public static void Run()
    {
        var m = new Heston(1.5, 0.04, 0.6, -0.7, 0.05);
        var ts = new[] { 0.25, 0.5, 1.0, 2.0 }; var vs = new[] { 0.045, 0.043, 0.041, 0.04 };
        var g = new Heston(0, 0, 0, 0, 0);
        double v = m.ErrorGradient(ts, vs, g);
        FD.Check("P03a Heston positional record, instance, computed props", m, o => ((Heston)o).Error(ts, vs), g, v);
        // Feller negative branch
        var m2 = new Heston(0.5, 0.02, 0.9, 0.3, 0.05); var g2 = new Heston(0, 0, 0, 0, 0);
        double v2 = m2.ErrorGradient(ts, vs, g2);
        FD.Check("P03b Heston, Feller violated", m2, o => ((Heston)o).Error(ts, vs), g2, v2);
        var g3 = new Heston(0, 0, 0, 0, 0); double dw = 0;
        double v3 = ObjectiveGradient(m, ts, vs, 2.0, g3, ref dw);
        FD.Check("P03c static helper taking record + instance call", m, o => Objective((Heston)o, ts, vs, 2.0), g3, v3);
        double fdw = (Objective(m, ts, vs, 2.0 + 1e-6) - Objective(m, ts, vs, 2.0 - 1e-6)) / 2e-6;
        Console.WriteLine($"      dweight {dw} vs {fdw}");
    }
}
