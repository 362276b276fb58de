using System;
using System.Linq;
using DiffGen;
namespace DiffGen.Tests.Programs.ModelsAsWritten;

public sealed class Comp1
{
    public double Mu;
    public double LogSd;
    public double Logit;
    [NoDerivative] public double Floor = 1e-9;
    [NoDerivative] public double[] Mask = { 1.0 };
}
public sealed partial class Gmm
{
    public Comp1[] Comps = Array.Empty<Comp1>();
    [NoDerivative] public double[] SampleWeights = Array.Empty<double>();

    [Differentiable]
    public double Nll([NoDerivative] double[] data)
    {
        double m = double.NegativeInfinity;
        foreach (var c in Comps) m = Math.Max(m, c.Logit);
        double z = 0;
        foreach (var c in Comps) z += Math.Exp(c.Logit - m);
        double lse = m + Math.Log(z);
        double total = 0;
        for (int i = 0; i < data.Length; i++)
        {
            double p = 0;
            foreach (var c in Comps)
            {
                if (c.Mask[0] == 0) continue;
                double sd = Math.Exp(c.LogSd) + c.Floor;
                double u = (data[i] - c.Mu) / sd;
                p += Math.Exp(c.Logit - lse) * Math.Exp(-0.5 * u * u) / (sd * Math.Sqrt(2 * Math.PI));
            }
            total -= SampleWeights[i] * Math.Log(p);
        }
        return total;
    }

    public static void Run()
    {
        var m = new Gmm { Comps = new[] { new Comp1 { Mu = -1, LogSd = -0.2, Logit = 0.3 }, new Comp1 { Mu = 0.4, LogSd = 0.1, Logit = -0.1 }, new Comp1 { Mu = 2, LogSd = 0.3, Logit = 0.0, Mask = new[] { 0.0 } }, new Comp1 { Mu = 1.5, LogSd = -0.4, Logit = 0.2 } }, SampleWeights = new[] { 1.0, 0.5, 2.0, 1.0, 1.0 } };
        var g = new Gmm { Comps = new[] { new Comp1 { Mask = null! }, new Comp1 { Mask = null! }, new Comp1 { Mask = null! }, new Comp1 { Mask = null! } }, SampleWeights = null! };
        var data = new[] { -1.1, 0.2, 0.5, 1.7, 2.1 };
        double v;
        try { v = m.NllGradient(data, g); }
        catch (Exception e) { Console.WriteLine($"[EXC] P26 gradient model with null [NoDerivative] arrays: {e.GetType().Name}: {e.Message}"); g = new Gmm { Comps = new[] { new Comp1(), new Comp1(), new Comp1(), new Comp1() } }; v = m.NllGradient(data, g); }
        FD.Check("P26 GMM as array of class components, [NoDerivative] scalar & array on elements, continue in foreach", m, o => ((Gmm)o).Nll(data), g, v);
        foreach (var c in g.Comps) c.Floor = 0;
        try { var ps = ParameterSet<double>.FromModel(m, g); Console.WriteLine("      FromModel: " + string.Join(",", ps.Select(p => p.Name))); }
        catch (Exception e) { Console.WriteLine($"      FromModel: {e.GetType().Name}: {e.Message}"); }
    }
}
