using System;
using DiffGen;
namespace DiffGen.Tests.Programs.ModelsAsWritten;

public sealed class Emb { public double[] E = new double[6]; public double Bias; }
public sealed partial class TiedLm
{
    public Emb Input = new();
    public Emb Output = new();
    public double[] U = new double[6];

    [Differentiable]
    public double Score([NoDerivative] int[] ids)
    {
        double s = 0;
        for (int t = 0; t + 1 < ids.Length; t++)
        {
            double dot = 0;
            for (int k = 0; k < 3; k++) dot += Input.E[ids[t] * 3 + k] * Output.E[ids[t + 1] * 3 + k];
            s += Math.Log(1 + Math.Exp(-dot - Input.Bias - Output.Bias));
        }
        double c = 0;
        for (int k = 0; k < 6; k++) c += Input.E[k] * U[k];
        return s + 0.1 * c;
    }

    public static void Run()
    {
        var shared = new Emb(); FD.Fill(shared, 21, 0.9);
        var m = new TiedLm { Input = shared, Output = shared }; FD.Fill(m.U, 22, 0.5);
        var gs = new Emb(); var g = new TiedLm { Input = gs, Output = gs };
        var ids = new[] { 0, 1, 0, 1, 1 };
        double v = m.ScoreGradient(ids, g);
        // FD over the shared object once (reflection walk would perturb it via Input only)
        int bad = 0;
        for (int i = 0; i < shared.E.Length; i++)
        {
            double sv = shared.E[i]; shared.E[i] = sv + 1e-6; double up = m.Score(ids); shared.E[i] = sv - 1e-6; double dn = m.Score(ids); shared.E[i] = sv;
            double fd = (up - dn) / 2e-6; if (Math.Abs(fd - gs.E[i]) > 1e-6 * Math.Max(1, Math.Abs(fd))) { bad++; Console.WriteLine($"      E[{i}] {gs.E[i]} vs {fd}"); }
        }
        { double sv = shared.Bias; shared.Bias = sv + 1e-6; double up = m.Score(ids); shared.Bias = sv - 1e-6; double dn = m.Score(ids); shared.Bias = sv; double fd = (up - dn) / 2e-6; if (Math.Abs(fd - gs.Bias) > 1e-6 * Math.Max(1, Math.Abs(fd))) { bad++; Console.WriteLine($"      Bias {gs.Bias} vs {fd}"); } }
        Console.WriteLine($"[{(bad == 0 ? "OK " : "BAD")}] P22a tied embeddings (Input and Output the same object)"); if (bad > 0) FD.Failures++;
        try { var ps = ParameterSet<double>.FromModel(m, g); Console.WriteLine("      FromModel on tied model: " + string.Join(",", System.Linq.Enumerable.Select(ps, p => p.Name))); }
        catch (Exception e) { Console.WriteLine($"      FromModel on tied model: {e.GetType().Name}: {e.Message}"); }
    }
}

// record inheritance with positional init-only members in the base
public abstract partial record RateModel(double R0, double Speed);
public sealed partial record Vasicek(double R0, double Speed, double Mean, double Vol) : RateModel(R0, Speed)
{
    [Differentiable]
    public double Bond(double t)
    {
        double b = (1 - Math.Exp(-Speed * t)) / Speed;
        double a = (Mean - Vol * Vol / (2 * Speed * Speed)) * (b - t) - Vol * Vol * b * b / (4 * Speed);
        return Math.Exp(a - b * R0);
    }
    public static void Run()
    {
        var m = new Vasicek(0.03, 0.8, 0.05, 0.02); var g = new Vasicek(0, 0, 0, 0);
        double dt = 0; double v = m.BondGradient(5.0, g, ref dt);
        FD.Check("P22b record inheritance: init-only members in base record", m, o => ((Vasicek)o).Bond(5.0), g, v);
        try { var ps = ParameterSet<double>.FromModel(m, g); Console.WriteLine("      FromModel: " + string.Join(",", System.Linq.Enumerable.Select(ps, p => p.Name))); }
        catch (Exception e) { Console.WriteLine($"      FromModel: {e.GetType().Name}: {e.Message}"); }
    }
}

// the model and one of its arrays passed separately; property returning a nested model
public sealed class Head2 { public double[] W = new double[3]; public double B; }
public sealed partial class Both
{
    public Head2[] Heads = { new Head2(), new Head2() };
    public Head2 Main = new();
    public Head2 Last => Heads[Heads.Length - 1];

    [Differentiable]
    public static double Twice(Both m, double[] w, double x) => m.Main.W[0] * w[0] * x + m.Main.W[1] * w[1] + Math.Sin(w[2] * m.Main.W[2]);


    public static void Run()
    {
        var m = new Both(); FD.Fill(m, 23, 0.9); var g = new Both(); double dx = 0;
        double v = TwiceGradient(m, m.Main.W, 0.7, g, g.Main.W, ref dx);
        FD.Check("P22c F(m, m.Main.W) — model and its array passed separately, gradients aliased", m, o => Twice((Both)o, ((Both)o).Main.W, 0.7), g, v);
    }
}
