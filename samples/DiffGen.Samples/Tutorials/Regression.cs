using System;
using System.Collections.Generic;
using System.IO;
using DiffGen.Samples.Support;

namespace DiffGen.Samples.Tutorials;

/// <summary>
/// The main job: a two-layer ReLU network learns y = sin(3·x₁)·x₂ + noise from a seeded synthetic
/// dataset, in minibatches, with Adam, linear warm-up then cosine decay, and global-norm clipping.
/// Each epoch ends with a checkpoint; the run ends with a loss-curve PNG.
/// </summary>
public static partial class Regression
{
    /// <summary>The run's settings; the defaults are the main job's.</summary>
    public sealed record Options(
        int Samples = 6000,
        double ValidationFraction = 1.0 / 6,
        int Hidden = 64,
        int Epochs = 60,
        int BatchSize = 32,
        double LearningRate = 0.01,
        int WarmupEpochs = 3,
        double MaxGradientNorm = 1.0,
        int Seed = 42,
        string OutputDirectory = "out");

    /// <summary>What an epoch reports: its mean training loss over batches, the validation loss, the learning rate at its end.</summary>
    public readonly record struct EpochReport(int Epoch, double TrainLoss, double ValidationLoss, double LearningRate, int ClippedBatches);

    /// <summary>The losses per epoch, the files written, and the validation loss of the model reloaded from its checkpoint.</summary>
    public sealed record Result(IReadOnlyList<EpochReport> Epochs, string CheckpointPath, string PlotPath, double ReloadedValidationLoss);

    /// <summary>
    /// Mean squared error of the network over <paramref name="n"/> samples with two features each:
    /// hidden unit j computes relu(w1[2j]·x₁ + w1[2j+1]·x₂ + b1[j]), the output is w2·hidden + b2[0].
    /// </summary>
    [Differentiable]
    public static double Loss([NoDerivative] double[] x, [NoDerivative] double[] y, int n, int h,
                              double[] w1, double[] b1, double[] w2, double[] b2)
    {
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            double output = b2[0];
            for (int j = 0; j < h; j++)
            {
                double z = w1[2 * j] * x[2 * i] + w1[2 * j + 1] * x[2 * i + 1] + b1[j];
                output += Functions.Relu(z) * w2[j];
            }

            double diff = output - y[i];
            total += diff * diff;
        }

