using System;
using System.Linq;
using DiffGen.Tests.Programs;
using M = DiffGen.Tests.Programs.MatrixProducts;

namespace DiffGen.Tests;

/// <summary>
/// Loop nests run as blocked matrix products, against central finite differences: several blocks and a
/// partial one, both loop orders, overlapping rows, one array as both operands, offsets, float; the value
/// agrees with the method's own to rounding (the blocked sums add in another order).
/// </summary>
public class MatrixProductTests
{
    private static double[] Random(int length, int seed, double scale = 1.0)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (random.NextDouble() * 2 - 1) * scale).ToArray();
    }

    // Every element of every differentiable array (or a spread sample of a big one) against central differences.
    private static void Check(Func<double> value, Func<double> gradient, double[][] parameters, double[][] gradients, int maxChecksPerArray = 60, double tolerance = 1e-6)
    {
        foreach (var g in gradients)
        {
            Array.Clear(g);
        }

        var expected = value();
        var returned = gradient();
        Assert.True(Math.Abs(returned - expected) <= 1e-12 * Math.Max(1, Math.Abs(expected)), $"gradient method returned {returned:R}, the method {expected:R}");
        for (var a = 0; a < parameters.Length; a++)
        {
            var p = parameters[a];
            var step = Math.Max(1, p.Length / maxChecksPerArray);
            for (var i = 0; i < p.Length; i += step)
            {
                var original = p[i];
                var h = 1e-6 * Math.Max(1, Math.Abs(original));
                p[i] = original + h;
                var plus = value();
                p[i] = original - h;
                var minus = value();
                p[i] = original;
                var fd = (plus - minus) / (2 * h);
                Assert.True(Math.Abs(gradients[a][i] - fd) <= tolerance * Math.Max(1, Math.Abs(fd)),
                    $"array {a}, element {i}: generated {gradients[a][i]:R}, finite difference {fd:R}");
            }
        }
    }

    [Theory]
    [InlineData(600, 5, 7)]   // two full blocks of 256 samples and a partial one
    [InlineData(256, 3, 4)]   // exactly one block
    [InlineData(1, 2, 3)]
    [InlineData(9, 4, 0)]     // no hidden units: no products at all
    [InlineData(9, 0, 3)]     // no inputs: every product is empty
    public void TwoLayerWithDifferentiableInputs(int n, int d, int h)
    {
        var x = Random(n * d, 1);
        var y = Random(n, 2);
        var w1 = Random(h * d, 3, Math.Sqrt(2.0 / Math.Max(1, d)));
        var b1 = Random(h, 4, 0.1);
        var w2 = Random(h, 5);
        var b2 = new[] { 0.05 };
        var (dx, dw1, db1, dw2, db2) = (new double[x.Length], new double[w1.Length], new double[h], new double[h], new double[1]);
        Check(
            () => M.TwoLayer(x, y, n, d, h, w1, b1, w2, b2[0]),
            () => M.TwoLayerGradient(x, y, n, d, h, w1, b1, w2, b2[0], dx, dw1, db1, dw2, ref db2[0]),
            [x, w1, b1, w2, b2], [dx, dw1, db1, dw2, db2]);
    }

    [Fact]
    public void UnitMajorLoopOrder()
    {
        const int n = 300, d = 6, h = 5;
        var x = Random(n * d, 6);
        var w = Random(h * d, 7, 0.5);
        var v = Random(h, 8);
        var (dw, dv) = (new double[w.Length], new double[h]);
        Check(() => M.UnitMajor(x, n, d, h, w, v), () => M.UnitMajorGradient(x, n, d, h, w, v, dw, dv), [w, v], [dw, dv]);
    }

    [Theory]
    [InlineData(40, 3, 5)]
    [InlineData(600, 2, 4)]   // positions in several blocks
    [InlineData(3, 2, 3)]     // a single window
    public void FilterBanksWithOverlappingWindows(int length, int channels, int width)
    {
        var signal = Random(length, 9);
        var filters = Random(channels * width, 10);
        var (dsignal, dfilters) = (new double[length], new double[filters.Length]);
        Check(() => M.FilterBank(signal, filters, channels, width), () => M.FilterBankGradient(signal, filters, channels, width, dsignal, dfilters),
            [signal, filters], [dsignal, dfilters], tolerance: 1e-5);
        Array.Clear(dsignal);
        Array.Clear(dfilters);
        Check(() => M.PositionsFirst(signal, filters, channels, width), () => M.PositionsFirstGradient(signal, filters, channels, width, dsignal, dfilters),
            [signal, filters], [dsignal, dfilters], tolerance: 1e-5);
    }

    [Fact]
    public void GramMatrixOfOneArrayFromAnOffset()
    {
        const int rows = 5, stride = 4;
        var a = Random(rows * stride, 11);
        var da = new double[a.Length];
        Check(() => M.Gram(a, rows, stride, 1), () => M.GramGradient(a, rows, stride, 1, da), [a], [da]);
        Assert.All(Enumerable.Range(0, rows), i => Assert.Equal(0.0, da[i * stride]));   // column 0 is never read
    }

    [Fact]
    public void FloatLayerWithARowOffset()
    {
        const int n = 270, d = 3, h = 4;
        var x = Random(n * d, 12).Select(v => (float)v).ToArray();
        var w = Random(h * (d + 1), 13, 0.7).Select(v => (float)v).ToArray();
        var v = Random(h, 14).Select(v => (float)v).ToArray();
        var parameters = w.Concat(v).ToArray();
        GradientAssertFloat(p => M.FloatLayer(x, n, d, h, p[..w.Length], p[w.Length..]),
            (p, g) => M.FloatLayerGradient(x, n, d, h, p[..w.Length], p[w.Length..], g.AsSpan(0, w.Length), g.AsSpan(w.Length)),
            parameters);
    }

    private static void GradientAssertFloat(Func<float[], float> f, Func<float[], float[], float> g, float[] p)
    {
        var gradient = new float[p.Length];
        var returned = g(p, gradient);
        var expected = f(p);
        Assert.True(Math.Abs(returned - expected) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"gradient method returned {returned:R}, the method {expected:R}");
        for (var i = 0; i < p.Length; i++)
        {
            var h = 5e-3f * Math.Max(1f, Math.Abs(p[i]));
            var (plus, minus) = ((float[])p.Clone(), (float[])p.Clone());
            plus[i] += h;
            minus[i] -= h;
            var fd = ((double)f(plus) - f(minus)) / ((double)plus[i] - minus[i]);
            Assert.True(Math.Abs(gradient[i] - fd) <= 3e-3 * Math.Max(1, Math.Abs(fd)), $"element {i}: generated {gradient[i]:R}, finite difference {fd:R}");
        }
    }

    [Theory]
    [InlineData(3)]    // rows one after another
    [InlineData(-3)]   // rows last first: the negative stride takes the plain loop
    [InlineData(0)]    // every row the same
    public void StridesOfEitherSign(int stride)
    {
        const int n = 7, d = 3;
        var first = stride < 0 ? -stride * (n - 1) : 1;
        var x = Random(first + Math.Max(0, stride) * (n - 1) + d + 1, 20);
        var w = Random(2 * d, 21);
        var (dx, dw) = (new double[x.Length], new double[w.Length]);
        Check(() => M.Strided(x, w, n, d, stride, first), () => M.StridedGradient(x, w, n, d, stride, first, dx, dw), [x, w], [dx, dw]);
    }

    [Fact]
    public void AWideNestTakesFewerRowsPerBlock()
    {
        const int n = 300, m = 5000;   // 5,000 columns: 209 rows per block, so two blocks
        Assert.Equal(209, Kernels.ProductBlockRows(m));
        Assert.Equal(256, Kernels.ProductBlockRows(4096));
        Assert.Equal(1, Kernels.ProductBlockRows(int.MaxValue));
        var q = Random(n + 1, 22);
        var r = Random(m + 1, 23);
        var (dq, dr) = (new double[q.Length], new double[r.Length]);
        Check(() => M.Wide(q, r, n, m), () => M.WideGradient(q, r, n, m, dq, dr), [q, r], [dq, dr], maxChecksPerArray: 12, tolerance: 1e-5);
    }

    /// <summary>
    /// A sample whose input is infinite but whose units are all off contributes nothing to the weights' gradient
    /// (a zero adjoint times ∞ adds nothing, as the scalar loop skips it), not NaN: the blocked pullback keeps strong zeros.
    /// </summary>
    [Fact]
    public void AnInfiniteInputBehindOffUnitsAddsNothing()
    {
        const int n = 300, d = 3, h = 4;
        var x = Random(n * d, 15);
        var y = Random(n, 16);
        var w1 = Random(h * d, 17);
        for (var j = 0; j < h; j++)
        {
            w1[j * d] = -Math.Abs(w1[j * d]) - 0.1;   // a large first input turns every unit off
        }

        var (b1, w2) = (Random(h, 18, 0.1), Random(h, 19));
        double[] Gradient(double firstInput)
        {
            x[7 * d] = firstInput;
            var (dx, dw1, db1, dw2) = (new double[x.Length], new double[w1.Length], new double[h], new double[h]);
            double db2 = 0;
            _ = M.TwoLayerGradient(x, y, n, d, h, w1, b1, w2, 0.05, dx, dw1, db1, dw2, ref db2);
            return dw1;
        }

        var large = Gradient(1e300);
        var infinite = Gradient(double.PositiveInfinity);
        Assert.All(infinite, g => Assert.True(double.IsFinite(g)));
        Assert.Equal(large, infinite);
    }
}
