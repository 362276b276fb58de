using System;

namespace DiffGen.Tests.Programs;

/// <summary>
/// Loops the generator runs Vector256 lanes at a time in both sweeps: a layer's per-unit loop in float, a least-squares
/// sum over a long series whose scalar parameters gather their adjoints per lane, and a ReLU layer whose off units must
/// add nothing even under an infinite adjoint (the lanes masked as the gated scalar loop skips them).
/// </summary>
public static partial class VectorLoops
{
    /// <summary>The mission's two-layer ReLU MSE in float: eight lanes a vector.</summary>
    [Differentiable]
    public static float TwoLayerFloat([NoDerivative] float[] x, [NoDerivative] float[] y, int n, int d, int h, float[] w1, float[] b1, float[] w2, float b2)
    {
        float total = 0;
        for (int i = 0; i < n; i++)
        {
            float output = b2;
            for (int j = 0; j < h; j++)
            {
                float z = b1[j];
                for (int k = 0; k < d; k++)
                    z += x[i * d + k] * w1[j * d + k];
                output += MathF.Max(0, z) * w2[j];
            }

            float diff = y[i] - output;
            total += diff * diff;
        }

        return total / n;
    }

    /// <summary>The mean squared residual of a line a·t + b through a series.</summary>
    [Differentiable]
    public static double LineFit(double a, double b, [NoDerivative] double[] t, [NoDerivative] double[] y)
    {
        double sum = 0;
        for (int j = 0; j < t.Length; j++)
        {
            double r = y[j] - (a * t[j] + b);
            sum += r * r;
        }

        return sum / t.Length;
    }

    /// <summary><see cref="LineFit"/> over samples lo..hi, both included, as a loop written with <c>&lt;=</c>.</summary>
    [Differentiable]
    public static double LineFitInclusive(double a, double b, [NoDerivative] double[] t, [NoDerivative] double[] y, int lo, int hi)
    {
        double sum = 0;
        for (int j = lo; j <= hi; j++)
        {
            double r = y[j] - (a * t[j] + b);
            sum += r * r;
        }

        return sum;
    }

    /// <summary>A ReLU layer's units 0..Length − 1 written as <c>j &lt;= w.Length - 1</c>, with a scalar input.</summary>
    [Differentiable]
    public static double ReluLayerToLast(double[] w, double[] b, double input)
    {
        double s = 0;
        for (int j = 0; j <= w.Length - 1; j++)
        {
            double z = input * w[j] + b[j];
            s += Math.Max(0, z) * Math.Max(0, z);
        }

        return s;
    }

    /// <summary>A layer of ReLU units over fixed activations, summed with weight 3.</summary>
    [Differentiable]
    public static double ReluLayer(double[] w, double[] b, [NoDerivative] double[] a)
    {
        double s = 0;
        for (int j = 0; j < w.Length; j++)
        {
            double z = a[j] * w[j] + b[j];
            s += Math.Max(0, z) * 3;
        }

        return s;
    }
}
