using System;
using System.Numerics;
using System.Threading;

namespace DiffGen.Generator.Tests.RandomPrograms;

/// <summary>
/// A dual number v + d·ε (ε² = 0): forward-mode differentiation, the independent reference for the
/// generator's reverse mode. The random programs are printed a second time over this type; seeding one
/// input's d with 1 gives the derivative along that input. Written from the textbook rules, not from
/// the generator's rule table, and following the same conventions at kinks (PyTorch's): |x|′(0) = 0,
/// max/min split a tie equally, piecewise-constant functions have derivative 0.
/// </summary>
public readonly struct Dual<T>
    where T : IFloatingPointIeee754<T>
{
    private static readonly T Half = T.CreateChecked(0.5);

    // Beyond this an intermediate (value or derivative) makes the point unfit for comparison: a later
    // exact cancellation (x − x) leaves forward mode an exact 0 but reverse mode, which sums the same
    // terms in another order, a rounding residue times the huge derivative (seed fiVC91WtjSn1: 1e31).
    // In float, whose rounding is 2⁻²⁴, the residue reaches the 2e-3 tolerance near 10³ (seed 8qisCTJ8CLF2:
    // a softmax of equal values, exactly ¼ each in forward mode, 0.007 off in reverse).
    private static readonly T Huge = T.CreateChecked(typeof(T) == typeof(float) ? 1e3 : 1e6);

    public Dual(T value, T derivative)
    {
        if (!T.IsFinite(value) || T.Abs(value) > Huge || T.Abs(derivative) > Huge)
        {
            Trace.Overflow();
        }

        Value = value;
        Derivative = derivative;
    }

    public T Value { get; }

    public T Derivative { get; }

    public static implicit operator Dual<T>(T value) => new(value, T.Zero);

    public static Dual<T> operator +(Dual<T> a, Dual<T> b) => new(a.Value + b.Value, a.Derivative + b.Derivative);

    public static Dual<T> operator -(Dual<T> a, Dual<T> b) => new(a.Value - b.Value, a.Derivative - b.Derivative);

    public static Dual<T> operator -(Dual<T> a) => new(-a.Value, -a.Derivative);

    public static Dual<T> operator *(Dual<T> a, Dual<T> b) => new(a.Value * b.Value, a.Derivative * b.Value + a.Value * b.Derivative);

    public static Dual<T> operator /(Dual<T> a, Dual<T> b) =>
        new(a.Value / b.Value, (a.Derivative * b.Value - a.Value * b.Derivative) / (b.Value * b.Value));

    public static bool operator <(Dual<T> a, Dual<T> b) => Trace.Compare(a.Value, b.Value) < 0;

    public static bool operator >(Dual<T> a, Dual<T> b) => Trace.Compare(a.Value, b.Value) > 0;

    public static bool operator <=(Dual<T> a, Dual<T> b) => Trace.Compare(a.Value, b.Value) <= 0;

    public static bool operator >=(Dual<T> a, Dual<T> b) => Trace.Compare(a.Value, b.Value) >= 0;

    public static Dual<T> Exp(Dual<T> a)
    {
        var e = T.Exp(a.Value);
        return new(e, e * a.Derivative);
    }

    public static Dual<T> Log(Dual<T> a) => new(T.Log(a.Value), a.Derivative / a.Value);

    /// <summary>log_b a = ln a / ln b.</summary>
    public static Dual<T> Log(Dual<T> a, Dual<T> b) => Log(a) / Log(b);

    public static Dual<T> Log10(Dual<T> a) => new(T.Log10(a.Value), a.Derivative / (a.Value * T.Log(T.CreateChecked(10))));

    public static Dual<T> Log2(Dual<T> a) => new(T.Log2(a.Value), a.Derivative / (a.Value * T.Log(T.CreateChecked(2))));

    public static Dual<T> Sqrt(Dual<T> a)
    {
        var s = T.Sqrt(a.Value);
        return new(s, a.Derivative / (s + s));
    }

    public static Dual<T> Cbrt(Dual<T> a)
    {
        var c = T.Cbrt(a.Value);
        return new(c, a.Derivative / (T.CreateChecked(3) * c * c));
    }

    /// <summary>a^b = exp(b·ln a) for a &gt; 0: d = b·a^(b−1)·da + a^b·ln a·db.</summary>
    public static Dual<T> Pow(Dual<T> a, Dual<T> b)
    {
        var p = T.Pow(a.Value, b.Value);
        return new(p, b.Value * T.Pow(a.Value, b.Value - T.One) * a.Derivative + p * T.Log(a.Value) * b.Derivative);
    }

    public static Dual<T> Sin(Dual<T> a) => new(T.Sin(a.Value), T.Cos(a.Value) * a.Derivative);

    public static Dual<T> Cos(Dual<T> a) => new(T.Cos(a.Value), -T.Sin(a.Value) * a.Derivative);

    public static Dual<T> Tan(Dual<T> a)
    {
        var c = T.Cos(a.Value);
        return new(T.Tan(a.Value), a.Derivative / (c * c));
    }

    public static Dual<T> Atan(Dual<T> a) => new(T.Atan(a.Value), a.Derivative / (T.One + a.Value * a.Value));

    /// <summary>atan2(y, x): d = (x·dy − y·dx) / (x² + y²).</summary>
    public static Dual<T> Atan2(Dual<T> y, Dual<T> x) =>
        new(T.Atan2(y.Value, x.Value), (x.Value * y.Derivative - y.Value * x.Derivative) / (x.Value * x.Value + y.Value * y.Value));

    public static Dual<T> Sinh(Dual<T> a) => new(T.Sinh(a.Value), T.Cosh(a.Value) * a.Derivative);

    public static Dual<T> Cosh(Dual<T> a) => new(T.Cosh(a.Value), T.Sinh(a.Value) * a.Derivative);

    public static Dual<T> Tanh(Dual<T> a)
    {
        var t = T.Tanh(a.Value);
        return new(t, (T.One - t * t) * a.Derivative);
    }

    public static Dual<T> Asinh(Dual<T> a) => new(T.Asinh(a.Value), a.Derivative / T.Sqrt(a.Value * a.Value + T.One));

    public static Dual<T> Abs(Dual<T> a)
    {
        Trace.Compare(a.Value, T.Zero);
        return new(T.Abs(a.Value), a.Value > T.Zero ? a.Derivative : a.Value < T.Zero ? -a.Derivative : T.Zero);
    }

    public static Dual<T> Max(Dual<T> a, Dual<T> b)
    {
        var order = Trace.Compare(a.Value, b.Value);
        return order > 0 ? a : order < 0 ? b : new(a.Value, (a.Derivative + b.Derivative) * Half);
    }

    public static Dual<T> Min(Dual<T> a, Dual<T> b)
    {
        var order = Trace.Compare(a.Value, b.Value);
        return order < 0 ? a : order > 0 ? b : new(a.Value, (a.Derivative + b.Derivative) * Half);
    }

    /// <summary>The value clamped to [low, high]; the derivative passes to the value inside the bounds, bounds included.</summary>
    public static Dual<T> Clamp(Dual<T> a, Dual<T> low, Dual<T> high)
    {
        if (Trace.Compare(a.Value, low.Value) < 0)
        {
            return low;
        }

        return Trace.Compare(a.Value, high.Value) > 0 ? high : a;
    }

    public static Dual<T> Hypot(Dual<T> a, Dual<T> b)
    {
        var h = T.Hypot(a.Value, b.Value);
        return new(h, (a.Value * a.Derivative + b.Value * b.Derivative) / h);
    }

    public static Dual<T> FusedMultiplyAdd(Dual<T> a, Dual<T> b, Dual<T> c) =>
        new(T.FusedMultiplyAdd(a.Value, b.Value, c.Value), a.Derivative * b.Value + a.Value * b.Derivative + c.Derivative);

    public static Dual<T> Asin(Dual<T> a) => new(T.Asin(a.Value), a.Derivative / T.Sqrt(T.One - a.Value * a.Value));

    public static Dual<T> Acos(Dual<T> a) => new(T.Acos(a.Value), -a.Derivative / T.Sqrt(T.One - a.Value * a.Value));

    public static Dual<T> Atanh(Dual<T> a) => new(T.Atanh(a.Value), a.Derivative / (T.One - a.Value * a.Value));

    public static Dual<T> Acosh(Dual<T> a) => new(T.Acosh(a.Value), a.Derivative / T.Sqrt(a.Value * a.Value - T.One));

    /// <summary>Piecewise constant: derivative 0; its jumps at the integers are kinks.</summary>
    public static Dual<T> Ceiling(Dual<T> a)
    {
        Trace.Compare(a.Value, T.Round(a.Value));
        return new(T.Ceiling(a.Value), T.Zero);
    }

    /// <summary>Piecewise constant: derivative 0; its jumps at the integers are kinks.</summary>
    public static Dual<T> Truncate(Dual<T> a)
    {
        Trace.Compare(a.Value, T.Round(a.Value));
        return new(T.Truncate(a.Value), T.Zero);
    }

    /// <summary>Piecewise constant: derivative 0; its jumps at the half-integers are kinks.</summary>
    public static Dual<T> Round(Dual<T> a)
    {
        Trace.Compare(a.Value, T.Floor(a.Value) + Half);
        return new(T.Round(a.Value), T.Zero);
    }

    /// <summary>−1, 0 or 1 as an integer, like Math.Sign; its jump at 0 is a kink.</summary>
    public static int Sign(Dual<T> a)
    {
        if (T.IsNaN(a.Value))
        {
            // The evaluation left the domain (the NaN already marked it overflowed, so the point is
            // discarded); T.Sign would throw instead.
            Trace.Overflow();
            return 0;
        }

        Trace.Compare(a.Value, T.Zero);
        return T.Sign(a.Value);
    }

    /// <summary>Piecewise constant: derivative 0; its jumps at the integers are kinks.</summary>
    public static Dual<T> Floor(Dual<T> a)
    {
        var floor = T.Floor(a.Value);
        Trace.Compare(a.Value, floor);
        Trace.Compare(a.Value, floor + T.One);
        return new(floor, T.Zero);
    }
}

