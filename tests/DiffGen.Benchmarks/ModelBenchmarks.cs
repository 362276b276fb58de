using System;
using BenchmarkDotNet.Attributes;

namespace DiffGen.Benchmarks;

/// <summary>A dense layer of a model class: W row-major (outputs × inputs).</summary>
public sealed class BenchLayer
{
    public BenchLayer(int inputs, int outputs)
    {
        Inputs = inputs;
        Outputs = outputs;
        W = new double[outputs * inputs];
        B = new double[outputs];
    }

    [NoDerivative] public int Inputs { get; }

    [NoDerivative] public int Outputs { get; }

    public double[] W { get; }

    public double[] B { get; }

    public void Forward(ReadOnlySpan<double> x, Span<double> y)
    {
        for (int j = 0; j < Outputs; j++)
        {
            double z = B[j];
            for (int k = 0; k < Inputs; k++)
            {
                z += W[j * Inputs + k] * x[k];
            }

            y[j] = z;
        }
    }
}

/// <summary>A three-layer ReLU network written as a model class with an instance loss.</summary>
public sealed partial class BenchMlp
{
    public BenchMlp(int d, int h1, int h2)
    {
        Hidden1 = new BenchLayer(d, h1);
        Hidden2 = new BenchLayer(h1, h2);
        Output = new BenchLayer(h2, 1);
    }

    public BenchLayer Hidden1 { get; }

    public BenchLayer Hidden2 { get; }

    public BenchLayer Output { get; }

    static void Relu(Span<double> z)
    {
        for (int i = 0; i < z.Length; i++)
        {
            z[i] = Functions.Relu(z[i]);
        }
    }

    [Differentiable]
    public double Loss([NoDerivative] double[] x, [NoDerivative] double[] y, int n)
    {
        int d = Hidden1.Inputs;
        var h1 = new double[Hidden1.Outputs];
        var h2 = new double[Hidden2.Outputs];
        var output = new double[1];
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            Hidden1.Forward(x.AsSpan(i * d, d), h1);
            Relu(h1);
            Hidden2.Forward(h1, h2);
            Relu(h2);
            Output.Forward(h2, output);
            double diff = output[0] - y[i];
            total += diff * diff;
        }

        return total / n;
    }
}

/// <summary>The same network with its layers in an array (any depth), activations allocated per layer as users write it.</summary>
public sealed partial class BenchLayeredMlp
{
    public BenchLayeredMlp(params int[] widths)
    {
        Layers = new BenchLayer[widths.Length - 1];
        for (var l = 0; l < Layers.Length; l++)
        {
            Layers[l] = new BenchLayer(widths[l], widths[l + 1]);
        }
    }

    public BenchLayer[] Layers { get; }

    static void Relu(Span<double> z)
    {
        for (int i = 0; i < z.Length; i++)
        {
            z[i] = Functions.Relu(z[i]);
        }
    }

    [Differentiable]
    public double Loss([NoDerivative] double[] x, [NoDerivative] double[] y, int n)
    {
        int d = Layers[0].Inputs;
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            double[] activation = x.AsSpan(i * d, d).ToArray();
            for (int l = 0; l < Layers.Length; l++)
            {
                var layer = Layers[l];
                var z = new double[layer.Outputs];
                layer.Forward(activation, z);
                if (l < Layers.Length - 1)
                {
                    Relu(z);
                }

                activation = z;
            }

            double diff = activation[0] - y[i];
            total += diff * diff;
        }

        return total / n;
    }
}

/// <summary>The same network as a static method of twelve parameters, the way it had to be written before models.</summary>
public static partial class StaticMlp
{
    static void Dense(ReadOnlySpan<double> w, ReadOnlySpan<double> b, int inputs, int outputs, ReadOnlySpan<double> x, Span<double> y)
    {
        for (int j = 0; j < outputs; j++)
        {
            double z = b[j];
            for (int k = 0; k < inputs; k++)
            {
                z += w[j * inputs + k] * x[k];
            }

            y[j] = z;
        }
    }

    static void Relu(Span<double> z)
    {
        for (int i = 0; i < z.Length; i++)
        {
            z[i] = Functions.Relu(z[i]);
        }
    }

    [Differentiable]
    public static double Loss([NoDerivative] double[] x, [NoDerivative] double[] y, int n, int d, int h1Size, int h2Size,
                              double[] w1, double[] b1, double[] w2, double[] b2, double[] w3, double[] b3)
    {
        var h1 = new double[h1Size];
        var h2 = new double[h2Size];
        var output = new double[1];
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            Dense(w1, b1, d, h1Size, x.AsSpan(i * d, d), h1);
            Relu(h1);
            Dense(w2, b2, h1Size, h2Size, h1, h2);
            Relu(h2);
            Dense(w3, b3, h2Size, 1, h2, output);
            double diff = output[0] - y[i];
            total += diff * diff;
        }

        return total / n;
    }
}

/// <summary>
/// Issue 14's bar: the gradient of a network written as a model class (instance loss, layers as members)
/// against the same network written as a static method of arrays: batch 64, 16-32-32-1. Beside them, the
/// network as an array of layers of any depth (activations allocated per layer and sample, as written).
/// </summary>
[MemoryDiagnoser]
public class ModelBenchmarks
{
    private const int N = 64, D = 16, H1 = 32, H2 = 32;
    private double[] _x = null!, _y = null!;
    private BenchMlp _model = null!, _gradient = null!;
    private BenchLayeredMlp _layered = null!, _layeredGradient = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        void Fill(double[] a, double scale)
        {
            for (var i = 0; i < a.Length; i++)
            {
                a[i] = (random.NextDouble() * 2 - 1) * scale;
            }
        }

        _x = new double[N * D];
        _y = new double[N];
        Fill(_x, 1);
        Fill(_y, 1);
        _model = new BenchMlp(D, H1, H2);
        _gradient = new BenchMlp(D, H1, H2);
        foreach (var array in new[] { _model.Hidden1.W, _model.Hidden1.B, _model.Hidden2.W, _model.Hidden2.B, _model.Output.W, _model.Output.B })
        {
            Fill(array, 0.5);
        }

        // The same weights, in an array of layers.
        _layered = new BenchLayeredMlp(D, H1, H2, 1);
        _layeredGradient = new BenchLayeredMlp(D, H1, H2, 1);
        var layers = new[] { _model.Hidden1, _model.Hidden2, _model.Output };
        for (var l = 0; l < layers.Length; l++)
        {
            layers[l].W.CopyTo(_layered.Layers[l].W, 0);
            layers[l].B.CopyTo(_layered.Layers[l].B, 0);
        }
    }

    [Benchmark(Baseline = true, Description = "static method, 12 parameters")]
    public double StaticGradient()
    {
        var (m, g) = (_model, _gradient);
        return StaticMlp.LossGradient(_x, _y, N, D, H1, H2,
            m.Hidden1.W, m.Hidden1.B, m.Hidden2.W, m.Hidden2.B, m.Output.W, m.Output.B,
            g.Hidden1.W, g.Hidden1.B, g.Hidden2.W, g.Hidden2.B, g.Output.W, g.Output.B);
    }

    [Benchmark(Description = "model class, instance loss")]
    public double ModelGradient() => _model.LossGradient(_x, _y, N, _gradient);

    [Benchmark(Description = "model class, Layer[] of any depth")]
    public double LayeredModelGradient() => _layered.LossGradient(_x, _y, N, _layeredGradient);
}
