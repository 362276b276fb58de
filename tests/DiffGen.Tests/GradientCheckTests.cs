using System;
using DiffGen.Tests.Programs;

namespace DiffGen.Tests;

public class GradientCheckTests
{
    [Fact]
    public void AgreesWithACorrectGradientAndFlagsAWrongOne()
    {
        var parameters = new ParameterSet<double>();
        var p = parameters.Add("p", 4);
        new[] { -1.2, 1.0, 0.5, -0.3 }.CopyTo(p.Values, 0);

        var good = GradientCheck.Run(parameters, () => Objectives.Rosenbrock(p.Values), () => Objectives.RosenbrockGradient(p.Values, p.Gradients));
        Assert.True(good.WorstError() < 1e-6, $"worst {good.WorstError()}");
        Assert.Equal(new[] { -1.2, 1.0, 0.5, -0.3 }, p.Values); // restored

        // A gradient off by a factor on one element is caught at that element.
        var bad = GradientCheck.Run(parameters, () => Objectives.Rosenbrock(p.Values), () =>
        {
            Objectives.RosenbrockGradient(p.Values, p.Gradients);
            p.Gradients[0] *= 1.5;
        });
        var result = Assert.Single(bad);
        Assert.Equal(0, result.Index);
        Assert.True(result.RelativeError > 0.1);
    }
}
