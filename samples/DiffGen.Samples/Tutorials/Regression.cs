using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using DiffGen.Samples.Support;

namespace DiffGen.Samples.Tutorials;

/// <summary>
/// The main job: a three-layer ReLU network (<see cref="RegressionNet"/>, a model class) learns
/// y = sin(3·x₁)·x₂ + noise from a seeded synthetic dataset, in minibatches, with Adam, linear warm-up
/// then cosine decay, and global-norm clipping, over a <see cref="ParameterSet{T}"/> built from the model
/// (its members by path: Layers[0].W, Layers[0].B, …). Each batch's gradient is computed data-parallel over the
/// cores (<see cref="DataParallel{TModel, T}"/>: fixed shards, each into a gradient model of its own, added in
/// shard order), so the numbers are the same on any number of cores. Each epoch ends with a checkpoint; halfway, one is kept
/// aside, and at the end training resumes from it in a fresh model and must finish bit-identical. The run
/// ends with a loss-curve PNG.
/// </summary>
public static partial class Regression
{
    /// <summary>
    /// The run's settings; the defaults are the main job's. A batch is cut into shards of <c>ShardSize</c>
    /// samples, run on up to <c>Threads</c> threads (−1: one per core), which changes the time, never the numbers.
    /// </summary>
    public sealed record Options(
        int Samples = 6000,
        double ValidationFraction = 1.0 / 6,
        int Hidden = 32,
        int Hidden2 = 32,
        int Epochs = 60,
        int BatchSize = 32,
        int ShardSize = 8,
        int Threads = -1,
        double LearningRate = 0.01,
        int WarmupEpochs = 3,
        double MaxGradientNorm = 1.0,
        int Seed = 42,
        string OutputDirectory = "out");

    /// <summary>What an epoch reports: its mean training loss over batches, the validation loss, the learning rate at its end.</summary>
    public readonly record struct EpochReport(int Epoch, double TrainLoss, double ValidationLoss, double LearningRate, int ClippedBatches);

    /// <summary>
    /// The losses per epoch, the files written, the validation loss of the model reloaded from its last checkpoint,
    /// and whether training resumed from the halfway checkpoint ended with bit-identical parameters.
    /// </summary>
    public sealed record Result(IReadOnlyList<EpochReport> Epochs, string CheckpointPath, string PlotPath, double ReloadedValidationLoss, int ResumedFromEpoch, bool ResumedBitIdentical, Parallelism Parallelism);

    /// <summary>
    /// How the batches were split: shards per full batch, the most threads a batch may use, and the mean number of
    /// threads that ran shards per batch (fewer when the thread pool was slow to join).
    /// </summary>
    public readonly record struct Parallelism(int ShardsPerBatch, int ShardSize, int MaxThreads, double MeanThreadsUsed);

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

    /// <summary>The network, He-initialized from <paramref name="seed"/>.</summary>
    public static RegressionNet CreateModel(Options options, int seed) => new RegressionNet(2, options.Hidden, options.Hidden2, 1).Initialize(seed);

    /// <summary>
    /// Trains as <paramref name="options"/> says. <paramref name="onBatch"/> hears every batch's loss (for a
    /// progress bar), <paramref name="onEpoch"/> every epoch's report.
    /// </summary>
    public static Result Train(Options options, Action<int, double>? onBatch = null, Action<EpochReport>? onEpoch = null)
    {
        var (x, y) = MakeData(options.Samples, options.Seed);
        var validation = (int)(options.Samples * options.ValidationFraction);
        var train = options.Samples - validation;
        var data = new Data(x.AsSpan(0, 2 * train).ToArray(), y.AsSpan(0, train).ToArray(), x.AsSpan(2 * train).ToArray(), y.AsSpan(train).ToArray());

        Directory.CreateDirectory(options.OutputDirectory);
        var checkpoint = Path.GetFullPath(Path.Combine(options.OutputDirectory, "regression.dgck"));
        var halfway = Path.GetFullPath(Path.Combine(options.OutputDirectory, "regression-halfway.dgck"));
        var resumeEpoch = Math.Max(1, options.Epochs / 2);

        var run = new TrainingRun(options, data, CreateModel(options, options.Seed));
        var reports = new List<EpochReport>();
        for (var epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var report = run.Epoch(epoch, onBatch);
            reports.Add(report);
            Checkpoint.Save(checkpoint, run.Parameters, run.Optimizer, run.Schedule); // the schedule's position too: a resumed run follows the same rates
            if (epoch == resumeEpoch)
            {
                File.Copy(checkpoint, halfway, overwrite: true);
            }

            onEpoch?.Invoke(report);
        }

        var plot = LinePlot.Save(Path.Combine(options.OutputDirectory, "regression-loss.png"),
            "Three-layer ReLU regression: y = sin(3x1)·x2 + noise", "epoch", "mean squared error",
            [new Series("training", reports.ConvertAll(r => r.TrainLoss)), new Series("validation", reports.ConvertAll(r => r.ValidationLoss))],
            logY: true);

        // Reload the last checkpoint into a fresh model, as a user resuming would.
        var reloaded = new TrainingRun(options, data, CreateModel(options, seed: 0));
        Checkpoint.Load(checkpoint, reloaded.Parameters, reloaded.Optimizer, reloaded.Schedule);

        // Resume from the halfway checkpoint in another fresh model: the remaining epochs must end bit-identical.
        var resumed = new TrainingRun(options, data, CreateModel(options, seed: 1));
        Checkpoint.Load(halfway, resumed.Parameters, resumed.Optimizer, resumed.Schedule);
        resumed.SkipShuffles(resumeEpoch);
        for (var epoch = resumeEpoch + 1; epoch <= options.Epochs; epoch++)
        {
            resumed.Epoch(epoch, onBatch: null);
        }

        return new Result(reports, checkpoint, plot, reloaded.Model.Loss(data.XValidation, data.YValidation, 0, data.YValidation.Length),
            resumeEpoch, SameBits(run.Parameters, resumed.Parameters), run.Parallelism);
    }

