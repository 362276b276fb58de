namespace DiffGen.Generator.Model;

// The three-address intermediate representation of a [Differentiable] body. Lowering produces it,
// analysis reads it, differentiation turns it into forward and reverse sweeps. Every record has
// structural equality: the IR is part of the cached incremental model.
//
// Each assignment computes one operation into a fresh variable u1..un (static single assignment),
// so a value is never overwritten and the reverse sweep can read every primal it needs. The one
// exception is a merge variable, which each branch of an `if` assigns (a φ written as copies).

/// <summary>Where a variable comes from.</summary>
internal enum VariableOrigin
{
    /// <summary>A parameter of the method, read as it was passed.</summary>
    Parameter,

    /// <summary>An intermediate <c>u1..un</c> born in lowering.</summary>
    Intermediate,

    /// <summary>
    /// An array or span parameter that a vector-valued method writes: its outputs. Lowered like a local
    /// array whose storage is the caller's (its initial elements are the caller's values, constants).
    /// </summary>
    Output,
}

/// <summary>A typed variable of the IR.</summary>
/// <param name="Id">Index in <see cref="IrProgram.Variables"/>.</param>
/// <param name="Name">Its name in generated code (a parameter's own name, or <c>u</c>k).</param>
/// <param name="Type">Its type; arrays and spans give their element type.</param>
/// <param name="Origin">Parameter or intermediate.</param>
/// <param name="Shape">For parameters: scalar, array or span.</param>
internal sealed record IrVariable(int Id, string Name, TypeRef Type, VariableOrigin Origin, ParameterShape Shape);

/// <summary>An operand: a variable or a literal.</summary>
internal abstract record Operand;

/// <summary>A reference to an IR variable.</summary>
internal sealed record VariableOperand(int Id) : Operand;

/// <summary>A constant already spelled as C# (invariant culture, round-trippable, typed suffix).</summary>
internal sealed record LiteralOperand(string Text, TypeRef Type) : Operand;

internal enum BinaryOperator
{
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    And,
    Or,
    ExclusiveOr,
    LeftShift,
    RightShift,
}

internal enum UnaryOperator
{
    Negate,
    Not,
    BitwiseNot,
}

/// <summary>One operation; the type of its result is the type of the variable it is assigned to.</summary>
internal abstract record Operation;

/// <summary><c>u = a</c>.</summary>
internal sealed record CopyOperation(Operand Value) : Operation;

/// <summary><c>u = a op b</c>; <paramref name="Checked"/>: integer overflow throws, as in a <c>checked</c> context.</summary>
internal sealed record BinaryOperation(BinaryOperator Operator, Operand Left, Operand Right, bool Checked = false) : Operation;

/// <summary><c>u = op a</c>; <paramref name="Checked"/>: integer overflow throws.</summary>
internal sealed record UnaryOperation(UnaryOperator Operator, Operand Value, bool Checked = false) : Operation;

/// <summary><c>u = (T)a</c>, to the type of the target; <paramref name="Checked"/>: an out-of-range value throws.</summary>
internal sealed record ConversionOperation(Operand Value, bool Checked = false) : Operation;

/// <summary>
/// <c>u = Condition ? WhenTrue : WhenFalse</c>, both operands already computed: a local derivative that differs by
/// region (a kink, a tie), as forward mode lowers it. The adjoint goes to the operand selected.
/// </summary>
internal sealed record SelectOperation(Operand Condition, Operand WhenTrue, Operand WhenFalse) : Operation;

/// <summary>A call of an elementary function with a derivative rule (<c>Math.Sin</c> and friends).</summary>
/// <param name="Function">The rule's name, e.g. <c>Sin</c>.</param>
internal sealed record IntrinsicCall(string Function, EquatableArray<Operand> Arguments) : Operation;

/// <summary>
/// A call of a method without a derivative, spelled as it is to be emitted. Allowed when its
/// floating-point arguments are constants, or when <paramref name="PiecewiseConstant"/> (Floor,
/// Sign, …), whose derivative is zero wherever it exists.
/// </summary>
/// <param name="Site">
/// Which call of the method's body this is, in the order they were lowered: where it is in the source is the
/// parser's to know (for DG0009), never the IR's, so typing above a method leaves its IR, and its gradient, cached.
/// </param>
internal sealed record OpaqueCall(string Method, EquatableArray<Operand> Arguments, bool PiecewiseConstant, int Site) : Operation;

/// <summary>A call of another <c>[Differentiable]</c> method, differentiated through its generated gradient.</summary>
internal sealed record DifferentiableCall(CalleeSpec Callee, EquatableArray<Operand> Arguments) : Operation;

