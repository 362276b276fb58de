using System;

namespace DiffGen;

/// <summary>
/// Marks a pure <c>static</c> method of a <c>partial</c> type for compile-time reverse-mode
/// differentiation. The DiffGen source generator adds a companion <c>{Method}Gradient</c> method
/// that returns the value and adds <c>seed × ∂F/∂p</c> into one gradient output per
/// differentiable parameter.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class DifferentiableAttribute : Attribute
{
    /// <summary>
    /// Also generate <c>{Method}Graph</c>: the same inputs and a <see cref="GraphOptions"/>, returning the
    /// <see cref="ComputationGraph"/> of one evaluation (the intermediates u1..un with their values and
    /// adjoints, edges labelled with the local derivatives), to write as Graphviz DOT or render as SVG.
    /// Off by default: without it nothing is generated and the gradient is unchanged.
    /// </summary>
    public bool Graph { get; set; }
}

/// <summary>
/// Marks a parameter of a <see cref="DifferentiableAttribute"/> method as a constant (data,
/// targets, sizes): no gradient output is generated for it. Parameters of integral or
/// <c>bool</c> type are always constants. On a field or property of a model type (a struct,
/// class or record passed to a <see cref="DifferentiableAttribute"/> method, or the instance of
/// one), the member is a constant of the model: its gradient is not computed.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class NoDerivativeAttribute : Attribute
{
}

/// <summary>
/// Marks a <c>static</c> method returning <c>double</c> or <c>float</c> whose gradient you write yourself:
/// DiffGen generates nothing for it, checks that its type declares <c>{Method}Gradient</c> with exactly
/// the signature it would have generated (the same parameters, then <c>ref T d{name}</c> or
/// <c>Span&lt;T&gt; d{name}</c> per parameter that is not <see cref="NoDerivativeAttribute"/>, then
/// <c>T seed = 1</c>), and calls it from the reverse sweep of every <see cref="DifferentiableAttribute"/>
/// method that calls this one. Its body may contain anything, since it is never differentiated: a
/// numerically stable formula, a table lookup, a call into native code.
/// </summary>
/// <remarks>
/// Like a generated gradient, yours returns the value and ADDS <c>seed × ∂F/∂p</c> into each output.
/// <see cref="GradientCheck"/> compares it with central finite differences.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class CustomGradientAttribute : Attribute
{
}
