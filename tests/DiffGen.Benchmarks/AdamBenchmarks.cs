using System;
using BenchmarkDotNet.Attributes;

namespace DiffGen.Benchmarks;

/// <summary>One Adam step over 1,000,000 float64 parameters: DiffGen's vectorized update against the same update as a plain scalar loop.</summary>
[MemoryDiagnoser]
public class AdamBenchmarks
{
    private const int Count = 1_000_000;
    private ParameterSet<double> _parameters = null!;
    private Adam<double> _adam = null!;
    private double[] _values = null!, _gradients = null!, _m = null!, _v = null!;
    private long _step;

    [GlobalSetup]
    public void Setup()
    {
        _parameters = new ParameterSet<double>();
        var p = _parameters.Add("p", Count);
        Init.Normal<double>(p.Values, 0, 1, seed: 1);
        Init.Normal<double>(p.Gradients, 0, 1, seed: 2);
        _adam = new Adam<double>(_parameters, learningRate: 1e-6);
        _values = (double[])p.Values.Clone();
        _gradients = (double[])p.Gradients.Clone();
        _m = new double[Count];
        _v = new double[Count];
    }

    [Benchmark(Description = "Adam step, DiffGen (vectorized)")]
    public void Vectorized() => _adam.Step();

    [Benchmark(Baseline = true, Description = "Adam step, plain scalar loop")]
    public void Scalar()
    {
        const double beta1 = 0.9, beta2 = 0.999, eps = 1e-8, lr = 1e-6;
        var t = ++_step;
        var stepSize = lr / (1 - Math.Pow(beta1, t));
        var correction2Sqrt = Math.Sqrt(1 - Math.Pow(beta2, t));
        for (var i = 0; i < Count; i++)
        {
            var g = _gradients[i];
            _m[i] = _m[i] * beta1 + (1 - beta1) * g;
            _v[i] = _v[i] * beta2 + (1 - beta2) * g * g;
            _values[i] -= stepSize * (_m[i] / (Math.Sqrt(_v[i]) / correction2Sqrt + eps));
        }
    }
}
