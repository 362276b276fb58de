using System;
using System.Linq;

namespace DiffGen.Tests.Programs.EndToEnd;

/// <summary>Machine-learning programs as first written (issue 13, end to end).</summary>
public static partial class MachineLearning
{
    // A one-hidden-layer tanh MLP with mean squared error (Goodfellow, Bengio & Courville, "Deep
    // Learning", 2016, §6.1), the forward pass in a helper returning the output vector.
    static double[] Forward(double[] x, double[] w1, double[] b1, double[] w2, double[] b2)
    {
        int hidden = b1.Length, outputs = b2.Length;
        var h = new double[hidden];
        for (int j = 0; j < hidden; j++)
        {
            double z = b1[j];
            for (int i = 0; i < x.Length; i++) z += w1[j * x.Length + i] * x[i];
            h[j] = Math.Tanh(z);
        }

        var y = new double[outputs];
        for (int k = 0; k < outputs; k++)
        {
            y[k] = b2[k];
            for (int j = 0; j < hidden; j++) y[k] += w2[k * hidden + j] * h[j];
        }

        return y;
    }

    [Differentiable]
    public static double MlpLoss(double[] w1, double[] b1, double[] w2, double[] b2, [NoDerivative] double[] x, [NoDerivative] double[] target)
    {
        var y = Forward(x, w1, b1, w2, b2);
        double loss = 0;
        for (int k = 0; k < y.Length; k++) loss += (y[k] - target[k]) * (y[k] - target[k]);
        return loss / y.Length;
    }

    // Layer normalization (Ba, Kiros & Hinton, "Layer Normalization", 2016, eq. 4) followed by a
    // squared error, the statistics from a Moments helper returning a tuple.
    static (double mean, double variance) Moments(double[] x)
    {
        double mean = 0;
        foreach (var v in x) mean += v;
        mean /= x.Length;
        double variance = 0;
        foreach (var v in x) variance += (v - mean) * (v - mean);
        variance /= x.Length;
        return (mean, variance);
    }

    [Differentiable]
    public static double LayerNormLoss(double[] x, double[] gamma, double[] beta, [NoDerivative] double[] target)
    {
        var (mean, variance) = Moments(x);
        double invStd = 1 / Math.Sqrt(variance + 1e-5);
        double loss = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double y = gamma[i] * (x[i] - mean) * invStd + beta[i];
            loss += (y - target[i]) * (y - target[i]);
        }

        return loss;
    }

    // Scaled dot-product attention for one query (Vaswani et al., "Attention Is All You Need",
    // 2017, eq. 1), keys and values row-major n × d, squared error on the output.
    [Differentiable]
    public static double AttentionLoss(double[] query, double[] keys, double[] values, int d, [NoDerivative] double[] target)
    {
        int n = keys.Length / d;
        var scores = new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int j = 0; j < d; j++) s += query[j] * keys[i * d + j];
            scores[i] = s / Math.Sqrt(d);
        }

        double max = double.NegativeInfinity;
        foreach (var s in scores) max = Math.Max(max, s);
        var weights = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            weights[i] = Math.Exp(scores[i] - max);
            sum += weights[i];
        }

        var output = new double[d];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++) output[j] += weights[i] / sum * values[i * d + j];
        }

        double loss = 0;
        for (int j = 0; j < d; j++) loss += (output[j] - target[j]) * (output[j] - target[j]);
        return loss;
    }

    // A 1-D convolution ("valid", cross-correlation as in PyTorch's Conv1d) + ReLU + MSE, each
    // window taken as a span slice and dotted with the kernel.
    static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    [Differentiable]
    public static double Conv1dLoss(double[] kernel, double bias, [NoDerivative] double[] signal, [NoDerivative] double[] target)
    {
        int outLen = signal.Length - kernel.Length + 1;
        double loss = 0;
        for (int i = 0; i < outLen; i++)
        {
            double y = Math.Max(0, Dot(kernel, signal.AsSpan(i, kernel.Length)) + bias);
            loss += (y - target[i]) * (y - target[i]);
        }

        return loss / outLen;
    }

    // A GRU cell (Cho et al. 2014, eqs. 5–8) over a scalar input sequence, squared error on the
    // last hidden state; a new state array each step.
    static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));

    [Differentiable]
    public static double GruSequenceLoss(double[] wz, double[] uz, double[] wr, double[] ur, double[] wh, double[] uh, [NoDerivative] double[] inputs, double target)
    {
        int n = wz.Length;
        var h = new double[n];
        foreach (var x in inputs)
        {
            var hNext = new double[n];
            for (int i = 0; i < n; i++)
            {
                double az = wz[i] * x, ar = wr[i] * x, ah = 0;
                for (int j = 0; j < n; j++)
                {
                    az += uz[i * n + j] * h[j];
                    ar += ur[i * n + j] * h[j];
                    ah += uh[i * n + j] * h[j];
                }

                double z = Sigmoid(az);
                double r = Sigmoid(ar);
                double candidate = Math.Tanh(wh[i] * x + r * ah);
                hNext[i] = (1 - z) * h[i] + z * candidate;
            }

            h = hNext;
        }

        double loss = 0;
        for (int i = 0; i < n; i++) loss += (h[i] - target) * (h[i] - target);
        return loss;
    }

    // Softmax classifier (multinomial logistic regression) with cross-entropy loss, CS231n
    // "Linear classification" notes; weights row-major classes × features.
    static double[] Softmax(double[] z)
    {
        double max = z.Max();
        var exp = new double[z.Length];
        double sum = 0;
        for (int i = 0; i < z.Length; i++)
        {
            exp[i] = Math.Exp(z[i] - max);
            sum += exp[i];
        }

        for (int i = 0; i < z.Length; i++) exp[i] /= sum;
        return exp;
    }

    [Differentiable]
    public static double SoftmaxCrossEntropy(double[] weights, double[] bias, [NoDerivative] double[] x, int label)
    {
        int classes = bias.Length;
        var logits = new double[classes];
        for (int c = 0; c < classes; c++)
        {
            logits[c] = bias[c];
            for (int j = 0; j < x.Length; j++) logits[c] += weights[c * x.Length + j] * x[j];
        }

        var p = Softmax(logits);
        return -Math.Log(p[label]);
    }
}
