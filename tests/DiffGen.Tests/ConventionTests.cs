using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using DiffGen.Tests.Programs;

namespace DiffGen.Tests;

/// <summary>
/// Values and gradients at kinks, domain edges, NaN and infinities against PyTorch 1.13 float64
/// (tools/pytorch_conventions_reference.py): the same subgradients, the same infinities, NaN where PyTorch has NaN.
/// </summary>
public class ConventionTests
{
    private delegate double Gradient1(double x, ref double dx, double seed);

    private delegate double Gradient2(double x, double y, ref double dx, ref double dy, double seed);

    private static readonly Dictionary<string, Func<double[], double[]>> Methods = new()
    {
        ["abs"] = One(Conventions.AbsGradient),
        ["max"] = Two(Conventions.MaxGradient),
        ["min"] = Two(Conventions.MinGradient),
        ["relu"] = One(Conventions.ReluGradient),
        ["relu_branch"] = One(Conventions.ReluBranchGradient),
        ["max0"] = One(Conventions.Max0Gradient),
        ["sqrt"] = One(Conventions.SqrtGradient),
        ["log"] = One(Conventions.LogGradient),
        ["pow"] = Two(Conventions.PowGradient),
        ["exp"] = One(Conventions.ExpGradient),
        ["tanh"] = One(Conventions.TanhGradient),
        ["square"] = One(Conventions.SquareGradient),
        ["affine"] = One(Conventions.AffineGradient),
        ["div"] = Two(Conventions.DivGradient),
        ["scaled_div"] = Two(Conventions.ScaledDivGradient),
        ["reciprocal"] = One(Conventions.ReciprocalGradient),
    };

    public static IEnumerable<object[]> Cases() =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Data", "conventions_pytorch.txt"))
            .Where(line => !line.StartsWith("torch ", StringComparison.Ordinal))
            .Select(line => new object[] { line });

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string line)
    {
        var (left, right) = (line.Split(" -> ")[0].Split(' '), line.Split(" -> ")[1].Split(' '));
        var inputs = left.Skip(1).Select(Parse).ToArray();
        var expected = right.Select(Parse).ToArray();
        var actual = Methods[left[0]](inputs);
        for (var i = 0; i < expected.Length; i++)
        {
            var what = i == 0 ? "value" : $"∂/∂input{i - 1}";
            Assert.True(Same(expected[i], actual[i]), $"{left[0]}({string.Join(", ", inputs)}) {what}: PyTorch {expected[i]:R}, DiffGen {actual[i]:R}");
        }
    }

    [Fact]
    public void StrongZeroKeepsAZeroAdjointFromBecomingNaNThroughAnInfiniteLocalDerivative()
    {
        // PyTorch gives NaN here (0·∞ in sqrt's backward); DiffGen gives the true derivative, 0.
        double dx = 0, dy = 0;
        Assert.Equal(0, Conventions.NormSquaredGradient(0, 0, ref dx, ref dy));
        Assert.Equal((0.0, 0.0), (dx, dy));
    }

    private static bool Same(double expected, double actual) =>
        (double.IsNaN(expected) && double.IsNaN(actual))
        || expected == actual
        || (double.IsFinite(expected) && Math.Abs(expected - actual) <= 1e-15 * Math.Abs(expected));

    private static double Parse(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    private static Func<double[], double[]> One(Gradient1 gradient) => x =>
    {
        double dx = 0;
        var value = gradient(x[0], ref dx, 1);
        return [value, dx];
    };

    private static Func<double[], double[]> Two(Gradient2 gradient) => x =>
    {
        double dx = 0, dy = 0;
        var value = gradient(x[0], x[1], ref dx, ref dy, 1);
        return [value, dx, dy];
    };
}
