using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Threading;
using MatrixKernel = DiffGen.Kernels.MatrixKernel;

namespace DiffGen.Tests;

/// <summary>
/// <see cref="Kernels.MatrixMultiplyAdd(int, int, int, ReadOnlySpan{double}, int, int, ReadOnlySpan{double}, int, int, Span{double}, int, int, bool)"/>
/// against a plain triple loop: sizes around the micro-tile (12×16 on AVX-512, 6×8 on AVX2) and the
/// blocks (384 steps of p, 144 rows, 1024 columns), every stride layout, both element types, every
/// micro-kernel this machine runs (which must agree to the bit), the argument checks, the strong-zero
/// convention, determinism across threads and no allocation after warm-up.
/// </summary>
public class KernelMatrixTests
{
    // A size list that crosses every edge: 0 and 1, the tile's rows and columns (4, 8, 12 rows are
    // the row kernels' bounds; 16 and 32 the tile widths for double and float), the depth block (384:
    // 385 splits into two blocks of 193), the row block (144) and the column block (1024); operands
    // spanning more than 512 KiB (copied, unless the other one is a single panel: the last two).
    private static readonly (int M, int N, int K)[] Sizes =
    [
        (0, 5, 5), (5, 0, 5), (5, 5, 0), (1, 1, 1), (1, 17, 3), (13, 1, 7), (2, 3, 1), (4, 16, 2),
        (5, 15, 3), (8, 33, 4), (9, 31, 6), (11, 15, 2), (12, 16, 9), (13, 17, 10), (24, 32, 383),
        (25, 48, 384), (23, 47, 385), (7, 9, 800), (143, 31, 9), (144, 16, 12), (145, 47, 20),
        (289, 18, 3), (3, 1025, 2), (2, 2049, 3), (300, 257, 129), (700, 20, 100), (1500, 5, 120),
        (5, 200, 400), (200, 7, 400),
    ];

    private static readonly MatrixKernel[] OtherKernels = [MatrixKernel.Vector512, MatrixKernel.Vector256, MatrixKernel.Scalar];

    [Fact]
    public void DoubleMatchesATripleLoopInEveryLayout() => MatchesATripleLoop<double>(seed: 1);

    [Fact]
    public void FloatMatchesATripleLoopInEveryLayout() => MatchesATripleLoop<float>(seed: 2);

    [Fact]
    public void RandomSizesMatchATripleLoop()
    {
        var random = new Random(3);
        for (var trial = 0; trial < 60; trial++)
        {
            var (m, n, k) = (random.Next(0, 60), random.Next(0, 70), random.Next(0, 50));
            var layout = Layout.Random(random, m, n, k);
            Check<double>(m, n, k, layout, random, strongZeros: false);
            Check<float>(m, n, k, layout, random, strongZeros: false);
        }
    }

    [Fact]
    public void StrongZerosSkipZeroTimesInfinityAndNaN()
    {
        var random = new Random(4);
        foreach (var (m, n, k) in new[] { (1, 1, 1), (5, 7, 3), (13, 17, 9), (30, 40, 800), (150, 33, 50) })
        {
            foreach (var layout in Layout.Some(m, n, k))
            {
                Check<double>(m, n, k, layout, random, strongZeros: true, nonFinite: true);
                Check<float>(m, n, k, layout, random, strongZeros: true, nonFinite: true);
            }
        }
    }

    [Fact]
    public void WithoutStrongZerosZeroTimesInfinityIsNaN()
    {
        var random = new Random(5);
        foreach (var (m, n, k) in new[] { (1, 1, 1), (13, 17, 9), (30, 40, 800) })
        {
            foreach (var layout in Layout.Some(m, n, k))
            {
                Check<double>(m, n, k, layout, random, strongZeros: false, nonFinite: true);
                Check<float>(m, n, k, layout, random, strongZeros: false, nonFinite: true);
            }
        }

        // The plainest case, spelled out: 0·∞ is NaN by IEEE, nothing under strong zeros.
        double[] a = [0, 1], b = [double.PositiveInfinity, 2], c = [10];
        Kernels.MatrixMultiplyAdd(1, 1, 2, a, 2, 1, b, 1, 1, c, 1, 1);
        Assert.True(double.IsNaN(c[0]));
        c[0] = 10;
        Kernels.MatrixMultiplyAdd(1, 1, 2, a, 2, 1, b, 1, 1, c, 1, 1, strongZeros: true);
        Assert.Equal(12, c[0]);

        // A non-zero times ∞ is still ∞ under strong zeros.
        a[0] = -3;
        c[0] = 10;
        Kernels.MatrixMultiplyAdd(1, 1, 2, a, 2, 1, b, 1, 1, c, 1, 1, strongZeros: true);
        Assert.Equal(double.NegativeInfinity, c[0]);
    }

