using System;
using H = DiffGen.Tests.Programs.Helpers;

namespace DiffGen.Tests;

/// <summary>Helpers returning arrays and tuples, output spans, unmarked helpers, arrays made in loops: against central finite differences.</summary>
public class HelperTests
{
    private static double[] Random(int n, int seed, double scale = 1)
    {
        var random = new Random(seed);
        var values = new double[n];
        for (int i = 0; i < n; i++) values[i] = (random.NextDouble() * 2 - 1) * scale;
        return values;
    }

    [Fact]
    public void SoftmaxClassifierWithHelpersReturningArrays()
    {
        int d = 3, classes = 4, n = 5;
        var xs = Random(n * d, 1);
        var labels = new[] { 0, 3, 1, 2, 3 };
        var w = Random(classes * d, 2);
        var b = Random(classes, 3);
        GradientAssert.Vector(v => H.SoftmaxLoss(v, b, xs, labels, d), (v, g, s) => H.SoftmaxLossGradient(v, b, xs, labels, d, g, new double[classes], s), w);
        GradientAssert.Vector(v => H.SoftmaxLoss(w, v, xs, labels, d), (v, g, s) => H.SoftmaxLossGradient(w, v, xs, labels, d, new double[w.Length], g, s), b);
    }

    [Fact]
    public void LayerNormWithATupleHelper()
    {
        var x = Random(6, 4, 2);
        var gamma = Random(6, 5);
        var beta = Random(6, 6);
        GradientAssert.Vector(v => H.LayerNormEnergy(v, gamma, beta), (v, g, s) => H.LayerNormEnergyGradient(v, gamma, beta, g, new double[6], new double[6], s), x);
        GradientAssert.Vector(v => H.LayerNormEnergy(x, v, beta), (v, g, s) => H.LayerNormEnergyGradient(x, v, beta, new double[6], g, new double[6], s), gamma);
        GradientAssert.Vector(v => H.LayerNormEnergy(x, gamma, v), (v, g, s) => H.LayerNormEnergyGradient(x, gamma, v, new double[6], new double[6], g, s), beta);
    }

    [Fact]
    public void RnnWithAVoidHelperAndANewStateEachStep()
    {
        int n = 3;
        var xs = Random(7, 7);
        var targets = Random(7, 8, 0.5);
        var wh = Random(n * n, 9, 0.8);
        var wx = Random(n, 10);
        GradientAssert.Vector(v => H.RnnLoss(v, wx, xs, targets, n), (v, g, s) => H.RnnLossGradient(v, wx, xs, targets, n, g, new double[n], s), wh);
        GradientAssert.Vector(v => H.RnnLoss(wh, v, xs, targets, n), (v, g, s) => H.RnnLossGradient(wh, v, xs, targets, n, new double[n * n], g, s), wx);
    }

    [Fact]
    public void UnmarkedHelpersTuplesParamsAndArraysInExpressions() =>
        GradientAssert.Matches(H.Mixed, H.MixedGradient, (0.7, -0.4), (1.2, 0.3), (-0.5, 2.0));

    [Fact]
    public void ArraysOfChangingLengthPartlyWrittenInEachIteration()
    {
        foreach (var steps in new[] { 0, 1, 2, 5 })
        {
            GradientAssert.Vector(v => H.Ragged(v, steps), (v, g, s) => H.RaggedGradient(v, steps, g, s), Random(4, 11 + steps));
        }
    }

    [Fact]
    public void SlicesOfParametersAndLocalArrays()
    {
        int d = 3, h = 4;
        var xs = Random(4 * d, 12);
        GradientAssert.Vector(v => H.Rows(v, xs, d, h), (v, g, s) => H.RowsGradient(v, xs, d, h, g, s), Random(h * d + 2, 13, 0.6));
    }

    [Fact]
    public void HelperReturningFromItsLoopAndBranches()
    {
        var xs = new[] { 0.3, 1.7, 4.0, 2.6, 12.0, 5.5, 0.9 };
        var knots = new[] { 1.0, 2.0, 3.0 };
        // w moves the points across the knots: each return of the helper is taken at one of these.
        GradientAssert.Matches(w => H.PiecewiseTotal(w, xs, knots), (double w, ref double d, double s) => H.PiecewiseTotalGradient(w, xs, knots, ref d, s), 0.45, 0.8, 1.3, 2.1);
    }

