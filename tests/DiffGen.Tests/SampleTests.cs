using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using DiffGen.Samples.Tutorials;

namespace DiffGen.Tests;

/// <summary>Each sample's core at a small size, with its key numbers asserted, so that no sample can rot.</summary>
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

    [Fact]
    public void ShowerChainsTheSensitivitiesAndReachesTheIdealWithinOnePercent()
    {
        var s = Shower.Sensitivities(m: 1, h: 0.25);
        Assert.Equal((4.0, 0.25, 4.0), (s.DyDh, s.DyDx, s.DxDm));
        Assert.Equal(s.DyDx * s.DxDm, s.DyDm);

        var states = Shower.Descend(m: 1, h: 0.25, ideal: 6, learningRate: 0.001, steps: 400);
        Assert.True(states[0].Error > 4);
        Assert.All(states[^100..], state => Assert.True(state.Error < 0.06, $"step {state.Step}: flow {state.Flow}"));
    }

    [Fact]
    public void LineSeparatesApplesFromOranges()
    {
        var (radius, colour, label) = Line.MakeFruit(perKind: 50, seed: 5);
        GradientAssert.Vector(
            p => Line.RmsLoss(p[0], p[1], radius, colour, label),
            (p, d, s) => Line.RmsLossGradient(p[0], p[1], radius, colour, label, ref d[0], ref d[1], s),
            [-0.7, 8.5]);

        var (m, c, losses) = Line.Fit(radius, colour, label, steps: 1500, learningRate: 0.05);
        Assert.True(losses[^1] < losses[0] / 4, $"RMS loss went from {losses[0]} to {losses[^1]}");
        Assert.True(m < 0, "apples are smaller and redder: the line falls with the radius");
        Assert.True(Line.Accuracy(m, c, radius, colour, label) >= 0.9);
        var fresh = Line.MakeFruit(perKind: 50, seed: 6);
        Assert.True(Line.Accuracy(m, c, fresh.Radius, fresh.Colour, fresh.Label) >= 0.9);
    }

    [Fact]
    public void TwoLayerGradientsAgreeWithFiniteDifferencesElementByElement()
    {
        var comparisons = TwoLayer.Compare();
        Assert.Equal(4 * 3 + 4 + 4 + 1, comparisons.Count);
        Assert.All(comparisons, c => Assert.True(c.RelativeError < 1e-7, $"{c.Parameter}: generated {c.Generated:R}, finite difference {c.FiniteDifference:R}"));
        Assert.True(comparisons.Count(c => c.Generated != 0) > 15, "the network should have live units");
    }

    [Fact]
    public void VanishingTanhLosesTheGradientWhileReluAndResidualKeepIt()
    {
        double Ratio(Vanishing.Configuration configuration)
        {
            var byLayer = Vanishing.GradientByLayer(configuration, layers: 20);
            return byLayer[0] / byLayer[^1];
        }

        var (smallTanh, glorotTanh, he, residual) = (Vanishing.Configurations[0], Vanishing.Configurations[1], Vanishing.Configurations[2], Vanishing.Configurations[3]);
        Assert.True(Ratio(smallTanh) < 1e-4, $"small-init tanh first/last {Ratio(smallTanh)}");
        Assert.InRange(Ratio(glorotTanh), 1e-2, 0.5);
        Assert.InRange(Ratio(he), 0.2, 5);
        Assert.InRange(Ratio(residual), 0.2, 20);
    }

    [Fact]
    public void VanishingStackGradientMatchesFiniteDifferences()
    {
        const int width = 3, layers = 4, samples = 2;
        var x = new double[samples * width];
        Init.Normal(x, 0, 1, seed: 1);
        var y = new double[] { 0.3, -0.2 };
        foreach (var stack in Enum.GetValues<Vanishing.Stack>())
        {
            var parameters = new double[layers * width * width + layers * width];
            Init.Normal(parameters, 0, 0.6, seed: 2);
            GradientAssert.Vector(
                p => Vanishing.Loss(p[..(layers * width * width)], p[(layers * width * width)..], x, y, samples, width, layers, (int)stack),
                (p, d, s) =>
                {
                    var (dw, db) = (new double[layers * width * width], new double[layers * width]);
                    var value = Vanishing.LossGradient(p[..(layers * width * width)], p[(layers * width * width)..], x, y, samples, width, layers, (int)stack, dw, db, s);
                    for (var i = 0; i < d.Length; i++)
                    {
                        d[i] += i < dw.Length ? dw[i] : db[i - dw.Length];
                    }

                    return value;
                },
                parameters);
        }
    }

    [Fact]
    public void ExplodingGradientGrowsWithLengthAndClippingBoundsIt()
    {
        var (short5, long80) = (Exploding.MeanGradientNorm(5), Exploding.MeanGradientNorm(80));
        Assert.True(long80 > 3 * short5, $"mean gradient norm {short5} at T = 5, {long80} at T = 80");

        var plain = Exploding.Train(trainingSteps: 120, sequenceLength: 40, maxNorm: null);
        var clipped = Exploding.Train(trainingSteps: 120, sequenceLength: 40, maxNorm: 1.0);
        Assert.True(plain.Max(s => s.GradientNorm) > 10, "without clipping some step should be large");
        Assert.All(clipped, s => Assert.True(s.ClippedNorm <= 1.0));
        Assert.True(clipped.Skip(100).Average(s => s.Loss) < plain.Skip(100).Average(s => s.Loss) / 2);
    }

    [Fact]
    public void ExplodingClipActuallyRescalesTheGradientsToTheBound()
    {
        var model = Exploding.CreateModel(hidden: 16, gain: 2.5, seed: 4);
        var (x, y) = Exploding.MakeSequence(80, new Random(2));
        var before = Exploding.GradientNorm(model, x, y);
        Assert.True(before > 1);
        Assert.Equal(before, Clip.GradientsByNorm(model, 1.0), 1e-12);
        // PyTorch's clip_grad_norm_ scales by maxNorm / (norm + 1e-6), a hair under the bound.
        Assert.Equal(before / (before + 1e-6), Exploding.GlobalNorm(model), 1e-12);
    }

    [Fact]
    public void RnnGradientMatchesFiniteDifferences()
    {
        const int hidden = 3, steps = 6;
        var (x, y) = Exploding.MakeSequence(steps, new Random(5));
        var parameters = new double[hidden * hidden + 3 * hidden];
        Init.Normal(parameters, 0, 0.8, seed: 6);
        double[] W(double[] p) => p[..(hidden * hidden)];
        double[] Part(double[] p, int k) => p[(hidden * hidden + k * hidden)..(hidden * hidden + (k + 1) * hidden)];
        GradientAssert.Vector(
            p => Exploding.Loss(W(p), Part(p, 0), Part(p, 1), Part(p, 2), x, y, steps, hidden),
            (p, d, s) =>
            {
                var grads = new[] { new double[hidden * hidden], new double[hidden], new double[hidden], new double[hidden] };
                var value = Exploding.LossGradient(W(p), Part(p, 0), Part(p, 1), Part(p, 2), x, y, steps, hidden, grads[0], grads[1], grads[2], grads[3], s);
                var flat = grads.SelectMany(g => g).ToArray();
                for (var i = 0; i < d.Length; i++)
                {
                    d[i] += flat[i];
                }

                return value;
            },
            parameters);
    }

    [Fact]
    public void OptimizerRaceRanksTheOptimizers()
    {
        var final = OptimizerRace.Contestants.ToDictionary(c => c.Name, c => OptimizerRace.Race(c.Create, steps: 3000).Losses[^1]);
        Assert.Equal(5, final.Count);
        Assert.True(final["Adam 0.05"] < 1e-10 && final["SGD + momentum 0.9, 1e-3"] < 1e-8, string.Join(", ", final));
        Assert.True(final["SGD 1e-3"] > 100 * final["SGD + momentum 0.9, 1e-3"], "momentum should beat plain SGD in the valley");
        Assert.All(final.Values, loss => Assert.True(loss < 0.1));
    }

    [Fact]
    public void MainJobTrainsWritesItsCheckpointAndPlotAndReloads()
    {
        var output = Path.Combine(Path.GetTempPath(), "diffgen-main-job-" + Guid.NewGuid().ToString("N"));
        try
        {
            var options = new Regression.Options(Samples: 1200, Hidden: 16, Hidden2: 8, Epochs: 6, WarmupEpochs: 1, OutputDirectory: output);
            var batches = 0;
            var epochs = 0;
            var result = Regression.Train(options, onBatch: (_, _) => batches++, onEpoch: _ => epochs++);

            Assert.Equal(6, epochs);
            Assert.Equal(6 * ((1000 + 31) / 32), batches);
            var (first, last) = (result.Epochs[0], result.Epochs[^1]);
            Assert.True(last.ValidationLoss < first.ValidationLoss / 2, $"validation loss went from {first.ValidationLoss} to {last.ValidationLoss}");
            Assert.True(last.ValidationLoss < 0.05, $"validation loss {last.ValidationLoss}");
            Assert.Equal(last.ValidationLoss, result.ReloadedValidationLoss);
            Assert.Equal(3, result.ResumedFromEpoch);
            Assert.True(result.ResumedBitIdentical, "training resumed from the halfway checkpoint must end bit-identical");
            Assert.Equal(0, last.LearningRate, 1e-15);

            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(result.PlotPath)[..4]);
            Assert.Equal("DGCK"u8.ToArray(), File.ReadAllBytes(result.CheckpointPath)[..4]);

            // Batches of 32 in 4 shards of 8: on one thread, the same losses to the last bit as on several.
            Assert.Equal(new Regression.Parallelism(4, 8, Environment.ProcessorCount, result.Parallelism.MeanThreadsUsed), result.Parallelism);
            Assert.InRange(result.Parallelism.MeanThreadsUsed, 1, Environment.ProcessorCount);
            var serial = Regression.Train(options with { Threads = 1 });
            Assert.Equal(1, serial.Parallelism.MeanThreadsUsed);
            Assert.Equal(result.Epochs, serial.Epochs); // records of doubles: equal means bit-identical here (no NaN)
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [Fact]
    public void MainJobLossGradientMatchesFiniteDifferences()
    {
        const int n = 4;
        var (x, y) = Regression.MakeData(n, seed: 9);
        var model = new RegressionNet(2, 3, 2, 1);
        var members = model.Layers.SelectMany(l => new[] { l.W, l.B }).ToArray();
        var parameters = new double[members.Sum(m => m.Length)];
        Init.Normal(parameters, 0, 1, seed: 10);
        void Load(double[] p)
        {
            var offset = 0;
            foreach (var member in members)
            {
                p.AsSpan(offset, member.Length).CopyTo(member);
                offset += member.Length;
            }
        }

        GradientAssert.Vector(
            p =>
            {
                Load(p);
                return model.Loss(x, y, 0, n);
            },
            (p, d, s) =>
            {
                Load(p);
                var gradient = new RegressionNet(2, 3, 2, 1);
                var value = model.LossGradient(x, y, 0, n, gradient, s);
                var flat = gradient.Layers.SelectMany(l => l.W.Concat(l.B)).ToArray();
                for (var i = 0; i < d.Length; i++)
                {
                    d[i] += flat[i];
                }

                return value;
            },
            parameters);
    }

    [Fact]
    public void FitRecoversTheExponentialCurveByLevenbergMarquardt()
    {
        var (x, y) = Fit.MakeData();
        var (m, c, result) = Fit.Solve(x, y);
        Assert.True(result.Converged, result.ToString());
        Assert.Equal(0.317, Math.Round(m, 3));   // true 0.3; standard error 0.008 (LevenbergMarquardtTests)
        Assert.Equal(0.030, Math.Round(c, 3));   // true 0.1; standard error 0.032
        Assert.True(result.Cost < Fit.Cost(Fit.TrueM, Fit.TrueC, x, y));
    }

    [Fact]
    public void NewtonCgReachesRosenbrocksMinimumWithExactHessianVectorProducts()
    {
        var result = Newton.Minimize(Newton.Start);
        Assert.True(result.Iterations < 30, $"{result.Iterations} iterations");
        Assert.All(result.X, x => Assert.Equal(1, x, 12));
        Assert.True(result.Products > result.Iterations, "at least one H·v per iteration");

        // Quadratic convergence at the end: the last gradients fall faster than linearly.
        var norms = new List<double>();
        Newton.Minimize(Newton.Start, progress: (_, _, norm, _, _) => norms.Add(norm));
        Assert.True(norms[^1] < 1e-3 * norms[^3], string.Join(", ", norms));

        // The generated Hessian at (1, …, 1) is Rosenbrock's: 802, 1002, 1002, 1002, 200 on the diagonal, −400 beside it.
        var hessian = new double[25];
        Newton.RosenbrockHessian([1, 1, 1, 1, 1], hessian);
        Assert.Equal(new[] { 802.0, 1002, 1002, 1002, 200 }, Enumerable.Range(0, 5).Select(i => hessian[i * 6]));
        Assert.Equal(-400, hessian[1]);
        Assert.Equal(-400, hessian[5]);
    }
}