    [Fact]
    public void NegativeSizesAndStridesAreRefusedByName()
    {
        var a = new double[100];
        var b = new double[100];
        var c = new double[100];
        void Throws(string name, Action call) =>
            Assert.Equal(name, Assert.Throws<ArgumentOutOfRangeException>(call).ParamName);

        Throws("m", () => Kernels.MatrixMultiplyAdd(-1, 2, 2, a, 2, 1, b, 2, 1, c, 2, 1));
        Throws("n", () => Kernels.MatrixMultiplyAdd(2, -1, 2, a, 2, 1, b, 2, 1, c, 2, 1));
        Throws("k", () => Kernels.MatrixMultiplyAdd(2, 2, -1, a, 2, 1, b, 2, 1, c, 2, 1));
        Throws("aRowStride", () => Kernels.MatrixMultiplyAdd(2, 2, 2, a, -2, 1, b, 2, 1, c, 2, 1));
        Throws("aColumnStride", () => Kernels.MatrixMultiplyAdd(2, 2, 2, a, 2, -1, b, 2, 1, c, 2, 1));
        Throws("bRowStride", () => Kernels.MatrixMultiplyAdd(2, 2, 2, a, 2, 1, b, -2, 1, c, 2, 1));
        Throws("bColumnStride", () => Kernels.MatrixMultiplyAdd(2, 2, 2, a, 2, 1, b, 2, -1, c, 2, 1));
        Throws("cRowStride", () => Kernels.MatrixMultiplyAdd(2, 2, 2, a, 2, 1, b, 2, 1, c, -2, 1));
        Throws("cColumnStride", () => Kernels.MatrixMultiplyAdd(2, 2, 2, a, 2, 1, b, 2, 1, c, 2, -1));
        Throws("k", () => Kernels.MatrixMultiplyAdd(0, 0, -1, a.AsSpan(0, 0), 0, 0, b.AsSpan(0, 0), 0, 0, c.AsSpan(0, 0), 0, 0));
        var af = new float[4];
        Throws("m", () => Kernels.MatrixMultiplyAdd(-1, 1, 1, af, 1, 1, af, 1, 1, af, 1, 1));
    }

    [Fact]
    public void SpansTooShortForTheirLastElementAreRefusedByName()
    {
        // 3×4 times 4×5 into 3×5, every operand a sub-block with padded rows: exactly long enough
        // passes, one element shorter throws, naming the operand.
        const int m = 3, n = 5, k = 4;
        var (aRow, bRow, cRow) = (k + 2, n + 1, n + 3);
        var aLength = ((m - 1) * aRow) + k;
        var bLength = ((k - 1) * bRow) + n;
        var cLength = ((m - 1) * cRow) + n;
        Kernels.MatrixMultiplyAdd(m, n, k, new double[aLength], aRow, 1, new double[bLength], bRow, 1, new double[cLength], cRow, 1);
        void Throws(string name, Action call) =>
            Assert.Equal(name, Assert.Throws<ArgumentOutOfRangeException>(call).ParamName);

        Throws("a", () => Kernels.MatrixMultiplyAdd(m, n, k, new double[aLength - 1], aRow, 1, new double[bLength], bRow, 1, new double[cLength], cRow, 1));
        Throws("b", () => Kernels.MatrixMultiplyAdd(m, n, k, new double[aLength], aRow, 1, new double[bLength - 1], bRow, 1, new double[cLength], cRow, 1));
        Throws("c", () => Kernels.MatrixMultiplyAdd(m, n, k, new double[aLength], aRow, 1, new double[bLength], bRow, 1, new double[cLength - 1], cRow, 1));
        Throws("a", () => Kernels.MatrixMultiplyAdd(m, n, k, new float[aLength - 1], aRow, 1, new float[bLength], bRow, 1, new float[cLength], cRow, 1));

        // Transposed strides: the last element is at (rows−1)·rowStride + (columns−1)·columnStride.
        Throws("a", () => Kernels.MatrixMultiplyAdd(m, n, k, new double[(m * k) - 1], 1, m, new double[k * n], n, 1, new double[m * n], n, 1));
        Throws("b", () => Kernels.MatrixMultiplyAdd(m, n, k, new double[m * k], k, 1, new double[(k * n) - 1], 1, k, new double[m * n], n, 1));
        Throws("c", () => Kernels.MatrixMultiplyAdd(m, n, k, new double[m * k], k, 1, new double[k * n], n, 1, new double[(m * n) - 1], 1, m));

        // Strides so large that the last index passes int.MaxValue: computed in long, refused.
        Throws("a", () => Kernels.MatrixMultiplyAdd(3, 1, 3, new double[10], int.MaxValue, int.MaxValue, new double[3], 1, 1, new double[3], 1, 1));
        Throws("c", () => Kernels.MatrixMultiplyAdd(3, 1, 1, new double[3], 1, 1, new double[1], 1, 1, new double[3], int.MaxValue, 1));
    }

