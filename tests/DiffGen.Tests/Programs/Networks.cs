using System;

namespace DiffGen.Tests.Programs;

/// <summary>The mission's example: mean squared error of a two-layer ReLU network over a batch.</summary>
public static partial class TwoLayerNet
{
    [Differentiable]
    public static double Loss([NoDerivative] double[] x, [NoDerivative] double[] y,
                              int n, int d, int h,
                              double[] w1, double[] b1, double[] w2, double b2)
    {
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            double output = b2;
            for (int j = 0; j < h; j++)
            {
                double z = b1[j];
                for (int k = 0; k < d; k++)
                    z += x[i * d + k] * w1[j * d + k];
                output += Math.Max(0, z) * w2[j];
            }

            double diff = y[i] - output;
            total += diff * diff;
        }

        return total / n;
    }
}

/// <summary>XOR with a 2-4-1 sigmoid network, binary cross-entropy, the hidden layer in a local array.</summary>
public static partial class XorNet
{
    [Differentiable]
    public static double Loss(double[] w1, double[] b1, double[] w2, double b2,
                              [NoDerivative] double[] x, [NoDerivative] double[] y)
    {
        double[] hidden = new double[4];
        double loss = 0;
        for (int s = 0; s < 4; s++)
        {
            for (int j = 0; j < 4; j++)
            {
                double z = b1[j] + w1[j * 2] * x[s * 2] + w1[j * 2 + 1] * x[s * 2 + 1];
                hidden[j] = 1 / (1 + Math.Exp(-z));
            }

            double o = b2;
            for (int j = 0; j < 4; j++)
                o += w2[j] * hidden[j];
            double p = 1 / (1 + Math.Exp(-o));
            loss -= y[s] * Math.Log(p + 1e-8) + (1 - y[s]) * Math.Log(1 - p + 1e-8);
        }

        return loss / 4;
    }
}

/// <summary>Apples versus oranges: a line y = m·x + c fitted with a root-mean-square loss.</summary>
public static partial class Line
{
    [Differentiable]
    public static double RmsLoss(double m, double c, [NoDerivative] double[] x, [NoDerivative] double[] y)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double e = m * x[i] + c - y[i];
            sum += e * e;
        }

        return Math.Sqrt(sum / x.Length);
    }
}
