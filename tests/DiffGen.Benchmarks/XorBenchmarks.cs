using System;
using BenchmarkDotNet.Attributes;

namespace DiffGen.Benchmarks;

/// <summary>The small end: XOR's four samples through a 2-4-1 sigmoid network with binary cross-entropy.</summary>
public static partial class XorNet
{
    [Differentiable]
    public static double Loss(double[] w1, double[] b1, double[] w2, double b2,
                              [NoDerivative] double[] x, [NoDerivative] double[] y)
    {
        double loss = 0;
        for (int s = 0; s < 4; s++)
        {
            double o = b2;
            for (int j = 0; j < 4; j++)
            {
                double z = b1[j] + w1[j * 2] * x[s * 2] + w1[j * 2 + 1] * x[s * 2 + 1];
                o += w2[j] / (1 + Math.Exp(-z));
            }

            double p = 1 / (1 + Math.Exp(-o));
            loss -= y[s] * Math.Log(p + 1e-8) + (1 - y[s]) * Math.Log(1 - p + 1e-8);
        }

        return loss / 4;
    }
}

/// <summary>Value and gradient of the XOR network (17 parameters, 4 samples): forward, generated, by hand.</summary>
[MemoryDiagnoser]
public class XorBenchmarks
{
    private readonly double[] _x = [0, 0, 0, 1, 1, 0, 1, 1];
    private readonly double[] _y = [0, 1, 1, 0];
    private readonly double[] _w1 = [0.5, -0.4, 0.3, 0.8, -0.7, 0.2, 0.1, -0.6];
    private readonly double[] _b1 = [0.1, -0.2, 0.05, 0.3];
    private readonly double[] _w2 = [0.7, -0.5, 0.4, -0.3];
    private readonly double[] _dw1 = new double[8], _db1 = new double[4], _dw2 = new double[4], _hidden = new double[4];
    private double _b2 = -0.1, _db2;

    [GlobalSetup]
    public void Setup()
    {
        // The baseline must compute what the generated gradient computes, or the comparison means nothing.
        var generatedValue = Generated();
        double[][] generated = [(double[])_dw1.Clone(), (double[])_db1.Clone(), (double[])_dw2.Clone(), [_db2]];
        var handValue = HandWritten();
        Agreement.Require("value", [generatedValue], [handValue], 1e-10);
        double[][] hand = [_dw1, _db1, _dw2, [_db2]];
        for (var p = 0; p < generated.Length; p++)
        {
            Agreement.Require("gradient " + p, generated[p], hand[p], 1e-10);
        }
    }

    [Benchmark(Description = "XOR forward only")]
    public double Forward() => XorNet.Loss(_w1, _b1, _w2, _b2, _x, _y);

    [Benchmark(Description = "XOR DiffGen gradient (value + gradient)")]
    public double Generated()
    {
        Array.Clear(_dw1);
        Array.Clear(_db1);
        Array.Clear(_dw2);
        _db2 = 0;
        return XorNet.LossGradient(_w1, _b1, _w2, _b2, _x, _y, _dw1, _db1, _dw2, ref _db2);
    }

    [Benchmark(Baseline = true, Description = "XOR hand-written backprop (value + gradient)")]
    public double HandWritten()
    {
        Array.Clear(_dw1);
        Array.Clear(_db1);
        Array.Clear(_dw2);
        double db2 = 0, loss = 0;
        double[] x = _x, y = _y, w1 = _w1, b1 = _b1, w2 = _w2, hidden = _hidden;
        for (int s = 0; s < 4; s++)
        {
            double o = _b2;
            for (int j = 0; j < 4; j++)
            {
                hidden[j] = 1 / (1 + Math.Exp(-(b1[j] + w1[j * 2] * x[s * 2] + w1[j * 2 + 1] * x[s * 2 + 1])));
                o += w2[j] * hidden[j];
            }

            double p = 1 / (1 + Math.Exp(-o));
            loss -= y[s] * Math.Log(p + 1e-8) + (1 - y[s]) * Math.Log(1 - p + 1e-8);

            // ∂loss/∂o through the sigmoid and the cross-entropy (with its 1e-8 kept exact).
            double dp = -(y[s] / (p + 1e-8) - (1 - y[s]) / (1 - p + 1e-8)) / 4;
            double dOutput = dp * p * (1 - p);
            db2 += dOutput;
            for (int j = 0; j < 4; j++)
            {
                _dw2[j] += dOutput * hidden[j];
                double dz = dOutput * w2[j] * hidden[j] * (1 - hidden[j]);
                _db1[j] += dz;
                _dw1[j * 2] += dz * x[s * 2];
                _dw1[j * 2 + 1] += dz * x[s * 2 + 1];
            }
        }

        _db2 = db2;
        return loss / 4;
    }
}

/// <summary>Checks, before any measurement, that the hand-written baselines compute what the generated gradients compute.</summary>
internal static class Agreement
{
    public static void Require(string what, ReadOnlySpan<double> generated, ReadOnlySpan<double> handWritten, double tolerance)
    {
        for (var i = 0; i < generated.Length; i++)
        {
            if (!(Math.Abs(generated[i] - handWritten[i]) <= tolerance * Math.Max(1, Math.Abs(generated[i]))))
            {
                throw new InvalidOperationException($"{what}[{i}]: generated {generated[i]:R}, hand-written {handWritten[i]:R}");
            }
        }
    }
}
