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

/// <summary>
/// Logistic regression, the L-BFGS tests' second problem (tools/pytorch_lbfgs_reference.py): the mean binary
/// cross-entropy of the logits x·w + b against y over the samples (x row-major, w.Length features), plus
/// 0.005·|w|².
/// </summary>
public static partial class Logistic
{
    [Differentiable]
    public static double Loss(double[] w, double[] b, [NoDerivative] double[] x, [NoDerivative] double[] y)
    {
        int d = w.Length;
        double total = 0;
        for (int i = 0; i < y.Length; i++)
        {
            double z = 0;
            for (int j = 0; j < d; j++)
            {
                z += x[i * d + j] * w[j];
            }

            total += Functions.BinaryCrossEntropyWithLogits(z + b[0], y[i]);
        }

        double penalty = 0;
        for (int j = 0; j < d; j++)
        {
            penalty += w[j] * w[j];
        }

        return total / y.Length + 0.005 * penalty;
    }
}

/// <summary>The same logistic regression as a model class: the weights an array, the bias a scalar property (a parameter copied in and out).</summary>
public sealed partial class LogisticModel
{
    public LogisticModel(int features) => W = new double[features];

    public double[] W { get; }

    public double B { get; set; }

    [Differentiable]
    public double Loss([NoDerivative] double[] x, [NoDerivative] double[] y)
    {
        int d = W.Length;
        double total = 0;
        for (int i = 0; i < y.Length; i++)
        {
            double z = 0;
            for (int j = 0; j < d; j++)
            {
                z += x[i * d + j] * W[j];
            }

            total += Functions.BinaryCrossEntropyWithLogits(z + B, y[i]);
        }

        double penalty = 0;
        for (int j = 0; j < d; j++)
        {
            penalty += W[j] * W[j];
        }

        return total / y.Length + 0.005 * penalty;
    }
}
