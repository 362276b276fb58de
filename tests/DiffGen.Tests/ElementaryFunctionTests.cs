using DiffGen.Tests.Programs;
using E = DiffGen.Tests.Programs.Elementary;

namespace DiffGen.Tests;

/// <summary>Every supported elementary function against central finite differences, in double and float.</summary>
public class ElementaryFunctionTests
{
    private static readonly double[] Anywhere = { -1.3, 0.4, 2.1 };
    private static readonly float[] AnywhereF = { -1.3f, 0.4f, 2.1f };
    private static readonly double[] Positive = { 0.3, 1.7, 5.0 };
    private static readonly float[] PositiveF = { 0.3f, 1.7f, 5.0f };
    private static readonly double[] Unit = { -0.6, 0.2, 0.7 };
    private static readonly float[] UnitF = { -0.6f, 0.2f, 0.7f };

    [Fact]
    public void Exponentials()
    {
        GradientAssert.Matches(E.Exp, E.ExpGradient, Anywhere);
        GradientAssert.Matches(E.ExpF, E.ExpFGradient, AnywhereF);
        GradientAssert.Matches(E.ExpGeneric, E.ExpGenericGradient, Anywhere);
        GradientAssert.Matches(E.Sinh, E.SinhGradient, Anywhere);
        GradientAssert.Matches(E.SinhF, E.SinhFGradient, AnywhereF);
        GradientAssert.Matches(E.SinhGeneric, E.SinhGenericGradient, Anywhere);
        GradientAssert.Matches(E.Cosh, E.CoshGradient, Anywhere);
        GradientAssert.Matches(E.CoshF, E.CoshFGradient, AnywhereF);
        GradientAssert.Matches(E.CoshGeneric, E.CoshGenericGradient, Anywhere);
        GradientAssert.Matches(E.Tanh, E.TanhGradient, Anywhere);
        GradientAssert.Matches(E.TanhF, E.TanhFGradient, AnywhereF);
        GradientAssert.Matches(E.TanhGeneric, E.TanhGenericGradient, Anywhere);
        GradientAssert.Matches(E.Asinh, E.AsinhGradient, Anywhere);
        GradientAssert.Matches(E.AsinhF, E.AsinhFGradient, AnywhereF);
        GradientAssert.Matches(E.AsinhGeneric, E.AsinhGenericGradient, Anywhere);
        GradientAssert.Matches(E.Acosh, E.AcoshGradient, 1.5, 3.0);
        GradientAssert.Matches(E.AcoshF, E.AcoshFGradient, 1.5f, 3.0f);
        GradientAssert.Matches(E.AcoshGeneric, E.AcoshGenericGradient, 1.5, 3.0);
        GradientAssert.Matches(E.Atanh, E.AtanhGradient, Unit);
        GradientAssert.Matches(E.AtanhF, E.AtanhFGradient, UnitF);
        GradientAssert.Matches(E.AtanhGeneric, E.AtanhGenericGradient, Unit);
    }

    [Fact]
    public void Logarithms()
    {
        GradientAssert.Matches(E.Log, E.LogGradient, Positive);
        GradientAssert.Matches(E.LogF, E.LogFGradient, PositiveF);
        GradientAssert.Matches(E.LogGeneric, E.LogGenericGradient, Positive);
        GradientAssert.Matches(E.Log10, E.Log10Gradient, Positive);
        GradientAssert.Matches(E.Log10F, E.Log10FGradient, PositiveF);
        GradientAssert.Matches(E.Log10Generic, E.Log10GenericGradient, Positive);
        GradientAssert.Matches(E.Log2, E.Log2Gradient, Positive);
        GradientAssert.Matches(E.Log2F, E.Log2FGradient, PositiveF);
        GradientAssert.Matches(E.Log2Generic, E.Log2GenericGradient, Positive);
        GradientAssert.Matches(E.LogXY, E.LogXYGradient, (2.5, 3.0), (0.5, 10.0), (7.0, 0.5));
        GradientAssert.Matches(E.LogXYF, E.LogXYFGradient, (2.5f, 3.0f), (0.5f, 10.0f), (7.0f, 0.5f));
    }

