using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace DiffGen.Tests;

/// <summary>A node read back from DOT text: its attributes and the clusters around it, innermost first.</summary>
public sealed record DotNode(string Id, IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<string> Clusters)
{
    /// <summary>The tooltip's lines: the name or operation first, then <c>key = value</c> lines.</summary>
    public string[] Tooltip => Attributes.TryGetValue("tooltip", out var t) ? t.Split('\n') : Array.Empty<string>();

    /// <summary>The variable: a parameter's name, or the <c>u</c>k an operation assigns.</summary>
    public string Name => Tooltip[0].Split(" = ")[0];

    public string Label => Attributes["label"];

    /// <summary>A number the tooltip carries exactly (<c>adjoint</c>, <c>value</c>, <c>adjoint[3]</c>).</summary>
    public double? Number(string key) =>
        Tooltip.Skip(1).Where(l => l.StartsWith(key + " = ", StringComparison.Ordinal))
            .Select(l => (double?)double.Parse(l.Substring(key.Length + 3), CultureInfo.InvariantCulture)).FirstOrDefault();

    public double Adjoint => Number("adjoint") ?? throw new InvalidOperationException(Id + " has no adjoint");

    public double Value => Number("value") ?? throw new InvalidOperationException(Id + " has no value");
}

/// <summary>An edge read back from DOT text.</summary>
public sealed record DotEdge(string From, string To, IReadOnlyDictionary<string, string> Attributes)
{
    /// <summary>The local derivative's exact value, for a derivative edge (null for a dashed or dotted link).</summary>
    public double? Partial => Attributes.TryGetValue("tooltip", out var t) && t.Split('\n').FirstOrDefault(l => l.StartsWith("partial = ", StringComparison.Ordinal)) is { } line
        ? double.Parse(line.Substring("partial = ".Length), CultureInfo.InvariantCulture)
        : null;

    public int Count => Attributes.TryGetValue("tooltip", out var t) && t.Split('\n').FirstOrDefault(l => l.StartsWith("count = ", StringComparison.Ordinal)) is { } line
        ? int.Parse(line.Substring("count = ".Length), CultureInfo.InvariantCulture)
        : 1;
}

/// <summary>A cluster read back from DOT text.</summary>
public sealed record DotCluster(string Name, string Label, string? Parent);

/// <summary>
/// Reads back the DOT subset <see cref="ComputationGraph.ToDot"/> writes, strictly: a <c>digraph</c> of
/// attribute statements, nested <c>subgraph</c>s, node and edge statements with attribute lists, quoted
/// strings with <c>\"</c>, <c>\\</c> and <c>\n</c> escapes. Anything else — an unterminated string, an
/// unbalanced brace, an unknown token — throws, which is how the tests prove the text is well formed.
/// </summary>
public sealed class DotReader
{
    private readonly List<string> _tokens;
    private readonly List<bool> _quoted;
    private int _at;

    private DotReader(string text)
    {
        (_tokens, _quoted) = Tokenize(text);
    }

    public string Name { get; private set; } = string.Empty;

    public Dictionary<string, string> GraphAttributes { get; } = new();

    public Dictionary<string, DotNode> Nodes { get; } = new();

    public List<DotEdge> Edges { get; } = new();

    public Dictionary<string, DotCluster> Clusters { get; } = new();

    public static DotReader Read(string text)
    {
        var reader = new DotReader(text);
        reader.Expect("digraph");
        reader.Name = reader.Next();
        reader.Expect("{");
        reader.Statements(new List<string>());
        if (reader._at != reader._tokens.Count)
        {
            throw new FormatException("text after the graph's closing brace");
        }

        return reader;
    }

    /// <summary>The node of that variable name (parameter or uk), the outermost when there are several (an expanded callee's come later).</summary>
    public DotNode Node(string name) => Nodes.Values.Where(n => n.Name == name).OrderBy(n => n.Clusters.Count).ThenBy(n => n.Id.StartsWith('c')).First();

    public IEnumerable<DotNode> NodesNamed(string name) => Nodes.Values.Where(n => n.Name == name);

