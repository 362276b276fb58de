using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;

namespace DiffGen.Tests;

/// <summary>
/// <see cref="ParameterSet{T}.FromModel{TModel}"/>: a model's members as parameters, with every runtime
/// feature working on them as on a set built with <see cref="ParameterSet{T}.Add(string, int)"/>.
/// </summary>
public sealed class ModelParameterTests : IDisposable
{
    private static readonly ScaledNet.Data Batch = ScaledNet.Data.Create(count: 8, seed: 11);
    private static readonly string[] Paths = ["Layers[0].W", "Layers[0].B", "Layers[1].W", "Layers[1].B", "Scale"];

    private readonly string _directory = Directory.CreateTempSubdirectory("diffgen-model-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>A model, its gradient model and the set over them.</summary>
    private static (TModel Model, TModel Gradient, ParameterSet<double> Set) FromModel<TModel>(int seed)
        where TModel : ScaledNet, new()
    {
        var model = ScaledNet.Create<TModel>(seed);
        var gradient = new TModel();
        return (model, gradient, ParameterSet<double>.FromModel(model, gradient));
    }

    /// <summary>The same model as a set built with Add, holding copies of the model's values.</summary>
    private static ParameterSet<double> Copy(ScaledNet model)
    {
        var set = new ParameterSet<double>();
        foreach (var (path, values) in Values(model))
        {
            set.Add(path, values.Length);
            values.CopyTo(set[path].Values, 0);
        }

        return set;
    }

    private static IEnumerable<(string Path, double[] Values)> Values(ScaledNet model) =>
    [
        ("Layers[0].W", model.Layers[0].W), ("Layers[0].B", model.Layers[0].B),
        ("Layers[1].W", model.Layers[1].W), ("Layers[1].B", model.Layers[1].B),
        ("Scale", [model.Scale]),
    ];

    private static void AddGradient(ParameterSet<double> set, ScaledNet.Data data) =>
        ScaledNetLoss.LossGradient(
            set["Layers[0].W"].Values, set["Layers[0].B"].Values, set["Layers[1].W"].Values, set["Layers[1].B"].Values, set["Scale"].Values[0],
            data.X, data.Y, data.Count, ScaledNet.Inputs, ScaledNet.Hidden,
            set["Layers[0].W"].Gradients, set["Layers[0].B"].Gradients, set["Layers[1].W"].Gradients, set["Layers[1].B"].Gradients, ref set["Scale"].Gradients[0]);

    private static void AssertSameValues(ScaledNet expected, ScaledNet actual)
    {
        foreach (var ((path, e), (_, a)) in Values(expected).Zip(Values(actual)))
        {
            Assert.True(e.SequenceEqual(a), $"{path}: {string.Join(", ", e)} expected, {string.Join(", ", a)} found");
        }
    }

    private static void Train(ScaledNet model, ScaledNet gradient, ParameterSet<double> set, IOptimizer optimizer, int steps, double? maxNorm = null)
    {
        for (var step = 0; step < steps; step++)
        {
            set.ZeroGradients();
            model.AddGradient(gradient, Batch);
            if (maxNorm is { } limit)
            {
                Clip.GradientsByNorm(set, limit);
            }

            optimizer.Step();
        }
    }

    private static IOptimizer Make(string kind, ParameterSet<double> set) => kind switch
    {
        "sgd" => new Sgd<double>(set, learningRate: 0.05, momentum: 0.9, weightDecay: 1e-3),
        "adagrad" => new AdaGrad<double>(set, learningRate: 0.05, learningRateDecay: 1e-3),
        "rmsprop" => new RmsProp<double>(set, learningRate: 0.01, momentum: 0.5, centered: true),
        "adam" => new Adam<double>(set, learningRate: 0.02, amsGrad: true),
        _ => new AdamW<double>(set, learningRate: 0.02),
    };

    [Fact]
    public void TheParametersAreTheModelsMembersNamedByPath()
    {
        var model = ScaledNet.Create<ScaledNet>(seed: 3);
        var gradient = new ScaledNet { Scale = 5 };
        gradient.Layers[1].W[2] = 7;

        var set = ParameterSet<double>.FromModel(model, gradient);

        Assert.Equal(Paths, set.Select(p => p.Name));
        Assert.Same(model.Layers[0].W, set["Layers[0].W"].Values);
        Assert.Same(gradient.Layers[0].W, set["Layers[0].W"].Gradients);
        Assert.Same(model.Layers[1].B, set["Layers[1].B"].Values);
        Assert.Same(gradient.Layers[1].B, set["Layers[1].B"].Gradients);
        Assert.Equal(1, set["Scale"].Length);
        Assert.Equal(model.Scale, set["Scale"].Values[0]);
        Assert.Equal(ScaledNet.Inputs * ScaledNet.Hidden + ScaledNet.Hidden + ScaledNet.Hidden + 1 + 1, set.Length);

        // FromModel zeroes the gradient model, its scalar included.
        Assert.Equal(0, gradient.Scale);
        Assert.All(gradient.Layers, layer => Assert.All(layer.W.Concat(layer.B), g => Assert.Equal(0, g)));
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adagrad")]
    [InlineData("rmsprop")]
    [InlineData("adam")]
    [InlineData("adamw")]
    public void EveryOptimizerUpdatesTheModelInPlaceExactlyAsOnAnEquivalentSet(string kind)
    {
        var (model, gradient, set) = FromModel<ScaledNet>(seed: 5);
        var reference = Copy(model);
        var optimizer = Make(kind, set);
        var referenceOptimizer = Make(kind, reference);
        var w0 = model.Layers[0].W;

        for (var step = 0; step < 25; step++)
        {
            set.ZeroGradients();
            model.AddGradient(gradient, Batch);
            optimizer.Step();

            reference.ZeroGradients();
            AddGradient(reference, Batch);
            referenceOptimizer.Step();
        }

        Assert.Same(w0, model.Layers[0].W); // updated in place
        foreach (var (path, values) in Values(model))
        {
            Assert.Equal(reference[path].Values, values); // exact
        }

        Assert.NotEqual(ScaledNet.Create<ScaledNet>(seed: 5).Scale, model.Scale); // the scalar moved
        Assert.Equal(reference["Scale"].Gradients[0], gradient.Scale);
    }

    [Fact]
    public void ZeroGradientsZeroesTheGradientModelsScalarAndArrays()
    {
        var (model, gradient, set) = FromModel<ScaledNet>(seed: 7);
        model.AddGradient(gradient, Batch);
        Assert.NotEqual(0, gradient.Scale);
        Assert.Contains(gradient.Layers[0].W, g => g != 0);

        set.ZeroGradients();

        Assert.Equal(0, gradient.Scale);
        Assert.All(gradient.Layers, layer => Assert.All(layer.W.Concat(layer.B), g => Assert.Equal(0, g)));
        Assert.Equal(0, set["Scale"].Gradients[0]);
    }

    [Fact]
    public void ClippingByNormCountsAndScalesTheScalarMember()
    {
        var (_, gradient, set) = FromModel<ScaledNet>(seed: 7);
        gradient.Scale = 3;
        gradient.Layers[1].B[0] = 4;

        var norm = Clip.GradientsByNorm(set, maxNorm: 1);

        Assert.Equal(5, norm); // √(3² + 4²): the scalar counted
        Assert.Equal(3 / (5 + 1e-6), gradient.Scale, 15); // and scaled on the gradient model
        Assert.Equal(4 / (5 + 1e-6), gradient.Layers[1].B[0], 15);

        gradient.Scale = -9;
        Clip.GradientsByValue(set, clipValue: 0.5);
        Assert.Equal(-0.5, gradient.Scale);

        // Clipping in training: equal to clipping the equivalent set.
        var (model, modelGradient, modelSet) = FromModel<ScaledNet>(seed: 9);
        var reference = Copy(model);
        var optimizer = new Adam<double>(modelSet, learningRate: 0.05);
        var referenceOptimizer = new Adam<double>(reference, learningRate: 0.05);
        Train(model, modelGradient, modelSet, optimizer, 10, maxNorm: 0.1);
        for (var step = 0; step < 10; step++)
        {
            reference.ZeroGradients();
            AddGradient(reference, Batch);
            Clip.GradientsByNorm(reference, 0.1);
            referenceOptimizer.Step();
        }

        foreach (var (path, values) in Values(model))
        {
            Assert.Equal(reference[path].Values, values);
        }
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("rmsprop")]
    [InlineData("sgd")]
    public void ACheckpointRestoresANewModelBitExactlyAndTrainingResumesBitIdentically(string kind)
    {
        var (straight, straightGradient, straightSet) = FromModel<ScaledNet>(seed: 13);
        Train(straight, straightGradient, straightSet, Make(kind, straightSet), 30, maxNorm: 1);

        var path = Path.Combine(_directory, "model.dgck");
        var (first, firstGradient, firstSet) = FromModel<ScaledNet>(seed: 13);
        var firstOptimizer = (Optimizer<double>)Make(kind, firstSet);
        Train(first, firstGradient, firstSet, firstOptimizer, 15, maxNorm: 1);
        Checkpoint.Save(path, firstSet, firstOptimizer);

        var (resumed, resumedGradient, resumedSet) = FromModel<ScaledNet>(seed: 99); // other values
        var resumedOptimizer = (Optimizer<double>)Make(kind, resumedSet);
        Checkpoint.Load(path, resumedSet, resumedOptimizer);

        AssertSameValues(first, resumed);
        Assert.Equal(first.Scale, resumed.Scale);
        Assert.Equal(firstOptimizer.StepCount, resumedOptimizer.StepCount);
        AssertSameState(firstOptimizer, resumedOptimizer);

        Train(resumed, resumedGradient, resumedSet, resumedOptimizer, 15, maxNorm: 1);
        AssertSameValues(straight, resumed);
    }

    [Fact]
    public void ACheckpointLoadsIntoALayoutListingTheMembersInAnotherOrder()
    {
        var (straight, straightGradient, straightSet) = FromModel<ScaledNet>(seed: 17);
        Train(straight, straightGradient, straightSet, new Adam<double>(straightSet, learningRate: 0.02), 30);

        var path = Path.Combine(_directory, "ordered.dgck");
        var (first, firstGradient, firstSet) = FromModel<ScaledNet>(seed: 17);
        var firstOptimizer = new Adam<double>(firstSet, learningRate: 0.02);
        Train(first, firstGradient, firstSet, firstOptimizer, 15);
        Checkpoint.Save(path, firstSet, firstOptimizer);

        var (reordered, reorderedGradient, reorderedSet) = FromModel<ReorderedNet>(seed: 1);
        Assert.Equal(["Scale", "Layers[1].B", "Layers[1].W", "Layers[0].B", "Layers[0].W"], reorderedSet.Select(p => p.Name));
        var reorderedOptimizer = new Adam<double>(reorderedSet, learningRate: 0.02);
        Checkpoint.Load(path, reorderedSet, reorderedOptimizer);
        AssertSameValues(first, reordered);

        // Each parameter's optimizer state followed it: the resumed run is the uninterrupted one.
        Train(reordered, reorderedGradient, reorderedSet, reorderedOptimizer, 15);
        AssertSameValues(straight, reordered);

        // And back: a checkpoint of the reordered layout loads into the first.
        Checkpoint.Save(path, reorderedSet, reorderedOptimizer);
        var (again, _, againSet) = FromModel<ScaledNet>(seed: 2);
        Checkpoint.Load(path, againSet, new Adam<double>(againSet, learningRate: 0.02));
        AssertSameValues(reordered, again);
    }

    [Fact]
    public void ACorruptOrMismatchedCheckpointLeavesTheModelUntouched()
    {
        var path = Path.Combine(_directory, "good.dgck");
        var (saved, savedGradient, savedSet) = FromModel<ScaledNet>(seed: 19);
        var savedOptimizer = new Adam<double>(savedSet, learningRate: 0.02);
        Train(saved, savedGradient, savedSet, savedOptimizer, 5);
        Checkpoint.Save(path, savedSet, savedOptimizer);
        var good = File.ReadAllBytes(path);

        void Refused(byte[] bytes, ParameterSet<double>? other, string message)
        {
            var damaged = Path.Combine(_directory, "damaged.dgck");
            File.WriteAllBytes(damaged, bytes);
            var (model, gradient, set) = FromModel<ScaledNet>(seed: 23);
            gradient.Scale = 0.25;
            var untouched = ScaledNet.Create<ScaledNet>(seed: 23);
            var exception = Assert.Throws<CheckpointException>(() => Checkpoint.Load(damaged, other ?? set, new Adam<double>(other ?? set, learningRate: 0.02)));
            Assert.Contains(message, exception.Message, StringComparison.Ordinal);
            AssertSameValues(untouched, model);
            Assert.Equal(untouched.Scale, model.Scale);
            Assert.Equal(0.25, gradient.Scale);
        }

        // The scalar is the last parameter in the file: damage to its value is found only after every value was read.
        var flipped = (byte[])good.Clone();
        var scale = good.AsSpan().IndexOf("Scale"u8);
        flipped[scale + 5 + 4 + 7] ^= 0x01; // the name, the length, the value's last byte
        Assert.NotEqual(BitConverter.ToDouble(good, scale + 9), BitConverter.ToDouble(flipped, scale + 9));
        Refused(flipped, null, "checksum");
        Refused(good[..^3], null, "truncated");

        // A model without the scalar, or with another name or length for it.
        var missing = new ParameterSet<double>();
        var model1 = ScaledNet.Create<ScaledNet>(seed: 23);
        foreach (var (p, values) in Values(model1).Take(4))
        {
            missing.Add(p, (double[])values.Clone(), new double[values.Length]);
        }

        missing.Add("Offset", 1);
        Refused(good, missing, "parameter 4 is 'Scale' of length 1; the model's is 'Offset' of length 1, and the model has no parameter of that name");

        var longer = new ParameterSet<double>();
        foreach (var (p, values) in Values(model1).Take(4))
        {
            longer.Add(p, values.Length);
        }

        longer.Add("Scale", 2);
        Refused(good, longer, "parameter 4 is 'Scale' of length 1; the model's is 'Scale' of length 2");
    }

    [Fact]
    public void ACheckpointNamingAParameterTwiceIsRefused()
    {
        // Written by a set named p, q; the bytes of q's name changed to p (and the checksum resealed).
        var set = new ParameterSet<double>();
        set.Add("p", 1).Values[0] = 1;
        set.Add("q", 1).Values[0] = 2;
        var path = Path.Combine(_directory, "twice.dgck");
        Checkpoint.Save(path, set);
        var bytes = File.ReadAllBytes(path);
        var at = Array.LastIndexOf(bytes, (byte)'q');
        bytes[at] = (byte)'p';
        var crc = Crc32.Finish(Crc32.Update(Crc32.Start, bytes.AsSpan(0, bytes.Length - 4)));
        BitConverter.GetBytes(crc).CopyTo(bytes, bytes.Length - 4);
        File.WriteAllBytes(path, bytes);

        var exception = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, set));
        Assert.Contains("parameter 1 is 'p' again", exception.Message, StringComparison.Ordinal);
        Assert.Equal([1.0, 2.0], set.Select(p => p.Values[0]));
    }

