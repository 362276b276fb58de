namespace DiffGen.Tests.Programs;

/// <summary>Non-quadratic test objectives for the optimizers.</summary>
public static partial class Objectives
{
    /// <summary>The Rosenbrock function: Σ (1 − pᵢ)² + 10 (pᵢ₊₁ − pᵢ²)².</summary>
    [Differentiable]
    public static double Rosenbrock(double[] p)
    {
        double f = 0;
        for (int i = 0; i < p.Length - 1; i++)
        {
            double a = 1 - p[i];
            double b = p[i + 1] - p[i] * p[i];
            f += a * a + 10 * b * b;
        }

        return f;
    }
}

/// <summary>A user's model built from the library's differentiable functions (a cross-assembly chain).</summary>
public static partial class LibraryUser
{
    [Differentiable]
    public static double Loss(double w, double b, [NoDerivative] double x, [NoDerivative] double y) =>
        Functions.BinaryCrossEntropyWithLogits(w * x + b, y) + 0.1 * Functions.Softplus(w) + Functions.SquaredError(Functions.Tanh(b), 0.5);
}
