using System;

namespace DiffGen.Tests.Programs;

/// <summary>
/// Issue 14, item 4, as people write them: vector-valued [Differentiable] methods that write output spans
/// or return an array, whose generated vector-Jacobian products and Jacobians the tests check.
/// </summary>
public static partial class Vectors
{
    // ---- Ceres' curve_fitting example: residuals of y = exp(m x + c) ----

    [Differentiable]
    public static void DecayResiduals(double m, double c, [NoDerivative] double[] x, [NoDerivative] double[] y, Span<double> r)
    {
        for (int i = 0; i < x.Length; i++)
            r[i] = y[i] - Math.Exp(m * x[i] + c);
    }

    // A scalar objective that calls the residuals: inlined from the body, as before.
    [Differentiable]
    public static double DecayLoss(double m, double c, [NoDerivative] double[] x, [NoDerivative] double[] y)
    {
        var r = new double[x.Length];
        DecayResiduals(m, c, x, y, r);
        double sum = 0;
        foreach (var e in r) sum += e * e;
        return 0.5 * sum;
    }

    // ---- the n-dimensional Rosenbrock function as least squares: r = (10 (p[i+1] − p[i]²), 1 − p[i]) ----

    [Differentiable]
    public static void RosenbrockResiduals(double[] p, double[] r)
    {
        for (int i = 0; i + 1 < p.Length; i++)
        {
            r[2 * i] = 10 * (p[i + 1] - p[i] * p[i]);
            r[2 * i + 1] = 1 - p[i];
        }
    }

    // ---- sensitivity analysis: the end state of a damped oscillator by explicit Euler, updated in place ----

    [Differentiable]
    public static void OscillatorEnd(double stiffness, double damping, ReadOnlySpan<double> start, [NoDerivative] double h, int steps, Span<double> state)
    {
        state[0] = start[0];
        state[1] = start[1];
        for (int s = 0; s < steps; s++)
        {
            double position = state[0], velocity = state[1];
            state[0] = position + h * velocity;
            state[1] = velocity + h * (-stiffness * position - damping * velocity * Math.Abs(velocity));
        }
    }

    // ---- a numerically stable softmax, returned as a new array ----

    [Differentiable]
    public static double[] Softmax(double[] z)
    {
        double max = z[0];
        for (int i = 1; i < z.Length; i++)
            if (z[i] > max) max = z[i];
        var p = new double[z.Length];
        double sum = 0;
        for (int i = 0; i < z.Length; i++)
        {
            p[i] = Math.Exp(z[i] - max);
            sum += p[i];
        }

        for (int i = 0; i < z.Length; i++) p[i] /= sum;
        return p;
    }

    // ---- a dense layer's output vector: tanh(W x + b), the weights a matrix ----

    [Differentiable]
    public static void Dense(double[,] w, double[] b, [NoDerivative] double[] x, Span<double> y)
    {
        for (int j = 0; j < b.Length; j++)
        {
            double z = b[j];
            for (int k = 0; k < x.Length; k++) z += w[j, k] * x[k];
            y[j] = Math.Tanh(z);
        }
    }

    // ---- two outputs, a branch in a loop, a leaky clamp, an early return, accumulation into an output ----

    [Differentiable]
    public static void Piecewise(double a, double[] v, [NoDerivative] double threshold, Span<double> low, Span<double> high)
    {
        low[0] = 0;
        high[0] = a;
        if (v.Length == 0) return;
        for (int i = 0; i < v.Length; i++)
        {
            if (v[i] * a < threshold)
            {
                low[0] += v[i] * v[i];
                high[i + 1] = 0.1 * v[i];
            }
            else
            {
                high[i + 1] = Math.Sqrt(1 + v[i] * a);
            }
        }

        low[1] = low[0] * a;
    }

    // ---- a returned array made with new[] { … }: polar to Cartesian ----

    [Differentiable]
    public static double[] Cartesian(double radius, double angle) =>
        new[] { radius * Math.Cos(angle), radius * Math.Sin(angle) };

    // ---- float precision ----

    [Differentiable]
    public static void ScaledSquares(float scale, float[] v, Span<float> r)
    {
        for (int i = 0; i < v.Length; i++) r[i] = scale * v[i] * v[i];
    }

    // ---- outputs written through a helper, into a slice, with += on what was filled ----

    [Differentiable]
    public static void Stacked(double[] v, double[] r)
    {
        r.AsSpan().Fill(v[0]);
        AddSquares(v, r.AsSpan(1));
        r[0] *= r[1];
    }

    [Differentiable]
    static void AddSquares(double[] v, Span<double> o)
    {
        for (int i = 0; i < o.Length; i++) o[i] += v[i] * Math.Sin(v[i]);
    }
}
