using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace DiffGen;

/// <summary>
/// Spells a <see cref="ComputationGraph"/> in Graphviz's DOT language. Labels show rounded numbers
/// (<see cref="GraphOptions.Decimals"/>); each node's and edge's <c>tooltip</c> carries the exact values
/// (round-trippable, invariant culture), which an SVG shows on hover and a program can read back.
/// </summary>
internal static class DotWriter
{
    /// <summary>The formula of the link from an expanded callee's result to its call node.</summary>
    public const string ResultLink = "result";

    public static string Write(ComputationGraph graph)
    {
        var dot = new StringBuilder();
        var decimals = graph.Options.Decimals;
        string Number(double x) => Format(x, decimals);

        dot.Append("digraph ").Append(Quote(graph.Method)).Append(" {\n");
        dot.Append("  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=12, labelloc=t, label=")
            .Append(Quote(graph.Method + " = " + Number(graph.Value)
                + "\nnode: its value (forward sweep) and adjoint ∂" + Short(graph.Method) + "/∂node (reverse sweep); edge: the local derivative ∂to/∂from"))
            .Append("];\n");
        dot.Append("  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\", fontsize=11];\n");
        dot.Append("  edge [fontname=\"Helvetica\", fontsize=10];\n");

        var children = graph.Clusters.ToLookup(c => c.Parent ?? string.Empty);
        var members = graph.Nodes.ToLookup(n => n.Cluster ?? string.Empty);
        void WriteNodes(string cluster, string indent)
        {
            foreach (var node in members[cluster])
            {
                dot.Append(indent).Append(Quote(node.Id)).Append(" [").Append(NodeAttributes(node, Number)).Append("];\n");
            }
        }

        void WriteCluster(GraphCluster cluster, string indent)
        {
            dot.Append(indent).Append("subgraph ").Append(Quote("cluster_" + cluster.Id)).Append(" {\n");
            dot.Append(indent).Append("  label=").Append(Quote(cluster.Label)).Append("; ").Append(ClusterStyle(cluster.Kind)).Append('\n');
            foreach (var child in children[cluster.Id])
            {
                WriteCluster(child, indent + "  ");
            }

            WriteNodes(cluster.Id, indent + "  ");
            dot.Append(indent).Append("}\n");
        }

        foreach (var cluster in children[string.Empty])
        {
            WriteCluster(cluster, "  ");
        }

        WriteNodes(string.Empty, "  ");
        foreach (var edge in graph.Edges)
        {
            dot.Append("  ").Append(Quote(edge.From)).Append(" -> ").Append(Quote(edge.To)).Append(" [").Append(EdgeAttributes(edge, Number)).Append("];\n");
        }

        dot.Append("}\n");
        return dot.ToString();
    }

    private static string Short(string method) => method.Substring(method.LastIndexOf('.') + 1);

    private static string NodeAttributes(GraphNode node, Func<double, string> number)
    {
        var label = new List<string>();
        var tooltip = new List<string> { node.Kind == GraphNodeKind.Intermediate || node.Kind == GraphNodeKind.Call ? node.Operation : node.Name };
        if (node.ElementValues is { } values)
        {
            label.Add(node.Name + "[" + values.Count.ToString(CultureInfo.InvariantCulture) + "]" + (node.Kind == GraphNodeKind.Constant ? " (constant)" : string.Empty));
            label.Add("value " + Elements(values, number));
            for (var i = 0; i < values.Count; i++)
            {
                tooltip.Add("value[" + i.ToString(CultureInfo.InvariantCulture) + "] = " + Exact(values[i]));
            }

            if (node.Kind == GraphNodeKind.Parameter && node.ElementAdjoints is { } adjoints)
            {
                label.Add("adjoint " + Elements(adjoints, number));
                for (var i = 0; i < adjoints.Count; i++)
                {
                    tooltip.Add("adjoint[" + i.ToString(CultureInfo.InvariantCulture) + "] = " + Exact(adjoints[i]));
                }
            }
        }
        else
        {
            var summary = node.Count > 1;
            label.Add(node.Kind switch
            {
                GraphNodeKind.Constant => node.Name + " (constant)",
                GraphNodeKind.Parameter => node.Name,
                _ => node.Operation + (summary ? "   ×" + node.Count.ToString(CultureInfo.InvariantCulture) : string.Empty),
            });
            if (node.Kind == GraphNodeKind.Call)
            {
                label.Add("(a call, collapsed)");
            }

            label.Add((summary ? "last value " : "value ") + number(node.Value));
            tooltip.Add("value = " + Exact(node.Value));
            if (node.Kind != GraphNodeKind.Constant)
            {
                label.Add((summary ? "Σ adjoint " : "adjoint ") + number(node.Adjoint));
                tooltip.Add("adjoint = " + Exact(node.Adjoint));
            }

            if (summary)
            {
                tooltip.Add("count = " + node.Count.ToString(CultureInfo.InvariantCulture));
            }
        }

        if (node.IsResult)
        {
            label.Add("(the result)");
            tooltip.Add("result");
        }

        var (fill, style) = node.Kind switch
        {
            GraphNodeKind.Parameter => ("#dbeafe", "rounded,filled"),
            GraphNodeKind.Constant => ("#f3f4f6", "rounded,filled,dashed"),
            GraphNodeKind.Call => ("#fef3c7", "filled"),
            _ => (node.IsResult ? "#dcfce7" : "#ffffff", "rounded,filled"),
        };
        return "label=" + Quote(string.Join("\n", label)) + ", tooltip=" + Quote(string.Join("\n", tooltip))
            + ", fillcolor=\"" + fill + "\", style=\"" + style + "\"" + (node.IsResult ? ", peripheries=2" : string.Empty);
    }