    [Fact]
    public void AnEmptyProductTouchesNothing()
    {
        var c = new[] { 1.0, 2, 3, 4 };
        var a = new[] { double.NaN, double.NaN, double.NaN, double.NaN };
        Kernels.MatrixMultiplyAdd(2, 2, 0, a, 2, 1, a, 2, 1, c, 2, 1);
        Kernels.MatrixMultiplyAdd(0, 2, 2, a, 2, 1, a, 2, 1, c, 2, 1);
        Kernels.MatrixMultiplyAdd(2, 0, 2, a, 2, 1, a, 2, 1, c, 2, 1);
        Assert.Equal([1.0, 2, 3, 4], c);

        // Nothing is read or written, so empty spans are long enough.
        Kernels.MatrixMultiplyAdd(0, 0, 0, ReadOnlySpan<double>.Empty, 0, 0, ReadOnlySpan<double>.Empty, 0, 0, Span<double>.Empty, 0, 0);
        Kernels.MatrixMultiplyAdd(5, 7, 0, ReadOnlySpan<float>.Empty, 1, 1, ReadOnlySpan<float>.Empty, 1, 1, Span<float>.Empty, 1, 1);
    }

    [Fact]
    public void ResultsAreBitIdenticalAcrossCallsAndThreads()
    {
        foreach (var (m, n, k, strongZeros) in new[] { (150, 130, 800, false), (37, 45, 390, true), (300, 40, 100, false) })
        {
            var random = new Random(m + n + k);
            var a = Fill(random, m * k);
            var b = Fill(random, k * n);
            if (strongZeros)
            {
                b[17] = double.PositiveInfinity;
                a[3] = 0;
            }

            var c0 = Fill(random, m * n);
            double[] Run()
            {
                var c = (double[])c0.Clone();
                Kernels.MatrixMultiplyAdd(m, n, k, a, 1, m, b, n, 1, c, n, 1, strongZeros);
                return c;
            }

            var expected = Run();
            var results = new double[2][][];
            var threads = new Thread[2];
            for (var t = 0; t < threads.Length; t++)
            {
                var slot = t;
                threads[t] = new Thread(() =>
                {
                    results[slot] = new double[20][];
                    for (var i = 0; i < 20; i++)
                    {
                        results[slot][i] = Run();
                    }
                });
                threads[t].Start();
            }

            foreach (var thread in threads)
            {
                thread.Join();
            }

            foreach (var perThread in results)
            {
                foreach (var result in perThread)
                {
                    AssertBitIdentical(expected, result);
                }
            }

            AssertBitIdentical(expected, Run());
        }
    }

