using System;
using System.Linq;

namespace DiffGen.Tests.Programs.Models;

// Models written as types, the way users organize them: a dense layer with its weights, a network of
// layers with an instance loss, a record struct of calibration parameters, a mixture of Gaussians as
// nested structs with computed properties.

/// <summary>A dense layer: y = W x + b, W row-major (outputs × inputs).</summary>
public sealed class Layer
{
    public Layer(int inputs, int outputs)
    {
        Inputs = inputs;
        Outputs = outputs;
        W = new double[inputs * outputs];
        B = new double[outputs];
    }

    [NoDerivative] public int Inputs { get; }

    [NoDerivative] public int Outputs { get; }

    public double[] W { get; }

    public double[] B { get; }

    /// <summary>Writes W x + b into <paramref name="output"/>.</summary>
    public void Forward(ReadOnlySpan<double> x, Span<double> output)
    {
        for (int j = 0; j < Outputs; j++)
        {
            double z = B[j];
            for (int k = 0; k < Inputs; k++)
            {
                z += W[j * Inputs + k] * x[k];
            }

            output[j] = z;
        }
    }
}

/// <summary>A three-layer ReLU network with a mean-squared-error loss over a batch.</summary>
public sealed partial class Mlp
{
    public Mlp(int inputs, int hidden1, int hidden2, int outputs)
    {
        Hidden1 = new Layer(inputs, hidden1);
        Hidden2 = new Layer(hidden1, hidden2);
        Output = new Layer(hidden2, outputs);
    }

    public Layer Hidden1 { get; }

    public Layer Hidden2 { get; }

    public Layer Output { get; }

    static void Relu(Span<double> z)
    {
        for (int i = 0; i < z.Length; i++)
        {
            z[i] = Math.Max(0, z[i]);
        }
    }

    [Differentiable]
    public double Loss([NoDerivative] double[] x, [NoDerivative] double[] y, int count)
    {
        int d = Hidden1.Inputs, m = Output.Outputs;
        var h1 = new double[Hidden1.Outputs];
        var h2 = new double[Hidden2.Outputs];
        var output = new double[m];
        double total = 0;
        for (int i = 0; i < count; i++)
        {
            Hidden1.Forward(x.AsSpan(i * d, d), h1);
            Relu(h1);
            Hidden2.Forward(h1, h2);
            Relu(h2);
            Output.Forward(h2, output);
            for (int o = 0; o < m; o++)
            {
                double diff = output[o] - y[i * m + o];
                total += diff * diff;
            }
        }

        return total / count;
    }
}

/// <summary>Heston-like calibration parameters as a positional record struct.</summary>
public record struct HestonParams(double Kappa, double Theta, double Sigma, double Rho, double V0);

public static partial class Calibration
{
    /// <summary>Expected variance at each maturity under mean reversion, with a vol-of-vol and correlation penalty: a least-squares fit to a term structure.</summary>
    [Differentiable]
    public static double TermStructureError(HestonParams p, [NoDerivative] double[] maturities, [NoDerivative] double[] variances)
    {
        double error = 0;
        for (int i = 0; i < maturities.Length; i++)
        {
            double t = maturities[i];
            double decay = (1 - Math.Exp(-p.Kappa * t)) / (p.Kappa * t);
            double model = p.Theta + (p.V0 - p.Theta) * decay;
            double diff = model - variances[i];
            error += diff * diff;
        }

        // Feller condition as a soft penalty, and a prior on ρ.
        double feller = Math.Max(0, p.Sigma * p.Sigma - 2 * p.Kappa * p.Theta);
        return error + 0.1 * feller * feller + 0.01 * p.Rho * p.Rho;
    }
}

/// <summary>A Gaussian with a log-scale parameter (so σ stays positive).</summary>
public struct Gaussian
{
    public double Mu;
    public double LogSigma;

    public readonly double Sigma => Math.Exp(LogSigma);

    public readonly double LogPdf(double x)
    {
        double z = (x - Mu) / Sigma;
        return -0.5 * z * z - LogSigma - 0.5 * Math.Log(2 * Math.PI);
    }
}

