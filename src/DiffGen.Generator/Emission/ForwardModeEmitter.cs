using System.Collections.Generic;
using System.Linq;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Emission;

/// <summary>
/// Writes the methods forward mode gives a [Differentiable] method: <c>{Method}Tangent</c> (the value and the directional
/// derivative in one forward pass) in one file, and <c>{Method}HessianVector</c> with <c>{Method}Hessian</c> in another.
/// </summary>
internal static class ForwardModeEmitter
{
    public static string TangentHintName(MethodSpec spec) => Stem(spec.HintName) + ".Tangent.g.cs";

    public static string HessianHintName(MethodSpec spec) => Stem(spec.HintName) + ".Hessian.g.cs";

    /// <summary>The name of a generated method beside the gradient: <c>F</c> + what it computes.</summary>
    public static string MethodName(MethodSpec spec, string what) => SiblingNames.Of(spec.GradientName, what);

    private static string Stem(string hintName) => hintName.EndsWith(".g.cs", System.StringComparison.Ordinal) ? hintName.Substring(0, hintName.Length - 5) : hintName;

    public static string EmitTangent(TangentMethod method, string version)
    {
        var spec = method.Spec;
        var differentiable = spec.Parameters.Where(p => p.IsDifferentiable && p.Member is null).ToList();
        var outputs = spec.Parameters.Where(p => p.IsOutput).ToList();
        var element = spec.ReturnType.Name;
        var writer = new IndentedWriter();
        GeneratedFile.Open(writer, spec, "[Differentiable]");

        var name = CSharpSpelling.Xml(spec.Name);
        writer.Line("/// <summary>");
        writer.Line("/// Computes <see cref=\"" + CSharpSpelling.Xml(spec.Cref) + "\"/> and its directional derivative by forward-mode automatic differentiation:");
        writer.Line(spec.Form switch
        {
            ResultForm.Outputs => "/// writes the outputs as " + name + " does and, into t… beside each, the outputs' derivatives Σₚ ∂(output)/∂p · tp over the differentiable parameters p,",
            ResultForm.Array => "/// returns the array " + name + " returns and sets <paramref name=\"" + method.Output + "\"/> to its derivative Σₚ ∂(array)/∂p · tp over the differentiable parameters p,",
            _ => "/// returns the value and sets <paramref name=\"" + method.Output + "\"/> to Σₚ ∂" + name + "/∂p · tp over the differentiable parameters p,",
        });
        writer.Line("/// the derivative along the direction the tangents t… give (a Jacobian-vector product), in the one pass that computes the value.");
        writer.Line("/// </summary>");
        WriteInputDocumentation(writer, spec);
        foreach (var (plain, model, tangent) in Named(spec, method.Tangents, method.ModelTangents))
        {
            writer.Line("/// <param name=\"" + tangent + "\">" + (model is not null
                ? "A model shaped like " + Of(model) + ": each member is the tangent of the same member of " + Of(model) + " (arrays of the same lengths); [NoDerivative] members are not read."
                : "The tangent of " + plain!.Name.TrimStart('@') + ": how fast it moves along the direction" + (plain.Shape == ParameterShape.Scalar ? string.Empty : ", one element per element of it") + ".")
                + "</param>");
        }

        for (var i = 0; i < outputs.Count; i++)
        {
            writer.Line("/// <param name=\"" + method.OutputTangents[i] + "\">Receives the directional derivative of each element of " + outputs[i].Name.TrimStart('@')
                + " (same length); an element " + name + " does not write gets 0.</param>");
        }

        if (spec.Form != ResultForm.Outputs)
        {
            writer.Line("/// <param name=\"" + method.Output + "\">Receives the directional derivative of " + (spec.Form == ResultForm.Array ? "the returned array, element by element" : name) + ".</param>");
            writer.Line("/// <returns>The value of " + name + ".</returns>");
        }

        WriteLengthExceptionDocumentation(writer, differentiable.Concat(outputs).ToList());
        WriteAttributes(writer, spec, method.Body, version);

        var parameters = MethodSignature.Inputs(spec)
            .Concat(Named(spec, method.Tangents, method.ModelTangents).Select(n => (n.Model is not null ? n.Model.TypeText : TangentType(n.Plain!)) + " " + n.Name))
            .Concat(outputs.Select((p, i) => "global::System.Span<" + element + "> " + method.OutputTangents[i]))
            .Concat(spec.Form switch
            {
                ResultForm.Outputs => System.Array.Empty<string>(),
                ResultForm.Array => new[] { "out " + element + "[] " + method.Output },
                _ => new[] { "out " + element + " " + method.Output },
            });
        var returns = spec.Form switch { ResultForm.Outputs => "void", ResultForm.Array => element + "[]", _ => element };
        writer.Open(spec.Accessibility + (spec.IsInstance ? " " : " static ") + returns + " " + MethodName(spec, "Tangent") + "(" + string.Join(", ", parameters) + ")");
        if (method.Body is null)
        {
            WriteNotSupported(writer, spec, "Tangent", method.Unsupported);
            writer.Close();
            GeneratedFile.Close(writer, spec);
            return writer.ToString();
        }

        WriteLengthChecks(writer, differentiable.Concat(outputs).ToList(), method.Tangents.Concat(method.OutputTangents).ToEquatableArray());
        if (outputs.Count > 0)
        {
            // An output's tangent is cleared, then written while the inputs and directions are read: it may share no element with them.
            var read = spec.Parameters.Where(p => p.Member is null && p.Shape != ParameterShape.Scalar).Select(p => (p.Name, p.Type))
                .Concat(differentiable.Select((p, i) => (p, i)).Where(x => x.p.Shape != ParameterShape.Scalar).Select(x => (method.Tangents[x.i], x.p.Type)))
                .ToList();
            var written = outputs.Select((p, i) => (Name: method.OutputTangents[i], p.Type)).ToList();
            WriteDisjoint(writer, written.SelectMany((t, i) => read.Concat(written.Take(i).Select(w => (w.Name, w.Type))).Where(other => other.Type == t.Type)
                .Select(other => new Overlap(t.Name, other.Item1, t.Type, t.Name, other.Item1, t.Name))));

            writer.Line("// An output element the method does not write does not depend on the inputs.");
            foreach (var tangent in method.OutputTangents)
            {
                writer.Line(tangent + ".Clear();");
            }

            writer.Line();
        }

        var members = spec with { Parameters = method.Members, Models = default };
        MethodSignature.WriteMemberReads(writer, members, gradients: false, TangentFile);
        GradientEmitter.WriteBody(writer, spec with { Form = ResultForm.Scalar }, method.Body, new VariableOperand(method.Value), (spelling, value) =>
        {
            if (spec.Form == ResultForm.Outputs)
            {
                return;
            }

            writer.Line();
            writer.Line(method.Output + " = " + (!method.Constant ? spelling.Operand(method.Body.Result) + ";"
                : spec.Form == ResultForm.Array ? "new " + element + "[" + value + ".Length];   // the array does not depend on the inputs"
                : Literals.Format(0, spec.ReturnType.Kind) + ";   // the value does not depend on the inputs"));
            writer.Line("return " + value + ";");
        }, "Forward sweep: the value, one operation per intermediate, each active one followed by its tangent (t…).");
        writer.Close();
        MethodSignature.WriteFieldAccessors(writer, members, gradients: false, TangentFile);
        GeneratedFile.Close(writer, spec);
        return writer.ToString();
    }

