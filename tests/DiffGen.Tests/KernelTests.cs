using System;

namespace DiffGen.Tests;

/// <summary>The vector kernels of generated dot-product loops against plain loops, every length from 0 to 70.</summary>
public class KernelTests
{
    [Fact]
    public void DotMatchesAPlainLoopWithinRounding()
    {
        var random = new Random(1);
        for (var n = 0; n <= 70; n++)
        {
            var (a, b) = (Random(random, n + 3), Random(random, n + 5));
            double expected = 0;
            float expectedF = 0;
            for (var i = 0; i < n; i++)
            {
                expected += a[i] * b[i];
                expectedF += (float)a[i] * (float)b[i];
            }

            Assert.Equal(expected, Kernels.Dot(a.AsSpan(0, n), b), 1e-13 * (1 + n));
            Assert.Equal(expectedF, Kernels.Dot(Array.ConvertAll(a, v => (float)v).AsSpan(0, n), Array.ConvertAll(b, v => (float)v)), 1e-5f * (1 + n));
        }
    }

    [Fact]
    public void MultiplyAddUpdatesExactlyTheDestinationSlice()
    {
        var random = new Random(2);
        for (var n = 0; n <= 70; n++)
        {
            var x = Random(random, n + 2);
            var y = Random(random, n + 4);
            var expected = (double[])y.Clone();
            for (var i = 0; i < n; i++)
            {
                expected[i + 1] += -0.75 * x[i];
            }

            Kernels.MultiplyAdd(-0.75, x, y.AsSpan(1, n));
            for (var i = 0; i < y.Length; i++)
            {
                Assert.Equal(expected[i], y[i], 1e-15);
            }

            var xf = Array.ConvertAll(x, v => (float)v);
            var yf = Array.ConvertAll(y, v => (float)v);
            var expectedF = (float[])yf.Clone();
            for (var i = 0; i < n; i++)
            {
                expectedF[i] += 1.5f * xf[i];
            }

            Kernels.MultiplyAdd(1.5f, xf, yf.AsSpan(0, n));
            for (var i = 0; i < yf.Length; i++)
            {
                Assert.Equal(expectedF[i], yf[i], 1e-6f);
            }
        }
    }

    [Fact]
    public void SlicesOfDifferentLengthsAreRefused()
    {
        Assert.Throws<ArgumentException>(() => Kernels.Dot(new double[5], new double[4]));
        Assert.Throws<ArgumentException>(() => Kernels.MultiplyAdd(1.0, new double[3], new double[4]));
        Assert.Throws<ArgumentException>(() => Kernels.Dot(new float[9], new float[8]));
    }

    private static double[] Random(Random random, int length)
    {
        var values = new double[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = random.NextDouble() * 2 - 1;
        }

        return values;
    }
}
