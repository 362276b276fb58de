using System.Linq;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Emission;

/// <summary>
/// Writes a model type's registration for <c>ParameterSet&lt;T&gt;.FromModel</c>: a module initializer that tells
/// the runtime how to list the model's trainable members, with the gradient model's same members beside them.
/// No reflection at run time: the listing is this generated code.
/// </summary>
internal static class ModelLayoutEmitter
{
    public static string Emit(ModelLayoutSpec layout, string version)
    {
        var writer = new IndentedWriter();
        GeneratedFile.Header(writer, "for the model type " + layout.TypeText.Replace("global::", string.Empty) + ", read by a [Differentiable] method");
        writer.Line("#pragma warning disable CA2255 // a module initializer is how a generated registration runs before any use");
        writer.Line();
        writer.Line("/// <summary>Lists the trainable members of " + CSharpSpelling.Xml(layout.TypeText.Replace("global::", string.Empty)) + " for ParameterSet.FromModel, by member path.</summary>");
        writer.Line("[global::System.CodeDom.Compiler.GeneratedCode(\"DiffGen\", \"" + version + "\")]");
        writer.Open("internal static class " + ClassName(layout));
        if (layout.LeftOut.Count > 0)
        {
            writer.Line("// Left out of ParameterSet.FromModel:");
            foreach (var reason in layout.LeftOut)
            {
                writer.Line("//   " + reason);
            }

            writer.Line();
        }

        writer.Line("[global::System.Runtime.CompilerServices.ModuleInitializer]");
        writer.Open("internal static void Register()");
        var element = layout.Element.Name;
        writer.Open("global::DiffGen.ModelLayout<" + layout.TypeText + ", " + element + ">.Register(static (model, gradient, members) =>");
        var accessors = new System.Collections.Generic.List<(string Name, FieldStorage Storage, bool IsArray)>();
        WriteMembers(writer, layout.Members, "model", "gradient", "\"", 0, element, accessors);
        writer.Close(");");
        writer.Close();
        foreach (var (name, storage, isArray) in accessors)
        {
            // A private, init-only or readonly member: reached through the field behind it.
            writer.Line();
            writer.Line("[global::System.Runtime.CompilerServices.UnsafeAccessor(global::System.Runtime.CompilerServices.UnsafeAccessorKind.Field, Name = \"" + storage.Field + "\")]");
            writer.Line("private static extern ref " + element + (isArray ? "[]" : string.Empty) + " " + name + "(" + storage.OwnerTypeText + " owner);");
        }

        writer.Close();
        return writer.ToString();
    }

    // pathPrefix is C# text that starts a string expression: "\"" at the top, "\"Layers[\" + i0 + \"]." below.
    private static void WriteMembers(IndentedWriter writer, EquatableArray<LayoutMember> members, string model, string gradient, string pathPrefix, int depth,
        string element, System.Collections.Generic.List<(string Name, FieldStorage Storage, bool IsArray)> accessors)
    {
        foreach (var member in members)
        {
            var path = pathPrefix + member.Path + "\"";
            switch (member.Kind)
            {
                case LayoutKind.Array when member.Storage is { } arrayStorage:
                    var arrayAccessor = "Field" + accessors.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    accessors.Add((arrayAccessor, arrayStorage, true));
                    writer.Line("members.Array(" + path + ", " + arrayAccessor + "(" + Owner(model + member.Access) + "), " + arrayAccessor + "(" + Owner(gradient + member.Access) + "));");
                    break;
                case LayoutKind.Array:
                    writer.Line("members.Array(" + path + ", " + model + member.Access + ", " + gradient + member.Access + ");");
                    break;
                case LayoutKind.Scalar when member.Storage is { } storage:
                    var accessor = "Field" + accessors.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    accessors.Add((accessor, storage, false));
                    var (modelOwner, gradientOwner) = (Owner(model + member.Access), Owner(gradient + member.Access));
                    writer.Line("members.Scalar(" + path
                        + ", () => " + accessor + "(" + modelOwner + "), value => " + accessor + "(" + modelOwner + ") = value"
                        + ", () => " + accessor + "(" + gradientOwner + "), value => " + accessor + "(" + gradientOwner + ") = value);");
                    break;
                case LayoutKind.Scalar:
                    writer.Line("members.Scalar(" + path
                        + ", () => " + model + member.Access + ", value => " + model + member.Access + " = value"
                        + ", () => " + gradient + member.Access + ", value => " + gradient + member.Access + " = value);");
                    break;
                case LayoutKind.ModelArray:
                    var i = "i" + depth;
                    writer.Open("for (int " + i + " = 0; " + i + " < " + model + member.Access + ".Length; " + i + "++)");
                    writer.Line("var model" + (depth + 1) + " = " + model + member.Access + "[" + i + "];");
                    writer.Line("var gradient" + (depth + 1) + " = " + gradient + member.Access + "[" + i + "];");
                    WriteMembers(writer, member.Elements, "model" + (depth + 1), "gradient" + (depth + 1), pathPrefix + member.Path + "[\" + " + i + " + \"].", depth + 1, element, accessors);
                    writer.Close();
                    break;
                default:
                    throw new System.InvalidOperationException("Unknown layout member kind " + member.Kind);
            }
        }
    }

    private static string Owner(string access) => access.Substring(0, access.LastIndexOf('.'));

    private static string ClassName(ModelLayoutSpec layout) =>
        "DiffGenModelLayout_" + new string(layout.TypeText.Replace("global::", string.Empty).Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray()) + "_" + layout.Element.Name;
}
