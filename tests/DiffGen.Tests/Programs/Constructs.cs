using System;

namespace DiffGen.Tests.Programs;

/// <summary>The classic hand-worked sigmoid neuron, with the tutorial's cost.</summary>
public static partial class Neuron
{
    [Differentiable]
    public static double Cost(double w1, double w2, double b,
                              [NoDerivative] double x1, [NoDerivative] double x2, [NoDerivative] double y)
    {
        double z = w1 * x1 + w2 * x2 + b;
        double a = 1 / (1 + Math.Exp(-z));
        return 0.5 * (y - a) * (y - a);
    }
}

/// <summary>One method per construct of the v1 subset (without loops and arrays).</summary>
public static partial class Constructs
{
    [Differentiable]
    public static double Horner(double x, double a, double b)
    {
        double r = a;
        r = r * x + b;
        r = r * x + a;
        return r;
    }

    [Differentiable]
    public static double Compound(double x, double y)
    {
        double s = x;
        s += y;
        s *= x;
        s -= 1;
        s /= y;
        s++;
        ++s;
        s--;
        double t = (s = s * 2) / 2;
        double post = s++;
        return s + t + post;
    }

    [Differentiable]
    public static float CompoundF(float x, float y)
    {
        float s = x;
        s += y;
        s *= x;
        s /= y;
        s -= 2;
        return s * s;
    }

    [Differentiable]
    public static double Piecewise(double x, double y)
    {
        double r;
        if (x > y)
        {
            r = x * x;
        }
        else
        {
            r = Math.Sin(y) * x;
        }

        return r * 3;
    }

    [Differentiable]
    public static double NestedBranches(double x, double y)
    {
        double r = x;
        if (x > 0)
        {
            if (y > 0)
                r = r * y;
            else
                r = r - y * y;
            r += 1;
        }
        else if (y > 1)
        {
            r = Math.Exp(r);
        }

        return r * x;
    }

    [Differentiable]
    public static double Huber(double r, [NoDerivative] double delta)
    {
        double a = Math.Abs(r);
        if (a <= delta)
            return 0.5 * r * r;
        return delta * (a - 0.5 * delta);
    }

    [Differentiable]
    public static double ReturnsEverywhere(double x, double y)
    {
        double s = x * y;
        if (s > 4)
        {
            if (x > y)
                return s * x;
            s = s - 1;
        }

        if (s < -4)
            return -s;
        s = s * s;
        return s + y;
    }

    [Differentiable]
    public static double Gate(double x, double y)
    {
        double m = x > 0 && y > 0 ? x * y : x + y;
        return !(x < -1 || y < -1) ? m : -m;
    }

    [Differentiable]
    public static double ShortCircuit(double x, int n)
    {
        // the right side must not run when n == 0 (integer division by zero)
        return n != 0 && 10 / n > 2 ? x * x : x;
    }

    [Differentiable]
    public static double Activation(double z, int kind)
    {
        double a;
        switch (kind)
        {
            case 0:
                a = Math.Tanh(z);
                break;
            case 1:
            case 2:
                a = Math.Max(0, z) + 0.1 * z;
                break;
            default:
                a = z;
                break;
        }

        return a * a;
    }

    [Differentiable]
    public static double SwitchWithReturns(double x, int kind)
    {
        switch (kind)
        {
            case 0:
                return x;
            case 1:
                x = x * x;
                break;
            default:
                return Math.Sin(x);
        }

        return x * 2;
    }

    [Differentiable]
    public static float Mixed(float x, int n)
    {
        double wide = x;
        wide = wide * wide + n;
        int truncated = (int)wide;
        return (float)(wide * 0.5) + truncated + (float)Math.Sqrt(wide);
    }

    [Differentiable]
    public static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    [Differentiable]
    public static double Square(double v) => v * v;

    [Differentiable]
    public static double Loss(double w, double b, [NoDerivative] double x, [NoDerivative] double y)
    {
        double p = Sigmoid(w * x + b);
        return Square(y - p) + Square(2.0) + Sigmoid(p) * Sigmoid(w);
    }

    [Differentiable]
    public static double Power(double x, int n) => n == 0 ? 1.0 : x * Power(x, n - 1);

    [Differentiable]
    public static double Clash(double w, double dw, double seed, double u1) => w * dw + seed * u1 + seed;

    [Differentiable]
    public static double ConstantBecomesActive(double x, [NoDerivative] double c)
    {
        c = c + x * x;   // from here on c depends on x
        return c * 3;
    }

    [Differentiable]
    public static double ParameterReassigned(double x, double y)
    {
        x = x * y;
        y = Math.Sin(x);
        return x + y;
    }

    [Differentiable]
    public static double ConstLocalsAndIntegers(double x, int n)
    {
        const double Scale = 0.25;
        int k = n * 2 + 1;
        long big = k;
        return Scale * x * k + big % 3 + Math.PI;
    }

    [Differentiable]
    public static double InactiveResult(double x, [NoDerivative] double c) => Math.Round(x) + c * 2;

    [Differentiable]
    public static double ArrayReads(double[] w, ReadOnlySpan<double> v, [NoDerivative] double[] x)
    {
        int last = v.Length - 1;
        return w[0] * x[0] + w[1] * v[last] + w[0] * w[0];
    }

    [Differentiable]
    public static float ArrayReadsF(float[] w, ReadOnlySpan<float> v)
    {
        return w[0] * v[1] + MathF.Exp(w[1]);
    }
}

/// <summary>Nested, generic partial types with internal accessibility.</summary>
public partial class Container<T>
{
    internal partial struct Inner
    {
        [Differentiable]
        internal static double Scale(double x, double k) => k * x * x;
    }
}

/// <summary>Differentiable methods that pass their array parameters on to other differentiable methods.</summary>
public static partial class ArrayCalls
{
    [Differentiable]
    public static double Dot3(double[] w, [NoDerivative] double[] x) => w[0] * x[0] + w[1] * x[1] + w[2] * x[2];

    [Differentiable]
    public static double Weighted(double[] w, double[] x) => w[0] * x[1] + w[1] * x[0];

    [Differentiable]
    public static double Layer(double[] w, [NoDerivative] double[] x, double[] constantInHere)
    {
        // x is a constant here but differentiable in Weighted: its gradient there goes to discarded scratch.
        double a = Math.Tanh(Dot3(w, x));
        return a * a + Weighted(w, x) + Weighted(constantInHere, w);
    }
}

/// <summary>The branching and calling constructs again in float.</summary>
public static partial class ConstructsF
{
    [Differentiable]
    public static float Sigmoid(float z) => 1f / (1f + MathF.Exp(-z));

    [Differentiable]
    public static float Branches(float x, float y)
    {
        float r = x;
        if (x > 0)
        {
            r = y > 0 ? r * y : r - y * y;
        }
        else if (y > 1 || x < -2)
        {
            return MathF.Exp(r) * Sigmoid(y);
        }

        switch ((int)MathF.Floor(y))
        {
            case 0:
                r = r * 2;
                break;
            case 1:
                return r * Sigmoid(x * y);
        }

        return r * x + Sigmoid(r);
    }
}
