using System;

namespace DiffGen.Tests.Straight;

public static partial class Neuron
{
    [Differentiable]
    public static double Cost(double w1, double w2, double b,
                              [NoDerivative] double x1, [NoDerivative] double x2, [NoDerivative] double y)
    {
        double z = w1 * x1 + w2 * x2 + b;
        double a = 1 / (1 + Math.Exp(-z));
        return 0.5 * (y - a) * (y - a);
    }
}