    public static string EmitHessianVector(HessianVectorMethod method, string version)
    {
        var spec = method.Spec;
        var differentiable = spec.Parameters.Where(p => p.IsDifferentiable && p.Member is null).ToList();
        var models = method.Models ?? new ModelNames(default, default, default);
        var writer = new IndentedWriter();
        GeneratedFile.Open(writer, spec, "[Differentiable]");

        var name = CSharpSpelling.Xml(spec.Name);
        writer.Line("/// <summary>");
        writer.Line("/// Computes <see cref=\"" + CSharpSpelling.Xml(spec.Cref) + "\"/>, its gradient and a Hessian-vector product: returns the value, adds");
        writer.Line("/// <paramref name=\"" + method.Seed + "\"/> × ∂" + name + "/∂p into d… and <paramref name=\"" + method.Seed + "\"/> × (H·v)ₚ into h… for each differentiable parameter p,");
        writer.Line("/// where H is the Hessian of " + name + " and v the direction v… give. Reverse mode over the forward-mode tangent ∇" + name + "·v:");
        writer.Line("/// exact to rounding, at a few times the cost of the gradient, without forming H. Outputs accumulate; zero them before the call.");
        writer.Line("/// </summary>");
        WriteInputDocumentation(writer, spec);
        foreach (var (plain, model, direction) in Named(spec, method.Directions, models.Directions))
        {
            writer.Line("/// <param name=\"" + direction + "\">" + (model is not null
                ? "A model shaped like " + Of(model) + ": the direction's component for each member of " + Of(model) + " that is read (arrays of the same lengths)."
                : "The direction's component for " + plain!.Name.TrimStart('@') + (plain.Shape == ParameterShape.Scalar ? string.Empty : ", one element per element of it") + ".")
                + "</param>");
        }

        foreach (var (plain, model, gradient) in Named(spec, method.Gradients, models.Gradients))
        {
            writer.Line("/// <param name=\"" + gradient + "\">Receives " + method.Seed + " × ∂" + name + "/∂" + (model is not null ? "(each member of " + Of(model) + ")" : plain!.Name.TrimStart('@'))
                + ", added to its current value" + (model is not null ? "; another model shaped like " + Of(model) : string.Empty) + ".</param>");
        }

        foreach (var (plain, model, product) in Named(spec, method.Products, models.Products))
        {
            writer.Line("/// <param name=\"" + product + "\">Receives " + method.Seed + " × (H·v) for " + (model is not null ? "each member of " + Of(model) : plain!.Name.TrimStart('@'))
                + ", added to its current value" + (model is not null ? "; another model shaped like " + Of(model) : string.Empty) + ".</param>");
        }

        writer.Line("/// <param name=\"" + method.Seed + "\">The incoming adjoint: 1 for " + name + " itself.</param>");
        writer.Line("/// <returns>The value of " + name + ".</returns>");
        WriteLengthExceptionDocumentation(writer, differentiable);
        WriteAttributes(writer, spec, method.Body, version);

        var parameters = MethodSignature.Inputs(spec)
            .Concat(Named(spec, method.Directions, models.Directions).Select(n => (n.Model is not null ? n.Model.TypeText : TangentType(n.Plain!)) + " " + n.Name))
            .Concat(Named(spec, method.Gradients, models.Gradients).Select(n => (n.Model is not null ? ModelOutputType(n.Model) : OutputType(n.Plain!)) + " " + n.Name))
            .Concat(Named(spec, method.Products, models.Products).Select(n => (n.Model is not null ? ModelOutputType(n.Model) : OutputType(n.Plain!)) + " " + n.Name))
            .Append(spec.ReturnType.Name + " " + method.Seed + " = " + (spec.ReturnType.Kind == ScalarKind.Float ? "1f" : "1.0"));
        writer.Open(spec.Accessibility + (spec.IsInstance ? " " : " static ") + spec.ReturnType.Name + " " + MethodName(spec, "HessianVector") + "(" + string.Join(", ", parameters) + ")");
        var members = spec with { Parameters = method.Members, Models = default };
        if (method.Body is null)
        {
            WriteNotSupported(writer, spec, "HessianVector", method.Unsupported);
        }
        else
        {
            WriteLengthChecks(writer, differentiable, method.Directions);
            WriteDistinctModels(writer, spec, models);
            WriteDisjoint(writer, differentiable.Select((p, i) => (p, i)).Where(x => x.p.Shape != ParameterShape.Scalar)
                .SelectMany(x => Outputs(x.p.Name, method.Directions[x.i], method.Gradients[x.i], method.Products[x.i], x.p.Type, name => name, name => name)));
            MethodSignature.WriteMemberReads(writer, members, gradients: true, HessianFile);
            // A member's gradient and H·v arrays are the gradient and H·v models' own: none may be the model's or the direction's.
            var memberArrays = method.Members.Where(p => p.IsDifferentiable && p.Shape == ParameterShape.Array && p.Member is { OfModels: false }).ToList();
            var half = memberArrays.Count / 2;   // the members read, then the same members of the directions, in the same order
            var access = memberArrays.SelectMany(p => new[] { (p.Name, p.Member!.Access), (p.GradientName!, p.Member.GradientAccess) }).ToDictionary(a => a.Item1, a => a.Item2);
            WriteDisjoint(writer, Enumerable.Range(0, half)
                .SelectMany(i => Outputs(memberArrays[i].Name, memberArrays[half + i].Name, memberArrays[half + i].GradientName!, memberArrays[i].GradientName!, memberArrays[i].Type,
                    name => access[name], name => Root(access[name]), members: true)), blank: true);
            GradientEmitter.WriteBody(writer, spec, method.Body, new VariableOperand(method.Value), (_, value) =>
            {
                writer.Line();
                MethodSignature.WriteScalarGradients(writer, members, HessianFile);
                writer.Line("return " + value + ";");
            }, "Forward sweep: the value and its tangent along v (t… = ∂/∂v), one operation per intermediate.");
        }

        writer.Close();
        MethodSignature.WriteFieldAccessors(writer, members, gradients: true, HessianFile);

        // A dense Hessian over a model's members would need their order spelled out: models get H·v only.
        if (!spec.IsFull && spec.Models.Count == 0)
        {
            writer.Line();
            WriteHessian(writer, method, version);
        }

        GeneratedFile.Close(writer, spec);
        return writer.ToString();
    }