    [Fact]
    public void CallsAllocateNothingAfterWarmUp()
    {
        var random = new Random(6);
        var a = Fill(random, 700 * 300);
        var b = Fill(random, 300 * 600);
        var c = new double[700 * 600];
        var af = Array.ConvertAll(a, v => (float)v);
        var bf = Array.ConvertAll(b, v => (float)v);
        var cf = new float[c.Length];
        void Calls()
        {
            Kernels.MatrixMultiplyAdd(700, 600, 300, a, 300, 1, b, 1, 300, c, 600, 1);      // packed A and B
            Kernels.MatrixMultiplyAdd(20, 30, 40, a, 1, 20, b, 30, 1, c, 30, 1);            // read in place
            Kernels.MatrixMultiplyAdd(25, 31, 40, a, 1, 25, b, 31, 1, c, 1, 25, true);      // strong zeros, transposed C
            Kernels.MatrixMultiplyAdd(700, 600, 300, af, 300, 1, bf, 1, 300, cf, 600, 1);
            Kernels.MatrixMultiplyAdd(13, 17, 19, af, 1, 13, bf, 17, 1, cf, 17, 1, true);
        }

        Calls();
        var before = GC.GetAllocatedBytesForCurrentThread();
        Calls();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>
    /// A C whose elements repeat, as the gradient of a convolution's input (C(t,p) = dx[t + p]): every C(t,p)
    /// landing on one element adds to it, as the plain loop does, in every kernel.
    /// </summary>
    [Theory]
    [InlineData(40, 5, 3, 1, 1)]    // windows: rows one apart, columns one apart
    [InlineData(37, 19, 70, 2, 1)]  // rows two apart, wider than the stride
    [InlineData(13, 17, 9, 1, 3)]   // columns three apart, rows one apart
    [InlineData(6, 5, 4, 0, 1)]     // every row the same
    public void ACOverlappingItselfGetsEveryContribution(int m, int n, int k, int cRowStride, int cColumnStride)
    {
        var random = new Random(m * 31 + n);
        var a = Fill(random, m * k);
        var b = Fill(random, k * n);
        var length = ((m - 1) * cRowStride) + ((n - 1) * cColumnStride) + 1;
        var c0 = Fill(random, length);
        var expected = (double[])c0.Clone();
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                double sum = 0;
                for (var p = 0; p < k; p++)
                {
                    sum += a[(i * k) + p] * b[(p * n) + j];
                }

                expected[(i * cRowStride) + (j * cColumnStride)] += sum;
            }
        }

