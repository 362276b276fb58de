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