    // {Method}Hessian: column j is H·eⱼ, one Hessian-vector product per differentiable input element.
    private static void WriteHessian(IndentedWriter writer, HessianVectorMethod method, string version)
    {
        var spec = method.Spec;
        var element = spec.ReturnType.Name;
        var differentiable = spec.Parameters.Where(p => p.IsDifferentiable).ToList();
        var names = new NameScope(spec.Parameters.Select(p => p.Name));
        var hessian = names.Claim("hessian");
        var count = names.Claim("n");
        var column = names.Claim("column");
        var buffer = names.Claim("buffer");
        var scratch = names.Claim("scratch");
        var value = names.Claim("value");
        var index = names.Claim("i");

        // Each input's first index among the n, and the buffers that hold its direction, gradient and product.
        var offsets = new List<string>();
        var lengths = new List<string>();
        var scalars = 0;
        foreach (var input in differentiable)
        {
            offsets.Add(JacobianEmitter.Sum(scalars, lengths));
            if (input.Shape == ParameterShape.Scalar)
            {
                scalars++;
            }
            else
            {
                lengths.Add(input.Name + ".Length");
            }
        }

        var directions = differentiable.Select(p => names.Claim("v" + p.Name.TrimStart('@'))).ToList();
        var gradients = differentiable.Select(p => names.Claim("d" + p.Name.TrimStart('@'))).ToList();
        var products = differentiable.Select(p => names.Claim("h" + p.Name.TrimStart('@'))).ToList();

        writer.Line("/// <summary>");
        writer.Line("/// Computes the Hessian of <see cref=\"" + CSharpSpelling.Xml(spec.Cref) + "\"/> into <paramref name=\"" + hessian + "\"/>, dense and row-major (n × n),");
        writer.Line("/// one Hessian-vector product per column: element (i, j) is ∂²" + CSharpSpelling.Xml(spec.Name) + "/∂pᵢ∂pⱼ over the differentiable input elements in order ("
            + string.Join(", then ", differentiable.Select(p => p.Name.TrimStart('@'))) + "). Overwrites the matrix; returns the value.");
        writer.Line("/// For methods with few inputs: it costs n Hessian-vector products.");
        writer.Line("/// </summary>");
        foreach (var parameter in spec.Parameters)
        {
            writer.Line("/// <param name=\"" + parameter.Name.TrimStart('@') + "\">As for <see cref=\"" + CSharpSpelling.Xml(spec.Cref) + "\"/>.</param>");
        }

        writer.Line("/// <param name=\"" + hessian + "\">Receives the n × n Hessian; its length must be exactly that.</param>");
        writer.Line("/// <returns>The value of " + CSharpSpelling.Xml(spec.Name) + ".</returns>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">The length of <paramref name=\"" + hessian + "\"/> is not n × n.</exception>");
        writer.Line("[global::System.CodeDom.Compiler.GeneratedCode(\"DiffGen\", \"" + version + "\")]");
        writer.Open(spec.Accessibility + " static " + element + " " + MethodName(spec, "Hessian") + "("
            + string.Join(", ", MethodSignature.Inputs(spec).Append("global::System.Span<" + element + "> " + hessian)) + ")");
        writer.Line("int " + count + " = " + JacobianEmitter.Sum(scalars, lengths) + ";   // the differentiable input elements: " + string.Join(", then ", differentiable.Select(p => p.Name.TrimStart('@'))));
        writer.Open("if (" + hessian + ".Length != (long)" + count + " * " + count + ")");
        writer.Line("throw new global::System.ArgumentException(\"" + hessian.TrimStart('@') + " has \" + " + hessian + ".Length + \" elements; it needs n × n = \" + "
            + count + " + \" × \" + " + count + " + \".\", nameof(" + hessian + "));");
        writer.Close();

        if (scalars == 0)
        {
            // No differentiable scalar: n can be 0, and then no product runs to give the value.
            writer.Open("if (" + count + " == 0)");
            writer.Line("return " + spec.Cref.Substring(0, spec.Cref.IndexOf('(')) + "(" + string.Join(", ", spec.Parameters.Select(p => p.Name)) + ");");
            writer.Close();
        }

        writer.Line();
        writer.Line("// One buffer of 3n: the direction (a unit vector), the gradient and H times the direction.");
        writer.Line("var " + buffer + " = new global::DiffGen.PooledBuffer<" + element + ">(3 * " + count + ");");
        writer.Line(element + " " + value + " = 0;");
        writer.Open("try");
        writer.Line("global::System.Span<" + element + "> " + scratch + " = " + buffer + ".Span;");
        writer.Line(scratch + ".Clear();");
        for (var i = 0; i < differentiable.Count; i++)
        {
            var input = differentiable[i];
            if (input.Shape != ParameterShape.Scalar)
            {
                var length = input.Name + ".Length";
                writer.Line("global::System.Span<" + element + "> " + directions[i] + " = " + scratch + ".Slice(" + offsets[i] + ", " + length + ");");
                writer.Line("global::System.Span<" + element + "> " + gradients[i] + " = " + scratch + ".Slice(" + count + " + " + offsets[i] + ", " + length + ");");
                writer.Line("global::System.Span<" + element + "> " + products[i] + " = " + scratch + ".Slice(2 * " + count + " + " + offsets[i] + ", " + length + ");");
            }
        }

        writer.Open("for (int " + column + " = 0; " + column + " < " + count + "; " + column + "++)");
        writer.Line(scratch + "[" + column + "] = 1;   // the direction is the column's unit vector");
        var scalarOutputs = differentiable.Select((p, i) => (p, i)).Where(x => x.p.Shape == ParameterShape.Scalar)
            .SelectMany(x => new[] { gradients[x.i] + " = 0", products[x.i] + " = 0" }).ToList();
        if (scalarOutputs.Count > 0)
        {
            writer.Line(element + " " + string.Join(", ", scalarOutputs) + ";");
        }

        var arguments = spec.Parameters.Select(p => p.Name)
            .Concat(differentiable.Select((p, i) => p.Shape == ParameterShape.Scalar ? scratch + "[" + offsets[i] + "]" : "(global::System.ReadOnlySpan<" + element + ">)" + directions[i]))
            .Concat(differentiable.Select((p, i) => (p.Shape == ParameterShape.Scalar ? "ref " : string.Empty) + gradients[i]))
            .Concat(differentiable.Select((p, i) => (p.Shape == ParameterShape.Scalar ? "ref " : string.Empty) + products[i]));
        writer.Line(value + " = " + MethodName(spec, "HessianVector") + "(" + string.Join(", ", arguments) + ");");
        writer.Line("// H·eⱼ is column j of H");
        for (var i = 0; i < differentiable.Count; i++)
        {
            var input = differentiable[i];
            if (input.Shape == ParameterShape.Scalar)
            {
                writer.Line(hessian + "[" + Parenthesized(offsets[i]) + " * " + count + " + " + column + "] = " + products[i] + ";");
            }
            else
            {
                writer.Open("for (int " + index + " = 0; " + index + " < " + input.Name + ".Length; " + index + "++)");
                writer.Line(hessian + "[(" + offsets[i] + " + " + index + ") * " + count + " + " + column + "] = " + products[i] + "[" + index + "];");
                writer.Close();
                writer.Line(products[i] + ".Clear();");
                writer.Line(gradients[i] + ".Clear();");
            }
        }

        writer.Line(scratch + "[" + column + "] = 0;");
        writer.Close();
        writer.Close();
        writer.Open("finally");
        writer.Line(buffer + ".Dispose();");
        writer.Close();
        writer.Line("return " + value + ";");
        writer.Close();
    }

