using System;
using System.Linq;
using N = DiffGen.Tests.Programs.Nested;

namespace DiffGen.Tests;

/// <summary>
/// A [Differentiable] body that calls a generated <c>…Tangent</c> or <c>…Gradient</c>: its gradient is a second
/// derivative of the callee (through the callee's Hessian-vector product), checked against central differences and,
/// where there is one, the closed form.
/// </summary>
public class NestedDifferentiationTests
{
    private static readonly Random Rng = new(20261202);

    [Fact]
    public void APhysicsInformedLossDifferentiatesThroughTheNetworksTangent()
    {
        var w = Enumerable.Range(0, 25).Select(_ => Rng.NextDouble() - 0.5).ToArray();
        var xs = Enumerable.Range(0, 12).Select(i => -2 + 4.0 * i / 11).ToArray();
        GradientAssert.Vector(p => N.PinnLoss(p, xs), (p, d, s) => N.PinnLossGradient(p, xs, d, s), w, tolerance: 1e-6);
    }

    [Fact]
    public void ForceMatchingHasTheClosedFormDerivative()
    {
        // ∂E/∂x = kx + y cos(xy), ∂E/∂y = 2ky + x cos(xy); so ∂(∂E/∂x)/∂k = x and ∂(∂E/∂y)/∂k = 2y, y = x/2.
        var px = new[] { 0.3, -0.7, 1.2, 0.1 };
        var fx = new[] { -0.5, 0.9, -1.0, 0.2 };
        const double k = 1.7;
        double expectedValue = 0, expected = 0;
        foreach (var (x, f) in px.Zip(fx))
        {
            var y = 0.5 * x;
            var (gx, gy) = (k * x + y * Math.Cos(x * y), 2 * k * y + x * Math.Cos(x * y));
            expectedValue += (-gx - f) * (-gx - f) + 0.1 * gy * gy;
            expected += 2 * (-gx - f) * -x + 0.2 * gy * 2 * y;
        }

        double dk = 0;
        var value = N.ForceLossGradient(k, px, fx, ref dk);
        Assert.Equal(expectedValue, value, 1e-12);
        Assert.Equal(expected, dk, 1e-12);
        GradientAssert.Vector(p => N.ForceLoss(p[0], px, fx), (p, d, s) => N.ForceLossGradient(p[0], px, fx, ref d[0], s), new[] { k });
    }

    [Fact]
    public void AGradientPenaltyDifferentiatesThroughTheCriticsGradient()
    {
        var samples = Enumerable.Range(0, 10).Select(_ => 2 * Rng.NextDouble() - 1).ToArray();
        GradientAssert.Vector(
            p => N.CriticLoss(p[0], p[1], p[2], samples),
            (p, d, s) => N.CriticLossGradient(p[0], p[1], p[2], samples, ref d[0], ref d[1], ref d[2], s),
            new[] { 0.8, -1.3, 0.2 });
    }

    [Fact]
    public void AGradientAccumulatedInALoopWithAVariedSeedAndTangentsIntoLocals()
    {
        var xs = new[] { 0.5, -1.0, 2.0, 0.25 };
        GradientAssert.Vector(
            p => N.Accumulated(p[0], p[1], xs),
            (p, d, s) => N.AccumulatedGradient(p[0], p[1], xs, ref d[0], ref d[1], s),
            new[] { 0.7, 1.3 });
    }

    [Fact]
    public void AFloatMethodThroughAFloatTangent()
    {
        // value + slope² with slope = 3(ab)²·a: f = (ab)³ + 9a⁶b⁴.
        float a = 0.9f, b = -1.1f, da = 0, db = 0;
        Assert.Equal(N.SlopeF(a, b), N.SlopeFGradient(a, b, ref da, ref db));
        da = db = 0;
        N.SlopeFGradient(a, b, ref da, ref db);
        double ad = a, bd = b;
        Assert.Equal(3 * ad * ad * bd * bd * bd + 54 * Math.Pow(ad, 5) * Math.Pow(bd, 4), da, 1e-4);
        Assert.Equal(3 * ad * ad * ad * bd * bd + 36 * Math.Pow(ad, 6) * Math.Pow(bd, 3), db, 1e-4);
    }

    [Fact]
    public void TheCallersOwnTangentSaysWhyItIsNotAvailable()
    {
        var error = Assert.Throws<NotSupportedException>(() => N.ForceLossTangent(1.0, new[] { 0.5 }, new[] { 0.1 }, 1.0, out _));
        Assert.Contains("third derivative", error.Message);
        Assert.Contains("Nested.Energy", error.Message);
    }

    private static readonly double[][] Rows = [[1.0, 0.5, -0.2], [-0.3, 0.8, 0.1], [0.4, -1.0, 2.0]];

    [Fact]
    public void JaggedRowsPassedToACallInALoop()
    {
        var w = new[] { 0.3, -0.5, 0.8 };
        GradientAssert.Vector(p => N.JaggedLoss(p, Rows), (p, d, s) => N.JaggedLossGradient(p, Rows, d, s), w);

        // Its Hessian-vector product passes each row's zero tangent, allocated again by the reverse sweep (a DG0010 once).
        var (v, gradient, product) = (new[] { 0.7, -0.1, 0.4 }, new double[3], new double[3]);
        N.JaggedLossHessianVector(w, Rows, v, gradient, product);
        for (var i = 0; i < 3; i++)
        {
            double At(double t)
            {
                var d = new double[3];
                N.JaggedLossGradient(w.Zip(v, (a, b) => a + t * b).ToArray(), Rows, d);
                return d[i];
            }

            var h = 1e-5;
            Assert.Equal((At(h) - At(-h)) / (2 * h), product[i], 1e-7);
        }
    }

    [Fact]
    public void JaggedRowsAsTangentDirectionsInALoop()
    {
        var x = new[] { 1.0, 2.0, -0.5 };
        GradientAssert.Vector(p => N.RowSensitivity(p, x, Rows), (p, d, s) => N.RowSensitivityGradient(p, x, Rows, d, s), new[] { 0.3, -0.5, 0.8 });
    }
}
