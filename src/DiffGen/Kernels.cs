using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DiffGen;

/// <summary>
/// The vector kernels generated gradients call for dot-product loops: a dot product forward, a
/// multiply-add into a gradient slice in reverse. Written for the short rows of training code (a
/// layer's fan-in, tens to hundreds of elements): inlined into the caller, no dispatch, bounds checked
/// once per call, then <see cref="Vector256{T}"/> (or <see cref="Vector128{T}"/>) with two
/// accumulators and fused multiply-add where the hardware has it. Sums are taken in another order
/// than a scalar loop's, so they round differently, within a few ulps. For matrix products, a blocked
/// multiply-add of any strides (<c>MatrixMultiplyAdd</c>). Used by generated code; not meant to be
/// called by hand.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class Kernels
{
    /// <summary>Σ a[i]·b[i] over a's length (b must be at least as long).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b) => DotCore(a, b);

    /// <summary>Σ a[i]·b[i] over a's length (b must be at least as long).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => DotCore(a, b);

    /// <summary>
    /// For generated gradients of arrays of models: adds the adjoints a row gathered (the first
    /// <c>target.Length</c> of <paramref name="adjoints"/>) into the gradient model's row, then clears them.
    /// </summary>
    /// <exception cref="ArgumentException">The gradient model's row has another length than the model's.</exception>
    /// <param name="adjoints">The adjoint buffer of the row.</param>
    /// <param name="rowLength">The model's row's length.</param>
    /// <param name="target">The gradient model's row.</param>
    /// <param name="models">For the message: the array of models (<c>Layers</c>).</param>
    /// <param name="index">For the message: the element.</param>
    /// <param name="member">For the message: the row below the element (<c>.W</c>).</param>
    public static void AddRowAdjoints(Span<double> adjoints, int rowLength, Span<double> target, string models, int index, string member) =>
        AddRowAdjointsCore(adjoints, rowLength, target, models, index, member);

    /// <inheritdoc cref="AddRowAdjoints(Span{double}, int, Span{double}, string, int, string)"/>
    public static void AddRowAdjoints(Span<float> adjoints, int rowLength, Span<float> target, string models, int index, string member) =>
        AddRowAdjointsCore(adjoints, rowLength, target, models, index, member);

    private static void AddRowAdjointsCore<T>(Span<T> adjoints, int rowLength, Span<T> target, string models, int index, string member)
        where T : unmanaged, INumber<T>
    {
        if (target.Length != rowLength)
        {
            throw new ArgumentException($"The gradient model's {models}[{index}]{member} has {target.Length} elements; the model's has {rowLength}: give the gradient model the model's shape.", nameof(target));
        }

        var gathered = adjoints.Slice(0, rowLength);
        System.Numerics.Tensors.TensorPrimitives.Add<T>(target, gathered, target);
        gathered.Clear();
    }

    /// <summary>y[i] += alpha·x[i] over y's length (x must be at least as long): an adjoint update.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAdd(double alpha, ReadOnlySpan<double> x, Span<double> y) => MultiplyAddCore(alpha, x, y);

    /// <summary>y[i] += alpha·x[i] over y's length (x must be at least as long): an adjoint update.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAdd(float alpha, ReadOnlySpan<float> x, Span<float> y) => MultiplyAddCore(alpha, x, y);

    // Generic over the element type; the JIT compiles one specialized copy per type, so the type
    // tests below are constants and vanish.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T DotCore<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var n = a.Length;
        if (b.Length < n)
        {
            ThrowLengths();
        }

        ref var ra = ref MemoryMarshal.GetReference(a);
        ref var rb = ref MemoryMarshal.GetReference(b);
        var i = 0;
        var sum = T.Zero;
        if (Vector256.IsHardwareAccelerated && n >= 2 * Vector256<T>.Count)
        {
            var width = Vector256<T>.Count;
            var even = Vector256<T>.Zero;
            var odd = Vector256<T>.Zero;
            for (; i <= n - (2 * width); i += 2 * width)
            {
                even = Fused(Vector256.LoadUnsafe(ref ra, (nuint)i), Vector256.LoadUnsafe(ref rb, (nuint)i), even);
                odd = Fused(Vector256.LoadUnsafe(ref ra, (nuint)(i + width)), Vector256.LoadUnsafe(ref rb, (nuint)(i + width)), odd);
            }

            sum = Vector256.Sum(even + odd);
        }
        else if (Vector128.IsHardwareAccelerated && n >= 2 * Vector128<T>.Count)
        {
            var width = Vector128<T>.Count;
            var even = Vector128<T>.Zero;
            var odd = Vector128<T>.Zero;
            for (; i <= n - (2 * width); i += 2 * width)
            {
                even += Vector128.LoadUnsafe(ref ra, (nuint)i) * Vector128.LoadUnsafe(ref rb, (nuint)i);
                odd += Vector128.LoadUnsafe(ref ra, (nuint)(i + width)) * Vector128.LoadUnsafe(ref rb, (nuint)(i + width));
            }

            sum = Vector128.Sum(even + odd);
        }

        for (; i < n; i++)
        {
            sum += Unsafe.Add(ref ra, i) * Unsafe.Add(ref rb, i);
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAddCore<T>(T alpha, ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var n = y.Length;
        if (x.Length < n)
        {
            ThrowLengths();
        }

        ref var rx = ref MemoryMarshal.GetReference(x);
        ref var ry = ref MemoryMarshal.GetReference(y);
        var i = 0;
        if (Vector256.IsHardwareAccelerated && n >= Vector256<T>.Count)
        {
            var scale = Vector256.Create(alpha);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                Fused(scale, Vector256.LoadUnsafe(ref rx, (nuint)i), Vector256.LoadUnsafe(ref ry, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
            }
        }
        else if (Vector128.IsHardwareAccelerated && n >= Vector128<T>.Count)
        {
            var scale = Vector128.Create(alpha);
            for (; i <= n - Vector128<T>.Count; i += Vector128<T>.Count)
            {
                (Vector128.LoadUnsafe(ref ry, (nuint)i) + (scale * Vector128.LoadUnsafe(ref rx, (nuint)i))).StoreUnsafe(ref ry, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ry, i) += alpha * Unsafe.Add(ref rx, i);
        }
    }

    // a·b + c, fused where the platform has it (one rounding instead of two).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Fused<T>(Vector256<T> a, Vector256<T> b, Vector256<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
#if NET9_0_OR_GREATER
        if (typeof(T) == typeof(double))
        {
            return Vector256.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        }

        if (typeof(T) == typeof(float))
        {
            return Vector256.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        }
#else
        if (System.Runtime.Intrinsics.X86.Fma.IsSupported && typeof(T) == typeof(double))
        {
            return System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        }

        if (System.Runtime.Intrinsics.X86.Fma.IsSupported && typeof(T) == typeof(float))
        {
            return System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        }
#endif
        return (a * b) + c;
    }

    private static void ThrowLengths() =>
        throw new ArgumentException("The slices of a vectorized loop differ in length; an index went out of its array.");
}
