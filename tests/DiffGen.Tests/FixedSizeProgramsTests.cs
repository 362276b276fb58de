using System;
using System.Linq;
using F = DiffGen.Tests.Programs.FixedSizePrograms;

namespace DiffGen.Tests;

/// <summary>
/// Programs written as users write them (Programs/FixedSizePrograms*.cs), from an outside-in check of
/// constant-size tapes, cursors and blocked nests: networks with literal sizes, fixed-horizon integration,
/// a binomial tree, a fixed-step filter, loop forms, large bounds, loops run an unknown number of times,
/// ReLU gating traps and matrix-product nests. Each generated gradient is checked against central finite
/// differences at three points drawn from a fixed seed: its value against the method's own, every
/// partial against a central difference, and a second call adding the gradient again.
/// </summary>
public class FixedSizeProgramsTests
{
    // Every case draws from its own generator of this seed, so a case's points do not depend on which
    // other cases ran before it (the outside run shared one generator across all of them).
    private const int Seed = 12345;

    // The outside run's tolerances: central differences agree to about 1e-5 relative in double; float's
    // are coarse (its step is 5e-3 relative), so 2e-2.
    private const double DoubleTolerance = 1e-5;
    private const float FloatTolerance = 2e-2f;

    private delegate double ArrayScalarGradient(double[] w, double x, Span<double> dw, ref double dx, double seed);

    private delegate double TwoArrayGradient(double[] a, double[] b, Span<double> da, Span<double> db, double seed);

    private sealed record Case(string Domain, string Name, Action<Random> Check);

    private static readonly double[] XorInputs = { 0, 0, 0, 1, 1, 0, 1, 1 };
    private static readonly double[] XorTargets = { 0, 1, 1, 0 };

