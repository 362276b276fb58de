using System;
using System.Linq;
using System.Collections.Generic;
using DiffGen;
namespace DiffGen.Tests.Programs.ModelsAsWritten;

public static class Trainer
{
    public static void Train<TM>(string name, TM model, TM grad, Func<double> loss, Action computeGrad, int steps = 60, double lr = 1e-2, bool adamW = false) where TM : class
    {
        Console.WriteLine($"== {name}");
        ParameterSet<double> ps;
        try { ps = ParameterSet<double>.FromModel(model, grad); }
        catch (Exception e) { Console.WriteLine($"[EXC] FromModel: {e.GetType().Name}: {e.Message}"); FD.Failures++; return; }
        Console.WriteLine("   params: " + string.Join(", ", ps.Select(p => $"{p.Name}[{p.Values.Length}]")));
        var before = FDX.Snapshot(model);
        // coverage: every non-ND leaf must be a parameter
        var names = new HashSet<string>(ps.Select(p => p.Name));
        var missing = before.Where(kv => !kv.Value.nd).Select(kv => kv.Key.Split('[').Length > 1 && kv.Key.EndsWith("]") && !names.Contains(kv.Key) ? kv.Key[..kv.Key.LastIndexOf('[')] : kv.Key).Distinct().Where(k => !names.Contains(k)).ToList();
        var nd = before.Where(kv => kv.Value.nd).Select(kv => kv.Key).Where(k => names.Contains(k) || names.Contains(k.Contains('[') ? k[..k.LastIndexOf('[')] : k)).ToList();
        if (missing.Count > 0) Console.WriteLine("   NOT registered: " + string.Join(", ", missing));
        if (nd.Count > 0) Console.WriteLine("   [NoDerivative] members registered as parameters: " + string.Join(", ", nd.Distinct()));
        var checks = GradientCheck.Run(ps, loss, () => { ps.ZeroGradients(); computeGrad(); });
        double worst = checks.Count == 0 ? 0 : checks.Max(c => c.RelativeError);
        Console.WriteLine($"   GradientCheck worst rel err {worst:G3} ({checks.Count} rows)");
        var opt = adamW ? (IOptimizer)new AdamW<double>(ps, learningRate: lr) : new Adam<double>(ps, learningRate: lr);
        double l0 = loss();
        string path = System.IO.Path.GetTempFileName();
        double[] Flat() { ps.ReadModel(); return ps.SelectMany(p => p.Values).ToArray(); }
        double[]? atSave = null;
        for (int s = 0; s < steps; s++)
        {
            ps.ZeroGradients(); computeGrad(); opt.Step();
            if (s == steps / 2) { Checkpoint.Save(path, ps, opt); atSave = Flat(); }
        }
        double l1 = loss();
        var final1 = Flat();
        var after = FDX.Snapshot(model);
        var unchanged = after.Where(kv => !kv.Value.nd && kv.Value.v == before[kv.Key].v).Select(kv => kv.Key).ToList();
        var ndChanged = after.Where(kv => kv.Value.nd && kv.Value.v != before[kv.Key].v).Select(kv => kv.Key).ToList();
        Console.WriteLine($"   loss {l0:G6} -> {l1:G6}; unchanged trainable leaves: {unchanged.Count}{(unchanged.Count > 0 ? " (" + string.Join(", ", unchanged.Take(6)) + ")" : "")}");
        if (ndChanged.Count > 0) { Console.WriteLine("   [NoDerivative] members CHANGED by training: " + string.Join(", ", ndChanged)); }
        // resume from checkpoint
        Checkpoint.Load(path, ps, opt);
        var loaded = Flat();
        bool loadOk = atSave!.SequenceEqual(loaded);
        for (int s = steps / 2 + 1; s < steps; s++) { ps.ZeroGradients(); computeGrad(); opt.Step(); }
        var final2 = Flat();
        bool resumeOk = final1.SequenceEqual(final2);
        Console.WriteLine($"   checkpoint load restores values: {loadOk}; resumed run bit-identical: {resumeOk}");
        if (!loadOk || !resumeOk || worst > 1e-5) FD.Failures++;
        System.IO.File.Delete(path);
    }

