using System;
using System.Collections.Generic;
using System.IO;

namespace DiffGen;

/// <summary>What a node of a <see cref="ComputationGraph"/> stands for.</summary>
public enum GraphNodeKind
{
    /// <summary>A differentiable parameter: its adjoint is the gradient.</summary>
    Parameter,

    /// <summary>A <see cref="NoDerivativeAttribute"/> floating-point parameter: a value without an adjoint.</summary>
    Constant,

    /// <summary>An intermediate <c>u1..un</c> of the forward sweep.</summary>
    Intermediate,

    /// <summary>A call of another <see cref="DifferentiableAttribute"/> method, collapsed into one node.</summary>
    Call,
}

/// <summary>What a cluster of a <see cref="ComputationGraph"/> groups.</summary>
public enum GraphClusterKind
{
    /// <summary>The nodes of one loop (its iterations summarized, or the iteration clusters within).</summary>
    Loop,

    /// <summary>One unrolled iteration of a loop, or the summary of the iterations after the unrolled ones.</summary>
    Iteration,

    /// <summary>The nodes of one source statement.</summary>
    Statement,

    /// <summary>An expanded call: the callee's own graph.</summary>
    Call,
}

/// <summary>
/// A node: a parameter, or an intermediate with the operation that computed it. In a summarized loop,
/// one node stands for that intermediate in every iteration it summarizes (<paramref name="Count"/>).
/// </summary>
/// <param name="Id">The DOT identifier, unique in the graph.</param>
/// <param name="Name">The variable: a parameter's name, or <c>u</c>k as in the generated gradient.</param>
/// <param name="Operation">What computed it, as the generated code spells it (<c>u3 = u1 + u2</c>); a parameter's name.</param>
/// <param name="Statement">The source statement it comes from (the generated code's comment), if any.</param>
/// <param name="Kind">Parameter, constant, intermediate or call.</param>
/// <param name="Value">Its value (in a summary, that of the last iteration summarized).</param>
/// <param name="Adjoint">∂(result)/∂(this value), the adjoint of the reverse sweep (in a summary, summed over the iterations; for an array, over its elements).</param>
/// <param name="Count">How many evaluations the node summarizes (1 outside loops).</param>
/// <param name="Cluster">The innermost cluster that holds it, or null.</param>
/// <param name="IsResult">Whether its value is the method's result.</param>
/// <param name="ElementValues">For an array parameter: its elements' values.</param>
/// <param name="ElementAdjoints">For an array parameter: its elements' adjoints (the gradient).</param>
public sealed record GraphNode(
    string Id,
    string Name,
    string Operation,
    string? Statement,
    GraphNodeKind Kind,
    double Value,
    double Adjoint,
    int Count,
    string? Cluster,
    bool IsResult,
    IReadOnlyList<double>? ElementValues = null,
    IReadOnlyList<double>? ElementAdjoints = null);

/// <summary>
/// An edge from an operand to the value computed from it, labelled with the local derivative; adjoints
/// flow along it backward, multiplied by it.
/// </summary>
/// <param name="From">The operand's node id.</param>
/// <param name="To">The result's node id.</param>
/// <param name="Formula">The local derivative as the generated gradient's comment writes it (<c>∂u1/∂w1 = x1</c>); empty for a constant's edge and an argument's link, <c>result</c> for an expanded callee's result.</param>
/// <param name="Value">The local derivative's value (in a summary, that of the last evaluation); NaN for a constant's edge.</param>
/// <param name="Count">How many evaluations the edge summarizes.</param>
/// <param name="Kind">A derivative, a constant input (no adjoint flows), or the link of an expanded call.</param>
public sealed record GraphEdge(string From, string To, string Formula, double Value, int Count, GraphEdgeKind Kind = GraphEdgeKind.Derivative);

/// <summary>What an edge of a <see cref="ComputationGraph"/> means.</summary>
public enum GraphEdgeKind
{
    /// <summary>A local derivative: adjoints flow back along it.</summary>
    Derivative,

    /// <summary>A constant read by the operation: drawn for context, no adjoint flows.</summary>
    Input,

    /// <summary>An expanded call's argument into the callee's parameter, or its result back to the call.</summary>
    CallLink,
}

