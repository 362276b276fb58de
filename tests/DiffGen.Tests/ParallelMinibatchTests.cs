using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Xunit.Abstractions;

namespace DiffGen.Tests;

/// <summary>A tanh network's mean squared error over a range of samples, with its weights as arrays and a scalar bias.</summary>
public static partial class ShardNet
{
    public const int Inputs = 3;
    public const int Hidden = 5;

    /// <summary>Mean over samples [start, start + count) of (w₂·tanh(W₁x + b₁) + b₂ − y)².</summary>
    [Differentiable]
    public static double Loss(double[] w1, double[] b1, double[] w2, double b2,
                              [NoDerivative] double[] x, [NoDerivative] double[] y, int start, int count, int d, int h)
    {
        double total = 0;
        for (int i = start; i < start + count; i++)
        {
            double output = b2;
            for (int j = 0; j < h; j++)
            {
                double z = b1[j];
                for (int k = 0; k < d; k++)
                {
                    z += w1[j * d + k] * x[i * d + k];
                }

                output += Math.Tanh(z) * w2[j];
            }

            double diff = output - y[i];
            total += diff * diff;
        }

        return total / count;
    }
}

/// <summary>The same network as a model class: array members and a scalar property (synced by ReadModel/WriteModel).</summary>
public sealed partial class ShardModel
{
    public ShardModel(int inputs = ShardNet.Inputs, int hidden = ShardNet.Hidden)
    {
        (Inputs, Hidden) = (inputs, hidden);
        W1 = new double[hidden * inputs];
        B1 = new double[hidden];
        W2 = new double[hidden];
    }

    [NoDerivative] public int Inputs { get; }

    [NoDerivative] public int Hidden { get; }

    public double[] W1 { get; }

    public double[] B1 { get; }

    public double[] W2 { get; }

    public double B2 { get; set; }

    /// <summary>Mean over samples [start, start + count) of the squared error.</summary>
    [Differentiable]
    public double Loss([NoDerivative] double[] x, [NoDerivative] double[] y, int start, int count)
    {
        double total = 0;
        for (int i = start; i < start + count; i++)
        {
            double output = B2;
            for (int j = 0; j < Hidden; j++)
            {
                double z = B1[j];
                for (int k = 0; k < Inputs; k++)
                {
                    z += W1[j * Inputs + k] * x[i * Inputs + k];
                }

                output += Math.Tanh(z) * W2[j];
            }

            double diff = output - y[i];
            total += diff * diff;
        }

        return total / count;
    }
}

/// <summary>The README's example of <see cref="DataParallel{T}"/>.</summary>
public static partial class Lines
{
    /// <summary>Mean squared error of y = w₀·x + w₁ over samples [start, start + count).</summary>
    [Differentiable]
    public static double Loss(double[] w, [NoDerivative] double[] x, [NoDerivative] double[] y, int start, int count)
    {
        double total = 0;
        for (int i = start; i < start + count; i++)
        {
            double e = w[0] * x[i] + w[1] - y[i];
            total += e * e;
        }

        return total / count;
    }
}

/// <summary>Tests measuring the whole process's allocations run alone.</summary>
[CollectionDefinition(nameof(ProcessAllocations), DisableParallelization = true)]
public sealed class ProcessAllocations;

/// <summary>
/// <see cref="DataParallel{T}"/> and <see cref="DataParallel{TModel, T}"/>: fixed shards, run on the cores,
/// added in shard order, so bit-identical for any degree of parallelism.
/// </summary>
[Collection(nameof(ProcessAllocations))]
public sealed class ParallelMinibatchTests(ITestOutputHelper output)
{
    private const int N = 37; // a multiple of neither the default shard count nor the shard sizes below

    private static readonly int[] Degrees = [1, 2, 3, 8];

    private static readonly (double[] X, double[] Y) Data = MakeData(N, seed: 5);

    private static (double[] X, double[] Y) MakeData(int n, int seed)
    {
        var x = new double[n * ShardNet.Inputs];
        var y = new double[n];
        Init.Uniform(x, -2, 2, seed);
        Init.Uniform(y, -1, 1, seed + 1);
        return (x, y);
    }

