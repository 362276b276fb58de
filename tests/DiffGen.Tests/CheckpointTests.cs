using System;
using System.IO;
using DiffGen.Tests.Programs;

namespace DiffGen.Tests;

/// <summary>Checkpoints: a resumed run equals an uninterrupted one bit for bit; damaged or mismatched files are refused and change nothing.</summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("diffgen-checkpoint-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static (ParameterSet<double> Parameters, Parameter<double> P) Model() => CheckpointModel.Create();

    private static void Train(ParameterSet<double> parameters, Parameter<double> p, IOptimizer optimizer, LearningRateSchedule? schedule, int steps) =>
        CheckpointModel.Train(parameters, p, optimizer, schedule, steps);

    [Theory]
    [InlineData("adam")]
    [InlineData("rmsprop")]
    [InlineData("sgd")]
    public void ResumedTrainingEqualsUninterruptedTrainingBitForBit(string kind)
    {
        IOptimizer Make(ParameterSet<double> ps) => kind switch
        {
            "adam" => new Adam<double>(ps, learningRate: 1e-2, amsGrad: true),
            "rmsprop" => new RmsProp<double>(ps, learningRate: 1e-3, momentum: 0.5, centered: true),
            _ => new Sgd<double>(ps, learningRate: 1e-3, momentum: 0.9),
        };

        var (straight, straightP) = Model();
        var straightOptimizer = Make(straight);
        Train(straight, straightP, straightOptimizer, new ExponentialLR(straightOptimizer, 0.97), 40);

        var path = Path.Combine(_directory, "model.dgck");
        var (first, firstP) = Model();
        var firstOptimizer = Make(first);
        Train(first, firstP, firstOptimizer, new ExponentialLR(firstOptimizer, 0.97), 20);
        Checkpoint.Save(path, first, firstOptimizer);
        Assert.False(File.Exists(path + ".tmp"));

        var (resumed, resumedP) = Model();
        var resumedOptimizer = Make(resumed);
        Checkpoint.Load(path, resumed, resumedOptimizer);
        Assert.Equal(firstOptimizer.LearningRate, resumedOptimizer.LearningRate);
        var schedule = new ExponentialLR(resumedOptimizer, 0.97);
        Train(resumed, resumedP, resumedOptimizer, schedule, 20);

        Assert.Equal(straightP.Values, resumedP.Values); // exact: doubles compared bit for bit
    }

    [Fact]
    public void DamagedOrMismatchedCheckpointsAreRefusedAndChangeNothing()
    {
        var path = Path.Combine(_directory, "good.dgck");
        var (parameters, p) = Model();
        var optimizer = new Adam<double>(parameters, learningRate: 1e-2);
        Train(parameters, p, optimizer, null, 5);
        Checkpoint.Save(path, parameters, optimizer);
        var good = File.ReadAllBytes(path);

        void Refused(byte[] bytes, Func<ParameterSet<double>, IOptimizer> makeOptimizer, ParameterSet<double>? model, string expectedMessage)
        {
            var damaged = Path.Combine(_directory, "damaged.dgck");
            File.WriteAllBytes(damaged, bytes);
            var (target, targetP) = Model();
            target = model ?? target;
            var targetOptimizer = makeOptimizer(target);
            var before = (double[])target[0].Values.Clone();
            var exception = Assert.Throws<CheckpointException>(() => Checkpoint.Load(damaged, target, targetOptimizer));
            Assert.Contains(expectedMessage, exception.Message, StringComparison.Ordinal);
            Assert.Equal(before, target[0].Values);
            Assert.Equal(1e-2, targetOptimizer.LearningRate);
        }

        IOptimizer Adam(ParameterSet<double> ps) => new Adam<double>(ps, learningRate: 1e-2);

        foreach (var length in new[] { 0, 3, 7, 20, good.Length / 2, good.Length - 5, good.Length - 1 })
        {
            Refused(good[..length], Adam, null, length < 11 ? "not a DiffGen checkpoint" : "checksum");
        }

        var flipped = (byte[])good.Clone();
        flipped[good.Length / 2] ^= 0x10;
        Refused(flipped, Adam, null, "checksum");

        Refused(good, ps => new AdamW<double>(ps, learningRate: 1e-2), null, "the optimizer given is AdamW");
        Refused(good, ps => new Adam<double>(ps, learningRate: 1e-2, amsGrad: true), null, "state of another shape");

        var renamed = new ParameterSet<double>();
        renamed.Add("q", 4);
        renamed.Add("unused", 2);
        Refused(good, Adam, renamed, "parameter 0 is 'p' of length 4; the model's is 'q'");

        var longer = new ParameterSet<double>();
        longer.Add("p", 5);
        longer.Add("unused", 2);
        Refused(good, Adam, longer, "of length 4; the model's is 'p' of length 5");

        var fewer = new ParameterSet<double>();
        fewer.Add("p", 4);
        Refused(good, Adam, fewer, "has 2 parameters; the model has 1");

        var floats = new ParameterSet<float>();
        floats.Add("p", 4);
        floats.Add("unused", 2);
        var floatPath = Path.Combine(_directory, "float.dgck");
        File.WriteAllBytes(floatPath, good);
        Assert.Contains("holds double values", Assert.Throws<CheckpointException>(() => Checkpoint.Load(floatPath, floats)).Message, StringComparison.Ordinal);

        Assert.Contains("Cannot read", Assert.Throws<CheckpointException>(() => Checkpoint.Load(Path.Combine(_directory, "missing.dgck"), parameters)).Message, StringComparison.Ordinal);
    }
}
