using System.Collections.Generic;

namespace DiffGen.Generator.Tests.RandomPrograms;

// The random programs' syntax: a small subset of C# that the printer writes out in three dialects
// (the [Differentiable] original, its dual-number twin, and a double twin of a float program).

public abstract record Expr;

public sealed record Var(string Name) : Expr;

public sealed record Lit(double Value) : Expr;

public sealed record Negate(Expr Operand) : Expr;

/// <summary><c>+ − × ÷</c>; the generator only divides by expressions that cannot be zero.</summary>
public sealed record Binary(char Op, Expr Left, Expr Right) : Expr;

/// <summary>A <c>Math</c> function (<c>MathF</c> in float programs) by its name.</summary>
public sealed record Call(string Function, IReadOnlyList<Expr> Arguments) : Expr;

public sealed record Conditional(Condition Test, Expr Then, Expr Else) : Expr;

/// <summary>An array element at a constant or a loop counter known to stay within the array.</summary>
public sealed record Element(string Array, string Index) : Expr;

/// <summary>A call of another [Differentiable] method of the program.</summary>
public sealed record HelperCall(string Helper, IReadOnlyList<Expr> Arguments) : Expr;

public sealed record Condition(Expr Left, string Op, Expr Right);

public abstract record Stmt;

public sealed record Declare(string Name, Expr Value) : Stmt;

/// <summary><c>name op value;</c> with op one of <c>= += −= *=</c>.</summary>
public sealed record Assign(string Name, string Op, Expr Value) : Stmt;

public sealed record ElementWrite(string Array, string Index, string Op, Expr Value) : Stmt;

public sealed record If(Condition Test, IReadOnlyList<Stmt> Then, IReadOnlyList<Stmt>? Else) : Stmt;

/// <summary><c>for (int c = 0; c &lt; trips; c++)</c>, trips a constant or the int parameter <c>n</c>.</summary>
public sealed record For(string Counter, string Trips, IReadOnlyList<Stmt> Body) : Stmt;

/// <summary><c>int c = 0; while (c &lt; trips) { body; c++; }</c> (only <c>break</c> leaves it early).</summary>
public sealed record While(string Counter, string Trips, IReadOnlyList<Stmt> Body) : Stmt;

public sealed record BreakIf(Condition Test) : Stmt;

public sealed record ContinueIf(Condition Test) : Stmt;

public sealed record ReturnIf(Condition Test, Expr Value) : Stmt;

/// <summary>A [Differentiable] helper with scalar parameters and an expression body.</summary>
public sealed record Helper(string Name, IReadOnlyList<string> Parameters, Expr Body);

/// <summary>
/// One random program: scalar parameters x0…, optionally a differentiable array <c>w</c> and a constant
/// array <c>c</c> (length <see cref="ArrayLength"/>), the loop bound <c>n</c>, local arrays, helpers, a body
/// and its final return value; and the point to differentiate it at.
/// </summary>
public sealed record RandomProgram(
    int Id,
    bool IsFloat,
    int Scalars,
    bool HasWeights,
    bool HasConstants,
    int N,
    IReadOnlyList<string> LocalArrays,
    IReadOnlyList<Helper> Helpers,
    IReadOnlyList<Stmt> Body,
    Expr Result,
    IReadOnlyList<double> Point,
    IReadOnlyList<double> ConstantValues)
{
    public const int ArrayLength = 4;

    /// <summary>How many differentiable inputs: the scalars, then the elements of w.</summary>
    public int Inputs => Scalars + (HasWeights ? ArrayLength : 0);
}
