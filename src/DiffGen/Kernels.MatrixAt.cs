using System;
using System.ComponentModel;
using System.Numerics;

namespace DiffGen;

// The entry points generated gradients call for the blocked matrix products of a loop nest: operands
// given as whole arrays with the offset of their first element, strides of either sign (a nest may
// read its rows last first), and the block size a nest of a given width uses.
public static partial class Kernels
{
    /// <summary>
    /// The most products (and as many adjoints) one block of a blocked loop nest holds: with 256 rows,
    /// widths up to 4,096 columns; wider nests take fewer rows per block (down to one), so the buffers
    /// stay at 8 MiB in double however wide the nest is.
    /// </summary>
    private const int ProductBlockElements = 1 << 20;

    /// <summary>How many iterations of a blocked nest's outer loop one block runs: 256, fewer for a nest wider than 4,096 columns.</summary>
    /// <param name="columns">The widest of the nest's products (its inner loop's trip count).</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static int ProductBlockRows(int columns) => columns <= ProductBlockElements / 256 ? 256 : Math.Max(1, ProductBlockElements / columns);

    /// <summary>
    /// <see cref="MatrixMultiplyAdd(int, int, int, ReadOnlySpan{double}, int, int, ReadOnlySpan{double}, int, int, Span{double}, int, int, bool)"/>
    /// with each operand's first element at an offset and strides of either sign: A(i,p) = a[aOffset + i·aRowStride + p·aColumnStride],
    /// and so on. Non-negative strides take the blocked kernel; a negative one a plain loop (correct, slow).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An element the product would read or write lies outside its span.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static void MatrixMultiplyAddAt(
        int m, int n, int k,
        ReadOnlySpan<double> a, int aOffset, int aRowStride, int aColumnStride,
        ReadOnlySpan<double> b, int bOffset, int bRowStride, int bColumnStride,
        Span<double> c, int cOffset, int cRowStride, int cColumnStride,
        bool strongZeros = false) =>
        MultiplyAddAt(m, n, k, a, aOffset, aRowStride, aColumnStride, b, bOffset, bRowStride, bColumnStride, c, cOffset, cRowStride, cColumnStride, strongZeros);

    /// <inheritdoc cref="MatrixMultiplyAddAt(int, int, int, ReadOnlySpan{double}, int, int, int, ReadOnlySpan{double}, int, int, int, Span{double}, int, int, int, bool)"/>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static void MatrixMultiplyAddAt(
        int m, int n, int k,
        ReadOnlySpan<float> a, int aOffset, int aRowStride, int aColumnStride,
        ReadOnlySpan<float> b, int bOffset, int bRowStride, int bColumnStride,
        Span<float> c, int cOffset, int cRowStride, int cColumnStride,
        bool strongZeros = false) =>
        MultiplyAddAt(m, n, k, a, aOffset, aRowStride, aColumnStride, b, bOffset, bRowStride, bColumnStride, c, cOffset, cRowStride, cColumnStride, strongZeros);

    private static void MultiplyAddAt<T>(
        int m, int n, int k,
        ReadOnlySpan<T> a, int aOffset, int aRowStride, int aColumnStride,
        ReadOnlySpan<T> b, int bOffset, int bRowStride, int bColumnStride,
        Span<T> c, int cOffset, int cRowStride, int cColumnStride,
        bool strongZeros)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m <= 0 || n <= 0 || k <= 0)
        {
            // Negative sizes are the kernel's to refuse; empty products touch nothing.
            MatrixMultiplyAddCore(m, n, k, ReadOnlySpan<T>.Empty, 0, 0, ReadOnlySpan<T>.Empty, 0, 0, Span<T>.Empty, 0, 0, strongZeros, MatrixKernel.Best);
            return;
        }

        // Checked once, here: the blocked kernel then takes the slices as they are.
        CheckExtent(a.Length, aOffset, m, aRowStride, k, aColumnStride, nameof(a), "A", "m", "k");
        CheckExtent(b.Length, bOffset, k, bRowStride, n, bColumnStride, nameof(b), "B", "k", "n");
        CheckExtent(c.Length, cOffset, m, cRowStride, n, cColumnStride, nameof(c), "C", "m", "n");
        if ((aRowStride | aColumnStride | bRowStride | bColumnStride | cRowStride | cColumnStride) >= 0)
        {
            MultiplyChecked(m, n, k, a.Slice(aOffset), aRowStride, aColumnStride, b.Slice(bOffset), bRowStride, bColumnStride,
                c.Slice(cOffset), cRowStride, cColumnStride, strongZeros, MatrixKernel.Best);
            return;
        }

        // A stride below zero (rows read last first): the plain loop, each C(i,j) added in turn.
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var sum = T.Zero;
                for (var p = 0; p < k; p++)
                {
                    var x = a[aOffset + (i * aRowStride) + (p * aColumnStride)];
                    if (strongZeros && x == T.Zero)
                    {
                        continue;
                    }

                    sum += x * b[bOffset + (p * bRowStride) + (j * bColumnStride)];
                }

                c[cOffset + (i * cRowStride) + (j * cColumnStride)] += sum;
            }
        }
    }
}
