using System;
using System.Linq;
using DiffGen;
namespace DiffGen.Tests.Programs.ModelsAsWritten;

public sealed class Stage
{
    public double Scale = 1;
    public double[] W = new double[2];
    public double Eval(double x) => Scale * Math.Tanh(W[0] * x + W[1]);
}
public sealed partial class Pipeline
{
    public Stage[] Stages = Array.Empty<Stage>();
    public double[] Table = new double[5];
    public double Mix;

    [Differentiable]
    public double IndexForms(double x, [NoDerivative] int[] order)
    {
        int k = 0;
        double s = Stages[k].Scale * x;
        k = 2;
        s += Stages[k].Scale * Stages[k].W[1];
        int j = 0;
        while (j < order.Length)
        {
            var st = Stages[order[j]];
            s = st.Eval(s) + 0.1 * s;
            j++;
        }
        int m = 1;
        for (int t = 0; t < 4; t++)
        {
            s += Stages[m].Eval(x * t);
            m = (m + 1) % Stages.Length;
        }
        return s;
    }

    [Differentiable]
    public double ForeachBreak(double x)
    {
        double s = x;
        int count = 0;
        foreach (var st in Stages)
        {
            if (count == 2) break;
            s = st.Eval(s);
            count++;
        }
        return s * Mix;
    }

    // data-dependent index into a model array (lookup table, piecewise linear)
    [Differentiable]
    public double Interp(double x)
    {
        double pos = Math.Clamp(x, 0, Table.Length - 1.000001);
        int i = (int)Math.Floor(pos);
        double f = pos - i;
        return (1 - f) * Table[i] + f * Table[i + 1];
    }

    // LINQ over model arrays and over the array of models; local function reading members
    [Differentiable]
    public double Linq(double x)
    {
        double norm = Table.Sum(v => v * v);
        double total = Stages.Sum(st => st.Scale);
        double Poly(double t) => Mix * t * t + Table[0];
        return norm + total * Poly(x);
    }

    static Pipeline Make() => new Pipeline { Stages = new[] { new Stage(), new Stage(), new Stage() } };
    public static void Run()
    {
        var m = Make(); FD.Fill(m, 20, 0.9);
        var order = new[] { 2, 0, 2, 1 };
        var g = Make(); foreach (var s in g.Stages) s.Scale = 0; double dx = 0;
        double v = m.IndexFormsGradient(0.6, order, g, ref dx);
        FD.Check("P20a index forms: reassigned local index, data index in while, rotating index", m, o => ((Pipeline)o).IndexForms(0.6, order), g, v);
        g = Make(); foreach (var s in g.Stages) s.Scale = 0; dx = 0;
        v = m.ForeachBreakGradient(0.6, g, ref dx);
        FD.Check("P20b foreach over models with break", m, o => ((Pipeline)o).ForeachBreak(0.6), g, v);
        foreach (var x in new[] { 1.3, 3.7 })
        {
            g = Make(); foreach (var s in g.Stages) s.Scale = 0; dx = 0;
            v = m.InterpGradient(x, g, ref dx);
            FD.Check($"P20c data-dependent index into model table x={x}", m, o => ((Pipeline)o).Interp(x), g, v);
        }
        g = Make(); foreach (var s in g.Stages) s.Scale = 0; dx = 0;
        v = m.LinqGradient(0.6, g, ref dx);
        FD.Check("P20d LINQ over model array & array of models, local function", m, o => ((Pipeline)o).Linq(0.6), g, v);
    }
}