    private const string TangentFile = "Tangent";
    private const string HessianFile = "Hessian";

    // Each differentiable input of the signature with its name among these: the instance's model first, then the declared
    // models and plain parameters in order (the gradient outputs' order).
    private static IEnumerable<(ParameterSpec? Plain, ModelSpec? Model, string Name)> Named(MethodSpec spec, EquatableArray<string> plainNames, EquatableArray<string> modelNames)
    {
        var (plain, model) = (0, 0);
        foreach (var (parameter, owner) in MethodSignature.DifferentiableInputs(spec))
        {
            yield return (parameter, owner, owner is not null ? modelNames[model++] : plainNames[plain++]);
        }
    }

    private static string Of(ModelSpec model) => model.Position < 0 ? "this instance" : model.Name.TrimStart('@');

    private static string ModelOutputType(ModelSpec model) => (model.ByReference ? "ref " : string.Empty) + model.TypeText;

    // A class model's outputs are other instances: the gradient and H·v added into the model, its direction or each other
    // would be read back as values.
    // A struct's (passed by value) only by its two refs, which would add the gradient and H·v into one struct.
    private static void WriteDistinctModels(IndentedWriter writer, MethodSpec spec, ModelNames models)
    {
        var differentiable = MethodSignature.DifferentiableInputs(spec).Where(i => i.Model is not null).Select((i, k) => (Model: i.Model!, Index: k)).ToList();
        foreach (var (model, k) in differentiable)
        {
            if (model.ByReference)
            {
                writer.Line("if (global::System.Runtime.CompilerServices.Unsafe.AreSame(ref " + models.Gradients[k] + ", ref " + models.Products[k] + ")) throw new global::System.ArgumentException(\""
                    + models.Products[k] + " must be another variable than " + models.Gradients[k] + ".\", nameof(" + models.Products[k] + "));");
                continue;
            }

            foreach (var output in new[] { models.Gradients[k], models.Products[k] })
            {
                foreach (var other in new[] { model.Name, models.Directions[k], models.Gradients[k] }.Where(o => o != output))
                {
                    writer.Line("if (global::System.Object.ReferenceEquals(" + other + ", " + output + ")) throw new global::System.ArgumentException(\""
                        + output + " must be another instance shaped like " + Of(model) + ", not " + other.TrimStart('@') + ".\", nameof(" + output + "));");
                }
            }
        }
    }

