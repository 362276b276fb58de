using System;

namespace DiffGen.Tests.Programs;

/// <summary>One elementary operation each, for the conventions at kinks, domain edges, NaN and infinities.</summary>
public static partial class Conventions
{
    [Differentiable] public static double Abs(double x) => Math.Abs(x);
    [Differentiable] public static double Max(double x, double y) => Math.Max(x, y);
    [Differentiable] public static double Min(double x, double y) => Math.Min(x, y);
    [Differentiable] public static double Relu(double z) => Functions.Relu(z);
    [Differentiable] public static double ReluBranch(double z) => z > 0 ? z : 0;
    [Differentiable] public static double Max0(double z) => Math.Max(z, 0);
    [Differentiable] public static double Sqrt(double x) => Math.Sqrt(x);
    [Differentiable] public static double Log(double x) => Math.Log(x);
    [Differentiable] public static double Pow(double x, double y) => Math.Pow(x, y);
    [Differentiable] public static double Exp(double x) => Math.Exp(x);
    [Differentiable] public static double Tanh(double x) => Math.Tanh(x);
    [Differentiable] public static double Square(double x) => x * x;
    [Differentiable] public static double Affine(double x) => 2 * x + 1;
    [Differentiable] public static double Div(double x, double y) => x / y;

    /// <summary>A computed dividend: the divisor's adjoint is the dividend's share times −(x/y), one division, not two.</summary>
    [Differentiable] public static double ScaledDiv(double x, double y) => 2 * x / y;

    /// <summary>A reciprocal: −1/y² as −(1/y)², no division in the reverse sweep.</summary>
    [Differentiable] public static double Reciprocal(double y) => 1 / y;

    /// <summary>|(x, y)|² through a square root: at the origin 0·∞ would be NaN; DiffGen's strong zero gives 0.</summary>
    [Differentiable] public static double NormSquared(double x, double y)
    {
        double r = Math.Sqrt(x * x + y * y);
        return r * r;
    }
}
