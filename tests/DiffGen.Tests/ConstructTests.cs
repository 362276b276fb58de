using System;
using DiffGen.Tests.Programs;
using C = DiffGen.Tests.Programs.Constructs;

namespace DiffGen.Tests;

/// <summary>Every construct of the v1 subset against finite differences, and the neuron against PyTorch.</summary>
public class ConstructTests
{
    [Fact]
    public void NeuronMatchesPyTorch()
    {
        // Values from PyTorch (float64) at w1=2, w2=-3, b=-3, x1=-1, x2=-2, y=1.
        double dw1 = 0, dw2 = 0, db = 0;
        var value = Neuron.CostGradient(2, -3, -3, -1, -2, 1, ref dw1, ref dw2, ref db);
        Assert.Equal(Neuron.Cost(2, -3, -3, -1, -2, 1), value);
        Assert.Equal(0.052877092784266715, dw1, 1e-12);
        Assert.Equal(0.10575418556853343, dw2, 1e-12);
        Assert.Equal(-0.052877092784266715, db, 1e-12);
    }

    [Fact]
    public void ReassignmentAndCompoundAssignment()
    {
        GradientAssert.Matches(C.Horner, C.HornerGradient, (0.5, 1.5, -2.0), (2.0, -1.0, 3.0));
        GradientAssert.Matches(C.Compound, C.CompoundGradient, (0.5, 1.5), (2.0, -3.0));
        GradientAssert.Matches(C.CompoundF, C.CompoundFGradient, (0.5f, 1.5f), (2.0f, -3.0f));
        GradientAssert.Matches(C.ParameterReassigned, C.ParameterReassignedGradient, (0.5, 1.5), (-2.0, 0.3));
    }

    [Fact]
    public void Branches()
    {
        GradientAssert.Matches(C.Piecewise, C.PiecewiseGradient, (2.0, 1.0), (0.5, 1.5));
        GradientAssert.Matches(C.NestedBranches, C.NestedBranchesGradient, (1.0, 2.0), (1.0, -2.0), (-1.0, 2.0), (-1.0, 0.5));
        GradientAssert.Matches(C.Gate, C.GateGradient, (1.0, 2.0), (-0.5, 2.0), (-2.0, 0.5), (0.5, -3.0));
        GradientAssert.Matches(x => C.ShortCircuit(x, 0), (double x, ref double dx, double s) => C.ShortCircuitGradient(x, 0, ref dx, s), 1.5);
        GradientAssert.Matches(x => C.ShortCircuit(x, 3), (double x, ref double dx, double s) => C.ShortCircuitGradient(x, 3, ref dx, s), 1.5);
        GradientAssert.Matches(x => C.ShortCircuit(x, 5), (double x, ref double dx, double s) => C.ShortCircuitGradient(x, 5, ref dx, s), 1.5);
    }