/// <summary>A two-component Gaussian mixture; the weight of the first is sigmoid(Logit).</summary>
public sealed partial class Mixture
{
    public Gaussian First;
    public Gaussian Second;
    public double Logit;

    static double LogSumExp(double a, double b)
    {
        double m = Math.Max(a, b);
        return m + Math.Log(Math.Exp(a - m) + Math.Exp(b - m));
    }

    /// <summary>The negative log-likelihood of the data.</summary>
    [Differentiable]
    public double NegativeLogLikelihood([NoDerivative] double[] data)
    {
        double weight = 1 / (1 + Math.Exp(-Logit));
        var first = First;
        double nll = 0;
        foreach (var x in data)
        {
            nll -= LogSumExp(Math.Log(weight) + first.LogPdf(x), Math.Log(1 - weight) + Second.LogPdf(x));
        }

        return nll;
    }
}

/// <summary>A damped spring's parameters and state as a mutable struct, with an instance energy after explicit Euler steps.</summary>
public partial struct Oscillator
{
    public double Stiffness;
    public double Damping;
    public double Position;
    public double Velocity;
    [NoDerivative] public int Steps;

    [Differentiable]
    public readonly double EnergyAfter(double dt)
    {
        double x = Position, v = Velocity;
        for (int i = 0; i < Steps; i++)
        {
            double a = -Stiffness * x - Damping * v;
            x += dt * v;
            v += dt * a;
        }

        return 0.5 * v * v + 0.5 * Stiffness * x * x;
    }
}

/// <summary>Black–Scholes inputs as an immutable readonly record struct: its gradient model is built with `with`.</summary>
public readonly record struct Market(double Spot, double Strike, double Rate, double Volatility, double Maturity);

public static partial class Pricing
{
    static double NormCdf(double x) => 0.5 * (1 + Erf(x / Math.Sqrt(2)));

    // Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), odd in x.
    static double Erf(double x)
    {
        double sign = x < 0 ? -1 : 1;
        x = Math.Abs(x);
        double t = 1 / (1 + 0.3275911 * x);
        double y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.Exp(-x * x);
        return sign * y;
    }

    [Differentiable]
    public static double Call(Market m)
    {
        double sqrtT = Math.Sqrt(m.Maturity);
        double d1 = (Math.Log(m.Spot / m.Strike) + (m.Rate + 0.5 * m.Volatility * m.Volatility) * m.Maturity) / (m.Volatility * sqrtT);
        double d2 = d1 - m.Volatility * sqrtT;
        return m.Spot * NormCdf(d1) - m.Strike * Math.Exp(-m.Rate * m.Maturity) * NormCdf(d2);
    }
}

/// <summary>Linear regression as a model class with a learned weight vector and bias: allocates nothing.</summary>
public sealed partial class LinearModel
{
    public LinearModel(int features) => W = new double[features];

    public double[] W { get; }

    public double Bias { get; set; }

    [Differentiable]
    public double MeanSquaredError([NoDerivative] double[] x, [NoDerivative] double[] y)
    {
        int d = W.Length;
        double total = 0;
        for (int i = 0; i < y.Length; i++)
        {
            double prediction = Bias;
            for (int k = 0; k < d; k++)
            {
                prediction += W[k] * x[i * d + k];
            }

            total += (prediction - y[i]) * (prediction - y[i]);
        }

        return total / y.Length;
    }
}

/// <summary>A network of any depth: its layers in an array, each with a learned output scale.</summary>
public sealed partial class DeepNet
{
    public DeepNet(params int[] sizes)
    {
        Layers = new ScaledLayer[sizes.Length - 1];
        for (int l = 0; l < Layers.Length; l++)
        {
            Layers[l] = new ScaledLayer(sizes[l], sizes[l + 1]);
        }
    }

    public ScaledLayer[] Layers { get; }

    static void Tanh(Span<double> z)
    {
        for (int i = 0; i < z.Length; i++)
        {
            z[i] = Math.Tanh(z[i]);
        }
    }

