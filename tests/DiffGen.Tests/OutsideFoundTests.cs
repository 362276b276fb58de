using System;
using System.Linq;
using DiffGen.Tests.Programs;
using O = DiffGen.Tests.Programs.OutsideFound;

namespace DiffGen.Tests;

/// <summary>Issue 12's wrong gradients and non-compiling output, each against finite differences.</summary>
public class OutsideFoundTests
{
    private static readonly double[] Grid = { 0.3, -0.2, 0.5, 0.1, 0.7, -0.4 };

    [Fact]
    public void InnerLoopExitValueReadBySiblingLoop()
    {
        // The numbers: {1.2, 1.2, 1.2, 0.8, 0.8, 0.8}, not the last row's {1, 1, 1, 0.8, …}.
        var grad = GradientAssert.Vector(x => O.RowSumThenUse(x, 2), (x, d, s) => O.RowSumThenUseGradient(x, 2, d, s), Grid);
        Assert.Equal(new[] { 1.2, 1.2, 1.2, 0.8, 0.8, 0.8 }, grad.Select(g => Math.Round(g, 12)));
        foreach (var rows in new[] { 1, 2, 3 })
        {
            GradientAssert.Vector(x => O.RowSumCopiedFirst(x, rows), (x, d, s) => O.RowSumCopiedFirstGradient(x, rows, d, s), Grid);
            GradientAssert.Vector(x => O.RowProductInWhile(x, rows), (x, d, s) => O.RowProductInWhileGradient(x, rows, d, s), Grid);
            GradientAssert.Vector(x => O.RowSoftmax(x, rows), (x, d, s) => O.RowSoftmaxGradient(x, rows, d, s), Grid);
            GradientAssert.Vector(x => O.RowLogSumExp(x, rows), (x, d, s) => O.RowLogSumExpGradient(x, rows, d, s), Grid);
        }
    }

    [Fact]
    public void NamedArgumentsEvaluateInSourceOrder()
    {
        GradientAssert.Matches(O.NamedOutOfOrder, (double x, ref double dx, double s) => O.NamedOutOfOrderGradient(x, ref dx, s), 0.7, -1.3);
        double d = 0;
        Assert.Equal(-3.0 * 0.7, O.NamedOutOfOrderGradient(0.7, ref d), 12);
        Assert.Equal(-3.0, d, 12);
    }

    [Fact]
    public void UnsignedAndLongCountersRunTheForwardTripCountBackward()
    {
        GradientAssert.Vector(O.UnsignedCounter, (x, d, s) => O.UnsignedCounterGradient(x, d, s), Grid);
        GradientAssert.Vector(O.LongCounter, (x, d, s) => O.LongCounterGradient(x, d, s), Grid);
        GradientAssert.Vector(O.UnsignedInclusive, (x, d, s) => O.UnsignedInclusiveGradient(x, d, s), Grid);
        GradientAssert.Vector(O.UnsignedCounter, (x, d, s) => O.UnsignedCounterGradient(x, d, s), Array.Empty<double>());
    }

    [Fact]
    public void BoundsAtTheEndsOfTheRange()
    {
        // s = x · x² · x² · x: the first loop runs 0 times, the others twice, twice and once.
        GradientAssert.Matches(O.BoundsAtTheEnds, (double x, ref double dx, double s) => O.BoundsAtTheEndsGradient(x, ref dx, s), 0.9, -1.1);
        double d = 0;
        O.BoundsAtTheEndsGradient(1.5, ref d);
        Assert.Equal(6 * Math.Pow(1.5, 5), d, 9);
    }

    [Fact]
    public void CheckedArithmeticThrowsInTheGradientAsInTheMethod()
    {
        double d = 0;
        Assert.Throws<OverflowException>(() => O.CheckedScale(1.0, 5000));
        Assert.Throws<OverflowException>(() => O.CheckedScaleGradient(1.0, 5000, ref d));
        Assert.Equal(2000000.0, O.CheckedScaleGradient(2.0, 1, ref d));
        Assert.Equal(1000000.0, d);
    }

