using System;
using System.Runtime.CompilerServices;

namespace DiffGen.Tests;

/// <summary>A dense layer's weights (row-major, outputs × inputs) and biases.</summary>
public sealed class DenseLayer(int inputs, int outputs)
{
    public double[] W = new double[inputs * outputs];
    public double[] B = new double[outputs];
}

/// <summary>
/// The model the <see cref="ParameterSet{T}.FromModel{TModel}"/> tests train: a tanh layer, a linear
/// output layer (array members, nested) and a learned output scale (a scalar property). No
/// <c>[Differentiable]</c> method reads this type, so its layout is the hand-written one below, standing
/// in for the generated registration.
/// </summary>
public class ScaledNet
{
    public const int Inputs = 3;
    public const int Hidden = 4;

    public DenseLayer[] Layers = [new DenseLayer(Inputs, Hidden), new DenseLayer(Hidden, 1)];

    /// <summary>The output's scale: a scalar property, so a parameter of length 1 copied in and out.</summary>
    public double Scale { get; set; } = 1;

    /// <summary>A model with values drawn from <paramref name="seed"/>.</summary>
    public static TModel Create<TModel>(int seed)
        where TModel : ScaledNet, new()
    {
        var model = new TModel();
        Init.Uniform(model.Layers[0].W, -1, 1, seed);
        Init.Uniform(model.Layers[0].B, -0.5, 0.5, seed + 1);
        Init.Uniform(model.Layers[1].W, -1, 1, seed + 2);
        Init.Uniform(model.Layers[1].B, -0.5, 0.5, seed + 3);
        model.Scale = 0.75 + (seed % 7) / 10.0;
        return model;
    }

    public double Loss(Data data) => ScaledNetLoss.Loss(
        Layers[0].W, Layers[0].B, Layers[1].W, Layers[1].B, Scale, data.X, data.Y, data.Count, Inputs, Hidden);

    /// <summary>Adds the loss's gradient into <paramref name="gradient"/>'s members, as a generated model gradient does.</summary>
    public void AddGradient(ScaledNet gradient, Data data)
    {
        double dScale = 0;
        ScaledNetLoss.LossGradient(
            Layers[0].W, Layers[0].B, Layers[1].W, Layers[1].B, Scale, data.X, data.Y, data.Count, Inputs, Hidden,
            gradient.Layers[0].W, gradient.Layers[0].B, gradient.Layers[1].W, gradient.Layers[1].B, ref dScale);
        gradient.Scale += dScale;
    }

    /// <summary>The layout a generated registration would describe: members in declaration order.</summary>
    internal static void Describe(ScaledNet model, ScaledNet gradient, IModelMembers<double> members)
    {
        for (var i = 0; i < model.Layers.Length; i++)
        {
            members.Array($"Layers[{i}].W", model.Layers[i].W, gradient.Layers[i].W);
            members.Array($"Layers[{i}].B", model.Layers[i].B, gradient.Layers[i].B);
        }

        members.Scalar("Scale", () => model.Scale, v => model.Scale = v, () => gradient.Scale, v => gradient.Scale = v);
    }

#pragma warning disable CA2255 // Module initializers in a library: this stands in for the generated registration.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void RegisterLayouts()
    {
        ModelLayout<ScaledNet, double>.Register(Describe);

        // The same members, listed in another order (as after fields were reordered).
        ModelLayout<ReorderedNet, double>.Register((model, gradient, members) =>
        {
            members.Scalar("Scale", () => model.Scale, v => model.Scale = v, () => gradient.Scale, v => gradient.Scale = v);
            for (var i = model.Layers.Length - 1; i >= 0; i--)
            {
                members.Array($"Layers[{i}].B", model.Layers[i].B, gradient.Layers[i].B);
                members.Array($"Layers[{i}].W", model.Layers[i].W, gradient.Layers[i].W);
            }
        });

        // A layout naming one member twice.
        ModelLayout<TwiceNamedNet, double>.Register((model, gradient, members) =>
        {
            members.Array("Layers[0].W", model.Layers[0].W, gradient.Layers[0].W);
            members.Array("Layers[0].W", model.Layers[1].W, gradient.Layers[1].W);
        });
    }

    /// <summary>A batch of samples.</summary>
    public sealed record Data(double[] X, double[] Y, int Count)
    {
        public static Data Create(int count, int seed)
        {
            var x = new double[count * Inputs];
            var y = new double[count];
            Init.Uniform(x, -2, 2, seed);
            Init.Uniform(y, -1, 1, seed + 1);
            return new Data(x, y, count);
        }
    }
}

/// <summary>The same model, its layout registered in another order.</summary>
public sealed class ReorderedNet : ScaledNet;

/// <summary>A model whose layout names a member twice.</summary>
public sealed class TwiceNamedNet : ScaledNet;

/// <summary>A model type with no registered layout.</summary>
public sealed class UnregisteredNet : ScaledNet;

public static partial class ScaledNetLoss
{
    /// <summary>Mean squared error of scale · (W₁ tanh(W₀ x + b₀) + b₁).</summary>
    [Differentiable]
    public static double Loss(double[] w0, double[] b0, double[] w1, double[] b1, double scale,
                              [NoDerivative] double[] x, [NoDerivative] double[] y, int n, int d, int h)
    {
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            double output = b1[0];
            for (int j = 0; j < h; j++)
            {
                double z = b0[j];
                for (int k = 0; k < d; k++)
                {
                    z += w0[j * d + k] * x[i * d + k];
                }

                output += Math.Tanh(z) * w1[j];
            }

            double diff = scale * output - y[i];
            total += diff * diff;
        }

        return total / n;
    }
}
