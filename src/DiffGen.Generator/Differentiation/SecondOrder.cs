using System.Collections.Generic;
using System.Linq;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Differentiation;

/// <summary>
/// The methods built on forward mode: <c>{Method}Tangent</c> (the tangent program, run forward) and
/// <c>{Method}HessianVector</c> (reverse mode over the tangent program: reverse over forward, the twin of forward over
/// reverse, which needs no second tape). Every method whose signature forward mode takes gets both, so that callers can
/// call them; where its body holds what forward mode does not take yet, they throw <see cref="System.NotSupportedException"/>
/// saying what (the method's <c>Unsupported</c>).
/// </summary>
internal static class SecondOrder
{
    /// <summary>
    /// Whether forward mode takes this method's signature: a static method returning double or float, of scalars, arrays
    /// and spans (the rule <c>CalleeSpec.HasTangent</c> applies to a callee).
    /// </summary>
    public static bool Supports(MethodSpec spec) =>
        spec.Form == ResultForm.Scalar && !spec.IsInstance && spec.Models.Count == 0
        && spec.Parameters.All(p => p.Member is null && p.Shape is ParameterShape.Scalar or ParameterShape.Array or ParameterShape.Span);

    public static TangentMethod? Tangent(MethodSpec spec)
    {
        if (!Supports(spec))
        {
            return null;
        }

        var names = new NameScope(spec.Parameters.Select(p => p.Name));
        var differentiable = spec.Parameters.Where(p => p.IsDifferentiable).ToList();
        var tangents = differentiable.Select(p => names.Claim("t" + p.Name)).ToList();
        var output = names.Claim("tangent");
        var program = ForwardMode.Transform(spec.Body, differentiable.Select((p, i) => (p.Variable, tangents[i])).ToList(), new[] { output }, out var unsupported);
        if (program is null)
        {
            return new TangentMethod(spec, null, -1, tangents.ToEquatableArray(), output, Constant: false, unsupported);
        }

        // Nothing is differentiated in reverse: the builder gives the forward sweep alone, with its declarations.
        var parameters = spec.Parameters.Select(p => p with { GradientName = null })
            .Concat(differentiable.Select((p, i) => TangentParameter(p, tangents[i], program.TangentInputs[i], gradientName: null)));
        if (Sweep(spec with { Body = program.Program, Parameters = parameters.ToEquatableArray() }, out var limit) is not { } body)
        {
            return new TangentMethod(spec, null, -1, tangents.ToEquatableArray(), output, Constant: false, limit);
        }

        return new TangentMethod(spec, body, program.Value, tangents.ToEquatableArray(), output, program.Constant);
    }

    public static HessianVectorMethod? HessianVector(MethodSpec spec)
    {
        if (!Supports(spec))
        {
            return null;
        }

        var names = new NameScope(spec.Parameters.Select(p => p.Name));
        var differentiable = spec.Parameters.Where(p => p.IsDifferentiable).ToList();
        var directions = differentiable.Select(p => names.Claim("v" + p.Name)).ToList();
        var gradients = differentiable.Select(p => names.Claim("d" + p.Name)).ToList();
        var products = differentiable.Select(p => names.Claim("h" + p.Name)).ToList();
        var seed = names.Claim("seed");
        var program = ForwardMode.Transform(spec.Body, differentiable.Select((p, i) => (p.Variable, directions[i])).ToList(), gradients.Concat(products).Append(seed), out var unsupported);
        if (program is null)
        {
            return new HessianVectorMethod(spec, null, -1, directions.ToEquatableArray(), gradients.ToEquatableArray(), products.ToEquatableArray(), seed, unsupported);
        }

        // Reverse mode over the tangent ∇f·v: the adjoint of each input x is H·v (into h…), of each direction v the gradient (into d…).
        var index = 0;
        var parameters = spec.Parameters.Select(p => p.IsDifferentiable ? p with { GradientName = products[index++] } : p)
            .Concat(differentiable.Select((p, i) => TangentParameter(p, directions[i], program.TangentInputs[i], gradients[i])));
        if (Sweep(spec with { Body = program.Program, Parameters = parameters.ToEquatableArray(), SeedName = seed }, out var limit) is not { } body)
        {
            return new HessianVectorMethod(spec, null, -1, directions.ToEquatableArray(), gradients.ToEquatableArray(), products.ToEquatableArray(), seed, limit);
        }

        return new HessianVectorMethod(spec, body, program.Value, directions.ToEquatableArray(), gradients.ToEquatableArray(), products.ToEquatableArray(), seed);
    }

    // The sweeps of a tangent program, or null with the limit it met: forward mode is an extra beside the gradient, so a
    // limit of the reverse sweep there (an array of each iteration that it needs again) gives methods that throw saying
    // so, never a failed build for a method whose gradient is fine.
    private static GradientBody? Sweep(MethodSpec tangentSpec, out string? limit)
    {
        try
        {
            limit = null;
            return ReverseModeBuilder.Differentiate(tangentSpec);
        }
        catch (ArrayNeededAgainException exception)
        {
            limit = "a limit of the sweep over its tangent program (" + exception.Message + ")";
            return null;
        }
    }

    // A tangent (or direction) parameter: a scalar, or a read-only span beside an array or span.
    private static ParameterSpec TangentParameter(ParameterSpec primal, string name, int variable, string? gradientName) =>
        new(name,
            primal.Shape == ParameterShape.Scalar ? primal.Type.Name : "global::System.ReadOnlySpan<" + primal.Type.Name + ">",
            primal.Shape == ParameterShape.Scalar ? ParameterShape.Scalar : ParameterShape.Span,
            primal.Type,
            gradientName,
            variable);
}
