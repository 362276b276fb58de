using System;
using System.Linq;
using DiffGen.Tests.Programs;
using M = DiffGen.Tests.Programs.MatrixProducts;
using V = DiffGen.Tests.Programs.VectorLoops;

namespace DiffGen.Tests;

/// <summary>
/// Loops run a vector of iterations at a time (Vector256 lanes, then the rest one at a time): trip counts below, at and
/// past one and two vectors, in double and float, against central differences, closed forms and the double program;
/// a ReLU unit that is off adds exactly nothing to its gradients even when the incoming adjoint is infinite.
/// </summary>
public class VectorLoopTests
{
    private static double[] Random(int length, int seed, double scale = 1.0)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (random.NextDouble() * 2 - 1) * scale).ToArray();
    }

    // Every element of every parameter array: the generated gradient against central differences of f, which takes the
    // arrays in the same order (a scalar parameter as an array of one).
    private static void AgainstCentralDifferences(double[][] parameters, double[][] gradients, Func<double[][], double> f, string label)
    {
        for (var p = 0; p < parameters.Length; p++)
        {
            for (var i = 0; i < parameters[p].Length; i++)
            {
                var at = p;
                var fd = GradientAssert.CentralDifference(perturbed =>
                {
                    var ps = (double[][])parameters.Clone();
                    ps[at] = perturbed;
                    return f(ps);
                }, parameters[p], i);
                Assert.True(Math.Abs(gradients[p][i] - fd) <= 1e-6 * Math.Max(1, Math.Abs(fd)), $"{label}, parameter {p}, element {i}: generated {gradients[p][i]:R}, central difference {fd:R}");
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(17)]
    public void TwoLayerPerUnitLoopAgainstCentralDifferences(int h)
    {
        const int n = 7, d = 3;
        var x = Random(n * d, 1);
        var y = Random(n, 2);
        var w1 = Random(h * d, 3, 0.8);
        var b1 = Random(h, 4, 0.3);
        var w2 = Random(h, 5);
        double[] b2 = [0.05];
        var (dx, dw1, db1, dw2, db2) = (new double[x.Length], new double[w1.Length], new double[h], new double[h], new double[1]);
        var value = M.TwoLayer(x, y, n, d, h, w1, b1, w2, b2[0]);
        var returned = M.TwoLayerGradient(x, y, n, d, h, w1, b1, w2, b2[0], dx, dw1, db1, dw2, ref db2[0]);
        Assert.True(Math.Abs(returned - value) <= 1e-13 * Math.Max(1, Math.Abs(value)), $"gradient method returned {returned:R}, the method {value:R}");
        AgainstCentralDifferences([x, w1, b1, w2, b2], [dx, dw1, db1, dw2, db2], ps => M.TwoLayer(ps[0], y, n, d, h, ps[1], ps[2], ps[3], ps[4][0]), $"h = {h}");
    }

    // The float program's gradient against the double program's at the same (float) point: eight lanes, tails of 0 to 7.
    [Theory]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(16)]
    [InlineData(19)]
    public void TwoLayerFloatAgainstDouble(int h)
    {
        const int n = 5, d = 4;
        float[] F(double[] a) => a.Select(v => (float)v).ToArray();
        double[] D(float[] a) => a.Select(v => (double)v).ToArray();
        var (x, y, w1, b1, w2) = (F(Random(n * d, 11)), F(Random(n, 12)), F(Random(h * d, 13, 0.7)), F(Random(h, 14, 0.3)), F(Random(h, 15)));
        const float b2 = 0.1f;
        var (dw1, db1, dw2) = (new float[w1.Length], new float[h], new float[h]);
        float db2 = 0;
        var value = VectorLoops.TwoLayerFloatGradient(x, y, n, d, h, w1, b1, w2, b2, dw1, db1, dw2, ref db2);

        var (ew1, eb1, ew2) = (new double[w1.Length], new double[h], new double[h]);
        double eb2 = 0;
        var expected = M.TwoLayerGradient(D(x), D(y), n, d, h, D(w1), D(b1), D(w2), b2, new double[n * d], ew1, eb1, ew2, ref eb2);
        Assert.Equal(expected, value, 4);
        foreach (var (got, want) in new[] { (D(dw1), ew1), (D(db1), eb1), (D(dw2), ew2), ([db2], [eb2]) })
        {
            for (var i = 0; i < want.Length; i++)
            {
                Assert.True(Math.Abs(got[i] - want[i]) <= 1e-4 * Math.Max(1, Math.Abs(want[i])), $"h = {h}, element {i}: float {got[i]:R}, double {want[i]:R}");
            }
        }
    }

    // ∂/∂a = −2/n Σ r·t, ∂/∂b = −2/n Σ r: a and b are read by every iteration, so their adjoints gather per lane.
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(19)]
    [InlineData(1000)]
    public void LineFitAgainstClosedForm(int n)
    {
        var t = Random(n, 21, 3);
        var y = t.Select((v, j) => 0.7 * v - 0.2 + 0.01 * Math.Sin(j)).ToArray();
        const double a = 0.5, b = 0.1;
        double da = 0, db = 0;
        var value = V.LineFitGradient(a, b, t, y, ref da, ref db);
        var residuals = t.Select((v, j) => y[j] - (a * v + b)).ToArray();
        Assert.Equal(residuals.Sum(r => r * r) / n, value, 12);
        Assert.Equal(-2.0 / n * residuals.Select((r, j) => r * t[j]).Sum(), da, 12);
        Assert.Equal(-2.0 / n * residuals.Sum(), db, 12);
    }

    // A loop written with <=: from lo to hi included, across trip counts below, at and past one and two vectors.
    [Theory]
    [InlineData(0, 0)]
    [InlineData(0, 3)]
    [InlineData(0, 7)]
    [InlineData(2, 10)]
    [InlineData(3, 21)]
    [InlineData(5, 4)]
    public void AnInclusiveBoundAgainstClosedForm(int lo, int hi)
    {
        var t = Random(24, 22, 3);
        var y = t.Select((v, j) => 0.7 * v - 0.2 + 0.01 * Math.Cos(j)).ToArray();
        const double a = 0.5, b = 0.1;
        double da = 0, db = 0;
        var value = V.LineFitInclusiveGradient(a, b, t, y, lo, hi, ref da, ref db);
        var used = Enumerable.Range(lo, Math.Max(0, hi - lo + 1)).ToArray();
        var residuals = used.Select(j => (j, r: y[j] - (a * t[j] + b))).ToArray();
        Assert.Equal(residuals.Sum(e => e.r * e.r), value, 12);
        Assert.Equal(-2.0 * residuals.Sum(e => e.r * t[e.j]), da, 12);
        Assert.Equal(-2.0 * residuals.Sum(e => e.r), db, 12);
    }

    // ∂/∂w[j] = 2·relu(z)·input, ∂/∂b[j] = 2·relu(z), ∂/∂input = Σ 2·relu(z)·w[j], for j up to the last unit included.
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(9)]
    [InlineData(13)]
    public void UnitsUpToTheLastIncludedAgainstClosedForm(int h)
    {
        var w = Random(h, 23);
        var b = Random(h, 24, 0.5);
        const double input = 0.8;
        var (dw, db) = (new double[h], new double[h]);
        double dinput = 0;
        var value = V.ReluLayerToLastGradient(w, b, input, dw, db, ref dinput);
        var relu = w.Select((v, j) => Math.Max(0, input * v + b[j])).ToArray();
        Assert.Equal(relu.Sum(r => r * r), value, 12);
        for (var j = 0; j < h; j++)
        {
            Assert.Equal(2 * relu[j] * input, dw[j], 12);
            Assert.Equal(2 * relu[j], db[j], 12);
        }

        Assert.Equal(relu.Select((r, j) => 2 * r * w[j]).Sum(), dinput, 12);
    }

    // Units 0, 2, 5 and 8 are off (z < 0), unit 7 sits at z = 0 (its ReLU's derivative is ½ there): with the incoming
    // adjoint +∞ an off unit's gradients stay exactly 0, as in the gated scalar loop, where 0 · ∞ would give NaN.
    [Fact]
    public void OffUnitsAddNothingUnderAnInfiniteAdjoint()
    {
        double[] a = [1, 1, 1, 1, 1, 1, 1, 1, 1];
        double[] w = [-1, 2, -3, 0.5, 1, -2, 3, 0, -0.25];
        double[] b = [0, 0, 0.5, 0, 0, 0.5, 0, 0, 0];
        var (dw, db) = (new double[9], new double[9]);
        V.ReluLayerGradient(w, b, a, dw, db, double.PositiveInfinity);
        foreach (var off in new[] { 0, 2, 5, 8 })
        {
            Assert.Equal(0.0, dw[off]);
            Assert.Equal(0.0, db[off]);
        }

        foreach (var on in new[] { 1, 3, 4, 6, 7 })
        {
            Assert.Equal(double.PositiveInfinity, dw[on]);
            Assert.Equal(double.PositiveInfinity, db[on]);
        }

        // With a finite adjoint: 3·a on the units that are on, 1.5·a at the tie, 0 off.
        Array.Clear(dw);
        Array.Clear(db);
        V.ReluLayerGradient(w, b, a, dw, db);
        Assert.Equal(new[] { 0, 3, 0, 3, 3, 0, 3, 1.5, 0 }, dw);
        Assert.Equal(new[] { 0, 3, 0, 3, 3, 0, 3, 1.5, 0 }, db);
    }

    // XOR's network at widths below, at and past a vector: its reverse over units runs lanes (forward scalar, Exp),
    // loading and adding w1 two elements apart. Against central differences and against the same backprop by hand.
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(11)]
    public void SigmoidLayerAgainstCentralDifferencesAndBackprop(int h)
    {
        const int n = 6;
        var x = Random(2 * n, 31);
        var y = Enumerable.Range(0, n).Select(s => (double)(s % 2)).ToArray();
        var (w1, b1, w2) = (Random(2 * h, 32), Random(h, 33, 0.3), Random(h, 34));
        double[] b2 = [-0.1];
        var (dw1, db1, dw2, db2) = (new double[2 * h], new double[h], new double[h], new double[1]);
        var value = V.SigmoidLayerGradient(w1, b1, w2, b2[0], x, y, n, h, dw1, db1, dw2, ref db2[0]);
        Assert.Equal(V.SigmoidLayer(w1, b1, w2, b2[0], x, y, n, h), value);

        // Backprop by hand, per sample, as XorBenchmarks writes it.
        var (ew1, eb1, ew2) = (new double[2 * h], new double[h], new double[h]);
        double eb2 = 0;
        var hidden = new double[h];
        for (var s = 0; s < n; s++)
        {
            var o = b2[0];
            for (var j = 0; j < h; j++)
            {
                hidden[j] = 1 / (1 + Math.Exp(-(b1[j] + w1[2 * j] * x[2 * s] + w1[2 * j + 1] * x[2 * s + 1])));
                o += w2[j] * hidden[j];
            }

            var p = 1 / (1 + Math.Exp(-o));
            var dOutput = -(y[s] / (p + 1e-8) - (1 - y[s]) / (1 - p + 1e-8)) / n * p * (1 - p);
            eb2 += dOutput;
            for (var j = 0; j < h; j++)
            {
                ew2[j] += dOutput * hidden[j];
                var dz = dOutput * w2[j] * hidden[j] * (1 - hidden[j]);
                eb1[j] += dz;
                ew1[2 * j] += dz * x[2 * s];
                ew1[2 * j + 1] += dz * x[2 * s + 1];
            }
        }

        double[][] gradients = [dw1, db1, dw2, db2], byHand = [ew1, eb1, ew2, [eb2]];
        AgainstCentralDifferences([w1, b1, w2, b2], gradients, ps => V.SigmoidLayer(ps[0], ps[1], ps[2], ps[3][0], x, y, n, h), $"h = {h}");
        for (var q = 0; q < gradients.Length; q++)
        {
            for (var i = 0; i < gradients[q].Length; i++)
            {
                Assert.True(Math.Abs(gradients[q][i] - byHand[q][i]) <= 1e-12, $"h = {h}, parameter {q}, element {i}: generated {gradients[q][i]:R}, by hand {byHand[q][i]:R}");
            }
        }
    }

    // Weights three apart in float (eight lanes, tails of 0 to 7) against the double program at the same float point.
    [Theory]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(16)]
    [InlineData(23)]
    public void TanhLayerFloatAgainstDouble(int h)
    {
        float[] F(double[] a) => a.Select(v => (float)v).ToArray();
        double[] D(float[] a) => a.Select(v => (double)v).ToArray();
        var (w, b, v, x) = (F(Random(3 * h, 41, 0.6)), F(Random(h, 42, 0.3)), F(Random(h, 43)), F(Random(3, 44)));
        var (dw, db, dv) = (new float[w.Length], new float[h], new float[h]);
        var value = V.TanhLayerFloatGradient(w, b, v, x, h, dw, db, dv);
        var (ew, eb, ev) = (new double[w.Length], new double[h], new double[h]);
        var expected = V.TanhLayerGradient(D(w), D(b), D(v), D(x), h, ew, eb, ev);
        Assert.True(Math.Abs(value - expected) <= 1e-4 * Math.Max(1, Math.Abs(expected)), $"value: float {value:R}, double {expected:R}");
        foreach (var (got, want) in new[] { (D(dw), ew), (D(db), eb), (D(dv), ev) })
        {
            for (var i = 0; i < want.Length; i++)
            {
                Assert.True(Math.Abs(got[i] - want[i]) <= 1e-4 * Math.Max(1, Math.Abs(want[i])), $"h = {h}, element {i}: float {got[i]:R}, double {want[i]:R}");
            }
        }

        // And the double program's gradient against central differences.
        AgainstCentralDifferences([D(w), D(b), D(v)], [ew, eb, ev], ps => V.TanhLayer(ps[0], ps[1], ps[2], D(x), h), $"h = {h}");
    }

    // ∂/∂a = Σ (e^η − y), ∂/∂b = Σ (e^η − y)·t: the Poisson regression's score, a and b gathered per lane.
    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(10)]
    [InlineData(257)]
    public void PoissonLikelihoodAgainstItsScore(int n)
    {
        var t = Random(n, 51, 2);
        var counts = t.Select((v, i) => (double)((i * 7 + 3) % 5)).ToArray();
        const double a = 0.3, b = -0.4;
        double da = 0, db = 0;
        var value = V.PoissonLikelihoodGradient(a, b, t, counts, ref da, ref db);
        var rates = t.Select(v => Math.Exp(a + b * v)).ToArray();
        Assert.Equal(rates.Select((r, i) => r - counts[i] * (a + b * t[i])).Sum(), value, 10);
        Assert.Equal(rates.Select((r, i) => r - counts[i]).Sum(), da, 10);
        Assert.Equal(rates.Select((r, i) => (r - counts[i]) * t[i]).Sum(), db, 10);
    }

    // Units 0, 3 and 6 are off: with the incoming adjoint +∞ their weights (two apart) and bias stay exactly 0.
    [Fact]
    public void StridedOffUnitsAddNothingUnderAnInfiniteAdjoint()
    {
        double[] w = [-1, -1, 1, 0.5, 0.2, 0.1, -2, 0.5, 1, 1, 0.3, -0.1, -0.5, -0.5, 1, 1, 2, -1];
        double[] b = [0, 0.1, 0.2, 0, 0.3, 0.1, 0, 0.2, 0.4];
        var v = Random(9, 61, 0.5);
        const double x0 = 1, x1 = 0.5;
        var (dw, db, dv) = (new double[18], new double[9], new double[9]);
        double dx0 = 0, dx1 = 0;
        V.GatedSoftScaledLayerGradient(w, b, v, x0, x1, dw, db, dv, ref dx0, ref dx1, double.PositiveInfinity);
        var off = Enumerable.Range(0, 9).Where(j => w[2 * j] * x0 + w[2 * j + 1] * x1 + b[j] < 0).ToArray();
        Assert.Equal(new[] { 0, 3, 6 }, off);
        foreach (var j in off)
        {
            Assert.Equal(0.0, dw[2 * j]);
            Assert.Equal(0.0, dw[2 * j + 1]);
            Assert.Equal(0.0, db[j]);
            Assert.Equal(0.0, dv[j]);
        }

        // With a finite adjoint, exactly: ∂/∂w[2j] = x0·e^v[j], ∂/∂w[2j+1] = x1·e^v[j], ∂/∂b[j] = e^v[j] on the units that are on.
        (dw, db, dv) = (new double[18], new double[9], new double[9]);
        (dx0, dx1) = (0, 0);
        V.GatedSoftScaledLayerGradient(w, b, v, x0, x1, dw, db, dv, ref dx0, ref dx1);
        for (var j = 0; j < 9; j++)
        {
            var on = !off.Contains(j);
            var z = w[2 * j] * x0 + w[2 * j + 1] * x1 + b[j];
            Assert.Equal(on ? x0 * Math.Exp(v[j]) : 0, dw[2 * j], 14);
            Assert.Equal(on ? x1 * Math.Exp(v[j]) : 0, dw[2 * j + 1], 14);
            Assert.Equal(on ? Math.Exp(v[j]) : 0, db[j], 14);
            Assert.Equal(Math.Max(0, z) * Math.Exp(v[j]), dv[j], 14);
        }
    }

    // ∂/∂w[k] = mean((σ(z) − y)·x_k), ∂/∂b = mean(σ(z) − y): w[0] and w[1] are gathered per lane like b.
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(9)]
    [InlineData(101)]
    public void LogisticRegressionAgainstItsScore(int n)
    {
        var x = Random(2 * n, 71, 2);
        var y = Enumerable.Range(0, n).Select(i => (double)(i * 5 % 3 == 0 ? 1 : 0)).ToArray();
        double[] w = [0.7, -0.4];
        const double b = 0.2;
        var dw = new double[2];
        double db = 0;
        var value = V.LogisticRegressionGradient(w, b, x, y, dw, ref db);
        Assert.Equal(V.LogisticRegression(w, b, x, y), value);
        var residuals = Enumerable.Range(0, n).Select(i => 1 / (1 + Math.Exp(-(w[0] * x[2 * i] + w[1] * x[2 * i + 1] + b))) - y[i]).ToArray();
        Assert.Equal(residuals.Select((r, i) => r * x[2 * i]).Sum() / n, dw[0], 12);
        Assert.Equal(residuals.Select((r, i) => r * x[2 * i + 1]).Sum() / n, dw[1], 12);
        Assert.Equal(residuals.Sum() / n, db, 12);
    }

    // ∂/∂cash[t−1] = e^(−r·t·dt), ∂/∂r = −Σ t·dt·cash·e^(−r·t·dt), ∂/∂dt = −Σ r·t·cash·e^(−r·t·dt), t counted by the loop.
    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(11)]
    [InlineData(360)]
    public void DiscountedCashFlowsAgainstClosedForm(int n)
    {
        var cash = Random(n, 72, 5).Select(c => c + 10).ToArray();
        const double r = 0.04, dt = 1.0 / 12;
        var dcash = new double[n];
        double dr = 0, ddt = 0;
        var value = V.DiscountedCashFlowsGradient(r, dt, cash, ref dr, ref ddt, dcash);
        var discounts = Enumerable.Range(1, n).Select(t => Math.Exp(-r * t * dt)).ToArray();
        Assert.Equal(cash.Select((c, i) => c * discounts[i]).Sum(), value, 10);
        Assert.Equal(discounts, dcash);
        Assert.Equal(-cash.Select((c, i) => (i + 1) * dt * c * discounts[i]).Sum(), dr, 9);
        Assert.Equal(-cash.Select((c, i) => r * (i + 1) * c * discounts[i]).Sum(), ddt, 9);

        // In float, eight counters a vector, against the double program at the same point.
        var cashF = cash.Select(c => (float)c).ToArray();
        var dcashF = new float[n];
        float drF = 0, ddtF = 0;
        V.DiscountedCashFlowsFloatGradient((float)r, (float)dt, cashF, ref drF, ref ddtF, dcashF);
        Array.Clear(dcash);
        (dr, ddt) = (0, 0);
        V.DiscountedCashFlowsGradient((float)r, (float)dt, cashF.Select(c => (double)c).ToArray(), ref dr, ref ddt, dcash);
        Assert.True(Math.Abs(drF - dr) <= 1e-4 * Math.Max(1, Math.Abs(dr)), $"float {drF:R}, double {dr:R}");
        Assert.True(Math.Abs(ddtF - ddt) <= 1e-4 * Math.Max(1, Math.Abs(ddt)), $"float {ddtF:R}, double {ddt:R}");
        for (var i = 0; i < n; i++)
        {
            Assert.True(Math.Abs(dcashF[i] - dcash[i]) <= 1e-5, $"cash {i}: float {dcashF[i]:R}, double {dcash[i]:R}");
        }
    }
}
