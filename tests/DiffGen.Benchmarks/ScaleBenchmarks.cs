using System;
using System.Linq;
using BenchmarkDotNet.Attributes;

namespace DiffGen.Benchmarks;

/// <summary>
/// The two-layer ReLU MSE of <see cref="TwoLayerBenchmarks"/> (<see cref="TwoLayerNet.Loss"/> as written there,
/// float64, value + gradient) at four sizes n × d × h, from the mission's example to a layer of a thousand units:
/// the forward pass alone, DiffGen's generated gradient, and the same hand-written per-sample backprop as
/// <see cref="TwoLayerBenchmarks"/>. Only <see cref="TwoLayerNet.LossGradient"/>'s signature is relied on, not how the
/// generator computes it. The same problem outside .NET: tools/two_layer_pytorch_benchmark.py, tools/two_layer_backprop.cpp.
/// </summary>
/// <remarks>
/// The largest size does about 2·10⁹ multiply-adds forward: a second or more per call on one core, so use
/// few iterations: <c>--filter '*ScaleBenchmarks*' --job short</c>.
/// </remarks>
[MemoryDiagnoser]
public class ScaleBenchmarks
{
    private double[] _x = null!, _y = null!, _w1 = null!, _b1 = null!, _w2 = null!;
    private double[] _dw1 = null!, _db1 = null!, _dw2 = null!, _hidden = null!;
    private double _b2 = 0.05, _db2;
    private int _n, _d, _h;

    /// <summary>n × d × h: samples, inputs, hidden units.</summary>
    [ParamsSource(nameof(Sizes))]
    public ProblemSize Size { get; set; } = ProblemSize.All[0];

    public static ProblemSize[] Sizes => ProblemSize.All;

    [GlobalSetup]
    public void Setup()
    {
        (_n, _d, _h) = (Size.N, Size.D, Size.H);

        // The same data as TwoLayerBenchmarks (at its size, the same numbers).
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

        _x = Fill(_n * _d, 1);
        _y = Fill(_n, 1);
        _w1 = Fill(_h * _d, Math.Sqrt(2.0 / _d));
        _b1 = Fill(_h, 0.1);
        _w2 = Fill(_h, Math.Sqrt(2.0 / _h));
        _dw1 = new double[_h * _d];
        _db1 = new double[_h];
        _dw2 = new double[_h];
        _hidden = new double[_h];

        // The baseline must compute what the generated gradient computes, or the comparison means nothing.
        // Sums of d (and n) products may be taken in another order by the generated code (vector lanes,
        // blocks), so the tolerance is looser than TwoLayerBenchmarks' 1e-12 at its one small size: every
        // value here is of order one or less and the sums' rounding errors are far below 1e-9.
        const double tolerance = 1e-9;
        var generatedValue = Generated();
        double[][] generated = [(double[])_dw1.Clone(), (double[])_db1.Clone(), (double[])_dw2.Clone(), [_db2]];
        var handValue = HandWritten();
        Agreement.Require("value", [generatedValue], [handValue], tolerance);
        double[][] hand = [_dw1, _db1, _dw2, [_db2]];
        for (var p = 0; p < generated.Length; p++)
        {
            Agreement.Require("gradient " + p, generated[p], hand[p], tolerance);
        }

        SetupDataParallel();
    }

    // The same gradient in two shards of fixed boundaries (DataParallel), on one thread and on two: the
    // results are bit-identical, only the time differs.
    private ParameterSet<double> _parameters = null!;
    private double[] _b2Value = null!;
    private DataParallel<double> _oneThread = null!, _twoThreads = null!;
    private ShardGradient<double> _shard = null!;

