using System;

namespace DiffGen;

/// <summary>
/// How a generated <c>{Method}Graph</c> draws one evaluation of a <see cref="DifferentiableAttribute"/>
/// method. The defaults draw every intermediate once, loops summarized and calls collapsed.
/// </summary>
public sealed record GraphOptions
{
    private readonly int _unrollIterations;
    private readonly int _expandCalls;
    private readonly int _decimals = 4;

    /// <summary>The options every graph method uses when it is passed none.</summary>
    public static GraphOptions Default { get; } = new();

    /// <summary>
    /// How many first iterations of each loop are drawn separately, each in a cluster of its own
    /// (0, the default: none). The remaining iterations are summarized as without unrolling: one node
    /// per intermediate of the loop body, showing the value of the last of those iterations and the
    /// adjoint summed over them.
    /// </summary>
    public int UnrollIterations
    {
        get => _unrollIterations;
        init => _unrollIterations = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(UnrollIterations), value, "Must be 0 or more.");
    }

    /// <summary>
    /// How many levels of calls to other <see cref="DifferentiableAttribute"/> methods are expanded into the
    /// callee's own graph, nested as a cluster beside the collapsed call node (0, the default: calls stay
    /// collapsed). Only callees with <see cref="DifferentiableAttribute.Graph"/> set can be expanded.
    /// </summary>
    public int ExpandCalls
    {
        get => _expandCalls;
        init => _expandCalls = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(ExpandCalls), value, "Must be 0 or more.");
    }

    /// <summary>
    /// Decimal places of the numbers in labels (4, the default, as the backpropagation tutorials round:
    /// 0.0529). Numbers below 0.001 or from 10,000 up are written with 4 significant digits instead.
    /// Tooltips always carry the exact, round-trippable values.
    /// </summary>
    public int Decimals
    {
        get => _decimals;
        init => _decimals = value is >= 0 and <= 15 ? value : throw new ArgumentOutOfRangeException(nameof(Decimals), value, "Must be 0 to 15.");
    }

    /// <summary>Whether the nodes of one source statement are drawn in a dotted cluster labelled with it (the default).</summary>
    public bool GroupByStatement { get; init; } = true;

    /// <summary>The options a callee's graph is recorded with: one level of expansion fewer.</summary>
    internal GraphOptions ForCallee() => this with { ExpandCalls = Math.Max(0, ExpandCalls - 1) };
}
