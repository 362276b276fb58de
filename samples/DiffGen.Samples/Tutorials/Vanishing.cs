using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using DiffGen.Samples.Support;

namespace DiffGen.Samples.Tutorials;

/// <summary>
/// Vanishing gradients. In a deep stack of tanh layers each backward step multiplies the adjoint by
/// tanh′(z) ≤ 1 and by the layer's weights, so the first layers learn orders of magnitude more slowly
/// than the last. ReLU (derivative 1 where active, with He initialization) and residual connections
/// (a identity path around each layer) keep the gradient's size through depth.
/// </summary>
public static partial class Vanishing
{
    /// <summary>The layer's nonlinearity and wiring.</summary>
    public enum Stack
    {
        /// <summary>a′ = tanh(W·a + b), Glorot-initialized.</summary>
        Tanh,

        /// <summary>a′ = relu(W·a + b), He-initialized.</summary>
        Relu,

        /// <summary>a′ = a + tanh(W·a + b), Glorot-initialized.</summary>
        Residual,
    }

    /// <summary>
    /// Mean squared error of a stack of <paramref name="layers"/> square layers of <paramref name="width"/>
    /// units whose output is read as the sum of the last layer. Layer l has weights w[l·width² …] and
    /// biases b[l·width …]; activations live in one array, a[l·width …] being layer l's input.
    /// </summary>
    [Differentiable]
    public static double Loss(double[] w, double[] b, [NoDerivative] double[] x, [NoDerivative] double[] y,
                              int samples, int width, int layers, int stack)
    {
        double[] a = new double[(layers + 1) * width];
        double total = 0;
        for (int s = 0; s < samples; s++)
        {
            for (int j = 0; j < width; j++)
                a[j] = x[s * width + j];
            for (int l = 0; l < layers; l++)
            {
                for (int j = 0; j < width; j++)
                {
                    double z = b[l * width + j];
                    for (int k = 0; k < width; k++)
                        z += w[(l * width + j) * width + k] * a[l * width + k];
                    double activation = stack == 1 ? (z > 0 ? z : 0) : Math.Tanh(z);
                    a[(l + 1) * width + j] = stack == 2 ? a[l * width + j] + activation : activation;
                }
            }

            double output = 0;
            for (int j = 0; j < width; j++)
                output += a[layers * width + j];
            double diff = output - y[s];
            total += diff * diff;
        }

        return total / samples;
    }

    /// <summary>A stack to measure: its wiring and the gain of its initialization, weights ~ N(0, gain²/width).</summary>
    public sealed record Configuration(string Label, Stack Stack, double Gain);

    /// <summary>
    /// The stacks the tutorial compares: tanh with small weights and with Glorot's gain 1, ReLU with He's
    /// gain √2, and the small-weight tanh stack again with residual connections.
    /// </summary>
    public static IReadOnlyList<Configuration> Configurations { get; } =
    [
        new("tanh, small init (gain 0.5)", Stack.Tanh, 0.5),
        new("tanh, Glorot (gain 1)", Stack.Tanh, 1),
        new("ReLU, He (gain √2)", Stack.Relu, Math.Sqrt(2)),
        new("residual tanh, gain 0.5", Stack.Residual, 0.5),
    ];

    /// <summary>
    /// The mean |∂L/∂b| of each layer, first to last: the adjoint that reaches the layer, before it is
    /// multiplied by the layer's input to give ∂L/∂W. Seeded inputs N(0, 1), targets N(0, 1).
    /// </summary>
    public static double[] GradientByLayer(Configuration configuration, int layers, int width = 16, int samples = 8, int seed = 1)
    {
        var w = new double[layers * width * width];
        var b = new double[layers * width];
        for (var l = 0; l < layers; l++)
        {
            Init.Normal(w.AsSpan(l * width * width, width * width), 0, configuration.Gain / Math.Sqrt(width), seed + l);
        }

        var x = new double[samples * width];
        Init.Normal(x, 0, 1, seed + 1000);
        var y = new double[samples];
        Init.Normal(y, 0, 1, seed + 2000);

        var dw = new double[w.Length];
        var db = new double[b.Length];
        LossGradient(w, b, x, y, samples, width, layers, (int)configuration.Stack, dw, db);
        var means = new double[layers];
        for (var l = 0; l < layers; l++)
        {
            double sum = 0;
            foreach (var g in db.AsSpan(l * width, width))
            {
                sum += Math.Abs(g);
            }

            means[l] = sum / width;
        }

        return means;
    }

    public static void Run(string outputDirectory = "out")
    {
        Console.WriteLine("Vanishing gradients: mean |∂L/∂b| per layer (layer 1 is nearest the input), width 16, 8 samples");
        var deep = new List<Series>();
        foreach (var layers in new[] { 5, 20 })
        {
            Console.WriteLine($"  {layers} layers:");
            foreach (var configuration in Configurations)
            {
                var byLayer = GradientByLayer(configuration, layers);
                Console.WriteLine($"    {configuration.Label,-28} first {byLayer[0],9:E2}  last {byLayer[^1],9:E2}  first/last {byLayer[0] / byLayer[^1],9:E2}");
                if (layers == 20)
                {
                    deep.Add(new Series(configuration.Label, byLayer));
                }
            }
        }

        var plot = LinePlot.Save(Path.Combine(outputDirectory, "vanishing.png"), "Gradient magnitude by layer, 20 layers", "layer (1 = input side)", "mean |dL/db|", deep, logY: true);
        Console.WriteLine($"  plot: {LinePlot.Display(plot)}");
    }
}