/// <summary>
/// <c>u = Callee.FTangent(arguments, tangents, out Tangent)</c>: a call of another differentiable method in a tangent
/// program, its value into the target and its tangent into <paramref name="Tangent"/>. Reverse mode over it (H·v)
/// pulls back through the callee's gradient (the value's adjoint) and its Hessian-vector product (the tangent's).
/// </summary>
/// <param name="Tangents">One per parameter the callee's tangent takes: the argument's tangent (a zero array for a constant array).</param>
/// <param name="Full">
/// A varied value is passed to a [NoDerivative] floating scalar: the callee's full methods (<c>FFullTangent</c>,
/// <c>FFullHessianVector</c>), which take a tangent for it too, as the full gradient has an output for it.
/// </param>
internal sealed record TangentCall(CalleeSpec Callee, EquatableArray<Operand> Arguments, EquatableArray<Operand> Tangents, int Tangent, bool Full = false) : Operation
{
    /// <summary>The callee's generated method with this suffix: <c>FTangent</c>, <c>FHessianVector</c> (or the full ones).</summary>
    public string Method(string suffix)
    {
        return SiblingNames.Of(Full ? Callee.FullGradientMethod! : Callee.GradientMethod, suffix);
    }

    /// <summary>Whether the callee's tangent takes a tangent for parameter <paramref name="index"/>.</summary>
    public bool TakesTangent(int index) => Callee.Parameters[index].Differentiable || (Full && Callee.Parameters[index].InFullGradient);
}

/// <summary><c>u = Ns.Type.Member</c>: a <c>static readonly</c> field (a coefficient, a table), constant for the call.</summary>
/// <param name="Member">Fully qualified: <c>global::Ns.Type.Table</c>.</param>
internal sealed record StaticRead(string Member) : Operation;

/// <summary><c>u = a[i]</c> of an array or span parameter.</summary>
internal sealed record ElementRead(int Array, Operand Index) : Operation;

/// <summary><c>u = a[i]</c> of a jagged <c>[NoDerivative]</c> parameter: a row, itself an array (a constant: no adjoint).</summary>
internal sealed record RowRead(int Array, Operand Index) : Operation;

/// <summary>
/// <c>u = models[i].Member</c>: a member of an element of an array of models (<c>Layers[l].W</c>), a scalar or an
/// array (a row the body reads, never writes). Its adjoint goes to the same member of the gradient model's element.
/// </summary>
/// <param name="Models">The variable of the array of models (a model member read as it is).</param>
/// <param name="Member">The member's path below the element, with its leading dot: <c>.W</c>, <c>.Inner.Scale</c>.</param>
/// <param name="Differentiable">Whether a derivative flows to it: not a [NoDerivative] member, nor one of a [NoDerivative] model.</param>
/// <param name="ConvertTo">For an enum member: the integer type it is read as.</param>
internal sealed record ModelElementRead(int Models, Operand Index, string Member, bool Differentiable, string? ConvertTo = null) : Operation;

/// <summary><c>u = m[i, j]</c> of a <c>[NoDerivative]</c> matrix parameter (a constant: no adjoint).</summary>
internal sealed record MatrixRead(int Array, Operand Row, Operand Column) : Operation;

/// <summary><c>u = m.GetLength(Dimension)</c> of a matrix parameter.</summary>
internal sealed record DimensionRead(int Array, int Dimension) : Operation;

/// <summary><c>u = a.Length</c>.</summary>
internal sealed record LengthRead(int Array) : Operation;

/// <summary><c>a = new T[n]</c> (or <c>stackalloc T[n]</c>): a local array, zero-initialized.</summary>
internal sealed record ArrayAllocation(Operand Length, bool OnStack) : Operation;

/// <summary>A parameter of a differentiable callee, as its gradient method takes it.</summary>
/// <param name="Differentiable">Whether the callee's gradient method has an output for it.</param>
/// <param name="InFullGradient">Whether its full gradient has one (every floating scalar, [NoDerivative] or not).</param>
internal sealed record CalleeParameter(bool Differentiable, ParameterShape Shape, TypeRef Type, bool InFullGradient = false);

/// <summary>How to call a differentiable method's generated gradient.</summary>
/// <param name="ValueMethod">Fully qualified: <c>global::Ns.Type.F</c>.</param>
/// <param name="GradientMethod">Fully qualified: <c>global::Ns.Type.FGradient</c>.</param>
/// <param name="DisplayName">For comments: <c>Type.F</c>.</param>
/// <param name="FullGradientMethod">
/// <c>global::Ns.Type.FFullGradient</c>, which also differentiates the [NoDerivative] scalars, when the
/// callee has one: a caller that passes a varied value to such a parameter pulls back through it.
/// </param>
/// <param name="FullGradientKey">The full gradient's name on the callee's own definition (<c>Gen&lt;T&gt;</c>, not <c>Gen&lt;int&gt;</c>), by which the callee knows a caller needs it.</param>
/// <param name="GraphMethod"><c>global::Ns.Type.FGraph</c> when the callee asks for a graph method (<c>Graph = true</c>): a caller's graph can expand the call into it.</param>
/// <param name="HasTangent">The callee has <c>FTangent</c> and <c>FHessianVector</c> (forward mode takes its signature): a caller's forward mode calls them.</param>
internal sealed record CalleeSpec(
    string ValueMethod,
    string GradientMethod,
    string DisplayName,
    TypeRef ReturnType,
    EquatableArray<CalleeParameter> Parameters,
    string? FullGradientMethod = null,
    string? FullGradientKey = null,
    string? GraphMethod = null,
    bool HasTangent = false);