    /// <summary>Mean squared error over <paramref name="n"/> samples; hidden layers tanh, the last linear.</summary>
    [Differentiable]
    public double Loss([NoDerivative] double[] x, [NoDerivative] double[] y, int n)
    {
        int d = Layers[0].Inputs;
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            double[] a = x.AsSpan(i * d, d).ToArray();
            for (int l = 0; l < Layers.Length; l++)
            {
                var layer = Layers[l];
                var z = new double[layer.Outputs];
                layer.Forward(a, z);
                if (l < Layers.Length - 1)
                {
                    Tanh(z);
                }

                a = z;
            }

            double diff = a[0] - y[i];
            total += diff * diff;
        }

        return total / n;
    }

    /// <summary>An L2 penalty over every layer's weights, through foreach.</summary>
    [Differentiable]
    public double WeightPenalty()
    {
        double sum = 0;
        foreach (var layer in Layers)
        {
            foreach (var w in layer.W)
            {
                sum += w * w;
            }

            sum += layer.Scale * layer.Scale;
        }

        return 0.5 * sum;
    }
}

/// <summary>A dense layer whose output is scaled by a learned scalar.</summary>
public sealed class ScaledLayer
{
    public ScaledLayer(int inputs, int outputs)
    {
        Inputs = inputs;
        Outputs = outputs;
        W = new double[outputs * inputs];
        B = new double[outputs];
        Scale = 1;
    }

    [NoDerivative] public int Inputs { get; }

    [NoDerivative] public int Outputs { get; }

    public double[] W { get; }

    public double[] B { get; }

    public double Scale { get; set; }

    public void Forward(ReadOnlySpan<double> x, Span<double> y)
    {
        for (int j = 0; j < Outputs; j++)
        {
            double z = B[j];
            for (int k = 0; k < Inputs; k++)
            {
                z += W[j * Inputs + k] * x[k];
            }

            y[j] = Scale * z;
        }
    }
}

/// <summary>Exponential decay as an immutable positional record with an instance error: its init-only members get gradients through their fields.</summary>
public sealed partial record DecayCurve(double Amplitude, double Rate)
{
    public readonly double Offset = 0.1;

    [Differentiable]
    public double Error([NoDerivative] double[] t, [NoDerivative] double[] y)
    {
        double error = 0;
        for (int i = 0; i < t.Length; i++)
        {
            double r = Amplitude * Math.Exp(-Rate * t[i]) + Offset - y[i];
            error += r * r;
        }

        return error;
    }
}

/// <summary>A calibration constant kept private behind a computed property.</summary>
public sealed class Calib
{
    private double _v;

    public Calib(double v) => _v = v;

    public double V => _v;
}

/// <summary>A gain with a private setter.</summary>
public sealed class Knob
{
    public double Gain { get; private set; } = 1;

    public void Set(double gain) => Gain = gain;
}

/// <summary>A protected field of a base class, read through a public computed property.</summary>
public class Based
{
    protected double Prot = 0.5;

    public double ReadProt => Prot;
}

public sealed class Derived : Based
{
    public void Set(double value) => Prot = value;
}

/// <summary>Encapsulated models as people write them: private fields behind properties, private setters, protected base fields.</summary>
public sealed partial class Encapsulated
{
    private readonly double[] _weights = { 0.5, -1 };

    public Calib C { get; } = new(1.5);

    public Knob K { get; } = new();

    public Derived D { get; } = new();

    public double[] Weights => _weights;

    [Differentiable]
    public double F(double x) => C.V * x + K.Gain * x * x + D.ReadProt * Weights[0] + Weights[1] * x;
}

/// <summary>A base class holding weights, and a model deriving from it with a private field and a float member.</summary>
public class LinearBase
{
    public double[] W = new double[2];

    public double Bias;
}

public sealed partial class GainedLinear : LinearBase
{
    private double _gain = 1;

    public float Unused;

    public double Gain => _gain;

