using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.Linq;

namespace DiffGen;

/// <summary>
/// Records one evaluation of a <see cref="DifferentiableAttribute"/> method for its generated
/// <c>{Method}Graph</c>: the generated code runs the method's forward sweep and reports each value it
/// computes (<see cref="Node"/>) with its local derivatives (<see cref="Edge"/>), computed by the same
/// derivative rules as the generated gradient; <see cref="Finish"/> runs the reverse sweep over that record
/// (each adjoint times each local derivative, last value first) and summarizes it as a
/// <see cref="ComputationGraph"/>. Used by generated code; not meant to be called by hand.
/// </summary>
/// <remarks>
/// A value computed in a loop is recorded once per iteration; the reverse sweep sees every evaluation, so
/// adjoints are exact, and only the drawing summarizes (see <see cref="GraphOptions.UnrollIterations"/>).
/// Handles are indices of evaluations; -1 is "no node" (a constant), which every method ignores.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class GraphRecorder
{
    private readonly string _method;
    private readonly GraphOptions _options;
    private readonly Dictionary<int, Definition> _definitions = new();
    private readonly List<Evaluation> _evaluations = new();
    private readonly List<Link> _links = new();
    private readonly Dictionary<(int Array, int Element), int> _elements = new();
    private readonly List<GraphCluster> _clusters = new();
    private readonly HashSet<string> _clusterIds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _statements = new(StringComparer.Ordinal);
    private readonly List<Frame> _loops = new();
    private readonly Dictionary<int, (string Label, int Runs, int Iterations)> _loopTotals = new();
    private readonly List<Expansion> _expansions = new();
    private string? _statement;

    /// <summary>Starts the record of one evaluation of <paramref name="method"/> (<c>Type.Method</c>).</summary>
    public GraphRecorder(string method, GraphOptions? options)
    {
        _method = method;
        _options = options ?? GraphOptions.Default;
    }

    /// <summary>Whether calls are expanded into their callees' graphs at this depth.</summary>
    public bool ExpandsCalls => _options.ExpandCalls > 0;

    /// <summary>The options to record an expanded callee's graph with.</summary>
    public GraphOptions CalleeOptions => _options.ForCallee();

    /// <summary>The source statement the following values come from (the generated gradient's comment).</summary>
    public void Statement(string text) => _statement = text;

    /// <summary>A floating-point scalar parameter: differentiable (it gets an adjoint) or a constant (drawn, no adjoint).</summary>
    public int Parameter(int id, string name, double value, bool differentiable)
    {
        Define(id, name, name, differentiable ? GraphNodeKind.Parameter : GraphNodeKind.Constant, elements: null);
        return Add(id, value, cluster: null, element: -1);
    }

    /// <summary>A floating-point array or span parameter; returns the handle that <see cref="Element"/> takes.</summary>
    public int ArrayParameter(int id, string name, ReadOnlySpan<double> values, bool differentiable)
    {
        Define(id, name, name, differentiable ? GraphNodeKind.Parameter : GraphNodeKind.Constant, elements: values.ToArray());
        return id;
    }

    /// <inheritdoc cref="ArrayParameter(int, string, ReadOnlySpan{double}, bool)"/>
    public int ArrayParameter(int id, string name, ReadOnlySpan<float> values, bool differentiable)
    {
        var elements = new double[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            elements[i] = values[i];
        }

        Define(id, name, name, differentiable ? GraphNodeKind.Parameter : GraphNodeKind.Constant, elements: elements);
        return id;
    }

    /// <summary>The handle of element <paramref name="index"/> of an array parameter (of the array as a whole for -1).</summary>
    public int Element(int array, long index)
    {
        var key = (array, checked((int)index));
        if (!_elements.TryGetValue(key, out var handle))
        {
            var definition = _definitions[array];
            handle = Add(array, index >= 0 && definition.Elements is { } values && index < values.Length ? values[index] : double.NaN, cluster: null, element: key.Item2);
            _elements.Add(key, handle);
        }

        return handle;
    }

    /// <summary>The element handles of a local array of <paramref name="length"/> zeros: none yet.</summary>
    public int[] Handles(long length)
    {
        var handles = new int[length];
        Array.Fill(handles, -1);
        return handles;
    }

    /// <summary>A value computed by the forward sweep: intermediate <paramref name="id"/> (<c>u</c>k) evaluated once more.</summary>
    public int Node(int id, string name, string operation, double value)
    {
        var cluster = CurrentCluster();
        Define(id, name, operation, GraphNodeKind.Intermediate, elements: null);
        return Add(id, value, cluster, element: -1);
    }

    /// <summary>The value of a call to another [Differentiable] method, drawn collapsed; its partials are <see cref="Edge"/>s.</summary>
    public int Call(int id, string name, string operation, double value)
    {
        var cluster = CurrentCluster();
        Define(id, name, operation, GraphNodeKind.Call, elements: null);
        return Add(id, value, cluster, element: -1);
    }

    /// <summary>A local derivative ∂to/∂from = <paramref name="partial"/>; nothing when either handle is -1.</summary>
    public void Edge(int from, int to, string formula, double partial)
    {
        if (from >= 0 && to >= 0)
        {
            _links.Add(new Link(from, to, formula, partial, GraphEdgeKind.Derivative));
        }
    }

    /// <summary>A constant read by an operation: drawn, but no adjoint flows along it.</summary>
    public void Input(int from, int to)
    {
        if (from >= 0 && to >= 0)
        {
            _links.Add(new Link(from, to, string.Empty, double.NaN, GraphEdgeKind.Input));
        }
    }

    /// <summary>The partials of a call with respect to each element of an array parameter.</summary>
    public void ElementEdges(int array, int to, string formula, ReadOnlySpan<double> partials)
    {
        for (var i = 0; i < partials.Length; i++)
        {
            Edge(Element(array, i), to, formula, partials[i]);
        }
    }

    /// <inheritdoc cref="ElementEdges(int, int, string, ReadOnlySpan{double})"/>
    public void ElementEdges(int array, int to, string formula, ReadOnlySpan<float> partials)
    {
        for (var i = 0; i < partials.Length; i++)
        {
            Edge(Element(array, i), to, formula, partials[i]);
        }
    }

    /// <summary>The partials of a call with respect to each element of a local array, whose elements have these handles.</summary>
    public void HandleEdges(int[] handles, int to, string formula, ReadOnlySpan<double> partials)
    {
        for (var i = 0; i < partials.Length && i < handles.Length; i++)
        {
            Edge(handles[i], to, formula, partials[i]);
        }
    }

    /// <inheritdoc cref="HandleEdges(int[], int, string, ReadOnlySpan{double})"/>
    public void HandleEdges(int[] handles, int to, string formula, ReadOnlySpan<float> partials)
    {
        for (var i = 0; i < partials.Length && i < handles.Length; i++)
        {
            Edge(handles[i], to, formula, partials[i]);
        }
    }

    /// <summary>
    /// Draws the callee's own graph beside call <paramref name="call"/>; <paramref name="arguments"/> are the
    /// handles of the values passed to its floating-point parameters, in order (-1 for constants).
    /// </summary>
    public void Expand(int call, ComputationGraph callee, params int[] arguments)
    {
        if (call >= 0)
        {
            _expansions.Add(new Expansion(call, callee, arguments));
        }
    }

    /// <summary>Enters loop <paramref name="id"/>, whose header is the current statement.</summary>
    public void EnterLoop(int id)
    {
        var label = _statement ?? "loop";
        _loops.Add(new Frame(id, label, -1));
        _loopTotals[id] = _loopTotals.TryGetValue(id, out var totals) ? (totals.Label, totals.Runs + 1, totals.Iterations) : (label, 1, 0);
    }

    /// <summary>Starts the next iteration of the innermost loop.</summary>
    public void Iteration()
    {
        var frame = _loops[^1];
        _loops[^1] = frame with { Iteration = frame.Iteration + 1 };
        var totals = _loopTotals[frame.Id];
        _loopTotals[frame.Id] = (totals.Label, totals.Runs, totals.Iterations + 1);
        _statement = frame.Label;
    }

    /// <summary>Leaves the innermost loop.</summary>
    public void ExitLoop()
    {
        _statement = _loops[^1].Label;
        _loops.RemoveAt(_loops.Count - 1);
    }

    /// <summary>
    /// Runs the reverse sweep from <paramref name="result"/> (seed 1) and returns the graph: a node per
    /// parameter and per intermediate (per drawn iteration in loops), an edge per local derivative.
    /// </summary>
    public ComputationGraph Finish(int result, double value)
    {
        // The reverse sweep: every link was recorded right after the value it flows into, so walking the
        // links backward visits a value's uses before the links into it, and its adjoint is complete.
        var adjoints = new double[_evaluations.Count];
        if (result >= 0)
        {
            adjoints[result] = 1;
        }

        for (var i = _links.Count - 1; i >= 0; i--)
        {
            var link = _links[i];
            var adjoint = adjoints[link.To];
            if (link.Kind == GraphEdgeKind.Derivative && adjoint != 0)
            {
                // Strong zero, as in the gradient: a zero adjoint contributes nothing, even through an infinite partial.
                adjoints[link.From] += adjoint * link.Partial;
            }
        }

        // One drawn node per (variable, cluster): a loop's iterations share one unless unrolled.
        var drawn = new Dictionary<(int Definition, string? Cluster), int>();
        var nodes = new List<NodeBuilder>();
        var nodeOf = new int[_evaluations.Count];
        for (var i = 0; i < _evaluations.Count; i++)
        {
            var evaluation = _evaluations[i];
            var key = (evaluation.Definition, evaluation.Cluster);
            if (!drawn.TryGetValue(key, out var index))
            {
                index = nodes.Count;
                drawn.Add(key, index);
                nodes.Add(new NodeBuilder(_definitions[evaluation.Definition], evaluation.Cluster));
            }

            nodeOf[i] = index;
            var node = nodes[index];
            node.Add(evaluation, adjoints[i]);
        }

        // Array parameters are drawn even when no element was read, so the gradient's every output shows.
        foreach (var definition in _definitions.Values.Where(d => d.Elements is not null).OrderBy(d => d.Id))
        {
            if (!drawn.ContainsKey((definition.Id, null)))
            {
                drawn.Add((definition.Id, null), nodes.Count);
                nodes.Add(new NodeBuilder(definition, null));
            }
        }

        // Parameters first, in the method's order; then the intermediates as the forward sweep computed them.
        var order = nodes.Select((n, i) => (n, i))
            .OrderBy(p => p.n.Definition.Kind is GraphNodeKind.Parameter or GraphNodeKind.Constant ? p.n.Definition.Id : int.MaxValue)
            .ThenBy(p => p.i).Select(p => p.i).ToList();
        var ids = new string[nodes.Count];
        for (var i = 0; i < order.Count; i++)
        {
            ids[order[i]] = "n" + i;
        }

        var resultNode = result >= 0 ? nodeOf[result] : -1;
        var graphNodes = order.Select(i => nodes[i].Build(ids[i], i == resultNode)).ToList();

        var edges = new List<EdgeBuilder>();
        var edgeIndex = new Dictionary<(int, int, string, GraphEdgeKind), int>();
        foreach (var link in _links)
        {
            var key = (nodeOf[link.From], nodeOf[link.To], link.Formula, link.Kind);
            if (!edgeIndex.TryGetValue(key, out var index))
            {
                index = edges.Count;
                edgeIndex.Add(key, index);
                edges.Add(new EdgeBuilder(ids[key.Item1], ids[key.Item2], link.Formula, link.Kind));
            }

            edges[index].Count++;
            edges[index].Value = link.Partial;
        }

        var graphEdges = edges.Select(e => new GraphEdge(e.From, e.To, e.Formula, e.Value, e.Count, e.Kind)).ToList();
        var clusters = _clusters.Select(c => c.Kind == GraphClusterKind.Loop ? c with { Label = LoopLabel(c) } : c).ToList();
        AddExpansions(adjoints, nodeOf, ids, graphNodes, graphEdges, clusters);
        return new ComputationGraph(_method, value, _options, graphNodes, graphEdges, clusters);
    }

    private string LoopLabel(GraphCluster loop)
    {
        var id = int.Parse(loop.Id.Substring(loop.Id.LastIndexOf('/') + 2), CultureInfo.InvariantCulture);
        var (label, runs, iterations) = _loopTotals[id];
        var text = label + "\n" + iterations + (iterations == 1 ? " iteration" : " iterations") + (runs > 1 ? " in " + runs + " runs" : string.Empty);
        return _options.UnrollIterations == 0
            ? text + "; each node: last value, adjoint summed over the iterations"
            : text;
    }

    // An expanded call: the callee's graph, its adjoints scaled by the call's own adjoint (the callee's graph
    // is recorded with seed 1, and adjoints are linear in the seed), in a cluster beside the call node, with
    // dotted links from the arguments to the callee's parameters and from its result to the call.
    private void AddExpansions(double[] adjoints, int[] nodeOf, string[] ids, List<GraphNode> nodes, List<GraphEdge> edges, List<GraphCluster> clusters)
    {
        var last = new Dictionary<int, Expansion>();
        foreach (var expansion in _expansions)
        {
            last[nodeOf[expansion.Call]] = expansion; // in a loop, the last call is drawn
        }

        var count = 0;
        foreach (var (callNode, expansion) in last.OrderBy(p => p.Key))
        {
            var prefix = "c" + count++ + "_";
            var scale = adjoints[expansion.Call];
            var call = nodes.First(n => n.Id == ids[callNode]);
            var cluster = prefix + "call";
            clusters.Add(new GraphCluster(cluster, expansion.Callee.Method + ", expanded: its adjoints × ∂result/∂" + call.Name + " = " + DotWriter.Format(scale, _options.Decimals), call.Cluster, GraphClusterKind.Call));
            clusters.AddRange(expansion.Callee.Clusters.Select(c => c with { Id = prefix + c.Id, Parent = c.Parent is null ? cluster : prefix + c.Parent }));
            nodes.AddRange(expansion.Callee.Nodes.Select(n => n with
            {
                Id = prefix + n.Id,
                Cluster = n.Cluster is null ? cluster : prefix + n.Cluster,
                Adjoint = n.Adjoint * scale,
                ElementAdjoints = n.ElementAdjoints?.Select(a => a * scale).ToArray(),
                IsResult = false,
            }));
            edges.AddRange(expansion.Callee.Edges.Select(e => e with { From = prefix + e.From, To = prefix + e.To }));

            var parameters = expansion.Callee.Nodes.Where(n => n.Kind is GraphNodeKind.Parameter or GraphNodeKind.Constant).ToList();
            for (var i = 0; i < expansion.Arguments.Length && i < parameters.Count; i++)
            {
                if (expansion.Arguments[i] >= 0)
                {
                    edges.Add(new GraphEdge(ids[nodeOf[expansion.Arguments[i]]], prefix + parameters[i].Id, string.Empty, double.NaN, 1, GraphEdgeKind.CallLink));
                }
            }

            if (expansion.Callee.Nodes.FirstOrDefault(n => n.IsResult) is { } result)
            {
                edges.Add(new GraphEdge(prefix + result.Id, call.Id, DotWriter.ResultLink, double.NaN, 1, GraphEdgeKind.CallLink));
            }
        }
    }

    private void Define(int id, string name, string operation, GraphNodeKind kind, double[]? elements)
    {
        if (!_definitions.ContainsKey(id))
        {
            _definitions.Add(id, new Definition(id, name, operation, kind, kind is GraphNodeKind.Parameter or GraphNodeKind.Constant ? null : _statement, elements));
        }
    }

    private int Add(int definition, double value, string? cluster, int element)
    {
        _evaluations.Add(new Evaluation(definition, value, cluster, element));
        return _evaluations.Count - 1;
    }

    // The cluster a value computed now belongs to: its loops (and unrolled iterations), then its statement.
    // Ids are paths (L1/i0/L2/s3), so the same loop in another unrolled iteration is another cluster.
    private string? CurrentCluster()
    {
        var path = new List<string>();
        string? parent = null;
        string Enter(string segment, string label, GraphClusterKind kind)
        {
            path.Add(segment);
            var id = string.Join("/", path);
            if (_clusterIds.Add(id))
            {
                _clusters.Add(new GraphCluster(id, label, parent, kind));
            }

            return id;
        }

        var unroll = _options.UnrollIterations;
        foreach (var frame in _loops)
        {
            parent = Enter("L" + frame.Id.ToString(CultureInfo.InvariantCulture), frame.Label, GraphClusterKind.Loop);
            if (unroll > 0)
            {
                parent = frame.Iteration < unroll
                    ? Enter("i" + frame.Iteration.ToString(CultureInfo.InvariantCulture), "iteration " + (frame.Iteration + 1).ToString(CultureInfo.InvariantCulture), GraphClusterKind.Iteration)
                    : Enter("rest", "iterations " + (unroll + 1).ToString(CultureInfo.InvariantCulture) + " on: each node the last value, the adjoint summed", GraphClusterKind.Iteration);
            }
        }

        if (_options.GroupByStatement && _statement is not null)
        {
            if (!_statements.TryGetValue(_statement, out var index))
            {
                index = _statements.Count;
                _statements.Add(_statement, index);
            }

            parent = Enter("s" + index.ToString(CultureInfo.InvariantCulture), _statement, GraphClusterKind.Statement);
        }

        return parent;
    }

    private sealed record Definition(int Id, string Name, string Operation, GraphNodeKind Kind, string? Statement, double[]? Elements);

    private readonly record struct Evaluation(int Definition, double Value, string? Cluster, int Element);

    private readonly record struct Link(int From, int To, string Formula, double Partial, GraphEdgeKind Kind);

    private readonly record struct Frame(int Id, string Label, int Iteration);

    private sealed record Expansion(int Call, ComputationGraph Callee, int[] Arguments);

    private sealed class EdgeBuilder
    {
        public EdgeBuilder(string from, string to, string formula, GraphEdgeKind kind)
        {
            From = from;
            To = to;
            Formula = formula;
            Kind = kind;
        }

        public string From { get; }

        public string To { get; }

        public string Formula { get; }

        public GraphEdgeKind Kind { get; }

        public int Count { get; set; }

        public double Value { get; set; }
    }

    /// <summary>Sums the evaluations one drawn node stands for.</summary>
    private sealed class NodeBuilder
    {
        private readonly string? _cluster;
        private readonly double[]? _elementAdjoints;
        private double _value;
        private double _adjoint;
        private int _count;

        public NodeBuilder(Definition definition, string? cluster)
        {
            Definition = definition;
            _cluster = cluster;
            _elementAdjoints = definition.Elements is { } elements ? new double[elements.Length] : null;
        }

        public Definition Definition { get; }

        public void Add(Evaluation evaluation, double adjoint)
        {
            _count++;
            _value = evaluation.Value;
            _adjoint += adjoint;
            if (_elementAdjoints is not null && evaluation.Element >= 0 && evaluation.Element < _elementAdjoints.Length)
            {
                _elementAdjoints[evaluation.Element] += adjoint;
            }
        }

        public GraphNode Build(string id, bool isResult)
        {
            var d = Definition;
            if (d.Elements is { } elements)
            {
                return new GraphNode(id, d.Name, d.Operation, d.Statement, d.Kind, double.NaN, _adjoint, elements.Length, _cluster, isResult, elements, _elementAdjoints);
            }

            return new GraphNode(id, d.Name, d.Operation, d.Statement, d.Kind, _value, _adjoint, _count, _cluster, isResult);
        }
    }
}
