using System;
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

    /// <summary>The lanes <c>source[index + k·stride]</c>, k = 0 … <c>Vector256&lt;T&gt;.Count</c> − 1: one value of each iteration a tape interleaves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LoadLanes<T>(ReadOnlySpan<T> source, int index, int stride)
        where T : unmanaged
    {
        Span<T> lanes = stackalloc T[Vector256<T>.Count];
        for (var k = 0; k < lanes.Length; k++)
        {
            lanes[k] = source[index + k * stride];
        }

        return Vector256.Create((ReadOnlySpan<T>)lanes);
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
