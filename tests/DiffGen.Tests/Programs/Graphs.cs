using System;

namespace DiffGen.Tests.Programs;

/// <summary>
/// Programs drawn by their generated <c>{Method}Graph</c>: a loop with a break and a local array, calls
/// (collapsed or expanded, array arguments, a callee without a graph), float precision, a Max tie, and
/// source text that DOT must escape.
/// </summary>
public static partial class Graphs
{
    [Differentiable(Graph = true)]
    public static double Iterate(double x, double[] w)
    {
        double[] h = new double[2];
        double r = x;
        int i = 0;
        while (i < w.Length)
        {
            r = Math.Tanh(r * w[i]);
            h[i % 2] += r;
            if (r < -0.5)
                break;
            i++;
        }

        return h[0] * h[1] + r;
    }

    [Differentiable(Graph = true)]
    public static double Dot(double[] w, [NoDerivative] double[] x, double scale)
    {
        double s = 0;
        for (int i = 0; i < w.Length; i++)
            s += w[i] * x[i];
        return scale * s;
    }

    [Differentiable]
    public static double Square(double z) => z * z;

    [Differentiable(Graph = true)]
    public static double Calls(double[] w, [NoDerivative] double[] x, double b)
    {
        double[] twice = { 2 * b, b };
        return Square(Dot(w, x, b) - 1) + Dot(twice, x, 1.0);
    }

    [Differentiable(Graph = true)]
    public static float Single(float x, float[] w)
    {
        float s = 0;
        for (int i = 0; i < w.Length; i++)
            s += MathF.Sin(w[i] * x) / (1 + w[i] * w[i]);
        return s * MathF.Exp(-x);
    }

    [Differentiable(Graph = true)]
    public static double Tie(double x, double y) => Math.Max(x, y) * Math.Max(x * y, 0);

    [Differentiable(Graph = true)]
    public static double Escapes(double x, double y)
    {
        double s = x /* a "quoted" \ back\slash, <tag> & {brace} */ * y;
        return s < 1 ? s * s : (x > y ? s : -s);
    }
}