    [Fact]
    public void LoopThatLeavesOnItsFirstIteration() =>
        GradientAssert.Matches(O.BreakAtOnce, (double x, ref double dx, double s) => O.BreakAtOnceGradient(x, ref dx, s), 0.7, -2.0);

    [Fact]
    public void LocalArrayFilledAndPassedInEachArm() =>
        GradientAssert.Matches(O.FilledPerBranch, (double x, double y, ref double dx, ref double dy, double s) => O.FilledPerBranchGradient(x, y, ref dx, ref dy, s), (0.7, 0.2), (-0.3, 0.9));

    [Fact]
    public void BracedSwitchSectionAndForEachWithBreak()
    {
        foreach (var n in new[] { 1, 2 })
        {
            GradientAssert.Matches(x => O.BracedSwitchSection(x, n), (double x, ref double dx, double s) => O.BracedSwitchSectionGradient(x, n, ref dx, s), 0.7, -1.5);
        }

        GradientAssert.Vector(w => O.ForEachBranchAndBreak(w, 0.9), (w, d, s) => O.ForEachBranchAndBreakGradient(w, 0.9, d, s), new[] { 0.5, 1.5, 0.8, 0.3 });
        GradientAssert.Vector(w => O.ForEachBranchAndBreak(w, -0.9), (w, d, s) => O.ForEachBranchAndBreakGradient(w, -0.9, d, s), new[] { 0.5, 1.5, 0.8, 0.3 });
    }

    [Fact]
    public void VariedValuesIntoNoDerivativeParametersKeepTheirDerivative()
    {
        GradientAssert.Matches(O.ThroughConstantParameter, (double x, ref double dx, double s) => O.ThroughConstantParameterGradient(x, ref dx, s), 0.7, -1.3);
        double d = 0;
        O.ThroughConstantParameterGradient(0.7, ref d);
        Assert.Equal(4 * 0.7, d, 12); // x·x + x·x: 4x

        foreach (var z in new[] { 0.8, -0.6 })
        {
            GradientAssert.Matches((zz, a) => O.PRelu(zz, a), (double zz, double a, ref double dz, ref double da, double s) => O.PReluGradient(zz, a, ref dz, ref da, s), (z, 0.25));
        }

        double dz2 = 0, da2 = 0;
        O.PReluGradient(-0.6, 0.25, ref dz2, ref da2);
        Assert.Equal(-0.6, da2, 12); // ∂(a·z)/∂a = z for z < 0

        GradientAssert.Matches(O.SquaredErrorOfLearnedTarget, (double w, ref double dw, double s) => O.SquaredErrorOfLearnedTargetGradient(w, ref dw, s), 0.3, 1.7);
        foreach (var n in new[] { 0, 1, 4 })
        {
            GradientAssert.Matches(x => O.ConstantParameterInLoop(x, n), (double x, ref double dx, double s) => O.ConstantParameterInLoopGradient(x, n, ref dx, s), 0.4, -0.9);
        }
    }

    [Fact]
    public void CheckedArithmeticIsNotHoistedOutOfALoopThatMayNotRun()
    {
        double d = 0;
        Assert.Equal(1.5, O.CheckedInvariantInLoopGradient(1.5, 0, int.MaxValue / 10, ref d));
        Assert.Equal(1.0, d);
        Assert.Throws<OverflowException>(() => O.CheckedInvariantInLoopGradient(1.5, 1, int.MaxValue / 10, ref d));
        GradientAssert.Matches(x => O.CheckedInvariantInLoop(x, 3, 2), (double x, ref double dx, double s) => O.CheckedInvariantInLoopGradient(x, 3, 2, ref dx, s), 0.7);
    }

    [Fact]
    public void FullGradientThroughAConstructedGenericType() =>
        GradientAssert.Matches(O.ThroughGenericType, (double x, ref double dx, double s) => O.ThroughGenericTypeGradient(x, ref dx, s), 0.7, -1.1);
}