        return total / n;
    }

    /// <summary>The dataset: features uniform in [−1, 1]², targets sin(3x₁)·x₂ plus Gaussian noise of σ = 0.05.</summary>
    public static (double[] X, double[] Y) MakeData(int samples, int seed)
    {
        var random = new Random(seed);
        var x = new double[2 * samples];
        var y = new double[samples];
        for (var i = 0; i < samples; i++)
        {
            double x1 = random.NextDouble() * 2 - 1, x2 = random.NextDouble() * 2 - 1;
            var noise = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            x[2 * i] = x1;
            x[2 * i + 1] = x2;
            y[i] = Math.Sin(3 * x1) * x2 + 0.05 * noise;
        }

        return (x, y);
    }

    /// <summary>The network's parameters, He-initialized from <paramref name="seed"/>.</summary>
    public static ParameterSet<double> CreateModel(int hidden, int seed)
    {
        var model = new ParameterSet<double>();
        Init.HeNormal(model.Add("w1", 2 * hidden).Values, fanIn: 2, seed);
        model.Add("b1", hidden);
        Init.HeNormal(model.Add("w2", hidden).Values, fanIn: hidden, seed + 1);
        model.Add("b2", 1);
        return model;
    }

    /// <summary>The loss of <paramref name="model"/> over a whole dataset.</summary>
    public static double Evaluate(ParameterSet<double> model, double[] x, double[] y) =>
        Loss(x, y, y.Length, model["b1"].Length, model["w1"].Values, model["b1"].Values, model["w2"].Values, model["b2"].Values);

    /// <summary>
    /// Trains as <paramref name="options"/> says. <paramref name="onBatch"/> hears every batch's loss (for a
    /// progress bar), <paramref name="onEpoch"/> every epoch's report.
    /// </summary>
    public static Result Train(Options options, Action<int, double>? onBatch = null, Action<EpochReport>? onEpoch = null)
    {
        var (x, y) = MakeData(options.Samples, options.Seed);
        var validation = (int)(options.Samples * options.ValidationFraction);
        var train = options.Samples - validation;
        var (xTrain, yTrain) = (x.AsSpan(0, 2 * train).ToArray(), y.AsSpan(0, train).ToArray());
        var (xValidation, yValidation) = (x.AsSpan(2 * train).ToArray(), y.AsSpan(train).ToArray());

        var model = CreateModel(options.Hidden, options.Seed);
        var (w1, b1, w2, b2) = (model["w1"], model["b1"], model["w2"], model["b2"]);
        var optimizer = new Adam<double>(model, options.LearningRate);
        var batchesPerEpoch = (train + options.BatchSize - 1) / options.BatchSize;
        var schedule = new WarmupCosineLR(optimizer, options.WarmupEpochs * batchesPerEpoch, options.Epochs * batchesPerEpoch);

        Directory.CreateDirectory(options.OutputDirectory);
        var checkpoint = Path.GetFullPath(Path.Combine(options.OutputDirectory, "regression.dgck"));
        var order = new int[train];
        for (var i = 0; i < train; i++)
        {
            order[i] = i;
        }

        var shuffle = new Random(options.Seed + 2);
        var xBatch = new double[2 * options.BatchSize];
        var yBatch = new double[options.BatchSize];
        var reports = new List<EpochReport>();
        for (var epoch = 1; epoch <= options.Epochs; epoch++)
        {
            shuffle.Shuffle(order);
            double lossSum = 0;
            var clipped = 0;
            for (var start = 0; start < train; start += options.BatchSize)
            {
                var n = Math.Min(options.BatchSize, train - start);
                for (var i = 0; i < n; i++)
                {
                    xBatch[2 * i] = xTrain[2 * order[start + i]];
                    xBatch[2 * i + 1] = xTrain[2 * order[start + i] + 1];
                    yBatch[i] = yTrain[order[start + i]];
                }

                model.ZeroGradients();
                var loss = LossGradient(xBatch, yBatch, n, options.Hidden, w1.Values, b1.Values, w2.Values, b2.Values,
                                        w1.Gradients, b1.Gradients, w2.Gradients, b2.Gradients);
                if (Clip.GradientsByNorm(model, options.MaxGradientNorm) > options.MaxGradientNorm)
                {
                    clipped++;
                }

                optimizer.Step();
                schedule.Step();
                lossSum += loss;
                onBatch?.Invoke(epoch, loss);
            }

            var report = new EpochReport(epoch, lossSum / batchesPerEpoch, Evaluate(model, xValidation, yValidation), optimizer.LearningRate, clipped);
            reports.Add(report);
            Checkpoint.Save(checkpoint, model, optimizer, schedule); // the schedule's position too: a resumed run follows the same rates
            onEpoch?.Invoke(report);
        }

        var plot = LinePlot.Save(Path.Combine(options.OutputDirectory, "regression-loss.png"),
            "Two-layer ReLU regression: y = sin(3x1)·x2 + noise", "epoch", "mean squared error",
            [new Series("training", reports.ConvertAll(r => r.TrainLoss)), new Series("validation", reports.ConvertAll(r => r.ValidationLoss))],
            logY: true);

        // Reload the last checkpoint into a fresh model, as a user resuming would.
        var reloaded = CreateModel(options.Hidden, seed: 0);
        var reloadedOptimizer = new Adam<double>(reloaded, options.LearningRate);
        var reloadedSchedule = new WarmupCosineLR(reloadedOptimizer, options.WarmupEpochs * batchesPerEpoch, options.Epochs * batchesPerEpoch);
        Checkpoint.Load(checkpoint, reloaded, reloadedOptimizer, reloadedSchedule);
        return new Result(reports, checkpoint, plot, Evaluate(reloaded, xValidation, yValidation));
    }
}