    [Fact]
    public void EarlyReturns()
    {
        GradientAssert.Matches(r => C.Huber(r, 1.0), (double r, ref double dr, double s) => C.HuberGradient(r, 1.0, ref dr, s), -2.0, -0.5, 0.3, 4.0);
        GradientAssert.Matches(C.ReturnsEverywhere, C.ReturnsEverywhereGradient, (3.0, 2.0), (2.0, 3.0), (-3.0, 2.0), (0.5, 0.5));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    public void Switch(int kind)
    {
        GradientAssert.Matches(z => C.Activation(z, kind), (double z, ref double dz, double s) => C.ActivationGradient(z, kind, ref dz, s), -0.7, 0.9);
        GradientAssert.Matches(x => C.SwitchWithReturns(x, kind), (double x, ref double dx, double s) => C.SwitchWithReturnsGradient(x, kind, ref dx, s), -0.7, 0.9);
    }

    [Fact]
    public void CastsBetweenPrecisionsAndIntegers()
    {
        GradientAssert.Matches(x => C.Mixed(x, 3), (float x, ref float dx, float s) => C.MixedGradient(x, 3, ref dx, s), 0.7f, 1.9f);
        GradientAssert.Matches(x => C.ConstLocalsAndIntegers(x, 4), (double x, ref double dx, double s) => C.ConstLocalsAndIntegersGradient(x, 4, ref dx, s), -1.0, 2.0);
    }

    [Fact]
    public void CallsToDifferentiableMethods()
    {
        GradientAssert.Matches((w, b) => C.Loss(w, b, 0.7, 1.0), (double w, double b, ref double dw, ref double db, double s) => C.LossGradient(w, b, 0.7, 1.0, ref dw, ref db, s), (0.5, -0.2), (-1.5, 2.0));
    }

    [Fact]
    public void Recursion()
    {
        double dx = 0;
        var value = C.PowerGradient(1.5, 5, ref dx);
        Assert.Equal(Math.Pow(1.5, 5), value, 1e-12);
        Assert.Equal(5 * Math.Pow(1.5, 4), dx, 1e-12);
        GradientAssert.Matches(x => C.Power(x, 3), (double x, ref double d, double s) => C.PowerGradient(x, 3, ref d, s), -0.8, 1.3);
    }

    [Fact]
    public void NamesThatCollideWithGeneratedNames()
    {
        double dw = 0, ddw = 0, dseed = 0, du1 = 0;
        C.ClashGradient(2, 3, 5, 7, ref dw, ref ddw, ref dseed, ref du1, seed_: 1.0);
        Assert.Equal((3.0, 2.0, 8.0, 5.0), (dw, ddw, dseed, du1));
    }

    [Fact]
    public void NoDerivativeParameterBecomesActiveThroughDataFlow()
    {
        double dx = 0;
        C.ConstantBecomesActiveGradient(1.5, 10, ref dx);
        Assert.Equal(3 * 2 * 1.5, dx, 1e-12);
    }

    [Fact]
    public void InactiveResultLeavesOutputsUntouched()
    {
        double dx = 0.25;
        var value = C.InactiveResultGradient(2.3, 1.0, ref dx);
        Assert.Equal(4.0, value);
        Assert.Equal(0.25, dx);
    }

    [Fact]
    public void ArrayAndSpanParameters()
    {
        double[] x = { 0.5, -1.0 };
        GradientAssert.Vector(
            p => C.ArrayReads(new[] { p[0], p[1] }, new[] { p[2], p[3], p[4] }, x),
            (p, d, s) => C.ArrayReadsGradient(new[] { p[0], p[1] }, new[] { p[2], p[3], p[4] }, x, new Span<double>(d, 0, 2), new Span<double>(d, 2, 3), s),
            new[] { 1.5, -0.5, 2.0, 3.0, 4.0 });
        GradientAssert.Vector(
            p => C.ArrayReadsF(new[] { p[0], p[1] }, new[] { p[2], p[3] }),
            (p, d, s) => C.ArrayReadsFGradient(new[] { p[0], p[1] }, new[] { p[2], p[3] }, new Span<float>(d, 0, 2), new Span<float>(d, 2, 2), s),
            new[] { 0.3f, -0.5f, 2.0f, 1.5f });
    }

    [Fact]
    public void NestedGenericTypes() =>
        GradientAssert.Matches(Container<int>.Inner.Scale, Container<int>.Inner.ScaleGradient, (1.5, -2.0));
}

public class ArrayCallTests
{
    [Fact]
    public void ArraysPassToDifferentiableCallees()
    {
        double[] x = { 0.5, -1.0, 2.0 };
        GradientAssert.Vector(
            p => ArrayCalls.Layer(new[] { p[0], p[1], p[2] }, x, new[] { p[3], p[4] }),
            (p, d, s) => ArrayCalls.LayerGradient(new[] { p[0], p[1], p[2] }, x, new[] { p[3], p[4] }, new Span<double>(d, 0, 3), new Span<double>(d, 3, 2), s),
            new[] { 0.3, -0.2, 0.1, 1.5, -0.5 });
    }
}

public class FloatConstructTests
{
    [Fact]
    public void BranchesSwitchAndCallsInFloat() =>
        GradientAssert.Matches(ConstructsF.Branches, ConstructsF.BranchesGradient,
            (1.0f, 0.5f), (1.0f, -1.5f), (-1.0f, 2.0f), (-3.0f, 0.2f), (0.5f, 1.5f), (-0.5f, 0.3f), (2.0f, 3.5f));
}
