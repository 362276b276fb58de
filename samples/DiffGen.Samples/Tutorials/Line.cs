using System;

namespace DiffGen.Samples.Tutorials;

/// <summary>
/// Apples versus oranges. Each fruit has a radius x (cm) and a colour y (redness, 0 to 10); apples are
/// smaller and redder. A line y = m·x + c separates them: an apple should lie one unit of colour above
/// it, an orange one unit below. The line is fitted by minimizing the root-mean-square of the misses.
/// </summary>
public static partial class Line
{
    /// <summary>
    /// The root-mean-square miss: for fruit i, its height above the line, colour − (m·radius + c), should
    /// be its label (+1 apple, −1 orange).
    /// </summary>
    [Differentiable]
    public static double RmsLoss(double m, double c, [NoDerivative] double[] radius, [NoDerivative] double[] colour, [NoDerivative] double[] label)
    {
        double sum = 0;
        for (int i = 0; i < radius.Length; i++)
        {
            double miss = colour[i] - (m * radius[i] + c) - label[i];
            sum += miss * miss;
        }

        return Math.Sqrt(sum / radius.Length);
    }

    /// <summary>Two seeded clusters: apples around (3.5 cm, 8), oranges around (4.5 cm, 4).</summary>
    public static (double[] Radius, double[] Colour, double[] Label) MakeFruit(int perKind, int seed)
    {
        var random = new Random(seed);
        double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var radius = new double[2 * perKind];
        var colour = new double[2 * perKind];
        var label = new double[2 * perKind];
        for (var i = 0; i < 2 * perKind; i++)
        {
            var apple = i < perKind;
            radius[i] = (apple ? 3.5 : 4.5) + 0.4 * Gaussian();
            colour[i] = (apple ? 8 : 4) + 0.8 * Gaussian();
            label[i] = apple ? 1 : -1;
        }

        return (radius, colour, label);
    }

    /// <summary>The share of fruit on the right side of the line: apples above, oranges below.</summary>
    public static double Accuracy(double m, double c, double[] radius, double[] colour, double[] label)
    {
        var right = 0;
        for (var i = 0; i < radius.Length; i++)
        {
            right += Math.Sign(colour[i] - (m * radius[i] + c)) == Math.Sign(label[i]) ? 1 : 0;
        }

        return (double)right / radius.Length;
    }

    /// <summary>Fits m and c with Adam from a flat line at c = 0; returns them and the loss per step.</summary>
    public static (double M, double C, double[] Losses) Fit(double[] radius, double[] colour, double[] label, int steps, double learningRate)
    {
        var line = new ParameterSet<double>();
        var (m, c) = (line.Add("m", 1), line.Add("c", 1));
        var optimizer = new Adam<double>(line, learningRate);
        var losses = new double[steps];
        for (var step = 0; step < steps; step++)
        {
            line.ZeroGradients();
            losses[step] = RmsLossGradient(m.Values[0], c.Values[0], radius, colour, label, ref m.Gradients[0], ref c.Gradients[0]);
            optimizer.Step();
        }

        return (m.Values[0], c.Values[0], losses);
    }

    public static void Run(int perKind = 100, int steps = 2000, double learningRate = 0.05)
    {
        var (radius, colour, label) = MakeFruit(perKind, seed: 5);
        Console.WriteLine($"Apples versus oranges: {perKind} of each, radius (cm) and colour (redness 0-10); a line y = m·x + c fitted with RMS loss, Adam {learningRate}");
        var (m, c, losses) = Fit(radius, colour, label, steps, learningRate);
        for (var step = 0; step < steps; step += steps / 10)
        {
            Console.WriteLine($"  step {step,5}  RMS loss {losses[step]:F4}");
        }

        Console.WriteLine($"  step {steps,5}  RMS loss {losses[^1]:F4}");
        Console.WriteLine($"  the line: colour = {m:F3} · radius + {c:F3}");
        Console.WriteLine($"  accuracy: {Accuracy(m, c, radius, colour, label):P1} (apples above the line, oranges below)");
        var fresh = MakeFruit(perKind, seed: 6);
        Console.WriteLine($"  on {2 * perKind} fruit it has not seen: {Accuracy(m, c, fresh.Radius, fresh.Colour, fresh.Label):P1}");
    }
}
