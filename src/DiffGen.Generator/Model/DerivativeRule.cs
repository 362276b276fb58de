namespace DiffGen.Generator.Model;

/// <summary>
/// The local partial derivative of an operation with respect to one argument, as data: a C#
/// template and the same mathematics for the comment on the generated line.
/// </summary>
/// <param name="Code">
/// C# template: <c>{0}</c>, <c>{1}</c>, <c>{2}</c> are the arguments, <c>{r}</c> the result,
/// <c>{T}</c> the type keyword (<c>double</c> or <c>float</c>), <c>{c:0.5}</c> a literal of that type.
/// <c>1</c> and <c>-1</c> are recognized and emitted as a plain add or subtract; <c>0</c> contributes nothing.
/// </param>
/// <param name="Math">The derivative in mathematical notation, with the same placeholders.</param>
/// <param name="Singular">
/// Whether it can be infinite or NaN at finite arguments (1/x at 0). Such a line is guarded so that a
/// zero adjoint contributes exactly zero (the strong-zero convention).
/// </param>
internal sealed record Partial(string Code, string Math, bool Singular = false)
{
    public bool IsOne => Code == "1";

    public bool IsMinusOne => Code == "-1";
}

/// <summary>A function and its partial derivatives, one per argument.</summary>
internal sealed record DerivativeRule(string Name, EquatableArray<Partial> Partials)
{
    public int Arity => Partials.Count;
}
