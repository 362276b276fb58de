using System;
using DiffGen;
namespace DiffGen.Tests.Programs.ModelsAsWritten;

public sealed partial class LstmCell
{
    public LstmCell(int input, int hidden)
    {
        Input = input; Hidden = hidden;
        Wi = new double[hidden * (input + hidden)]; Wf = new double[hidden * (input + hidden)];
        Wo = new double[hidden * (input + hidden)]; Wg = new double[hidden * (input + hidden)];
        Bi = new double[hidden]; Bf = new double[hidden]; Bo = new double[hidden]; Bg = new double[hidden];
        Head = new double[hidden];
    }
    [NoDerivative] public int Input { get; }
    [NoDerivative] public int Hidden { get; }
    public double[] Wi, Wf, Wo, Wg;
    public double[] Bi, Bf, Bo, Bg;
    public double[] Head;
    public double HeadBias;

    static double Sigmoid(double z) => 1.0 / (1.0 + Math.Exp(-z));

    double Gate(double[] w, double[] b, int j, double[] x, double[] h)
    {
        int n = Input + Hidden;
        double z = b[j];
        for (int k = 0; k < Input; k++) z += w[j * n + k] * x[k];
        for (int k = 0; k < Hidden; k++) z += w[j * n + Input + k] * h[k];
        return z;
    }

    public void Step(double[] x, double[] h, double[] c, double[] hOut, double[] cOut)
    {
        for (int j = 0; j < Hidden; j++)
        {
            double i = Sigmoid(Gate(Wi, Bi, j, x, h));
            double f = Sigmoid(Gate(Wf, Bf, j, x, h));
            double o = Sigmoid(Gate(Wo, Bo, j, x, h));
            double g = Math.Tanh(Gate(Wg, Bg, j, x, h));
            cOut[j] = f * c[j] + i * g;
            hOut[j] = o * Math.Tanh(cOut[j]);
        }
    }

    [Differentiable]
    public double SequenceLoss([NoDerivative] double[] xs, [NoDerivative] double[] targets, int steps)
    {
        var h = new double[Hidden];
        var c = new double[Hidden];
        double loss = 0;
        for (int t = 0; t < steps; t++)
        {
            var x = new double[Input];
            for (int k = 0; k < Input; k++) x[k] = xs[t * Input + k];
            var hn = new double[Hidden];
            var cn = new double[Hidden];
            Step(x, h, c, hn, cn);
            double y = HeadBias;
            for (int j = 0; j < Hidden; j++) y += Head[j] * hn[j];
            double d = y - targets[t];
            loss += d * d;
            h = hn; c = cn;
        }
        return loss / steps;
    }

    public static void Run()
    {
        var m = new LstmCell(2, 3); FD.Fill(m, 1, 0.7);
        var g = new LstmCell(2, 3);
        var r = new Random(2); var xs = new double[5 * 2]; var ts = new double[5];
        for (int i = 0; i < xs.Length; i++) xs[i] = r.NextDouble() * 2 - 1;
        for (int i = 0; i < ts.Length; i++) ts[i] = r.NextDouble();
        double v = m.SequenceLossGradient(xs, ts, 5, g);
        FD.Check("P01 LSTM cell", m, o => ((LstmCell)o).SequenceLoss(xs, ts, 5), g, v);
    }
}
