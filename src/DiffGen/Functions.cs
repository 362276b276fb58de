using System;

namespace DiffGen;

/// <summary>
/// Differentiable building blocks: activations and losses, compiled by the DiffGen generator itself
/// (each has a generated <c>…Gradient</c>), so a user's <c>[Differentiable]</c> method can call them
/// and the generator chains through them across the assembly boundary. The stable forms give
/// finite values and gradients for inputs as large as ±1e4.
/// </summary>
public static partial class Functions
{
    /// <summary>σ(z) = 1 / (1 + e^−z), computed without overflow for any z.</summary>
    [Differentiable]
    public static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));

    /// <summary>σ(z) = 1 / (1 + e^−z), computed without overflow for any z.</summary>
    [Differentiable]
    public static float Sigmoid(float z) => z >= 0 ? 1 / (1 + MathF.Exp(-z)) : MathF.Exp(z) / (1 + MathF.Exp(z));

    /// <summary>The hyperbolic tangent.</summary>
    [Differentiable]
    public static double Tanh(double z) => Math.Tanh(z);

    /// <summary>The hyperbolic tangent.</summary>
    [Differentiable]
    public static float Tanh(float z) => MathF.Tanh(z);

    /// <summary>max(z, 0); its derivative at 0 is 0, as <c>torch.relu</c>.</summary>
    [Differentiable]
    public static double Relu(double z) => z > 0 ? z : 0;

    /// <summary>max(z, 0); its derivative at 0 is 0, as <c>torch.relu</c>.</summary>
    [Differentiable]
    public static float Relu(float z) => z > 0 ? z : 0;

    /// <summary>z for z &gt; 0, else negativeSlope·z (PyTorch's default slope is 0.01).</summary>
    [Differentiable]
    public static double LeakyRelu(double z, [NoDerivative] double negativeSlope) => z > 0 ? z : negativeSlope * z;

    /// <summary>z for z &gt; 0, else negativeSlope·z (PyTorch's default slope is 0.01).</summary>
    [Differentiable]
    public static float LeakyRelu(float z, [NoDerivative] float negativeSlope) => z > 0 ? z : negativeSlope * z;

    /// <summary>log(1 + e^z), as max(z, 0) + log(1 + e^−|z|) so that it never overflows.</summary>
    [Differentiable]
    public static double Softplus(double z) => Math.Max(z, 0) + Math.Log(1 + Math.Exp(-Math.Abs(z)));

    /// <summary>log(1 + e^z), as max(z, 0) + log(1 + e^−|z|) so that it never overflows.</summary>
    [Differentiable]
    public static float Softplus(float z) => MathF.Max(z, 0) + MathF.Log(1 + MathF.Exp(-MathF.Abs(z)));

    /// <summary>log σ(z), as min(z, 0) − log(1 + e^−|z|).</summary>
    [Differentiable]
    public static double LogSigmoid(double z) => Math.Min(z, 0) - Math.Log(1 + Math.Exp(-Math.Abs(z)));

    /// <summary>log σ(z), as min(z, 0) − log(1 + e^−|z|).</summary>
    [Differentiable]
    public static float LogSigmoid(float z) => MathF.Min(z, 0) - MathF.Log(1 + MathF.Exp(-MathF.Abs(z)));

    /// <summary>(prediction − target)².</summary>
    [Differentiable]
    public static double SquaredError(double prediction, [NoDerivative] double target) => (prediction - target) * (prediction - target);

    /// <summary>(prediction − target)².</summary>
    [Differentiable]
    public static float SquaredError(float prediction, [NoDerivative] float target) => (prediction - target) * (prediction - target);

    /// <summary>|prediction − target| (derivative 0 where they are equal).</summary>
    [Differentiable]
    public static double AbsoluteError(double prediction, [NoDerivative] double target) => Math.Abs(prediction - target);

    /// <summary>|prediction − target| (derivative 0 where they are equal).</summary>
    [Differentiable]
    public static float AbsoluteError(float prediction, [NoDerivative] float target) => MathF.Abs(prediction - target);

    /// <summary>
    /// Binary cross-entropy of a logit against a target in [0, 1], as
    /// <c>torch.nn.functional.binary_cross_entropy_with_logits</c>: max(x, 0) − x·t + log(1 + e^−|x|),
    /// finite for any logit.
    /// </summary>
    [Differentiable]
    public static double BinaryCrossEntropyWithLogits(double logit, [NoDerivative] double target) =>
        Math.Max(logit, 0) - logit * target + Math.Log(1 + Math.Exp(-Math.Abs(logit)));

    /// <summary>Binary cross-entropy of a logit against a target in [0, 1], finite for any logit.</summary>
    [Differentiable]
    public static float BinaryCrossEntropyWithLogits(float logit, [NoDerivative] float target) =>
        MathF.Max(logit, 0) - logit * target + MathF.Log(1 + MathF.Exp(-MathF.Abs(logit)));
}
