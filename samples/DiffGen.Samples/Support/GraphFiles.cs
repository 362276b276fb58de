using System;
using System.IO;

namespace DiffGen.Samples.Support;

/// <summary>Writes a computation graph as DOT, and as SVG when Graphviz's <c>dot</c> is installed.</summary>
public static class GraphFiles
{
    /// <summary>
    /// Writes <c>{name}.dot</c> into <paramref name="outputDirectory"/>, then renders <c>{name}.svg</c> if it can;
    /// returns the SVG's path, or the DOT's when Graphviz is missing (the message says how to install it).
    /// </summary>
    public static string Write(ComputationGraph graph, string name, string outputDirectory = "out")
    {
        var dot = Path.Combine(outputDirectory, name + ".dot");
        graph.WriteDot(dot);
        var svg = Path.Combine(outputDirectory, name + ".svg");
        if (graph.TryRender(svg, "svg", out var error))
        {
            Console.WriteLine($"  graph: {Path.GetFullPath(svg)} (and {name}.dot)");
            return svg;
        }

        Console.WriteLine($"  graph: {Path.GetFullPath(dot)}; no SVG: {error}");
        return dot;
    }
}
