using System;
using A = DiffGen.Tests.Programs.AsWritten;

namespace DiffGen.Tests;

/// <summary>Issue 13's programs as first written, against central finite differences.</summary>
public class AsWrittenTests
{
    [Fact]
    public void IntegerAndBoolArraysAreConstants()
    {
        var logits = new[] { 0.3, -0.2, 0.5, 0.1, 0.7, -0.4, 1.1, 0.2, -0.6 };
        var labels = new[] { 2, 0, 1 };
        var use = new[] { true, false, true };
        GradientAssert.Vector(l => A.CrossEntropy(l, labels, use, 3), (l, d, s) => A.CrossEntropyGradient(l, labels, use, 3, d, s), logits);

        var table = new[] { 0.5, -1.5, 2.0, 0.25 };
        var indices = new[] { 3, 0, 3, 2 };
        var weights = new long[] { 1, 2, 3, 4 };
        GradientAssert.Vector(t => A.Gather(t, indices, weights), (t, d, s) => A.GatherGradient(t, indices, weights, d, s), table);

        var mask = new[] { true, false, true, true };
        GradientAssert.Vector(x => A.MaskedSum(x, mask), (x, d, s) => A.MaskedSumGradient(x, mask, d, s), table);
    }

    [Fact]
    public void StaticReadonlyTablesAndConstants()
    {
        GradientAssert.Matches(A.NormalCdf, A.NormalCdfGradient, -1.3, 0.4, 2.1);

        // The Greeks: delta, strike sensitivity, rho, vega, theta (as −∂/∂T), against finite differences.
        GradientAssert.Vector(
            v => A.CallPrice(v[0], v[1], v[2], v[3], v[4]),
            (v, d, s) => A.CallPriceGradient(v[0], v[1], v[2], v[3], v[4], ref d[0], ref d[1], ref d[2], ref d[3], ref d[4], s),
            new[] { 100.0, 95.0, 0.03, 0.25, 0.75 });
        double delta = 0, dk = 0, rho = 0, vega = 0, dt = 0;
        A.CallPriceGradient(100, 95, 0.03, 0.25, 0.75, ref delta, ref dk, ref rho, ref vega, ref dt);
        Assert.InRange(delta, 0.672, 0.675); // N(d1), d1 = 0.449
    }

    [Fact]
    public void ParamsArray() =>
        GradientAssert.Vector(A.SumOfSquares, (x, d, s) => A.SumOfSquaresGradient(x, d, s), new[] { 0.5, -1.5, 2.0 });

    [Fact]
    public void LocalFunctions()
    {
        var x = new[] { 0.5, -1.0, 1.5, 0.25, -0.75, 2.0 };
        var y = new[] { 1, 0, 1 };
        GradientAssert.Vector(w => A.LogisticLoss(w, x, y, 2), (w, d, s) => A.LogisticLossGradient(w, x, y, 2, d, s), new[] { 0.3, -0.6 });
    }

    [Fact]
    public void TupleSwapAndDeconstruction()
    {
        foreach (var n in new[] { 0, 1, 4 })
        {
            GradientAssert.Matches((a, b) => A.Recurrence(a, b, n), (double a, double b, ref double da, ref double db, double s) => A.RecurrenceGradient(a, b, n, ref da, ref db, s), (0.7, -0.4), (1.2, 0.3));
        }
    }

    [Fact]
    public void ReviewFindings()
    {
        GradientAssert.Matches(A.DeconstructIntoElement, A.DeconstructIntoElementGradient, (0.7, 1.3));
        double dx = 0, dy = 0;
        Assert.Equal(0.7 * 3 + 1.3 + 2, A.DeconstructIntoElementGradient(0.7, 1.3, ref dx, ref dy), 12);
        Assert.Equal((3.0, 1.0), (dx, dy));

        GradientAssert.Matches(A.NestedAndGenericLocalFunctions, A.NestedAndGenericLocalFunctionsGradient, (0.7, 1.3), (-0.4, 0.9));

        dx = 0;
        dy = 0;
        A.RootAtZeroGradient(0, 0, ref dx, ref dy);
        Assert.Equal((1.0, double.PositiveInfinity), (dx, dy));
        GradientAssert.Matches(A.RootAtZero, A.RootAtZeroGradient, (0.7, 1.3), (2.0, -8.0));

        GradientAssert.Matches(A.TablePassedOn, A.TablePassedOnGradient, 0.7, -1.1);
    }

    [Fact]
    public void BuffersFilledAndCopied()
    {
        foreach (var decay in new[] { 0.5, -1.2 })
        {
            GradientAssert.Vector(x => A.Buffers(x, decay), (x, d, s) =>
            {
                double dDecay = 0;
                return A.BuffersGradient(x, decay, d, ref dDecay, s);
            }, new[] { 0.3, -0.2, 0.8 });
            GradientAssert.Matches(dc => A.Buffers(new[] { 0.3, -0.2, 0.8 }, dc), (double dc, ref double ddc, double s) => A.BuffersGradient(new[] { 0.3, -0.2, 0.8 }, dc, new double[3], ref ddc, s), decay);
        }
    }
}
