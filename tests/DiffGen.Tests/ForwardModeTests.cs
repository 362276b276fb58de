using System;
using System.Linq;
using S = DiffGen.Tests.Programs.SecondOrder;

namespace DiffGen.Tests;

/// <summary>
/// Forward mode and second order: <c>…Tangent</c> against the gradient dotted with the direction (exact to rounding: both
/// apply the same rules) and against central differences; <c>…HessianVector</c> against closed-form Hessians and central
/// differences of the gradient, its gradient outputs against <c>…Gradient</c>; <c>…Hessian</c> column by column.
/// </summary>
public class ForwardModeTests
{
    private static readonly Random Rng = new(20261201);

    private static double[] Uniform(int n, double low, double high) => Enumerable.Range(0, n).Select(_ => low + (high - low) * Rng.NextDouble()).ToArray();

    private static void Close(double expected, double actual, double relative, string what) =>
        Assert.True(Math.Abs(expected - actual) <= relative * Math.Max(1, Math.Abs(expected)), $"{what}: expected {expected:R}, got {actual:R}");


    [Fact]
    public void RosenbrocksHessianIsTheClosedForm()
    {
        var x = new[] { -1.2, 1.0, 0.5, -0.3, 2.0, 1.1 };
        var n = x.Length;
        var expected = new double[n * n];
        for (var i = 0; i + 1 < n; i++)
        {
            expected[i * n + i] += 2 + 1200 * x[i] * x[i] - 400 * x[i + 1];
            expected[(i + 1) * n + i + 1] += 200;
            expected[i * n + i + 1] = expected[(i + 1) * n + i] = -400 * x[i];
        }

        var hessian = new double[n * n];
        var value = S.RosenbrockHessian(x, hessian);
        Assert.Equal(S.Rosenbrock(x), value);
        for (var k = 0; k < n * n; k++)
        {
            Close(expected[k], hessian[k], 1e-13, $"H[{k / n}, {k % n}]");
        }

        // One product: H·v, the gradient beside it, the value returned.
        var v = Uniform(n, -1, 1);
        var (gradient, product) = (new double[n], new double[n]);
        Assert.Equal(value, S.RosenbrockHessianVector(x, v, gradient, product));
        var reference = new double[n];
        S.RosenbrockGradient(x, reference);
        for (var i = 0; i < n; i++)
        {
            Close(reference[i], gradient[i], 1e-14, $"∂f/∂x{i}");
            Close(Enumerable.Range(0, n).Sum(j => expected[i * n + j] * v[j]), product[i], 1e-13, $"(H·v)[{i}]");
        }
    }

    [Fact]
    public void APoissonRegressionOverADesignMatrixHasHessianXTransposeMuX()
    {
        const int n = 30, d = 3;
        var x = new double[n, d];
        var y = new double[n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < d; j++)
            {
                x[i, j] = Uniform(1, -1, 1)[0];
            }

            y[i] = Rng.Next(4);
        }

        var beta = new[] { 0.3, -0.5, 0.8 };
        var hessian = new double[d * d];
        Assert.Equal(S.PoissonNll(beta, x, y), S.PoissonNllHessian(beta, x, y, hessian));
        for (var a = 0; a < d; a++)
        {
            for (var b = 0; b < d; b++)
            {
                var expected = Enumerable.Range(0, n).Sum(i => Math.Exp(Enumerable.Range(0, d).Sum(j => x[i, j] * beta[j])) * x[i, a] * x[i, b]);
                Close(expected, hessian[a * d + b], 1e-13, $"H[{a}, {b}]");
            }
        }

