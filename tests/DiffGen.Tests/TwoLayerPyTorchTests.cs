using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using DiffGen.Tests.Programs;

namespace DiffGen.Tests;

/// <summary>
/// The mission example against an independent implementation: PyTorch 1.13 autograd in float64, on
/// data drawn from PyTorch's generator (tools/pytorch_two_layer_reference.py wrote Data/two_layer_pytorch.txt).
/// </summary>
public class TwoLayerPyTorchTests
{
    [Fact]
    public void ValueAndGradientMatchPyTorchWithin1e9Relative()
    {
        var data = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Data", "two_layer_pytorch.txt"))
            .Select(l => l.Split(' '))
            .ToDictionary(p => p[0], p => p.Skip(1).ToArray());
        double[] Values(string name) => data[name].Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var sizes = data["sizes"].Select(int.Parse).ToArray();
        int n = sizes[0], d = sizes[1], h = sizes[2];
        double[] x = Values("x"), y = Values("y"), w1 = Values("w1"), b1 = Values("b1"), w2 = Values("w2");
        var b2 = Values("b2")[0];

        double[] dw1 = new double[h * d], db1 = new double[h], dw2 = new double[h];
        double db2 = 0;
        var loss = TwoLayerNet.LossGradient(x, y, n, d, h, w1, b1, w2, b2, dw1, db1, dw2, ref db2);

        AssertClose(Values("loss"), new[] { loss });
        AssertClose(Values("dw1"), dw1);
        AssertClose(Values("db1"), db1);
        AssertClose(Values("dw2"), dw2);
        AssertClose(Values("db2"), new[] { db2 });
    }

    private static void AssertClose(IReadOnlyList<double> expected, IReadOnlyList<double> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        var scale = expected.Max(Math.Abs);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(
                Math.Abs(expected[i] - actual[i]) <= 1e-9 * Math.Max(Math.Abs(expected[i]), 1e-3 * scale),
                $"element {i}: PyTorch {expected[i]:R}, DiffGen {actual[i]:R}");
        }
    }
}
