using System;

namespace DiffGen.Tests.Programs;

/// <summary>
/// Loop and array programs, including the classic bug classes of reverse-mode AD: loop-local
/// adjoints not reset, overwritten values the reverse needs, accumulators that start from a
/// constant, while/do, break/continue bookkeeping, loop variables initialized from parameters,
/// early returns, nested loops with break, values read after the loop that wrote them.
/// </summary>
public static partial class Loops
{
    [Differentiable]
    public static double SumOfSquares(double[] x)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++)
            s += x[i] * x[i];
        return s;
    }

    [Differentiable]
    public static double Dot(double[] w, [NoDerivative] double[] x)
    {
        double s = 0;
        for (int i = 0; i < w.Length; i++)
            s += w[i] * x[i];
        return s;
    }

    [Differentiable]
    public static double Product(double[] x)
    {
        double r = 1;
        for (int i = 0; i < x.Length; i++)
            r *= x[i];
        return r;
    }

    [Differentiable]
    public static double PowerLoop(double x, int n)
    {
        double r = 1;
        for (int i = 0; i < n; i++)
            r = r * x;
        return r;
    }

    [Differentiable]
    public static double OverwrittenValueNeeded(double x, double y, int n)
    {
        double t = x;
        for (int i = 0; i < n; i++)
            t = Math.Sin(t) * y + 0.1 * t * t;
        return t;
    }

    [Differentiable]
    public static double LoopLocalAdjointReset(double[] x, double w)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double a = x[i] * w;
            double b = a * a;
            s += b + a;
        }

        return s;
    }

    [Differentiable]
    public static double WhileLoop(double x)
    {
        double r = 0.5;
        int count = 0;
        while (r < 10 && count < 20)
        {
            r = r * x + 1;
            count++;
        }

        return r * count;
    }

    [Differentiable]
    public static double DoWhile(double x, int n)
    {
        double r = x;
        int k = 0;
        do
        {
            r = r * 0.5 + Math.Cos(x * r);
            k++;
        }
        while (k < n);
        return r;
    }

    [Differentiable]
    public static double Break(double[] w, double x)
    {
        double s = 0;
        for (int i = 0; i < w.Length; i++)
        {
            s += w[i] * x;
            if (s > 3)
                break;
        }

        return s * s;
    }

    [Differentiable]
    public static double Continue(double[] w)
    {
        double s = 0;
        for (int i = 0; i < w.Length; i++)
        {
            if (i % 2 == 0)
                continue;
            s += w[i] * w[i] * i;
        }

        return s;
    }

    [Differentiable]
    public static double FloatingLoopVariable(double a, double b)
    {
        double s = 0;
        for (double t = a; t < 5; t += 1)
            s += t * t * b;
        return s;
    }

    [Differentiable]
    public static double EarlyReturn(double[] x, double w, [NoDerivative] double limit)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++)
        {
            s += x[i] * w;
            if (s > limit)
                return s * 2;
        }

        return s;
    }

    [Differentiable]
    public static double NestedWithBreak(double[] w)
    {
        double s = 0;
        for (int i = 0; i < w.Length; i++)
        {
            for (int j = 0; j < w.Length; j++)
            {
                if (j > i)
                    break;
                s += w[i] * w[j];
            }
        }

        return s;
    }

    [Differentiable]
    public static double ReadAfterLoop(double[] x, double w)
    {
        double last = 0;
        double s = 0;
        for (int i = 0; i < x.Length; i++)
        {
            last = x[i] * w;
            s += last;
        }

        return last * last + s;
    }

    [Differentiable]
    public static double ForEachArray(double[] x, double w)
    {
        double s = 0;
        foreach (var v in x)
            s += v * v * w;
        return s;
    }

    [Differentiable]
    public static double ForEachSpan(ReadOnlySpan<double> x)
    {
        double s = 1;
        foreach (double v in x)
            s = s * 0.5 + Math.Exp(v);
        return s;
    }

    [Differentiable]
    public static double ForEachWithBreak(double[] x, double w)
    {
        double s = 0;
        foreach (var v in x)
        {
            if (v * w > 2)
                break;
            s += v * w;
        }

        return s + w;
    }

    [Differentiable]
    public static double LocalArray(double[] w, double x)
    {
        double[] h = new double[w.Length];
        for (int i = 0; i < w.Length; i++)
            h[i] = Math.Tanh(w[i] * x);
        double s = 0;
        for (int i = 0; i < h.Length; i++)
            s += h[i] * h[i] * (i + 1);
        return s;
    }

    [Differentiable]
    public static double ArrayInitializer(double x, double y)
    {
        double[] a = { x, y, x * y };
        double s = 0;
        for (int i = 0; i < a.Length; i++)
            s += a[i] * a[i];
        return s + a[2];
    }

    [Differentiable]
    public static double StackAlloc(double x, double y)
    {
        Span<double> s = stackalloc double[3];
        s[0] = x;
        s[1] = y * x;
        s[2] = s[0] + s[1];
        return s[2] * s[1];
    }

    [Differentiable]
    public static double AccumulateIntoElements(double[] w, double x)
    {
        var acc = new double[2];
        for (int i = 0; i < w.Length; i++)
        {
            acc[i % 2] += w[i] * x;
            acc[0] *= 0.9;
        }

        return acc[0] * acc[1];
    }

    [Differentiable]
    public static double MatrixVector(double[] m, [NoDerivative] double[] x, int rows, int cols)
    {
        double loss = 0;
        for (int r = 0; r < rows; r++)
        {
            double y = 0;
            for (int c = 0; c < cols; c++)
                y += m[r * cols + c] * x[c];
            loss += y * y;
        }

        return loss;
    }

    [Differentiable]
    public static double ReluSum(double[] w, double x)
    {
        double s = 0;
        for (int i = 0; i < w.Length; i++)
        {
            double z = w[i] * x - 0.5;
            if (z > 0)
                s += z * z;
            else
                s += 0.1 * z;
        }

        return s;
    }

    /// <summary>
    /// ReLU layers over loops counted down (&gt; and &gt;=) and up to an inclusive bound, each saving a
    /// value (tanh is taped, not recomputed): gated iterations and tape room reserved for every counter shape.
    /// </summary>
    [Differentiable]
    public static double ReluLayersEveryCounter(double[] w, [NoDerivative] double[] x, int rows, int cols)
    {
        double total = 0;
        for (int r = rows - 1; r >= 0; r--)
        {
            double output = 0;
            for (int c = cols; c > 0; c--)
            {
                double z = Math.Tanh(w[c - 1] * x[r * cols + c - 1] + w[cols + r]);
                output += Math.Max(0, z) * w[c - 1];
            }

            for (int c = 0; c <= cols - 1; c++)
            {
                double z = Math.Tanh(w[c] * output - 0.1);
                total += Math.Max(z, 0) * w[cols + r];
            }

            total += output * output;
        }

        return total;
    }

    // Every loop bound a literal: the tapes' sizes are known at compile time, so they are on the stack (a gated
    // loop's records, counting down and inclusive bounds, three nests one after another, one inside a branch).
    [Differentiable]
    public static double FixedSizeNetwork(double[] w, [NoDerivative] double[] x)
    {
        double total = 0;
        for (int s = 0; s < 3; s++)
        {
            double output = w[8];
            for (int j = 3; j >= 0; j--)
            {
                double z = w[j] * x[s * 2] + w[j + 4] * x[s * 2 + 1];
                output += Math.Max(0, z) * w[j];
            }

            total += (output - 0.5) * (output - 0.5);
        }

        if (total > 0.1)
        {
            for (int k = 1; k <= 2; k++)
            {
                total = Math.Sqrt(total * total + w[k]);
            }
        }

        for (int k = 7; k > 4; k--)
        {
            total += Math.Sin(total * w[k]);
        }

        return total;
    }

    // The same sizes, but the nest runs once per iteration of a while loop, as often as the data say: not a constant.
    [Differentiable]
    public static double FixedNestInsideAWhileLoop(double[] w, double x)
    {
        double total = x;
        int rounds = 0;
        while (total < 10 && rounds < 5)
        {
            for (int k = 0; k < 3; k++)
            {
                total += Math.Exp(w[k] * 0.1) * total;
            }

            rounds++;
        }

        return total;
    }

    // Every path through the do loop's body returns, so the loop never ends otherwise and the code after it is
    // unreachable; that code reads x as the loop leaves it, a value the lowering never assigns. The generated file
    // did not compile (CS0103), found by the random programs (seed fz2qTn6WDFG2).
