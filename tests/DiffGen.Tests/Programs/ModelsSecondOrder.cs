using System;

namespace DiffGen.Tests.Programs.ModelsSecondOrder;

/// <summary>A dense layer with a tanh activation, as a model class: its weights are arrays, its gain a settable scalar.</summary>
public sealed class DenseLayer
{
    public DenseLayer(int inputs, int outputs)
    {
        Inputs = inputs;
        Outputs = outputs;
        W = new double[outputs * inputs];
        B = new double[outputs];
    }

    [NoDerivative] public int Inputs { get; }

    [NoDerivative] public int Outputs { get; }

    public double[] W { get; }

    public double[] B { get; }

    public double Gain { get; set; } = 1.0;

    public void Forward(ReadOnlySpan<double> x, Span<double> y)
    {
        for (int j = 0; j < Outputs; j++)
        {
            double z = B[j];
            for (int k = 0; k < Inputs; k++)
            {
                z += W[j * Inputs + k] * x[k];
            }

            y[j] = Gain * Math.Tanh(z);
        }
    }
}

/// <summary>
/// A network as an array of layers, its loss an instance method: the model Hessian-free optimization (Martens 2010) and
/// Laplace approximations take H·v of, written as the main job's network is.
/// </summary>
public sealed partial class LayeredNet
{
    public LayeredNet(params int[] widths)
    {
        Layers = new DenseLayer[widths.Length - 1];
        for (int l = 0; l < Layers.Length; l++)
        {
            Layers[l] = new DenseLayer(widths[l], widths[l + 1]);
        }
    }

    public DenseLayer[] Layers { get; }

    [Differentiable]
    public double Loss([NoDerivative] double[] x, [NoDerivative] double[] y, int n)
    {
        int d = Layers[0].Inputs;
        var a = new double[8];
        var b = new double[8];
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < d; k++)
            {
                a[k] = x[i * d + k];
            }

            foreach (var layer in Layers)
            {
                layer.Forward(a, b);
                for (int j = 0; j < layer.Outputs; j++)
                {
                    a[j] = b[j];
                }
            }

            double e = a[0] - y[i];
            total += e * e;
        }

        return total / n;
    }
}

/// <summary>
/// The Vasicek short-rate model, a positional record (its members init-only): r′ = r + κ(θ − r)Δt + σ√Δt ε. Its
/// exact-discretization likelihood's Hessian at the estimate is the observed information, whose inverse gives the
/// estimates' standard errors.
/// </summary>
public sealed record Vasicek(double Kappa, double Theta, double LogSigma);

/// <summary>A pendulum's parameters as a mutable struct, its energy an instance method with a differentiable angle beside it.</summary>
public partial struct Pendulum
{
    public double Length;
    public double Mass;

    [Differentiable]
    public readonly double Energy(double angle, double speed)
    {
        const double g = 9.81;
        return 0.5 * Mass * Length * Length * speed * speed + Mass * g * Length * (1 - Math.Cos(angle));
    }
}

/// <summary>Logistic regression as a positional record holding its weights: a `with { }` copy shares them.</summary>
public sealed partial record Logistic(double[] W)
{
    public double Bias { get; set; }

    [Differentiable]
    public double Nll([NoDerivative] double[] x, [NoDerivative] double[] y, int n)
    {
        int d = W.Length;
        double nll = 0;
        for (int i = 0; i < n; i++)
        {
            double z = Bias;
            for (int k = 0; k < d; k++)
            {
                z += W[k] * x[i * d + k];
            }

            nll += Math.Log(1 + Math.Exp(z)) - y[i] * z;
        }

        return nll;
    }
}

public static partial class RateModels
{
    [Differentiable]
    public static double NegLogLikelihood(Vasicek p, [NoDerivative] double[] rates, double dt)
    {
        double sigma = Math.Exp(p.LogSigma);
        double decay = Math.Exp(-p.Kappa * dt);
        double variance = sigma * sigma * (1 - decay * decay) / (2 * p.Kappa);
        double nll = 0;
        for (int t = 1; t < rates.Length; t++)
        {
            double mean = p.Theta + (rates[t - 1] - p.Theta) * decay;
            double e = rates[t] - mean;
            nll += 0.5 * Math.Log(2 * Math.PI * variance) + e * e / (2 * variance);
        }

        return nll;
    }
}

/// <summary>A chain of nodes whose next one may be null (annotated): the body dereferences it with '!'.</summary>
public sealed class Node
{
    public double Value;
    public Node? Next;
}

public static partial class Chains
{
    [Differentiable]
    public static double Product(Node head) => head.Value * head.Next!.Value;
}
