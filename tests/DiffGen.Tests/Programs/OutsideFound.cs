using System;

namespace DiffGen.Tests.Programs;

/// <summary>
/// Programs written outside the team that once gave a wrong gradient without an error, or
/// generated code that did not compile (issue 12). Each is kept as it was first written.
/// </summary>
public static partial class OutsideFound
{
    // Row sums, then a second loop over the row that reads the sum: the exit value of the first
    // inner loop must be saved per outer iteration (it was read as the last row's sum).
    [Differentiable]
    public static double RowSumThenUse(double[] x, int rows)
    {
        int n = x.Length / rows;
        double o = 0;
        for (int i = 0; i < rows; i++)
        {
            double s = 0;
            for (int j = 0; j < n; j++) s += x[i * n + j];
            for (int j = 0; j < n; j++) o += s * x[i * n + j];
        }

        return o;
    }

    [Differentiable]
    public static double RowSumCopiedFirst(double[] x, int rows)
    {
        int n = x.Length / rows;
        double o = 0;
        for (int i = 0; i < rows; i++)
        {
            double s = 0;
            for (int j = 0; j < n; j++) s += x[i * n + j];
            double t = s;
            for (int j = 0; j < n; j++) o += t * x[i * n + j];
        }

        return o;
    }

    [Differentiable]
    public static double RowProductInWhile(double[] x, int rows)
    {
        int n = x.Length / rows;
        double o = 0;
        int i = 0;
        while (i < rows)
        {
            double s = 1;
            for (int j = 0; j < n; j++) s *= x[i * n + j];
            for (int j = 0; j < n; j++) o += s * x[i * n + j] * x[i * n + j];
            i++;
        }

        return o;
    }

    // Softmax per row, normalized in place, then a weighted sum (attention-style).
    [Differentiable]
    public static double RowSoftmax(double[] z, int rows)
    {
        int n = z.Length / rows;
        var p = new double[n];
        double o = 0;
        for (int i = 0; i < rows; i++)
        {
            double sum = 0;
            for (int j = 0; j < n; j++) { p[j] = Math.Exp(z[i * n + j]); sum += p[j]; }
            for (int j = 0; j < n; j++) p[j] /= sum;
            for (int j = 0; j < n; j++) o += p[j] * (j + 1) * (i + 2);
        }

        return o;
    }

    // Log-sum-exp per row with the max subtracted (the numerically stable form).
    [Differentiable]
    public static double RowLogSumExp(double[] z, int rows)
    {
        int n = z.Length / rows;
        double total = 0;
        for (int i = 0; i < rows; i++)
        {
            double m = double.NegativeInfinity;
            for (int j = 0; j < n; j++) m = Math.Max(m, z[i * n + j]);
            double s = 0;
            for (int j = 0; j < n; j++) s += Math.Exp(z[i * n + j] - m);
            total += m + Math.Log(s);
        }

        return total;
    }

    [Differentiable]
    public static double Sub(double a, double b) => a - 2 * b;

    // Named arguments out of parameter order, with a side effect: C# evaluates them in source order.
    [Differentiable]
    public static double NamedOutOfOrder(double x) => Sub(b: x = x * 3, a: x);

    [Differentiable]
    public static double UnsignedCounter(double[] x)
    {
        double s = 0;
        for (uint i = 0; i < (uint)x.Length; i++) s += x[i] * x[i] * (i + 1);
        return s;
    }

    [Differentiable]
    public static double LongCounter(double[] x)
    {
        double s = 0;
        for (long i = 0; i < x.Length; i++) s += x[i] * x[i];
        for (long i = x.Length - 1; i >= 0; i--) s = s * 0.5 + x[i];
        return s;
    }

    [Differentiable]
    public static double UnsignedInclusive(double[] x)
    {
        double s = 1;
        for (ulong i = 0; i <= (ulong)(x.Length - 1); i++) s *= 1 + x[i];
        for (byte k = 3; k > 0; k--) s = s * s * 0.5;
        return s;
    }

