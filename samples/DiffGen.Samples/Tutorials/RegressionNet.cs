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
/// The main job's network, written as a model: two ReLU hidden layers and a linear output, each a
/// <see cref="DenseLayer"/>. <see cref="Loss"/> is an instance method; DiffGen generates
/// <c>LossGradient(x, y, n, gradient)</c>, which adds ∂Loss/∂(every weight) into a same-shaped network.
/// </summary>
public sealed partial class RegressionNet
{
    public RegressionNet(int inputs, int hidden1, int hidden2)
    {
        Hidden1 = new DenseLayer(inputs, hidden1);
        Hidden2 = new DenseLayer(hidden1, hidden2);
        Output = new DenseLayer(hidden2, 1);
    }

    public DenseLayer Hidden1 { get; }

    public DenseLayer Hidden2 { get; }

    public DenseLayer Output { get; }

    /// <summary>He-initializes the weights from <paramref name="seed"/> (biases start at zero).</summary>
    public RegressionNet Initialize(int seed)
    {
        Init.HeNormal(Hidden1.W, fanIn: Hidden1.Inputs, seed);
        Init.HeNormal(Hidden2.W, fanIn: Hidden2.Inputs, seed + 1);
        Init.HeNormal(Output.W, fanIn: Output.Inputs, seed + 2);
        return this;
    }

    static void Relu(Span<double> z)
    {
        for (int i = 0; i < z.Length; i++)
        {
            z[i] = Functions.Relu(z[i]);
        }
    }

    /// <summary>Mean squared error over <paramref name="n"/> samples of <c>Hidden1.Inputs</c> features each.</summary>
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
