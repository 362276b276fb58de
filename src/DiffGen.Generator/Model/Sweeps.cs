using DiffGen.Generator.Differentiation;

namespace DiffGen.Generator.Model;

// The differentiated method, still free of C# syntax: the forward sweep (the primal statements) and
// the reverse sweep (adjoint accumulations), which Emission spells out.

/// <summary>A statement of the forward or reverse sweep.</summary>
internal abstract record SweepStatement;

/// <summary>A comment line: the source statement a group of lines comes from.</summary>
internal sealed record SweepComment(string Text) : SweepStatement;

/// <summary>A primal assignment; <paramref name="Declare"/> when it also declares its variable.</summary>
internal sealed record PrimalStatement(AssignStatement Assignment, bool Declare) : SweepStatement;

/// <summary>Declares variables zero-initialized (primals assigned in branches, adjoints accumulated in branches).</summary>
internal sealed record DeclareZero(TypeRef Type, EquatableArray<string> Names) : SweepStatement;

/// <summary>A branch; in the reverse sweep it re-tests the condition the forward sweep computed.</summary>
internal sealed record SweepBranch(Operand Condition, EquatableArray<SweepStatement> Then, EquatableArray<SweepStatement> Else) : SweepStatement;

/// <summary><c>Target = seed</c>: the adjoint of the result is the incoming adjoint.</summary>
internal sealed record SeedStatement(string Target, TypeRef Type, string Seed) : SweepStatement;

/// <summary>Where an adjoint lives: a local (<c>du3</c>), a <c>ref</c> output (<c>dw</c>) or an element of a span output (<c>dw[u4]</c>).</summary>
/// <param name="Name">The adjoint's identifier.</param>
/// <param name="Index">The element index for span outputs.</param>
/// <param name="PrimalName">The primal it is the adjoint of, for the comment (<c>∂u3/∂w[u4]</c>).</param>
internal sealed record AdjointRef(string Name, Operand? Index, string PrimalName);

/// <summary>
/// One step of the chain rule: <c>Target += Source × ∂(result)/∂(argument)</c>, where the local
/// derivative is <paramref name="Partial"/> evaluated at <paramref name="Arguments"/> and <paramref name="Result"/>.
/// </summary>
/// <param name="Declare">Declare the target with this first contribution (<c>double du1 = …</c>).</param>
/// <param name="StrongZero">Guard with <c>if (source != 0)</c>: the local derivative can be infinite.</param>
/// <param name="Type">The type the partial is computed in (the operation's type).</param>
/// <param name="TargetType">The target adjoint's type (differs across a float/double conversion).</param>
internal sealed record AccumulateStatement(
    AdjointRef Target,
    string Source,
    string SourcePrimalName,
    Partial Partial,
    EquatableArray<Operand> Arguments,
    Operand Result,
    TypeRef Type,
    TypeRef TargetType,
    bool Declare,
    bool StrongZero) : SweepStatement;

/// <summary>
/// The pullback of a call to another differentiable method: its generated gradient, seeded with the
/// call's adjoint, accumulating into the arguments' adjoints (or a discarded scratch for constants).
/// </summary>
internal sealed record PullbackCall(CalleeSpec Callee, EquatableArray<Operand> Arguments, EquatableArray<CallOutput> Outputs, string Seed) : SweepStatement;

/// <summary>A gradient output passed to a callee: a <c>ref</c> scalar adjoint, or a span (an output span, or a scratch array for a constant).</summary>
internal sealed record CallOutput(string Expression, bool ByReference);

/// <summary>The gradient method's body: forward sweep, reverse sweep, returned value.</summary>
internal sealed record GradientBody(
    EquatableArray<IrVariable> Variables,
    EquatableArray<SweepStatement> Forward,
    EquatableArray<SweepStatement> Reverse,
    Operand Result);

/// <summary>What goes out of the pipeline for one method: its spec and its differentiated body.</summary>
internal sealed record GradientMethod(MethodSpec Spec, GradientBody Body);