    /// <summary>The network as a set of arrays: W1, B1, W2 and B2 (length 1).</summary>
    private sealed class ArrayNet
    {
        public ArrayNet(int seed)
        {
            W1 = Set.Add("W1", ShardNet.Hidden * ShardNet.Inputs);
            B1 = Set.Add("B1", ShardNet.Hidden);
            W2 = Set.Add("W2", ShardNet.Hidden);
            B2 = Set.Add("B2", 1);
            Init.Uniform(W1.Values, -1, 1, seed);
            Init.Uniform(B1.Values, -0.5, 0.5, seed + 1);
            Init.Uniform(W2.Values, -1, 1, seed + 2);
            B2.Values[0] = 0.3;
        }

        public ParameterSet<double> Set { get; } = new();

        public Parameter<double> W1 { get; }

        public Parameter<double> B1 { get; }

        public Parameter<double> W2 { get; }

        public Parameter<double> B2 { get; }

        /// <summary>The shard gradient: the generated method over the shard's samples, into the shard's buffers.</summary>
        public ShardGradient<double> Shard(double[] x, double[] y) => (start, count, g, seed) =>
            ShardNet.LossGradient(W1.Values, B1.Values, W2.Values, B2.Values[0], x, y, start, count, ShardNet.Inputs, ShardNet.Hidden,
                g[0], g[1], g[2], ref g[3][0], seed);

        /// <summary>The single call over the whole batch, into the set's gradients.</summary>
        public double Whole(double[] x, double[] y, int n) =>
            ShardNet.LossGradient(W1.Values, B1.Values, W2.Values, B2.Values[0], x, y, 0, n, ShardNet.Inputs, ShardNet.Hidden,
                W1.Gradients, B1.Gradients, W2.Gradients, ref B2.Gradients[0]);
    }

    private static ShardModel CreateModel(int seed)
    {
        var model = new ShardModel();
        Init.Uniform(model.W1, -1, 1, seed);
        Init.Uniform(model.B1, -0.5, 0.5, seed + 1);
        Init.Uniform(model.W2, -1, 1, seed + 2);
        model.B2 = 0.3;
        return model;
    }

    /// <summary>Every gradient element of a set, in order, the model's scalars read first.</summary>
    private static double[] Gradients(ParameterSet<double> set)
    {
        set.ReadModel();
        return set.SelectMany(p => p.Gradients).ToArray();
    }

