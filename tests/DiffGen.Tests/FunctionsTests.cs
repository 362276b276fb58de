using System;
using DiffGen.Tests.Programs;
using F = DiffGen.Functions;

namespace DiffGen.Tests;

/// <summary>The DiffGen.Functions library: gradients, conventions at kinks, stability for large logits.</summary>
public class FunctionsTests
{
    private static readonly double[] Points = { -3.5, -0.7, 0.3, 2.2 };
    private static readonly float[] PointsF = { -3.5f, -0.7f, 0.3f, 2.2f };

    [Fact]
    public void ActivationsMatchFiniteDifferences()
    {
        GradientAssert.Matches(F.Sigmoid, F.SigmoidGradient, Points);
        GradientAssert.Matches(F.Tanh, F.TanhGradient, Points);
        GradientAssert.Matches(F.Relu, F.ReluGradient, Points);
        GradientAssert.Matches(z => F.LeakyRelu(z, 0.01), (double z, ref double dz, double s) => F.LeakyReluGradient(z, 0.01, ref dz, s), Points);
        GradientAssert.Matches(F.Softplus, F.SoftplusGradient, Points);
        GradientAssert.Matches(F.LogSigmoid, F.LogSigmoidGradient, Points);
        GradientAssert.Matches(F.Sigmoid, F.SigmoidGradient, PointsF);
        GradientAssert.Matches(F.Tanh, F.TanhGradient, PointsF);
        GradientAssert.Matches(F.Relu, F.ReluGradient, PointsF);
        GradientAssert.Matches(z => F.LeakyRelu(z, 0.01f), (float z, ref float dz, float s) => F.LeakyReluGradient(z, 0.01f, ref dz, s), PointsF);
        GradientAssert.Matches(F.Softplus, F.SoftplusGradient, PointsF);
        GradientAssert.Matches(F.LogSigmoid, F.LogSigmoidGradient, PointsF);
    }

    [Fact]
    public void LossesMatchFiniteDifferences()
    {
        foreach (var target in new[] { 0.0, 0.3, 1.0 })
        {
            GradientAssert.Matches(p => F.SquaredError(p, target), (double p, ref double dp, double s) => F.SquaredErrorGradient(p, target, ref dp, s), Points);
            GradientAssert.Matches(p => F.AbsoluteError(p, target), (double p, ref double dp, double s) => F.AbsoluteErrorGradient(p, target, ref dp, s), Points);
            GradientAssert.Matches(x => F.BinaryCrossEntropyWithLogits(x, target), (double x, ref double dx, double s) => F.BinaryCrossEntropyWithLogitsGradient(x, target, ref dx, s), Points);
            var t = (float)target;
            GradientAssert.Matches(p => F.SquaredError(p, t), (float p, ref float dp, float s) => F.SquaredErrorGradient(p, t, ref dp, s), PointsF);
            GradientAssert.Matches(x => F.BinaryCrossEntropyWithLogits(x, t), (float x, ref float dx, float s) => F.BinaryCrossEntropyWithLogitsGradient(x, t, ref dx, s), PointsF);
        }
    }

    [Fact]
    public void ExactDerivativesAtKinksAndZero()
    {
        Assert.Equal(0.0, Derivative(F.ReluGradient, 0));         // torch.relu: 0 at 0
        Assert.Equal(0.25, Derivative(F.SigmoidGradient, 0));     // σ(0)(1 − σ(0))
        Assert.Equal(0.5, Derivative(F.SoftplusGradient, 0));     // σ(0): the tie in max(z, 0) splits ½ and |z| gives 0
        Assert.Equal(0.5, Derivative(F.LogSigmoidGradient, 0));   // 1 − σ(0)
        Assert.Equal(0.5 - 0.3, Derivative((double x, ref double d, double s) => F.BinaryCrossEntropyWithLogitsGradient(x, 0.3, ref d, s), 0), 15);
        Assert.Equal(0.0, Derivative((double p, ref double d, double s) => F.AbsoluteErrorGradient(p, 0.7, ref d, s), 0.7)); // |x| at 0
    }

    [Theory]
    [InlineData(1e4)]
    [InlineData(-1e4)]
    [InlineData(700)]
    [InlineData(-750)]
    public void StableForHugeLogits(double logit)
    {
        foreach (var target in new[] { 0.0, 1.0 })
        {
            double d = 0;
            var value = F.BinaryCrossEntropyWithLogitsGradient(logit, target, ref d);
            Assert.True(double.IsFinite(value) && double.IsFinite(d), $"BCE({logit}, {target}) = {value}, gradient {d}");
            Assert.Equal(Math.Max(logit, 0) - logit * target, value, 1e-9 * Math.Abs(logit));
            Assert.Equal((logit > 0 ? 1.0 : 0.0) - target, d, 1e-12); // σ(x) − t, saturated
        }

        double ds = 0, dp = 0, dl = 0;
        Assert.True(double.IsFinite(F.SigmoidGradient(logit, ref ds)) && double.IsFinite(ds));
        Assert.True(double.IsFinite(F.SoftplusGradient(logit, ref dp)) && double.IsFinite(dp));
        Assert.True(double.IsFinite(F.LogSigmoidGradient(logit, ref dl)) && double.IsFinite(dl));
        Assert.Equal(logit > 0 ? 1.0 : 0.0, dp, 1e-12);
        Assert.Equal(logit > 0 ? 0.0 : 1.0, dl, 1e-12);
    }

    [Fact]
    public void StableForHugeLogitsInFloat()
    {
        foreach (var logit in new[] { 1e4f, -1e4f })
        {
            float d = 0;
            var value = F.BinaryCrossEntropyWithLogitsGradient(logit, 1f, ref d);
            Assert.True(float.IsFinite(value) && float.IsFinite(d));
        }
    }

    [Fact]
    public void UserMethodsChainThroughTheLibraryAcrossTheAssemblyBoundary() =>
        GradientAssert.Matches((w, b) => LibraryUser.Loss(w, b, 0.8, 1.0), (double w, double b, ref double dw, ref double db, double s) => LibraryUser.LossGradient(w, b, 0.8, 1.0, ref dw, ref db, s), (0.3, -0.2), (-1.5, 2.0));

    private static double Derivative(Grad1 gradient, double x)
    {
        double d = 0;
        gradient(x, ref d, 1.0);
        return d;
    }
}
