using System;
using System.Linq;
using V = DiffGen.Tests.Programs.Vectors;

namespace DiffGen.Tests;

/// <summary>
/// Jacobian-vector products of vector-valued methods: <c>…Tangent</c> writes the outputs as the method does and J·t
/// beside them (or returns the array with J·t as an out array). Each against the generated Jacobian times t (the
/// Jacobian is itself checked against central differences in <see cref="VectorTests"/>) and, where there is one, a
/// closed form; the outputs against the method's.
/// </summary>
public class VectorTangentTests
{
    private static double[] Random(int n, int seed, double scale = 1)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (random.NextDouble() * 2 - 1) * scale).ToArray();
    }

    // J·t for a row-major m × n Jacobian.
    private static double[] Times(double[] jacobian, double[] t) =>
        Enumerable.Range(0, jacobian.Length / t.Length).Select(i => Enumerable.Range(0, t.Length).Sum(j => jacobian[i * t.Length + j] * t[j])).ToArray();

    private static void Close(double[] expected, double[] actual, double tolerance = 1e-13)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])), $"[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }

    [Fact]
    public void CurveFitResidualsAlongADirection()
    {
        var x = new[] { 0.0, 0.4, 0.9, 1.3, 2.1 };
        var y = x.Select(v => Math.Exp(0.3 * v + 0.1) + 0.05 * Math.Sin(7 * v)).ToArray();
        var (r, tr) = (new double[5], new double[5]);
        V.DecayResidualsTangent(0.8, 0.2, x, y, r, 0.3, -0.7, tr);

        var (jacobian, written) = (new double[5 * 2], new double[5]);
        V.DecayResidualsJacobian(0.8, 0.2, x, y, written, jacobian);
        Close(Times(jacobian, [0.3, -0.7]), tr);
        Assert.Equal(written, r);

        // Closed form: ∂r/∂m = −x e^(mx + c), ∂r/∂c = −e^(mx + c).
        Close(x.Select(v => -Math.Exp(0.8 * v + 0.2) * (0.3 * v - 0.7)).ToArray(), tr);
    }

    [Fact]
    public void AnOutputReadBackInALoopCarriesItsTangent()
    {
        // The oscillator's state is written, read back and written again each step: its tangent goes with it.
        double[] start = [1.0, -0.3];
        double[] t = [0.5, -0.25, 1.0, 2.0];
        var (state, tstate) = (new double[2], new double[2]);
        V.OscillatorEndTangent(2.0, 0.4, start, 0.05, 40, state, t[0], t[1], t[2..], tstate);

        var (jacobian, end) = (new double[2 * 4], new double[2]);
        V.OscillatorEndJacobian(2.0, 0.4, start, 0.05, 40, end, jacobian);
        Close(Times(jacobian, t), tstate, 1e-12);
        Assert.Equal(end, state);
    }

    [Fact]
    public void SoftmaxsTangentIsTheClosedForm()
    {
        // J = diag(p) − p pᵀ, so J·t = p ⊙ (t − p·t).
        var z = Random(6, 3, 2);
        var t = Random(6, 4);
        var p = V.SoftmaxTangent(z, t, out var tp);

        Assert.Equal(V.Softmax(z), p);
        var dot = p.Zip(t, (a, b) => a * b).Sum();
        Close(p.Zip(t, (a, b) => a * (b - dot)).ToArray(), tp);
        var jacobian = new double[36];
        V.SoftmaxJacobian(z, jacobian);
        Close(Times(jacobian, t), tp);
    }

    [Fact]
    public void TwoOutputsABranchAndAnEarlyReturn()
    {
        foreach (var (a, threshold) in new[] { (0.8, 0.1), (-0.6, 0.0), (1.5, 2.0) })
        {
            var v = Random(4, 9);
            var t = Random(5, 12);
            var (low, high, tlow, thigh) = (new double[2], new double[5], new double[2], new double[5]);
            V.PiecewiseTangent(a, v, threshold, low, high, t[0], t[1..], tlow, thigh);

            var jacobian = new double[7 * 5];
            var (lowOut, highOut) = (new double[2], new double[5]);
            V.PiecewiseJacobian(a, v, threshold, lowOut, highOut, jacobian);
            Close(Times(jacobian, t), [.. tlow, .. thigh]);
            Assert.Equal((double[])[.. lowOut, .. highOut], (double[])[.. low, .. high]);
        }

        // An empty v returns early: the elements never written keep their values, and their tangents are 0.
        var (l, h) = (new[] { 9.0, 9.0 }, new[] { 9.0, 9.0 });
        var (tl, th) = (new[] { 9.0, 9.0 }, new[] { 9.0, 9.0 });
        V.PiecewiseTangent(0.5, [], 0.1, l, h, 1.0, [], tl, th);
        Assert.Equal([0.0, 9.0], l);
        Assert.Equal([0.5, 9.0], h);
        Assert.Equal([0.0, 0.0], tl);
        Assert.Equal([1.0, 0.0], th);
    }

    [Fact]
    public void ThroughAHelperIntoASliceAndInFloat()
    {
        var v = Random(4, 21);
        var t = Random(4, 22);
        var (r, tr) = (new double[5], new double[5]);
        V.StackedTangent(v, r, t, tr);
        var jacobian = new double[5 * 4];
        V.StackedJacobian(v, new double[5], jacobian);
        Close(Times(jacobian, t), tr);

        float[] w = [0.5f, -1.25f, 2f];
        var (s, ts) = (new float[3], new float[3]);
        V.ScaledSquaresTangent(1.5f, w, s, 0.25f, [1f, 0f, -1f], ts);
        for (var i = 0; i < 3; i++)
        {
            // ∂(k w²)/∂k · tk + 2 k w · tw
            var expected = w[i] * w[i] * 0.25f + 2 * 1.5f * w[i] * (i == 0 ? 1f : i == 2 ? -1f : 0f);
            Assert.True(Math.Abs(expected - ts[i]) <= 1e-6f * Math.Max(1, Math.Abs(expected)), $"[{i}]: {expected} vs {ts[i]}");
        }
    }

    [Fact]
    public void ATangentOfTheWrongLengthIsRefused()
    {
        var x = new[] { 0.0, 0.4 };
        var error = Assert.Throws<ArgumentException>(() => V.DecayResidualsTangent(0.8, 0.2, x, x, new double[2], 1, 0, new double[3]));
        Assert.Contains("tr", error.Message);
    }

    [Fact]
    public void AnInPlaceProductIsRefused()
    {
        // t ← J·t written in place (as power iteration is) would clear the direction before reading it.
        double[] start = [1.0, -0.3];
        var t = new[] { 1.0, 0.0 };
        var error = Assert.Throws<ArgumentException>(() => V.OscillatorEndTangent(2.0, 0.4, start, 0.05, 40, new double[2], 0, 0, t, t));
        Assert.Equal("tstate", error.ParamName);
        Assert.Equal([1.0, 0.0], t);
    }
}
