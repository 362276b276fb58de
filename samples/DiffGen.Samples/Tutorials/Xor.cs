using System;

namespace DiffGen.Samples.Tutorials;

/// <summary>
/// XOR with a 2-4-1 sigmoid network and binary cross-entropy, trained by full-batch gradient descent.
/// The 17 parameters live in one array: hidden unit j has weights p[3j], p[3j+1] and bias p[3j+2];
/// the output has weights p[12..15] and bias p[16].
/// </summary>
public static partial class Xor
{
    public const int ParameterCount = 17;

    [Differentiable]
    public static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    [Differentiable]
    public static double Predict(double[] p, [NoDerivative] double x1, [NoDerivative] double x2)
    {
        double h0 = Sigmoid(p[0] * x1 + p[1] * x2 + p[2]);
        double h1 = Sigmoid(p[3] * x1 + p[4] * x2 + p[5]);
        double h2 = Sigmoid(p[6] * x1 + p[7] * x2 + p[8]);
        double h3 = Sigmoid(p[9] * x1 + p[10] * x2 + p[11]);
        return Sigmoid(p[12] * h0 + p[13] * h1 + p[14] * h2 + p[15] * h3 + p[16]);
    }

    /// <summary>Binary cross-entropy of a prediction, with 1e-8 inside the logarithms as in the tutorial.</summary>
    [Differentiable]
    public static double CrossEntropy(double prediction, [NoDerivative] double target) =>
        -(target * Math.Log(prediction + 1e-8) + (1 - target) * Math.Log(1 - prediction + 1e-8));

    /// <summary>The mean loss over the four XOR cases.</summary>
    [Differentiable]
    public static double Loss(double[] p) =>
        (CrossEntropy(Predict(p, 0, 0), 0) + CrossEntropy(Predict(p, 0, 1), 1)
         + CrossEntropy(Predict(p, 1, 0), 1) + CrossEntropy(Predict(p, 1, 1), 0)) / 4;

    /// <summary>Trains from a seeded initialization; returns the parameters and the loss per epoch.</summary>
    public static (double[] Parameters, double[] Losses) Train(int epochs, double learningRate, int seed, Action<int, double>? progress = null)
    {
        var random = new Random(seed);
        var p = new double[ParameterCount];
        for (var i = 0; i < p.Length; i++)
        {
            p[i] = random.NextDouble() * 2 - 1;
        }

        var gradient = new double[ParameterCount];
        var losses = new double[epochs];
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            Array.Clear(gradient);
            losses[epoch] = LossGradient(p, gradient);
            for (var i = 0; i < p.Length; i++)
            {
                p[i] -= learningRate * gradient[i];
            }

            progress?.Invoke(epoch + 1, losses[epoch]);
        }

        return (p, losses);
    }

    public static void Run(int epochs = 1000, double learningRate = 1.0)
    {
        Console.WriteLine($"XOR: a 2-4-1 sigmoid network, binary cross-entropy, learning rate {learningRate}, {epochs} epochs");
        var (p, _) = Train(epochs, learningRate, seed: 7, (epoch, loss) =>
        {
            if (epoch % 100 == 0 || epoch == 1)
            {
                Console.WriteLine($"  epoch {epoch,5}  loss {loss:F6}  {Bar(loss)}");
            }
        });

        Console.WriteLine();
        Console.WriteLine("  x1 x2 | target | prediction | rounded");
        foreach (var (x1, x2, target) in new[] { (0, 0, 0), (0, 1, 1), (1, 0, 1), (1, 1, 0) })
        {
            var prediction = Predict(p, x1, x2);
            Console.WriteLine($"   {x1}  {x2} |   {target}    |   {prediction:F4}   |   {Math.Round(prediction)}");
        }
    }

    private static string Bar(double loss) => new('#', (int)Math.Clamp(loss * 40, 0, 40));
}
