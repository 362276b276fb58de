using System;
using DiffGen;
namespace DiffGen.Tests.Programs.ModelsAsWritten;

public sealed class Embedding
{
    public double[] Table = Array.Empty<double>();
    [NoDerivative] public int Dim;
    public double Lookup(int id, int k) => Table[id * Dim + k];
}
public sealed class Scorer
{
    public double[] V = Array.Empty<double>();
    public double Temperature;
    public double Score(Embedding e, int id)
    {
        double s = 0;
        for (int k = 0; k < e.Dim; k++) s += V[k] * e.Lookup(id, k);
        return s / Temperature;
    }
}
public sealed class Encoder
{
    public Embedding Emb = new();
    public Scorer Head = new();
    public double Logit(int id) => Head.Score(Emb, id);
}
public sealed partial class Ranker
{
    public Encoder Enc = new();
    public double Bias;

    double Prob(int id) => 1 / (1 + Math.Exp(-(Enc.Logit(id) + Bias)));

    [Differentiable]
    public double LogLoss([NoDerivative] int[] ids, [NoDerivative] bool[] clicked)
    {
        double s = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            double p = Prob(ids[i]);
            s -= clicked[i] ? Math.Log(p) : Math.Log(1 - p);
        }
        return s;
    }

    static Ranker Make() => new Ranker { Enc = new Encoder { Emb = new Embedding { Dim = 3, Table = new double[4 * 3] }, Head = new Scorer { V = new double[3] } } };
    public static void Run()
    {
        var m = Make(); FD.Fill(m, 9, 0.9); m.Enc.Head.Temperature = 1.7;
        var g = Make();
        var ids = new[] { 0, 2, 3, 2, 1, 0 }; var cl = new[] { true, false, true, true, false, false };
        double v = m.LogLossGradient(ids, cl, g);
        FD.Check("P09 3-level nesting, method of nested model calling method of another with model arg", m, o => ((Ranker)o).LogLoss(ids, cl), g, v);
    }
}
