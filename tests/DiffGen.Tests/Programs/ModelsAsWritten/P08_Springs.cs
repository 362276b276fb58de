using System;
using DiffGen;
namespace DiffGen.Tests.Programs.ModelsAsWritten;

public partial struct SpringChain
{
    public double[] Masses;
    public double[] Stiffness;
    public double[] RestLength;
    public double Damping;
    [NoDerivative] public int Count;

    readonly double Potential(double[] x)
    {
        double e = 0;
        for (int i = 0; i + 1 < Count; i++)
        {
            double stretch = x[i + 1] - x[i] - RestLength[i];
            e += 0.5 * Stiffness[i] * stretch * stretch;
        }
        return e;
    }

    [Differentiable]
    public readonly double FinalEnergy([NoDerivative] double[] x0, double dt, int steps)
    {
        var x = new double[Count];
        var v = new double[Count];
        for (int i = 0; i < Count; i++) x[i] = x0[i];
        for (int s = 0; s < steps; s++)
        {
            var f = new double[Count];
            for (int i = 0; i + 1 < Count; i++)
            {
                double stretch = x[i + 1] - x[i] - RestLength[i];
                f[i] += Stiffness[i] * stretch;
                f[i + 1] -= Stiffness[i] * stretch;
            }
            for (int i = 0; i < Count; i++)
            {
                v[i] += dt * (f[i] - Damping * v[i]) / Masses[i];
                x[i] += dt * v[i];
            }
        }
        double kinetic = 0;
        for (int i = 0; i < Count; i++) kinetic += 0.5 * Masses[i] * v[i] * v[i];
        return kinetic + Potential(x);
    }

    public static void Run()
    {
        var m = new SpringChain { Count = 4, Masses = new[] { 1.0, 2.0, 1.5, 0.8 }, Stiffness = new[] { 3.0, 1.0, 2.0 }, RestLength = new[] { 1.0, 1.1, 0.9 }, Damping = 0.2 };
        var g = new SpringChain { Count = 4, Masses = new double[4], Stiffness = new double[3], RestLength = new double[3] };
        var x0 = new[] { 0.0, 1.3, 2.0, 3.4 };
        double ddt = 0;
        double v = m.FinalEnergyGradient(x0, 0.05, 30, ref g, ref ddt);
        FD.Check("P08 spring chain struct (readonly instance, instance helper)", m, o => ((SpringChain)o).FinalEnergy(x0, 0.05, 30), g, v);
        double fd = (m.FinalEnergy(x0, 0.05 + 1e-7, 30) - m.FinalEnergy(x0, 0.05 - 1e-7, 30)) / 2e-7;
        Console.WriteLine($"      ddt {ddt} vs {fd}");
    }
}
