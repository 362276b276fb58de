using System;
using System.Collections.Generic;
using System.IO;
using DiffGen.Samples.Support;

namespace DiffGen.Samples.Tutorials;

/// <summary>
/// One problem, five optimizers: Rosenbrock's banana valley, f(a, b) = (1 − a)² + 100·(b − a²)², from
/// (−1.5, 2). Its curved, narrow valley is where plain gradient descent crawls, momentum and the
/// adaptive methods (AdaGrad, RMSProp, Adam) differ most.
/// </summary>
public static partial class OptimizerRace
{
    /// <summary>Rosenbrock's function of the point p = (a, b); its minimum is 0 at (1, 1).</summary>
    [Differentiable]
    public static double Rosenbrock(double[] p) => (1 - p[0]) * (1 - p[0]) + 100 * (p[1] - p[0] * p[0]) * (p[1] - p[0] * p[0]);

    /// <summary>The contestants, each with the learning rate that suits it on this problem.</summary>
    public static IReadOnlyList<(string Name, Func<ParameterSet<double>, IOptimizer> Create)> Contestants { get; } =
    [
        ("SGD 1e-3", p => new Sgd<double>(p, 1e-3)),
        ("SGD + momentum 0.9, 1e-3", p => new Sgd<double>(p, 1e-3, momentum: 0.9)),
        ("AdaGrad 0.5", p => new AdaGrad<double>(p, 0.5)),
        ("RMSProp 1e-2", p => new RmsProp<double>(p, 1e-2)),
        ("Adam 0.05", p => new Adam<double>(p, 0.05)),
    ];

    /// <summary>The loss before each of <paramref name="steps"/> steps, and the point reached.</summary>
    public static (double[] Losses, double A, double B) Race(Func<ParameterSet<double>, IOptimizer> create, int steps)
    {
        var parameters = new ParameterSet<double>();
        var p = parameters.Add("p", 2);
        (p.Values[0], p.Values[1]) = (-1.5, 2);
        var optimizer = create(parameters);
        var losses = new double[steps];
        for (var step = 0; step < steps; step++)
        {
            parameters.ZeroGradients();
            losses[step] = RosenbrockGradient(p.Values, p.Gradients);
            optimizer.Step();
        }

        return (losses, p.Values[0], p.Values[1]);
    }

    public static void Run(int steps = 3000, string outputDirectory = "out")
    {
        Console.WriteLine($"Optimizers on Rosenbrock's valley from (−1.5, 2), {steps} steps; the minimum is 0 at (1, 1)");
        var curves = new List<Series>();
        foreach (var (name, create) in Contestants)
        {
            var (losses, a, b) = Race(create, steps);
            Console.WriteLine($"  {name,-26} loss after 100 steps {losses[99],10:E2}, after {steps} {losses[^1],10:E2}  at ({a:F4}, {b:F4})");
            curves.Add(new Series(name, losses));
        }

        var plot = LinePlot.Save(Path.Combine(outputDirectory, "optimizers.png"), "Rosenbrock from (-1.5, 2)", "step", "loss", curves, logY: true);
        Console.WriteLine($"  plot: {LinePlot.Display(plot)}");
    }
}
