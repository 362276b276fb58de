using System;
using System.Linq;
using DiffGen.Samples.Tutorials;

// The samples program: one command per tutorial. With no command it runs the main job.
var commands = new (string Name, string Description, Action Run)[]
{
    ("xor", "2-4-1 sigmoid network learning XOR with binary cross-entropy (the main job)", () => Xor.Run()),
    ("neuron", "the hand-worked sigmoid neuron: DiffGen's exact gradients beside the tutorial's", Neuron.Run),
};

var name = args.Length == 0 ? "xor" : args[0];
if (name is "list" or "--help" or "-h")
{
    Console.WriteLine("dotnet run --project samples/DiffGen.Samples -- <command>");
    foreach (var command in commands)
    {
        Console.WriteLine($"  {command.Name,-8} {command.Description}");
    }

    Console.WriteLine($"  {"list",-8} this list");
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
