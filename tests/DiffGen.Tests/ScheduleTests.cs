using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace DiffGen.Tests;

/// <summary>Learning-rate sequences over 45 steps against PyTorch 1.13's schedulers (tools/pytorch_schedule_reference.py).</summary>
public class ScheduleTests
{
    private static readonly Lazy<Dictionary<string, double[]>> References = new(() =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Data", "schedules_pytorch.txt"))
            .Select(l => l.Split(' '))
            .Where(p => p[0] != "torch")
            .ToDictionary(p => p[0], p => p.Skip(1).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()));

    [Theory]
    [InlineData("step")]
    [InlineData("exponential")]
    [InlineData("cosine")]
    [InlineData("onecycle")]
    [InlineData("warmup")]
    [InlineData("warmup_cosine")]
    [InlineData("plateau")]
    public void SequenceMatchesPyTorchWithin1e9Relative(string name)
    {
        var parameters = new ParameterSet<double>();
        parameters.Add("p", 1);
        var optimizer = new Sgd<double>(parameters, learningRate: 0.1);
        LearningRateSchedule? schedule = name switch
        {
            "step" => new StepLR(optimizer, stepSize: 7, gamma: 0.5),
            "exponential" => new ExponentialLR(optimizer, gamma: 0.93),
            "cosine" => new CosineAnnealingLR(optimizer, tMax: 20, etaMin: 0.001),
            "onecycle" => new OneCycleLR(optimizer, maxLearningRate: 0.5, totalSteps: 46),
            "warmup" => new LinearWarmup(optimizer, warmupSteps: 10),
            "warmup_cosine" => new WarmupCosineLR(optimizer, warmupSteps: 8, totalSteps: 46, etaMin: 0.002),
            _ => null,
        };
        var plateau = name == "plateau" ? new ReduceLROnPlateau(optimizer, factor: 0.5, patience: 3, threshold: 1e-4, minLearningRate: 0.01) : null;
        var metrics = References.Value["plateau_metrics"];

        var expected = References.Value[name];
        Assert.Equal(46, expected.Length);
        var actual = new List<double> { optimizer.LearningRate };
        for (var t = 0; t < 45; t++)
        {
            optimizer.Step();
            schedule?.Step();
            plateau?.Step(metrics[t]);
            actual.Add(optimizer.LearningRate);
        }

        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-9 * Math.Abs(expected[i]), $"{name}, step {i}: PyTorch {expected[i]:R}, DiffGen {actual[i]:R}");
        }
    }

    [Fact]
    public void OneCycleRefusesToRunPastItsEnd()
    {
        var parameters = new ParameterSet<double>();
        parameters.Add("p", 1);
        var schedule = new OneCycleLR(new Sgd<double>(parameters, 0.1), maxLearningRate: 1, totalSteps: 3);
        schedule.Step();
        schedule.Step();
        Assert.Throws<InvalidOperationException>(schedule.Step);
    }
}