    // The gradient d and product h of an input x with direction v, each written while the others are read: (output,
    // other) as code, then as the message names them, then the parameter the exception blames.
    private static IEnumerable<Overlap> Outputs(string x, string v, string d, string h, TypeRef element, System.Func<string, string> text, System.Func<string, string> parameter, bool members = false) =>
        (members ? new[] { (d, x), (h, v), (h, d) } : new[] { (d, x), (d, v), (h, x), (h, v), (h, d) })   // a member's own pairs are checked where it is read
            .Select(p => new Overlap(p.Item1, p.Item2, element, text(p.Item1), text(p.Item2), parameter(p.Item1)));

    private static string Root(string access) => access.Substring(0, access.IndexOf('.'));

    private sealed record Overlap(string Output, string Other, TypeRef Element, string OutputText, string OtherText, string Parameter);

    // Outputs that must share no element with what the method reads (an in-place product would read what it already wrote).
    private static void WriteDisjoint(IndentedWriter writer, IEnumerable<Overlap> overlaps, bool blank = false)
    {
        var any = false;
        foreach (var o in overlaps)
        {
            MethodSignature.WriteOverlapCheck(writer, o.Element, o.Output, o.Other, o.OutputText, o.OtherText, o.Parameter, "give it storage of its own");
            any = true;
        }

        if (any && blank)
        {
            writer.Line();
        }
    }

