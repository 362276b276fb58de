using System;
using BenchmarkDotNet.Attributes;

namespace DiffGen.Benchmarks;

/// <summary>Objectives for forward mode and second order: a valley in many dimensions, and a small network's loss.</summary>
public static partial class Curvature
{
    /// <summary>Rosenbrock's function in n dimensions.</summary>
    [Differentiable]
    public static double Rosenbrock(double[] x)
    {
        double sum = 0;
        for (int i = 0; i + 1 < x.Length; i++)
        {
            double a = 1 - x[i];
            double b = x[i + 1] - x[i] * x[i];
            sum += a * a + 100 * b * b;
        }

        return sum;
    }

    /// <summary>A 2-8-1 tanh network's squared error over 32 samples (Hessian-free optimization's setting): 33 parameters.</summary>
    [Differentiable]
    public static double TanhNet(double[] w, [NoDerivative] double[] x, [NoDerivative] double[] y)
    {
        double loss = 0;
        for (int s = 0; s < y.Length; s++)
        {
            double output = w[32];
            for (int j = 0; j < 8; j++)
            {
                output += w[24 + j] * Math.Tanh(w[j * 3] * x[2 * s] + w[j * 3 + 1] * x[2 * s + 1] + w[j * 3 + 2]);
            }

            double error = output - y[s];
            loss += error * error;
        }

        return loss / y.Length;
    }
}

/// <summary>
/// What forward mode and second order cost beside the value: the gradient (reverse), the tangent (forward, one
/// direction) and the Hessian-vector product (reverse over forward, with the gradient beside it).
/// </summary>
[MemoryDiagnoser]
public class SecondOrderBenchmarks
{
    private readonly double[] _x = new double[100], _v = new double[100], _d = new double[100], _h = new double[100];
    private readonly double[] _w = new double[33], _wv = new double[33], _wd = new double[33], _wh = new double[33];
    private readonly double[] _inputs = new double[64], _targets = new double[32];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        for (var i = 0; i < _x.Length; i++)
        {
            (_x[i], _v[i]) = (random.NextDouble() * 2 - 1, random.NextDouble() * 2 - 1);
        }

        for (var i = 0; i < _w.Length; i++)
        {
            (_w[i], _wv[i]) = (random.NextDouble() - 0.5, random.NextDouble() - 0.5);
        }

        for (var i = 0; i < _inputs.Length; i++)
        {
            _inputs[i] = random.NextDouble() * 2 - 1;
        }

        for (var i = 0; i < _targets.Length; i++)
        {
            _targets[i] = Math.Sin(3 * _inputs[2 * i]) * _inputs[2 * i + 1];
        }

        // The three derived methods agree with the gradient before anything is timed.
        Array.Clear(_d);
        Curvature.RosenbrockGradient(_x, _d);
        Curvature.RosenbrockTangent(_x, _v, out var tangent);
        var (g, h) = (new double[100], new double[100]);
        Curvature.RosenbrockHessianVector(_x, _v, g, h);
        var dot = 0.0;
        for (var i = 0; i < 100; i++)
        {
            dot += _d[i] * _v[i];
        }

        Agreement.Require("tangent", [tangent], [dot], 1e-10);
        Agreement.Require("gradient beside H·v", g, _d, 1e-12);
    }

    [Benchmark(Baseline = true, Description = "Rosenbrock n=100: value")]
    public double RosenbrockValue() => Curvature.Rosenbrock(_x);

    [Benchmark(Description = "Rosenbrock n=100: gradient")]
    public double RosenbrockGradient()
    {
        Array.Clear(_d);
        return Curvature.RosenbrockGradient(_x, _d);
    }

    [Benchmark(Description = "Rosenbrock n=100: tangent")]
    public double RosenbrockTangent() => Curvature.RosenbrockTangent(_x, _v, out var tangent) + tangent;

    [Benchmark(Description = "Rosenbrock n=100: H·v and gradient")]
    public double RosenbrockHessianVector()
    {
        Array.Clear(_d);
        Array.Clear(_h);
        return Curvature.RosenbrockHessianVector(_x, _v, _d, _h);
    }

    [Benchmark(Description = "tanh net 33 params, 32 samples: value")]
    public double NetValue() => Curvature.TanhNet(_w, _inputs, _targets);

    [Benchmark(Description = "tanh net: gradient")]
    public double NetGradient()
    {
        Array.Clear(_wd);
        return Curvature.TanhNetGradient(_w, _inputs, _targets, _wd);
    }

    [Benchmark(Description = "tanh net: tangent")]
    public double NetTangent() => Curvature.TanhNetTangent(_w, _inputs, _targets, _wv, out var tangent) + tangent;

    [Benchmark(Description = "tanh net: H·v and gradient")]
    public double NetHessianVector()
    {
        Array.Clear(_wd);
        Array.Clear(_wh);
        return Curvature.TanhNetHessianVector(_w, _inputs, _targets, _wv, _wd, _wh);
    }
}
