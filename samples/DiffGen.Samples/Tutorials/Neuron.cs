using System;
using DiffGen.Samples.Support;

namespace DiffGen.Samples.Tutorials;

/// <summary>
/// The sigmoid neuron worked by hand in the classic backpropagation tutorial:
/// z = w1·x1 + w2·x2 + b, a = σ(z), C = ½(y − a)², at w1 = 2, w2 = −3, b = −3, x = (−1, −2), y = 1.
/// </summary>
public static partial class Neuron
{
    [Differentiable(Graph = true)]
    public static double Cost(double w1, double w2, double b,
                              [NoDerivative] double x1, [NoDerivative] double x2, [NoDerivative] double y)
    {
        double z = w1 * x1 + w2 * x2 + b;
        double a = 1 / (1 + Math.Exp(-z));
        return 0.5 * (y - a) * (y - a);
    }

    public static void Run(string outputDirectory = "out")
    {
        double w1 = 2, w2 = -3, b = -3;
        const double x1 = -1, x2 = -2, y = 1;

        double dw1 = 0, dw2 = 0, db = 0;
        var cost = CostGradient(w1, w2, b, x1, x2, y, ref dw1, ref dw2, ref db);
        var a = 1 / (1 + Math.Exp(-(w1 * x1 + w2 * x2 + b)));

        Console.WriteLine("The sigmoid neuron, worked by hand and by DiffGen");
        Console.WriteLine();
        Console.WriteLine("  forward:  z = w1·x1 + w2·x2 + b = 1,  a = σ(z),  C = ½(y − a)²");
        Console.WriteLine($"            a  = {a:F6}   (tutorial: 0.73)");
        Console.WriteLine($"            C  = {cost:F6}");
        Console.WriteLine($"  backward: σ'(z) = a(1 − a) = {a * (1 - a):F6}   (tutorial: 0.1971)");
        Console.WriteLine();
        Console.WriteLine("              DiffGen (exact)           tutorial (rounded)");
        Console.WriteLine($"  ∂C/∂w1   {dw1,22:R}   {0.053217,12}");
        Console.WriteLine($"  ∂C/∂w2   {dw2,22:R}   {0.106434,12}");
        Console.WriteLine($"  ∂C/∂b    {db,22:R}   {-0.053217,12}");
        Console.WriteLine("  (PyTorch, float64: 0.052877092784266715, 0.10575418556853343, -0.052877092784266715)");

        const double learningRate = 1.0;
        w1 -= learningRate * dw1;
        w2 -= learningRate * dw2;
        b -= learningRate * db;
        var newActivation = 1 / (1 + Math.Exp(-(w1 * x1 + w2 * x2 + b)));
        Console.WriteLine();
        Console.WriteLine($"  one step of gradient descent, learning rate {learningRate}:");
        Console.WriteLine($"    w1 = {w1:F3}, w2 = {w2:F3}, b = {b:F3}   (tutorial: 1.947, -3.106, -2.947)");
        Console.WriteLine($"    new activation a = {newActivation:F2}   (tutorial: 0.79; the target is 1)");

        // The tutorial's figure: every intermediate with its value and adjoint, every edge its local derivative.
        Console.WriteLine();
        Console.WriteLine("  the computation graph at the starting point (∂C/∂w1 on w1's node, 0.0529 to the tutorial's 4 digits):");
        GraphFiles.Write(Graph(), "neuron-graph", outputDirectory);
    }

    /// <summary>The tutorial's neuron at its starting point, as a computation graph.</summary>
    public static ComputationGraph Graph() => CostGraph(2, -3, -3, -1, -2, 1);
}