    [Fact]
    public void RootsAndPowers()
    {
        GradientAssert.Matches(E.Sqrt, E.SqrtGradient, Positive);
        GradientAssert.Matches(E.SqrtF, E.SqrtFGradient, PositiveF);
        GradientAssert.Matches(E.SqrtGeneric, E.SqrtGenericGradient, Positive);
        GradientAssert.Matches(E.Cbrt, E.CbrtGradient, Anywhere);
        GradientAssert.Matches(E.CbrtF, E.CbrtFGradient, AnywhereF);
        GradientAssert.Matches(E.CbrtGeneric, E.CbrtGenericGradient, Anywhere);
        GradientAssert.Matches(E.PowXY, E.PowXYGradient, (1.5, 2.3), (0.7, -1.2), (3.0, 0.5));
        GradientAssert.Matches(E.PowXYF, E.PowXYFGradient, (1.5f, 2.3f), (0.7f, -1.2f), (3.0f, 0.5f));
        GradientAssert.Matches(E.HypotXY, E.HypotXYGradient, (3.0, 4.0), (-1.0, 2.0));
        GradientAssert.Matches(E.HypotXYF, E.HypotXYFGradient, (3.0f, 4.0f), (-1.0f, 2.0f));
        GradientAssert.Matches(E.FusedMultiplyAddXYZ, E.FusedMultiplyAddXYZGradient, (1.5, -2.0, 0.3), (0.1, 0.2, 0.3));
        GradientAssert.Matches(E.FusedMultiplyAddXYZF, E.FusedMultiplyAddXYZFGradient, (1.5f, -2.0f, 0.3f), (0.1f, 0.2f, 0.3f));
    }

    [Fact]
    public void Trigonometry()
    {
        GradientAssert.Matches(E.Sin, E.SinGradient, Anywhere);
        GradientAssert.Matches(E.SinF, E.SinFGradient, AnywhereF);
        GradientAssert.Matches(E.SinGeneric, E.SinGenericGradient, Anywhere);
        GradientAssert.Matches(E.Cos, E.CosGradient, Anywhere);
        GradientAssert.Matches(E.CosF, E.CosFGradient, AnywhereF);
        GradientAssert.Matches(E.CosGeneric, E.CosGenericGradient, Anywhere);
        GradientAssert.Matches(E.Tan, E.TanGradient, Unit);
        GradientAssert.Matches(E.TanF, E.TanFGradient, UnitF);
        GradientAssert.Matches(E.TanGeneric, E.TanGenericGradient, Unit);
        GradientAssert.Matches(E.Asin, E.AsinGradient, Unit);
        GradientAssert.Matches(E.AsinF, E.AsinFGradient, UnitF);
        GradientAssert.Matches(E.AsinGeneric, E.AsinGenericGradient, Unit);
        GradientAssert.Matches(E.Acos, E.AcosGradient, Unit);
        GradientAssert.Matches(E.AcosF, E.AcosFGradient, UnitF);
        GradientAssert.Matches(E.AcosGeneric, E.AcosGenericGradient, Unit);
        GradientAssert.Matches(E.Atan, E.AtanGradient, Anywhere);
        GradientAssert.Matches(E.AtanF, E.AtanFGradient, AnywhereF);
        GradientAssert.Matches(E.AtanGeneric, E.AtanGenericGradient, Anywhere);
        GradientAssert.Matches(E.Atan2XY, E.Atan2XYGradient, (1.0, 2.0), (-1.0, -0.5), (0.3, -2.0));
        GradientAssert.Matches(E.Atan2XYF, E.Atan2XYFGradient, (1.0f, 2.0f), (-1.0f, -0.5f), (0.3f, -2.0f));
    }

    [Fact]
    public void Kinks()
    {
        GradientAssert.Matches(E.Abs, E.AbsGradient, Anywhere);
        GradientAssert.Matches(E.AbsF, E.AbsFGradient, AnywhereF);
        GradientAssert.Matches(E.AbsGeneric, E.AbsGenericGradient, Anywhere);
        GradientAssert.Matches(E.MaxXY, E.MaxXYGradient, (1.2, -0.7), (-0.3, 0.8));
        GradientAssert.Matches(E.MaxXYF, E.MaxXYFGradient, (1.2f, -0.7f), (-0.3f, 0.8f));
        GradientAssert.Matches(E.MinXY, E.MinXYGradient, (1.2, -0.7), (-0.3, 0.8));
        GradientAssert.Matches(E.MinXYF, E.MinXYFGradient, (1.2f, -0.7f), (-0.3f, 0.8f));
        GradientAssert.Matches(E.ClampXYZ, E.ClampXYZGradient, (0.5, -1.0, 1.0), (-2.0, -1.0, 1.0), (2.0, -1.0, 1.0));
        GradientAssert.Matches(E.ClampXYZF, E.ClampXYZFGradient, (0.5f, -1.0f, 1.0f), (-2.0f, -1.0f, 1.0f), (2.0f, -1.0f, 1.0f));
        GradientAssert.Matches(E.RemainderXY, E.RemainderXYGradient, (5.3, 2.1), (-4.2, 1.5));
        GradientAssert.Matches(E.RemainderXYF, E.RemainderXYFGradient, (5.3f, 2.1f), (-4.2f, 1.5f));
        GradientAssert.Matches(E.DivideXY, E.DivideXYGradient, (5.3, 2.1), (-4.2, -0.5));
        GradientAssert.Matches(E.DivideXYF, E.DivideXYFGradient, (5.3f, 2.1f), (-4.2f, -0.5f));
    }

