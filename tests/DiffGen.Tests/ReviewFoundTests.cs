using System;
using R = DiffGen.Tests.Programs.ReviewFound;

namespace DiffGen.Tests;

/// <summary>What a review of this session's features found: each value equal to the method's, each gradient against finite differences.</summary>
public class ReviewFoundTests
{
    [Fact]
    public void CountWithAPredicateCountsOnlyWhatItKeeps()
    {
        var d = new[] { -1.0, 2.0, 3.0 };
        double dw = 0;
        Assert.Equal(R.Positives(1.5, d), R.PositivesGradient(1.5, d, ref dw));
        Assert.Equal(2.0, dw);
    }

    [Fact]
    public void MaxAndMinTreatNaNAsEnumerableDoes()
    {
        foreach (var d in new[] { new[] { double.NaN, 2.0, 3.0 }, new[] { 1.0, double.NaN, 2.0 }, new[] { 3.0, 3.0, 1.0 }, new[] { -0.0, 0.0, -1.0 } })
        {
            double dw = 0;
            var value = R.PeakGradient(0.5, d, ref dw);
            Assert.Equal(R.Peak(0.5, d), value);
            Assert.Equal(double.IsNegative(R.Peak(0.5, d)), double.IsNegative(value));
            dw = 0;
            var low = R.TroughGradient(0.5, d, ref dw);
            Assert.Equal(R.Trough(0.5, d), low);
        }

        // The first of equal maxima is the value, and gets the derivative.
        double first = 0;
        R.PeakGradient(2.0, new[] { 3.0, 3.0, 1.0 }, ref first);
        Assert.Equal(3.0, first);
        GradientAssert.Matches(w => R.Peak(w, new[] { -1.0, 2.0, 3.0 }), (double w, ref double g, double s) => R.PeakGradient(w, new[] { -1.0, 2.0, 3.0 }, ref g, s), 0.5, -1.5);

        // With NaN in the data the value passes over it, as Enumerable.Max does; the gradient is NaN, as IEEE
        // arithmetic makes the NaN element's partial times its zero adjoint (visible, never a silent number).
        double withNaN = 0;
        R.PeakGradient(0.5, new[] { double.NaN, 2.0, 3.0 }, ref withNaN);
        Assert.True(double.IsNaN(withNaN));
    }

    [Fact]
    public void OverlappingCopyWithinOneArray()
    {
        GradientAssert.Matches(R.Shift, R.ShiftGradient, (1.0, 2.0), (-0.5, 3.0));
        GradientAssert.Matches(R.ShiftBack, R.ShiftBackGradient, (1.0, 2.0, 3.0), (-0.5, 3.0, 0.25));
        GradientAssert.Matches(R.CopyRange, R.CopyRangeGradient, (1.0, 2.0, 3.0), (-0.5, 3.0, 0.25));
    }

    [Fact]
    public void HelperWithLambdasAndSpanToArray() =>
        GradientAssert.Vector(w => R.SoftmaxOfTail(w, 1), (w, g, s) => R.SoftmaxOfTailGradient(w, 1, g, s), new[] { 0.3, -0.2, 0.5, 1.1 });
}
