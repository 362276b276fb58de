using System;
using System.Linq;
using DiffGen.Tests.Programs;

namespace DiffGen.Tests;

/// <summary>
/// [CustomGradient] methods, their hand-written gradients and the [Differentiable] callers that go through
/// them (Programs/CustomGradients.cs), against central finite differences of the value methods.
/// </summary>
public class CustomGradientTests
{
    private static double[] Random(int n, int seed, double scale = 1)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (random.NextDouble() * 2 - 1) * scale).ToArray();
    }

    [Fact]
    public void StableSoftplusInALoopOfALogisticRegression()
    {
        int n = 6, d = 3;
        var x = Random(n * d, 1, 2);
        var y = new double[] { 1, 0, 0, 1, 1, 0 };
        var w = Random(d, 2);
        const double b = 0.3;
        GradientAssert.Vector(v => Stable.LogisticLoss(v, b, x, y, n, d), (v, g, s) =>
        {
            double db = 0;
            return Stable.LogisticLossGradient(v, b, x, y, n, d, g, ref db, s);
        }, w);
        GradientAssert.Matches(
            bias => Stable.LogisticLoss(w, bias, x, y, n, d),
            (double bias, ref double db, double seed) => Stable.LogisticLossGradient(w, bias, x, y, n, d, new double[d], ref db, seed),
            -1.0, 0.3, 2.0);
    }

    [Fact]
    public void StableSoftplusAtLogitsOfEightHundred()
    {
        // Logits of ±800, where exp(800) overflows double: the user's sigmoid is exactly 1 and 0 there.
        var x = new double[] { 1, -1 };
        var y = new double[] { 0, 1 };
        var w = new double[] { 800 };
        var dw = new double[1];
        double db = 0;
        var value = Stable.LogisticLossGradient(w, 0, x, y, 2, 1, dw, ref db);

        Assert.Equal(800, value);                    // (softplus(800) + softplus(-800) + 800) / 2
        Assert.Equal(1, dw[0]);                      // (σ(800)·1 + (σ(−800) − 1)·(−1)) / 2
        Assert.Equal(0, db);                         // (σ(800) + σ(−800) − 1) / 2
    }

    [Fact]
    public void FloatOverloadHasItsOwnGradient() =>
        GradientAssert.Matches(
            (w, b) => Stable.LogisticLoss(w, b, 1.5f, 1f),
            (float w, float b, ref float dw, ref float db, float seed) => Stable.LogisticLossGradient(w, b, 1.5f, 1f, ref dw, ref db, seed),
            (0.5f, -0.2f), (-2f, 1f), (30f, 4f));

    [Fact]
    public void LogSumExpOverAParameterArray()
    {
        var logits = new double[] { 2.0, -1.0, 0.5, 1.5 };
        for (var label = 0; label < logits.Length; label++)
        {
            var l = label;
            GradientAssert.Vector(v => Stable.SoftmaxCrossEntropy(v, l), (v, g, s) => Stable.SoftmaxCrossEntropyGradient(v, l, g, s), logits);
        }

        // Large logits: no overflow, and the gradient is softmax − one-hot.
        var large = new double[] { 1000, 1001, 999 };
        var grad = new double[3];
        Stable.SoftmaxCrossEntropyGradient(large, 1, grad);
        var softmax = large.Select(v => Math.Exp(v - 1001)).ToArray();
        var sum = softmax.Sum();
        Assert.Equal(softmax[0] / sum, grad[0], 1e-12); // exp(x − value): value is near 1001, to an ulp of that
        Assert.Equal(softmax[1] / sum - 1, grad[1], 1e-12);
        Assert.Equal(softmax[2] / sum, grad[2], 1e-12);
    }

    [Fact]
    public void LogSumExpOverALocalArrayOfLogits()
    {
        int d = 3, classes = 4;
        var x = Random(d, 3);
        var w = Random(classes * d, 4);
        GradientAssert.Vector(v => Stable.ClassifierLoss(v, x, 2, classes), (v, g, s) => Stable.ClassifierLossGradient(v, x, 2, classes, g, s), w);
    }

    [Fact]
    public void NormOfALocalArrayAndOfAParameter()
    {
        var a = new double[] { 0.3, -1.2, 2.0 };
        var b = new double[] { 1.0, 0.5, -0.25 };
        GradientAssert.Vector(v => Stable.Distance(v, b), (v, g, s) => Stable.DistanceGradient(v, b, g, s), a);

        // At the origin the body's derivative would be 0/0; the user's subgradient is 0, and only the
        // 0.1‖a‖ term contributes: 0.1 · a/‖a‖.
        var grad = new double[3];
        Stable.DistanceGradient(b, b, grad);
        var norm = Math.Sqrt(b.Sum(v => v * v));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(0.1 * b[i] / norm, grad[i], 1e-15);
        }
    }

    [Fact]
    public void NormalCdfCallersGetTheUsersDensityExactly()
    {
        // ∂Φ(a·x + c)/∂a = x·φ(a·x + c) and ∂/∂c = φ(a·x + c), bit for bit: the caller multiplies the user's
        // φ by the local derivatives and nothing else.
        foreach (var (a, c, x) in new[] { (0.7, -0.2, 1.5), (-1.3, 0.4, 2.0), (2.0, 1.0, -0.5) })
        {
            double da = 0, dc = 0;
            var value = Normal.ProbitGradient(a, c, x, ref da, ref dc);
            Assert.Equal(Normal.Cdf(a * x + c), value);
            Assert.Equal(x * Normal.Pdf(a * x + c), da);
            Assert.Equal(Normal.Pdf(a * x + c), dc);
        }
    }

    [Fact]
    public void NormalCdfAgainstFiniteDifferencesOfThePolynomial()
    {
        // φ is the derivative of Φ, not of its approximation, whose error is below 7.5e-8: finite
        // differences of the polynomial agree with φ to about 1e-6, hence the loose tolerance.
        foreach (var x in new[] { -3.0, -1.2, -0.3, 0.4, 1.0, 2.5 })
        {
            double dx = 0;
            Normal.CdfGradient(x, ref dx);
            var h = 1e-4;
            var fd = (Normal.Cdf(x + h) - Normal.Cdf(x - h)) / (2 * h);
            Assert.True(Math.Abs(dx - fd) < 1e-5, $"x = {x}: φ {dx:R}, finite difference {fd:R}");
        }
    }

    [Fact]
    public void BlackScholesGreeksThroughTheCustomCdf()
    {
        double[] point = { 100, 95, 0.03, 0.25, 1.5 }; // spot, strike, rate, volatility, maturity
        var grad = new double[5];
        var price = Normal.CallPriceGradient(point[0], point[1], point[2], point[3], point[4], ref grad[0], ref grad[1], ref grad[2], ref grad[3], ref grad[4]);
        Assert.Equal(Normal.CallPrice(point[0], point[1], point[2], point[3], point[4]), price);

        double Price(double[] p) => Normal.CallPrice(p[0], p[1], p[2], p[3], p[4]);
        for (var i = 0; i < point.Length; i++)
        {
            var h = 1e-4 * Math.Max(1, Math.Abs(point[i]));
            var plus = (double[])point.Clone();
            var minus = (double[])point.Clone();
            plus[i] += h;
            minus[i] -= h;
            var fd = (Price(plus) - Price(minus)) / (2 * h);
            Assert.True(Math.Abs(grad[i] - fd) <= 1e-4 * Math.Max(1, Math.Abs(fd)), $"greek {i}: {grad[i]:R}, finite difference {fd:R}");
        }

        // Delta of a call is Φ(d1) in closed form (the φ terms cancel, S·φ(d1) = K·e^(−rT)·φ(d2)): with the
        // user's exact φ the chain rule gives Cdf(d1) to rounding.
        var root = Math.Sqrt(point[4]);
        var d1 = (Math.Log(point[0] / point[1]) + (point[2] + 0.5 * point[3] * point[3]) * point[4]) / (point[3] * root);
        Assert.Equal(Normal.Cdf(d1), grad[0], 1e-12);
    }

    [Fact]
    public void TableLookupWithAGotoThroughItsHandWrittenSlope()
    {
        // Points inside segments (the curve has kinks at its tenors).
        GradientAssert.Matches(Curve.ForwardRate, Curve.ForwardRateGradient, (0.7, 1.6), (1.5, 4.0), (3.0, 12.0));

        var times = new[] { 0.5, 1.0, 1.5, 2.0, 2.5, 3.0 };
        var flows = new[] { 2.5, 2.5, 2.5, 2.5, 2.5, 102.5 };
        GradientAssert.Matches(
            (spread, delay) => Curve.BondPrice(spread, delay, times, flows),
            (double spread, double delay, ref double dspread, ref double ddelay, double seed) => Curve.BondPriceGradient(spread, delay, times, flows, ref dspread, ref ddelay, seed),
            (0.01, 0.1), (-0.005, 0.2), (0.02, 0.35));
    }

    [Fact]
    public void GradientCheckVerifiesAUsersCustomGradient()
    {
        var parameters = new ParameterSet<double>();
        var x = parameters.Add("x", 5);
        new[] { 0.5, -2.0, 3.0, 1.0, -0.25 }.CopyTo(x.Values, 0);

        // The custom gradient itself ...
        var own = GradientCheck.Run(parameters, () => Stable.LogSumExp(x.Values), () => Stable.LogSumExpGradient(x.Values, x.Gradients));
        Assert.True(own.WorstError() < 1e-7, $"worst {own.WorstError()}");

        // ... and a [Differentiable] caller's gradient through it.
        var parameters2 = new ParameterSet<double>();
        var w = parameters2.Add("w", 3);
        var b = parameters2.Add("b", 1);
        Random(3, 5).CopyTo(w.Values, 0);
        var data = Random(12, 6, 2);
        var labels = new double[] { 1, 0, 1, 1 };
        var results = GradientCheck.Run(
            parameters2,
            () => Stable.LogisticLoss(w.Values, b.Values[0], data, labels, 4, 3),
            () => Stable.LogisticLossGradient(w.Values, b.Values[0], data, labels, 4, 3, w.Gradients, ref b.Gradients[0]));
        Assert.Equal(new[] { "w", "b" }, results.Select(r => r.Name));
        Assert.True(results.WorstError() < 1e-7, $"worst {results.WorstError()}");
    }

    [Fact]
    public void GradientCheckCatchesAWrongCustomGradient()
    {
        var parameters = new ParameterSet<double>();
        var w = parameters.Add("w", 3);
        new[] { 0.0, 1.5, -2.0 }.CopyTo(w.Values, 0);
        var x = new[] { 1.0, 1.0, 1.0 };

        var results = GradientCheck.Run(parameters, () => Mistaken.Loss(w.Values, x), () => Mistaken.LossGradient(w.Values, x, w.Gradients));
        var result = Assert.Single(results);

        // The forgotten term x·σ(x)(1 − σ(x)) vanishes at 0 and is largest near ±1.5: the worst element is 1 or 2.
        Assert.True(result.RelativeError > 0.1, $"worst {result.RelativeError}");
        Assert.Contains(result.Index, new[] { 1, 2 });
        double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
        Assert.Equal(Sigmoid(w.Values[result.Index]), result.Analytic, 1e-15);
    }
}