/// <summary>What a call of a differentiable method needs of its callee's gradients.</summary>
internal static class CallNeeds
{
    /// <summary>
    /// Whether the call's pullback uses the callee's full gradient: a [NoDerivative] scalar receives an
    /// active value. The one rule that the reverse sweep and the request for the full gradient share.
    /// </summary>
    public static bool FullGradient(DifferentiableCall call, System.Func<Operand, bool> isActive)
    {
        if (call.Callee.FullGradientMethod is null)
        {
            return false;
        }

        for (var i = 0; i < call.Arguments.Count; i++)
        {
            var parameter = call.Callee.Parameters[i];
            if (!parameter.Differentiable && parameter.InFullGradient && isActive(call.Arguments[i]))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>A statement of the IR.</summary>
internal abstract record IrStatement;

/// <summary><c>Target = Operation</c>.</summary>
internal sealed record AssignStatement(int Target, Operation Operation) : IrStatement;

/// <summary>A structured two-way branch on a bool operand.</summary>
internal sealed record IfStatement(Operand Condition, EquatableArray<IrStatement> Then, EquatableArray<IrStatement> Else) : IrStatement;

/// <summary><c>Array[Index] = Value</c> for a local array.</summary>
internal sealed record ElementWriteStatement(int Array, Operand Index, Operand Value) : IrStatement;

/// <summary>How a counted loop's counter runs: from <paramref name="Start"/> while <c>counter Comparison Bound</c>, by ±1.</summary>
/// <param name="Counter">The counter variable, assigned only by the loop.</param>
/// <param name="Comparison">Less, LessOrEqual (counting up) or Greater, GreaterOrEqual (counting down).</param>
internal sealed record CounterSpec(int Counter, Operand Start, BinaryOperator Comparison, Operand Bound)
{
    public bool CountsUp => Comparison is BinaryOperator.Less or BinaryOperator.LessOrEqual;

    /// <summary>
    /// The values the counter takes, [Low + 1?, High + 1?): up from the start, or down to the bound; an end whose
    /// <c>PlusOne</c> is set is one past its operand (an inclusive bound, or a start counted down from).
    /// </summary>
    public ((Operand Value, bool PlusOne) Low, (Operand Value, bool PlusOne) High) Range => Comparison switch
    {
        BinaryOperator.Less => ((Start, false), (Bound, false)),
        BinaryOperator.LessOrEqual => ((Start, false), (Bound, true)),
        BinaryOperator.Greater => ((Bound, true), (Start, true)),
        _ => ((Bound, false), (Start, true)),
    };
}

/// <summary>How a loop decides how many times it runs.</summary>
internal abstract record LoopControl;

/// <summary>
/// A loop that runs a known number of times, as its counter runs: no trip count, no exit path (a loop that can
/// break or return is lowered as a <see cref="ConditionalLoop"/>). The reverse sweep runs its counter backward.
/// </summary>
internal sealed record CountedLoop(CounterSpec Counter) : LoopControl;

/// <summary>
/// A loop that runs until its body sets <paramref name="Continue"/> false, on a path that assigns the exit
/// variables, and counts its trips in <paramref name="Trips"/>: the reverse sweep runs that many iterations.
/// </summary>
/// <param name="ExitVariables">Variables assigned on the iteration that leaves the loop (values after the loop, the return flag).</param>
internal sealed record ConditionalLoop(int Continue, int Trips, EquatableArray<int> ExitVariables) : LoopControl;

/// <summary>
/// A loop. Each iteration runs <paramref name="Body"/>, then the latch copies (<c>carried = next</c>) that hand
/// loop-carried values to the next iteration; <paramref name="Control"/> says when it stops.
/// </summary>
internal sealed record LoopStatement(EquatableArray<IrStatement> Body, EquatableArray<AssignStatement> Latch, LoopControl Control) : IrStatement
{
    /// <summary>
    /// The counter of a loop only a counted loop can be (gated, blocked into matrix products, its trips reserved):
    /// throws for a conditional one, a bug upstream.
    /// </summary>
    public CounterSpec RequireCounter(string role) =>
        Control is CountedLoop counted ? counted.Counter : throw new System.InvalidOperationException(role + " is not a counted loop: " + Control.GetType().Name);
}

/// <summary>The source statement the following IR statements come from, kept to annotate the generated code.</summary>
/// <param name="Derived">Not a source statement but the rule the following statements apply (a tangent's chain rule): the reverse sweep does not head its lines with it.</param>
internal sealed record SourceComment(string Text, bool Derived = false) : IrStatement;

/// <summary>A lowered method body.</summary>
/// <param name="Variables">All variables, parameters first, indexed by id.</param>
/// <param name="Body">Statements in execution order.</param>
/// <param name="Result">The variable every path assigns the returned value to (a local array for a method returning one; unassigned for void).</param>
/// <param name="Outputs">The output parameters a vector-valued method writes: results too, their final elements its outputs.</param>
internal sealed record IrProgram(EquatableArray<IrVariable> Variables, EquatableArray<IrStatement> Body, int Result, EquatableArray<int> Outputs = default);