#pragma warning disable CS0162 // unreachable code, as written
    [Differentiable]
    public static double ReturnsFromEveryIteration(double x, double[] w, int n)
    {
        int i = 0;
        do
        {
            if (x > 5)
            {
                return w[1] * x;
            }

            switch (n)
            {
                case 1:
                    x *= w[0];
                    return x * x;
                default:
                    x = Math.Sin(x) * w[2];
                    return Math.Exp(x);
            }

            i++;
        }
        while (i < 2);
        return Math.Cos(x) + x * w[0];
    }
#pragma warning restore CS0162

    [Differentiable]
    public static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    [Differentiable]
    public static double CallsInLoop(double[] w, double x)
    {
        double s = 0;
        for (int i = 0; i < w.Length; i++)
            s += Sigmoid(w[i] * x + s);
        return s;
    }

    [Differentiable]
    public static double HornerDown(double[] c, double x)
    {
        double r = 0;
        for (int i = c.Length - 1; i >= 0; i--)
            r = r * x + c[i];
        return r;
    }

    [Differentiable]
    public static double InclusiveBound(double x, int n)
    {
        double s = 0;
        for (int i = 1; i <= n; i++)
            s += Math.Pow(x, i) / i;
        return s;
    }

    [Differentiable]
    public static double TwoCarried(double x, int n)
    {
        double a = 1, b = x;
        for (int i = 0; i < n; i++)
        {
            double t = a + b * x;
            a = b;
            b = t;
        }

        return b;
    }

    [Differentiable]
    public static double WhileTrue(double x)
    {
        double r = x;
        int i = 0;
        while (true)
        {
            r = Math.Sqrt(r + 1) * 1.5;
            if (++i >= 4)
                break;
        }

        return r;
    }

    [Differentiable]
    public static double ZeroTrips(double x, int n)
    {
        double s = x * x;
        for (int i = 0; i < n; i++)
            s = s * x;
        return s;
    }

    [Differentiable]
    public static double SwitchInLoop(double[] w)
    {
        double s = 0;
        for (int i = 0; i < w.Length; i++)
        {
            switch (i % 3)
            {
                case 0:
                    s += w[i];
                    break;
                case 1:
                    continue;
                default:
                    s *= w[i];
                    break;
            }

            s += 0.5 * s;
        }

        return s;
    }

    [Differentiable]
    public static double RecursionAndLoop(double x, int n) =>
        n <= 0 ? x : RecursionAndLoop(PowerLoop(x, 2) * 0.5, n - 1) + x;

    [Differentiable]
    public static double LoopOverLocalCounter(double x, int n)
    {
        double s = 0;
        int i = 0;
        for (; i < n; i++)
            s += x / (i + 1);
        return s * i;
    }

    [Differentiable]
    public static float SumOfSquaresF(float[] x)
    {
        float s = 0;
        for (int i = 0; i < x.Length; i++)
            s += x[i] * x[i];
        return s;
    }

    [Differentiable]
    public static float LocalArrayF(float[] w, float x)
    {
        float[] h = new float[w.Length];
        for (int i = 0; i < w.Length; i++)
            h[i] = MathF.Tanh(w[i] * x);
        float s = 0;
        foreach (var v in h)
            s += v * v;
        return s;
    }
}
