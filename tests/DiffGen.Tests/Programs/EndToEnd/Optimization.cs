using System;
using System.Linq;

namespace DiffGen.Tests.Programs.EndToEnd;

/// <summary>Optimization test functions as first written (issue 13, end to end).</summary>
public static partial class Optimization
{
    // The n-dimensional Rosenbrock function (Rosenbrock 1960; the extended form of Dixon & Szegő,
    // as in scipy.optimize.rosen).
    [Differentiable]
    public static double Rosenbrock(double[] x)
    {
        double sum = 0;
        for (int i = 0; i < x.Length - 1; i++)
        {
            sum += 100 * Math.Pow(x[i + 1] - x[i] * x[i], 2) + Math.Pow(1 - x[i], 2);
        }

        return sum;
    }

    // Extended Powell singular function, Moré, Garbow & Hillstrom, "Testing Unconstrained
    // Optimization Software", ACM TOMS 7(1), 1981, problem 22 (n a multiple of 4).
    [Differentiable]
    public static double PowellSingular(double[] x)
    {
        double f = 0;
        for (int i = 0; i < x.Length; i += 4)
        {
            double a = x[i] + 10 * x[i + 1];
            double b = x[i + 2] - x[i + 3];
            double c = x[i + 1] - 2 * x[i + 2];
            double d = x[i] - x[i + 3];
            f += a * a + 5 * b * b + Math.Pow(c, 4) + 10 * Math.Pow(d, 4);
        }

        return f;
    }

    // Himmelblau's function (Himmelblau, "Applied Nonlinear Programming", 1972), two scalars.
    [Differentiable]
    public static double Himmelblau(double x, double y) =>
        Math.Pow(x * x + y - 11, 2) + Math.Pow(x + y * y - 7, 2);

    // Rastrigin function (Rastrigin 1974; Mühlenbein et al. 1991), written with LINQ.
    [Differentiable]
    public static double Rastrigin(double[] x) =>
        10 * x.Length + x.Sum(xi => xi * xi - 10 * Math.Cos(2 * Math.PI * xi));
}