    private void SetupDataParallel()
    {
        _b2Value = [_b2];
        _parameters = new ParameterSet<double>();
        _parameters.Add("w1", _w1, new double[_w1.Length]);
        _parameters.Add("b1", _b1, new double[_b1.Length]);
        _parameters.Add("w2", _w2, new double[_w2.Length]);
        _parameters.Add("b2", _b2Value, new double[1]);
        _shard = (start, count, g, seed) => TwoLayerNet.LossOfRangeGradient(
            _x, _y, start, count, _n, _d, _h, _w1, _b1, _w2, _b2Value[0], g[0], g[1], g[2], ref g[3][0], seed);
        DataParallel<double> Make(int threads) => new(_parameters, new DataParallelOptions { ShardCount = 2, MaxDegreeOfParallelism = threads, Reduction = LossReduction.Sum });
        (_oneThread, _twoThreads) = (Make(1), Make(2));

        var one = OneThread();
        var first = _parameters.Select(p => (double[])p.Gradients.Clone()).ToArray();
        var two = TwoThreads();
        Agreement.Require("data-parallel value, one thread and two", [one], [two], 0);
        for (var p = 0; p < first.Length; p++)
        {
            Agreement.Require("data-parallel gradient " + p + ", one thread and two", first[p], _parameters[p].Gradients, 0);
        }

        Agreement.Require("data-parallel value against the whole batch", [one], [Generated()], 1e-9);
        Agreement.Require("data-parallel gradient against the whole batch", first[0], _dw1, 1e-9);
    }

    [Benchmark(Description = "DiffGen gradient, 2 fixed shards, 1 thread")]
    public double OneThread()
    {
        _parameters.ZeroGradients();
        return _oneThread.Gradient(_n, _shard);
    }

    [Benchmark(Description = "DiffGen gradient, 2 fixed shards, 2 threads")]
    public double TwoThreads()
    {
        _parameters.ZeroGradients();
        return _twoThreads.Gradient(_n, _shard);
    }

    [Benchmark(Description = "forward only")]
    public double Forward() => TwoLayerNet.Loss(_x, _y, _n, _d, _h, _w1, _b1, _w2, _b2);

    [Benchmark(Description = "DiffGen gradient (value + gradient)")]
    public double Generated()
    {
        Array.Clear(_dw1);
        Array.Clear(_db1);
        Array.Clear(_dw2);
        _db2 = 0;
        return TwoLayerNet.LossGradient(_x, _y, _n, _d, _h, _w1, _b1, _w2, _b2, _dw1, _db1, _dw2, ref _db2);
    }

    /// <summary>As <see cref="TwoLayerBenchmarks.HandWritten"/>, with the sizes read from fields.</summary>
    [Benchmark(Baseline = true, Description = "hand-written backprop (value + gradient)")]
    public double HandWritten()
    {
        Array.Clear(_dw1);
        Array.Clear(_db1);
        Array.Clear(_dw2);
        int n = _n, d = _d, h = _h;
        double db2 = 0, total = 0;
        double[] x = _x, y = _y, w1 = _w1, b1 = _b1, w2 = _w2, dw1 = _dw1, db1 = _db1, dw2 = _dw2, z = _hidden;
        for (int i = 0; i < n; i++)
        {
            int xo = i * d;
            double output = _b2;
            for (int j = 0; j < h; j++)
            {
                int wo = j * d;
                double zj = b1[j];
                for (int k = 0; k < d; k++)
                    zj += x[xo + k] * w1[wo + k];
                z[j] = zj;
                if (zj > 0)
                    output += zj * w2[j];
            }

            double diff = y[i] - output;
            total += diff * diff;
            double dOutput = -2 * diff / n;
            db2 += dOutput;
            for (int j = 0; j < h; j++)
            {
                double zj = z[j];
                if (zj <= 0)
                    continue;
                dw2[j] += dOutput * zj;
                double dz = dOutput * w2[j];
                db1[j] += dz;
                int wo = j * d;
                for (int k = 0; k < d; k++)
                    dw1[wo + k] += dz * x[xo + k];
            }
        }

        _db2 = db2;
        return total / n;
    }
}

/// <summary>A size of the two-layer problem, n × d × h, shown as "256x32x64" and listed in the order of <see cref="All"/>.</summary>
public sealed class ProblemSize(int order, int n, int d, int h) : IComparable
{
    /// <summary>The four sizes, from the mission's example up.</summary>
    public static readonly ProblemSize[] All = [new(0, 256, 32, 64), new(1, 1024, 256, 256), new(2, 512, 784, 128), new(3, 2048, 1024, 1024)];

    public int N { get; } = n;

    public int D { get; } = d;

    public int H { get; } = h;

    private int Order { get; } = order;

    // BenchmarkDotNet orders parameters by their IComparable; by their strings 1024x… would come before 256x….
    public int CompareTo(object? other) => Order.CompareTo(((ProblemSize)other!).Order);

    public override string ToString() => N + "x" + D + "x" + H;
}
