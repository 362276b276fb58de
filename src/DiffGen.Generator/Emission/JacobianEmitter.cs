using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Emission;

/// <summary>
/// Writes <c>{Method}Jacobian</c> beside a vector-valued method's vector-Jacobian product: the dense
/// row-major m×n Jacobian, one reverse pass per row (the product with the row's unit vector). Rows are
/// the outputs' elements, concatenated in parameter order (or the returned array's); columns are the
/// differentiable inputs' elements, concatenated in parameter order (a scalar counts one).
/// </summary>
internal static class JacobianEmitter
{
    public static void Write(IndentedWriter writer, MethodSpec spec, string version)
    {
        var element = spec.ReturnType.Name;
        var jacobian = spec.JacobianName!;
        var names = new NameScope(spec.Parameters.Select(p => p.Name).Append(jacobian));
        var rows = names.Claim("rows");
        var columns = names.Claim("columns");
        var seedBuffer = names.Claim("seedBuffer");
        var seeds = names.Claim("seeds");
        var row = names.Claim("row");
        var jacobianRow = names.Claim("jacobianRow");
        var value = spec.Form == ResultForm.Array ? names.Claim("value") : null;

        var outputs = spec.Form == ResultForm.Array
            ? new List<string> { value! }
            : spec.Parameters.Where(p => p.IsOutput).Select(p => p.Name).ToList();
        var inputs = spec.Parameters.Where(p => p.IsDifferentiable).ToList();

        // Each input's first column, and the temporaries its gradient output needs (a scalar's, a matrix's).
        var columnOffsets = new List<string>();
        var temporaries = new Dictionary<ParameterSpec, string>();
        var constant = 0;
        var lengths = new List<string>();
        foreach (var input in inputs)
        {
            columnOffsets.Add(Sum(constant, lengths));
            if (input.Shape == ParameterShape.Scalar)
            {
                constant++;
            }
            else
            {
                lengths.Add(input.Name + ".Length");
            }

            if (input.Shape is ParameterShape.Scalar or ParameterShape.Matrix)
            {
                temporaries[input] = names.Claim("d" + input.Name.TrimStart('@'));
            }
        }

        var name = CSharpSpelling.Xml(spec.Name);
        writer.Line("/// <summary>");
        writer.Line("/// Computes the Jacobian of <see cref=\"" + CSharpSpelling.Xml(spec.Cref) + "\"/> by reverse-mode automatic differentiation, one pass per row,");
        writer.Line("/// into <paramref name=\"" + jacobian + "\"/>, row-major: row i holds ∂y[i]/∂p for the i-th output element y[i]"
            + (spec.Form == ResultForm.Array ? " (of the returned array)" : " (" + string.Join(", then ", outputs.Select(o => o.TrimStart('@'))) + ")") + ",");
        writer.Line("/// column j the j-th differentiable input element ("
            + (inputs.Count == 0 ? "none" : string.Join(", then ", inputs.Select(p => p.Name.TrimStart('@')))) + "). Overwrites the matrix.");
        writer.Line("/// </summary>");
        foreach (var parameter in spec.Parameters)
        {
            writer.Line("/// <param name=\"" + parameter.Name.TrimStart('@') + "\">As for <see cref=\"" + CSharpSpelling.Xml(spec.Cref) + "\"/>"
                + (parameter.IsOutput ? "; receives the outputs" : string.Empty) + ".</param>");
        }

        writer.Line("/// <param name=\"" + jacobian + "\">Receives the rows × columns Jacobian, row-major; its length must be exactly that.</param>");
        if (spec.Form == ResultForm.Array)
        {
            writer.Line("/// <returns>The array " + name + " returns.</returns>");
        }

        writer.Line("/// <exception cref=\"global::System.ArgumentException\">The length of <paramref name=\"" + jacobian + "\"/> is not rows × columns.</exception>");
        writer.Line("[global::System.CodeDom.Compiler.GeneratedCode(\"DiffGen\", \"" + version + "\")]");
        var parameters = spec.Parameters.Select(p => p.TypeText + " " + p.Name)
            .Append("global::System.Span<" + element + "> " + jacobian);
        writer.Open(spec.Accessibility + " static " + (spec.Form == ResultForm.Array ? element + "[]" : "void") + " "
            + JacobianMethodName(spec) + "(" + string.Join(", ", parameters) + ")");

        var arguments = spec.Parameters.Select(p => p.Name).ToList();
        if (value is not null)
        {
            writer.Line(element + "[] " + value + " = " + spec.Cref.Substring(0, spec.Cref.IndexOf('(')) + "(" + string.Join(", ", arguments) + ");   // the value, whose length is the number of rows");
        }

        writer.Line("// one row per output element (" + (value is not null ? "of the returned array" : string.Join(", then ", outputs.Select(o => o.TrimStart('@'))))
            + "), one column per differentiable input element (" + (inputs.Count == 0 ? "none" : string.Join(", then ", inputs.Select(p => p.Name.TrimStart('@')))) + ")");
        writer.Line("int " + rows + " = " + Sum(0, outputs.Select(o => o + ".Length").ToList()) + ";");
        writer.Line("int " + columns + " = " + Sum(constant, lengths) + ";");
        writer.Open("if (" + jacobian + ".Length != (long)" + rows + " * " + columns + ")");
        writer.Line("throw new global::System.ArgumentException(\"" + jacobian.TrimStart('@') + " has \" + " + jacobian + ".Length + \" elements; it needs rows × columns = \" + "
            + rows + " + \" × \" + " + columns + " + \".\", nameof(" + jacobian + "));");
        writer.Close();

        writer.Line();
        writer.Line("// Row i is the vector-Jacobian product with the i-th unit vector: the seeds are zero but for element i.");
        writer.Line("var " + seedBuffer + " = new global::DiffGen.PooledBuffer<" + element + ">(" + rows + ");");
        writer.Open("try");
        writer.Line("global::System.Span<" + element + "> " + seeds + " = " + seedBuffer + ".Span;");
        foreach (var matrix in inputs.Where(p => p.Shape == ParameterShape.Matrix))
        {
            writer.Line("var " + temporaries[matrix] + " = new " + element + "[" + matrix.Name + ".GetLength(0), " + matrix.Name + ".GetLength(1)];   // the gradient of " + matrix.Name.TrimStart('@') + ", once for every row");
        }

        writer.Open("for (int " + row + " = 0; " + row + " < " + rows + "; " + row + "++)");
        writer.Line("global::System.Span<" + element + "> " + jacobianRow + " = " + jacobian + ".Slice(" + row + " * " + columns + ", " + columns + ");");
        writer.Line(jacobianRow + ".Clear();   // gradient outputs accumulate: each row starts from zero");
        var scalars = inputs.Where(p => p.Shape == ParameterShape.Scalar).Select(p => temporaries[p] + " = 0").ToList();
        if (scalars.Count > 0)
        {
            writer.Line(element + " " + string.Join(", ", scalars) + ";");
        }

        foreach (var matrix in inputs.Where(p => p.Shape == ParameterShape.Matrix))
        {
            writer.Line("global::System.Array.Clear(" + temporaries[matrix] + ");");
        }

        writer.Line(seeds + "[" + row + "] = 1;");
        var outputOffset = new List<string>();
        var seedIndex = 0;
        foreach (var parameter in spec.Parameters.Where(p => p.IsDifferentiable || p.IsOutput))
        {
            if (parameter.IsOutput)
            {
                arguments.Add(seeds + ".Slice(" + Sum(0, outputOffset) + ", " + parameter.Name + ".Length)");
                outputOffset.Add(parameter.Name + ".Length");
                continue;
            }

            var column = columnOffsets[inputs.IndexOf(parameter)];
            arguments.Add(parameter.Shape switch
            {
                ParameterShape.Scalar => "ref " + temporaries[parameter],
                ParameterShape.Matrix => temporaries[parameter],
                _ => jacobianRow + ".Slice(" + column + ", " + parameter.Name + ".Length)",
            });
            seedIndex++;
        }

        if (value is not null)
        {
            arguments.Add(seeds);
        }

        writer.Line(spec.GradientName + "(" + string.Join(", ", arguments) + ");");
        writer.Line(seeds + "[" + row + "] = 0;");
        foreach (var input in inputs)
        {
            var column = columnOffsets[inputs.IndexOf(input)];
            if (input.Shape == ParameterShape.Scalar)
            {
                writer.Line(jacobianRow + "[" + column + "] = " + temporaries[input] + ";");
            }
            else if (input.Shape == ParameterShape.Matrix)
            {
                // Row-major, as the matrix is laid out: element [j, k] is column offset + j × (its columns) + k.
                var gradient = temporaries[input];
                var j = names.Claim("j");
                var k = names.Claim("k");
                writer.Open("for (int " + j + " = 0; " + j + " < " + gradient + ".GetLength(0); " + j + "++)");
                writer.Open("for (int " + k + " = 0; " + k + " < " + gradient + ".GetLength(1); " + k + "++)");
                writer.Line(jacobianRow + "[" + (column == "0" ? string.Empty : column + " + ") + j + " * " + gradient + ".GetLength(1) + " + k + "] = " + gradient + "[" + j + ", " + k + "];");
                writer.Close();
                writer.Close();
            }
        }

        writer.Close();
        writer.Close();
        writer.Open("finally");
        writer.Line(seedBuffer + ".Dispose();");
        writer.Close();
        if (value is not null)
        {
            writer.Line();
            writer.Line("return " + value + ";");
        }

        writer.Close();
    }

    /// <summary><c>{Method}Jacobian</c>.</summary>
    internal static string JacobianMethodName(MethodSpec spec) =>
        spec.GradientName.Substring(0, spec.GradientName.Length - "Gradient".Length) + "Jacobian";

    // constant + each length, as C#: "0", "2", "w.Length", "1 + w.Length + b.Length". The Hessian's size and offsets too.
    internal static string Sum(int constant, IReadOnlyList<string> lengths)
    {
        var terms = new List<string>();
        if (constant != 0 || lengths.Count == 0)
        {
            terms.Add(constant.ToString(CultureInfo.InvariantCulture));
        }

        terms.AddRange(lengths);
        return string.Join(" + ", terms);
    }
}