    public static void Run()
    {
        {
            var spec = new[] { (3, 5, Act.Tanh), (5, 4, Act.Relu), (4, 1, Act.Identity) };
            var m = new DeepMlp(spec); FD.Fill(m, 7, 0.8); m.OutScale = 1.0; var g = new DeepMlp(spec);
            var r = new Random(1); int n = 8; var x = new double[n * 3]; var y = new double[n];
            for (int i = 0; i < x.Length; i++) x[i] = r.NextDouble() * 2 - 1;
            for (int i = 0; i < n; i++) y[i] = Math.Sin(x[3 * i]);
            Train("DeepMlp (Layer[] + scalar field OutScale)", m, g, () => m.Loss(x, y, n), () => m.LossGradient(x, y, n, g));
        }
        {
            var m = new Heston(1.5, 0.04, 0.6, -0.7, 0.05); var g = new Heston(0, 0, 0, 0, 0);
            var ts = new[] { 0.25, 0.5, 1.0, 2.0 }; var vs = new[] { 0.045, 0.043, 0.041, 0.04 };
            Train("Heston positional record (init-only via UnsafeAccessor)", m, g, () => m.Error(ts, vs), () => m.ErrorGradient(ts, vs, g), lr: 1e-3);
        }
        {
            var m = new LayerNorm(4); FD.Fill(m, 5, 1.0); var g = new LayerNorm(4);
            var x = new[] { 0.3, -1.2, 0.8, 2.0 }; var tg = new[] { 0.1, 0.2, -0.3, 0.5 }; var dx = new double[4];
            Train("LayerNorm with [NoDerivative] Eps, AdamW", m, g, () => m.Loss(x, tg), () => m.LossGradient(x, tg, g, dx), adamW: true);
        }
        {
            var m = new LstmCell(2, 3); FD.Fill(m, 1, 0.7); var g = new LstmCell(2, 3);
            var r = new Random(2); var xs = new double[5 * 2]; var ts = new double[5];
            for (int i = 0; i < xs.Length; i++) xs[i] = r.NextDouble() * 2 - 1;
            for (int i = 0; i < ts.Length; i++) ts[i] = r.NextDouble();
            Train("LSTM cell (public array fields)", m, g, () => m.SequenceLoss(xs, ts, 5), () => m.SequenceLossGradient(xs, ts, 5, g));
        }
        {
            var m = new Quantized { Scale = 0.8f, Codes = new[] { 0.3f, -0.6f, 1.1f }, Offset = 0.2 };
            var g = new Quantized { Scale = 0, Codes = new float[3] }; double dx = 0;
            Train("Quantized (float members in a double method)", m, g, () => m.Loss(1.3), () => m.LossGradient(1.3, g, ref dx));
        }
        {
            var m = new Derived(); FD.Fill(m, 12, 0.9); var g = new Derived(); var x = new[] { 0.1, 0.5, -0.3, 0.8 }; var dx = new double[4];
            Train("Derived (base-class members)", m, g, () => m.Out(x), () => m.OutGradient(x, g, dx));
        }
        {
            var m = new GetOnlyModel(0.7, new[] { 0.1, 0.2 }); var g = new GetOnlyModel(0, new double[2]);
            Train("GetOnlyModel (get-only scalar property of a class)", m, g, () => m.F(1.3), () => { double d = 0; m.FGradient(1.3, g, ref d); });
            var g2 = new GetOnlyModel(0, new double[2]); double dd = 0; double v = m.FGradient(1.3, g2, ref dd);
            FD.Check("P19 get-only scalar property of a class", m, o => ((GetOnlyModel)o).F(1.3), g2, v);
        }
    }
}

public sealed partial class GetOnlyModel
{
    public GetOnlyModel(double s, double[] w) { Scale = s; W = w; }
    public double Scale { get; }
    public double[] W { get; }
    [Differentiable]
    public double F(double x) => Scale * x * x + W[0] * Math.Sin(W[1] * x);
}