    private static readonly Case[] Cases =
    {
        // Networks of literal sizes.
        new("network", "Xor", rng => Vector(() => Uniform(rng, 9, -2, 2), p => F.Xor(p, XorInputs, XorTargets), (p, d, s) => F.XorGradient(p, XorInputs, XorTargets, d, s))),
        new("network", "Net231", rng =>
        {
            var x = Uniform(rng, 10, -1, 1);
            var y = Uniform(rng, 5, -1, 1);
            Vector(() => Uniform(rng, 13, -1, 1), p => F.Net231(p, x, y), (p, d, s) => F.Net231Gradient(p, x, y, d, s));
        }),
        new("network", "ReluMlp", rng =>
        {
            var x = Uniform(rng, 24, -1, 1);
            var y = Uniform(rng, 6, -1, 1);
            Vector(() => Uniform(rng, 49, -1, 1), p => F.ReluMlp(p, x, y), (p, d, s) => F.ReluMlpGradient(p, x, y, d, s));
        }),
        new("network", "Rnn", rng =>
        {
            var xs = Uniform(rng, 9, -1, 1);
            Vector(() => Uniform(rng, 15, -0.8, 0.8), p => F.Rnn(p, xs), (p, d, s) => F.RnnGradient(p, xs, d, s));
        }),
        new("network", "FloatNet", rng =>
        {
            var x = UniformF(rng, 10, -1, 1);
            var y = UniformF(rng, 5, -1, 1);
            VectorF(() => UniformF(rng, 13, -1, 1), p => F.FloatNet(p, x, y), (p, d, s) => F.FloatNetGradient(p, x, y, d, s));
        }),
        new("network", "SoftmaxCe", rng =>
        {
            var x = Uniform(rng, 6, -1, 1);
            var labels = new[] { 0, 3, 4 };
            Vector(() => Uniform(rng, 15, -1, 1), p => F.SoftmaxCe(p, x, labels), (p, d, s) => F.SoftmaxCeGradient(p, x, labels, d, s));
        }),
        new("network", "TwoReluLayers", rng =>
        {
            var x = Uniform(rng, 2, -1, 1);
            Vector(() => Uniform(rng, 20, -1, 1), p => F.TwoReluLayers(p, x), (p, d, s) => F.TwoReluLayersGradient(p, x, d, s));
        }),

        // Fixed-horizon integration.
        new("physics", "EulerOscillator", rng => Vector(
            () => new[] { 1 + rng.NextDouble(), 0.1 + 0.2 * rng.NextDouble(), rng.NextDouble(), rng.NextDouble() - 0.5 },
            F.EulerOscillator, (p, d, s) => F.EulerOscillatorGradient(p, d, s))),
        new("physics", "Verlet", rng => Vector(
            () => new[] { 1 + 0.2 * rng.NextDouble(), 1 + 0.1 * rng.NextDouble(), 0.1 * rng.NextDouble(), 0.05 * rng.NextDouble(), 1 + 0.1 * rng.NextDouble() },
            p => F.Verlet(p[0], p[1], p[2], p[3], p[4]),
            (p, d, s) => F.VerletGradient(p[0], p[1], p[2], p[3], p[4], ref d[0], ref d[1], ref d[2], ref d[3], ref d[4], s))),
        new("physics", "FloatEuler", rng => TwoF(() => UniformF(rng, 2, 0.2, 1), F.FloatEuler, F.FloatEulerGradient)),
        new("physics", "Heat", rng => ArrayAndScalar(
            () => Uniform(rng, 11, 0, 1).Select((v, i) => i == 10 ? 0.1 + 0.2 * v : v).ToArray(), F.Heat, F.HeatGradient)),

        // Finance and statistics.
        // The outside run's looser 1e-4: early exercise is a max at every node, and some node sits near its kink.
        new("finance", "BinomialAmericanPut", rng => Vector(
            () => new[] { 90 + 20 * rng.NextDouble(), 100.3, 0.03 + 0.02 * rng.NextDouble(), 0.2 + 0.1 * rng.NextDouble(), 0.5 + rng.NextDouble() },
            p => F.BinomialAmericanPut(p[0], p[1], p[2], p[3], p[4]),
            (p, d, s) => F.BinomialAmericanPutGradient(p[0], p[1], p[2], p[3], p[4], ref d[0], ref d[1], ref d[2], ref d[3], ref d[4], s),
            1e-4)),
        new("finance", "Kalman", rng =>
        {
            var obs = Uniform(rng, 10, -1, 1);
            Three(
                () => new[] { 0.5 + 0.4 * rng.NextDouble(), 0.1 + rng.NextDouble(), 0.1 + rng.NextDouble() },
                (a, q, r) => F.Kalman(a, q, r, obs),
                (double a, double q, double r, ref double da, ref double dq, ref double dr, double s) => F.KalmanGradient(a, q, r, obs, ref da, ref dq, ref dr, s));
        }),
        new("finance", "AsianCall", rng =>
        {
            var z = Uniform(rng, 48, -1.5, 1.5);
            Three(
                () => new[] { 100 + 10 * rng.NextDouble(), 0.2 + 0.1 * rng.NextDouble(), 0.02 + 0.03 * rng.NextDouble() },
                (s0, sigma, r) => F.AsianCall(s0, sigma, r, z),
                (double s0, double sigma, double r, ref double ds0, ref double dsigma, ref double dr, double s) => F.AsianCallGradient(s0, sigma, r, z, ref ds0, ref dsigma, ref dr, s));
        }),

        // Loop forms with literal bounds.
        new("loop form", "Horner", rng => ArrayAndScalar(() => Uniform(rng, 8, -0.5, 0.5), F.Horner, F.HornerGradient)),
        new("loop form", "Nested345", rng => Vector(() => Uniform(rng, 6, -1, 1), F.Nested345, (p, d, s) => F.Nested345Gradient(p, d, s))),
        new("loop form", "LoopsInBranches", rng => Vector(() => Uniform(rng, 5, -1, 1), F.LoopsInBranches, (p, d, s) => F.LoopsInBranchesGradient(p, d, s))),
        new("loop form", "CountDown", rng => Vector(() => Uniform(rng, 10, -1, 1), F.CountDown, (p, d, s) => F.CountDownGradient(p, d, s))),
        new("loop form", "Inclusive", rng => Two(() => Uniform(rng, 2, -1, 1), F.Inclusive, F.InclusiveGradient)),
        new("loop form", "LongCounter", rng => Vector(() => Uniform(rng, 3, -1, 1), F.LongCounter, (p, d, s) => F.LongCounterGradient(p, d, s))),
        new("loop form", "UintCounter", rng => Vector(() => Uniform(rng, 4, -1, 1), F.UintCounter, (p, d, s) => F.UintCounterGradient(p, d, s))),
        new("loop form", "HelperInLoop", rng => Vector(() => Uniform(rng, 6, -0.5, 0.5), F.HelperInLoop, (p, d, s) => F.HelperInLoopGradient(p, d, s))),
        new("loop form", "BreakLiteral", rng => Two(() => Uniform(rng, 2, -1, 1), F.BreakLiteral, F.BreakLiteralGradient)),
        new("loop form", "ContinueLiteral", rng => Vector(() => Uniform(rng, 5, -1, 1), F.ContinueLiteral, (p, d, s) => F.ContinueLiteralGradient(p, d, s))),
        new("loop form", "NestedBreak", rng => Vector(() => Uniform(rng, 6, -1, 1), F.NestedBreak, (p, d, s) => F.NestedBreakGradient(p, d, s))),
        new("loop form", "NotEqualBound", rng => One(() => Uniform(rng, 1, -1, 1), F.NotEqualBound, F.NotEqualBoundGradient)),
        new("loop form", "StepTwo", rng => Vector(() => Uniform(rng, 10, -1, 1), F.StepTwo, (p, d, s) => F.StepTwoGradient(p, d, s))),
        new("loop form", "ConstBound", rng => Two(() => Uniform(rng, 2, 0.2, 1), F.ConstBound, F.ConstBoundGradient)),
        new("loop form", "SwitchLoop", rng => Vector(() => Uniform(rng, 3, -1, 1), F.SwitchLoop, (p, d, s) => F.SwitchLoopGradient(p, d, s))),
        new("loop form", "LocalFunctionTwice", rng => Two(() => Uniform(rng, 2, -1, 1), F.LocalFunctionTwice, F.LocalFunctionTwiceGradient)),
        new("loop form", "ReversedComparison", rng => One(() => Uniform(rng, 1, -1, 1), F.ReversedComparison, F.ReversedComparisonGradient)),
        new("loop form", "DoubleCounter", rng => Two(() => Uniform(rng, 2, -1, 1), F.DoubleCounter, F.DoubleCounterGradient)),
        new("loop form", "FloatCounter", rng => TwoF(() => UniformF(rng, 2, -1, 1), F.FloatCounter, F.FloatCounterGradient)),
        new("loop form", "RangeSum", rng => Vector(() => Uniform(rng, 5, -1, 1), F.RangeSum, (p, d, s) => F.RangeSumGradient(p, d, s))),
        new("loop form", "EarlyReturn", rng => Two(() => Uniform(rng, 2, 0.5, 1.3), F.EarlyReturn, F.EarlyReturnGradient)),
        new("loop form", "RingBuffer", rng => Vector(() => Uniform(rng, 4, -1, 1), F.RingBuffer, (p, d, s) => F.RingBufferGradient(p, d, s))),
        new("loop form", "SmallCounters", rng => One(() => Uniform(rng, 1, -1, 1), F.SmallCounters, F.SmallCountersGradient)),
        new("loop form", "StepDownThree", rng => Vector(() => Uniform(rng, 4, -1, 1), F.StepDownThree, (p, d, s) => F.StepDownThreeGradient(p, d, s))),
        new("loop form", "NegativeBounds", rng => One(() => Uniform(rng, 1, -1, 1), F.NegativeBounds, F.NegativeBoundsGradient)),
        new("loop form", "TupleRecurrence", rng => Two(() => Uniform(rng, 2, -1, 1), F.TupleRecurrence, F.TupleRecurrenceGradient)),

        // Large bounds: either side of the stack budget, and past it.
        new("large bound", "Logistic5000", rng => Two(() => new[] { 0.5 + rng.NextDouble(), 0.1 + 0.3 * rng.NextDouble() }, F.Logistic5000, F.Logistic5000Gradient)),
        new("large bound", "Exactly1024", rng => One(() => Uniform(rng, 1, -1, 1), F.Exactly1024, F.Exactly1024Gradient)),
        new("large bound", "Over1024", rng => One(() => Uniform(rng, 1, -1, 1), F.Over1024, F.Over1024Gradient)),
        new("large bound", "NearLimit", rng => ArrayAndScalar(() => Uniform(rng, 5, -1, 1), F.NearLimit, F.NearLimitGradient)),
        // Recursion only 5 deep: how deep a recursive gradient can go before the stack overflows is
        // an experiment for its own thread, not for the test host, which an overflow would take down.
        new("large bound", "Rec", rng => One(
            () => Uniform(rng, 1, -1, 1), x => F.Rec(x, 5), (double x, ref double dx, double s) => F.RecGradient(x, 5, ref dx, s))),
        new("large bound", "RecPooled", rng => One(
            () => Uniform(rng, 1, -1, 1), x => F.RecPooled(x, 5), (double x, ref double dx, double s) => F.RecPooledGradient(x, 5, ref dx, s))),

        // Literal loops beside or inside loops run an unknown number of times.
        // The outside run's looser 1e-4: the number of Newton steps depends on the data, and the gradient is the
        // last iterate's, not the exact root's.
        new("unknown trips", "WhileThenLiteral", rng => Two(
            () => new[] { 1 + 5 * rng.NextDouble(), rng.NextDouble() }, F.WhileThenLiteral, F.WhileThenLiteralGradient, 1e-4)),
        new("unknown trips", "LiteralInsideWhile", rng => Vector(
            () => Uniform(rng, 4, -1, 1),
            p => F.LiteralInsideWhile(p[..3], p[3] + 1.5),
            (p, d, s) => F.LiteralInsideWhileGradient(p[..3], p[3] + 1.5, d.AsSpan(0, 3), ref d[3], s))),
        new("unknown trips", "LiteralInsideUnknownFor", rng => Vector(
            () => Uniform(rng, 4, -1, 1), p => F.LiteralInsideUnknownFor(p, 5), (p, d, s) => F.LiteralInsideUnknownForGradient(p, 5, d, s))),
        new("unknown trips", "MixedTapes", rng => ArrayAndScalar(() => Uniform(rng, 13, 0.2, 1.2), F.MixedTapes, F.MixedTapesGradient)),
        new("unknown trips", "DoWhileLiteral", rng => Vector(() => Uniform(rng, 3, 0.1, 1), F.DoWhileLiteral, (p, d, s) => F.DoWhileLiteralGradient(p, d, s))),
        new("unknown trips", "HelperLoopInWhile", rng => Two(() => Uniform(rng, 2, -0.5, 0.5), F.HelperLoopInWhile, F.HelperLoopInWhileGradient)),
        new("unknown trips", "OuterWhile", rng => Two(() => Uniform(rng, 2, -0.5, 0.5), F.OuterWhile, F.OuterWhileGradient)),
        new("unknown trips", "Retry", rng => Two(() => Uniform(rng, 2, -1, 1), F.Retry, F.RetryGradient)),
        new("unknown trips", "GatedThenWhileInFor", rng => ArrayAndScalar(() => Uniform(rng, 13, 0.2, 1.0), F.GatedThenWhileInFor, F.GatedThenWhileInForGradient)),
        new("unknown trips", "GatedThenBreakInFor", rng => ArrayAndScalar(() => Uniform(rng, 13, 0.2, 1.0), F.GatedThenBreakInFor, F.GatedThenBreakInForGradient)),
        new("unknown trips", "IfWhileInFor", rng => ArrayAndScalar(() => Uniform(rng, 5, 0.1, 1), F.IfWhileInFor, F.IfWhileInForGradient)),
        new("unknown trips", "DoWhileGated", rng => ArrayAndScalar(() => Uniform(rng, 4, 0.2, 1), F.DoWhileGated, F.DoWhileGatedGradient)),
        new("unknown trips", "WhileThenGatedNest", rng => ArrayAndScalar(() => Uniform(rng, 9, 0.1, 1), F.WhileThenGatedNest, F.WhileThenGatedNestGradient)),

        // ReLU gating: the off units' adjoints, and the terms that still reach them.
        new("relu gating", "ReluDownInclusive", rng =>
        {
            var x = Uniform(rng, 3, -1, 1);
            Vector(() => Uniform(rng, 11, -1, 1), p => F.ReluDownInclusive(p, x), (p, d, s) => F.ReluDownInclusiveGradient(p, x, d, s));
        }),
        new("relu gating", "GatedSequence", rng => ArrayAndScalar(() => Uniform(rng, 11, -1, 1), F.GatedSequence, F.GatedSequenceGradient)),
        new("relu gating", "NestedGateContinue", rng =>
        {
            // One sample below -0.8, so the continue is taken.
            var x = new[] { 0.5, -0.9, 0.3, 0.8 };
            Vector(() => Uniform(rng, 15, -1, 1), p => F.NestedGateContinue(p, x), (p, d, s) => F.NestedGateContinueGradient(p, x, d, s));
        }),
        new("relu gating", "HelperGateInLoop", rng => ArrayAndScalar(() => Uniform(rng, 9, -1, 1), F.HelperGateInLoop, F.HelperGateInLoopGradient)),
        new("relu gating", "LeakySum", rng =>
        {
            var x = Uniform(rng, 6, -1, 1);
            Vector(() => Uniform(rng, 12, -1, 1), p => F.LeakySum(p, x), (p, d, s) => F.LeakySumGradient(p, x, d, s));
        }),
        // These take the input fixed at 0.7, as the outside run did, and check the weights.
        new("relu gating", "CarriedThroughOff", rng => WeightsAt(() => Uniform(rng, 12, -1, 1), F.CarriedThroughOff, F.CarriedThroughOffGradient)),
        new("relu gating", "WeightDecayInLoop", rng => WeightsAt(() => Uniform(rng, 10, -1, 1), F.WeightDecayInLoop, F.WeightDecayInLoopGradient)),
        new("relu gating", "TernaryRelu", rng => WeightsAt(() => Uniform(rng, 10, -1, 1), F.TernaryRelu, F.TernaryReluGradient)),
        new("relu gating", "ReluIntoArrayAndMax", rng => WeightsAt(() => Uniform(rng, 10, -1, 1), F.ReluIntoArrayAndMax, F.ReluIntoArrayAndMaxGradient)),
        new("relu gating", "ReluPlusTanh", rng => WeightsAt(() => Uniform(rng, 6, -1, 1), F.ReluPlusTanh, F.ReluPlusTanhGradient)),
        new("relu gating", "GatedLastUnit", rng => WeightsAt(() => Uniform(rng, 6, -1, 1), F.GatedLastUnit, F.GatedLastUnitGradient)),
        new("relu gating", "FloatRelu", rng => VectorF(
            () => UniformF(rng, 18, -1, 1),
            p => F.FloatRelu(p, 0.6f),
            (p, d, s) =>
            {
                var dx = 0f;
                return F.FloatReluGradient(p, 0.6f, d, ref dx, s);
            })),

        // Matrix-product nests.
        new("matrix product", "Gemm", rng =>
        {
            var x = Uniform(rng, 20, -1, 1);
            Vector(() => Uniform(rng, 15, -1, 1), p => F.Gemm(p, x), (p, d, s) => F.GemmGradient(p, x, d, s));
        }),
        new("matrix product", "GemmRelu", rng => TwoArrays(16, () => Uniform(rng, 34, -1, 1), F.GemmRelu, F.GemmReluGradient)),
        new("matrix product", "GemmNamedOffsets", rng => TwoArrays(12, () => Uniform(rng, 32, -1, 1), F.GemmNamedOffsets, F.GemmNamedOffsetsGradient)),
        new("matrix product", "GemmBias", rng =>
        {
            // Sizes passed at run time: 3 samples of 4 features (after a leading column), 3 units.
            var x = Uniform(rng, 3 * 4 + 1, -1, 1);
            TwoArrays(
                12,
                () => Uniform(rng, 15, -1, 1),
                (w, b) => F.GemmBias(w, b, x, 3, 4, 3),
                (double[] w, double[] b, Span<double> dw, Span<double> db, double s) => F.GemmBiasGradient(w, b, x, 3, 4, 3, dw, db, s));
        }),
        new("matrix product", "GemmFloat", rng =>
        {
            // 300 float samples summed: the finite differences are noisier still, hence 5e-2.
            var x = UniformF(rng, 600, -1, 1);
            VectorF(() => UniformF(rng, 9, -1, 1), p => F.GemmFloat(p, x), (p, d, s) => F.GemmFloatGradient(p, x, d, s), 5e-2f);
        }),
        new("matrix product", "GemmSwapped", rng =>
        {
            var y = Uniform(rng, 16, -1, 1);
            TwoArrays(
                9,
                () => Uniform(rng, 21, -1, 1),
                (w, x) => F.GemmSwapped(w, x, y),
                (double[] w, double[] x, Span<double> dw, Span<double> dx, double s) => F.GemmSwappedGradient(w, x, y, dw, dx, s));
        }),
        new("matrix product", "GemmOffsetUsed", rng => TwoArrays(4, () => Uniform(rng, 12, -1, 1), F.GemmOffsetUsed, F.GemmOffsetUsedGradient)),
        new("matrix product", "Conv1d", rng => TwoArrays(6, () => Uniform(rng, 16, -1, 1), F.Conv1d, F.Conv1dGradient)),
    };