    [Fact]
    public void PiecewiseConstantFunctionsHaveZeroDerivative()
    {
        // f(x) = g(x)·x with g piecewise constant: f'(x) = g(x) away from the jumps.
        GradientAssert.Matches(E.Floor, E.FloorGradient, -1.3, 0.4, 2.6);
        GradientAssert.Matches(E.FloorF, E.FloorFGradient, -1.3f, 0.4f, 2.6f);
        GradientAssert.Matches(E.Ceiling, E.CeilingGradient, -1.3, 0.4, 2.6);
        GradientAssert.Matches(E.CeilingF, E.CeilingFGradient, -1.3f, 0.4f, 2.6f);
        GradientAssert.Matches(E.Round, E.RoundGradient, -1.3, 0.4, 2.6);
        GradientAssert.Matches(E.RoundF, E.RoundFGradient, -1.3f, 0.4f, 2.6f);
        GradientAssert.Matches(E.Truncate, E.TruncateGradient, -1.3, 0.4, 2.6);
        GradientAssert.Matches(E.TruncateF, E.TruncateFGradient, -1.3f, 0.4f, 2.6f);
        GradientAssert.Matches(E.Sign, E.SignGradient, -1.3, 0.4, 2.6);
        GradientAssert.Matches(E.SignF, E.SignFGradient, -1.3f, 0.4f, 2.6f);
    }

    [Fact]
    public void GenericMathFunctions()
    {
        GradientAssert.Matches(E.ExpM1, E.ExpM1Gradient, Anywhere);
        GradientAssert.Matches(E.ExpM1F, E.ExpM1FGradient, AnywhereF);
        GradientAssert.Matches(E.Exp2, E.Exp2Gradient, Anywhere);
        GradientAssert.Matches(E.Exp10, E.Exp10Gradient, Unit);
        GradientAssert.Matches(E.Exp2M1, E.Exp2M1Gradient, Anywhere);
        GradientAssert.Matches(E.Exp10M1, E.Exp10M1Gradient, Unit);
        GradientAssert.Matches(E.LogP1, E.LogP1Gradient, Unit);
        GradientAssert.Matches(E.LogP1F, E.LogP1FGradient, UnitF);
        GradientAssert.Matches(E.Log2P1, E.Log2P1Gradient, Positive);
        GradientAssert.Matches(E.Log10P1, E.Log10P1Gradient, Positive);
        GradientAssert.Matches(E.SinPi, E.SinPiGradient, Anywhere);
        GradientAssert.Matches(E.CosPi, E.CosPiGradient, Anywhere);
        GradientAssert.Matches(E.TanPi, E.TanPiGradient, -0.3, 0.1, 0.35);
        GradientAssert.Matches(E.AsinPi, E.AsinPiGradient, Unit);
        GradientAssert.Matches(E.AcosPi, E.AcosPiGradient, Unit);
        GradientAssert.Matches(E.AtanPi, E.AtanPiGradient, Anywhere);
        GradientAssert.Matches(E.Atan2Pi, E.Atan2PiGradient, (0.5, 1.2), (-0.7, -0.4));
        GradientAssert.Matches(E.CopySign, E.CopySignGradient, (0.5, 1.2), (-0.7, 0.4), (0.7, -0.4));
        GradientAssert.Matches(E.CopySignMath, E.CopySignMathGradient, (0.5, 1.2), (-0.7, -0.4));
        GradientAssert.Matches(E.MaxMagnitude, E.MaxMagnitudeGradient, (0.5, -1.2), (-0.7, 0.4));
        GradientAssert.Matches(E.MinMagnitude, E.MinMagnitudeGradient, (0.5, -1.2), (-0.7, 0.4));
        GradientAssert.Matches(E.MaxNumber, E.MaxNumberGradient, (0.5, -1.2), (-0.7, 0.4));
        GradientAssert.Matches(E.RootN, E.RootNGradient, Positive);
        GradientAssert.Matches(x => E.ScaleB(x, 3), (double x, ref double dx, double s) => E.ScaleBGradient(x, 3, ref dx, s), Anywhere);
        GradientAssert.Matches(E.Lerp, E.LerpGradient, (0.5, -1.2, 0.3), (-0.7, 0.4, 1.5));
        GradientAssert.Matches(E.Angles, E.AnglesGradient, Anywhere);
        GradientAssert.Matches(E.BitSteps, E.BitStepsGradient, Anywhere);

        // Estimates: the derivative of the exact function, at the estimate (it need not match the estimate's own steps).
        double d = 0;
        E.ReciprocalEstimateGradient(2.0, ref d);
        Assert.Equal(-1.0 / 4.0, d, 2);
        d = 0;
        E.ReciprocalSqrtEstimateGradient(4.0, ref d);
        Assert.Equal(-0.5 / 8.0, d, 2);

        // A tie splits the adjoint, as Max does; copysign's sign argument gets none.
        double dx = 0, dy = 0;
        E.MaxMagnitudeGradient(1.5, 1.5, ref dx, ref dy);
        Assert.Equal((1.0, 1.0), (dx, dy));
    }
}
