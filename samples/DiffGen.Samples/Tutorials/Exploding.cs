using System;
using System.Collections.Generic;
using System.Linq;

namespace DiffGen.Samples.Tutorials;

/// <summary>
/// Exploding gradients. A vanilla RNN, h_t = tanh(W·h_{t−1} + u·x_t + b), read out as v·h_t, learns to
/// echo its input three steps late. Backpropagation through time multiplies the adjoint by Wᵀ once per
/// step, so with recurrent weights larger than one in gain the gradient grows with the sequence length
/// and a plain SGD step overshoots. Clipping the global norm bounds every step.
/// </summary>
public static partial class Exploding
{
    /// <summary>How many steps late the target echoes the input.</summary>
    public const int Delay = 3;

    /// <summary>Mean squared error of the readout over a sequence of <paramref name="steps"/> inputs, from h_0 = 0.</summary>
    [Differentiable]
    public static double Loss(double[] w, double[] u, double[] b, double[] v,
                              [NoDerivative] double[] x, [NoDerivative] double[] y, int steps, int hidden)
    {
        double[] h = new double[(steps + 1) * hidden];
        double total = 0;
        for (int t = 0; t < steps; t++)
        {
            for (int j = 0; j < hidden; j++)
            {
                double z = b[j] + u[j] * x[t];
                for (int k = 0; k < hidden; k++)
                    z += w[j * hidden + k] * h[t * hidden + k];
                h[(t + 1) * hidden + j] = Math.Tanh(z);
            }

            double output = 0;
            for (int j = 0; j < hidden; j++)
                output += v[j] * h[(t + 1) * hidden + j];
            double diff = output - y[t];
            total += diff * diff;
        }

        return total / steps;
    }

    /// <summary>One training step: the loss, and the global gradient norm before and after clipping.</summary>
    public readonly record struct StepReport(int Step, double Loss, double GradientNorm, double ClippedNorm);

    /// <summary>The network: recurrent weights of gain <paramref name="gain"/> (N(0, gain²/hidden)), the rest small.</summary>
    public static ParameterSet<double> CreateModel(int hidden, double gain, int seed)
    {
        var model = new ParameterSet<double>();
        Init.Normal(model.Add("W", hidden * hidden).Values, 0, gain / Math.Sqrt(hidden), seed);
        Init.Normal(model.Add("u", hidden).Values, 0, 1, seed + 1);
        model.Add("b", hidden);
        Init.Normal(model.Add("v", hidden).Values, 0, 1 / Math.Sqrt(hidden), seed + 2);
        return model;
    }

    /// <summary>A random sequence of ±1 inputs and its echo.</summary>
    public static (double[] X, double[] Y) MakeSequence(int steps, Random random)
    {
        var x = new double[steps];
        var y = new double[steps];
        for (var t = 0; t < steps; t++)
        {
            x[t] = random.Next(2) * 2 - 1;
            y[t] = t >= Delay ? x[t - Delay] : 0;
        }

        return (x, y);
    }

    /// <summary>The gradient and its global norm for one sequence.</summary>
    public static double GradientNorm(ParameterSet<double> model, double[] x, double[] y)
    {
        model.ZeroGradients();
        var (w, u, b, v) = (model["W"], model["u"], model["b"], model["v"]);
        LossGradient(w.Values, u.Values, b.Values, v.Values, x, y, x.Length, u.Length, w.Gradients, u.Gradients, b.Gradients, v.Gradients);
        return GlobalNorm(model);
    }

    /// <summary>The L2 norm of all the model's gradients together.</summary>
    public static double GlobalNorm(ParameterSet<double> model)
    {
        double squares = 0;
        foreach (var parameter in model)
        {
            foreach (var g in parameter.Gradients)
            {
                squares += g * g;
            }
        }

        return Math.Sqrt(squares);
    }

    /// <summary>The mean gradient norm of the initial network over <paramref name="sequences"/> random sequences of one length.</summary>
    public static double MeanGradientNorm(int length, int sequences = 20, int hidden = 16, double gain = 2.5, int seed = 3)
    {
        var model = CreateModel(hidden, gain, seed);
        var random = new Random(seed + length);
        double sum = 0;
        for (var i = 0; i < sequences; i++)
        {
            var (x, y) = MakeSequence(length, random);
            sum += GradientNorm(model, x, y);
        }

        return sum / sequences;
    }

    /// <summary>
    /// Trains with SGD by backpropagation through time on fresh sequences; with <paramref name="maxNorm"/>
    /// the gradient is clipped to that global norm before each step.
    /// </summary>
    public static List<StepReport> Train(int trainingSteps, int sequenceLength, double? maxNorm, int hidden = 16, double gain = 2.5, double learningRate = 0.1, int seed = 3)
    {
        var model = CreateModel(hidden, gain, seed);
        var optimizer = new Sgd<double>(model, learningRate);
        var random = new Random(seed);
        var reports = new List<StepReport>();
        for (var step = 1; step <= trainingSteps; step++)
        {
            var (x, y) = MakeSequence(sequenceLength, random);
            var norm = GradientNorm(model, x, y);
            var (w, u, b, v) = (model["W"], model["u"], model["b"], model["v"]);
            var loss = Loss(w.Values, u.Values, b.Values, v.Values, x, y, sequenceLength, hidden);
            if (maxNorm is { } max)
            {
                Clip.GradientsByNorm(model, max);
            }

            reports.Add(new StepReport(step, loss, norm, GlobalNorm(model)));
            optimizer.Step();
        }

        return reports;
    }

    public static void Run(int trainingSteps = 300, int sequenceLength = 40, double maxNorm = 1.0)
    {
        Console.WriteLine($"Exploding gradients: a 16-unit tanh RNN (recurrent gain 2.5) echoing its input {Delay} steps late, SGD 0.1");
        Console.Write("  mean gradient norm at initialization by sequence length:");
        foreach (var length in new[] { 5, 10, 20, 40, 80, 160 })
        {
            Console.Write($"  T={length}: {MeanGradientNorm(length):F2}");
        }

        Console.WriteLine();
        var plain = Train(trainingSteps, sequenceLength, maxNorm: null);
        var clipped = Train(trainingSteps, sequenceLength, maxNorm);
        Console.WriteLine($"  training on sequences of {sequenceLength}: loss and gradient norm, without clipping | clipped at {maxNorm}");
        for (var i = 0; i < trainingSteps; i += trainingSteps / 10)
        {
            var (a, c) = (plain[i], clipped[i]);
            Console.WriteLine($"    step {a.Step,4}  loss {a.Loss,8:F4}  norm {a.GradientNorm,9:F3}  |  loss {c.Loss,8:F4}  norm {c.GradientNorm,9:F3} → {c.ClippedNorm:F3}");
        }

        static double Tail(List<StepReport> r) => r.Skip(r.Count - 20).Average(s => s.Loss);
        var largest = (Plain: plain.Max(s => s.GradientNorm), Clipped: clipped.Max(s => s.ClippedNorm));
        Console.WriteLine($"  largest step taken: gradient norm {largest.Plain:F2} without clipping, {largest.Clipped:F2} with");
        Console.WriteLine($"  mean loss over the last 20 steps: {Tail(plain):F4} without clipping, {Tail(clipped):F4} with");
    }
}
