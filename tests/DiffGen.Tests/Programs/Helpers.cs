using System;
using System.Linq;

namespace DiffGen.Tests.Programs;

/// <summary>
/// Issue 13, items 1, 2, 6 and 10 as people write them: helpers that return an array or a tuple, void
/// helpers that fill an output span, unmarked helpers, arrays allocated inside loops.
/// </summary>
public static partial class Helpers
{
    // ---- a softmax classifier, as in the CS231n notes: Forward returns the logits, Softmax the probabilities ----

    static double[] Forward(double[] x, double[] w, double[] b)
    {
        var logits = new double[b.Length];
        for (int c = 0; c < b.Length; c++)
        {
            double z = b[c];
            for (int k = 0; k < x.Length; k++)
                z += w[c * x.Length + k] * x[k];
            logits[c] = z;
        }

        return logits;
    }

    static double[] Softmax(double[] z)
    {
        double max = z[0];
        for (int i = 1; i < z.Length; i++) max = Math.Max(max, z[i]);
        var e = new double[z.Length];
        double sum = 0;
        for (int i = 0; i < z.Length; i++)
        {
            e[i] = Math.Exp(z[i] - max);
            sum += e[i];
        }

        for (int i = 0; i < z.Length; i++) e[i] /= sum;
        return e;
    }

    [Differentiable]
    public static double SoftmaxLoss(double[] w, double[] b, [NoDerivative] double[] xs, int[] labels, int d)
    {
        double loss = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            var x = new double[d];
            for (int k = 0; k < d; k++) x[k] = xs[i * d + k];
            var p = Softmax(Forward(x, w, b));
            loss -= Math.Log(p[labels[i]]);
        }

