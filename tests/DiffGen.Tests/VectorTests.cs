using System;
using V = DiffGen.Tests.Programs.Vectors;

namespace DiffGen.Tests;

/// <summary>
/// Vector-valued methods (issue 14, item 4): each generated Jacobian against central finite differences of
/// the method itself, each vector-Jacobian product against that Jacobian (Jᵀȳ, accumulated on what the
/// outputs held), the outputs the gradient writes against the method's, and the length checks.
/// </summary>
public class VectorTests
{
    private static double[] Random(int n, int seed, double scale = 1)
    {
        var random = new Random(seed);
        var values = new double[n];
        for (int i = 0; i < n; i++) values[i] = (random.NextDouble() * 2 - 1) * scale;
        return values;
    }

    /// <summary>The m×n Jacobian of f at x by central differences, row-major.</summary>
    private static double[] FiniteJacobian(Func<double[], double[]> f, double[] x)
    {
        var m = f(x).Length;
        var jacobian = new double[m * x.Length];
        for (int j = 0; j < x.Length; j++)
        {
            var h = 1e-6 * Math.Max(1, Math.Abs(x[j]));
            var plus = (double[])x.Clone();
            var minus = (double[])x.Clone();
            plus[j] += h;
            minus[j] -= h;
            var (fp, fm) = (f(plus), f(minus));
            for (int i = 0; i < m; i++) jacobian[i * x.Length + j] = (fp[i] - fm[i]) / (2 * h);
        }

        return jacobian;
    }

