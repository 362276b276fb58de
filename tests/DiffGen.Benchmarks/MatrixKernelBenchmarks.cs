using System;
using System.Linq;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace DiffGen.Benchmarks;

/// <summary>
/// <see cref="Kernels.MatrixMultiplyAdd(int, int, int, ReadOnlySpan{double}, int, int, ReadOnlySpan{double}, int, int, Span{double}, int, int, bool)"/>
/// at the two products of a two-layer network's dense layer, double, with GFLOP/s (2·m·n·k over the
/// mean time): the forward C[n×h] += X[n×d]·Wᵀ (W is h×d, row-major, so B is a transposed view) and
/// the weight gradient dW[h×d] += dZ[n×h]ᵀ·X[n×d] (A is a transposed view), at
/// (n, d, h) = (256, 32, 64), (1024, 256, 256), (512, 784, 128) and (2048, 1024, 1024). Single-threaded.
/// tools/gemm_openblas_reference.py times OpenBLAS on the same products.
/// </summary>
/// <remarks>dotnet run -c Release --project tests/DiffGen.Benchmarks -- --filter '*MatrixKernel*' --job short</remarks>
[MemoryDiagnoser]
[Config(typeof(GigaflopsConfig))]
public class MatrixKernelBenchmarks
{
    private double[] _x = null!, _w = null!, _dz = null!, _c = null!, _dw = null!;
    private int _n, _d, _h;

    /// <summary>n, d, h: batch rows, input features, hidden units.</summary>
    [Params("256,32,64", "1024,256,256", "512,784,128", "2048,1024,1024")]
    public string Shape { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        (_n, _d, _h) = ParseShape(Shape);
        var random = new Random(42);
        double[] Fill(int length)
        {
            var a = new double[length];
            for (var i = 0; i < a.Length; i++)
            {
                a[i] = (random.NextDouble() * 2) - 1;
            }

            return a;
        }

        _x = Fill(_n * _d);
        _w = Fill(_h * _d);
        _dz = Fill(_n * _h);
        _c = new double[_n * _h];
        _dw = new double[_h * _d];
    }

    /// <summary>C[n×h] += X[n×d]·Wᵀ: m = n, n = h, k = d; A row-major, B(p,j) = W[j·d + p].</summary>
    [Benchmark(Description = "forward X·Wᵀ")]
    public void Forward() =>
        Kernels.MatrixMultiplyAdd(_n, _h, _d, _x, _d, 1, _w, 1, _d, _c, _h, 1);

    /// <summary>dW[h×d] += dZᵀ·X: m = h, n = d, k = n; A(i,p) = dZ[p·h + i], B row-major.</summary>
    [Benchmark(Description = "weight gradient dZᵀ·X")]
    public void WeightGradient() =>
        Kernels.MatrixMultiplyAdd(_h, _d, _n, _dz, 1, _h, _x, _d, 1, _dw, _d, 1);

    internal static (int N, int D, int H) ParseShape(string shape)
    {
        var parts = shape.Split(',').Select(int.Parse).ToArray();
        return (parts[0], parts[1], parts[2]);
    }

    /// <summary>Adds the GFLOP/s column: both products are 2·n·d·h floating-point operations.</summary>
    private sealed class GigaflopsConfig : ManualConfig
    {
        public GigaflopsConfig() => AddColumn(new GigaflopsColumn());
    }

    private sealed class GigaflopsColumn : IColumn
    {
        public string Id => nameof(GigaflopsColumn);

        public string ColumnName => "GFLOP/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "2·n·d·h floating-point operations over the mean time, in billions per second";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var statistics = summary[benchmarkCase]?.ResultStatistics;
            if (statistics is null || benchmarkCase.Parameters["Shape"] is not string shape)
            {
                return "NA";
            }

            var (n, d, h) = ParseShape(shape);
            return (2.0 * n * d * h / statistics.Mean).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
        }

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
