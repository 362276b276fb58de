using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DiffGen;

// The loads and adds of a generated loop that runs a vector of iterations at a time: lanes [index, index + Count)
// of a span, bounds checked as the scalar loop's element accesses are.
public static partial class Kernels
{
    /// <summary>The lanes <c>source[index .. index + Vector256&lt;T&gt;.Count)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LoadLanes<T>(ReadOnlySpan<T> source, int index)
        where T : struct =>
        Vector256.Create(source.Slice(index, Vector256<T>.Count));

    /// <summary>The lanes <c>source[index + k·stride]</c>, k = 0 … <c>Vector256&lt;T&gt;.Count</c> − 1, stride ≥ 1: one value of each iteration a tape interleaves, or a weight of each unit (<c>w[2·j + 1]</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LoadLanes<T>(ReadOnlySpan<T> source, int index, int stride)
        where T : unmanaged
    {
        ref var first = ref Lane(source, index, stride);
        if (typeof(T) == typeof(double))
        {
            // Element by element into registers (a stackalloc'd staging buffer would keep the method from inlining).
            ref var d = ref Unsafe.As<T, double>(ref first);
            return Vector256.Create(d, Unsafe.Add(ref d, stride), Unsafe.Add(ref d, 2 * stride), Unsafe.Add(ref d, 3 * stride)).As<double, T>();
        }

        if (typeof(T) == typeof(float))
        {
            ref var f = ref Unsafe.As<T, float>(ref first);
            return Vector256.Create(
                f, Unsafe.Add(ref f, stride), Unsafe.Add(ref f, 2 * stride), Unsafe.Add(ref f, 3 * stride),
                Unsafe.Add(ref f, 4 * stride), Unsafe.Add(ref f, 5 * stride), Unsafe.Add(ref f, 6 * stride), Unsafe.Add(ref f, 7 * stride)).As<float, T>();
        }

        var lanes = Vector256<T>.Zero;
        for (var k = 0; k < Vector256<T>.Count; k++)
        {
            lanes = lanes.WithElement(k, Unsafe.Add(ref first, k * stride));
        }

        return lanes;
    }

    /// <summary>
    /// The lanes <c>(T)(first + k·stride)</c>: a loop's counter (or an index that steps with it) as a number, each lane
    /// converted from its own integer as the scalar loop converts it (the integer arithmetic unchecked, as the scalar's is).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> IndexLanes<T>(int first, int stride)
        where T : unmanaged, INumberBase<T>
    {
        var lanes = Vector256<T>.Zero;
        for (var k = 0; k < Vector256<T>.Count; k++)
        {
            lanes = lanes.WithElement(k, T.CreateTruncating(unchecked(first + (k * stride))));
        }

        return lanes;
    }

    /// <summary>Adds lane k of <paramref name="value"/> into <c>target[index + k·stride]</c>, stride ≥ 1, in turn: a weight of each unit (<c>dw[2·j + 1]</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddLanes<T>(Span<T> target, int index, int stride, Vector256<T> value)
        where T : unmanaged, INumberBase<T>
    {
        ref var first = ref Lane(target, index, stride);
        for (var k = 0; k < Vector256<T>.Count; k++)
        {
            Unsafe.Add(ref first, k * stride) += value.GetElement(k);
        }
    }

    /// <summary>
    /// Adds lane k of <paramref name="value"/> into <c>target[index + k·stride]</c> where lane k of <paramref name="mask"/> is set;
    /// the others keep their bits exactly (a ReLU's off unit adds nothing).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddLanes<T>(Span<T> target, int index, int stride, Vector256<T> value, Vector256<T> mask)
        where T : unmanaged, INumberBase<T>
    {
        ref var first = ref Lane(target, index, stride);
        for (var k = 0; k < Vector256<T>.Count; k++)
        {
            if (!T.IsZero(mask.GetElement(k)))   // a set lane is all ones: NaN, never zero
            {
                Unsafe.Add(ref first, k * stride) += value.GetElement(k);
            }
        }
    }

    // Lane 0's element, once both ends of the lanes are checked: stride ≥ 1 puts every lane between them. Writable
    // when the span a caller passed was (AddLanes's target).
    private static ref T Lane<T>(ReadOnlySpan<T> span, int index, int stride)
    {
        if (stride < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(stride), stride, "The lanes' stride must be at least 1.");
        }

        _ = span[(int)Math.Min(int.MaxValue, index + ((long)Vector256<T>.Count - 1) * stride)];
        return ref Unsafe.AsRef(in span[index]);
    }

    /// <summary>Writes lane k of <paramref name="lanes"/> to <c>target[index + k·stride]</c>: one value of each iteration, interleaved as a tape holds them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreLanes<T>(Vector256<T> lanes, Span<T> target, int index, int stride)
        where T : unmanaged
    {
        for (var k = 0; k < Vector256<T>.Count; k++)
        {
            target[index + k * stride] = lanes.GetElement(k);
        }
    }

    /// <summary>Adds <paramref name="value"/> into the lanes <c>target[index .. index + Vector256&lt;T&gt;.Count)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddLanes<T>(Span<T> target, int index, Vector256<T> value)
        where T : struct
    {
        var lanes = target.Slice(index, Vector256<T>.Count);
        (Vector256.Create((ReadOnlySpan<T>)lanes) + value).CopyTo(lanes);
    }

    /// <summary>
    /// Adds <paramref name="value"/> into the lanes of <paramref name="target"/> whose <paramref name="mask"/> is set; the
    /// others keep their bits exactly (a ReLU's off unit adds nothing, not even 0 · ∞).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddLanes<T>(Span<T> target, int index, Vector256<T> value, Vector256<T> mask)
        where T : struct
    {
        var lanes = target.Slice(index, Vector256<T>.Count);
        var old = Vector256.Create((ReadOnlySpan<T>)lanes);
        Vector256.ConditionalSelect(mask, old + value, old).CopyTo(lanes);
    }
}