/// <summary>
/// What a dual evaluation met on its way: the smallest relative |a − b| over every comparison it made (finite
/// differences are not trusted within a step of a kink or a branch point), and whether any intermediate
/// overflowed to ±∞ or NaN (the point is then outside the program's domain: 0·∞ has no meaning there).
/// </summary>
public static class Trace
{
    private static readonly ThreadLocal<double> Nearest = new(() => double.PositiveInfinity);
    private static readonly ThreadLocal<bool> Overflowed = new();

    /// <summary>Starts a fresh evaluation.</summary>
    public static void Reset()
    {
        Nearest.Value = double.PositiveInfinity;
        Overflowed.Value = false;
    }

    /// <summary>The smallest gap seen since <see cref="Reset"/>.</summary>
    public static double NearestGap => Nearest.Value;

    /// <summary>Whether an intermediate was not finite since <see cref="Reset"/>.</summary>
    public static bool HasOverflowed => Overflowed.Value;

    public static void Overflow() => Overflowed.Value = true;

    /// <summary>
    /// Compares two values, remembering their gap relative to their size: near 5e5 a gap of 0.01 is
    /// crossed by a finite-difference step as easily as a gap of 1e-8 near 1.
    /// </summary>
    public static int Compare<T>(T a, T b)
        where T : IFloatingPointIeee754<T>
    {
        var (x, y) = (double.CreateChecked(a), double.CreateChecked(b));
        var gap = Math.Abs(x - y) / Math.Max(1, Math.Max(Math.Abs(x), Math.Abs(y)));
        if (gap < Nearest.Value)
        {
            Nearest.Value = gap;
        }

        return a < b ? -1 : a > b ? 1 : 0;
    }
}