    [Fact]
    public void GradientCheckSeesTheScalarMember()
    {
        var (model, gradient, set) = FromModel<ScaledNet>(seed: 29);
        var before = ScaledNet.Create<ScaledNet>(seed: 29);

        var good = GradientCheck.Run(set, () => model.Loss(Batch), () => model.AddGradient(gradient, Batch));
        Assert.Equal(Paths, good.Select(r => r.Name));
        Assert.True(good.WorstError() < 1e-6, $"worst {good.WorstError()}");
        var scale = good.Single(r => r.Name == "Scale");
        Assert.NotEqual(0, scale.Numeric); // the perturbations reached the model
        Assert.Equal(gradient.Scale, scale.Analytic);
        AssertSameValues(before, model); // restored
        Assert.Equal(before.Scale, model.Scale);

        // A wrong gradient for the scalar alone is caught there, and only there.
        var bad = GradientCheck.Run(set, () => model.Loss(Batch), () =>
        {
            model.AddGradient(gradient, Batch);
            gradient.Scale += 1;
        });
        Assert.True(bad.Single(r => r.Name == "Scale").RelativeError > 0.1);
        Assert.All(bad.Where(r => r.Name != "Scale"), r => Assert.True(r.RelativeError < 1e-6, $"{r.Name}: {r.RelativeError}"));
    }

