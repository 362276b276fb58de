using System;
using System.IO;
using System.Text;
using DiffGen.Tests.Programs;

namespace DiffGen.Tests;

/// <summary>
/// Learning-rate schedules in checkpoints (issue 17, item 3): a run saved at any step and resumed into
/// fresh objects equals the uninterrupted run bit for bit, with every schedule; version 1 files still load.
/// </summary>
public sealed class CheckpointResumeTests : IDisposable
{
    private const int Steps = 30;
    private readonly string _directory = Directory.CreateTempSubdirectory("diffgen-resume-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static (ParameterSet<double> Parameters, Parameter<double> P) Model() => CheckpointModel.Create();

    /// <summary>A run: the model, its optimizer, its schedule, and how the schedule steps (with a metric for ReduceLROnPlateau).</summary>
    private sealed record Run(ParameterSet<double> Parameters, Parameter<double> P, IOptimizer Optimizer, ILearningRateSchedule Schedule)
    {
        public void Train(int from, int to)
        {
            for (var step = from; step < to; step++)
            {
                Parameters.ZeroGradients();
                Objectives.RosenbrockGradient(P.Values, P.Gradients);
                Optimizer.Step();
                switch (Schedule)
                {
                    case LearningRateSchedule schedule:
                        schedule.Step();
                        break;
                    case ReduceLROnPlateau plateau:
                        // A metric that improves, then stalls for a while, then improves again: the plateau fires mid-run.
                        plateau.Step(step < 8 ? 10.0 - step : step < 20 ? 2.0 : 20.0 - step);
                        break;
                }
            }
        }
    }

    private static Run Start(string schedule)
    {
        var (parameters, p) = Model();
        var optimizer = new Adam<double>(parameters, learningRate: 2e-2);
        ILearningRateSchedule made = schedule switch
        {
            "StepLR" => new StepLR(optimizer, stepSize: 4, gamma: 0.5),
            "ExponentialLR" => new ExponentialLR(optimizer, gamma: 0.93),
            "CosineAnnealingLR" => new CosineAnnealingLR(optimizer, tMax: 7, etaMin: 1e-3),
            "LinearWarmup" => new LinearWarmup(optimizer, warmupSteps: 10),
            "WarmupCosineLR" => new WarmupCosineLR(optimizer, warmupSteps: 6, totalSteps: 25, etaMin: 1e-4),
            "OneCycleLR" => new OneCycleLR(optimizer, maxLearningRate: 5e-2, totalSteps: Steps + 1),
            "ReduceLROnPlateau" => new ReduceLROnPlateau(optimizer, factor: 0.5, patience: 3),
            _ => throw new ArgumentOutOfRangeException(nameof(schedule)),
        };
        return new Run(parameters, p, optimizer, made);
    }

    public static TheoryData<string, int> Cases()
    {
        var cases = new TheoryData<string, int>();
        foreach (var schedule in new[] { "StepLR", "ExponentialLR", "CosineAnnealingLR", "LinearWarmup", "WarmupCosineLR", "OneCycleLR", "ReduceLROnPlateau" })
        {
            foreach (var k in new[] { 0, 1, 9, 14, 29 })
            {
                cases.Add(schedule, k);
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ResumedRunEqualsTheUninterruptedRunBitForBitWithEverySchedule(string schedule, int k)
    {
        var straight = Start(schedule);
        straight.Train(0, Steps);

        var first = Start(schedule);
        first.Train(0, k);
        var path = Path.Combine(_directory, "run.dgck");
        Checkpoint.Save(path, first.Parameters, first.Optimizer, first.Schedule);

        var resumed = Start(schedule); // fresh objects, as a new process would make them
        Checkpoint.Load(path, resumed.Parameters, resumed.Optimizer, resumed.Schedule);
        Assert.Equal(first.Optimizer.LearningRate, resumed.Optimizer.LearningRate);
        resumed.Train(k, Steps);

        Assert.Equal(BitConverter.DoubleToInt64Bits(straight.Optimizer.LearningRate), BitConverter.DoubleToInt64Bits(resumed.Optimizer.LearningRate));
        for (var i = 0; i < straight.P.Values.Length; i++)
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(straight.P.Values[i]), BitConverter.DoubleToInt64Bits(resumed.P.Values[i]));
        }

        if (straight.Schedule is LearningRateSchedule s)
        {
            Assert.Equal(s.StepCount, ((LearningRateSchedule)resumed.Schedule).StepCount);
        }
    }

    [Fact]
    public void ResumingWithoutTheSchedulesPositionDiverges()
    {
        // Why the position is saved: a schedule created anew after loading restarts its curve.
        var straight = Start("WarmupCosineLR");
        straight.Train(0, Steps);
        var first = Start("WarmupCosineLR");
        first.Train(0, 12);
        var path = Path.Combine(_directory, "no-schedule.dgck");
        Checkpoint.Save(path, first.Parameters, first.Optimizer);
        var resumed = Start("WarmupCosineLR");
        Checkpoint.Load(path, resumed.Parameters, resumed.Optimizer);
        resumed.Train(12, Steps);
        Assert.NotEqual(straight.P.Values, resumed.P.Values);
    }

    [Fact]
    public void ASchedulesTypeOptionsAndPositionMustFit()
    {
        var saved = Start("StepLR");
        saved.Train(0, 5);
        var path = Path.Combine(_directory, "schedule.dgck");
        Checkpoint.Save(path, saved.Parameters, saved.Optimizer, saved.Schedule);

        void Refused(Func<IOptimizer, ILearningRateSchedule> make, string expected, string? file = null)
        {
            var (parameters, p) = Model();
            var optimizer = new Adam<double>(parameters, learningRate: 2e-2);
            var schedule = make(optimizer);
            var learningRate = optimizer.LearningRate;
            var before = (double[])p.Values.Clone();
            var exception = Assert.Throws<CheckpointException>(() => Checkpoint.Load(file ?? path, parameters, optimizer, schedule));
            Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
            Assert.Equal(before, p.Values);
            Assert.Equal(learningRate, optimizer.LearningRate);
            Assert.Equal(0, optimizer.StepCount);
            if (schedule is LearningRateSchedule s)
            {
                Assert.Equal(0, s.StepCount);
            }
        }

        Refused(o => new StepLR(o, stepSize: 5, gamma: 0.5), "stepSize 4 saved, 5 given");
        Refused(o => new ExponentialLR(o, gamma: 0.5), "position of StepLR; the schedule given is ExponentialLR");

        var noSchedule = Path.Combine(_directory, "no-schedule.dgck");
        Checkpoint.Save(noSchedule, saved.Parameters, saved.Optimizer);
        Refused(o => new StepLR(o, stepSize: 4, gamma: 0.5), "position of no schedule", noSchedule);

        // A OneCycleLR position past its end, resealed: refused, not a crash at the next step.
        var cycle = Start("OneCycleLR");
        cycle.Train(0, 3);
        var cyclePath = Path.Combine(_directory, "cycle.dgck");
        Checkpoint.Save(cyclePath, cycle.Parameters, cycle.Optimizer, cycle.Schedule);
        var bytes = File.ReadAllBytes(cyclePath);
        var at = bytes.AsSpan().LastIndexOf(BitConverter.GetBytes(3.0)); // the schedule's step count, near the end
        BitConverter.GetBytes(99.0).CopyTo(bytes, at);
        File.WriteAllBytes(cyclePath, CheckpointHardeningTests.Reseal(bytes));
        Refused(o => new OneCycleLR(o, maxLearningRate: 5e-2, totalSteps: Steps + 1), "a step count of 99", cyclePath);

        // The schedule must drive the optimizer given.
        var (other, _) = Model();
        var otherOptimizer = new Adam<double>(other);
        Assert.Throws<ArgumentException>(() => Checkpoint.Save(path, saved.Parameters, saved.Optimizer, new StepLR(otherOptimizer, 3)));
        Assert.Throws<ArgumentException>(() => Checkpoint.Load(path, saved.Parameters, saved.Optimizer, new StepLR(otherOptimizer, 3)));
    }

    [Fact]
    public void VersionOneFilesStillLoad()
    {
        var (parameters, p) = Model();
        var optimizer = new Sgd<double>(parameters, learningRate: 0.01, momentum: 0.9);
        for (var i = 0; i < 3; i++)
        {
            parameters.ZeroGradients();
            Objectives.RosenbrockGradient(p.Values, p.Gradients);
            optimizer.Step();
        }

        // Written as DiffGen wrote version 1: no options, no schedule.
        var body = new MemoryStream();
        using (var writer = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write("DGCK"u8);
            writer.Write((ushort)1);
            writer.Write((byte)8);
            writer.Write(parameters.Count);
            foreach (var parameter in parameters)
            {
                writer.Write(parameter.Name);
                writer.Write(parameter.Length);
                foreach (var v in parameter.Values)
                {
                    writer.Write(v);
                }
            }

            writer.Write("Sgd`1");
            writer.Write(optimizer.LearningRate);
            writer.Write(optimizer.StepCount);
            writer.Write(1);
            writer.Write(parameters.Count);
            foreach (var parameter in parameters)
            {
                writer.Write(parameter.Length);
                for (var i = 0; i < parameter.Length; i++)
                {
                    writer.Write(0.25);
                }
            }

            writer.Write(0u);
        }

        var path = Path.Combine(_directory, "v1.dgck");
        File.WriteAllBytes(path, CheckpointHardeningTests.Reseal(body.ToArray()));

        var (loaded, q) = Model();
        var loadedOptimizer = new Sgd<double>(loaded, learningRate: 0.5, momentum: 0.9);
        Checkpoint.Load(path, loaded, loadedOptimizer);
        Assert.Equal(p.Values, q.Values);
        Assert.Equal(0.01, loadedOptimizer.LearningRate);
        Assert.Equal(3, loadedOptimizer.StepCount);

        var withSchedule = new StepLR(loadedOptimizer, 3);
        Assert.Contains("version 1", Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, loaded, loadedOptimizer, withSchedule)).Message, StringComparison.Ordinal);
    }
}