        var t = Uniform(d, -1, 1);
        var gradient = new double[d];
        S.PoissonNllGradient(beta, x, y, gradient);
        S.PoissonNllTangent(beta, x, y, t, out var tangent);
        Close(gradient.Zip(t, (g, v) => g * v).Sum(), tangent, 1e-13, "∇f·t");
    }

    [Fact]
    public void LogisticRegressionsHessianIsXTransposeWX()
    {
        const int n = 40, d = 3;
        var x = Uniform(n * d, -2, 2);
        var y = Enumerable.Range(0, n).Select(_ => Rng.Next(2) * 1.0).ToArray();
        var beta = new[] { 0.4, -0.7, 1.3 };
        var expected = new double[d * d];
        for (var i = 0; i < n; i++)
        {
            var z = Enumerable.Range(0, d).Sum(j => x[i * d + j] * beta[j]);
            var p = 1 / (1 + Math.Exp(-z));
            for (var a = 0; a < d; a++)
            {
                for (var b = 0; b < d; b++)
                {
                    expected[a * d + b] += p * (1 - p) * x[i * d + a] * x[i * d + b];
                }
            }
        }

        var hessian = new double[d * d];
        S.LogisticNllHessian(beta, x, y, n, d, hessian);
        for (var k = 0; k < d * d; k++)
        {
            Close(expected[k], hessian[k], 1e-12, $"H[{k / d}, {k % d}]");
        }
    }

    public static readonly TheoryData<string> Programs = new() { "Rosenbrock", "LogisticNll", "SpringEnergy", "BlackScholesCall", "TanhNet", "Piecewise", "Iterated", "RegularizedRosenbrock", "Nested", "ThroughAVectorValuedCall", "SoftplusLoss" };

    // Each program as a function of one vector: the value, its generated gradient, tangent and Hessian-vector product.
    private sealed record Vectorized(
        int Inputs,
        Func<double[], double> Value,
        Func<double[], double[]> Gradient,
        Func<double[], double[], (double Value, double Tangent)> Tangent,
        Func<double[], double[], (double Value, double[] Gradient, double[] Product)> HessianVector,
        Func<double[]> Point);

    private static Vectorized Program(string name)
    {
        switch (name)
        {
            case "Rosenbrock":
                return Arrays(5, S.Rosenbrock, (x, d) => S.RosenbrockGradient(x, d), (double[] x, ReadOnlySpan<double> t, out double tangent) => S.RosenbrockTangent(x, t, out tangent),
                    (x, v, d, h) => S.RosenbrockHessianVector(x, v, d, h), () => Uniform(5, -1.5, 1.5));
            case "LogisticNll":
            {
                var x = Uniform(60, -2, 2);
                var y = Enumerable.Range(0, 20).Select(_ => Rng.Next(2) * 1.0).ToArray();
                return Arrays(3, b => S.LogisticNll(b, x, y, 20, 3), (b, d) => S.LogisticNllGradient(b, x, y, 20, 3, d),
                    (double[] b, ReadOnlySpan<double> t, out double tangent) => S.LogisticNllTangent(b, x, y, 20, 3, t, out tangent),
                    (b, v, d, h) => S.LogisticNllHessianVector(b, x, y, 20, 3, v, d, h), () => Uniform(3, -1, 1));
            }

            case "SpringEnergy":
                return Arrays(6, p => S.SpringEnergy(p, 0.8, 3), (p, d) => S.SpringEnergyGradient(p, 0.8, 3, d),
                    (double[] p, ReadOnlySpan<double> t, out double tangent) => S.SpringEnergyTangent(p, 0.8, 3, t, out tangent),
                    (p, v, d, h) => S.SpringEnergyHessianVector(p, 0.8, 3, v, d, h),
                    () => new[] { 1 + 0.2 * Rng.NextDouble(), 0.3 * Rng.NextDouble(), 2 + 0.2 * Rng.NextDouble(), -0.3 * Rng.NextDouble(), 3 + 0.2 * Rng.NextDouble(), 0.1 });
            case "BlackScholesCall":
                return new Vectorized(
                    3,
                    p => S.BlackScholesCall(p[0], p[1], p[2], 100, 0.75),
                    p =>
                    {
                        var g = new double[3];
                        S.BlackScholesCallGradient(p[0], p[1], p[2], 100, 0.75, ref g[0], ref g[1], ref g[2]);
                        return g;
                    },
                    (p, t) => (S.BlackScholesCallTangent(p[0], p[1], p[2], 100, 0.75, t[0], t[1], t[2], out var tangent), tangent),
                    (p, v) =>
                    {
                        var (g, h) = (new double[3], new double[3]);
                        var value = S.BlackScholesCallHessianVector(p[0], p[1], p[2], 100, 0.75, v[0], v[1], v[2], ref g[0], ref g[1], ref g[2], ref h[0], ref h[1], ref h[2]);
                        return (value, g, h);
                    },
                    () => new[] { 90 + 20 * Rng.NextDouble(), 0.15 + 0.2 * Rng.NextDouble(), 0.01 + 0.04 * Rng.NextDouble() });
            case "TanhNet":
            {
                var inputs = Uniform(16, -1, 1);
                var targets = Uniform(8, -1, 1);
                return Arrays(9, w => S.TanhNet(w, inputs, targets), (w, d) => S.TanhNetGradient(w, inputs, targets, d),
                    (double[] w, ReadOnlySpan<double> t, out double tangent) => S.TanhNetTangent(w, inputs, targets, t, out tangent),
                    (w, v, d, h) => S.TanhNetHessianVector(w, inputs, targets, v, d, h), () => Uniform(9, -1, 1));
            }

            case "Piecewise":
                return new Vectorized(
                    3,
                    p => S.Piecewise(p[0], p[1], p[2]),
                    p =>
                    {
                        var g = new double[3];
                        S.PiecewiseGradient(p[0], p[1], p[2], ref g[0], ref g[1], ref g[2]);
                        return g;
                    },
                    (p, t) => (S.PiecewiseTangent(p[0], p[1], p[2], t[0], t[1], t[2], out var tangent), tangent),
                    (p, v) =>
                    {
                        var (g, h) = (new double[3], new double[3]);
                        var value = S.PiecewiseHessianVector(p[0], p[1], p[2], v[0], v[1], v[2], ref g[0], ref g[1], ref g[2], ref h[0], ref h[1], ref h[2]);
                        return (value, g, h);
                    },
                    () => Uniform(3, -2, 2));
            case "RegularizedRosenbrock":
                return Arrays(5, x => S.RegularizedRosenbrock(x, 0.3), (x, d) =>
                    {
                        double dl = 0;
                        return S.RegularizedRosenbrockGradient(x, 0.3, d, ref dl);
                    },
                    (double[] x, ReadOnlySpan<double> t, out double tangent) => S.RegularizedRosenbrockTangent(x, 0.3, t, 0, out tangent),
                    (x, v, d, h) =>
                    {
                        double dl = 0, hl = 0;
                        return S.RegularizedRosenbrockHessianVector(x, 0.3, v, 0, d, ref dl, h, ref hl);
                    },
                    () => Uniform(5, -1.5, 1.5));
            case "ThroughAVectorValuedCall":
                return new Vectorized(
                    2,
                    p => S.ThroughAVectorValuedCall(p[0], p[1]),
                    p =>
                    {
                        var g = new double[2];
                        S.ThroughAVectorValuedCallGradient(p[0], p[1], ref g[0], ref g[1]);
                        return g;
                    },
                    (p, t) => (S.ThroughAVectorValuedCallTangent(p[0], p[1], t[0], t[1], out var tangent), tangent),
                    (p, v) =>
                    {
                        var (g, h) = (new double[2], new double[2]);
                        var value = S.ThroughAVectorValuedCallHessianVector(p[0], p[1], v[0], v[1], ref g[0], ref g[1], ref h[0], ref h[1]);
                        return (value, g, h);
                    },
                    () => Uniform(2, -2, 2));
            case "SoftplusLoss":
                return new Vectorized(
                    2,
                    p => S.SoftplusLoss(p[0], p[1], 1.7),
                    p =>
                    {
                        var g = new double[2];
                        S.SoftplusLossGradient(p[0], p[1], 1.7, ref g[0], ref g[1]);
                        return g;
                    },
                    (p, t) => (S.SoftplusLossTangent(p[0], p[1], 1.7, t[0], t[1], out var tangent), tangent),
                    (p, v) =>
                    {
                        var (g, h) = (new double[2], new double[2]);
                        var value = S.SoftplusLossHessianVector(p[0], p[1], 1.7, v[0], v[1], ref g[0], ref g[1], ref h[0], ref h[1]);
                        return (value, g, h);
                    },
                    () => Uniform(2, -3, 3));
            case "Nested":
                return new Vectorized(
                    2,
                    p => S.Nested(p[0], p[1], 4),
                    p =>
                    {
                        var g = new double[2];
                        S.NestedGradient(p[0], p[1], 4, ref g[0], ref g[1]);
                        return g;
                    },
                    (p, t) => (S.NestedTangent(p[0], p[1], 4, t[0], t[1], out var tangent), tangent),
                    (p, v) =>
                    {
                        var (g, h) = (new double[2], new double[2]);
                        var value = S.NestedHessianVector(p[0], p[1], 4, v[0], v[1], ref g[0], ref g[1], ref h[0], ref h[1]);
                        return (value, g, h);
                    },
                    () => Uniform(2, -1.2, 1.2));
            default:
                return Arrays(4, p => S.Iterated(p, 1e-12), (p, d) => S.IteratedGradient(p, 1e-12, d),
                    (double[] p, ReadOnlySpan<double> t, out double tangent) => S.IteratedTangent(p, 1e-12, t, out tangent),
                    (p, v, d, h) => S.IteratedHessianVector(p, 1e-12, v, d, h), () => Uniform(4, 0.2, 2));
        }
    }

    private delegate double ArrayTangent(double[] x, ReadOnlySpan<double> t, out double tangent);

    private delegate double ArrayHessianVector(double[] x, ReadOnlySpan<double> v, Span<double> d, Span<double> h);

    private static Vectorized Arrays(int n, Func<double[], double> value, Func<double[], double[], double> gradient, ArrayTangent tangent, ArrayHessianVector product, Func<double[]> point) => new(
        n,
        value,
        x =>
        {
            var g = new double[n];
            gradient(x, g);
            return g;
        },
        (x, t) => (tangent(x, t, out var directional), directional),
        (x, v) =>
        {
            var (g, h) = (new double[n], new double[n]);
            var returned = product(x, v, g, h);
            return (returned, g, h);
        },
        point);

    [Theory]
    [MemberData(nameof(Programs))]
    public void TangentsAndHessianVectorProductsMatchTheGradientAndFiniteDifferences(string name)
    {
        var program = Program(name);
        for (var trial = 0; trial < 4; trial++)
        {
            var x = program.Point();
            var v = Uniform(program.Inputs, -1, 1);
            var value = program.Value(x);
            var gradient = program.Gradient(x);

            // The tangent is ∇f·v: the same local derivatives, summed forward instead of backward.
            var (tangentValue, tangent) = program.Tangent(x, v);
            Assert.Equal(value, tangentValue);
            Close(gradient.Zip(v, (g, d) => g * d).Sum(), tangent, 1e-12, name + ": tangent against ∇f·v");
            Close(GradientAssert.AlongDirection(p => new[] { program.Value(p) }, x, v)[0], tangent, 1e-6, name + ": tangent against a central difference");

            // H·v against central differences of the gradient along v; its gradient outputs are the gradient.
            var (productValue, productGradient, product) = program.HessianVector(x, v);
            Assert.Equal(value, productValue);
            var numeric = GradientAssert.AlongDirection(program.Gradient, x, v);
            for (var i = 0; i < program.Inputs; i++)
            {
                Close(gradient[i], productGradient[i], 1e-12, $"{name}: ∂f/∂x{i} from the Hessian-vector product");
                Close(numeric[i], product[i], 1e-5, $"{name}: (H·v)[{i}] against a central difference of the gradient");
            }
        }
    }

    [Fact]
    public void TheHessianIsSymmetricAndItsColumnsAreProducts()
    {
        var inputs = Uniform(16, -1, 1);
        var targets = Uniform(8, -1, 1);
        var w = Uniform(9, -1, 1);
        var hessian = new double[81];
        var value = S.TanhNetHessian(w, inputs, targets, hessian);
        Assert.Equal(S.TanhNet(w, inputs, targets), value);
        for (var j = 0; j < 9; j++)
        {
            var (e, d, h) = (new double[9], new double[9], new double[9]);
            e[j] = 1;
            S.TanhNetHessianVector(w, inputs, targets, e, d, h);
            for (var i = 0; i < 9; i++)
            {
                Assert.Equal(h[i], hessian[i * 9 + j]);
                Close(hessian[i * 9 + j], hessian[j * 9 + i], 1e-13, $"H[{i}, {j}] against H[{j}, {i}]");
            }
        }
    }

    [Fact]
    public void OutputsAccumulateScaledByTheSeed()
    {
        var x = new[] { 0.3, -0.4, 1.2 };
        var v = new[] { 1.0, 2.0, -1.0 };
        var (d1, h1) = (new double[3], new double[3]);
        S.RosenbrockHessianVector(x, v, d1, h1);
        var (d2, h2) = (d1.ToArray(), h1.ToArray());
        S.RosenbrockHessianVector(x, v, d2, h2, seed: 0.5);
        for (var i = 0; i < 3; i++)
        {
            Close(1.5 * d1[i], d2[i], 1e-15, "d accumulates seed × ∇f");
            Close(1.5 * h1[i], h2[i], 1e-15, "h accumulates seed × H·v");
        }
    }

    [Fact]
    public void AZeroTangentContributesZeroThroughAnInfiniteDerivative()
    {
        // √(x² + y²) at the origin: ∂√u/∂u is infinite, but u's tangent is 0 along every direction, so the tangent is 0, not NaN.
        Assert.Equal(0.0, S.SquaredNormTangent(0, 0, 1, -1, out var tangent));
        Assert.Equal(0.0, tangent);
        double dx = 0, dy = 0, hx = 0, hy = 0;
        S.SquaredNormHessianVector(0, 0, 1, 0, ref dx, ref dy, ref hx, ref hy);
        Assert.Equal((0.0, 0.0), (dx, dy));
        Assert.False(double.IsNaN(hx) || double.IsNaN(hy), $"H·v at the origin: ({hx}, {hy})");

        // Away from it the square of the norm is x² + y²: tangent 2x·tx + 2y·ty, Hessian 2I.
        Assert.Equal((2.0 * 3 * 1) + (2.0 * 4 * -1), TangentOf(3, 4, 1, -1), 12);
        var hessian = new double[4];
        S.SquaredNormHessian(3, 4, hessian);
        Assert.Equal(new[] { 2.0, 0, 0, 2.0 }, hessian.Select(h => Math.Round(h, 12)).ToArray());

        static double TangentOf(double x, double y, double tx, double ty)
        {
            S.SquaredNormTangent(x, y, tx, ty, out var t);
            return t;
        }
    }

    [Fact]
    public void AFiniteFactorCountsWhereTheTangentIsZero()
    {
        // √(x² + c) at x = 0: ∂/∂x = 0, so x's tangent through x² is 0; ∂²/∂x² = 1/√c, ∂²/∂x∂c = 0, ∂²/∂c² = −¼ c^(−3/2).
        Assert.Equal(Math.Sqrt(0.65), S.RootOfSquarePlusTangent(0, 0.65, 1, 0, out var tangent));
        Assert.Equal(0.0, tangent);
        var hessian = new double[4];
        S.RootOfSquarePlusHessian(0, 0.65, hessian);
        Close(1 / Math.Sqrt(0.65), hessian[0], 1e-15, "∂²/∂x²");
        Assert.Equal(0.0, hessian[1]);
        Assert.Equal(0.0, hessian[2]);
        Close(-0.25 * Math.Pow(0.65, -1.5), hessian[3], 1e-15, "∂²/∂c²");
    }

    [Fact]
    public void FloatMethodsGetFloatTangentsAndHessians()
    {
        var value = S.Softplus2Tangent(0.5f, -1.5f, 1f, 0f, out float tangent);
        Assert.Equal(S.Softplus2(0.5f, -1.5f), value);
        float dx = 0, dy = 0;
        S.Softplus2Gradient(0.5f, -1.5f, ref dx, ref dy);
        Assert.Equal(dx, tangent, 6);
        var hessian = new float[4];
        S.Softplus2Hessian(0.5f, -1.5f, hessian);

        // f = log(1 + e^{xy}) + x²/2: ∂²f/∂x² = y² σ(1 − σ) + 1, ∂²f/∂x∂y = σ + xy σ(1 − σ), ∂²f/∂y² = x² σ(1 − σ), σ = σ(xy).
        var s = 1 / (1 + Math.Exp(0.75));
        var expected = new[] { 2.25 * s * (1 - s) + 1, s - 0.75 * s * (1 - s), s - 0.75 * s * (1 - s), 0.25 * s * (1 - s) };
        for (var k = 0; k < 4; k++)
        {
            Close(expected[k], hessian[k], 1e-6, $"H[{k / 2}, {k % 2}]");
        }
    }

    [Fact]
    public void ADirectionOfTheWrongLengthIsRefused()
    {
        var x = new[] { 1.0, 2.0, 3.0 };
        var tooShort = new double[2];
        var thrown = Assert.Throws<ArgumentException>(() => S.RosenbrockTangent(x, tooShort, out _));
        Assert.Equal("tx", thrown.ParamName);
        thrown = Assert.Throws<ArgumentException>(() => S.RosenbrockHessianVector(x, tooShort, new double[3], new double[3]));
        Assert.Equal("vx", thrown.ParamName);
        thrown = Assert.Throws<ArgumentException>(() => S.RosenbrockHessian(x, new double[8]));
        Assert.Equal("hessian", thrown.ParamName);
    }

    [Fact]
    public void AVariedValueForANoDerivativeParameterGoesThroughTheFullTangent()
    {
        // x · x², the second x through a [NoDerivative] parameter: d/dx = 3x², d²/dx² = 6x.
        Assert.Equal(8, S.ThroughAConstantParameterTangent(2, 1, out var tangent));
        Assert.Equal(12, tangent);
        double dx = 0, hx = 0;
        S.ThroughAConstantParameterHessianVector(2, 1, ref dx, ref hx);
        Assert.Equal((12.0, 12.0), (dx, hx));
    }

    [Fact]
    public void ACustomCalleeWithoutTangentMethodsMakesForwardModeThrowNamingIt()
    {
        double dx = 0;
        Assert.Equal(10, S.ThroughCubeGradient(2, ref dx));
        Assert.Equal(13, dx);
        var thrown = Assert.Throws<NotSupportedException>(() => S.ThroughCubeTangent(2, 1, out _));
        Assert.Contains("SecondOrder.Cube, which has no CubeTangent and CubeHessianVector", thrown.Message);
        Assert.Throws<NotSupportedException>(() => S.ThroughCubeHessian(2, new double[1]));
    }

    [Fact]
    public void ReadmeExampleRuns()
    {
        // README "Forward mode and second order", verbatim.
        double[] x = [1.3, 0.7, 0.8, 1.9, 1.2];
        double[] v = [1, 0, 0, 0, 0];
        double value = Valley.RosenbrockTangent(x, v, out double slope);   // ∂f/∂x₀ in one forward pass
        double[] g = new double[5], hv = new double[5];
        Valley.RosenbrockHessianVector(x, v, g, hv);                       // g = ∇f, hv = H·e₀ = the first column of H
        double[] h = new double[25];
        Valley.RosenbrockHessian(x, h);                                    // all of H: h[i * 5 + j] = ∂²f/∂xᵢ∂xⱼ

        // What the comments say: f's value, ∂f/∂x₀ = −2(1 − x₀) − 400x₀(x₁ − x₀²), H's first column, H itself.
        Assert.Equal(Valley.Rosenbrock(x), value);
        Close(-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] * x[0]), slope, 1e-14, "∂f/∂x₀");
        Assert.Equal(slope, g[0]);
        Close(2 + 1200 * x[0] * x[0] - 400 * x[1], hv[0], 1e-14, "∂²f/∂x₀²");
        Close(-400 * x[0], hv[1], 1e-14, "∂²f/∂x₁∂x₀");
        Assert.Equal(new[] { 0.0, 0, 0 }, hv[2..]);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(hv[i], h[i * 5]);
        }
    }
}