    [Fact]
    public void MistakesAreRefusedWithClearExceptions()
    {
        var model = ScaledNet.Create<ScaledNet>(seed: 31);

        var unregistered = Assert.Throws<InvalidOperationException>(() => ParameterSet<double>.FromModel(new UnregisteredNet(), new UnregisteredNet()));
        Assert.Contains("No layout of UnregisteredNet", unregistered.Message, StringComparison.Ordinal);
        Assert.Contains("[Differentiable]", unregistered.Message, StringComparison.Ordinal);
        Assert.Contains("with Add", unregistered.Message, StringComparison.Ordinal);
        Assert.False(ModelLayout<UnregisteredNet, double>.IsRegistered);
        Assert.True(ModelLayout<ScaledNet, double>.IsRegistered);

        // Registered for double, not for float.
        Assert.Contains("with Single members", Assert.Throws<InvalidOperationException>(() => ParameterSet<float>.FromModel(model, new ScaledNet())).Message, StringComparison.Ordinal);

        Assert.Contains("the model itself", Assert.Throws<ArgumentException>(() => ParameterSet<double>.FromModel(model, model)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => ParameterSet<double>.FromModel(model, null!));

        var sharing = new ScaledNet();
        sharing.Layers[1] = model.Layers[1];
        Assert.Contains(
            "Parameter 'Layers[1].W': the gradient model's array is the model's array itself",
            Assert.Throws<ArgumentException>(() => ParameterSet<double>.FromModel(model, sharing)).Message,
            StringComparison.Ordinal);

        var shorter = new ScaledNet();
        shorter.Layers[0].B = new double[2];
        Assert.Contains(
            "Parameter 'Layers[0].B': the model's array has length 4 and the gradient model's array length 2",
            Assert.Throws<ArgumentException>(() => ParameterSet<double>.FromModel(model, shorter)).Message,
            StringComparison.Ordinal);

        var unallocated = new ScaledNet();
        unallocated.Layers[1].B = null!;
        Assert.Contains(
            "Member 'Layers[1].B' of the gradient model (ScaledNet) is null",
            Assert.Throws<ArgumentException>(() => ParameterSet<double>.FromModel(model, unallocated)).Message,
            StringComparison.Ordinal);
        Assert.Contains(
            "Member 'Layers[1].B' of the model (ScaledNet) is null",
            Assert.Throws<ArgumentException>(() => ParameterSet<double>.FromModel(unallocated, new ScaledNet())).Message,
            StringComparison.Ordinal);

        var crossed = new ScaledNet();
        crossed.Layers[1].W = model.Layers[0].B; // the gradient of one member is the model's array of another
        Assert.Contains(
            "Parameter 'Layers[1].W': the gradient model's array is also an array of 'Layers[0].B'",
            Assert.Throws<ArgumentException>(() => ParameterSet<double>.FromModel(model, crossed)).Message,
            StringComparison.Ordinal);

        Assert.Contains(
            "names the member 'Layers[0].W' twice",
            Assert.Throws<ArgumentException>(() => ParameterSet<double>.FromModel(new TwiceNamedNet(), new TwiceNamedNet())).Message,
            StringComparison.Ordinal);

        // None of this touched the model's gradient-free state.
        AssertSameValues(ScaledNet.Create<ScaledNet>(seed: 31), model);
    }

    [Fact]
    public void AddTakesArraysOfYoursInPlace()
    {
        var set = new ParameterSet<double>();
        double[] values = [1, 2], gradients = new double[2];
        var parameter = set.Add("w", values, gradients);
        Assert.Same(values, parameter.Values);
        Assert.Same(gradients, parameter.Gradients);

        var one = new double[2];
        Assert.Contains("the gradients array is the values array itself", Assert.Throws<ArgumentException>(() => set.Add("a", one, one)).Message, StringComparison.Ordinal);
        Assert.Contains("length 2 and the gradients array length 3", Assert.Throws<ArgumentException>(() => set.Add("b", new double[2], new double[3])).Message, StringComparison.Ordinal);
        Assert.Contains("also an array of 'w'", Assert.Throws<ArgumentException>(() => set.Add("c", values, new double[2])).Message, StringComparison.Ordinal);
        Assert.Contains("already exists", Assert.Throws<ArgumentException>(() => set.Add("w", new double[2], new double[2])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => set.Add("d", null!, new double[2]));
        Assert.Equal("w", Assert.Single(set).Name);
    }

    /// <summary>
    /// The guard on the sync design: every public entry point of the runtime that takes a
    /// ParameterSet must be one whose handling of a model's scalar members is tested above. A new one
    /// fails here until it calls ReadModel/WriteModel and is added to this list with a test.
    /// </summary>
    [Fact]
    public void EveryRuntimeEntryPointTakingAParameterSetIsOneThatSyncsScalarMembers()
    {
        string[] synced =
        [
            "Checkpoint.Load", "Checkpoint.Save", "Clip.GradientsByNorm", "Clip.GradientsByValue", "GradientCheck.Run",
            "Optimizer`1..ctor", "Sgd`1..ctor", "AdaGrad`1..ctor", "RmsProp`1..ctor", "Adam`1..ctor", "AdamW`1..ctor",
            "DataParallel`1..ctor", "DataParallel`2..ctor", // ParallelMinibatchTests: a scalar member's gradient reduced onto the gradient model
            "Lbfgs`1..ctor", // LbfgsTests: a logistic model's scalar bias written at each trial point, its gradient read back
        ];
        var found = typeof(ParameterSet<>).Assembly.GetExportedTypes()
            .Where(t => t != typeof(ParameterSet<>))
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly).Cast<MethodBase>()
                .Concat(t.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance).Where(c => c.IsPublic || c.IsFamily)))
            .Where(m => m.GetParameters().Any(p => p.ParameterType.IsGenericType && p.ParameterType.GetGenericTypeDefinition() == typeof(ParameterSet<>)))
            .Select(m => $"{m.DeclaringType!.Name}.{m.Name}")
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToArray();
        Assert.Equal(synced.Order(StringComparer.Ordinal), found);
    }

    private static void AssertSameState(Optimizer<double> expected, Optimizer<double> actual)
    {
        var e = expected.State;
        var a = actual.State;
        Assert.Equal(e.Length, a.Length);
        for (var g = 0; g < e.Length; g++)
        {
            Assert.Equal(e[g].Length, a[g].Length);
            for (var b = 0; b < e[g].Length; b++)
            {
                Assert.True(e[g][b].SequenceEqual(a[g][b]), $"state group {g}, buffer {b}");
            }
        }
    }
}
