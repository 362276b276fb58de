using DiffGen.Tests.Programs;

namespace DiffGen.Tests;

/// <summary>The small model the checkpoint tests save and load: Rosenbrock's four parameters and an unused pair.</summary>
internal static class CheckpointModel
{
    public static (ParameterSet<double> Parameters, Parameter<double> P) Create()
    {
        var parameters = new ParameterSet<double>();
        var p = parameters.Add("p", 4);
        new[] { -1.2, 1.0, 0.5, -0.3 }.CopyTo(p.Values, 0);
        parameters.Add("unused", 2);
        return (parameters, p);
    }

    /// <summary>Steps of gradient descent on Rosenbrock's function, the schedule (if any) stepped after each.</summary>
    public static void Train(ParameterSet<double> parameters, Parameter<double> p, IOptimizer optimizer, LearningRateSchedule? schedule, int steps)
    {
        for (var i = 0; i < steps; i++)
        {
            parameters.ZeroGradients();
            Objectives.RosenbrockGradient(p.Values, p.Gradients);
            optimizer.Step();
            schedule?.Step();
        }
    }
}