    private static string Parenthesized(string sum) => sum.Contains(" + ") ? "(" + sum + ")" : sum;

    private static void WriteInputDocumentation(IndentedWriter writer, MethodSpec spec)
    {
        foreach (var model in spec.Models.Where(m => m.Position >= 0))
        {
            writer.Line("/// <param name=\"" + model.Name.TrimStart('@') + "\">" + (model.GradientName is not null
                ? "A model: the members it reads are differentiable (except [NoDerivative] ones)."
                : "A constant model: no derivative is taken with respect to it.") + "</param>");
        }

        foreach (var parameter in spec.Parameters.Where(p => p.Member is null))
        {
            writer.Line("/// <param name=\"" + parameter.Name.TrimStart('@') + "\">" + (parameter.IsDifferentiable ? "Differentiable."
                : parameter.IsOutput ? "An output: written as " + CSharpSpelling.Xml(spec.Name) + " writes it."
                : "A constant: no derivative is taken with respect to it.") + "</param>");
        }
    }

    private static void WriteLengthExceptionDocumentation(IndentedWriter writer, List<ParameterSpec> differentiable)
    {
        if (differentiable.Any(p => p.Shape != ParameterShape.Scalar))
        {
            writer.Line("/// <exception cref=\"global::System.ArgumentException\">A tangent's or direction's length is not its parameter's.</exception>");
        }
    }

