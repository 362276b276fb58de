using System;
using BenchmarkDotNet.Attributes;

namespace DiffGen.Benchmarks;

/// <summary>The mission's example: MSE of a two-layer ReLU network over a batch (design.md §1).</summary>
public static partial class TwoLayerNet
{
    [Differentiable]
    public static double Loss([NoDerivative] double[] x, [NoDerivative] double[] y,
                              int n, int d, int h,
                              double[] w1, double[] b1, double[] w2, double b2)
    {
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            double output = b2;
            for (int j = 0; j < h; j++)
            {
                double z = b1[j];
                for (int k = 0; k < d; k++)
                    z += x[i * d + k] * w1[j * d + k];
                output += Math.Max(0, z) * w2[j];
            }

            double diff = y[i] - output;
            total += diff * diff;
        }

        return total / n;
    }

    /// <summary>
    /// <see cref="Loss"/>'s share of samples [start, start + count): its term of the batch mean (divided by the
    /// whole batch's n), the loss a data-parallel shard computes. The sum over shards is <see cref="Loss"/>.
    /// </summary>
    [Differentiable]
    public static double LossOfRange([NoDerivative] double[] x, [NoDerivative] double[] y, int start, int count,
                                     int n, int d, int h,
                                     double[] w1, double[] b1, double[] w2, double b2)
    {
        double total = 0;
        for (int i = start; i < start + count; i++)
        {
            double output = b2;
            for (int j = 0; j < h; j++)
            {
                double z = b1[j];
                for (int k = 0; k < d; k++)
                    z += x[i * d + k] * w1[j * d + k];
                output += Math.Max(0, z) * w2[j];
            }

            double diff = y[i] - output;
            total += diff * diff;
        }

        return total / n;
    }
}

/// <summary>
/// Value and gradient of the two-layer ReLU MSE at n = 256, d = 32, h = 64 in float64: the forward
/// pass alone, DiffGen's generated gradient, and backprop written by hand the way an expert writes it
/// (per sample, forward and backward fused, hidden pre-activations in a reused buffer).
/// </summary>
[MemoryDiagnoser]
public class TwoLayerBenchmarks
{
    private const int N = 256, D = 32, H = 64;
    private double[] _x = null!, _y = null!, _w1 = null!, _b1 = null!, _w2 = null!;
    private double[] _dw1 = null!, _db1 = null!, _dw2 = null!, _hidden = null!;
    private double _b2 = 0.05, _db2;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        double[] Fill(int length, double scale)
        {
            var a = new double[length];
            for (var i = 0; i < a.Length; i++)
            {
                a[i] = (random.NextDouble() * 2 - 1) * scale;
            }

            return a;
        }

        _x = Fill(N * D, 1);
        _y = Fill(N, 1);
        _w1 = Fill(H * D, Math.Sqrt(2.0 / D));
        _b1 = Fill(H, 0.1);
        _w2 = Fill(H, Math.Sqrt(2.0 / H));
        _dw1 = new double[H * D];
        _db1 = new double[H];
        _dw2 = new double[H];
        _hidden = new double[H];

        // The baseline must compute what the generated gradient computes, or the comparison means nothing.
        var generatedValue = Generated();
        double[][] generated = [(double[])_dw1.Clone(), (double[])_db1.Clone(), (double[])_dw2.Clone(), [_db2]];
        var handValue = HandWritten();
        Agreement.Require("value", [generatedValue], [handValue], 1e-12);
        double[][] hand = [_dw1, _db1, _dw2, [_db2]];
        for (var p = 0; p < generated.Length; p++)
        {
            Agreement.Require("gradient " + p, generated[p], hand[p], 1e-12);
        }
    }

    [Benchmark(Description = "forward only")]
    public double Forward() => TwoLayerNet.Loss(_x, _y, N, D, H, _w1, _b1, _w2, _b2);

    [Benchmark(Description = "DiffGen gradient (value + gradient)")]
    public double Generated()
    {
        Array.Clear(_dw1);
        Array.Clear(_db1);
        Array.Clear(_dw2);
        _db2 = 0;
        return TwoLayerNet.LossGradient(_x, _y, N, D, H, _w1, _b1, _w2, _b2, _dw1, _db1, _dw2, ref _db2);
    }

    [Benchmark(Baseline = true, Description = "hand-written backprop (value + gradient)")]
    public double HandWritten()
    {
        Array.Clear(_dw1);
        Array.Clear(_db1);
        Array.Clear(_dw2);
        double db2 = 0, total = 0;
        double[] x = _x, w1 = _w1, b1 = _b1, w2 = _w2, dw1 = _dw1, db1 = _db1, dw2 = _dw2, z = _hidden;
        for (int i = 0; i < N; i++)
        {
            int xo = i * D;
            double output = _b2;
            for (int j = 0; j < H; j++)
            {
                int wo = j * D;
                double zj = b1[j];
                for (int k = 0; k < D; k++)
                    zj += x[xo + k] * w1[wo + k];
                z[j] = zj;
                if (zj > 0)
                    output += zj * w2[j];
            }

            double diff = _y[i] - output;
            total += diff * diff;
            double dOutput = -2 * diff / N;
            db2 += dOutput;
            for (int j = 0; j < H; j++)
            {
                double zj = z[j];
                if (zj <= 0)
                    continue;
                dw2[j] += dOutput * zj;
                double dz = dOutput * w2[j];
                db1[j] += dz;
                int wo = j * D;
                for (int k = 0; k < D; k++)
                    dw1[wo + k] += dz * x[xo + k];
            }
        }

        _db2 = db2;
        return total / N;
    }
}
