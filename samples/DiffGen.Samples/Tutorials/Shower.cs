using System;
using DiffGen.Samples.Support;

namespace DiffGen.Samples.Tutorials;

/// <summary>
/// The two valves of a shower. The main valve m sets the house flow x; the shower handle h lets a
/// fraction of it through, the shower flow y; the error is |y − y′| from the ideal flow y′. The chain
/// rule says how a turn of the main valve reaches the shower: ∂y/∂m = ∂y/∂x · ∂x/∂m.
/// </summary>
public static partial class Shower
{
    /// <summary>Litres per minute of house flow for each turn of the main valve.</summary>
    public const double LitresPerTurn = 4;

    /// <summary>The house flow x for the main valve opened <paramref name="m"/> turns.</summary>
    [Differentiable(Graph = true)]
    public static double HouseFlow(double m) => LitresPerTurn * m;

    /// <summary>The shower flow y: the handle, open by a fraction <paramref name="h"/>, passes that fraction of the house flow.</summary>
    [Differentiable(Graph = true)]
    public static double ShowerFlow(double h, double x) => h * x;

    /// <summary>The shower flow from both valves: the two stages chained.</summary>
    [Differentiable(Graph = true)]
    public static double Flow(double m, double h) => ShowerFlow(h, HouseFlow(m));

    /// <summary>How far the shower is from the ideal flow.</summary>
    [Differentiable(Graph = true)]
    public static double Error(double m, double h, [NoDerivative] double ideal) => Math.Abs(Flow(m, h) - ideal);

    /// <summary>The valves and flow after each step of gradient descent.</summary>
    public readonly record struct State(int Step, double MainValve, double Handle, double Flow, double Error);

    /// <summary>
    /// Gradient descent on the error from main valve <paramref name="m"/> and handle <paramref name="h"/>,
    /// keeping each valve within its travel (the main valve 0 to 3 turns, the handle 0 to 1).
    /// </summary>
    public static State[] Descend(double m, double h, double ideal, double learningRate, int steps)
    {
        var states = new State[steps + 1];
        states[0] = new State(0, m, h, Flow(m, h), Error(m, h, ideal));
        for (var step = 1; step <= steps; step++)
        {
            double dm = 0, dh = 0;
            ErrorGradient(m, h, ideal, ref dm, ref dh);
            m = Math.Clamp(m - learningRate * dm, 0, 3);
            h = Math.Clamp(h - learningRate * dh, 0, 1);
            states[step] = new State(step, m, h, Flow(m, h), Error(m, h, ideal));
        }

        return states;
    }

    /// <summary>The sensitivities at (m, h): each stage's local derivative, their product, and DiffGen's derivative of the chained flow.</summary>
    public static (double DyDh, double DyDx, double DxDm, double Chained, double DyDm) Sensitivities(double m, double h)
    {
        double dyDh = 0, dyDx = 0, dxDm = 0, dyDm = 0, unused = 0;
        ShowerFlowGradient(h, HouseFlow(m), ref dyDh, ref dyDx);
        HouseFlowGradient(m, ref dxDm);
        FlowGradient(m, h, ref dyDm, ref unused);
        return (dyDh, dyDx, dxDm, dyDx * dxDm, dyDm);
    }

    /// <summary>The two valves' chain at (m, h) as a computation graph, each call expanded into its own graph.</summary>
    public static ComputationGraph Graph(double m = 1, double h = 0.25) => FlowGraph(m, h, new GraphOptions { ExpandCalls = 1 });

    public static void Run(double ideal = 6, double learningRate = 0.001, int steps = 400, string outputDirectory = "out")
    {
        const double m = 1, h = 0.25;
        Console.WriteLine($"Shower: main valve m = {m} turns (house flow x = {LitresPerTurn}·m), handle h = {h} (shower flow y = h·x), ideal y′ = {ideal} l/min");
        var s = Sensitivities(m, h);
        Console.WriteLine($"  ∂y/∂h = x = {s.DyDh}   ∂y/∂x = h = {s.DyDx}   ∂x/∂m = {s.DxDm}");
        Console.WriteLine($"  chained by hand: ∂y/∂m = ∂y/∂x · ∂x/∂m = {s.DyDx} × {s.DxDm} = {s.Chained};  DiffGen's FlowGradient: {s.DyDm}");
        GraphFiles.Write(Graph(m, h), "shower-graph", outputDirectory);
        Console.WriteLine($"  gradient descent on |y − y′|, learning rate {learningRate}:");
        var states = Descend(m, h, ideal, learningRate, steps);
        foreach (var state in states)
        {
            if (state.Step % 25 == 0)
            {
                Console.WriteLine($"    step {state.Step,4}  main valve {state.MainValve:F4}  handle {state.Handle:F4}  flow {state.Flow:F4}  error {state.Error:F4}");
            }
        }

        var last = states[^1];
        Console.WriteLine($"  the flow is {last.Flow:F4} l/min, {100 * last.Error / ideal:F2}% from the ideal");
    }
}
