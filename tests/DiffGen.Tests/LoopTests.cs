using System;
using System.Linq;
using DiffGen.Tests.Programs;
using L = DiffGen.Tests.Programs.Loops;

namespace DiffGen.Tests;

/// <summary>Loop and array programs against central finite differences.</summary>
public class LoopTests
{
    private static double[] Random(int length, int seed, double scale = 1.0)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (random.NextDouble() * 2 - 1) * scale).ToArray();
    }

    // Checks f(w) for an array parameter w with a generated gradient g(w, dw, seed).
    private static void CheckArray(Func<double[], double> f, Func<double[], double[], double, double> g, double[] w) =>
        GradientAssert.Vector(f, (x, d, s) => g(x, d, s), w);

    [Fact]
    public void Reductions()
    {
        CheckArray(L.SumOfSquares, (w, d, s) => L.SumOfSquaresGradient(w, d, s), Random(7, 1));
        var x = Random(5, 2);
        CheckArray(w => L.Dot(w, x), (w, d, s) => L.DotGradient(w, x, d, s), Random(5, 3));
        CheckArray(L.Product, (w, d, s) => L.ProductGradient(w, d, s), Random(6, 4));
        CheckArray(L.Product, (w, d, s) => L.ProductGradient(w, d, s), new[] { 0.5, 0.0, 2.0 });
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(5)]
    public void ScalarLoops(int n)
    {
        GradientAssert.Matches(x => L.PowerLoop(x, n), (double x, ref double dx, double s) => L.PowerLoopGradient(x, n, ref dx, s), 1.3, -0.7);
        GradientAssert.Matches((x, y) => L.OverwrittenValueNeeded(x, y, n), (double x, double y, ref double dx, ref double dy, double s) => L.OverwrittenValueNeededGradient(x, y, n, ref dx, ref dy, s), (0.4, 1.2), (-1.0, 0.7));
        GradientAssert.Matches(x => L.DoWhile(x, n), (double x, ref double dx, double s) => L.DoWhileGradient(x, n, ref dx, s), 0.3, 1.1);
        GradientAssert.Matches(x => L.InclusiveBound(x, n), (double x, ref double dx, double s) => L.InclusiveBoundGradient(x, n, ref dx, s), 0.8, -1.2);
        GradientAssert.Matches(x => L.TwoCarried(x, n), (double x, ref double dx, double s) => L.TwoCarriedGradient(x, n, ref dx, s), 0.8, -1.2);
        GradientAssert.Matches(x => L.ZeroTrips(x, n), (double x, ref double dx, double s) => L.ZeroTripsGradient(x, n, ref dx, s), 0.8, -1.2);
        GradientAssert.Matches(x => L.LoopOverLocalCounter(x, n), (double x, ref double dx, double s) => L.LoopOverLocalCounterGradient(x, n, ref dx, s), 0.8, -1.2);
        GradientAssert.Matches(x => L.RecursionAndLoop(x, n % 3), (double x, ref double dx, double s) => L.RecursionAndLoopGradient(x, n % 3, ref dx, s), 0.8, -1.2);
    }

    [Fact]
    public void WhileLoops()
    {
        GradientAssert.Matches(L.WhileLoop, L.WhileLoopGradient, 1.5, 2.5, 0.9);
        GradientAssert.Matches(L.WhileTrue, L.WhileTrueGradient, 0.5, 3.0);
        GradientAssert.Matches(L.FloatingLoopVariable, L.FloatingLoopVariableGradient, (1.3, 0.5), (-2.2, 1.5));
    }

    [Fact]
    public void LoopLocalValuesAndOverwrites()
    {
        GradientAssert.Vector(
            p => L.LoopLocalAdjointReset(p[..4], p[4]),
            (p, d, s) => L.LoopLocalAdjointResetGradient(p[..4], p[4], d.AsSpan(0, 4), ref d[4], s),
            Random(5, 6));
        GradientAssert.Vector(
            p => L.ReadAfterLoop(p[..4], p[4]),
            (p, d, s) => L.ReadAfterLoopGradient(p[..4], p[4], d.AsSpan(0, 4), ref d[4], s),
            Random(5, 7));
    }

    [Fact]
    public void BreakContinueAndEarlyReturn()
    {
        foreach (var scale in new[] { 0.5, 3.0 })
        {
            GradientAssert.Vector(p => L.Break(p[..5], p[5]), (p, d, s) => L.BreakGradient(p[..5], p[5], d.AsSpan(0, 5), ref d[5], s), Random(6, 8, scale));
            GradientAssert.Vector(p => L.EarlyReturn(p[..5], p[5], 1.0), (p, d, s) => L.EarlyReturnGradient(p[..5], p[5], 1.0, d.AsSpan(0, 5), ref d[5], s), Random(6, 9, scale));
            GradientAssert.Vector(p => L.ForEachWithBreak(p[..5], p[5]), (p, d, s) => L.ForEachWithBreakGradient(p[..5], p[5], d.AsSpan(0, 5), ref d[5], s), Random(6, 10, scale));
        }

        CheckArray(L.Continue, (w, d, s) => L.ContinueGradient(w, d, s), Random(7, 11));
        CheckArray(L.NestedWithBreak, (w, d, s) => L.NestedWithBreakGradient(w, d, s), Random(5, 12));
        CheckArray(L.SwitchInLoop, (w, d, s) => L.SwitchInLoopGradient(w, d, s), Random(7, 13));
    }

    [Fact]
    public void ForEach()
    {
        GradientAssert.Vector(p => L.ForEachArray(p[..4], p[4]), (p, d, s) => L.ForEachArrayGradient(p[..4], p[4], d.AsSpan(0, 4), ref d[4], s), Random(5, 14));
        CheckArray(w => L.ForEachSpan(w), (w, d, s) => L.ForEachSpanGradient(w, d, s), Random(4, 15));
    }

    [Fact]
    public void LocalArrays()
    {
        GradientAssert.Vector(p => L.LocalArray(p[..4], p[4]), (p, d, s) => L.LocalArrayGradient(p[..4], p[4], d.AsSpan(0, 4), ref d[4], s), Random(5, 16));
        GradientAssert.Matches(L.ArrayInitializer, L.ArrayInitializerGradient, (0.5, 1.5), (-2.0, 0.3));
        GradientAssert.Matches(L.StackAlloc, L.StackAllocGradient, (0.5, 1.5), (-2.0, 0.3));
        GradientAssert.Vector(p => L.AccumulateIntoElements(p[..5], p[5]), (p, d, s) => L.AccumulateIntoElementsGradient(p[..5], p[5], d.AsSpan(0, 5), ref d[5], s), Random(6, 17));
    }

    [Fact]
    public void NestedLoopsAndCalls()
    {
        var x = Random(3, 18);
        CheckArray(m => L.MatrixVector(m, x, 4, 3), (m, d, s) => L.MatrixVectorGradient(m, x, 4, 3, d, s), Random(12, 19));
        GradientAssert.Vector(p => L.ReluSum(p[..6], p[6]), (p, d, s) => L.ReluSumGradient(p[..6], p[6], d.AsSpan(0, 6), ref d[6], s), Random(7, 20));
    }

    [Theory]
    [InlineData(0, 3)]
    [InlineData(1, 0)]
    [InlineData(1, 1)]
    [InlineData(3, 4)]
    [InlineData(5, 6)]
    public void ReluGatedLoopsWithReservedTapes(int rows, int cols)
    {
        var x = Random(rows * cols, 21);
        CheckArray(
            w => L.ReluLayersEveryCounter(w, x, rows, cols),
            (w, d, s) => L.ReluLayersEveryCounterGradient(w, x, rows, cols, d, s),
            Random(cols + rows, 22 + rows));
        GradientAssert.Vector(p => L.CallsInLoop(p[..4], p[4]), (p, d, s) => L.CallsInLoopGradient(p[..4], p[4], d.AsSpan(0, 4), ref d[4], s), Random(5, 21));
        GradientAssert.Vector(p => L.HornerDown(p[..4], p[4]), (p, d, s) => L.HornerDownGradient(p[..4], p[4], d.AsSpan(0, 4), ref d[4], s), Random(5, 22));
    }

    [Fact]
    public void TapesOfAConstantSizeOnTheStack()
    {
        var x = new[] { 0.0, 1.0, 1.0, 0.0, 0.7, -0.4 };
        foreach (var seed in new[] { 23, 24, 25 })
        {
            CheckArray(w => L.FixedSizeNetwork(w, x), (w, d, s) => L.FixedSizeNetworkGradient(w, x, d, s), Random(9, seed));
        }

        GradientAssert.Vector(p => L.FixedNestInsideAWhileLoop(p[..3], p[3]), (p, d, s) => L.FixedNestInsideAWhileLoopGradient(p[..3], p[3], d.AsSpan(0, 3), ref d[3], s), [0.3, -0.2, 0.5, 0.8]);
        GradientAssert.Vector(p => L.FixedNestInsideAWhileLoop(p[..3], p[3]), (p, d, s) => L.FixedNestInsideAWhileLoopGradient(p[..3], p[3], d.AsSpan(0, 3), ref d[3], s), [0.3, -0.2, 0.5, 20]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ALoopWhoseEveryIterationReturns(int n)
    {
        foreach (var x in new[] { 0.7, 6.0 })
        {
            GradientAssert.Vector(
                p => L.ReturnsFromEveryIteration(p[3], p[..3], n),
                (p, d, s) => L.ReturnsFromEveryIterationGradient(p[3], p[..3], n, ref d[3], d.AsSpan(0, 3), s),
                [0.4, -0.3, 0.9, x]);
        }
    }

    [Fact]
    public void FloatLoops()
    {
        GradientAssert.Vector(p => L.SumOfSquaresF(p), (p, d, s) => L.SumOfSquaresFGradient(p, d, s), new[] { 0.5f, -1.5f, 2.0f });
        GradientAssert.Vector(p => L.LocalArrayF(p[..3], p[3]), (p, d, s) => L.LocalArrayFGradient(p[..3], p[3], d.AsSpan(0, 3), ref d[3], s), new[] { 0.5f, -0.3f, 0.8f, 0.7f });
    }

    [Fact]
    public void TwoLayerReluMse()
    {
        const int n = 8, d = 3, h = 5;
        var x = Random(n * d, 30);
        var y = Random(n, 31);
        var parameters = Random(h * d + h + h + 1, 32);
        double Loss(double[] p) => TwoLayerNet.Loss(x, y, n, d, h, p[..(h * d)], p[(h * d)..(h * d + h)], p[(h * d + h)..(h * d + 2 * h)], p[^1]);
        GradientAssert.Vector(Loss, (p, g, s) => TwoLayerNet.LossGradient(
            x, y, n, d, h, p[..(h * d)], p[(h * d)..(h * d + h)], p[(h * d + h)..(h * d + 2 * h)], p[^1],
            g.AsSpan(0, h * d), g.AsSpan(h * d, h), g.AsSpan(h * d + h, h), ref g[^1], s), parameters);
    }

    [Fact]
    public void XorWithHiddenLayerInALocalArray()
    {
        double[] x = { 0, 0, 0, 1, 1, 0, 1, 1 };
        double[] y = { 0, 1, 1, 0 };
        GradientAssert.Vector(
            p => XorNet.Loss(p[..8], p[8..12], p[12..16], p[16], x, y),
            (p, g, s) => XorNet.LossGradient(p[..8], p[8..12], p[12..16], p[16], x, y, g.AsSpan(0, 8), g.AsSpan(8, 4), g.AsSpan(12, 4), ref g[16], s),
            Random(17, 33));
    }

    [Fact]
    public void LineWithRmsLoss()
    {
        double[] x = { 1.0, 2.0, 3.5, 4.0, 5.5 };
        double[] y = { 2.1, 3.9, 7.2, 8.1, 10.8 };
        GradientAssert.Matches((m, c) => Line.RmsLoss(m, c, x, y), (double m, double c, ref double dm, ref double dc, double s) => Line.RmsLossGradient(m, c, x, y, ref dm, ref dc, s), (1.0, 0.0), (2.5, -1.0));
    }
}