        foreach (var kernel in OtherKernels)
        {
            if (!Kernels.IsSupported(kernel))
            {
                continue;
            }

            var c = (double[])c0.Clone();
            Kernels.MatrixMultiplyAddCore<double>(m, n, k, a, k, 1, b, n, 1, c, cRowStride, cColumnStride, strongZeros: false, kernel);
            for (var e = 0; e < length; e++)
            {
                Assert.True(Math.Abs(c[e] - expected[e]) <= 1e-12 * (1 + Math.Abs(expected[e])), $"{kernel}: element {e} is {c[e]:R}, the loop gives {expected[e]:R}");
            }
        }
    }

    [Fact]
    public void TheComparisonCatchesAWrongProduct()
    {
        // The checker itself must be able to fail: a result off by one product in one element is caught.
        const int m = 20, n = 20, k = 30;
        var random = new Random(7);
        var layout = Layout.RowMajor(m, n, k);
        var (a, b, c0) = (Fill(random, layout.ALength), Fill(random, layout.BLength), Fill(random, layout.CLength));
        var c = (double[])c0.Clone();
        Kernels.MatrixMultiplyAdd(m, n, k, a, layout.ARow, layout.AColumn, b, layout.BRow, layout.BColumn, c, layout.CRow, layout.CColumn);
        AssertMatches(m, n, k, layout, a, b, c0, c, strongZeros: false, epsilon: Math.Pow(2, -52));
        c[(3 * n) + 4] -= a[(3 * k) + 29] * b[(29 * n) + 4];
        Assert.ThrowsAny<Exception>(() => AssertMatches(m, n, k, layout, a, b, c0, c, strongZeros: false, epsilon: Math.Pow(2, -52)));
    }

    private static void MatchesATripleLoop<T>(int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        foreach (var (m, n, k) in Sizes)
        {
            foreach (var layout in Layout.Some(m, n, k))
            {
                Check<T>(m, n, k, layout, random, strongZeros: false);
            }
        }
    }

    /// <summary>
    /// One product with fresh random operands (and, with <paramref name="nonFinite"/>, zeros in A and
    /// ∞/NaN in B), checked against the triple loop, then every other kernel of this machine against it bit for bit.
    /// </summary>
    private static void Check<T>(int m, int n, int k, Layout layout, Random random, bool strongZeros, bool nonFinite = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = Fill(random, layout.ALength);
        var b = Fill(random, layout.BLength);
        var c0 = Fill(random, layout.CLength);
        if (nonFinite)
        {
            for (var i = 0; i < a.Length; i++)
            {
                if (random.Next(3) == 0)
                {
                    a[i] = random.Next(2) == 0 ? 0.0 : -0.0;
                }
            }

            // A few non-finite values, in the first quarter of p only when k is long: the other blocks
            // of p take the fast kernel.
            var rows = Math.Max(1, k / 4);
            for (var count = 0; count < 3 && layout.BLength > 0; count++)
            {
                var p = random.Next(rows);
                var j = random.Next(Math.Max(1, n));
                var index = (p * layout.BRow) + (j * layout.BColumn);
                if (index < b.Length)
                {
                    b[index] = count switch { 0 => double.PositiveInfinity, 1 => double.NegativeInfinity, _ => double.NaN };
                }
            }
        }

        // The operands as T; the reference sees exactly the values the kernel sees.
        var at = Convert<T>(a);
        var bt = Convert<T>(b);
        var ct = Convert<T>(c0);
        a = ToDouble(at);
        b = ToDouble(bt);
        c0 = ToDouble(ct);

        var c = (T[])ct.Clone();
        if (typeof(T) == typeof(double))
        {
            Kernels.MatrixMultiplyAdd(m, n, k, MemoryMarshal.Cast<T, double>(at), layout.ARow, layout.AColumn, MemoryMarshal.Cast<T, double>(bt), layout.BRow, layout.BColumn, MemoryMarshal.Cast<T, double>(c.AsSpan()), layout.CRow, layout.CColumn, strongZeros);
        }
        else
        {
            Kernels.MatrixMultiplyAdd(m, n, k, MemoryMarshal.Cast<T, float>(at), layout.ARow, layout.AColumn, MemoryMarshal.Cast<T, float>(bt), layout.BRow, layout.BColumn, MemoryMarshal.Cast<T, float>(c.AsSpan()), layout.CRow, layout.CColumn, strongZeros);
        }

        var epsilon = typeof(T) == typeof(double) ? Math.Pow(2, -52) : Math.Pow(2, -23);
        AssertMatches(m, n, k, layout, a, b, c0, ToDouble(c), strongZeros, epsilon, $"{typeof(T).Name} {m}×{n}×{k} {layout}");

        foreach (var kernel in OtherKernels)
        {
            if (!Kernels.IsSupported(kernel))
            {
                continue;
            }

            var other = (T[])ct.Clone();
            Kernels.MatrixMultiplyAddCore<T>(m, n, k, at, layout.ARow, layout.AColumn, bt, layout.BRow, layout.BColumn, other, layout.CRow, layout.CColumn, strongZeros, kernel);
            for (var i = 0; i < c.Length; i++)
            {
                if (!c[i].Equals(other[i]) && !(T.IsNaN(c[i]) && T.IsNaN(other[i])))
                {
                    Assert.Fail($"{kernel} differs from the default kernel at {i}: {other[i]} vs {c[i]} ({typeof(T).Name} {m}×{n}×{k} {layout}).");
                }
            }
        }
    }

    /// <summary>
    /// The triple loop in double (skipping zero A elements under strong zeros), element by element:
    /// each within a few ulps × (k + m) of Σ|A||B| + |C| (aliased elements of C, at a stride of 0,
    /// gather several sums), non-finite where the loop is and the same kind; elements of C that no
    /// (i, j) reaches untouched.
    /// </summary>
    private static void AssertMatches(int m, int n, int k, Layout layout, double[] a, double[] b, double[] c0, double[] c, bool strongZeros, double epsilon, string what = "")
    {
        var expected = (double[])c0.Clone();
        var magnitude = new double[c0.Length];
        var touched = new bool[c0.Length];
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var index = (i * layout.CRow) + (j * layout.CColumn);
                touched[index] = true;
                for (var p = 0; p < k; p++)
                {
                    var x = a[(i * layout.ARow) + (p * layout.AColumn)];
                    if (strongZeros && x == 0)
                    {
                        continue;
                    }

                    var product = x * b[(p * layout.BRow) + (j * layout.BColumn)];
                    expected[index] += product;
                    magnitude[index] += Math.Abs(product);
                }
            }
        }

        for (var index = 0; index < c.Length; index++)
        {
            if (!touched[index])
            {
                Assert.True(c[index].Equals(c0[index]), $"{what}: element {index}, outside C, changed from {c0[index]} to {c[index]}.");
                continue;
            }

            if (!double.IsFinite(expected[index]))
            {
                Assert.True(expected[index].Equals(c[index]), $"{what}: element {index} is {c[index]}, the triple loop's {expected[index]}.");
                continue;
            }

            var tolerance = 4 * epsilon * (k + m + 4) * (magnitude[index] + Math.Abs(c0[index]));
            Assert.True(Math.Abs(c[index] - expected[index]) <= tolerance, $"{what}: element {index} is {c[index]}, the triple loop's {expected[index]} (tolerance {tolerance}).");
        }
    }

    private static void AssertBitIdentical(double[] expected, double[] actual)
    {
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected[i]), BitConverter.DoubleToInt64Bits(actual[i]));
        }
    }

    private static double[] Fill(Random random, int length)
    {
        var values = new double[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = (random.NextDouble() * 2) - 1;
        }

        return values;
    }

    private static T[] Convert<T>(double[] values)
        where T : unmanaged, IFloatingPointIeee754<T> => Array.ConvertAll(values, T.CreateTruncating);

    private static double[] ToDouble<T>(T[] values)
        where T : unmanaged, IFloatingPointIeee754<T> => Array.ConvertAll(values, double.CreateTruncating);

    /// <summary>The strides of A, B and C and the lengths of their buffers.</summary>
    private readonly record struct Layout(string Name, int ARow, int AColumn, int ALength, int BRow, int BColumn, int BLength, int CRow, int CColumn, int CLength)
    {
        public static Layout RowMajor(int m, int n, int k) => Make("row-major", m, n, k, (k, 1), (n, 1), (n, 1));

        /// <summary>
        /// Every layout of A with B and C row-major, every layout of B with A and C row-major, every
        /// layout of C with A and B row-major, and the three transposed at once.
        /// </summary>
        public static IEnumerable<Layout> Some(int m, int n, int k)
        {
            var (aLayouts, bLayouts, cLayouts) = Strides(m, n, k);
            foreach (var (name, strides) in aLayouts)
            {
                yield return Make($"A {name}", m, n, k, strides, (n, 1), (n, 1));
            }

            foreach (var (name, strides) in bLayouts)
            {
                yield return Make($"B {name}", m, n, k, (k, 1), strides, (n, 1));
            }

            foreach (var (name, strides) in cLayouts)
            {
                yield return Make($"C {name}", m, n, k, (k, 1), (n, 1), strides);
            }

            yield return Make("all transposed", m, n, k, (1, m), (1, k), (1, m));
        }

        public static Layout Random(Random random, int m, int n, int k)
        {
            var (aLayouts, bLayouts, cLayouts) = Strides(m, n, k);
            var (aName, aStrides) = aLayouts[random.Next(aLayouts.Length)];
            var (bName, bStrides) = bLayouts[random.Next(bLayouts.Length)];
            var (cName, cStrides) = cLayouts[random.Next(cLayouts.Length)];
            return Make($"A {aName}, B {bName}, C {cName}", m, n, k, aStrides, bStrides, cStrides);
        }

        public override string ToString() => Name;

        private static ((string, (int, int))[] A, (string, (int, int))[] B, (string, (int, int))[] C) Strides(int m, int n, int k) =>
        (
            [
                ("row-major", (k, 1)), ("transposed", (1, m)), ("sub-block of a wider matrix", (k + 5, 1)),
                ("transposed sub-block", (1, m + 3)), ("every row the same (row stride 0)", (0, 1)),
                ("every column the same (column stride 0)", (1, 0)), ("both strides above 1", ((2 * k) + 1, 2)),
            ],
            [
                ("row-major", (n, 1)), ("transposed", (1, k)), ("sub-block of a wider matrix", (n + 4, 1)),
                ("transposed sub-block", (1, k + 2)), ("every row the same (row stride 0)", (0, 1)),
                ("every column the same (column stride 0)", (1, 0)), ("both strides above 1", (2, (2 * k) + 1)),
            ],
            [
                ("row-major", (n, 1)), ("transposed", (1, m)), ("sub-block of a wider matrix", (n + 3, 1)),
                ("transposed sub-block", (1, m + 2)), ("both strides above 1", ((2 * n) + 1, 2)),
                ("rows summed into one (row stride 0)", (0, 1)),
            ]);

        private static Layout Make(string name, int m, int n, int k, (int Row, int Column) a, (int Row, int Column) b, (int Row, int Column) c) =>
            new(name, a.Row, a.Column, Extent(m, k, a), b.Row, b.Column, Extent(k, n, b), c.Row, c.Column, Extent(m, n, c));

        // One past the last element, plus a few more that no (i, j) reaches: they must stay untouched.
        private static int Extent(int rows, int columns, (int Row, int Column) strides) =>
            rows == 0 || columns == 0 ? 3 : ((rows - 1) * strides.Row) + ((columns - 1) * strides.Column) + 4;
    }
}