/// <summary>A cluster: a loop, an unrolled iteration, a source statement or an expanded call.</summary>
/// <param name="Id">The DOT identifier (without the <c>cluster_</c> prefix Graphviz needs).</param>
/// <param name="Label">What the cluster's frame says.</param>
/// <param name="Parent">The enclosing cluster, or null.</param>
/// <param name="Kind">Loop, iteration, statement or call.</param>
public sealed record GraphCluster(string Id, string Label, string? Parent, GraphClusterKind Kind);

/// <summary>
/// One evaluation of a <see cref="DifferentiableAttribute"/> method as its computation graph: a node per
/// parameter and per intermediate u1..un with its value and its adjoint from the reverse sweep, an edge
/// per local derivative with its formula and value. Written by a generated <c>{Method}Graph</c> method;
/// <see cref="ToDot"/> spells it in Graphviz's DOT language and <see cref="TryRender"/> draws it with
/// Graphviz's <c>dot</c> when it is installed.
/// </summary>
public sealed class ComputationGraph
{
    internal ComputationGraph(string method, double value, GraphOptions options, IReadOnlyList<GraphNode> nodes, IReadOnlyList<GraphEdge> edges, IReadOnlyList<GraphCluster> clusters)
    {
        Method = method;
        Value = value;
        Options = options;
        Nodes = nodes;
        Edges = edges;
        Clusters = clusters;
    }

    /// <summary>The method drawn, <c>Type.Method</c>.</summary>
    public string Method { get; }

    /// <summary>The method's value at the inputs drawn (what its gradient method returns).</summary>
    public double Value { get; }

    /// <summary>The options the graph was recorded with.</summary>
    public GraphOptions Options { get; }

    /// <summary>Parameters first, then intermediates in the order the forward sweep computed them.</summary>
    public IReadOnlyList<GraphNode> Nodes { get; }

    /// <summary>The edges, from operand to result.</summary>
    public IReadOnlyList<GraphEdge> Edges { get; }

    /// <summary>Loops, iterations, statements and expanded calls, each before the clusters it encloses.</summary>
    public IReadOnlyList<GraphCluster> Clusters { get; }

    /// <summary>The first node of that variable name (a parameter's name, or <c>u</c>k).</summary>
    /// <exception cref="KeyNotFoundException">The graph has no such node.</exception>
    public GraphNode Node(string name)
    {
        foreach (var node in Nodes)
        {
            if (node.Name == name)
            {
                return node;
            }
        }

        throw new KeyNotFoundException("The graph of " + Method + " has no node " + name + ".");
    }

    /// <summary>The graph in Graphviz's DOT language: the same text for the same graph, in the invariant culture.</summary>
    public string ToDot() => DotWriter.Write(this);

    /// <summary>Writes <see cref="ToDot"/> to a file (UTF-8, no byte-order mark), creating its directory.</summary>
    public void WriteDot(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Graphviz.EnsureDirectory(path);
        File.WriteAllText(path, ToDot());
    }

    /// <summary>
    /// Renders the graph with Graphviz's <c>dot</c> into <paramref name="path"/> (<c>svg</c>, <c>png</c>, <c>pdf</c>, …).
    /// Returns false, with the reason, when <c>dot</c> is not installed or fails; nothing else is needed
    /// for <see cref="ToDot"/>, which always works.
    /// </summary>
    /// <param name="path">The image file to write.</param>
    /// <param name="format">A Graphviz output format: letters and digits only.</param>
    /// <param name="error">Why nothing was rendered, or null.</param>
    /// <param name="dotExecutable">The <c>dot</c> to run; by default the one on PATH.</param>
    public bool TryRender(string path, string format, out string? error, string? dotExecutable = null) =>
        Graphviz.TryRender(ToDot(), path, format, out error, dotExecutable);

    /// <summary>Renders as SVG (see <see cref="TryRender"/>).</summary>
    /// <exception cref="InvalidOperationException">Graphviz's <c>dot</c> is not installed, or failed.</exception>
    public void WriteSvg(string path) => Render(path, "svg");

    /// <summary>Renders as PNG (see <see cref="TryRender"/>).</summary>
    /// <exception cref="InvalidOperationException">Graphviz's <c>dot</c> is not installed, or failed.</exception>
    public void WritePng(string path) => Render(path, "png");

    private void Render(string path, string format)
    {
        if (!TryRender(path, format, out var error))
        {
            throw new InvalidOperationException(error);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => "ComputationGraph of " + Method + ": " + Nodes.Count + " nodes, " + Edges.Count + " edges";
}