        return loss / labels.Length;
    }

    // ---- layer normalization (Ba et al. 2016) with a helper returning (mean, variance) ----

    static (double mean, double variance) Moments(ReadOnlySpan<double> x)
    {
        double mean = 0;
        foreach (var v in x) mean += v;
        mean /= x.Length;
        double variance = 0;
        foreach (var v in x) variance += (v - mean) * (v - mean);
        return (mean, variance / x.Length);
    }

    [Differentiable]
    public static double LayerNormEnergy(double[] x, double[] gamma, double[] beta)
    {
        var (mean, variance) = Moments(x);
        var stats = Moments(gamma);
        double energy = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double y = gamma[i] * (x[i] - mean) / Math.Sqrt(variance + 1e-5) + beta[i];
            energy += y * y * (1 + stats.mean) + stats.variance;
        }

        return energy;
    }

    // ---- an Elman RNN step written as a void helper filling its output, a new state array each step ----

    static void Step(double[] h, double x, double[] wh, double[] wx, Span<double> next)
    {
        for (int j = 0; j < next.Length; j++)
        {
            double z = wx[j] * x;
            for (int k = 0; k < h.Length; k++)
                z += wh[j * h.Length + k] * h[k];
            next[j] = Math.Tanh(z);
        }
    }

    [Differentiable]
    public static double RnnLoss(double[] wh, double[] wx, [NoDerivative] double[] xs, [NoDerivative] double[] targets, int n)
    {
        var h = new double[n];
        double loss = 0;
        for (int t = 0; t < xs.Length; t++)
        {
            var next = new double[n];
            Step(h, xs[t], wh, wx, next);
            double error = next[0] - targets[t];
            loss += error * error;
            next.CopyTo(h, 0);
        }

        return loss;
    }

    // ---- an unmarked scalar helper, and one marked [Differentiable] that returns an array ----

    static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));

    [Differentiable]
    public static double[] Polynomial(double x, int degree)
    {
        var powers = new double[degree + 1];
        powers[0] = 1;
        for (int k = 1; k <= degree; k++) powers[k] = powers[k - 1] * x;
        return powers;
    }

    static double Total(params double[] values)
    {
        double total = 0;
        foreach (var v in values) total += v;
        return total;
    }

    [Differentiable]
    public static double Mixed(double x, double y)
    {
        var p = Polynomial(x, 3);
        var pair = (first: Sigmoid(x * y), second: p[2]);
        return Total(pair.first, pair.Item2, Polynomial(y, 2)[2]) + Sum(new[] { x, y, x * y });
    }

    [Differentiable]
    static double Sum(double[] v)
    {
        double s = 0;
        for (int i = 0; i < v.Length; i++) s += v[i];
        return s;
    }

    // ---- arrays of different lengths in each iteration, only partly written: the adjoints must not leak ----

    [Differentiable]
    public static double Ragged(double[] w, int steps)
    {
        double carry = 0.5;
        double loss = 0;
        for (int t = 0; t < steps; t++)
        {
            var h = new double[w.Length + t];
            for (int j = 0; j < w.Length; j++)
                if (j % 2 == t % 2) h[j] = Math.Tanh(w[j] * carry + t);
            double s = 0;
            for (int j = 0; j < h.Length; j++) s += h[j] * h[j] + h[j];
            carry = s / h.Length;
            loss += carry;
        }

        return loss;
    }
    // ---- slices: rows of a row-major batch as spans, views of local arrays, ranges of parameters ----

    static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    static void Relu(ReadOnlySpan<double> z, Span<double> output)
    {
        for (int i = 0; i < z.Length; i++) output[i] = Math.Max(0.0, z[i]);
    }

    [Differentiable]
    public static double Rows(double[] w, [NoDerivative] double[] xs, int d, int h)
    {
        double loss = 0;
        int n = xs.Length / d;
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<double> x = xs.AsSpan(i * d, d);
            var z = new double[h];
            for (int j = 0; j < h; j++)
                z[j] = Dot(w.AsSpan(j * d, d), x);
            var a = new double[2 * h];
            Relu(z, a.AsSpan(h, h));
            a.AsSpan(0, h).Fill(0.5);
            z.AsSpan(1).CopyTo(a.AsSpan(0, h - 1));
            double s = 0;
            foreach (var v in a.AsSpan(1, 2 * h - 1)) s += v * v;
            var tail = w[(w.Length - 2)..];
            var middle = a.AsSpan()[1..3];
            loss += s * tail[0] + tail[1] * middle[1] + Dot(x.Slice(1), w.AsSpan(0, d - 1));
        }

        return loss / n;
    }
    // ---- a helper that returns from inside its loop and from branches, called inside the caller's loop ----

    static double Piecewise(double x, double[] knots)
    {
        for (int i = 0; i < knots.Length; i++)
        {
            if (x < knots[i])
                return x * (i + 1);
        }

        if (x > 10)
            return 10;
        return Math.Sqrt(x) + knots.Length;
    }

    [Differentiable]
    public static double PiecewiseTotal(double w, [NoDerivative] double[] xs, [NoDerivative] double[] knots)
    {
        double total = 0;
        for (int i = 0; i < xs.Length; i++)
        {
            if (i == 2)
                continue;
            total += Piecewise(xs[i] * w, knots) * w;
            if (total > 1e3)
                break;
        }

        return total;
    }
    // ---- LINQ over arrays and spans, every reduction and step ----

    [Differentiable]
    public static double Linq(double[] w, [NoDerivative] double[] x, double t)
    {
        double dot = x.Zip(w, (a, b) => a * b).Sum();
        double squares = w.Select(v => v * v).Sum();
        double weighted = w.Select((v, i) => v * (i + 1)).Sum();
        double positive = w.Where(v => v > 0).Sum() + w.Where(v => v > 0).Count() + w.Where(v => v < t).Average(v => v * t);
        double top = w.Max() - w.Min(v => v * t) + w.Max(v => Math.Sin(v));
        double product = w.Aggregate(1.0, (p, v) => p * (1 + v * t));
        double chained = w.Aggregate((p, v) => p * 0.5 + v);
        var scaled = w.Select(v => v * t).ToArray();
        double fromArray = 0;
        foreach (var v in w.Select(v => Math.Exp(v)))
            fromArray += v * scaled[0];
        foreach (var (a, b) in x.Zip(scaled))
            fromArray += a * b;
        return dot + squares + weighted + positive + top + product + chained + fromArray + Enumerable.Range(0, 3).Sum(k => k * t * t) + w.Average();
    }
    // ---- local matrices: double[,] with GetLength, initializers, helpers that take one, foreach over it ----

    static double Trace(double[,] m)
    {
        double t = 0;
        for (int i = 0; i < Math.Min(m.GetLength(0), m.GetLength(1)); i++) t += m[i, i];
        return t;
    }

    static void Scale(double[,] m, double by)
    {
        for (int i = 0; i < m.GetLength(0); i++)
            for (int j = 0; j < m.GetLength(1); j++)
                m[i, j] *= by;
    }

    [Differentiable]
    public static double Matrices(double[] w, double t)
    {
        var a = new double[2, 3];
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < a.GetLength(1); j++)
                a[i, j] = w[i * 3 + j] * (j + 1);
        var rotation = new double[,] { { Math.Cos(t), -Math.Sin(t) }, { Math.Sin(t), Math.Cos(t) } };
        var product = new double[2, 3];
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 2; k++)
                    product[i, j] += rotation[i, k] * a[k, j];
        Scale(product, t);
        double sum = 0;
        foreach (var v in product) sum += v * v;
        return sum + Trace(rotation) * Trace(a) + product.Length;
    }
    // ---- a [NoDerivative] design matrix as a double[,] parameter: least squares with a ridge term ----

    static double Quadratic(double[,] a, double[] v)
    {
        double s = 0;
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < a.GetLength(1); j++)
                s += v[i] * a[i, j] * v[j];
        return s;
    }

    [Differentiable]
    public static double LeastSquares(double[] beta, [NoDerivative] double[,] x, [NoDerivative] double[] y)
    {
        double loss = 0;
        for (int i = 0; i < x.GetLength(0); i++)
        {
            double r = y[i];
            for (int j = 0; j < x.GetLength(1); j++) r -= x[i, j] * beta[j];
            loss += r * r;
        }

        return loss / x.Length + Quadratic(new double[,] { { 1, 0.5 }, { 0.5, 2 } }, beta) + new double[,] { { 1, 2 }, { 3, 4 } }[1, 0] * beta[0];
    }
    // ---- a local function that returns early and updates the method's locals, called in a loop ----

    [Differentiable]
    public static double Clipped(double[] w, double limit)
    {
        double total = 0;
        int clipped = 0;
        for (int i = 0; i < w.Length; i++)
            total += Clip(w[i] * (i + 1));
        return total + clipped * limit;

        double Clip(double v)
        {
            if (v > limit)
            {
                clipped++;
                return limit + 0.1 * (v - limit);
            }

            if (v < -limit) return -limit;
            return v * v / limit;
        }
    }
    // ---- a differentiable weight matrix: its gradient output is a matrix too ----

    static double Frobenius(double[,] m)
    {
        double s = 0;
        foreach (var i in Enumerable.Range(0, m.GetLength(0)))
            for (int j = 0; j < m.GetLength(1); j++)
                s += m[i, j] * m[i, j];
        return s;
    }

    [Differentiable]
    public static double DenseLayer(double[,] w, double[] b, [NoDerivative] double[,] x, [NoDerivative] double[] y)
    {
        double loss = 0;
        for (int n = 0; n < x.GetLength(0); n++)
        {
            for (int i = 0; i < w.GetLength(0); i++)
            {
                double z = b[i];
                for (int j = 0; j < w.GetLength(1); j++) z += w[i, j] * x[n, j];
                double error = Math.Tanh(z) - y[n * w.GetLength(0) + i];
                loss += error * error;
            }
        }

        return loss / w.Length + 0.01 * Frobenius(w);
    }

    [Differentiable]
    public static float DenseLayerF(float[,] w, [NoDerivative] float[] x) => MathF.Tanh(w[0, 0] * x[0] + w[0, 1] * x[1]) * w[1, 0];
}