    private static void Close(double[] expected, double[] actual, double tolerance = 1e-6)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])),
                $"element {i}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }

    /// <summary>Jᵀȳ + initial, from a row-major m×n Jacobian.</summary>
    private static double[] TransposeTimes(double[] jacobian, double[] seed, double[] initial)
    {
        var n = initial.Length;
        var result = (double[])initial.Clone();
        for (int i = 0; i < seed.Length; i++)
            for (int j = 0; j < n; j++) result[j] += jacobian[i * n + j] * seed[i];
        return result;
    }

    [Fact]
    public void ExponentialDecayResiduals()
    {
        double[] x = { 0, 0.5, 1, 1.5, 2, 2.5 };
        double[] y = { 1.1, 1.5, 1.9, 2.6, 3.9, 5.2 };
        double m = 0.3, c = 0.1;
        double[] Residuals(double[] p)
        {
            var r = new double[x.Length];
            V.DecayResiduals(p[0], p[1], x, y, r);
            return r;
        }

        var expected = FiniteJacobian(Residuals, new[] { m, c });
        var jacobian = new double[x.Length * 2];
        jacobian.AsSpan().Fill(42); // overwritten, not accumulated
        var written = new double[x.Length];
        V.DecayResidualsJacobian(m, c, x, y, written, jacobian);
        Close(expected, jacobian);
        Close(Residuals(new[] { m, c }), written, 0);

        // The product: accumulates Jᵀȳ, writes the residuals.
        var seed = Random(x.Length, 1);
        double dm = 0.25, dc = -0.5;
        var r = new double[x.Length];
        V.DecayResidualsGradient(m, c, x, y, r, ref dm, ref dc, seed);
        Close(TransposeTimes(expected, seed, new[] { 0.25, -0.5 }), new[] { dm, dc });
        Assert.Equal(Residuals(new[] { m, c }), r);

        // Against the analytic Jacobian too: ∂r/∂m = −x e^(mx+c), ∂r/∂c = −e^(mx+c).
        for (int i = 0; i < x.Length; i++)
        {
            var e = Math.Exp(m * x[i] + c);
            Assert.Equal(-x[i] * e, jacobian[2 * i], 12);
            Assert.Equal(-e, jacobian[2 * i + 1], 12);
        }
    }

    [Fact]
    public void ACallerStillDifferentiatesTheResidualsInPlace()
    {
        double[] x = { 0, 1, 2 }, y = { 1, 2.5, 7 };
        double dm = 0, dc = 0;
        var value = V.DecayLossGradient(0.8, 0.2, x, y, ref dm, ref dc);
        Assert.Equal(V.DecayLoss(0.8, 0.2, x, y), value);

        // ∇(½‖r‖²) = Jᵀr.
        var r = new double[3];
        var jacobian = new double[6];
        V.DecayResidualsJacobian(0.8, 0.2, x, y, r, jacobian);
        Close(TransposeTimes(jacobian, r, new double[2]), new[] { dm, dc }, 1e-12);
    }

    [Fact]
    public void RosenbrockResiduals()
    {
        var p = new[] { -1.2, 1.0, 0.4, -0.7 };
        double[] F(double[] q)
        {
            var r = new double[2 * (q.Length - 1)];
            V.RosenbrockResiduals(q, r);
            return r;
        }

        var expected = FiniteJacobian(F, p);
        var jacobian = new double[6 * 4];
        V.RosenbrockResidualsJacobian(p, new double[6], jacobian);
        Close(expected, jacobian);
        Assert.Equal(-20 * p[0], jacobian[0], 12); // ∂r0/∂p0

        var seed = Random(6, 2);
        var dp = Random(4, 3);
        var initial = (double[])dp.Clone();
        V.RosenbrockResidualsGradient(p, new double[6], dp, seed);
        Close(TransposeTimes(expected, seed, initial), dp);
    }

    [Fact]
    public void EulerEndStateSensitivities()
    {
        double[] start = { 1.0, -0.3 };
        const double h = 0.05;
        const int steps = 40;
        double[] F(double[] q)
        {
            var state = new double[2];
            V.OscillatorEnd(q[0], q[1], q.AsSpan(2, 2), h, steps, state);
            return state;
        }

        var point = new[] { 2.0, 0.4, start[0], start[1] };
        var expected = FiniteJacobian(F, point);
        var jacobian = new double[2 * 4];
        var end = new double[2];
        V.OscillatorEndJacobian(2.0, 0.4, start, h, steps, end, jacobian);
        Close(expected, jacobian, 1e-6);
        Assert.Equal(F(point), end);

        var seed = new[] { 0.7, -1.3 };
        double dk = 0, dd = 0;
        var dstart = new double[2];
        V.OscillatorEndGradient(2.0, 0.4, start, h, steps, end, ref dk, ref dd, dstart, seed);
        Close(TransposeTimes(expected, seed, new double[4]), new[] { dk, dd, dstart[0], dstart[1] });

        // No steps: the end state is the start, whatever the stiffness.
        V.OscillatorEndJacobian(2.0, 0.4, start, h, 0, end, jacobian);
        Assert.Equal(new double[] { 0, 0, 1, 0, 0, 0, 0, 1 }, jacobian);
    }

    [Fact]
    public void SoftmaxReturnedArray()
    {
        var z = new[] { 0.5, -1.0, 2.0, 0.1, 2.0 };
        var expected = FiniteJacobian(V.Softmax, z);
        var jacobian = new double[25];
        var value = V.SoftmaxJacobian(z, jacobian);
        Assert.Equal(V.Softmax(z), value);
        Close(expected, jacobian);

        // ∂p_i/∂z_j = p_i (δ_ij − p_j).
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 5; j++)
                Assert.Equal(value[i] * ((i == j ? 1 : 0) - value[j]), jacobian[i * 5 + j], 12);

        var seed = Random(5, 4);
        var dz = new double[5];
        var returned = V.SoftmaxGradient(z, dz, seed);
        Assert.Equal(value, returned);
        Close(TransposeTimes(expected, seed, new double[5]), dz);
    }

    [Fact]
    public void DenseLayerOutputWithAWeightMatrix()
    {
        const int outputs = 3, inputs = 4;
        var wFlat = Random(outputs * inputs, 5, 0.7);
        var b = Random(outputs, 6);
        var x = Random(inputs, 7);
        double[,] Matrix(double[] flat)
        {
            var w = new double[outputs, inputs];
            for (int j = 0; j < outputs; j++)
                for (int k = 0; k < inputs; k++) w[j, k] = flat[j * inputs + k];
            return w;
        }

        double[] F(double[] q)
        {
            var y = new double[outputs];
            V.Dense(Matrix(q[..(outputs * inputs)]), q[(outputs * inputs)..], x, y);
            return y;
        }

        var point = new double[outputs * inputs + outputs];
        wFlat.CopyTo(point, 0);
        b.CopyTo(point, outputs * inputs);
        var expected = FiniteJacobian(F, point);
        var jacobian = new double[outputs * point.Length];
        V.DenseJacobian(Matrix(wFlat), b, x, new double[outputs], jacobian);
        Close(expected, jacobian);

        var seed = Random(outputs, 8);
        var dw = new double[outputs, inputs];
        var db = new double[outputs];
        V.DenseGradient(Matrix(wFlat), b, x, new double[outputs], dw, db, seed);
        var flat = new double[point.Length];
        for (int j = 0; j < outputs; j++)
            for (int k = 0; k < inputs; k++) flat[j * inputs + k] = dw[j, k];
        db.CopyTo(flat, outputs * inputs);
        Close(TransposeTimes(expected, seed, new double[point.Length]), flat);
    }

    [Fact]
    public void TwoOutputsBranchesAndAnEarlyReturn()
    {
        foreach (var (a, threshold) in new[] { (0.8, 0.1), (-0.6, 0.0), (1.5, 2.0) })
        {
            var v = Random(4, 9);
            double[] F(double[] q)
            {
                var low = new double[2];
                var high = new double[5];
                V.Piecewise(q[0], q[1..], threshold, low, high);
                return [.. low, .. high];
            }

            double[] point = [a, .. v];
            var expected = FiniteJacobian(F, point);
            var jacobian = new double[7 * 5];
            var (lowOut, highOut) = (new double[2], new double[5]);
            V.PiecewiseJacobian(a, v, threshold, lowOut, highOut, jacobian);
            Close(expected, jacobian, 1e-5);
            Assert.Equal(F(point), (double[])[.. lowOut, .. highOut]);

            var seed = Random(7, 10);
            double da = 0;
            var dv = new double[4];
            V.PiecewiseGradient(a, v, threshold, lowOut, highOut, ref da, dv, seed.AsSpan(0, 2), seed.AsSpan(2));
            Close(TransposeTimes(expected, seed, new double[5]), [da, .. dv], 1e-5);
        }

        // The early return: nothing past it is written, and the written elements have their derivatives.
        // Rows low[0], low[1] (never written: the caller's value, a constant) and high[0] = a; one column, a.
        var early = new double[3];
        V.PiecewiseJacobian(0.5, [], 0, new double[2], new double[1], early);
        Assert.Equal(new double[] { 0, 0, 1 }, early);
    }

    [Fact]
    public void ArrayMadeWithACollectionExpression()
    {
        var expected = FiniteJacobian(q => V.Cartesian(q[0], q[1]), new[] { 2.0, 0.6 });
        var jacobian = new double[4];
        Assert.Equal(V.Cartesian(2.0, 0.6), V.CartesianJacobian(2.0, 0.6, jacobian));
        Close(expected, jacobian);
        Assert.Equal(new[] { Math.Cos(0.6), -2.0 * Math.Sin(0.6), Math.Sin(0.6), 2.0 * Math.Cos(0.6) }, jacobian);
    }

    [Fact]
    public void FloatPrecision()
    {
        var v = new[] { 0.5f, -1.5f, 2f };
        var jacobian = new float[3 * 4];
        var r = new float[3];
        V.ScaledSquaresJacobian(1.5f, v, r, jacobian);
        Assert.Equal(new[] { 0.375f, 3.375f, 6f }, r);
        Assert.Equal(new[]
        {
            0.25f, 1.5f, 0, 0,
            2.25f, 0, -4.5f, 0,
            4f, 0, 0, 6f,
        }, jacobian);
    }

    [Fact]
    public void LengthsAreChecked()
    {
        double[] x = { 0, 1 }, y = { 1, 2 };
        double dm = 0, dc = 0;
        var e = Assert.Throws<ArgumentException>(() => V.DecayResidualsGradient(0, 0, x, y, new double[2], ref dm, ref dc, new double[3]));
        Assert.Equal("dr", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => V.DecayResidualsJacobian(0, 0, x, y, new double[2], new double[5]));
        Assert.Equal("jacobian", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => V.SoftmaxGradient(new[] { 1.0, 2.0 }, new double[2], new double[1]));
        Assert.Equal("seed", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => V.SoftmaxJacobian(new[] { 1.0, 2.0 }, new double[3]));
        Assert.Equal("jacobian", e.ParamName);
    }

    [Fact]
    public void OutputsWrittenThroughAHelperIntoASlice()
    {
        var v = new[] { 0.3, -1.1, 0.8, 2.0 };
        double[] F(double[] q)
        {
            var r = new double[4];
            V.Stacked(q, r);
            return r;
        }

        var expected = FiniteJacobian(F, v);
        var jacobian = new double[16];
        var r = new double[4];
        V.StackedJacobian(v, r, jacobian);
        Close(expected, jacobian);
        Assert.Equal(F(v), r);

        var seed = Random(4, 11);
        var dv = new double[4];
        V.StackedGradient(v, new double[4], dv, seed);
        Close(TransposeTimes(expected, seed, new double[4]), dv);
    }
}
