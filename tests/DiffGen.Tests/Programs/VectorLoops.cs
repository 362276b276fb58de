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

    /// <summary>
    /// XOR's network at any width: n samples of two inputs through h sigmoid units (weights w1[2·j], w1[2·j + 1]) and a
    /// sigmoid output, binary cross-entropy. Exp keeps the forward loop over units scalar; its reverse runs lanes.
    /// </summary>
    [Differentiable]
    public static double SigmoidLayer(double[] w1, double[] b1, double[] w2, double b2, [NoDerivative] double[] x, [NoDerivative] double[] y, int n, int h)
    {
        double loss = 0;
        for (int s = 0; s < n; s++)
        {
            double o = b2;
            for (int j = 0; j < h; j++)
            {
                double z = b1[j] + w1[j * 2] * x[s * 2] + w1[j * 2 + 1] * x[s * 2 + 1];
                o += w2[j] / (1 + Math.Exp(-z));
            }

            double p = 1 / (1 + Math.Exp(-o));
            loss -= y[s] * Math.Log(p + 1e-8) + (1 - y[s]) * Math.Log(1 - p + 1e-8);
        }

        return loss / n;
    }

    /// <summary>A tanh layer over three inputs in float (weights three apart), its output squared: eight lanes a vector.</summary>
    [Differentiable]
    public static float TanhLayerFloat(float[] w, float[] b, float[] v, [NoDerivative] float[] x, int h)
    {
        float output = 0;
        for (int j = 0; j < h; j++)
        {
            float z = w[3 * j] * x[0] + w[3 * j + 1] * x[1] + w[3 * j + 2] * x[2] + b[j];
            output += v[j] * MathF.Tanh(z);
        }

        return output * output / 2;
    }

    /// <summary><see cref="TanhLayerFloat"/> in double.</summary>
    [Differentiable]
    public static double TanhLayer(double[] w, double[] b, double[] v, [NoDerivative] double[] x, int h)
    {
        double output = 0;
        for (int j = 0; j < h; j++)
        {
            double z = w[3 * j] * x[0] + w[3 * j + 1] * x[1] + w[3 * j + 2] * x[2] + b[j];
            output += v[j] * Math.Tanh(z);
        }

        return output * output / 2;
    }

    /// <summary>The negative log-likelihood of a Poisson regression, log-rate a + b·t: the rate's Exp keeps the forward scalar.</summary>
    [Differentiable]
    public static double PoissonLikelihood(double a, double b, [NoDerivative] double[] t, [NoDerivative] double[] counts)
    {
        double nll = 0;
        for (int i = 0; i < t.Length; i++)
        {
            double eta = a + b * t[i];
            nll += Math.Exp(eta) - counts[i] * eta;
        }

        return nll;
    }

    /// <summary>ReLU units over two inputs (weights two apart) scaled by exp(v[j]): a gated reverse in lanes, masked.</summary>
    [Differentiable]
    public static double GatedSoftScaledLayer(double[] w, double[] b, double[] v, double x0, double x1)
    {
        double s = 0;
        for (int j = 0; j < b.Length; j++)
        {
            double z = w[2 * j] * x0 + w[2 * j + 1] * x1 + b[j];
            s += Math.Max(0, z) * Math.Exp(v[j]);
        }

        return s;
    }

    /// <summary>Logistic regression on two features stored interleaved, as written from a textbook: w[0], w[1] and b.</summary>
    [Differentiable]
    public static double LogisticRegression(double[] w, double b, [NoDerivative] double[] x, [NoDerivative] double[] y)
    {
        double nll = 0;
        for (int i = 0; i < y.Length; i++)
        {
            double z = w[0] * x[2 * i] + w[1] * x[2 * i + 1] + b;
            nll += Math.Log(1 + Math.Exp(-z)) + (1 - y[i]) * z;
        }

        return nll / y.Length;
    }

    /// <summary>Cash flows discounted continuously at t·dt, t = 1 … n: the counter used as a number.</summary>
    [Differentiable]
    public static double DiscountedCashFlows(double r, double dt, double[] cash)
    {
        double pv = 0;
        for (int t = 1; t <= cash.Length; t++)
        {
            pv += cash[t - 1] * Math.Exp(-r * t * dt);
        }

        return pv;
    }

    /// <summary><see cref="DiscountedCashFlows"/> in float: eight counters a vector.</summary>
    [Differentiable]
    public static float DiscountedCashFlowsFloat(float r, float dt, float[] cash)
    {
        float pv = 0;
        for (int t = 1; t <= cash.Length; t++)
        {
            pv += cash[t - 1] * MathF.Exp(-r * t * dt);
        }

        return pv;
    }
}
