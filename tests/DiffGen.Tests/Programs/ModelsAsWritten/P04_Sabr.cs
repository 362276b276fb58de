using System;
using DiffGen;
namespace DiffGen.Tests.Programs.ModelsAsWritten;

public readonly record struct Sabr(double Alpha, double Beta, double Rho, double Nu);

public static partial class SabrVol
{
    // Hagan's lognormal implied vol approximation (ATM-safe form with z/x(z)).
    [Differentiable]
    public static double Vol(Sabr p, double f, [NoDerivative] double k, [NoDerivative] double t)
    {
        double fk = f * k;
        double fkb = Math.Pow(fk, (1 - p.Beta) / 2);
        double logfk = Math.Log(f / k);
        double z = p.Nu / p.Alpha * fkb * logfk;
        double xz = Math.Log((Math.Sqrt(1 - 2 * p.Rho * z + z * z) + z - p.Rho) / (1 - p.Rho));
        double ratio = Math.Abs(z) < 1e-7 ? 1 : z / xz;
        double omb = 1 - p.Beta;
        double denom = fkb * (1 + omb * omb / 24 * logfk * logfk + Math.Pow(omb, 4) / 1920 * Math.Pow(logfk, 4));
        double corr = 1 + (omb * omb / 24 * p.Alpha * p.Alpha / (fkb * fkb) + 0.25 * p.Rho * p.Beta * p.Nu * p.Alpha / fkb + (2 - 3 * p.Rho * p.Rho) / 24 * p.Nu * p.Nu) * t;
        return p.Alpha / denom * ratio * corr;
    }

    [Differentiable]
    public static double Fit(Sabr p, double f, [NoDerivative] double[] strikes, [NoDerivative] double[] vols, [NoDerivative] double t)
    {
        double s = 0;
        for (int i = 0; i < strikes.Length; i++)
        {
            double d = Vol(p, f, strikes[i], t) - vols[i];
            s += d * d;
        }
        return s;
    }

    public static void Run()
    {
        var p = new Sabr(0.2, 0.7, -0.3, 0.5);
        var g = new Sabr(); double df = 0;
        double v = VolGradient(p, 0.03, 0.035, 2.0, ref g, ref df);
        FD.Check("P04a SABR readonly record struct (static)", p, o => Vol((Sabr)o, 0.03, 0.035, 2.0), g, v);
        double fdf = (Vol(p, 0.03 + 1e-9, 0.035, 2.0) - Vol(p, 0.03 - 1e-9, 0.035, 2.0)) / 2e-9;
        Console.WriteLine($"      df {df} vs {fdf}");
        var ks = new[] { 0.02, 0.025, 0.03, 0.035, 0.04 }; var vs = new[] { 0.3, 0.28, 0.26, 0.25, 0.245 };
        var g2 = new Sabr(); double df2 = 0;
        double v2 = FitGradient(p, 0.03, ks, vs, 1.0, ref g2, ref df2);
        FD.Check("P04b SABR fit calling [Differentiable] with struct model", p, o => Fit((Sabr)o, 0.03, ks, vs, 1.0), g2, v2);
    }
}
