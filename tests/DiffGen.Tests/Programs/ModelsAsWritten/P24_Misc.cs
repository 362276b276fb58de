using System;
using System.Linq;
using DiffGen;
namespace DiffGen.Tests.Programs.ModelsAsWritten;

public sealed class Config { public double Temperature = 2.0; public int Steps = 3; public double[] Weights = { 0.5, 0.3, 0.2 }; }
public sealed class IntConfig { public int Steps = 3; public bool Flag = true; }

public sealed partial class FloatNet
{
    public float[] W = new float[4];
    public float B;
    [NoDerivative] public float Eps = 1e-3f;
    [Differentiable]
    public float Loss([NoDerivative] float[] x, [NoDerivative] Config cfg, IntConfig ic)
    {
        float s = B;
        for (int i = 0; i < W.Length; i++) s += W[i] * x[i];
        float r = MathF.Tanh(s / (float)cfg.Temperature);
        for (int k = 0; k < ic.Steps; k++) r = r * r + (float)cfg.Weights[k] * W[k];
        return ic.Flag ? r * r + Eps : r;
    }
    public static void Run()
    {
        var m = new FloatNet { W = new[] { 0.3f, -0.2f, 0.5f, 0.1f }, B = 0.05f };
        var g = new FloatNet { Eps = 0 };
        var x = new[] { 1f, 0.5f, -0.3f, 0.8f }; var cfg = new Config(); var ic = new IntConfig();
        float v = m.LossGradient(x, cfg, ic, g);
        FD.Check("P24a float model, float method, [NoDerivative] config model param, int-only config model", m, o => ((FloatNet)o).Loss(x, cfg, ic), g, v);
        var ps = ParameterSet<float>.FromModel(m, g);
        Console.WriteLine("      FromModel<float>: " + string.Join(",", ps.Select(p => p.Name)));
        var opt = new Adam<float>(ps, 1e-2);
        float l0 = m.Loss(x, cfg, ic);
        for (int i = 0; i < 50; i++) { ps.ZeroGradients(); m.LossGradient(x, cfg, ic, g); opt.Step(); }
        Console.WriteLine($"      float training loss {l0} -> {m.Loss(x, cfg, ic)}, Eps {m.Eps}");
    }
}

public partial struct Pendulum
{
    public double Length;
    public double Damping;
    public double Gravity;
    static double Accel(Pendulum p, double th, double om) => -p.Gravity / p.Length * Math.Sin(th) - p.Damping * om;
    [Differentiable]
    public double Simulate(double theta0, int steps, double dt)
    {
        double th = theta0, om = 0;
        for (int i = 0; i < steps; i++)
        {
            double a = Accel(this, th, om);
            om += dt * a;
            th += dt * om;
        }
        return th * th + 0.1 * om * om;
    }
    public static void Run()
    {
        var m = new Pendulum { Length = 1.2, Damping = 0.3, Gravity = 9.81 };
        var g = new Pendulum(); double dth = 0, ddt = 0;
        double v = m.SimulateGradient(0.5, 50, 0.02, ref g, ref dth, ref ddt);
        FD.Check("P24b mutable struct, instance method passing `this` to a static helper", m, o => ((Pendulum)o).Simulate(0.5, 50, 0.02), g, v);
    }
}
