using System;
using System.Linq;

namespace DiffGen.Tests.Programs;

/// <summary>Programs a reviewer wrote against this session's features that gave wrong values or gradients, now right.</summary>
public static partial class ReviewFound
{
    // Count with a predicate counted every element.
    [Differentiable]
    public static double Positives(double w, [NoDerivative] double[] d) => d.Count(v => v > 0) * w;

    // Enumerable.Max passes over NaN; a fold with Math.Max returned NaN.
    [Differentiable]
    public static double Peak(double w, [NoDerivative] double[] d) => d.Select(v => v * w).Max();

    [Differentiable]
    public static double Trough(double w, [NoDerivative] double[] d) => d.Select(v => v * w).Min();

    // Overlapping CopyTo within one array copied forward, reading what it had just written.
    [Differentiable]
    public static double Shift(double a, double b)
    {
        double[] z = { a, b, 0 };
        z.AsSpan(0, 2).CopyTo(z.AsSpan(1));
        return z[0] + 2 * z[1] + 3 * z[2];
    }

    [Differentiable]
    public static double ShiftBack(double a, double b, double c)
    {
        double[] z = { a, b, c, 0 };
        z.AsSpan(1, 3).CopyTo(z);
        return z[0] + 2 * z[1] + 3 * z[2] + 4 * z[3];
    }

    // The five-argument Array.Copy (it was reported as a call that returns void), overlapping too.
    [Differentiable]
    public static double CopyRange(double a, double b, double c)
    {
        double[] z = { a, b, c, 0, 0 };
        var y = new double[5];
        Array.Copy(z, 1, y, 2, 3);
        Array.Copy(z, 0, z, 1, 3);
        return y[2] + 2 * y[3] + 3 * y[4] + 4 * z[1] + 5 * z[2] + 6 * z[3];
    }

    // A helper whose LINQ lambdas return values was taken for a helper that returns early; span.ToArray() was an instance call.
    static double[] Softmax(double[] z)
    {
        var m = z.Max();
        var e = z.Select(v => Math.Exp(v - m)).ToArray();
        var s = e.Sum();
        return e.Select(v => v / s).ToArray();
    }

    [Differentiable]
    public static double SoftmaxOfTail(double[] w, int label) => Math.Log(Softmax(w.AsSpan(1).ToArray())[label]);
}
