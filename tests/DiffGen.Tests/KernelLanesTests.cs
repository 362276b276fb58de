using System;
using System.Linq;
using System.Runtime.Intrinsics;

namespace DiffGen.Tests;

/// <summary>
/// The lane loads and adds generated vector loops call: a stride of one or more, both ends of the lanes bounds
/// checked as the scalar loop's accesses are, and a masked add that leaves an off lane's element bit for bit.
/// </summary>
public class KernelLanesTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void StridedLanesLoadAndAddEveryStrideElement(int stride)
    {
        var source = Enumerable.Range(0, 40).Select(i => i + 0.5).ToArray();
        var doubles = Kernels.LoadLanes<double>(source, 1, stride);
        for (var k = 0; k < Vector256<double>.Count; k++)
        {
            Assert.Equal(source[1 + k * stride], doubles[k]);
        }

        var floats = Kernels.LoadLanes<float>(source.Select(v => (float)v).ToArray(), 2, stride);
        for (var k = 0; k < Vector256<float>.Count; k++)
        {
            Assert.Equal((float)source[2 + k * stride], floats[k]);
        }

        var target = new double[40];
        Kernels.AddLanes(target, 3, stride, Vector256.Create(1.0, 2.0, 3.0, 4.0));
        Kernels.AddLanes(target, 3, stride, Vector256.Create(10.0, 20.0, 30.0, 40.0));
        var expected = new double[40];
        for (var k = 0; k < 4; k++)
        {
            expected[3 + k * stride] = 11 * (k + 1);
        }

        Assert.Equal(expected, target);
    }

    [Fact]
    public void AMaskedStridedAddLeavesOffLanesBitForBit()
    {
        double[] target = [-0.0, 9, double.NaN, 9, 1, 9, 2, 9];
        var on = Vector256.Create(0L, -1L, 0L, -1L).AsDouble();
        Kernels.AddLanes(target, 0, 2, Vector256.Create(double.PositiveInfinity, 5.0, 7.0, 1.0), on);
        Assert.Equal(BitConverter.DoubleToInt64Bits(-0.0), BitConverter.DoubleToInt64Bits(target[0]));
        Assert.True(double.IsNaN(target[2]));   // NaN + 5, an on lane
        Assert.Equal(1.0, target[4]);
        Assert.Equal(3.0, target[6]);
        Assert.Equal(new double[] { 9, 9, 9, 9 }, new[] { target[1], target[3], target[5], target[7] });
    }

    [Fact]
    public void LanesPastEitherEndOrAStrideBelowOneThrow()
    {
        var span = new double[7];
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.LoadLanes<double>(span, 1, 2));      // lane 3 at 7
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.AddLanes(span, 1, 2, Vector256<double>.One));
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.AddLanes(span, -1, 2, Vector256<double>.One));
        Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.AddLanes(span, 0, 0, Vector256<double>.One));
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.LoadLanes<double>(span, 0, int.MaxValue));
        Kernels.AddLanes(span, 0, 2, Vector256<double>.One);
        Assert.Equal(new double[] { 1, 0, 1, 0, 1, 0, 1 }, span);
    }
}