    public static TheoryData<string, string> Programs()
    {
        var data = new TheoryData<string, string>();
        foreach (var c in Cases)
        {
            data.Add(c.Domain, c.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void GradientMatchesFiniteDifferences(string domain, string program) =>
        Cases.Single(c => c.Domain == domain && c.Name == program).Check(new Random(Seed));

    [Fact]
    public void TheSuiteIsThere()
    {
        // A case named twice would run one program twice and hide the other.
        Assert.Equal(Cases.Length, Cases.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(79, Cases.Length);
    }

    private static double[] Uniform(Random rng, int n, double lo, double hi) =>
        Enumerable.Range(0, n).Select(_ => lo + (hi - lo) * rng.NextDouble()).ToArray();

    private static float[] UniformF(Random rng, int n, double lo, double hi) =>
        Uniform(rng, n, lo, hi).Select(v => (float)v).ToArray();

    // Three points, as the outside run checked: a tape read at the wrong cursor can agree at one point by chance.
    private static void Vector(Func<double[]> point, Func<double[], double> f, VectorGradient<double> g, double tolerance = DoubleTolerance)
    {
        for (var i = 0; i < 3; i++)
        {
            GradientAssert.Vector(f, g, point(), tolerance);
        }
    }

    private static void VectorF(Func<float[]> point, Func<float[], float> f, VectorGradient<float> g, float tolerance = FloatTolerance)
    {
        for (var i = 0; i < 3; i++)
        {
            GradientAssert.Vector(f, g, point(), tolerance);
        }
    }

    private static void One(Func<double[]> point, Func<double, double> f, Grad1 g, double tolerance = DoubleTolerance) =>
        Vector(point, p => f(p[0]), (p, d, s) => g(p[0], ref d[0], s), tolerance);

    private static void Two(Func<double[]> point, Func<double, double, double> f, Grad2 g, double tolerance = DoubleTolerance) =>
        Vector(point, p => f(p[0], p[1]), (p, d, s) => g(p[0], p[1], ref d[0], ref d[1], s), tolerance);

    private static void Three(Func<double[]> point, Func<double, double, double, double> f, Grad3 g, double tolerance = DoubleTolerance) =>
        Vector(point, p => f(p[0], p[1], p[2]), (p, d, s) => g(p[0], p[1], p[2], ref d[0], ref d[1], ref d[2], s), tolerance);

    private static void TwoF(Func<float[]> point, Func<float, float, float> f, Grad2F g) =>
        VectorF(point, p => f(p[0], p[1]), (p, d, s) => g(p[0], p[1], ref d[0], ref d[1], s));

    /// <summary>A method of (w, x): the point's last element is x.</summary>
    private static void ArrayAndScalar(Func<double[]> point, Func<double[], double, double> f, ArrayScalarGradient g) =>
        Vector(point, p => f(p[..^1], p[^1]), (p, d, s) => g(p[..^1], p[^1], d.AsSpan(0, p.Length - 1), ref d[^1], s));

    /// <summary>A method of (w, x) checked in w only, with x at 0.7.</summary>
    private static void WeightsAt(Func<double[]> point, Func<double[], double, double> f, ArrayScalarGradient g) =>
        Vector(point, p => f(p, 0.7), (p, d, s) =>
        {
            var dx = 0.0;
            return g(p, 0.7, d, ref dx, s);
        });

    /// <summary>A method of two arrays: the point's first <paramref name="split"/> elements are the first.</summary>
    private static void TwoArrays(int split, Func<double[]> point, Func<double[], double[], double> f, TwoArrayGradient g) =>
        Vector(point, p => f(p[..split], p[split..]), (p, d, s) => g(p[..split], p[split..], d.AsSpan(0, split), d.AsSpan(split), s));
}
