
namespace DiffGen.Generator.Model;

/// <summary>A type that encloses the method, as it is re-opened in generated code.</summary>
/// <param name="Keyword"><c>class</c>, <c>struct</c>, <c>record</c>, <c>record struct</c> or <c>interface</c>.</param>
/// <param name="Name">The name with its type parameters, e.g. <c>Outer&lt;T&gt;</c>.</param>
internal sealed record ContainingTypeSpec(string Keyword, string Name);

/// <summary>A parameter of the <c>[Differentiable]</c> method.</summary>
/// <param name="Name">As declared (escaped with <c>@</c> when a keyword).</param>
/// <param name="TypeText">Its type as spelled in the gradient method's signature.</param>
/// <param name="Shape">Scalar, array or span.</param>
/// <param name="Type">Its scalar (or element) type.</param>
/// <param name="GradientName">The gradient output's name (<c>d</c> + name, made unique), or null for a constant.</param>
/// <param name="Variable">The IR variable that holds it.</param>
/// <param name="IncomingAdjoint">
/// For an output of a vector-valued method (an array or span it writes): the name of the gradient
/// method's <c>ReadOnlySpan</c> parameter holding the incoming adjoint of its elements (<c>d</c> + name); null otherwise.
/// </param>
/// <param name="Written">Whether the method writes its elements (an output, or a [NoDerivative] scratch buffer).</param>
/// <param name="Member">For a member of a model (a parameter of a model type, or <c>this</c>): where it is read and where its gradient goes.</param>
internal sealed record ParameterSpec(string Name, string TypeText, ParameterShape Shape, TypeRef Type, string? GradientName, int Variable, string? IncomingAdjoint = null, bool Written = false, ModelMember? Member = null)
{
    public bool IsDifferentiable => GradientName is not null;

    public bool IsOutput => IncomingAdjoint is not null;
}

/// <summary>What a <c>[Differentiable]</c> method computes, which decides its generated methods.</summary>
internal enum ResultForm
{
    /// <summary>Returns a <c>double</c> or <c>float</c>: <c>{Method}Gradient</c> with <c>seed = 1</c>.</summary>
    Scalar,

    /// <summary>Returns void and writes its outputs into array or span parameters: a vector-Jacobian product and <c>{Method}Jacobian</c>.</summary>
    Outputs,

    /// <summary>Returns a new <c>double[]</c> or <c>float[]</c>: a vector-Jacobian product with a <c>ReadOnlySpan</c> seed, and <c>{Method}Jacobian</c>.</summary>
    Array,
}

/// <summary>A member of a model read by the body: a leaf of the model's tree of fields and properties.</summary>
/// <param name="Access">How the generated method reads it, e.g. <c>model.Layers1.W</c>.</param>
/// <param name="GradientAccess">Where its gradient goes, e.g. <c>dmodel.Layers1.W</c>: the array itself, or the scalar the gradient is added to.</param>
/// <param name="ByWith">An init-only property of a struct: its gradient is added by replacing the struct (<c>d = d with { X = d.X + dX }</c>).</param>
/// <param name="OfModels">An array of models (<c>Layers</c>): its gradient is the gradient model's array of the same models.</param>
/// <param name="Storage">An init-only auto-property or readonly field of a class: the field its gradient is added to, through an [UnsafeAccessor].</param>
internal sealed record ModelMember(string Access, string GradientAccess, bool ByWith = false, bool OfModels = false, FieldStorage? Storage = null);

/// <summary>A field generated code reaches with <c>[UnsafeAccessor(UnsafeAccessorKind.Field)]</c>.</summary>
/// <param name="Field">Its name: <c>&lt;Kappa&gt;k__BackingField</c> for an auto-property.</param>
/// <param name="OwnerTypeText">The class that declares it.</param>
internal sealed record FieldStorage(string Field, string OwnerTypeText);

/// <summary>A parameter of a model type (a struct, class or record), or the instance of an instance method.</summary>
/// <param name="Name">As declared; <c>this</c> for the instance.</param>
/// <param name="TypeText">Its type as spelled in the signature.</param>
/// <param name="GradientName">Its gradient output's name, or null when it has none ([NoDerivative], or no floating-point members).</param>
/// <param name="ByReference">A value type: its gradient output is a <c>ref</c>.</param>
/// <param name="Position">Its index among the method's parameters; -1 for the instance.</param>
internal sealed record ModelSpec(string Name, string TypeText, string? GradientName, bool ByReference, int Position);

/// <summary>The names of the methods generated beside a gradient: <c>FTangent</c> beside <c>FGradient</c>, <c>FFullTangent_</c> beside <c>FFullGradient_</c>.</summary>
internal static class SiblingNames
{
    /// <summary>The gradient method's name (or fully qualified name) with its last <c>Gradient</c> replaced by <paramref name="what"/>.</summary>
    public static string Of(string gradientMethod, string what)
    {
        var at = gradientMethod.LastIndexOf("Gradient", System.StringComparison.Ordinal);
        return at < 0 ? gradientMethod + what : gradientMethod.Substring(0, at) + what + gradientMethod.Substring(at + "Gradient".Length);
    }
}

/// <summary>Everything needed to emit one gradient method: the cached model of the pipeline.</summary>
/// <remarks>Structural equality throughout; holds no Roslyn symbol, node or location.</remarks>
/// <param name="Graph">Whether <c>[Differentiable(Graph = true)]</c> asks for the <c>{Method}Graph</c> method too.</param>
/// <param name="Form">Scalar, or one of the vector-valued forms.</param>
/// <param name="JacobianName">For a vector-valued method: the <c>{Method}Jacobian</c> method's matrix parameter (<c>jacobian</c>, made unique).</param>
/// <param name="Models">The model parameters (and the instance), whose members the body reads: the <see cref="ParameterSpec"/>s with a <see cref="ParameterSpec.Member"/>.</param>
/// <param name="IsInstance">An instance method: so is its gradient.</param>
internal sealed record MethodSpec(
    string HintName,
    string? Namespace,
    EquatableArray<ContainingTypeSpec> ContainingTypes,
    string Accessibility,
    string Name,
    string GradientName,
    string Cref,
    TypeRef ReturnType,
    EquatableArray<ParameterSpec> Parameters,
    string SeedName,
    IrProgram Body,
    bool IsFull = false,
    bool Graph = false,
    ResultForm Form = ResultForm.Scalar,
    string? JacobianName = null,
    EquatableArray<ModelSpec> Models = default,
    bool IsInstance = false);