    // Bounds at the ends of the range: the forward loops run zero times or to the type's limit.
    [Differentiable]
    public static double BoundsAtTheEnds(double x)
    {
        double s = x;
        for (int i = 0; i < int.MinValue; i++) s *= x;
        for (int i = int.MinValue; i < int.MinValue + 2; i++) s *= x;
        for (int i = int.MaxValue; i > int.MaxValue - 2; i--) s *= x;
        for (int i = int.MaxValue - 1; i <= int.MaxValue - 1; i++) s *= x;
        return s;
    }

    [Differentiable]
    public static double CheckedScale(double x, int n)
    {
        int m = checked(n * 1000000);
        return x * m;
    }

    // A loop that leaves on its first iteration has no latch to run.
    [Differentiable]
    public static double BreakAtOnce(double x)
    {
        double s = x;
        for (int i = 0; i != 1;) { s = s * x; break; }
        return s;
    }

    [Differentiable]
    public static double SumOfSquaresOfArray(double[] a) => a[0] * a[0] + a[1] * a[1];

    // A local array filled and passed to a call in each arm: a write in one arm does not follow the other arm's call.
    [Differentiable]
    public static double FilledPerBranch(double x, double y)
    {
        var a = new double[2];
        double s;
        if (x > y) { a[0] = x; a[1] = y * 2; s = SumOfSquaresOfArray(a); }
        else { a[0] = y; a[1] = x * 3; s = SumOfSquaresOfArray(a); }
        return s;
    }

    // A switch section in braces ends with its break inside them.
    [Differentiable]
    public static double BracedSwitchSection(double x, int n)
    {
        double y = x;
        switch (n)
        {
            case 2:
            {
                y = y * x;
                break;
            }
            default:
                y += 1;
                break;
        }

        return y * x;
    }

    // foreach with a branch and an early exit.
    [Differentiable]
    public static double ForEachBranchAndBreak(double[] w, [NoDerivative] double x)
    {
        double s = 0;
        foreach (var e in w)
        {
            if (x > 0) s += e * x;
            else s -= e;
            if (s > 2) break;
        }

        return s;
    }

    [Differentiable]
    public static double Scaled(double x, [NoDerivative] double factor) => x * factor + factor * factor;

    // A varied value passed to a [NoDerivative] parameter: the mark limits the callee's own outputs,
    // not what its callers need, so the derivative through it is kept (it was silently dropped).
    [Differentiable]
    public static double ThroughConstantParameter(double x) => Scaled(x, x);

    // PReLU: a learned slope for the runtime's LeakyRelu, whose slope is [NoDerivative].
    [Differentiable]
    public static double PRelu(double z, double slope) => Functions.LeakyRelu(z, slope);

    [Differentiable]
    public static double SquaredErrorOfLearnedTarget(double w) => Functions.SquaredError(2 * w, w * w);

    [Differentiable]
    public static double ConstantParameterInLoop(double x, int n)
    {
        double s = 0;
        for (int i = 0; i < n; i++) s += Scaled(1.0 + i, s * 0.1 + x);
        return s;
    }

    // A checked expression the loop does not change stays in the loop: moved before it, it would run
    // (and throw) when the loop runs zero times.
    [Differentiable]
    public static double CheckedInvariantInLoop(double x, int n, int m)
    {
        double s = x;
        for (int i = 0; i < n; i++)
        {
            int k = checked(m * 1000);
            s += x * k;
        }

        return s;
    }

    // A [NoDerivative] scalar of a method of a generic type, called through a constructed type.
    [Differentiable]
    public static double ThroughGenericType(double x) => Generic<int>.Scaled(x, x * 2);
}

public static partial class Generic<T>
{
    [Differentiable]
    public static double Scaled(double a, [NoDerivative] double b) => a * b * b;
}
