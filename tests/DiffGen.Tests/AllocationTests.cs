using System;
using DiffGen.Tests.Programs;

namespace DiffGen.Tests;

/// <summary>A gradient call of the mission example allocates nothing on the managed heap after warm-up.</summary>
public class AllocationTests
{
    [Fact]
    public void TwoLayerGradientAllocatesNothingAfterWarmUp()
    {
        const int n = 64, d = 8, h = 16;
        var random = new Random(5);
        double[] Fill(int length)
        {
            var a = new double[length];
            for (var i = 0; i < a.Length; i++)
            {
                a[i] = random.NextDouble() - 0.5;
            }

            return a;
        }

        double[] x = Fill(n * d), y = Fill(n), w1 = Fill(h * d), b1 = Fill(h), w2 = Fill(h);
        double[] dw1 = new double[h * d], db1 = new double[h], dw2 = new double[h];
        double db2 = 0;

        for (var i = 0; i < 3; i++)
        {
            TwoLayerNet.LossGradient(x, y, n, d, h, w1, b1, w2, 0.1, dw1, db1, dw2, ref db2);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10; i++)
        {
            TwoLayerNet.LossGradient(x, y, n, d, h, w1, b1, w2, 0.1, dw1, db1, dw2, ref db2);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void ModelGradientsAllocateNothingBeyondTheMethodItself()
    {
        // A model class with an array and a scalar property, and a struct model: nothing at all.
        var linear = new DiffGen.Tests.Programs.Models.LinearModel(3) { Bias = 0.1 };
        linear.W[0] = 0.5;
        var dlinear = new DiffGen.Tests.Programs.Models.LinearModel(3);
        var x = new double[] { 1, 2, 3, 4, 5, 6 };
        var y = new double[] { 1, -1 };
        var market = new DiffGen.Tests.Programs.Models.Market(100, 95, 0.03, 0.25, 0.75);
        var greeks = default(DiffGen.Tests.Programs.Models.Market);
        for (var i = 0; i < 3; i++)
        {
            linear.MeanSquaredErrorGradient(x, y, dlinear);
            DiffGen.Tests.Programs.Models.Pricing.CallGradient(market, ref greeks);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        linear.MeanSquaredErrorGradient(x, y, dlinear);
        DiffGen.Tests.Programs.Models.Pricing.CallGradient(market, ref greeks);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        // The Mlp allocates its activation buffers; its gradient the same ones, nothing more.
        var mlp = new DiffGen.Tests.Programs.Models.Mlp(2, 4, 4, 1);
        var dmlp = new DiffGen.Tests.Programs.Models.Mlp(2, 4, 4, 1);
        var features = new double[] { 0.1, 0.2, 0.3, 0.4 };
        var targets = new double[] { 1, 2 };
        for (var i = 0; i < 3; i++)
        {
            mlp.Loss(features, targets, 2);
            mlp.LossGradient(features, targets, 2, dmlp);
        }

        before = GC.GetAllocatedBytesForCurrentThread();
        mlp.Loss(features, targets, 2);
        var method = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        mlp.LossGradient(features, targets, 2, dmlp);
        Assert.Equal(method, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void SwappingBuffersAllocatesNoMoreThanTheMethodItself()
    {
        var initial = new[] { 0.0, 0.4, 1.0, 0.7, 0.2, 0.0 };
        var d = new double[6];
        double dalpha = 0, ddt = 0, ddx = 0;
        for (var i = 0; i < 3; i++)
        {
            DiffGen.Tests.Programs.EndToEnd.Physics.HeatEquation(initial, 0.8, 0.01, 0.2, 20);
            DiffGen.Tests.Programs.EndToEnd.Physics.HeatEquationGradient(initial, 0.8, 0.01, 0.2, 20, d, ref dalpha, ref ddt, ref ddx);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        DiffGen.Tests.Programs.EndToEnd.Physics.HeatEquation(initial, 0.8, 0.01, 0.2, 20);
        var method = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        DiffGen.Tests.Programs.EndToEnd.Physics.HeatEquationGradient(initial, 0.8, 0.01, 0.2, 20, d, ref dalpha, ref ddt, ref ddx);
        var gradient = GC.GetAllocatedBytesForCurrentThread() - before;

        // The method allocates its two buffers; the gradient the same two (its own storage is pooled), not a copy per swap.
        Assert.True(method > 0);
        Assert.Equal(method, gradient);
    }

    [Fact]
    public void VectorJacobianProductOfAVoidMethodAllocatesNothingAfterWarmUp()
    {
        double[] x = { 0, 0.5, 1, 1.5, 2 }, y = { 1, 1.4, 2, 2.7, 3.9 };
        var r = new double[5];
        var seed = new[] { 1.0, -0.5, 0.25, 2, 1 };
        double dm = 0, dc = 0;
        var state = new double[2];
        var dstart = new double[2];
        double dk = 0, dd = 0;
        for (var i = 0; i < 3; i++)
        {
            DiffGen.Tests.Programs.Vectors.DecayResidualsGradient(0.3, 0.1, x, y, r, ref dm, ref dc, seed);
            DiffGen.Tests.Programs.Vectors.OscillatorEndGradient(2, 0.4, x.AsSpan(0, 2), 0.05, 20, state, ref dk, ref dd, dstart, seed.AsSpan(0, 2));
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10; i++)
        {
            DiffGen.Tests.Programs.Vectors.DecayResidualsGradient(0.3, 0.1, x, y, r, ref dm, ref dc, seed);
            DiffGen.Tests.Programs.Vectors.OscillatorEndGradient(2, 0.4, x.AsSpan(0, 2), 0.05, 20, state, ref dk, ref dd, dstart, seed.AsSpan(0, 2));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        // The Jacobian rents its seeds once per call: nothing per row either.
        var jacobian = new double[5 * 2];
        DiffGen.Tests.Programs.Vectors.DecayResidualsJacobian(0.3, 0.1, x, y, r, jacobian);
        before = GC.GetAllocatedBytesForCurrentThread();
        DiffGen.Tests.Programs.Vectors.DecayResidualsJacobian(0.3, 0.1, x, y, r, jacobian);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
