using System.Collections.Generic;
using System.Linq;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Emission;

/// <summary>
/// The generated methods' parameters as the user declared them, models included, and how a model's members
/// are bound to the IR's parameter variables: read into locals at the start, scalar gradients added back at the end.
/// </summary>
internal static class MethodSignature
{
    /// <summary>The method's own parameters, in declared order: plain ones and models.</summary>
    public static List<string> Inputs(MethodSpec spec) =>
        Declared(spec).Select(p => p.Model is { } model ? model.TypeText + " " + model.Name : p.Plain!.TypeText + " " + p.Plain.Name).ToList();

    /// <summary>The gradient outputs: the instance's first, then one per differentiable parameter (and per output of a vector-valued method) in declared order.</summary>
    public static List<string> Outputs(MethodSpec spec)
    {
        var outputs = spec.Models.Where(m => m.Position < 0 && m.GradientName is not null).Select(ModelOutput).ToList();
        foreach (var (plain, model) in Declared(spec))
        {
            if (model is { GradientName: not null })
            {
                outputs.Add(ModelOutput(model));
            }
            else if (plain is { } parameter && (parameter.IsDifferentiable || parameter.IsOutput))
            {
                // A vector-valued method's output takes its incoming adjoint; an input gives its gradient.
                outputs.Add(parameter.IsOutput
                    ? "global::System.ReadOnlySpan<" + parameter.Type.Name + "> " + parameter.IncomingAdjoint
                    : parameter.Shape switch
                    {
                        ParameterShape.Scalar => "ref " + parameter.Type.Name + " " + parameter.GradientName,
                        ParameterShape.Matrix => parameter.Type.Name + "[,] " + parameter.GradientName,
                        _ => "global::System.Span<" + parameter.Type.Name + "> " + parameter.GradientName,
                    });
            }
        }

        return outputs;
    }

    /// <summary>
    /// The differentiable inputs in the order of their outputs: the instance's model first, then each model parameter
    /// with differentiable members and each differentiable plain parameter, as declared (a vector-valued method's outputs excluded).
    /// </summary>
    public static List<(ParameterSpec? Plain, ModelSpec? Model)> DifferentiableInputs(MethodSpec spec) =>
        spec.Models.Where(m => m.Position < 0 && m.GradientName is not null).Select(m => ((ParameterSpec?)null, (ModelSpec?)m))
            .Concat(Declared(spec).Where(d => d.Model is { GradientName: not null } || d.Plain is { IsDifferentiable: true }))
            .ToList();

    // The method's parameters in declared order: each a plain parameter (the specs without a member, in order) or a
    // model (by its position); the instance is not one of them.
    private static IEnumerable<(ParameterSpec? Plain, ModelSpec? Model)> Declared(MethodSpec spec)
    {
        var plain = new Queue<ParameterSpec>(spec.Parameters.Where(p => p.Member is null));
        var models = spec.Models.Where(m => m.Position >= 0).ToDictionary(m => m.Position);
        for (var position = 0; plain.Count > 0 || models.Count > 0; position++)
        {
            if (models.TryGetValue(position, out var model))
            {
                models.Remove(position);
                yield return (null, model);
            }
            else if (plain.Count > 0)
            {
                yield return (plain.Dequeue(), null);
            }
        }
    }

    private static string ModelOutput(ModelSpec model) => (model.ByReference ? "ref " : string.Empty) + model.TypeText + " " + model.GradientName;

    /// <summary>Reads each model member the body uses into the local its IR variable is named by, and (with <paramref name="gradients"/>) binds its gradient.</summary>
    /// <param name="file">Which generated file (the gradient's, or "Graph"): accessor names are unique per file.</param>
    public static void WriteMemberReads(IndentedWriter writer, MethodSpec spec, bool gradients, string file = "")
    {
        if (gradients)
        {
            // A class model given as its own gradient would have its gradients added into its values.
            foreach (var model in spec.Models.Where(m => m.GradientName is not null && !m.ByReference))
            {
                writer.Line("if (global::System.Object.ReferenceEquals(" + model.Name + ", " + model.GradientName + ")) throw new global::System.ArgumentException(\""
                    + model.GradientName + " must be another instance shaped like " + model.Name.TrimStart('@') + ", not " + model.Name.TrimStart('@') + " itself.\", nameof(" + model.GradientName + "));");
            }
        }

        var members = spec.Parameters.Where(p => p.Member is not null).ToList();
        if (members.Count == 0)
        {
            return;
        }

        writer.Line(gradients
            ? "// The model members read, and where their gradients go: arrays are the gradient model's own, scalars are added to it at the end."
            : "// The model members read.");
        foreach (var parameter in members)
        {
            writer.Line(parameter.TypeText + " " + parameter.Name + " = " + Reach(spec, parameter, parameter.Member!.Access, file) + ";");
            if (gradients && parameter.IsDifferentiable && parameter.Member.OfModels)
            {
                writer.Line(parameter.TypeText + " " + parameter.GradientName + " = " + parameter.Member.GradientAccess + ";");
            }
            else if (gradients && parameter.IsDifferentiable && parameter.Shape == ParameterShape.Scalar)
            {
                writer.Line(parameter.Type.Name + " " + parameter.GradientName + " = " + (parameter.Type.Kind == ScalarKind.Float ? "0f" : "0.0") + ";");
            }
            else if (gradients && parameter.IsDifferentiable)
            {
                // A gradient model sharing this array with the model (a shallow copy) would add the gradient into the model.
                writer.Line("global::System.Span<" + parameter.Type.Name + "> " + parameter.GradientName + " = " + Reach(spec, parameter, parameter.Member.GradientAccess, file) + ";");
                WriteOverlapCheck(writer, parameter.Type, parameter.GradientName!, parameter.Name, parameter.Member.GradientAccess, parameter.Member.Access,
                    parameter.Member.GradientAccess.Substring(0, parameter.Member.GradientAccess.IndexOf('.')), "give the gradient model arrays of its own");
            }
        }

        writer.Line();
    }

