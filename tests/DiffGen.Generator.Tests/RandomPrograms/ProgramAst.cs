using System.Collections.Generic;

namespace DiffGen.Generator.Tests.RandomPrograms;

// The random programs' syntax: a small subset of C# that the printer writes out in three dialects
// (the [Differentiable] original, its dual-number twin, and a double twin of a float program).
// Control flow and integer arithmetic (indices, counters, switch subjects) are printed verbatim in all
// three, so the twins take the same paths as the original by construction.

public abstract record Expr;

public sealed record Var(string Name) : Expr;

public sealed record Lit(double Value) : Expr;

public sealed record Negate(Expr Operand) : Expr;

/// <summary><c>+ − × ÷</c>; the generator only divides by expressions that cannot be zero.</summary>
public sealed record Binary(char Op, Expr Left, Expr Right) : Expr;

/// <summary><c>(t1 op t2 op … op tk)</c> in one expression, without nested parentheses: a long sum or product.</summary>
public sealed record Chain(char Op, IReadOnlyList<Expr> Terms) : Expr;

/// <summary>A <c>Math</c> function (<c>MathF</c> in float programs) by its name.</summary>
public sealed record Call(string Function, IReadOnlyList<Expr> Arguments) : Expr;

public sealed record Conditional(Condition Test, Expr Then, Expr Else) : Expr;

/// <summary>An array or span element; the index is integer C# printed verbatim, known to stay within the array.</summary>
public sealed record Element(string Array, string Index) : Expr;

/// <summary>
/// A call of another [Differentiable] method of the program. <see cref="Arguments"/> are in parameter order;
/// <see cref="Order"/>, when given, is the source order of named arguments (<c>H(p1: …, p0: …)</c>).
/// </summary>
public sealed record HelperCall(string Helper, IReadOnlyList<Expr> Arguments, IReadOnlyList<int>? Order = null) : Expr;

/// <summary>
/// LINQ over an array: <c>Source.Reducer(p => Body)</c> for Sum, Max, Min and Average, or for ZipSum
/// <c>Source.Zip(Second, (p0, p1) => Body).Sum()</c>.
/// </summary>
public sealed record LinqReduce(string Reducer, string Source, string? Second, IReadOnlyList<string> Parameters, Expr Body) : Expr;

/// <summary><c>Call[Index]</c>: an element of a helper's array result.</summary>
public sealed record HelperElement(HelperCall Call, string Index) : Expr;

/// <summary><c>Call.Item1</c> or <c>Call.Item2</c> of a helper's tuple result.</summary>
public sealed record HelperItem(HelperCall Call, int Item) : Expr;

/// <summary><c>(name = value)</c>: an assignment used as a value, a side effect inside an argument.</summary>
public sealed record AssignValue(string Name, Expr Value) : Expr;

public sealed record Condition(Expr Left, string Op, Expr Right);

public abstract record Stmt;

public sealed record Declare(string Name, Expr Value) : Stmt;

/// <summary><c>name op value;</c> with op one of <c>= += −= *=</c>.</summary>
public sealed record Assign(string Name, string Op, Expr Value) : Stmt;

/// <summary><c>array[index] op value;</c> with op one of <c>= += −= *= /=</c> (division only by a positive value).</summary>
public sealed record ElementWrite(string Array, string Index, string Op, Expr Value) : Stmt;

/// <summary><c>{ … }</c>: a template's statements in their own scope.</summary>
public sealed record BlockStatement(IReadOnlyList<Stmt> Body) : Stmt;

/// <summary>
/// A local function <c>T Name(T Parameter) { Body; return Result; }</c> declared where it stands: its body may
/// return early and assign the method's locals (it is lowered where it is called).
/// </summary>
public sealed record LocalFunction(string Name, string Parameter, IReadOnlyList<Stmt> Body, Expr Result) : Stmt;

/// <summary><c>Name(Argument)</c>: a call of a local function.</summary>
public sealed record LocalCall(string Name, Expr Argument) : Expr;

/// <summary><c>var Name = new T[2, 3];</c>: a local matrix.</summary>
public sealed record DeclareMatrix(string Name) : Stmt;

/// <summary><c>var Name = new T[4];</c> inside a loop body: a new array each iteration.</summary>
public sealed record DeclareArray(string Name, int Length = RandomProgram.ArrayLength) : Stmt;

/// <summary><c>var Name = Call;</c>: a helper's array result.</summary>
public sealed record DeclareArrayFrom(string Name, HelperCall Call) : Stmt;

/// <summary><c>(First, Second) = (Second, First);</c>: two local arrays swapped.</summary>
public sealed record SwapArrays(string First, string Second) : Stmt;

/// <summary><c>var (First, Second) = Call;</c>: a helper's tuple result.</summary>
public sealed record DeconstructCall(string First, string Second, HelperCall Call) : Stmt;

public sealed record If(Condition Test, IReadOnlyList<Stmt> Then, IReadOnlyList<Stmt>? Else) : Stmt;

/// <summary>
/// How a <c>for</c> loop counts: its counter's integer type, the first index <see cref="From"/>, the direction
/// and whether its bound is inclusive (<c>&lt;=</c>, <c>&gt;=</c>). Every form visits the indices From … trips − 1
/// (in some order); <see cref="Index"/> is the C# expression of the current one.
/// </summary>
/// <param name="Written">How an int counter counting up to an exclusive bound is tested, the same trips each way:
/// <c>c &lt; b</c>, <c>c + 1 &lt; b + 1</c>, <c>b &gt; c</c>, <c>1 + c &lt;= b</c>.</param>
public sealed record Counting(string Type = "int", int From = 0, bool Down = false, bool Inclusive = false, int Written = 0)
{
    public static readonly Counting Default = new();

