using System;

namespace DiffGen.Tests.Programs;

/// <summary>
/// C# as people first write it (issue 13): integer and bool arrays for labels, masks and indices,
/// static readonly tables, constants of the type, params arrays, the generic-math functions.
/// </summary>
public static partial class AsWritten
{
    // Softmax classifier: int labels, a bool mask of the samples to use.
    [Differentiable]
    public static double CrossEntropy(double[] logits, int[] labels, bool[] use, int classes)
    {
        double loss = 0;
        int count = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            if (!use[i]) continue;
            double max = double.NegativeInfinity;
            for (int c = 0; c < classes; c++) max = Math.Max(max, logits[i * classes + c]);
            double sum = 0;
            for (int c = 0; c < classes; c++) sum += Math.Exp(logits[i * classes + c] - max);
            loss += max + Math.Log(sum) - logits[i * classes + labels[i]];
            count++;
        }

        return loss / Math.Max(count, 1);
    }

    // Gather by index, as an embedding lookup.
    [Differentiable]
    public static double Gather(double[] table, ReadOnlySpan<int> indices, ReadOnlySpan<long> weights)
    {
        double s = 0;
        for (int k = 0; k < indices.Length; k++) s += table[indices[k]] * table[indices[k]] * weights[k];
        return s;
    }

    [Differentiable]
    public static double MaskedSum(double[] x, bool[] mask) => Masked(x, mask) * 2;

    [Differentiable]
    public static double Masked(double[] x, bool[] mask)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++) s += mask[i] ? x[i] * x[i] : 0;
        return s;
    }

    // Black–Scholes call price with the Abramowitz–Stegun normal CDF (26.2.17): a coefficient table
    // as a static readonly array, constants of the type, as finance code writes it.
    private const double InvSqrt2Pi = 0.3989422804014327;
    private static readonly double P = 0.2316419;
    private static readonly double[] B = { 0.319381530, -0.356563782, 1.781477937, -1.821255978, 1.330274429 };

    [Differentiable]
    public static double NormalCdf(double x)
    {
        double z = Math.Abs(x);
        double t = 1.0 / (1.0 + P * z);
        double poly = 0, power = t;
        for (int k = 0; k < B.Length; k++)
        {
            poly += B[k] * power;
            power *= t;
        }

        double tail = InvSqrt2Pi * Math.Exp(-0.5 * z * z) * poly;
        return x >= 0 ? 1.0 - tail : tail;
    }

    [Differentiable]
    public static double CallPrice(double spot, double strike, double rate, double volatility, double maturity)
    {
        double sqrtT = Math.Sqrt(maturity);
        double d1 = (Math.Log(spot / strike) + (rate + 0.5 * volatility * volatility) * maturity) / (volatility * sqrtT);
        double d2 = d1 - volatility * sqrtT;
        return spot * NormalCdf(d1) - strike * Math.Exp(-rate * maturity) * NormalCdf(d2);
    }

    // A params array is an array parameter like any other.
    [Differentiable]
    public static double SumOfSquares(params double[] values)
    {
        double s = 0;
        foreach (var v in values) s += v * v;
        return s;
    }

    // Local functions, static or reading the method's locals, expression- or block-bodied.
    [Differentiable]
    public static double LogisticLoss(double[] w, [NoDerivative] double[] x, int[] y, int features)
    {
        static double Sigmoid(double z) => 1.0 / (1.0 + Math.Exp(-z));

        double Dot(int row)
        {
            double s = 0;
            for (int k = 0; k < features; k++) s += w[k] * x[row * features + k];
            return s;
        }

        double loss = 0;
        int count = 0;
        void Count() => count++;
        for (int i = 0; i < y.Length; i++)
        {
            double p = Sigmoid(Dot(i));
            loss -= y[i] == 1 ? Math.Log(p) : Math.Log(1 - p);
            Count();
        }

        return loss / count;
    }

    // Tuples: a swap and a deconstruction, as in a Fibonacci-style recurrence or a moment pair.
    [Differentiable]
    public static double Recurrence(double a, double b, int n)
    {
        for (int i = 0; i < n; i++)
        {
            (a, b) = (b, 0.5 * a + 0.25 * b * b);
        }

        var (m, s) = (a + b, a * b);
        return m * s;
    }

    // C# evaluates a deconstruction's target indices before its values: this writes a[0].
    [Differentiable]
    public static double DeconstructIntoElement(double x, double y)
    {
        double[] a = new double[3];
        int i = 0;
        (i, a[i]) = (2, x);
        a[1] = y;
        return a[0] * 3 + a[1] + a[2] * 7 + i;
    }

    [Differentiable]
    public static double NestedAndGenericLocalFunctions(double x, double y)
    {
        double Outer(double a)
        {
            double Inner(double b) => b * a;
            return Inner(y) + a;
        }

        double Scale<T>(double v) => 2 * v * y;
        return Outer(x) + Scale<int>(x);
    }

    [Differentiable]
    public static double RootAtZero(double x, double y) => double.RootN(x, 1) + double.RootN(y, 3);

    [Differentiable]
    public static double Norm(double[] v)
    {
        double s = 0;
        for (int i = 0; i < v.Length; i++) s += v[i] * v[i];
        return s;
    }

    // A static readonly table passed on to another differentiable method.
    [Differentiable]
    public static double TablePassedOn(double x) => x * Norm(B);

    // Buffers filled and copied with the library calls people use (a time-stepped recurrence).
    [Differentiable]
    public static double Buffers(double[] x, double decay)
    {
        var h = new double[x.Length];
        var next = new double[x.Length];
        Array.Fill(h, 0.5);
        for (int step = 0; step < 3; step++)
        {
            for (int i = 0; i < x.Length; i++) next[i] = Math.Tanh(decay * h[i] + x[i]);
            next.CopyTo(h);
        }

        var copy = new double[x.Length];
        Array.Copy(h, copy, x.Length);
        copy.AsSpan().Fill(copy[0] * 0.5);
        h.AsSpan().CopyTo(next);
        double s = 0;
        for (int i = 0; i < x.Length; i++) s += next[i] * copy[i];
        return s;
    }
}