    private static void AssertBits(double expected, double actual, string what) =>
        Assert.True(BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual), $"{what}: {expected:R} expected, {actual:R} found");

    private static void AssertBits(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            AssertBits(expected[i], actual[i], $"{what}, element {i}");
        }
    }

    private static void AssertClose(double[] expected, double[] actual, double tolerance = 1e-13)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])), $"element {i}: {expected[i]:R} expected, {actual[i]:R} found");
        }
    }

    public static TheoryData<string> Splits => ["default", "size 5", "size 1", "count 3", "count 40"];

    private static DataParallelOptions Options(string split, int degree) => split switch
    {
        "default" => new() { MaxDegreeOfParallelism = degree },
        "size 5" => new() { ShardSize = 5, MaxDegreeOfParallelism = degree },
        "size 1" => new() { ShardSize = 1, MaxDegreeOfParallelism = degree },
        "count 3" => new() { ShardCount = 3, MaxDegreeOfParallelism = degree },
        _ => new() { ShardCount = 40, MaxDegreeOfParallelism = degree },
    };

    [Theory]
    [MemberData(nameof(Splits))]
    public void ArraysAreBitIdenticalForEveryDegreeOfParallelismAndAgreeWithTheWholeBatch(string split)
    {
        var (x, y) = Data;
        var reference = new ArrayNet(seed: 7);
        var wholeLoss = reference.Whole(x, y, N);
        var whole = Gradients(reference.Set);

        double? firstLoss = null;
        double[]? first = null;
        foreach (var degree in Degrees)
        {
            foreach (var range in new[] { ShardedGradient<double>.DefaultReductionRange, 3 }) // one range, or the parallel reduction over 9 ranges of 3 of the 26 elements
            {
                var net = new ArrayNet(seed: 7);
                var parallel = new DataParallel<double>(net.Set, Options(split, degree));
                parallel.Sharded.ReductionRange = range;
                var shard = net.Shard(x, y);
                for (var call = 0; call < 3; call++) // the pool's buffers reused: each call starts them from zero
                {
                    net.Set.ZeroGradients();
                    var loss = parallel.Gradient(N, shard);
                    var gradients = Gradients(net.Set);
                    firstLoss ??= loss;
                    first ??= gradients;
                    AssertBits(firstLoss.Value, loss, $"loss, {degree} threads, range {range}, call {call}");
                    AssertBits(first, gradients, $"{degree} threads, range {range}, call {call}");
                }

                Assert.InRange(parallel.ThreadsUsed, 1, degree);
            }
        }

        Assert.Equal(wholeLoss, firstLoss!.Value, 1e-14);
        AssertClose(whole, first!);
    }

    [Theory]
    [MemberData(nameof(Splits))]
    public void ModelsAreBitIdenticalForEveryDegreeOfParallelismAndAgreeWithTheWholeBatch(string split)
    {
        var (x, y) = Data;
        var referenceModel = CreateModel(seed: 7);
        var referenceGradient = new ShardModel();
        var wholeLoss = referenceModel.LossGradient(x, y, 0, N, referenceGradient);
        double[] whole = [.. referenceGradient.W1, .. referenceGradient.B1, .. referenceGradient.W2, referenceGradient.B2];

        // The array form computes the same numbers: its gradients are the reference for the model form's bits.
        var arrays = new ArrayNet(seed: 7);
        var arrayLoss = new DataParallel<double>(arrays.Set, Options(split, 1)).Gradient(N, arrays.Shard(x, y));
        var arrayGradients = Gradients(arrays.Set);

        foreach (var degree in Degrees)
        {
            var model = CreateModel(seed: 7);
            var gradient = new ShardModel();
            var set = ParameterSet<double>.FromModel(model, gradient);
            var parallel = new DataParallel<ShardModel, double>(set, () => new ShardModel(), Options(split, degree));
            parallel.Sharded.ReductionRange = degree == 3 ? 4 : ShardedGradient<double>.DefaultReductionRange;
            ShardGradient<ShardModel, double> shard = (start, count, g, seed) => model.LossGradient(x, y, start, count, g, seed);
            for (var call = 0; call < 3; call++)
            {
                set.ZeroGradients();
                var loss = parallel.Gradient(N, shard);
                AssertBits(arrayLoss, loss, $"loss, {degree} threads, call {call}");
                AssertBits(arrayGradients, Gradients(set), $"{degree} threads, call {call}");

                // The scalar's gradient is on the gradient model, not only in the set's copy.
                AssertBits(arrayGradients[^1], gradient.B2, $"B2 on the gradient model, {degree} threads");
            }
        }

        Assert.Equal(wholeLoss, arrayLoss, 1e-14);
        AssertClose(whole, arrayGradients);
    }

    [Fact]
    public void TheGradientMatchesCentralFiniteDifferences()
    {
        var (x, y) = MakeData(11, seed: 21);
        var model = new ShardModel(inputs: 3, hidden: 4);
        var set = ParameterSet<double>.FromModel(model, new ShardModel(inputs: 3, hidden: 4));
        var parallel = new DataParallel<ShardModel, double>(set, () => new ShardModel(inputs: 3, hidden: 4), new() { ShardSize = 3, MaxDegreeOfParallelism = 2 });
        var outerSeed = 1.0;
        ShardGradient<ShardModel, double> shard = (start, count, g, seed) => model.LossGradient(x, y, start, count, g, outerSeed * seed);

        void Load(double[] p)
        {
            var offset = 0;
            foreach (var parameter in set)
            {
                p.AsSpan(offset, parameter.Length).CopyTo(parameter.Values);
                offset += parameter.Length;
            }

            set.WriteModel(); // B2's copy into the model
        }

        var point = new double[set.Length];
        Init.Normal(point, 0, 1, seed: 22);
        GradientAssert.Vector(
            p =>
            {
                Load(p);
                return model.Loss(x, y, 0, 11);
            },
            (p, d, s) =>
            {
                Load(p);
                set.ZeroGradients();
                outerSeed = s;
                var loss = parallel.Gradient(11, shard);
                var gradients = Gradients(set);
                for (var i = 0; i < d.Length; i++)
                {
                    d[i] += gradients[i];
                }

                return loss;
            },
            point);
    }

    [Fact]
    public void ThePoolIsReusedAndACallAllocatesNothingAfterWarmUp()
    {
        // A hand-written shard gradient that allocates nothing, so what is measured is DataParallel's own; each
        // shard goes over its samples 100 times, long enough (~0.1 ms) for the pool's threads to take shards too.
        const int n = 4096;
        var x = new double[n];
        var y = new double[n];
        Init.Uniform(x, -1, 1, seed: 3);
        Init.Uniform(y, -1, 1, seed: 4);
        var set = new ParameterSet<double>();
        var w = set.Add("w", 2);
        var spare = set.Add("spare", 3000); // large enough for several reduction ranges below
        w.Values[0] = 0.5;
        var seen = new double[16][];
        ShardGradient<double> shard = (start, count, g, seed) =>
        {
            seen[start / 256] = g[0];
            double total = 0, dw0 = 0, dw1 = 0;
            for (var pass = 0; pass < 100; pass++)
            {
                (total, dw0, dw1) = (0, 0, 0);
                for (var i = start; i < start + count; i++)
                {
                    var e = w.Values[0] * x[i] + w.Values[1] - y[i];
                    total += e * e;
                    dw0 += 2 * e * x[i];
                    dw1 += 2 * e;
                }
            }

            g[0][0] += seed * dw0 / count;
            g[0][1] += seed * dw1 / count;
            g[1][start / 256] += seed;
            return total / count;
        };

        foreach (var degree in new[] { 1, 2, 8 })
        {
            var parallel = new DataParallel<double>(set, new() { ShardSize = 256, MaxDegreeOfParallelism = degree });
            parallel.Sharded.ReductionRange = 1000;
            for (var call = 0; call < 5; call++)
            {
                set.ZeroGradients();
                parallel.Gradient(n, shard);
            }

            // The same buffers every call: the pool holds one per shard.
            var buffers = (double[][])seen.Clone();
            set.ZeroGradients();
            parallel.Gradient(n, shard);
            for (var k = 0; k < 16; k++)
            {
                Assert.Same(buffers[k], seen[k]);
                for (var j = 0; j < k; j++)
                {
                    Assert.NotSame(buffers[j], buffers[k]);
                }
            }

            // The calling thread's allocations, exactly, as the least of 5 calls: which shards the caller runs itself
            // depends on how soon the pool's threads wake, so under load a call can be the first to take a path (with
            // its one-time set-up); an allocation every call makes shows in all 5. (A single call's check failed once
            // in a loaded full run; the cause was not reproduced, in isolation or with both cores busy.)
            var leastOnCaller = long.MaxValue;
            for (var call = 0; call < 5; call++)
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                parallel.Gradient(n, shard);
                leastOnCaller = Math.Min(leastOnCaller, GC.GetAllocatedBytesForCurrentThread() - before);
            }

            Assert.Equal(0, leastOnCaller);

            // The whole process's, the pool's threads included, as the least over rounds of 3 calls in each of which
            // the pool's threads did run shards (when the pool is slow to wake them, the caller runs every shard
            // itself): the test host allocates now and then in the background (some 170 bytes every few tens of
            // milliseconds, also with every shard on this thread), while an allocation of DataParallel's own, on
            // any thread, would show in every such round.
            var least = long.MaxValue;
            var rounds = 0;
            for (var round = 0; round < 400 && rounds < 20; round++)
            {
                var start = GC.GetTotalAllocatedBytes(precise: true);
                var threads = int.MaxValue;
                for (var call = 0; call < 3; call++)
                {
                    parallel.Gradient(n, shard);
                    threads = Math.Min(threads, parallel.ThreadsUsed);
                }

                var allocated = GC.GetTotalAllocatedBytes(precise: true) - start;
                if (threads >= Math.Min(degree, 2))
                {
                    least = Math.Min(least, allocated);
                    rounds++;
                }
            }

            output.WriteLine($"{degree} threads: {least} bytes in the quietest of {rounds} rounds of 3 calls on {Math.Min(degree, 2)} threads or more");
            Assert.True(rounds > 0, "the pool's threads never took a shard");
            Assert.Equal(0, least);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void AShardThatThrowsReachesTheCallerAndTheGradientsAreLeftAsTheyWere(int degree)
    {
        var (x, y) = Data;
        var model = CreateModel(seed: 7);
        var gradient = new ShardModel();
        var set = ParameterSet<double>.FromModel(model, gradient);
        var parallel = new DataParallel<ShardModel, double>(set, () => new ShardModel(), new() { ShardSize = 4, MaxDegreeOfParallelism = degree });
        ShardGradient<ShardModel, double> shard = (start, count, g, seed) => model.LossGradient(x, y, start, count, g, seed);

        // Gradients already accumulated (a first microbatch, say), the scalar's included.
        set.ZeroGradients();
        parallel.Gradient(N, shard);
        var before = Gradients(set);
        var beforeScale = gradient.B2;

        var calls = 0;
        var failure = Assert.Throws<ArithmeticException>(() => parallel.Gradient(N, (start, count, g, seed) =>
        {
            Interlocked.Increment(ref calls);
            var loss = model.LossGradient(x, y, start, count, g, seed); // half a shard's work done...
            return start == 8 ? throw new ArithmeticException("shard 2 failed") : loss;
        }));
        Assert.Equal("shard 2 failed", failure.Message);
        Assert.InRange(calls, 3, 10);

        // Nothing was added: the reduction runs only once every shard has succeeded.
        AssertBits(before, Gradients(set), "after the failed call");
        AssertBits(beforeScale, gradient.B2, "B2 on the gradient model after the failed call");

        // Several failures: the lowest-numbered shard's exception (shard 0 is always the first taken).
        var several = Assert.Throws<ArithmeticException>(() => parallel.Gradient(N, (start, count, g, seed) => throw new ArithmeticException($"shard {start / 4}")));
        Assert.Equal("shard 0", several.Message);
        AssertBits(before, Gradients(set), "after the second failed call");

        // The next call starts afresh (the failed shards' buffers are zeroed again): the same bits as the first.
        set.ZeroGradients();
        parallel.Gradient(N, shard);
        AssertBits(before, Gradients(set), "the call after the failures");
    }

    [Fact]
    public void AnEmptyBatchCallsNothingAddsNothingAndReturnsZero()
    {
        var net = new ArrayNet(seed: 3);
        net.Set["W1"].Gradients[0] = 4;
        var parallel = new DataParallel<double>(net.Set);
        Assert.Equal(0, parallel.ShardCount(0));
        Assert.Equal(0.0, parallel.Gradient(0, (_, _, _, _) => throw new InvalidOperationException("not called")));
        Assert.Equal(0, parallel.ThreadsUsed);
        Assert.Equal(4, net.Set["W1"].Gradients[0]);
        Assert.All(Gradients(net.Set).Skip(1), g => Assert.Equal(0, g));

        Assert.Throws<ArgumentOutOfRangeException>(() => parallel.Gradient(-1, (_, _, _, _) => 0));
        Assert.Throws<ArgumentNullException>(() => parallel.Gradient(1, null!));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void ABatchNotAMultipleOfTheShardSizeEndsWithAShorterShard(int degree)
    {
        var (x, y) = Data;
        const int n = 10;
        var net = new ArrayNet(seed: 9);
        var parallel = new DataParallel<double>(net.Set, new() { ShardSize = 4, MaxDegreeOfParallelism = degree });
        var inner = net.Shard(x, y);
        var seen = new List<(int Start, int Count, double Seed)>();
        var loss = parallel.Gradient(n, (start, count, g, seed) =>
        {
            lock (seen)
            {
                seen.Add((start, count, seed));
            }

            return inner(start, count, g, seed);
        });

        Assert.Equal(new[] { (0, 4, 0.4), (4, 4, 0.4), (8, 2, 0.2) }, seen.Order());
        Assert.Equal(3, parallel.ShardCount(n));
        Assert.Equal((8, 2), parallel.Shard(n, 2));

        var reference = new ArrayNet(seed: 9);
        Assert.Equal(reference.Whole(x, y, n), loss, 1e-14);
        AssertClose(Gradients(reference.Set), Gradients(net.Set));
    }

    [Fact]
    public void ShardsDependOnlyOnTheBatchAndTheOptionsNeverOnTheCores()
    {
        var set = new ArrayNet(seed: 1).Set;
        IEnumerable<(int, int)> Shards(DataParallelOptions options, int n)
        {
            var parallel = new DataParallel<double>(set, options);
            return Enumerable.Range(0, parallel.ShardCount(n)).Select(k => parallel.Shard(n, k)).ToArray();
        }

        foreach (var degree in new[] { -1, 1, 2, 64 })
        {
            // The default: 8 shards as equal as possible, the first n mod 8 one longer; one per sample below 8.
            Assert.Equal(new[] { (0, 5), (5, 5), (10, 5), (15, 5), (20, 5), (25, 5), (30, 5), (35, 4) }, Shards(new() { MaxDegreeOfParallelism = degree }, 39));
            Assert.Equal(new[] { (0, 1), (1, 1), (2, 1) }, Shards(new() { MaxDegreeOfParallelism = degree }, 3));
            Assert.Equal(new[] { (0, 2), (2, 2), (4, 1) }, Shards(new() { ShardCount = 3, MaxDegreeOfParallelism = degree }, 5));
            Assert.Equal(new[] { (0, 32) }, Shards(new() { ShardSize = 64, MaxDegreeOfParallelism = degree }, 32));
        }

        Assert.Equal(Environment.ProcessorCount, new DataParallel<double>(set).MaxDegreeOfParallelism);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataParallel<double>(set).Shard(5, 5));
    }

    [Fact]
    public void TheSumReductionSeedsEveryShardWithOne()
    {
        var (x, y) = Data;
        var net = new ArrayNet(seed: 2);
        var parallel = new DataParallel<double>(net.Set, new() { ShardSize = 10, Reduction = LossReduction.Sum });
        var seeds = new List<double>();
        var inner = net.Shard(x, y);
        var loss = parallel.Gradient(N, (start, count, g, seed) =>
        {
            lock (seeds)
            {
                seeds.Add(seed);
            }

            return inner(start, count, g, seed);
        });

        Assert.All(seeds, s => Assert.Equal(1, s));
        var reference = new ArrayNet(seed: 2);
        var expected = Enumerable.Range(0, 4).Sum(k => ShardNet.Loss(
            reference.W1.Values, reference.B1.Values, reference.W2.Values, reference.B2.Values[0], x, y, 10 * k, Math.Min(10, N - 10 * k), ShardNet.Inputs, ShardNet.Hidden));
        Assert.Equal(expected, loss, 1e-13);
    }

    [Fact]
    public void OptionsAndGradientFactoriesAreChecked()
    {
        var set = new ArrayNet(seed: 1).Set;
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataParallel<double>(set, new() { ShardSize = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataParallel<double>(set, new() { ShardCount = -2 }));
        Assert.Contains("0 when ShardSize is set", Assert.Throws<ArgumentOutOfRangeException>(() => new DataParallel<double>(set, new() { ShardSize = 4, ShardCount = 4 })).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataParallel<double>(set, new() { MaxDegreeOfParallelism = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataParallel<double>(set, new() { MaxDegreeOfParallelism = -2 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataParallel<double>(set, new() { Reduction = (LossReduction)7 }));
        Assert.Throws<ArgumentException>(() => new DataParallel<double>(new ParameterSet<double>()));

        var model = CreateModel(seed: 1);
        var gradient = new ShardModel();
        var modelSet = ParameterSet<double>.FromModel(model, gradient);
        Assert.Contains("returned null", Assert.Throws<ArgumentException>(() => new DataParallel<ShardModel, double>(modelSet, () => null!)).Message, StringComparison.Ordinal);
        Assert.Contains("has length 8, the parameter 15", Assert.Throws<ArgumentException>(() => new DataParallel<ShardModel, double>(modelSet, () => new ShardModel(2, 4))).Message, StringComparison.Ordinal);
        Assert.Contains("is an array of the set", Assert.Throws<ArgumentException>(() => new DataParallel<ShardModel, double>(modelSet, () => gradient)).Message, StringComparison.Ordinal);
        Assert.Contains("is an array of the set", Assert.Throws<ArgumentException>(() => new DataParallel<ShardModel, double>(modelSet, () => model)).Message, StringComparison.Ordinal);
        var renamed = new ParameterSet<double>();
        renamed.Add("Weights", 15);
        Assert.Contains("has no member 'Weights'", Assert.Throws<ArgumentException>(() => new DataParallel<ShardModel, double>(renamed, () => new ShardModel())).Message, StringComparison.Ordinal);
        var fewer = new ParameterSet<double>();
        fewer.Add("W1", 15);
        Assert.Contains("has members the set has no parameter for ('B1', 'W2', 'B2')", Assert.Throws<ArgumentException>(() => new DataParallel<ShardModel, double>(fewer, () => new ShardModel())).Message, StringComparison.Ordinal);

        // A set of arrays named as the model's members takes the model form too.
        Assert.Equal(1, new DataParallel<ShardModel, double>(set, () => new ShardModel()).ShardCount(1));
        Assert.Throws<InvalidOperationException>(() => new DataParallel<UnregisteredNet, double>(modelSet, () => new UnregisteredNet()));

        // A factory returning one model for every shard: the second shard's is caught when the pool grows.
        var one = new ShardModel();
        var shared = new DataParallel<ShardModel, double>(modelSet, () => one, new() { ShardCount = 2 });
        Assert.Contains("another shard's model", Assert.Throws<ArgumentException>(() => shared.Gradient(4, (start, count, g, seed) => 0)).Message, StringComparison.Ordinal);

        // Parameters added after the DataParallel was made.
        var growing = new ArrayNet(seed: 1).Set;
        var parallel = new DataParallel<double>(growing);
        growing.Add("late", 2);
        Assert.Throws<InvalidOperationException>(() => parallel.Gradient(4, (_, _, _, _) => 0));
    }

    [Fact]
    public void OneCallAtATimePerInstance()
    {
        var net = new ArrayNet(seed: 1);
        var parallel = new DataParallel<double>(net.Set, new() { MaxDegreeOfParallelism = 2 });
        var reentered = Assert.Throws<InvalidOperationException>(() => parallel.Gradient(8, (start, count, g, seed) => parallel.Gradient(1, (_, _, _, _) => 0)));
        Assert.Contains("one call at a time", reentered.Message, StringComparison.Ordinal);

        // The failed call left the instance usable.
        var (x, y) = Data;
        Assert.True(parallel.Gradient(N, net.Shard(x, y)) > 0);
        Assert.Throws<KeyNotFoundException>(() => parallel.Gradient(1, (start, count, g, seed) => g["nope"][0]));
    }

    [Fact]
    public void TheReadmeExampleRuns()
    {
        var lines = new List<string>();
        Action<string> print = lines.Add;

        // README "Training runtime", data-parallel minibatches, verbatim but for Console.WriteLine.
        double[] x = new double[1000], y = new double[1000];
        for (int i = 0; i < x.Length; i++) { x[i] = i / 1000.0; y[i] = 3 * x[i] + 1; }

        var ps = new ParameterSet<double>();
        var w = ps.Add("w", 2);
        var opt = new Adam<double>(ps, learningRate: 0.1);
        var parallel = new DataParallel<double>(ps, new DataParallelOptions { ShardSize = 250 }); // 4 shards, on any machine
        ShardGradient<double> shard = (start, count, g, seed) =>                                  // made once, used every step
            Lines.LossGradient(w.Values, x, y, start, count, g[0], seed);                           // g: this shard's buffers

        for (int step = 0; step < 500; step++)
        {
            ps.ZeroGradients();
            double loss = parallel.Gradient(x.Length, shard);   // the 4 shards on the cores, added in shard order
            opt.Step();
        }

        print($"w = ({w.Values[0]:F3}, {w.Values[1]:F3}), {parallel.ShardCount(x.Length)} shards on up to {parallel.MaxDegreeOfParallelism} threads");

        foreach (var line in lines)
        {
            output.WriteLine(line);
        }

        Assert.Equal(3, w.Values[0], 0.01);
        Assert.Equal(1, w.Values[1], 0.01);
        Assert.StartsWith("w = (3.00", lines[0], StringComparison.Ordinal);
    }

}
