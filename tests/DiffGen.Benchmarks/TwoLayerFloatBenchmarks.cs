using System;
using BenchmarkDotNet.Attributes;

namespace DiffGen.Benchmarks;

/// <summary>The mission's example in float32.</summary>
public static partial class TwoLayerNetF
{
    [Differentiable]
    public static float Loss([NoDerivative] float[] x, [NoDerivative] float[] y,
                             int n, int d, int h,
                             float[] w1, float[] b1, float[] w2, float b2)
    {
        float total = 0;
        for (int i = 0; i < n; i++)
        {
            float output = b2;
            for (int j = 0; j < h; j++)
            {
                float z = b1[j];
                for (int k = 0; k < d; k++)
                    z += x[i * d + k] * w1[j * d + k];
                output += MathF.Max(0, z) * w2[j];
            }

            float diff = y[i] - output;
            total += diff * diff;
        }

        return total / n;
    }
}

/// <summary>
/// <see cref="TwoLayerBenchmarks"/> in float32 at n = 256, d = 32, h = 64: the forward pass, the
/// generated value and gradient, and the same expert backprop by hand in plain float loops.
/// </summary>
[MemoryDiagnoser]
public class TwoLayerFloatBenchmarks
{
    private const int N = 256, D = 32, H = 64;
    private float[] _x = null!, _y = null!, _w1 = null!, _b1 = null!, _w2 = null!;
    private float[] _dw1 = null!, _db1 = null!, _dw2 = null!, _hidden = null!;
    private float _b2 = 0.05f, _db2;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        float[] Fill(int length, double scale)
        {
            var a = new float[length];
            for (var i = 0; i < a.Length; i++)
            {
                a[i] = (float)((random.NextDouble() * 2 - 1) * scale);
            }

            return a;
        }

        _x = Fill(N * D, 1);
        _y = Fill(N, 1);
        _w1 = Fill(H * D, Math.Sqrt(2.0 / D));
        _b1 = Fill(H, 0.1);
        _w2 = Fill(H, Math.Sqrt(2.0 / H));
        _dw1 = new float[H * D];
        _db1 = new float[H];
        _dw2 = new float[H];
        _hidden = new float[H];

        // The baseline must compute what the generated gradient computes, or the comparison means nothing.
        static double[] Wide(float[] a) => Array.ConvertAll(a, v => (double)v);
        var generatedValue = Generated();
        double[][] generated = [Wide(_dw1), Wide(_db1), Wide(_dw2), [_db2]];
        var handValue = HandWritten();
        Agreement.Require("value", [generatedValue], [handValue], 1e-5);
        double[][] hand = [Wide(_dw1), Wide(_db1), Wide(_dw2), [_db2]];
        for (var p = 0; p < generated.Length; p++)
        {
            Agreement.Require("gradient " + p, generated[p], hand[p], 1e-5);
        }
    }

    [Benchmark(Description = "float32 forward only")]
    public float Forward() => TwoLayerNetF.Loss(_x, _y, N, D, H, _w1, _b1, _w2, _b2);

    [Benchmark(Description = "float32 DiffGen gradient (value + gradient)")]
    public float Generated()
    {
        Array.Clear(_dw1);
        Array.Clear(_db1);
        Array.Clear(_dw2);
        _db2 = 0;
        return TwoLayerNetF.LossGradient(_x, _y, N, D, H, _w1, _b1, _w2, _b2, _dw1, _db1, _dw2, ref _db2);
    }

    [Benchmark(Baseline = true, Description = "float32 hand-written backprop (value + gradient)")]
    public float HandWritten()
    {
        Array.Clear(_dw1);
        Array.Clear(_db1);
        Array.Clear(_dw2);
        float db2 = 0, total = 0;
        float[] x = _x, w1 = _w1, b1 = _b1, w2 = _w2, dw1 = _dw1, db1 = _db1, dw2 = _dw2, z = _hidden;
        for (int i = 0; i < N; i++)
        {
            int xo = i * D;
            float output = _b2;
            for (int j = 0; j < H; j++)
            {
                int wo = j * D;
                float zj = b1[j];
                for (int k = 0; k < D; k++)
                    zj += x[xo + k] * w1[wo + k];
                z[j] = zj;
                if (zj > 0)
                    output += zj * w2[j];
            }

            float diff = _y[i] - output;
            total += diff * diff;
            float dOutput = -2 * diff / N;
            db2 += dOutput;
            for (int j = 0; j < H; j++)
            {
                float zj = z[j];
                if (zj <= 0)
                    continue;
                dw2[j] += dOutput * zj;
                float dz = dOutput * w2[j];
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