    private static string EdgeAttributes(GraphEdge edge, Func<double, string> number)
    {
        switch (edge.Kind)
        {
            case GraphEdgeKind.Input:
                return "style=dashed, color=\"#9ca3af\", arrowsize=0.6, tooltip=\"a constant input: no adjoint flows back\"";
            case GraphEdgeKind.CallLink when edge.Formula == ResultLink:
                return "style=dotted, color=\"#9ca3af\", arrowsize=0.6, tooltip=\"the callee's result is the call's value: its adjoint\"";
            case GraphEdgeKind.CallLink:
                return "style=dotted, color=\"#9ca3af\", arrowsize=0.6, tooltip=\"the argument passed to the callee's parameter\"";
        }

        // ∂u1/∂w1 = x1 = -1, unless the formula is already the number (∂u3/∂u1 = 1).
        var value = number(edge.Value);
        var formula = edge.Formula;
        var rhs = formula.Substring(formula.LastIndexOf(" = ", StringComparison.Ordinal) + 3);
        var label = IsNumber(rhs, edge.Value) ? formula
            : formula + " = " + (edge.Count > 1 ? "(last) " : string.Empty) + value;
        if (edge.Count > 1)
        {
            label += "\n×" + edge.Count.ToString(CultureInfo.InvariantCulture);
        }

        return "label=" + Quote(label) + ", tooltip=" + Quote(formula + "\npartial = " + Exact(edge.Value) + (edge.Count > 1 ? "\ncount = " + edge.Count.ToString(CultureInfo.InvariantCulture) : string.Empty));
    }

    // Whether a formula's right-hand side is a literal of the value (1, −1, 4.0): then the value is not repeated.
    private static bool IsNumber(string text, double value) =>
        double.TryParse(text.Replace('−', '-').TrimEnd('f', 'F'), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && number == value;

    private static string Elements(IReadOnlyList<double> values, Func<double, string> number)
    {
        const int Shown = 4;
        var shown = values.Take(Shown).Select(number);
        return "[" + string.Join(", ", shown) + (values.Count > Shown ? ", …" : string.Empty) + "]";
    }

    /// <summary>A number for a label: <paramref name="decimals"/> places, or 4 significant digits when that would hide it.</summary>
    public static string Format(double x, int decimals)
    {
        if (double.IsNaN(x))
        {
            return "NaN";
        }

        if (double.IsInfinity(x))
        {
            return x > 0 ? "∞" : "-∞";
        }

        if (x == 0)
        {
            return "0";
        }

        var magnitude = Math.Abs(x);
        var text = magnitude >= 1e-3 && magnitude < 1e4
            ? x.ToString(decimals == 0 ? "0" : "0." + new string('#', decimals), CultureInfo.InvariantCulture)
            : x.ToString("G4", CultureInfo.InvariantCulture);
        return text is "0" or "-0" ? x.ToString("G4", CultureInfo.InvariantCulture) : text;
    }

    /// <summary>A number exactly, as a tooltip carries it: round-trippable in the invariant culture.</summary>
    public static string Exact(double x) => x.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A DOT double-quoted string: backslashes and quotes escaped, line breaks as Graphviz's centered <c>\n</c>.</summary>
    public static string Quote(string text)
    {
        var builder = new StringBuilder(text.Length + 2);
        builder.Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '\\':
                    builder.Append("\\\\");
                    break;
                case '"':
                    builder.Append("\\\"");
                    break;
                case '\n':
                    builder.Append("\\n");
                    break;
                case '\r':
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }

        return builder.Append('"').ToString();
    }

    private static string ClusterStyle(GraphClusterKind kind) => kind switch
    {
        GraphClusterKind.Loop => "style=\"rounded,filled\"; fillcolor=\"#f8fafc\"; color=\"#64748b\"; fontname=\"Helvetica\"; fontsize=11;",
        GraphClusterKind.Iteration => "style=\"rounded\"; color=\"#94a3b8\"; fontname=\"Helvetica\"; fontsize=10;",
        GraphClusterKind.Call => "style=\"rounded,filled\"; fillcolor=\"#fffbeb\"; color=\"#d97706\"; fontname=\"Helvetica\"; fontsize=11;",
        _ => "style=\"dotted,rounded\"; color=\"#94a3b8\"; fontname=\"Courier\"; fontsize=10;",
    };
}