    /// <summary>
    /// An output written while <paramref name="other"/> is read must share no element with it: an <see cref="System.ArgumentException"/>
    /// blaming <paramref name="parameter"/>, naming both as the user knows them, and saying what to do.
    /// </summary>
    public static void WriteOverlapCheck(IndentedWriter writer, TypeRef element, string output, string other, string outputText, string otherText, string parameter, string advice)
    {
        var span = "(global::System.ReadOnlySpan<" + element.Name + ">)";
        writer.Line("if (global::System.MemoryExtensions.Overlaps(" + span + output + ", " + span + other + ")) throw new global::System.ArgumentException(\""
            + outputText.TrimStart('@') + " shares elements with " + otherText.TrimStart('@') + ": " + advice + ".\", nameof(" + parameter + "));");
    }

    /// <summary>Adds each scalar member's gradient to the gradient model (arrays received theirs in place).</summary>
    /// <param name="file">As for <see cref="WriteMemberReads"/>.</param>
    public static void WriteScalarGradients(IndentedWriter writer, MethodSpec spec, string file = "")
    {
        var scalars = spec.Parameters.Where(p => p.Member is not null && p.IsDifferentiable && p.Shape == ParameterShape.Scalar).ToList();
        foreach (var parameter in scalars.Where(p => !p.Member!.ByWith))
        {
            // An init-only or readonly member of a class: through its field's accessor (declared below the method).
            writer.Line(Reach(spec, parameter, parameter.Member!.GradientAccess, file) + " += " + parameter.GradientName + ";");
        }

        // Init-only members of a struct: one with-expression per struct replaces it with the sums.
        foreach (var owner in scalars.Where(p => p.Member!.ByWith).GroupBy(p => Owner(p.Member!.GradientAccess)))
        {
            writer.Line(owner.Key + " = " + owner.Key + " with { "
                + string.Join(", ", owner.Select(p => p.Member!.GradientAccess.Substring(owner.Key.Length + 1) + " = " + p.Member!.GradientAccess + " + " + p.GradientName))
                + " };");
        }
    }

    private static string Owner(string access) => access.Substring(0, access.LastIndexOf('.'));

    // A member by name, or through the [UnsafeAccessor] to its field when it cannot be named or assigned.
    private static string Reach(MethodSpec spec, ParameterSpec parameter, string access, string file = "") =>
        parameter.Member!.Storage is null ? access : AccessorName(spec, parameter, file) + "(" + Owner(access) + ")";

    /// <summary>The [UnsafeAccessor] methods the gradient reads and adds through: one per member it cannot name or assign.</summary>
    public static void WriteFieldAccessors(IndentedWriter writer, MethodSpec spec, bool gradients = true, string file = "")
    {
        foreach (var parameter in spec.Parameters.Where(p => p.Member?.Storage is not null))
        {
            var storage = parameter.Member!.Storage!;
            writer.Line();
            writer.Line("// " + parameter.Member.Access.TrimStart('@') + " cannot be named" + (gradients && parameter.IsDifferentiable ? " or assigned" : string.Empty)
                + " here (private, init-only or readonly): it is reached through the field behind it.");
            writer.Line("[global::System.Runtime.CompilerServices.UnsafeAccessor(global::System.Runtime.CompilerServices.UnsafeAccessorKind.Field, Name = \"" + storage.Field + "\")]");
            writer.Line("private static extern ref " + parameter.TypeText + " " + AccessorName(spec, parameter, file) + "(" + storage.OwnerTypeText + " owner);");
        }
    }

    // Unique across the generated files of one type: their methods are members of the same partial type.
    private static string AccessorName(MethodSpec spec, ParameterSpec parameter, string file)
    {
        var hash = 2166136261u;
        foreach (var c in spec.HintName + file)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return "DiffGenField_" + hash.ToString("x8", System.Globalization.CultureInfo.InvariantCulture) + "_" + parameter.Name.TrimStart('@');
    }
}
