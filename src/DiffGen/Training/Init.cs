using System;
using System.Numerics;

namespace DiffGen;

/// <summary>
/// Weight initializers with an explicit seed, reproducible across runs and machines (they draw from
/// <see cref="Random"/> seeded with <c>seed</c>, whose sequence .NET keeps stable for a given seed;
/// normal draws use the Box–Muller transform).
/// </summary>
public static class Init
{
    /// <summary>Uniform on [<paramref name="low"/>, <paramref name="high"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A bound is not finite, or <paramref name="high"/> is below <paramref name="low"/>.</exception>
    public static void Uniform<T>(Span<T> values, double low, double high, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Guard.Finite(low, nameof(low));
        if (!(double.IsFinite(high) && high >= low))
        {
            throw Guard.Out(high, nameof(high), $"finite and >= low ({low})");
        }

        var random = new Random(seed);
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = T.CreateChecked(low + (high - low) * random.NextDouble());
        }
    }

    /// <summary>Normal with <paramref name="mean"/> and standard deviation <paramref name="std"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mean"/> is not finite, or <paramref name="std"/> is not finite and &gt;= 0.</exception>
    public static void Normal<T>(Span<T> values, double mean, double std, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Guard.Finite(mean, nameof(mean));
        Guard.NonNegative(std, nameof(std));
        var random = new Random(seed);
        for (var i = 0; i < values.Length; i++)
        {
            var u1 = 1.0 - random.NextDouble(); // in (0, 1]: the logarithm is finite
            var u2 = random.NextDouble();
            values[i] = T.CreateChecked(mean + std * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
    }

    /// <summary>Glorot (Xavier) uniform: U(−a, a) with a = √(6 / (fanIn + fanOut)).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fanIn"/> or <paramref name="fanOut"/> is not positive.</exception>
    public static void GlorotUniform<T>(Span<T> values, int fanIn, int fanOut, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = Math.Sqrt(6.0 / FanSum(fanIn, fanOut));
        Uniform(values, -a, a, seed);
    }

    /// <summary>Glorot (Xavier) normal: N(0, 2 / (fanIn + fanOut)).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fanIn"/> or <paramref name="fanOut"/> is not positive.</exception>
    public static void GlorotNormal<T>(Span<T> values, int fanIn, int fanOut, int seed)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Normal(values, 0, Math.Sqrt(2.0 / FanSum(fanIn, fanOut)), seed);

    /// <summary>He (Kaiming) uniform for ReLU layers: U(−a, a) with a = √(6 / fanIn).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fanIn"/> is not positive.</exception>
    public static void HeUniform<T>(Span<T> values, int fanIn, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = Math.Sqrt(6.0 / Guard.Positive(fanIn, nameof(fanIn)));
        Uniform(values, -a, a, seed);
    }

    /// <summary>He (Kaiming) normal for ReLU layers: N(0, 2 / fanIn).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fanIn"/> is not positive.</exception>
    public static void HeNormal<T>(Span<T> values, int fanIn, int seed)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Normal(values, 0, Math.Sqrt(2.0 / Guard.Positive(fanIn, nameof(fanIn))), seed);

    /// <summary>All zeros.</summary>
    public static void Zeros<T>(Span<T> values)
        where T : unmanaged, IFloatingPointIeee754<T> => values.Clear();

    // A fan of 0 or less gives an infinite or NaN scale; the sum is taken in double, as two large ints could overflow.
    private static double FanSum(int fanIn, int fanOut) =>
        (double)Guard.Positive(fanIn, nameof(fanIn)) + Guard.Positive(fanOut, nameof(fanOut));

    // Array overloads: C# infers T from an array (w.Values), not through its conversion to a span.

    /// <summary>Uniform on [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static void Uniform<T>(T[] values, double low, double high, int seed)
        where T : unmanaged, IFloatingPointIeee754<T> => Uniform(values.AsSpan(), low, high, seed);

    /// <summary>Normal with <paramref name="mean"/> and standard deviation <paramref name="std"/>.</summary>
    public static void Normal<T>(T[] values, double mean, double std, int seed)
        where T : unmanaged, IFloatingPointIeee754<T> => Normal(values.AsSpan(), mean, std, seed);

    /// <summary>Glorot (Xavier) uniform: U(−a, a) with a = √(6 / (fanIn + fanOut)).</summary>
    public static void GlorotUniform<T>(T[] values, int fanIn, int fanOut, int seed)
        where T : unmanaged, IFloatingPointIeee754<T> => GlorotUniform(values.AsSpan(), fanIn, fanOut, seed);

    /// <summary>Glorot (Xavier) normal: N(0, 2 / (fanIn + fanOut)).</summary>
    public static void GlorotNormal<T>(T[] values, int fanIn, int fanOut, int seed)
        where T : unmanaged, IFloatingPointIeee754<T> => GlorotNormal(values.AsSpan(), fanIn, fanOut, seed);

    /// <summary>He (Kaiming) uniform for ReLU layers: U(−a, a) with a = √(6 / fanIn).</summary>
    public static void HeUniform<T>(T[] values, int fanIn, int seed)
        where T : unmanaged, IFloatingPointIeee754<T> => HeUniform(values.AsSpan(), fanIn, seed);

    /// <summary>He (Kaiming) normal for ReLU layers: N(0, 2 / fanIn).</summary>
    public static void HeNormal<T>(T[] values, int fanIn, int seed)
        where T : unmanaged, IFloatingPointIeee754<T> => HeNormal(values.AsSpan(), fanIn, seed);

    /// <summary>All zeros.</summary>
    public static void Zeros<T>(T[] values)
        where T : unmanaged, IFloatingPointIeee754<T> => Zeros(values.AsSpan());
}