/// <summary>The LINQ reductions the random programs use, over dual numbers, folding as DiffGen lowers them.</summary>
public static class DualLinq
{
    public static Dual<T> Sum<TIn, T>(TIn[] source, Func<TIn, Dual<T>> f)
        where T : IFloatingPointIeee754<T>
    {
        Dual<T> total = T.Zero;
        foreach (var v in source)
        {
            total += f(v);
        }

        return total;
    }

    // As Enumerable.Max: a later element replaces the best only when strictly greater; NaN ranks below every number.
    public static Dual<T> Max<TIn, T>(TIn[] source, Func<TIn, Dual<T>> f)
        where T : IFloatingPointIeee754<T>
    {
        var best = f(source[0]);
        for (var i = 1; i < source.Length; i++)
        {
            var v = f(source[i]);
            if (v.Value > best.Value || T.IsNaN(best.Value))
            {
                best = v;
            }
        }

        return best;
    }

    // As Enumerable.Min: replaced only when strictly smaller; a NaN is the result.
    public static Dual<T> Min<TIn, T>(TIn[] source, Func<TIn, Dual<T>> f)
        where T : IFloatingPointIeee754<T>
    {
        var best = f(source[0]);
        for (var i = 1; i < source.Length; i++)
        {
            var v = f(source[i]);
            if (!T.IsNaN(best.Value) && (T.IsNaN(v.Value) || v.Value < best.Value))
            {
                best = v;
            }
        }

        return best;
    }

    public static Dual<T> Average<TIn, T>(TIn[] source, Func<TIn, Dual<T>> f)
        where T : IFloatingPointIeee754<T> =>
        Sum(source, f) / (Dual<T>)T.CreateChecked(source.Length);

    public static Dual<T> ZipSum<TA, TB, T>(TA[] a, TB[] b, Func<TA, TB, Dual<T>> f)
        where T : IFloatingPointIeee754<T>
    {
        Dual<T> total = T.Zero;
        for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            total += f(a[i], b[i]);
        }

        return total;
    }
}