    public bool Unsigned => Type is "uint" or "ulong";

    /// <summary>Whether the counter runs one past the index (the index is <c>counter − 1</c>).</summary>
    public bool Offset => Down ? !Inclusive || Unsigned : Inclusive;

    public string Index(string counter) => Offset ? "(" + counter + " - 1)" : counter;
}

/// <summary><c>for (T c = …; c … trips; c±±)</c>, trips a constant, the int parameter <c>n</c> or <c>q.Length</c>.</summary>
public sealed record For(string Counter, string Trips, IReadOnlyList<Stmt> Body, Counting? Counting = null) : Stmt;

/// <summary><c>int c = 0; while (c &lt; trips) { body; c++; }</c> (only <c>break</c> leaves it early).</summary>
public sealed record While(string Counter, string Trips, IReadOnlyList<Stmt> Body) : Stmt;

/// <summary>
/// <c>int c = 0; do { body; c++; } while (c &lt; trips);</c>, or with the increment in the condition
/// (<c>while (++c &lt; trips)</c>), which lets the body <c>continue</c>. Trips are at least 1.
/// </summary>
public sealed record DoWhile(string Counter, string Trips, IReadOnlyList<Stmt> Body, bool IncrementInCondition) : Stmt;

/// <summary><c>foreach (var v in array) body</c>; v is read-only.</summary>
public sealed record Foreach(string Variable, string Array, IReadOnlyList<Stmt> Body) : Stmt;

/// <summary><c>case</c> labels sharing one section, its body closed by <c>break</c> unless it ends in <c>return</c>.</summary>
public sealed record SwitchSection(IReadOnlyList<int> Labels, IReadOnlyList<Stmt> Body);

/// <summary><c>switch (subject)</c> on an integer written verbatim, with an optional <c>default</c> section.</summary>
public sealed record Switch(string Subject, IReadOnlyList<SwitchSection> Sections, IReadOnlyList<Stmt>? Default) : Stmt;

public sealed record BreakIf(Condition Test) : Stmt;

public sealed record ContinueIf(Condition Test) : Stmt;

public sealed record ReturnIf(Condition Test, Expr Value) : Stmt;

/// <summary>An unconditional <c>return</c>; only ever the last statement of a block.</summary>
public sealed record Return(Expr Value) : Stmt;

public enum ParameterKind
{
    /// <summary>A differentiable scalar.</summary>
    Scalar,

    /// <summary>
    /// A <c>[NoDerivative]</c> scalar. Callers may pass values that depend on the inputs: DiffGen then pulls
    /// back through the callee's full gradient (the dual twin takes it as a dual number).
    /// </summary>
    Constant,

    /// <summary>A differentiable array (length 4 at every call).</summary>
    Array,

    /// <summary>A <c>[NoDerivative]</c> array: only the rejected shape passes it a varied array (DG0014).</summary>
    ConstantArray,
}

public sealed record HelperParameter(string Name, ParameterKind Kind);

/// <summary>What a helper returns: a number, a new array of length 4 (<c>Result</c> names it), or a pair (<c>(Result, Second)</c>).</summary>
public enum HelperResult
{
    Scalar,
    Array,
    Tuple,
}

/// <summary>
/// A helper: an expression body when <see cref="Body"/> is empty, else a block ending in <c>return Result</c>.
/// <paramref name="Marked"/>: [Differentiable] (an unmarked one, or one whose result is not a number, is differentiated in each caller).
/// </summary>
public sealed record Helper(
    string Name,
    IReadOnlyList<HelperParameter> Parameters,
    IReadOnlyList<Stmt> Body,
    Expr Result,
    bool Marked = true,
    HelperResult Returns = HelperResult.Scalar,
    Expr? Second = null);

/// <summary>A local array (<c>new T[4]</c>) or span (<c>stackalloc T[4]</c>) declared at the top of the method.</summary>
public sealed record LocalArray(string Name, bool IsSpan);

/// <summary>
/// One random program: scalar parameters x0…, optionally a differentiable array <c>w</c> and a constant
/// array <c>c</c> (length <see cref="ArrayLength"/>), the loop bound <c>n</c>, local arrays, helpers, a body
/// and its final return value; the point to differentiate it at; and the names of the shapes it contains
/// (see <see cref="ProgramGenerator.Shapes"/>).
/// </summary>
public sealed record RandomProgram(
    int Id,
    bool IsFloat,
    int Scalars,
    bool HasWeights,
    bool HasConstants,
    int N,
    IReadOnlyList<LocalArray> LocalArrays,
    IReadOnlyList<Helper> Helpers,
    IReadOnlyList<Stmt> Body,
    Expr Result,
    IReadOnlyList<double> Point,
    IReadOnlyList<double> ConstantValues,
    IReadOnlySet<string> Shapes,
    bool AsModel = false,
    bool WeightsInArray = false,
    bool InitOnly = false,
    bool EnumMode = false,
    bool WeightsInNullable = false)
{
    public const int ArrayLength = 4;

    /// <summary>How many differentiable inputs: the scalars, then the elements of w.</summary>
    public int Inputs => Scalars + (HasWeights ? ArrayLength : 0);
}
