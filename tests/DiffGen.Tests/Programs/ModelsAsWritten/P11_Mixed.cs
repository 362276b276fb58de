using System;
using DiffGen;
namespace DiffGen.Tests.Programs.ModelsAsWritten;

// float fields in a double method
public sealed partial class Quantized
{
    public float Scale = 0.5f;
    public float[] Codes = new float[3];
    public double Offset;

    [Differentiable]
    public double Loss(double x)
    {
        double s = Offset;
        for (int i = 0; i < Codes.Length; i++) s += Scale * Codes[i] * Math.Pow(x, i);
        return s * s;
    }
    public static void Run()
    {
        var m = new Quantized { Scale = 0.8f, Codes = new[] { 0.3f, -0.6f, 1.1f }, Offset = 0.2 };
        var g = new Quantized { Scale = 0, Codes = new float[3] }; double dx = 0;
        double v = m.LossGradient(1.3, g, ref dx);
        FD.Check("P11 float fields in a double method", m, o => ((Quantized)o).Loss(1.3), g, v);
    }
}

// inheritance: members declared in a base class
public abstract class LayerBase
{
    public double[] W = new double[4];
    public double Bias;
    [NoDerivative] public int Size = 4;
}
public sealed partial class Derived : LayerBase
{
    public double Gain;
    [Differentiable]
    public double Out(double[] x)
    {
        double s = Bias;
        for (int i = 0; i < Size; i++) s += W[i] * x[i];
        return Gain * Math.Tanh(s);
    }
    public static void Run()
    {
        var m = new Derived(); FD.Fill(m, 12, 0.9); var g = new Derived();
        var x = new[] { 0.1, 0.5, -0.3, 0.8 }; var dx = new double[4];
        double v = m.OutGradient(x, g, dx);
        FD.Check("P12 inherited members (base class fields)", m, o => ((Derived)o).Out(x), g, v);
    }
}

