namespace DiffGen.Generator.Model;

/// <summary>What a model type holds for <c>ParameterSet.FromModel</c>: its trainable members by path, for a generated registration.</summary>
/// <param name="HintName">The generated file's name.</param>
/// <param name="TypeText">The model type, fully qualified.</param>
/// <param name="Element">The floating-point type its members are trained in (the [Differentiable] method's precision).</param>
/// <param name="Members">Its trainable members, in declaration order, nested models flattened.</param>
/// <param name="LeftOut">Floating-point members left out, each with why (not accessible from generated code, not settable).</param>
internal sealed record ModelLayoutSpec(string HintName, string TypeText, TypeRef Element, EquatableArray<LayoutMember> Members, EquatableArray<string> LeftOut);

/// <summary>One trainable member of a model: an array, a scalar, or an array of models with members of their own.</summary>
/// <param name="Path">Its name in a parameter set, below the enclosing model (<c>Hidden1.W</c>).</param>
/// <param name="Access">How it is read from the enclosing model, without the model (<c>.Hidden1.W</c>).</param>
/// <param name="Kind">Array, scalar or an array of models.</param>
/// <param name="Elements">For an array of models: the members of each element.</param>
/// <param name="Storage">A scalar that cannot be assigned (init-only, readonly) of a class: written through its field's [UnsafeAccessor].</param>
internal sealed record LayoutMember(string Path, string Access, LayoutKind Kind, EquatableArray<LayoutMember> Elements = default, FieldStorage? Storage = null);

internal enum LayoutKind
{
    /// <summary>A <c>double[]</c> or <c>float[]</c>: trained in place.</summary>
    Array,

    /// <summary>A settable <c>double</c> or <c>float</c> field or property.</summary>
    Scalar,

    /// <summary>An array of models, each element's members listed under <c>Path[i]</c>.</summary>
    ModelArray,
}
