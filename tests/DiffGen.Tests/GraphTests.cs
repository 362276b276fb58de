using System;
using System.IO;
using System.Linq;
using DiffGen.Generator.Tests;
using DiffGen.Samples.Tutorials;
using DiffGen.Tests.Programs;
using Neuron = DiffGen.Samples.Tutorials.Neuron;

namespace DiffGen.Tests;

/// <summary>
/// The generated <c>{Method}Graph</c>: its DOT text read back (well formed, escaped), every adjoint in it
/// against the generated gradient, the chain rule checked on every edge, loops as clusters, calls as
/// collapsed or expanded nodes, and the samples' graphs as reviewed snapshots.
/// </summary>
public class GraphTests
{
    private static DotReader Read(ComputationGraph graph) => DotReader.Read(graph.ToDot());

    private static void Close(double expected, double actual, double tolerance = 1e-12) =>
        Assert.True(Math.Abs(expected - actual) <= tolerance * Math.Max(1, Math.Abs(expected)), $"expected {expected:R}, got {actual:R}");

    // Where every node stands for one evaluation, each adjoint is the sum over its outgoing edges of the
    // local derivative times the adjoint it flows back from (plus 1 at the result): the reverse sweep, checked edge by edge.
    private static void ChainRuleHolds(DotReader dot)
    {
        foreach (var node in dot.Nodes.Values.Where(n => n.Number("adjoint") is not null))
        {
            var expected = node.Tooltip.Contains("result") ? 1.0 : 0.0;
            foreach (var edge in dot.Edges.Where(e => e.From == node.Id))
            {
                Assert.Equal(1, edge.Count);
                if (edge.Partial is { } partial)
                {
                    expected += partial * dot.Nodes[edge.To].Adjoint;
                }
                else if (edge.Attributes["tooltip"].StartsWith("the callee's result", StringComparison.Ordinal))
                {
                    expected += dot.Nodes[edge.To].Adjoint; // an expanded callee's result is the call's value
                }
            }

            Close(expected, node.Adjoint);
        }
    }

    [Fact]
    public void NeuronGraphHasTheGradientsAdjointsAndTheTutorialsNumbers()
    {
        double dw1 = 0, dw2 = 0, db = 0;
        var cost = Neuron.CostGradient(2, -3, -3, -1, -2, 1, ref dw1, ref dw2, ref db);
        var graph = Neuron.Graph();
        Assert.Equal(cost, graph.Value);

        var dot = Read(graph);
        Close(dw1, dot.Node("w1").Adjoint);
        Close(dw2, dot.Node("w2").Adjoint);
        Close(db, dot.Node("b").Adjoint);

        // The tutorial's figure: ∂C/∂w1 = 0.0529 to its 4 digits, on w1's node, and on the path back to it.
        Assert.Equal(0.0529, Math.Round(dot.Node("w1").Adjoint, 4));
        Assert.Contains("adjoint 0.0529", dot.Node("w1").Label, StringComparison.Ordinal);
        var a = dot.Node("u8");                                      // a = σ(z)
        Close(0.7310585786300049, a.Value);
        Close(a.Value - 1, a.Adjoint);                               // ∂C/∂a = a − y
        Close(a.Value * (1 - a.Value) * (a.Value - 1), dot.Node("u4").Adjoint); // ∂C/∂z = σ'(z) ∂C/∂a
        Assert.Equal(-0.0529, Math.Round(dot.Node("u4").Adjoint, 4));
        var edge = dot.Edges.Single(e => e.To == dot.Node("u1").Id && e.From == dot.Node("w1").Id);
        Assert.Equal("∂u1/∂w1 = x1 = -1", edge.Attributes["label"]);  // the local derivative, formula and value
        ChainRuleHolds(dot);

        // Constants are drawn, without an adjoint; every operation's statement is its cluster.
        Assert.Null(dot.Node("x1").Number("adjoint"));
        Assert.Equal("double a = 1 / (1 + Math.Exp(-z));", dot.Clusters[a.Clusters[0]].Label);
    }

