using System;
using System.ComponentModel;
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
/// than a scalar loop's, so they round differently, within a few ulps. Used by generated code; not
/// meant to be called by hand.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Kernels
{
    /// <summary>Σ a[i]·b[i] over a's length (b must be at least as long).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var n = a.Length;
        if (b.Length < n)
        {
            ThrowLengths();
        }

        ref var ra = ref MemoryMarshal.GetReference(a);
        ref var rb = ref MemoryMarshal.GetReference(b);
        var i = 0;
        var sum = 0.0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var even = Vector256<double>.Zero;
            var odd = Vector256<double>.Zero;
            for (; i <= n - 8; i += 8)
            {
                even = MultiplyAdd(Vector256.LoadUnsafe(ref ra, (nuint)i), Vector256.LoadUnsafe(ref rb, (nuint)i), even);
                odd = MultiplyAdd(Vector256.LoadUnsafe(ref ra, (nuint)(i + 4)), Vector256.LoadUnsafe(ref rb, (nuint)(i + 4)), odd);
            }

            sum = Vector256.Sum(even + odd);
        }
        else if (Vector128.IsHardwareAccelerated && n >= 4)
        {
            var even = Vector128<double>.Zero;
            var odd = Vector128<double>.Zero;
            for (; i <= n - 4; i += 4)
            {
                even += Vector128.LoadUnsafe(ref ra, (nuint)i) * Vector128.LoadUnsafe(ref rb, (nuint)i);
                odd += Vector128.LoadUnsafe(ref ra, (nuint)(i + 2)) * Vector128.LoadUnsafe(ref rb, (nuint)(i + 2));
            }

            sum = Vector128.Sum(even + odd);
        }

        for (; i < n; i++)
        {
            sum += Unsafe.Add(ref ra, i) * Unsafe.Add(ref rb, i);
        }

        return sum;
    }

    /// <summary>Σ a[i]·b[i] over a's length (b must be at least as long).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var n = a.Length;
        if (b.Length < n)
        {
            ThrowLengths();
        }

        ref var ra = ref MemoryMarshal.GetReference(a);
        ref var rb = ref MemoryMarshal.GetReference(b);
        var i = 0;
        var sum = 0f;
        if (Vector256.IsHardwareAccelerated && n >= 16)
        {
            var even = Vector256<float>.Zero;
            var odd = Vector256<float>.Zero;
            for (; i <= n - 16; i += 16)
            {
                even = MultiplyAdd(Vector256.LoadUnsafe(ref ra, (nuint)i), Vector256.LoadUnsafe(ref rb, (nuint)i), even);
                odd = MultiplyAdd(Vector256.LoadUnsafe(ref ra, (nuint)(i + 8)), Vector256.LoadUnsafe(ref rb, (nuint)(i + 8)), odd);
            }

            sum = Vector256.Sum(even + odd);
        }
        else if (Vector128.IsHardwareAccelerated && n >= 8)
        {
            var even = Vector128<float>.Zero;
            var odd = Vector128<float>.Zero;
            for (; i <= n - 8; i += 8)
            {
                even += Vector128.LoadUnsafe(ref ra, (nuint)i) * Vector128.LoadUnsafe(ref rb, (nuint)i);
                odd += Vector128.LoadUnsafe(ref ra, (nuint)(i + 4)) * Vector128.LoadUnsafe(ref rb, (nuint)(i + 4));
            }

            sum = Vector128.Sum(even + odd);
        }

        for (; i < n; i++)
        {
            sum += Unsafe.Add(ref ra, i) * Unsafe.Add(ref rb, i);
        }

        return sum;
    }

    /// <summary>y[i] += alpha·x[i] over y's length (x must be at least as long): an adjoint update.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAdd(double alpha, ReadOnlySpan<double> x, Span<double> y)
    {
        var n = y.Length;
        if (x.Length < n)
        {
            ThrowLengths();
        }

        ref var rx = ref MemoryMarshal.GetReference(x);
        ref var ry = ref MemoryMarshal.GetReference(y);
        var i = 0;
        if (Vector256.IsHardwareAccelerated && n >= 4)
        {
            var scale = Vector256.Create(alpha);
            for (; i <= n - 4; i += 4)
            {
                MultiplyAdd(scale, Vector256.LoadUnsafe(ref rx, (nuint)i), Vector256.LoadUnsafe(ref ry, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
            }
        }
        else if (Vector128.IsHardwareAccelerated && n >= 2)
        {
            var scale = Vector128.Create(alpha);
            for (; i <= n - 2; i += 2)
            {
                (Vector128.LoadUnsafe(ref ry, (nuint)i) + scale * Vector128.LoadUnsafe(ref rx, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ry, i) += alpha * Unsafe.Add(ref rx, i);
        }
    }

    /// <summary>y[i] += alpha·x[i] over y's length (x must be at least as long): an adjoint update.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAdd(float alpha, ReadOnlySpan<float> x, Span<float> y)
    {
        var n = y.Length;
        if (x.Length < n)
        {
            ThrowLengths();
        }

        ref var rx = ref MemoryMarshal.GetReference(x);
        ref var ry = ref MemoryMarshal.GetReference(y);
        var i = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var scale = Vector256.Create(alpha);
            for (; i <= n - 8; i += 8)
            {
                MultiplyAdd(scale, Vector256.LoadUnsafe(ref rx, (nuint)i), Vector256.LoadUnsafe(ref ry, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
            }
        }
        else if (Vector128.IsHardwareAccelerated && n >= 4)
        {
            var scale = Vector128.Create(alpha);
            for (; i <= n - 4; i += 4)
            {
                (Vector128.LoadUnsafe(ref ry, (nuint)i) + scale * Vector128.LoadUnsafe(ref rx, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ry, i) += alpha * Unsafe.Add(ref rx, i);
        }
    }

    // a·b + c, fused where the platform has it (one rounding instead of two).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> MultiplyAdd(Vector256<double> a, Vector256<double> b, Vector256<double> c) =>
#if NET9_0_OR_GREATER
        Vector256.FusedMultiplyAdd(a, b, c);
#else
        System.Runtime.Intrinsics.X86.Fma.IsSupported ? System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(a, b, c) : (a * b) + c;
#endif

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
#if NET9_0_OR_GREATER
        Vector256.FusedMultiplyAdd(a, b, c);
#else
        System.Runtime.Intrinsics.X86.Fma.IsSupported ? System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(a, b, c) : (a * b) + c;
#endif

    private static void ThrowLengths() =>
        throw new ArgumentException("The slices of a vectorized loop differ in length; an index went out of its array.");
}
