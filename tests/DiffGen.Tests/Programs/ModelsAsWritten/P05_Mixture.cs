using System;
using DiffGen;
namespace DiffGen.Tests.Programs.ModelsAsWritten;

public struct Component
{
    public double Mu;
    public double LogSigma;
    public double Logit;
    public double Sigma => Math.Exp(LogSigma);
    public double LogPdf(double x)
    {
        double z = (x - Mu) / Sigma;
        return -0.5 * z * z - LogSigma - 0.5 * Math.Log(2 * Math.PI);
    }
}

public partial struct Mixture3
{
    public Component A;
    public Component B;
    public Component C;

    [Differentiable]
    public double Nll([NoDerivative] double[] data)
    {
        double m = Math.Max(A.Logit, Math.Max(B.Logit, C.Logit));
        double lse = m + Math.Log(Math.Exp(A.Logit - m) + Math.Exp(B.Logit - m) + Math.Exp(C.Logit - m));
        double total = 0;
        foreach (var x in data)
        {
            double la = A.Logit - lse + A.LogPdf(x);
            double lb = B.Logit - lse + B.LogPdf(x);
            double lc = C.Logit - lse + C.LogPdf(x);
            double mm = Math.Max(la, Math.Max(lb, lc));
            total -= mm + Math.Log(Math.Exp(la - mm) + Math.Exp(lb - mm) + Math.Exp(lc - mm));
        }
        return total / data.Length;
    }

    public static void Run()
    {
        var m = new Mixture3 { A = new Component { Mu = -1, LogSigma = -0.2, Logit = 0.3 }, B = new Component { Mu = 0.5, LogSigma = 0.1, Logit = -0.2 }, C = new Component { Mu = 2, LogSigma = -0.5, Logit = 0.1 } };
        var data = new[] { -1.2, -0.8, 0.4, 0.6, 1.9, 2.2, 0.1 };
        var g = new Mixture3();
        double v = m.NllGradient(data, ref g);
        FD.Check("P05 Gaussian mixture of nested structs (instance, struct)", m, o => ((Mixture3)o).Nll(data), g, v);
    }
}