    [Fact]
    public void TwoLayerGraphHasTheGradientOfItsSample()
    {
        var s = TwoLayer.FirstSample();
        var (dw1, db1, dw2, db2) = (new double[s.W1.Length], new double[s.B1.Length], new double[s.W2.Length], new double[s.B2.Length]);
        var loss = TwoLayer.LossGradient(s.W1, s.B1, s.W2, s.B2, s.X, s.Y, 1, 3, 4, dw1, db1, dw2, db2);
        var graph = TwoLayer.Graph();
        Close(loss, graph.Value, 1e-13);

        var dot = Read(graph);
        foreach (var (name, gradient) in new[] { ("w1", dw1), ("b1", db1), ("w2", dw2), ("b2", db2) })
        {
            var node = dot.Node(name);
            for (var i = 0; i < gradient.Length; i++)
            {
                Close(gradient[i], node.Number("adjoint[" + i + "]")!.Value);
            }
        }

        // The loops are clusters; the sample loop ran once, the feature loop 3 times per hidden unit.
        var loops = dot.Clusters.Values.Where(c => c.Label.StartsWith("for (", StringComparison.Ordinal) && c.Label.Contains("iteration", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, loops.Count);
        Assert.Contains(loops, c => c.Label.StartsWith("for (int k = 0; k < d; k++)\n12 iterations in 4 runs", StringComparison.Ordinal));
        Assert.Equal("12", dot.Edges.Single(e => e.To == dot.Node("u8").Id).Attributes["label"].Split('×')[1]);
    }

    [Fact]
    public void ShowerGraphChainsTheTwoValvesThroughExpandedCalls()
    {
        double dm = 0, dh = 0;
        var flow = Shower.FlowGradient(1, 0.25, ref dm, ref dh);
        var graph = Shower.Graph();
        Assert.Equal(flow, graph.Value);
        var dot = Read(graph);
        var (m, h) = (dot.Nodes["n0"], dot.Nodes["n1"]);
        Assert.Equal(("m", "h"), (m.Name, h.Name));
        Close(dm, m.Adjoint);
        Close(dh, h.Adjoint);

        // Each call is a collapsed node with its partials on its edges, and beside it the callee's graph,
        // whose adjoints are scaled by the call's: ∂y/∂x = h inside ShowerFlow, times ∂y/∂y = 1.
        var calls = dot.Clusters.Values.Where(c => c.Label.Contains("expanded", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, calls.Count);
        var x = dot.Nodes.Values.Single(n => n.Name == "x" && n.Clusters.Contains(calls.Single(c => c.Label.StartsWith("Shower.ShowerFlow", StringComparison.Ordinal)).Name));
        Close(0.25, x.Adjoint);
        Assert.Equal(4, dot.Edges.Single(e => e.From == m.Id && e.Partial is not null).Partial);
        ChainRuleHolds(dot);
    }

    [Fact]
    public void SampleGraphsDotSnapshots()
    {
        Snapshot.Verify(Neuron.Graph().ToDot(), "neuron", extension: "dot");
        Snapshot.Verify(TwoLayer.Graph().ToDot(), "two-layer", extension: "dot");
        Snapshot.Verify(Shower.Graph().ToDot(), "shower", extension: "dot");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(10)]
    public void LoopsAreClustersWhateverTheUnrolling(int unroll)
    {
        double[] w = { 0.9, -0.4, 1.3, 0.7, 0.2 };
        double dx = 0;
        var dw = new double[w.Length];
        var value = Graphs.IterateGradient(0.6, w, ref dx, dw);
        var graph = Graphs.IterateGraph(0.6, w, new GraphOptions { UnrollIterations = unroll });
        Assert.Equal(value, graph.Value);
        var dot = Read(graph);
        Close(dx, dot.Node("x").Adjoint);
        for (var i = 0; i < w.Length; i++)
        {
            Close(dw[i], dot.Node("w").Number("adjoint[" + i + "]")!.Value);
        }

        var loop = Assert.Single(dot.Clusters.Values, c => c.Label.StartsWith("while (i < w.Length)\n6 iterations", StringComparison.Ordinal));
        var tanh = dot.NodesNamed("u11").ToList();
        Assert.All(tanh, n => Assert.Contains(loop.Name, n.Clusters));
        if (unroll == 0)
        {
            // Summarized: one node, the last iteration's value, the adjoints of all five summed.
            var node = Assert.Single(tanh);
            Assert.Equal(5, node.Number("count"));
            Assert.Contains("×5", node.Label, StringComparison.Ordinal);
            Assert.Equal(graph.Nodes.Single(n => n.Name == "u11").Adjoint, node.Adjoint);
        }
        else
        {
            Assert.Equal(Math.Min(unroll, 5) + (unroll < 5 ? 1 : 0), tanh.Count);
            Assert.Contains(dot.Clusters.Values, c => c.Label == "iteration 1" && c.Parent == loop.Name);
            Assert.Equal(unroll < 5, dot.Clusters.Values.Any(c => c.Label.StartsWith("iterations " + (unroll + 1) + " on", StringComparison.Ordinal)));
            if (unroll >= 5)
            {
                ChainRuleHolds(dot); // every evaluation drawn: the chain rule holds edge by edge
            }
        }

        // The same total whatever is drawn: the iterations' adjoints of tanh sum to the same number.
        Close(graph.Nodes.Where(n => n.Name == "u11").Sum(n => n.Adjoint), Graphs.IterateGraph(0.6, w).Nodes.Single(n => n.Name == "u11").Adjoint);
    }

    [Fact]
    public void CallsAreCollapsedNodesWithTheirPartialsAndExpandOnRequest()
    {
        double[] w = { 0.5, -1.5, 2 }, x = { 1, 2, -0.5 };
        const double b = 0.75;
        var dw = new double[3];
        double db = 0;
        var value = Graphs.CallsGradient(w, x, b, dw, ref db);
        foreach (var expand in new[] { 0, 1, 2 })
        {
            var graph = Graphs.CallsGraph(w, x, b, new GraphOptions { ExpandCalls = expand });
            Assert.Equal(value, graph.Value);
            var dot = Read(graph);
            Close(db, dot.Node("b").Adjoint);
            for (var i = 0; i < w.Length; i++)
            {
                Close(dw[i], dot.Node("w").Number("adjoint[" + i + "]")!.Value);
            }

            var calls = dot.Nodes.Values.Where(n => n.Label.Contains("(a call, collapsed)", StringComparison.Ordinal) && !n.Id.StartsWith('c')).ToList();
            Assert.Equal(3, calls.Count);

            // Dot(w, x, b): ∂/∂b = Σ w·x on its edge, ∂/∂w[i] = b·x[i] on the w edge (one per element, drawn once).
            var dotCall = calls.Single(n => n.Name == "u2");
            Close(w.Zip(x, (p, q) => p * q).Sum(), dot.Edges.Single(e => e.To == dotCall.Id && e.From == dot.Node("b").Id).Partial!.Value);
            Assert.Equal(3, dot.Edges.Single(e => e.To == dotCall.Id && e.From == dot.Node("w").Id).Count);

            // Only graph-enabled callees expand (Dot, twice); Square has no graph and stays collapsed.
            var expanded = dot.Clusters.Values.Where(c => c.Label.Contains("expanded", StringComparison.Ordinal)).ToList();
            Assert.Equal(expand == 0 ? 0 : 2, expanded.Count);
            Assert.All(expanded, c => Assert.StartsWith("Graphs.Dot, expanded", c.Label, StringComparison.Ordinal));
            if (expand > 0)
            {
                // Inside the first expansion, the callee's w adjoints times the call's adjoint are the caller's.
                var innerW = dot.Nodes.Values.Single(n => n.Name == "w" && n.Clusters.Contains(expanded[0].Name));
                for (var i = 0; i < w.Length; i++)
                {
                    Close(dw[i], innerW.Number("adjoint[" + i + "]")!.Value);
                }
            }
        }
    }

    [Fact]
    public void FloatGraphHasTheFloatGradient()
    {
        float[] w = { 0.3f, -1.1f, 2.2f };
        float dx = 0;
        var dw = new float[3];
        var value = Graphs.SingleGradient(0.7f, w, ref dx, dw);
        var dot = Read(Graphs.SingleGraph(0.7f, w));
        Close(dx, dot.Node("x").Adjoint, 1e-6);
        for (var i = 0; i < w.Length; i++)
        {
            Close(dw[i], dot.Node("w").Number("adjoint[" + i + "]")!.Value, 1e-6);
        }

        Assert.Equal(value, (float)Graphs.SingleGraph(0.7f, w).Value);
    }

    [Fact]
    public void MaxAtATieSplitsTheAdjointAsTheGradientDoes()
    {
        double dx = 0, dy = 0;
        Graphs.TieGradient(2, 2, ref dx, ref dy);
        var dot = Read(Graphs.TieGraph(2, 2));
        Close(dx, dot.Node("x").Adjoint);
        Close(dy, dot.Node("y").Adjoint);
        ChainRuleHolds(dot);
    }

    [Fact]
    public void DotEscapesQuotesBackslashesAndAngleBrackets()
    {
        var dot = Read(Graphs.EscapesGraph(1.5, 2));
        Assert.Contains(dot.Clusters.Values, c => c.Label == "double s = x /* a \"quoted\" \\ back\\slash, <tag> & {brace} */ * y;");
        Assert.Contains(dot.Clusters.Values, c => c.Label == "return s < 1 ? s * s : (x > y ? s : -s);");
        double dx = 0, dy = 0;
        Graphs.EscapesGradient(1.5, 2, ref dx, ref dy);
        Close(dx, dot.Node("x").Adjoint);
        Close(dy, dot.Node("y").Adjoint);

        // Any text a recorder is given, line breaks and all, reads back as it was.
        const string Text = "a \"b\" \\c\\n <d> {e}\nnext line \\\"";
        var recorder = new GraphRecorder(Text, null);
        recorder.Statement(Text);
        var p = recorder.Parameter(0, Text, 1, differentiable: true);
        var u = recorder.Node(1, Text, Text, 2);
        recorder.Edge(p, u, Text, 2);
        var read = Read(recorder.Finish(u, 2));
        Assert.Equal(Text, read.Name);
        Assert.Equal(Text, Assert.Single(read.Clusters.Values).Label);
        Assert.StartsWith(Text + "\n", read.Nodes["n1"].Attributes["label"], StringComparison.Ordinal);
        Assert.Equal(2, read.Nodes["n0"].Adjoint);
    }

    [Fact]
    public void MalformedDotIsRejectedByTheReader()
    {
        Assert.Throws<FormatException>(() => DotReader.Read("digraph \"g\" { \"a\" [label=\"x\"]; "));
        Assert.Throws<FormatException>(() => DotReader.Read("digraph \"g\" { \"a\" [label=\"x]; }"));
        Assert.Throws<FormatException>(() => DotReader.Read("digraph \"g\" { \"a\" [label=\"\\q\"]; }"));
    }

    [Fact]
    public void RendersSvgAndPngWhenGraphvizIsInstalled()
    {
        var directory = Path.Combine(Path.GetTempPath(), "diffgen-graph-" + Guid.NewGuid().ToString("N"));
        try
        {
            var graph = Neuron.Graph();
            var svg = Path.Combine(directory, "neuron.svg");
            Assert.False(graph.TryRender(svg, "svg", out var missing, dotExecutable: Path.Combine(directory, "no-such-dot")));
            Assert.Contains("Graphviz", missing, StringComparison.Ordinal);
            Assert.Throws<ArgumentException>(() => { graph.TryRender(svg, "svg -o /etc/passwd", out _); });

            if (!Graphviz.IsAvailable())
            {
                Assert.Throws<InvalidOperationException>(() => { graph.WriteSvg(svg); });
                return; // CI installs Graphviz; .ci/run checks a render there too
            }

            graph.WriteSvg(svg);
            var text = File.ReadAllText(svg);
            Assert.StartsWith("<?xml", text, StringComparison.Ordinal);
            Assert.Contains("<svg", text, StringComparison.Ordinal);
            Assert.Contains("adjoint 0.0529", text, StringComparison.Ordinal);

            var png = Path.Combine(directory, "neuron.png");
            graph.WritePng(png);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(png)[..4]);
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Fact]
    public void OptionsAreValidated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GraphOptions { UnrollIterations = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new GraphOptions { ExpandCalls = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new GraphOptions { Decimals = 16 });
        Assert.Equal("0.0529", Read(Neuron.Graph()).Node("w1").Label.Split('\n')[2].Split(' ')[1]);
        Assert.Equal("0.05", Read(Neuron.CostGraph(2, -3, -3, -1, -2, 1, new GraphOptions { Decimals = 2 })).Node("w1").Label.Split('\n')[2].Split(' ')[1]);

        // Without statement clusters, a loop's nodes sit in the loop's cluster itself.
        var flat = Read(Graphs.IterateGraph(0.6, new[] { 0.9, -0.4 }, new GraphOptions { GroupByStatement = false }));
        var loop = Assert.Single(flat.Clusters.Values);
        Assert.Equal(loop.Name, flat.Node("u11").Clusters.Single());
        Assert.Empty(flat.Node("u20").Clusters);
    }
}
