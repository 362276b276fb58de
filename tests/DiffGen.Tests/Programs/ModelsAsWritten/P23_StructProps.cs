using System;
using DiffGen;
namespace DiffGen.Tests.Programs.ModelsAsWritten;

public struct Normal
{
    public double Mu;
    public double LogSd;
    public double LogPdf(double x) { double z = (x - Mu) / Math.Exp(LogSd); return -0.5 * z * z - LogSd; }
}
public partial struct Normal2
{
    public double Mu;
    public double LogSd;
    [Differentiable]
    public double LogPdf(double x) { double z = (x - Mu) / Math.Exp(LogSd); return -0.5 * z * z - LogSd; }
}
public readonly record struct Vols(double Short, double Long);

public sealed partial class Posterior
{
    public Normal Prior;         // struct auto-property
    public Normal2 Likelihood;   // struct auto-property with [Differentiable] instance method
    public Vols Curve;           // readonly record struct property
    public Normal2 Field;                        // struct field with [Differentiable] instance method

    [Differentiable]
    public static double Blend(Vols v, double t) => v.Short * Math.Exp(-t) + v.Long * (1 - Math.Exp(-t));

    [Differentiable]
    public double LogJoint([NoDerivative] double[] data)
    {
        double s = Prior.LogPdf(Likelihood.Mu);
        foreach (var x in data) s += Likelihood.LogPdf(x) + Field.LogPdf(x);
        return s + Blend(Curve, 0.5) + Curve.Long * Prior.Mu;
    }

    public static void Run()
    {
        var m = new Posterior { Prior = new Normal { Mu = 0.2, LogSd = 0.1 }, Likelihood = new Normal2 { Mu = 0.5, LogSd = -0.3 }, Curve = new Vols(0.2, 0.3), Field = new Normal2 { Mu = -0.1, LogSd = 0.2 } };
        var g = new Posterior();
        var data = new[] { 0.3, 0.9, -0.2 };
        double v = m.LogJointGradient(data, g);
        FD.Check("P23 struct auto-properties of a class model (+[Differentiable] struct instance method, record struct to static)", m, o => ((Posterior)o).LogJoint(data), g, v);
    }
}
