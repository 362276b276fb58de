using System;
using System.Linq;
using DiffGen;
namespace DiffGen.Tests.Programs.ModelsAsWritten;

public sealed class Expert
{
    public double[] W = new double[2];
    public double B;
    public double Temperature = 1;
}
public sealed class Block
{
    public Expert[] Experts = Array.Empty<Expert>();
    public double Gate;
}
public sealed partial class Moe
{
    public Block[] Blocks = Array.Empty<Block>();
    public Expert[] Experts = Array.Empty<Expert>();
    public double Mix;

    // routing by data: Experts[route[i]]
    [Differentiable]
    public double Routed([NoDerivative] double[] x, [NoDerivative] int[] route)
    {
        double s = 0;
        for (int i = 0; i < route.Length; i++)
        {
            var e = Experts[route[i]];
            double z = e.B + e.W[0] * x[2 * i] + e.W[1] * x[2 * i + 1];
            s += Math.Tanh(z / e.Temperature);
        }
        return s * Mix;
    }

    static Moe Make() => new Moe
    {
        Experts = new[] { new Expert(), new Expert(), new Expert() },
        Blocks = new[] { new Block { Experts = new[] { new Expert(), new Expert() } }, new Block { Experts = new[] { new Expert() } } },
    };

    public static void Run()
    {
        var m = Make(); FD.Fill(m, 15, 0.9); foreach (var e in m.Experts) e.Temperature = 1.5;
        var g = Make(); foreach (var e in g.Experts.Concat(g.Blocks.SelectMany(b => b.Experts))) e.Temperature = 0; // gradients accumulate: start at zero
        var x = new[] { 0.1, 0.4, -0.6, 0.8, 0.3, 0.3, 1.0, -1.0 }; var route = new[] { 2, 0, 2, 1 };
        double v = m.RoutedGradient(x, route, g);
        FD.Check("P15a data-routed experts Experts[route[i]]", m, o => ((Moe)o).Routed(x, route), g, v);
    }
}
