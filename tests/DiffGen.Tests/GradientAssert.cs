using System;
using System.Linq;

namespace DiffGen.Tests;

public delegate double Grad1(double x, ref double dx, double seed);
public delegate double Grad2(double x, double y, ref double dx, ref double dy, double seed);
public delegate double Grad3(double x, double y, double z, ref double dx, ref double dy, ref double dz, double seed);
public delegate float Grad1F(float x, ref float dx, float seed);
public delegate float Grad2F(float x, float y, ref float dx, ref float dy, float seed);
public delegate float Grad3F(float x, float y, float z, ref float dx, ref float dy, ref float dz, float seed);

/// <summary>A generated gradient as a function of a parameter vector: returns the value, adds seed × ∇f into grad.</summary>
public delegate T VectorGradient<T>(T[] x, T[] grad, T seed);

/// <summary>
/// Checks a generated gradient at a point: the value equals the method's own value (to 1e-13
/// relative: vectorized dot products sum in another order, otherwise it is bit for bit); each
/// partial matches a central finite difference; a second call with another seed accumulates
/// <c>seed × ∇f</c> on top of what the outputs hold (the contract).
/// </summary>
public static class GradientAssert
{
    public static void Matches(Func<double, double> f, Grad1 g, params double[] points)
    {
        foreach (var p in points)
        {
            Vector(x => f(x[0]), (x, d, s) => g(x[0], ref d[0], s), new[] { p });
        }
    }

    public static void Matches(Func<double, double, double> f, Grad2 g, params (double, double)[] points)
    {
        foreach (var (a, b) in points)
        {
            Vector(x => f(x[0], x[1]), (x, d, s) => g(x[0], x[1], ref d[0], ref d[1], s), new[] { a, b });
        }
    }

    public static void Matches(Func<double, double, double, double> f, Grad3 g, params (double, double, double)[] points)
    {
        foreach (var (a, b, c) in points)
        {
            Vector(x => f(x[0], x[1], x[2]), (x, d, s) => g(x[0], x[1], x[2], ref d[0], ref d[1], ref d[2], s), new[] { a, b, c });
        }
    }

    public static void Matches(Func<float, float> f, Grad1F g, params float[] points)
    {
        foreach (var p in points)
        {
            Vector(x => f(x[0]), (x, d, s) => g(x[0], ref d[0], s), new[] { p });
        }
    }

    public static void Matches(Func<float, float, float> f, Grad2F g, params (float, float)[] points)
    {
        foreach (var (a, b) in points)
        {
            Vector(x => f(x[0], x[1]), (x, d, s) => g(x[0], x[1], ref d[0], ref d[1], s), new[] { a, b });
        }
    }

    public static void Matches(Func<float, float, float, float> f, Grad3F g, params (float, float, float)[] points)
    {
        foreach (var (a, b, c) in points)
        {
            Vector(x => f(x[0], x[1], x[2]), (x, d, s) => g(x[0], x[1], x[2], ref d[0], ref d[1], ref d[2], s), new[] { a, b, c });
        }
    }

    /// <summary>The check in double: finite-difference step 1e-6 relative, tolerance 1e-6 relative.</summary>
    public static double[] Vector(Func<double[], double> f, VectorGradient<double> g, double[] x, double tolerance = 1e-6)
    {
        var grad = new double[x.Length];
        var value = g((double[])x.Clone(), grad, 1.0);
        var expected = f(x);
        Assert.True(Math.Abs(expected - value) <= 1e-13 * Math.Max(1, Math.Abs(expected)), $"value {value:R}, method {expected:R}");
        for (var i = 0; i < x.Length; i++)
        {
            var fd = CentralDifference(f, x, i);
            Assert.True(
                Math.Abs(grad[i] - fd) <= tolerance * Math.Max(1, Math.Abs(fd)),
                $"∂f/∂x{i} at ({string.Join(", ", x)}): generated {grad[i]:R}, finite difference {fd:R}");
        }

        var accumulated = (double[])grad.Clone();
        g((double[])x.Clone(), accumulated, 2.5);
        for (var i = 0; i < x.Length; i++)
        {
            Assert.Equal(3.5 * grad[i], accumulated[i], 1e-12 * Math.Max(1, Math.Abs(grad[i])));
        }

        return grad;
    }

    /// <summary>The check in float: step 5e-3 relative, tolerance 2e-3 relative (float's finite differences are coarse).</summary>
    public static float[] Vector(Func<float[], float> f, VectorGradient<float> g, float[] x, float tolerance = 2e-3f)
    {
        var grad = new float[x.Length];
        var value = g((float[])x.Clone(), grad, 1f);
        var expected = f(x);
        Assert.True(Math.Abs(expected - value) <= 1e-5f * Math.Max(1, Math.Abs(expected)), $"value {value:R}, method {expected:R}");
        for (var i = 0; i < x.Length; i++)
        {
            var xi = x[i];
            var h = 5e-3f * Math.Max(1f, Math.Abs(xi));
            var plus = (float[])x.Clone();
            var minus = (float[])x.Clone();
            plus[i] = xi + h;
            minus[i] = xi - h;
            var fd = ((double)f(plus) - f(minus)) / ((double)plus[i] - minus[i]);
            Assert.True(
                Math.Abs(grad[i] - fd) <= tolerance * Math.Max(1, Math.Abs(fd)),
                $"∂f/∂x{i} at ({string.Join(", ", x)}): generated {grad[i]:R}, finite difference {fd:R}");
        }

        var accumulated = (float[])grad.Clone();
        g((float[])x.Clone(), accumulated, 2.5f);
        for (var i = 0; i < x.Length; i++)
        {
            Assert.Equal(3.5f * grad[i], accumulated[i], 1e-5f * Math.Max(1f, Math.Abs(grad[i])));
        }

        return grad;
    }

    public static double CentralDifference(Func<double[], double> f, double[] x, int i)
    {
        var h = 1e-6 * Math.Max(1, Math.Abs(x[i]));
        var plus = (double[])x.Clone();
        var minus = (double[])x.Clone();
        plus[i] += h;
        minus[i] -= h;
        return (f(plus) - f(minus)) / (plus[i] - minus[i]);
    }

    /// <summary>The derivative of f along v at x: central differences at h and h/2, Richardson-extrapolated.</summary>
    public static double[] AlongDirection(Func<double[], double[]> f, double[] x, double[] v, double h = 1e-4)
    {
        double[] At(double t) => f(x.Zip(v, (a, b) => a + t * b).ToArray());
        var (plus, minus, plusHalf, minusHalf) = (At(h), At(-h), At(h / 2), At(-h / 2));
        return plus.Select((_, i) => (4 * (plusHalf[i] - minusHalf[i]) / h - (plus[i] - minus[i]) / (2 * h)) / 3).ToArray();
    }
}