    // The body of a method whose signature forward mode takes but whose body it does not, yet: callers compile, and a call says why.
    private static void WriteNotSupported(IndentedWriter writer, MethodSpec spec, string what, string? unsupported)
    {
        writer.Line("// Forward mode does not take " + unsupported + " yet; " + MethodName(spec, "Gradient") + " does.");
        writer.Line("throw new global::System.NotSupportedException(\"DiffGen's forward mode does not support " + (unsupported ?? "this method").Replace("\\", "\\\\").Replace("\"", "\\\"")
            + " in " + spec.Name.TrimStart('@') + " yet, so " + MethodName(spec, what) + " is not available; " + MethodName(spec, "Gradient") + " is.\");");
    }

    private static void WriteAttributes(IndentedWriter writer, MethodSpec spec, GradientBody? body, string version)
    {
        writer.Line("[global::System.CodeDom.Compiler.GeneratedCode(\"DiffGen\", \"" + version + "\")]");
        if (spec.IsFull)
        {
            // For DiffGen's own callers, which pass a varied value to a [NoDerivative] scalar: users call the one without "Full".
            writer.Line("[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]");
        }

        if (body is not null && body.Forward.Any(s => s is ForwardLoop))
        {
            writer.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
        }
    }

    private static void WriteLengthChecks(IndentedWriter writer, List<ParameterSpec> differentiable, EquatableArray<string> directions)
    {
        var any = false;
        for (var i = 0; i < differentiable.Count; i++)
        {
            if (differentiable[i].Shape != ParameterShape.Scalar)
            {
                GradientEmitter.WriteLengthCheck(writer, directions[i], differentiable[i].Name, differentiable[i].Name.TrimStart('@'));
                any = true;
            }
        }

        if (any)
        {
            writer.Line();
        }
    }

    private static string TangentType(ParameterSpec parameter) =>
        parameter.Shape == ParameterShape.Scalar ? parameter.Type.Name : "global::System.ReadOnlySpan<" + parameter.Type.Name + ">";

    private static string OutputType(ParameterSpec parameter) =>
        parameter.Shape == ParameterShape.Scalar ? "ref " + parameter.Type.Name : "global::System.Span<" + parameter.Type.Name + ">";
}