    private static bool SameBits(ParameterSet<double> a, ParameterSet<double> b) =>
        a.Count == b.Count && Enumerable.Range(0, a.Count).All(i => a[i].Name == b[i].Name
            && a[i].Values.AsSpan().SequenceEqual(b[i].Values) /* bitwise for doubles: no NaN in a trained net */);

    private sealed record Data(double[] XTrain, double[] YTrain, double[] XValidation, double[] YValidation);

    /// <summary>
    /// One training run: the model, its gradient twin, the parameter set over both, Adam, the schedule, the data
    /// order, and the data-parallel gradient of a batch (shards on the cores, each into a gradient model of its own).
    /// </summary>
    private sealed class TrainingRun
    {
        private readonly Options _options;
        private readonly Data _data;
        private readonly DataParallel<RegressionNet, double> _parallel;
        private readonly ShardGradient<RegressionNet, double> _shardGradient;
        private readonly int[] _order;
        private readonly Random _shuffle;
        private readonly double[] _xBatch;
        private readonly double[] _yBatch;

        public TrainingRun(Options options, Data data, RegressionNet model)
        {
            (_options, _data, Model) = (options, data, model);
            RegressionNet NewShaped() => new(2, options.Hidden, options.Hidden2, 1);
            Parameters = ParameterSet<double>.FromModel(model, NewShaped());
            _parallel = new DataParallel<RegressionNet, double>(Parameters, NewShaped,
                new DataParallelOptions { ShardSize = options.ShardSize, MaxDegreeOfParallelism = options.Threads });
            Optimizer = new Adam<double>(Parameters, options.LearningRate);
            var batchesPerEpoch = (data.YTrain.Length + options.BatchSize - 1) / options.BatchSize;
            Schedule = new WarmupCosineLR(Optimizer, options.WarmupEpochs * batchesPerEpoch, options.Epochs * batchesPerEpoch);
            _order = Enumerable.Range(0, data.YTrain.Length).ToArray();
            _shuffle = new Random(options.Seed + 2);
            _xBatch = new double[2 * options.BatchSize];
            _yBatch = new double[options.BatchSize];

            // One shard: its samples of the current batch, into its own gradient model, weighted count / n.
            _shardGradient = (start, count, gradient, seed) => Model.LossGradient(_xBatch, _yBatch, start, count, gradient, seed);
        }

        public RegressionNet Model { get; }

        public ParameterSet<double> Parameters { get; }

        public Adam<double> Optimizer { get; }

        public WarmupCosineLR Schedule { get; }

        private long _batches;
        private long _threadsUsed;

        /// <summary>How the batches were split so far.</summary>
        public Parallelism Parallelism => new(_parallel.ShardCount(_options.BatchSize), _options.ShardSize, _parallel.MaxDegreeOfParallelism,
            _batches == 0 ? 0 : (double)_threadsUsed / _batches);

        /// <summary>Replays the data order of <paramref name="epochs"/> epochs (the checkpoint holds the model, not the shuffle).</summary>
        public void SkipShuffles(int epochs)
        {
            for (var epoch = 0; epoch < epochs; epoch++)
            {
                _shuffle.Shuffle(_order);
            }
        }

        public EpochReport Epoch(int epoch, Action<int, double>? onBatch)
        {
            _shuffle.Shuffle(_order);
            var (train, batch) = (_data.YTrain.Length, _options.BatchSize);
            double lossSum = 0;
            var clipped = 0;
            for (var start = 0; start < train; start += batch)
            {
                var n = Math.Min(batch, train - start);
                for (var i = 0; i < n; i++)
                {
                    _xBatch[2 * i] = _data.XTrain[2 * _order[start + i]];
                    _xBatch[2 * i + 1] = _data.XTrain[2 * _order[start + i] + 1];
                    _yBatch[i] = _data.YTrain[_order[start + i]];
                }

                Parameters.ZeroGradients();
                var loss = _parallel.Gradient(n, _shardGradient);
                _batches++;
                _threadsUsed += _parallel.ThreadsUsed;
                if (Clip.GradientsByNorm(Parameters, _options.MaxGradientNorm) > _options.MaxGradientNorm)
                {
                    clipped++;
                }

                Optimizer.Step();
                Schedule.Step();
                lossSum += loss;
                onBatch?.Invoke(epoch, loss);
            }

            var validation = Model.Loss(_data.XValidation, _data.YValidation, 0, _data.YValidation.Length);
            return new EpochReport(epoch, lossSum / ((train + batch - 1) / batch), validation, Optimizer.LearningRate, clipped);
        }
    }
}
