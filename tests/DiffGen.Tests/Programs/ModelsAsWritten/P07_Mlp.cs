using System;
using DiffGen;
namespace DiffGen.Tests.Programs.ModelsAsWritten;

public enum Act { Identity, Relu, Tanh, Softplus }

public sealed class FcLayer
{
    public FcLayer(int i, int o, Act a) { In = i; Out = o; Activation = (int)a; W = new double[i * o]; B = new double[o]; }
    [NoDerivative] public int In { get; }
    [NoDerivative] public int Out { get; }
    [NoDerivative] public int Activation { get; }
    [NoDerivative] public bool Frozen { get; set; }
    public double[] W { get; }
    public double[] B { get; }
}

public sealed partial class DeepMlp
{
    public DeepMlp(params (int i, int o, Act a)[] spec) { Layers = new FcLayer[spec.Length]; for (int l = 0; l < spec.Length; l++) Layers[l] = new FcLayer(spec[l].i, spec[l].o, spec[l].a); }
    public FcLayer[] Layers { get; }
    public double OutScale = 1.0;

    static double Activate(int a, double z)
    {
        switch (a)
        {
            case 1: return z > 0 ? z : 0;
            case 2: return Math.Tanh(z);
            case 3: return Math.Log(1 + Math.Exp(z));
            default: return z;
        }
    }

    [Differentiable]
    public double Loss([NoDerivative] double[] x, [NoDerivative] double[] y, int n)
    {
        int maxWidth = 0;
        foreach (var layer in Layers) maxWidth = Math.Max(maxWidth, Math.Max(layer.In, layer.Out));
        double total = 0;
        for (int s = 0; s < n; s++)
        {
            var a = new double[maxWidth];
            int d0 = Layers[0].In;
            for (int k = 0; k < d0; k++) a[k] = x[s * d0 + k];
            foreach (var layer in Layers)
            {
                var z = new double[maxWidth];
                for (int j = 0; j < layer.Out; j++)
                {
                    double acc = layer.B[j];
                    for (int k = 0; k < layer.In; k++) acc += layer.W[j * layer.In + k] * a[k];
                    z[j] = Activate(layer.Activation, acc);
                }
                a = z;
            }
            double diff = OutScale * a[0] - y[s];
            total += diff * diff;
        }
        return total / n;
    }

    // indexed loop with continue over a skip flag and residual when widths equal
    [Differentiable]
    public double Residual([NoDerivative] double[] x)
    {
        var a = new double[x.Length];
        for (int k = 0; k < x.Length; k++) a[k] = x[k];
        for (int l = 0; l < Layers.Length; l++)
        {
            var layer = Layers[l];
            if (layer.Frozen) continue;
            var z = new double[a.Length];
            for (int j = 0; j < layer.Out; j++)
            {
                double acc = layer.B[j];
                for (int k = 0; k < layer.In; k++) acc += layer.W[j * layer.In + k] * a[k];
                z[j] = a[j] + Activate(layer.Activation, acc);
            }
            a = z;
        }
        double s = 0;
        for (int k = 0; k < a.Length; k++) s += a[k] * a[k];
        return s * OutScale;
    }

    public static void Run()
    {
        var spec = new[] { (3, 5, Act.Tanh), (5, 4, Act.Relu), (4, 2, Act.Softplus), (2, 1, Act.Identity) };
        var m = new DeepMlp(spec); FD.Fill(m, 7, 0.8); m.OutScale = 1.3;
        var g = new DeepMlp(spec); g.OutScale = 0;
        var r = new Random(1); int n = 6; var x = new double[n * 3]; var y = new double[n];
        for (int i = 0; i < x.Length; i++) x[i] = r.NextDouble() * 2 - 1;
        for (int i = 0; i < n; i++) y[i] = r.NextDouble();
        double v = m.LossGradient(x, y, n, g);
        FD.Check("P07a Mlp Layer[] varying widths, enum activation, foreach", m, o => ((DeepMlp)o).Loss(x, y, n), g, v);

        var spec2 = new[] { (3, 3, Act.Tanh), (3, 3, Act.Softplus), (3, 3, Act.Tanh) };
        var m2 = new DeepMlp(spec2); FD.Fill(m2, 8, 0.8); m2.OutScale = 0.7; m2.Layers[1].Frozen = true;
        var g2 = new DeepMlp(spec2); g2.OutScale = 0;
        var x2 = new[] { 0.2, -0.4, 0.9 };
        double v2 = m2.ResidualGradient(x2, g2);
        FD.Check("P07b residual stack, frozen layer skipped by continue (Layers[1] grads must be 0)", m2, o => ((DeepMlp)o).Residual(x2), g2, v2);
    }
}