    [Differentiable]
    public double F(double x) => Gain * (W[0] * x + W[1]) + Bias;
}

/// <summary>Rows of an array of models passed to a [Differentiable] helper from under a condition inside a loop.</summary>
public sealed partial class GatedCells
{
    public sealed class Cell
    {
        public double[] W = new double[2];
    }

    public Cell[] Cells = { new(), new(), new() };

    [Differentiable]
    public static double Dot(double[] w, double x) => w[0] * x + w[1] * x * x;

    [Differentiable]
    public double F(double x)
    {
        double s = 0;
        for (int l = 0; l < Cells.Length; l++)
        {
            if (l % 2 == 0)
            {
                s += Dot(Cells[l].W, x);
            }
        }

        return s;
    }
}

/// <summary>An activation chosen per layer, as an enum.</summary>
public enum Activation
{
    Identity,
    Relu,
    Tanh,
}

/// <summary>A network whose layers each say their activation with an enum, read by switch, == and a static readonly default.</summary>
public sealed partial class ActivatedNet
{
    private static readonly Activation Hidden = Activation.Tanh;

    public sealed class Dense
    {
        public Dense(int inputs, int outputs, Activation activation)
        {
            Inputs = inputs;
            Outputs = outputs;
            Act = activation;
            W = new double[inputs * outputs];
        }

        [NoDerivative] public int Inputs { get; }

        [NoDerivative] public int Outputs { get; }

        public Activation Act { get; }

        public double[] W { get; }
    }

    public Dense[] Layers { get; } =
    {
        new(2, 3, Activation.Relu),
        new(3, 3, Activation.Tanh),
        new(3, 1, Activation.Identity),
    };

    public Activation OutputActivation = Activation.Identity;

    static double Apply(Activation act, double z)
    {
        if (act == Activation.Relu)
        {
            return Math.Max(0, z);
        }

        return act == Activation.Tanh ? Math.Tanh(z) : z;
    }

    [Differentiable]
    public double Loss([NoDerivative] double[] x, double target)
    {
        var a = (double[])x.Clone();
        foreach (var layer in Layers)
        {
            var z = new double[layer.Outputs];
            for (int j = 0; j < layer.Outputs; j++)
            {
                double s = 0;
                for (int k = 0; k < layer.Inputs; k++)
                {
                    s += layer.W[j * layer.Inputs + k] * a[k];
                }

                switch (layer.Act)
                {
                    case Activation.Relu:
                        z[j] = Math.Max(0, s);
                        break;
                    case Activation.Tanh:
                        z[j] = Math.Tanh(s);
                        break;
                    default:
                        z[j] = layer.Act == Hidden ? Math.Tanh(s) : s;
                        break;
                }
            }

            a = z;
        }

        double output = OutputActivation == Activation.Identity ? a[0] : Apply(OutputActivation, a[0]);
        return (output - target) * (output - target);
    }
}

/// <summary>The forward pass as most write it: the activation starts as the input and is given each layer's output.</summary>
public sealed partial class PlainForwardNet
{
    public DenseRelu[] Layers { get; } = { new(2, 4), new(4, 1) };

    public sealed class DenseRelu
    {
        public DenseRelu(int inputs, int outputs)
        {
            Inputs = inputs;
            Outputs = outputs;
            W = new double[inputs * outputs];
        }

        [NoDerivative] public int Inputs { get; }

        [NoDerivative] public int Outputs { get; }

        public double[] W { get; }

        public void Forward(ReadOnlySpan<double> x, Span<double> y)
        {
            for (int j = 0; j < Outputs; j++)
            {
                double z = 0;
                for (int k = 0; k < Inputs; k++)
                {
                    z += W[j * Inputs + k] * x[k];
                }

                y[j] = Math.Tanh(z);
            }
        }
    }

    [Differentiable]
    public double Predict([NoDerivative] double[] x)
    {
        double[] a = x;
        foreach (var layer in Layers)
        {
            var next = new double[layer.Outputs];
            layer.Forward(a, next);
            a = next;
        }

        return a.Sum();
    }
}