    [Fact]
    public void LinqReductionsSelectZipWhereAggregateAndForeach()
    {
        var x = new[] { 0.5, -1.0, 2.0, 0.25 };
        foreach (var t in new[] { 0.3, 0.55 })
        {
            GradientAssert.Vector(w => H.Linq(w, x, t), (w, g, s) => H.LinqGradient(w, x, t, g, ref Unused, s), new[] { 0.4, -0.3, 1.1, 0.2 });
            GradientAssert.Matches(v => H.Linq(new[] { 0.4, -0.3, 1.1, 0.2 }, x, v), (double v, ref double d, double s) => H.LinqGradient(new[] { 0.4, -0.3, 1.1, 0.2 }, x, v, new double[4], ref d, s), t);
        }
    }

    private static double Unused;

    [Fact]
    public void LocalMatricesWithHelpersGetLengthAndForeach()
    {
        var w = new[] { 0.4, -0.3, 1.1, 0.2, -0.8, 0.5 };
        GradientAssert.Vector(v => H.Matrices(v, 0.7), (v, g, s) => H.MatricesGradient(v, 0.7, g, ref Unused, s), w);
        GradientAssert.Matches(t => H.Matrices(w, t), (double t, ref double d, double s) => H.MatricesGradient(w, t, new double[6], ref d, s), 0.7, -1.2);
    }

    [Fact]
    public void DesignMatrixParameter()
    {
        var x = new double[,] { { 1, 0.5 }, { 1, -1.0 }, { 1, 2.0 }, { 1, 0.0 } };
        var y = new[] { 1.0, 0.2, 3.1, 0.7 };
        GradientAssert.Vector(b => H.LeastSquares(b, x, y), (b, g, s) => H.LeastSquaresGradient(b, x, y, g, s), new[] { 0.3, 0.7 });
    }

    [Fact]
    public void LocalFunctionReturningEarlyAndCountingIntoALocal()
    {
        GradientAssert.Vector(v => H.Clipped(v, 0.8), (v, g, s) => H.ClippedGradient(v, 0.8, g, ref Unused, s), new[] { 0.5, -0.3, 0.6, 0.1, -0.5 });
        GradientAssert.Matches(l => H.Clipped(new[] { 0.5, -0.3, 0.6, 0.1, -0.5 }, l), (double l, ref double d, double s) => H.ClippedGradient(new[] { 0.5, -0.3, 0.6, 0.1, -0.5 }, l, new double[5], ref d, s), 0.8, 1.3);
    }

    [Fact]
    public void DifferentiableWeightMatrix()
    {
        var w = new double[,] { { 0.3, -0.2, 0.5 }, { 0.1, 0.4, -0.6 } };
        var b = new[] { 0.1, -0.1 };
        var x = new double[,] { { 1.0, 0.5, -1.0 }, { -0.3, 0.8, 0.2 } };
        var y = new[] { 0.2, -0.3, 0.5, 0.1 };
        var dw = new double[2, 3];
        var db = new double[2];
        Assert.Equal(H.DenseLayer(w, b, x, y), H.DenseLayerGradient(w, b, x, y, dw, db));
        for (int i = 0; i < 2; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                var old = w[i, j];
                w[i, j] = old + 1e-6;
                var up = H.DenseLayer(w, b, x, y);
                w[i, j] = old - 1e-6;
                var down = H.DenseLayer(w, b, x, y);
                w[i, j] = old;
                Assert.Equal((up - down) / 2e-6, dw[i, j], 1e-7);
            }
        }

        // The output accumulates, as every gradient output does.
        H.DenseLayerGradient(w, b, x, y, dw, db);
        var once = new double[2, 3];
        H.DenseLayerGradient(w, b, x, y, once, new double[2]);
        Assert.Equal(2 * once[1, 2], dw[1, 2], 1e-12);

        var wf = new float[,] { { 0.3f, -0.2f }, { 0.1f, 0.4f } };
        var dwf = new float[2, 2];
        H.DenseLayerFGradient(wf, new[] { 1.0f, 0.5f }, dwf);
        Assert.Equal(MathF.Tanh(0.3f - 0.1f), dwf[1, 0], 1e-6f);
    }
}
