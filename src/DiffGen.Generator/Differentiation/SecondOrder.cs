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
    /// Whether forward mode takes this method's signature: a method returning double or float, of scalars, arrays, spans,
    /// constant matrices and models (an instance method's instance included). A callee is only ever static without models
    /// (a model is lowered in place), so <c>CalleeSpec.HasTangent</c> applies the same rule to it.
    /// </summary>
    public static bool Supports(MethodSpec spec) =>
        spec.Form == ResultForm.Scalar && spec.Parameters.All(p => p.Member is not null || ForwardModeShapes.Take(p.Shape, p.IsDifferentiable));

    /// <summary>
    /// Whether forward mode writes this method's <c>{Method}Tangent</c>: every method <see cref="Supports"/> takes, and the
    /// vector-valued ones (outputs written or an array returned: a Jacobian-vector product; they have no H·v).
    /// </summary>
    public static bool SupportsTangent(MethodSpec spec) =>
        Supports(spec with { Form = ResultForm.Scalar });

    public static TangentMethod? Tangent(MethodSpec spec)
    {
        if (!SupportsTangent(spec))
        {
            return null;
        }

        var (names, plain, members, models) = Inputs(spec);
        var tangents = plain.Select(p => names.Claim("t" + p.Name)).ToList();
        var modelTangents = models.Select(m => names.Claim("t" + m.Name)).ToList();
        var memberTangents = members.Select(p => names.Claim("t" + p.Name)).ToList();
        var outputs = spec.Parameters.Where(p => p.IsOutput).ToList();
        var outputTangents = outputs.Select(p => names.Claim("t" + p.Name)).ToList();
        var output = names.Claim("tangent");
        var inputs = plain.Select((p, i) => (p.Variable, tangents[i], TangentShape(p))).Concat(members.Select((p, i) => (p.Variable, memberTangents[i], p.Shape))).ToList();
        var written = outputs.Select((p, i) => (p.Variable, outputTangents[i])).ToList();
        var program = ForwardMode.Transform(spec.Body, inputs, modelTangents.Concat(outputTangents).Append(output), out var unsupported, written);
        if (program is null)
        {
            return new TangentMethod(spec, null, -1, tangents.ToEquatableArray(), output, Constant: false, unsupported, ModelTangents: modelTangents.ToEquatableArray(), OutputTangents: outputTangents.ToEquatableArray());
        }

        // Nothing is differentiated in reverse: the builder gives the forward sweep alone, with its declarations. A member's
        // tangent is the same member of the tangent model.
        var roots = models.Select((m, i) => (m.Name, modelTangents[i])).ToList();
        var tangentMembers = members.Select((p, i) => TangentParameter(p, memberTangents[i], program.TangentInputs[plain.Count + i], gradientName: null) with
        {
            Member = p.Member! with { Access = Reroot(p.Member.Access, roots), GradientAccess = string.Empty },
        });
        // A vector-valued method's outputs are written as the method writes them, their tangents beside them.
        var parameters = spec.Parameters.Select(p => p with { GradientName = null, IncomingAdjoint = null })
            .Concat(plain.Select((p, i) => TangentParameter(p, tangents[i], program.TangentInputs[i], gradientName: null)))
            .Concat(tangentMembers)
            .Concat(outputs.Select((p, i) => new ParameterSpec(outputTangents[i], "global::System.Span<" + p.Type.Name + ">", ParameterShape.Span, p.Type, null, program.OutputTangents[i], Written: true)))
            .ToEquatableArray();
        if (Sweep(spec with { Body = program.Program, Parameters = parameters, Form = ResultForm.Scalar }, out var limit) is not { } body)
        {
            return new TangentMethod(spec, null, -1, tangents.ToEquatableArray(), output, Constant: false, limit, ModelTangents: modelTangents.ToEquatableArray(), OutputTangents: outputTangents.ToEquatableArray());
        }

        return new TangentMethod(spec, body, program.Value, tangents.ToEquatableArray(), output, program.Constant,
            ModelTangents: modelTangents.ToEquatableArray(), Members: parameters.Where(p => p.Member is not null).ToEquatableArray(), OutputTangents: outputTangents.ToEquatableArray());
    }

    public static HessianVectorMethod? HessianVector(MethodSpec spec)
    {
        if (!Supports(spec))
        {
            return null;
        }

        var (names, plain, members, models) = Inputs(spec);
        var directions = plain.Select(p => names.Claim("v" + p.Name)).ToList();
        var gradients = plain.Select(p => names.Claim("d" + p.Name)).ToList();
        var products = plain.Select(p => names.Claim("h" + p.Name)).ToList();
        var modelDirections = models.Select(m => names.Claim("v" + m.Name)).ToList();
        var modelGradients = models.Select(m => names.Claim("d" + m.Name)).ToList();
        var modelProducts = models.Select(m => names.Claim("h" + m.Name)).ToList();
        var memberDirections = members.Select(p => names.Claim("v" + p.Name)).ToList();
        var memberGradients = members.Select(p => names.Claim("d" + p.Name)).ToList();
        var memberProducts = members.Select(p => names.Claim("h" + p.Name)).ToList();
        var seed = names.Claim("seed");
        var inputs = plain.Select((p, i) => (p.Variable, directions[i], TangentShape(p))).Concat(members.Select((p, i) => (p.Variable, memberDirections[i], p.Shape))).ToList();
        var reserved = gradients.Concat(products).Concat(modelDirections).Concat(modelGradients).Concat(modelProducts).Concat(memberGradients).Concat(memberProducts).Append(seed);
        var program = ForwardMode.Transform(spec.Body, inputs, reserved, out var unsupported);
        var modelNames = new ModelNames(modelDirections.ToEquatableArray(), modelGradients.ToEquatableArray(), modelProducts.ToEquatableArray());
        if (program is null)
        {
            return new HessianVectorMethod(spec, null, -1, directions.ToEquatableArray(), gradients.ToEquatableArray(), products.ToEquatableArray(), seed, unsupported, modelNames);
        }

        // Reverse mode over the tangent ∇f·v: the adjoint of each input x is H·v (into h…), of each direction v the gradient
        // (into d…). A member's are the same member of the model h… and d…; its direction is the same member of v….
        var directionRoots = models.Select((m, i) => (m.Name, modelDirections[i])).ToList();
        var gradientRoots = models.Select((m, i) => (m.GradientName!, modelGradients[i])).ToList();
        var productRoots = models.Select((m, i) => (m.GradientName!, modelProducts[i])).ToList();
        var primals = new List<ParameterSpec>();
        foreach (var p in spec.Parameters)
        {
            primals.Add(!p.IsDifferentiable ? p
                : p.Member is null ? p with { GradientName = products[plain.IndexOf(p)] }
                : p with { GradientName = memberProducts[members.IndexOf(p)], Member = p.Member with { GradientAccess = Reroot(p.Member.GradientAccess, productRoots) } });
        }

        var directionMembers = members.Select((p, i) => TangentParameter(p, memberDirections[i], program.TangentInputs[plain.Count + i], memberGradients[i]) with
        {
            Member = p.Member! with { Access = Reroot(p.Member.Access, directionRoots), GradientAccess = Reroot(p.Member.GradientAccess, gradientRoots) },
        });
        var parameters = primals
            .Concat(plain.Select((p, i) => TangentParameter(p, directions[i], program.TangentInputs[i], gradients[i])))
            .Concat(directionMembers)
            .ToEquatableArray();
        if (Sweep(spec with { Body = program.Program, Parameters = parameters, SeedName = seed }, out var limit) is not { } body)
        {
            return new HessianVectorMethod(spec, null, -1, directions.ToEquatableArray(), gradients.ToEquatableArray(), products.ToEquatableArray(), seed, limit, modelNames);
        }

        return new HessianVectorMethod(spec, body, program.Value, directions.ToEquatableArray(), gradients.ToEquatableArray(), products.ToEquatableArray(), seed,
            Models: modelNames, Members: parameters.Where(p => p.Member is not null).ToEquatableArray());
    }

    // The differentiable inputs: plain parameters (a tangent parameter each), members of models (read from the tangent
    // model), and the models with differentiable members in the order their outputs take (the instance first, then by
    // position); with the names the generated method may not take (the parameters, the models, the body's variables).
    private static (NameScope Names, List<ParameterSpec> Plain, List<ParameterSpec> Members, List<ModelSpec> Models) Inputs(MethodSpec spec) =>
        (new NameScope(spec.Parameters.Select(p => p.Name).Concat(spec.Models.Select(m => m.Name)).Concat(spec.Body.Variables.Select(v => v.Name))),
         spec.Parameters.Where(p => p.IsDifferentiable && p.Member is null).ToList(),
         spec.Parameters.Where(p => p.IsDifferentiable && p.Member is not null).ToList(),
         spec.Models.Where(m => m.GradientName is not null).OrderBy(m => m.Position).ToList());

    // A member's access from another model of the same type: this.Hidden.W from tthis is tthis.Hidden.W.
    private static string Reroot(string access, IEnumerable<(string From, string To)> roots)
    {
        foreach (var (from, to) in roots)
        {
            if (access.StartsWith(from + ".", System.StringComparison.Ordinal))
            {
                return to + access.Substring(from.Length);
            }
        }

        throw new System.InvalidOperationException("a model member outside every model: " + access);
    }

    private static ParameterShape TangentShape(ParameterSpec primal) => primal.Shape == ParameterShape.Scalar ? ParameterShape.Scalar : ParameterShape.Span;

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

    // A tangent (or direction) parameter: a scalar, or a read-only span beside an array or span; a model member's is read
    // from the tangent model as the member itself is, with its type.
    private static ParameterSpec TangentParameter(ParameterSpec primal, string name, int variable, string? gradientName) =>
        primal.Member is not null
            ? new(name, primal.TypeText, primal.Shape, primal.Type, gradientName, variable)
            : new(name,
                primal.Shape == ParameterShape.Scalar ? primal.Type.Name : "global::System.ReadOnlySpan<" + primal.Type.Name + ">",
                TangentShape(primal),
                primal.Type,
                gradientName,
                variable);
}
