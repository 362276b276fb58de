using System;

namespace DiffGen.Tests.Programs;

/// <summary>
/// Nested differentiation, written as its users write it: a loss over a derivative of a model. A physics-informed
/// network fits u′(x) = cos x through <c>UTangent</c>; force matching fits a potential's stiffness to forces −∇E through
/// <c>EnergyGradient</c>; a gradient penalty keeps a critic's input gradient at norm 1 (WGAN-GP).
/// </summary>
public static partial class Nested
{
    /// <summary>u(x; w): a 1-8-1 tanh network (w: 8 input weights, 8 biases, 8 output weights, 1 output bias).</summary>
    [Differentiable]
    public static double U(double x, double[] w)
    {
        double u = w[24];
        for (int j = 0; j < 8; j++)
        {
            u += w[16 + j] * Math.Tanh(w[j] * x + w[8 + j]);
        }

        return u;
    }

    /// <summary>The PINN loss of u′ = cos x at the collocation points, and u(0) = 0.</summary>
    [Differentiable]
    public static double PinnLoss(double[] w, [NoDerivative] double[] xs)
    {
        double[] tw = new double[w.Length]; // the weights do not move: the derivative is along x alone
        double loss = 0;
        foreach (double x in xs)
        {
            UTangent(x, w, 1.0, tw, out double dudx);
            double r = dudx - Math.Cos(x);
            loss += r * r;
        }

        double u0 = U(0, w);
        return loss / xs.Length + u0 * u0;
    }

    /// <summary>A 2-D potential with stiffness k.</summary>
    [Differentiable]
    public static double Energy(double x, double y, double k) => 0.5 * k * (x * x + 2 * y * y) + Math.Sin(x * y);

    /// <summary>Force matching: the x-forces −∂E/∂x against observed ones, and the y-force pulled to zero.</summary>
    [Differentiable]
    public static double ForceLoss(double k, [NoDerivative] double[] px, [NoDerivative] double[] fx)
    {
        double total = 0;
        for (int i = 0; i < px.Length; i++)
        {
            double gx = 0, gy = 0, gk = 0;
            EnergyGradient(px[i], 0.5 * px[i], k, ref gx, ref gy, ref gk);
            double e = -gx - fx[i];
            total += e * e + 0.1 * gy * gy;
        }

        return total;
    }

    /// <summary>A critic of two inputs: D(x, y) = tanh(a x + b y + c).</summary>
    [Differentiable]
    public static double Critic(double x, double y, double a, double b, double c) => Math.Tanh(a * x + b * y + c);

    /// <summary>WGAN-GP's penalty: (‖∇ₓD‖ − 1)² at each sample, with the critic's mean score.</summary>
    [Differentiable]
    public static double CriticLoss(double a, double b, double c, [NoDerivative] double[] samples)
    {
        double loss = 0;
        for (int i = 0; i + 1 < samples.Length; i += 2)
        {
            double dx = 0, dy = 0, da = 0, db = 0, dc = 0;
            double score = CriticGradient(samples[i], samples[i + 1], a, b, c, ref dx, ref dy, ref da, ref db, ref dc);
            double norm = Math.Sqrt(dx * dx + dy * dy);
            loss += score + 10 * (norm - 1) * (norm - 1);
        }

        return loss;
    }

    /// <summary>A gradient accumulated over a loop (the seed scales each sample) and the tangent into an existing local.</summary>
    [Differentiable]
    public static double Accumulated(double w, double v, [NoDerivative] double[] xs)
    {
        double g = 0, ignored = 0, slope = 0;
        for (int i = 0; i < xs.Length; i++)
        {
            SoftplusGradient(w * xs[i], v, ref g, ref ignored, v * xs[i]);
        }

        double value = SoftplusTangent(w, v, v, 1.0, out slope);
        SoftplusTangent(w, v, 1.0, 0.0, out _);
        return g * g + value * slope;
    }

    [Differentiable]
    public static double Softplus(double z, double t) => t * Math.Log(1 + Math.Exp(z / t));

    /// <summary>A float method through a float callee's tangent.</summary>
    [Differentiable]
    public static float SlopeF(float a, float b)
    {
        float value = CubeFTangent(a * b, a, out float slope);
        return value + slope * slope;
    }

    [Differentiable]
    public static float CubeF(float x) => x * x * x;

    /// <summary>Logistic loss of one sample.</summary>
    [Differentiable]
    public static double Logit(double[] w, double[] x)
    {
        double z = 0;
        for (int i = 0; i < w.Length; i++)
        {
            z += w[i] * x[i];
        }

        return Math.Log(1 + Math.Exp(-z));
    }

    /// <summary>Samples as the rows of a jagged array, each passed to the per-sample loss (a DG0010 once: the row was not kept for the reverse sweep).</summary>
    [Differentiable]
    public static double JaggedLoss(double[] w, [NoDerivative] double[][] rows)
    {
        double s = 0;
        for (int k = 0; k < rows.Length; k++)
        {
            s += Logit(w, rows[k]);
        }

        return s;
    }

    /// <summary>The loss's sensitivity to each sample along its own row, squared: rows as tangent directions.</summary>
    [Differentiable]
    public static double RowSensitivity(double[] w, [NoDerivative] double[] x, [NoDerivative] double[][] rows)
    {
        double[] tw = new double[w.Length];
        double s = 0;
        for (int k = 0; k < rows.Length; k++)
        {
            LogitTangent(w, x, tw, rows[k], out double g);
            s += g * g;
        }

        return s;
    }
}
