using System;

namespace DiffGen.Samples.Tutorials;

/// <summary>A dense layer: outputs = W·inputs + B, with W row-major (outputs × inputs).</summary>
public sealed class DenseLayer
{
    public DenseLayer(int inputs, int outputs)
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

    /// <summary>Writes W·<paramref name="x"/> + B into <paramref name="y"/>.</summary>
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

/// <summary>
/// The main job's network, written as a model: ReLU hidden layers and a linear output, each a
/// <see cref="DenseLayer"/>, in an array (any depth). <see cref="Loss"/> is an instance method over a range of
/// samples; DiffGen generates <c>LossGradient(x, y, start, count, gradient, seed)</c>, which adds
/// seed × ∂Loss/∂(every weight) into a same-shaped network (one per shard when a batch is split over the cores).
/// </summary>
public sealed partial class RegressionNet
{
    /// <summary>A network with layers of the given widths: <c>new RegressionNet(2, 32, 32, 1)</c> is 2-32-32-1.</summary>
    public RegressionNet(params int[] widths)
    {
        Layers = new DenseLayer[widths.Length - 1];
        for (var l = 0; l < Layers.Length; l++)
        {
            Layers[l] = new DenseLayer(widths[l], widths[l + 1]);
        }
    }

    public DenseLayer[] Layers { get; }

    /// <summary>He-initializes the weights from <paramref name="seed"/> (biases start at zero).</summary>
    public RegressionNet Initialize(int seed)
    {
        for (var l = 0; l < Layers.Length; l++)
        {
            Init.HeNormal(Layers[l].W, fanIn: Layers[l].Inputs, seed + l);
        }

        return this;
    }

    static void Relu(Span<double> z)
    {
        for (int i = 0; i < z.Length; i++)
        {
            z[i] = Functions.Relu(z[i]);
        }
    }

    /// <summary>
    /// Mean squared error over the <paramref name="count"/> samples from <paramref name="start"/> on, of
    /// <c>Layers[0].Inputs</c> features each, one output: <c>Loss(x, y, 0, n)</c> for all of them.
    /// </summary>
    [Differentiable]
    public double Loss([NoDerivative] double[] x, [NoDerivative] double[] y, int start, int count)
    {
        int d = Layers[0].Inputs;
        double total = 0;
        for (int i = start; i < start + count; i++)
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

        return total / count;
    }
}
