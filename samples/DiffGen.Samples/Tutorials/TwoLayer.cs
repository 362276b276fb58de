using System;
using System.Collections.Generic;
using DiffGen.Samples.Support;

namespace DiffGen.Samples.Tutorials;

/// <summary>
/// The two-layer ReLU network's mean squared error written as the tutorial breaks it down, one
/// intermediate per stage: u1 = W1·x + b1, u2 = relu(u1), u3 = w2·u2 + b2, u4 = u3 − y, u5 = u4².
/// The generator differentiates it; every gradient element is set beside a central finite difference.
/// </summary>
public static partial class TwoLayer
{
    /// <summary>The mean of u5 over <paramref name="n"/> samples of <paramref name="d"/> features, with <paramref name="h"/> hidden units.</summary>
    [Differentiable(Graph = true)]
    public static double Loss(double[] w1, double[] b1, double[] w2, double[] b2,
                              [NoDerivative] double[] x, [NoDerivative] double[] y, int n, int d, int h)
    {
        double[] u1 = new double[h];
        double[] u2 = new double[h];
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < h; j++)
            {
                double z = b1[j];
                for (int k = 0; k < d; k++)
                    z += w1[j * d + k] * x[i * d + k];
                u1[j] = z;                          // u1 = W1·x + b1
                u2[j] = u1[j] > 0 ? u1[j] : 0;      // u2 = relu(u1)
            }

            double u3 = b2[0];
            for (int j = 0; j < h; j++)
                u3 += w2[j] * u2[j];                // u3 = w2·u2 + b2
            double u4 = u3 - y[i];                  // u4 = u3 − y
            double u5 = u4 * u4;                    // u5 = u4²
            total += u5;
        }

        return total / n;
    }

    /// <summary>One gradient element beside its central finite difference.</summary>
    public readonly record struct Comparison(string Parameter, double Generated, double FiniteDifference)
    {
        /// <summary>|generated − numeric| / max(1, |generated|, |numeric|).</summary>
        public double RelativeError => Math.Abs(Generated - FiniteDifference) / Math.Max(1, Math.Max(Math.Abs(Generated), Math.Abs(FiniteDifference)));
    }

    /// <summary>A seeded network (3 inputs, 4 hidden units) and 5 samples; every gradient element against (L(p+ε) − L(p−ε))/2ε.</summary>
    public static List<Comparison> Compare(int seed = 11, double epsilon = 1e-6)
    {
        var (parameters, x, y) = Seeded(seed);
        var (w1, b1, w2, b2) = (parameters[0].Values, parameters[1].Values, parameters[2].Values, parameters[3].Values);
        LossGradient(w1, b1, w2, b2, x, y, N, D, H, parameters[0].Gradients, parameters[1].Gradients, parameters[2].Gradients, parameters[3].Gradients);

        var comparisons = new List<Comparison>();
        foreach (var parameter in parameters)
        {
            for (var i = 0; i < parameter.Length; i++)
            {
                var original = parameter.Values[i];
                parameter.Values[i] = original + epsilon;
                var plus = Loss(w1, b1, w2, b2, x, y, N, D, H);
                parameter.Values[i] = original - epsilon;
                var minus = Loss(w1, b1, w2, b2, x, y, N, D, H);
                parameter.Values[i] = original;
                comparisons.Add(new Comparison($"{parameter.Name}[{i}]", parameter.Gradients[i], (plus - minus) / (2 * epsilon)));
            }
        }

        return comparisons;
    }

    /// <summary>The seeded network's loss on its first sample alone, as a computation graph: u1..u5 with values and adjoints.</summary>
    public static ComputationGraph Graph(int seed = 11, GraphOptions? options = null)
    {
        var s = FirstSample(seed);
        return LossGraph(s.W1, s.B1, s.W2, s.B2, s.X, s.Y, 1, D, H, options);
    }

    /// <summary>The seeded network's parameters and its first sample (n = 1, d = 3, h = 4), as <see cref="Graph"/> draws them.</summary>
    public static (double[] W1, double[] B1, double[] W2, double[] B2, double[] X, double[] Y) FirstSample(int seed = 11)
    {
        var (parameters, x, y) = Seeded(seed);
        return (parameters[0].Values, parameters[1].Values, parameters[2].Values, parameters[3].Values, x[..D], y[..1]);
    }

    private const int N = 5, D = 3, H = 4;

    // The seeded network (3 inputs, 4 hidden units) and its 5 samples.
    private static (Parameter<double>[] Parameters, double[] X, double[] Y) Seeded(int seed)
    {
        const int n = N, d = D, h = H;
        var random = new Random(seed);
        double Uniform() => random.NextDouble() * 2 - 1;
        var model = new ParameterSet<double>();
        Parameter<double>[] parameters = [model.Add("W1", h * d), model.Add("b1", h), model.Add("w2", h), model.Add("b2", 1)];
        foreach (var parameter in parameters)
        {
            for (var i = 0; i < parameter.Length; i++)
            {
                parameter.Values[i] = Uniform();
            }
        }

        // Positive hidden biases keep every unit active for some sample, so no row of the table is trivially 0.
        for (var j = 0; j < h; j++)
        {
            parameters[1].Values[j] = 0.5 + Math.Abs(parameters[1].Values[j]);
        }

        var x = new double[n * d];
        var y = new double[n];
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = Uniform();
        }

        for (var i = 0; i < n; i++)
        {
            y[i] = Uniform();
        }

        return (parameters, x, y);
    }

    public static void Run(string outputDirectory = "out")
    {
        Console.WriteLine("Two-layer ReLU network, MSE as u1 = W1·x + b1, u2 = relu(u1), u3 = w2·u2 + b2, u4 = u3 − y, u5 = u4²");
        Console.WriteLine("The generated LossGradient walks u5 → u1 backward: ∂u5/∂u4 = 2·u4, ∂u4/∂u3 = 1, ∂u3/∂w2 = u2, ∂u3/∂u2 = w2,");
        Console.WriteLine("∂u2/∂u1 = (u1 > 0 ? 1 : 0), ∂u1/∂W1 = x. Each element beside the central difference with ε = 1e-6:");
        Console.WriteLine();
        Console.WriteLine($"  {"parameter",-9} {"generated",22} {"finite difference",22} {"relative error",15}");
        var comparisons = Compare();
        var worst = 0.0;
        foreach (var c in comparisons)
        {
            Console.WriteLine($"  {c.Parameter,-9} {c.Generated,22:R} {c.FiniteDifference,22:R} {c.RelativeError,15:E1}");
            worst = Math.Max(worst, c.RelativeError);
        }

        Console.WriteLine();
        Console.WriteLine($"  {comparisons.Count} gradient elements, worst relative error {worst:E1}");
        Console.WriteLine();
        Console.WriteLine("  the computation graph of the first sample (loops summarized: each node's last value, adjoints summed over iterations):");
        GraphFiles.Write(Graph(), "two-layer-graph", outputDirectory);
    }
}