    private void Statements(List<string> clusters)
    {
        while (true)
        {
            var token = Next();
            if (token == "}" && !_quoted[_at - 1])
            {
                return;
            }

            if (token == "subgraph" && !_quoted[_at - 1])
            {
                var name = Next();
                Expect("{");
                var inner = new List<string> { name };
                inner.AddRange(clusters);
                var start = Clusters.Count;
                Clusters[name] = new DotCluster(name, string.Empty, clusters.FirstOrDefault());
                // The cluster's label is its first statement (label=…;).
                if (Peek() == "label")
                {
                    Next();
                    Expect("=");
                    Clusters[name] = Clusters[name] with { Label = Next() };
                    Expect(";");
                }

                Statements(inner);
                continue;
            }

            if (token is "graph" or "node" or "edge" && !_quoted[_at - 1] && Peek() == "[")
            {
                var attributes = Attributes();
                Expect(";");
                if (token == "graph")
                {
                    foreach (var (key, value) in attributes)
                    {
                        GraphAttributes[key] = value;
                    }
                }

                continue;
            }

            if (Peek() == "=")
            {
                Next();
                Next();
                Expect(";");
                continue;
            }

            if (Peek() == "->")
            {
                Next();
                var to = Next();
                var attributes = Attributes();
                Expect(";");
                Edges.Add(new DotEdge(token, to, attributes));
                continue;
            }

            var nodeAttributes = Attributes();
            Expect(";");
            if (!Nodes.TryAdd(token, new DotNode(token, nodeAttributes, clusters.ToList())))
            {
                throw new FormatException("node " + token + " declared twice");
            }
        }
    }

    private Dictionary<string, string> Attributes()
    {
        var attributes = new Dictionary<string, string>();
        Expect("[");
        while (Peek() != "]")
        {
            var key = Next();
            Expect("=");
            attributes.Add(key, Next());
            if (Peek() == ",")
            {
                Next();
            }
        }

        Expect("]");
        return attributes;
    }

    private string Peek() => _at < _tokens.Count ? _tokens[_at] : throw new FormatException("unexpected end: an unbalanced brace or bracket");

    private string Next()
    {
        var token = Peek();
        _at++;
        return token;
    }

    private void Expect(string token)
    {
        var actual = Next();
        if (actual != token || _quoted[_at - 1])
        {
            throw new FormatException("expected " + token + ", found " + actual + " at token " + _at);
        }
    }

    private static (List<string>, List<bool>) Tokenize(string text)
    {
        var tokens = new List<string>();
        var quoted = new List<bool>();
        for (var i = 0; i < text.Length;)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '"')
            {
                var value = new StringBuilder();
                for (i++; ; i++)
                {
                    if (i >= text.Length)
                    {
                        throw new FormatException("unterminated string");
                    }

                    if (text[i] == '"')
                    {
                        i++;
                        break;
                    }

                    if (text[i] == '\n')
                    {
                        throw new FormatException("a raw line break inside a string");
                    }

                    if (text[i] == '\\')
                    {
                        i++;
                        value.Append(text[i] switch
                        {
                            'n' => '\n',
                            '\\' => '\\',
                            '"' => '"',
                            var other => throw new FormatException("unknown escape \\" + other),
                        });
                        continue;
                    }

                    value.Append(text[i]);
                }

                tokens.Add(value.ToString());
                quoted.Add(true);
            }
            else if (c == '-' && i + 1 < text.Length && text[i + 1] == '>')
            {
                tokens.Add("->");
                quoted.Add(false);
                i += 2;
            }
            else if ("{}[]=;,".IndexOf(c) >= 0)
            {
                tokens.Add(c.ToString());
                quoted.Add(false);
                i++;
            }
            else if (char.IsLetterOrDigit(c) || c is '_' or '.' or '-' or '#')
            {
                var start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '_' or '.' or '-' or '#'))
                {
                    i++;
                }

                tokens.Add(text.Substring(start, i - start));
                quoted.Add(false);
            }
            else
            {
                throw new FormatException("unexpected character '" + c + "' at " + i);
            }
        }

        return (tokens, quoted);
    }
}
