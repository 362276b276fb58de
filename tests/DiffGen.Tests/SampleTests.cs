using System;
using DiffGen.Samples.Tutorials;

namespace DiffGen.Tests;

/// <summary>The samples' key numbers, so that no sample can rot.</summary>
public class SampleTests
{
    [Fact]
    public void NeuronGivesTheTutorialsGradientsAndStep()
    {
        double dw1 = 0, dw2 = 0, db = 0;
        Neuron.CostGradient(2, -3, -3, -1, -2, 1, ref dw1, ref dw2, ref db);
        Assert.Equal(0.052877092784266715, dw1, 1e-12);
        Assert.Equal(0.10575418556853343, dw2, 1e-12);
        Assert.Equal(-0.052877092784266715, db, 1e-12);

        // One step with learning rate 1: the tutorial's 1.947, -3.106, -2.947 and activation 0.79.
        double w1 = 2 - dw1, w2 = -3 - dw2, b = -3 - db;
        Assert.Equal((1.947, -3.106, -2.947), (Math.Round(w1, 3), Math.Round(w2, 3), Math.Round(b, 3)));
        Assert.Equal(0.79, Math.Round(1 / (1 + Math.Exp(-(-w1 - 2 * w2 + b))), 2));
    }

    [Fact]
    public void XorLearnsTheTruthTable()
    {
        var (p, losses) = Xor.Train(epochs: 1000, learningRate: 1.0, seed: 7);
        Assert.True(losses[^1] < 0.05 && losses[^1] < losses[0] / 10, $"loss went from {losses[0]} to {losses[^1]}");
        Assert.Equal(0, Math.Round(Xor.Predict(p, 0, 0)));
        Assert.Equal(1, Math.Round(Xor.Predict(p, 0, 1)));
        Assert.Equal(1, Math.Round(Xor.Predict(p, 1, 0)));
        Assert.Equal(0, Math.Round(Xor.Predict(p, 1, 1)));
    }

    [Fact]
    public void XorGradientMatchesFiniteDifferences()
    {
        var random = new Random(3);
        var p = new double[Xor.ParameterCount];
        for (var i = 0; i < p.Length; i++)
        {
            p[i] = random.NextDouble() * 2 - 1;
        }

        GradientAssert.Vector(Xor.Loss, (x, d, s) => Xor.LossGradient(x, d, s), p);
    }
}
