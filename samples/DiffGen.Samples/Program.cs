using System;
using System.Linq;
using DiffGen.Samples.Tutorials;

// The samples program: one command per tutorial. With no command it runs the main job.
var commands = new (string Name, string Description, Action Run)[]
{
    ("regression", "the main job: a three-layer ReLU network written as a class, Adam, warm-up + cosine, clipping, checkpoints resumed bit-exactly, a loss plot", () => Regression.Run()),
    ("shower", "the two valves: sensitivities chained by hand and by DiffGen, gradient descent to the ideal flow", () => Shower.Run()),
    ("line", "apples versus oranges: a separating line y = m·x + c fitted with a root-mean-square loss", () => Line.Run()),
    ("xor", "a 2-4-1 sigmoid network learning XOR with binary cross-entropy", () => Xor.Run()),
    ("two-layer", "the ReLU network's MSE as u1..u5: every generated gradient beside central finite differences", () => TwoLayer.Run()),
    ("neuron", "the hand-worked sigmoid neuron: the tutorial's rounded numbers beside exact ones", () => Neuron.Run()),
    ("vanishing", "gradient magnitude by layer in 5- and 20-layer tanh, ReLU and residual stacks, with a plot", () => Vanishing.Run()),
    ("exploding", "a vanilla RNN trained by backpropagation through time, with and without gradient clipping", () => Exploding.Run()),
    ("optimizers", "one problem trained with SGD, momentum, AdaGrad, RMSProp and Adam; their loss curves on one plot", () => OptimizerRace.Run()),
    ("fit", "Ceres' curve fit: y = e^(m·x + c) to noisy data by Levenberg–Marquardt, every iteration printed", () => Fit.Run()),
    ("newton", "Newton-CG on 5-D Rosenbrock with generated Hessian-vector products, beside L-BFGS and Adam", () => Newton.Run()),
};

var name = args.Length == 0 ? "regression" : args[0];
if (name is "list" or "--help" or "-h")
{
    Console.WriteLine("dotnet run --project samples/DiffGen.Samples -- <command>   (no command: regression, the main job)");
    foreach (var command in commands)
    {
        Console.WriteLine($"  {command.Name,-11} {command.Description}");
    }

    Console.WriteLine($"  {"list",-11} this list");
    return 0;
}

var chosen = commands.FirstOrDefault(c => c.Name == name);
if (chosen.Run is null)
{
    Console.Error.WriteLine($"Unknown command '{name}'. Commands: {string.Join(", ", commands.Select(c => c.Name))}, list.");
    return 2;
}

chosen.Run();
return 0;
