using System;
using DiffGen;
namespace DiffGen.Tests.Programs.ModelsAsWritten;

public sealed class Cell { public double[] W = new double[3]; public double Gain = 1; public bool Skip; }
public sealed partial class Rows
{
    public Cell[] Cells = { new Cell(), new Cell(), new Cell() };

    [Differentiable]
    public static double Dot3(double[] w, double[] x) => w[0] * x[0] + w[1] * x[1] + Math.Sin(w[2] * x[2]);

    static double Quad(double[] w, double x) => w[0] + w[1] * x + w[2] * x * x;

    [Differentiable]
    public double Bound([NoDerivative] double[] x)
    {
        double s = 0;
        for (int l = 0; l < Cells.Length; l++)
        {
            var c = Cells[l];
            if (s > -100) s += c.Gain * Dot3(c.W, x);     // [Differentiable] helper through its gradient, inside a branch
            else s -= Quad(c.W, s);
            s = Math.Tanh(s) + Quad(c.W, 0.3 * s);        // in-place helper reading the row
        }
        return s;
    }

    public static void Run()
    {
        var m = new Rows(); FD.Fill(m, 25, 0.8);
        var x = new[] { 0.4, -0.3, 0.9 };
        var g = new Rows(); foreach (var c in g.Cells) c.Gain = 0;
        double v = m.BoundGradient(x, g);
        FD.Check("P25a element bound, rows passed to [Differentiable] and in-place helpers inside branch", m, o => ((Rows)o).Bound(x), g, v);
    }
}
