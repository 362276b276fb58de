using System.Collections.Generic;
using System.Linq;

namespace DiffGen.Generator.Model;

/// <summary>
/// A local partial derivative as a small expression over the operation's arguments and result, in IR terms:
/// every mode reads the same expression (reverse mode spells it into an adjoint line, forward mode lowers it
/// into IR statements), so adding a function is one row that every mode uses.
/// </summary>
/// <remarks>
/// Operators build expressions the way the mathematics reads (<c>1.0 / X</c>, <c>-R * R</c>); a double
/// converts to a constant of the operation's type.
/// </remarks>
internal abstract record RuleExpression
{
    public static implicit operator RuleExpression(double value) => new RuleConstant(value);

    public static RuleExpression operator +(RuleExpression left, RuleExpression right) => new RuleBinary(BinaryOperator.Add, left, right);

    public static RuleExpression operator -(RuleExpression left, RuleExpression right) => new RuleBinary(BinaryOperator.Subtract, left, right);

    public static RuleExpression operator *(RuleExpression left, RuleExpression right) => new RuleBinary(BinaryOperator.Multiply, left, right);

    public static RuleExpression operator /(RuleExpression left, RuleExpression right) => new RuleBinary(BinaryOperator.Divide, left, right);

    public static RuleExpression operator -(RuleExpression value) => new RuleNegate(value);

    /// <summary>The argument and result operands the expression reads.</summary>
    public IEnumerable<RuleExpression> Leaves() => this switch
    {
        RuleNegate n => n.Value.Leaves(),
        RuleBinary b => b.Left.Leaves().Concat(b.Right.Leaves()),
        RuleCall c => c.Arguments.SelectMany(a => a.Leaves()),
        RuleSelect s => s.Condition.Leaves().Concat(s.WhenTrue.Leaves()).Concat(s.WhenFalse.Leaves()),
        _ => new[] { this },
    };
}

/// <summary>The operation's argument <paramref name="Index"/> (<c>x</c> of <c>sin x</c>).</summary>
internal sealed record RuleArgument(int Index) : RuleExpression;

/// <summary>The operation's result (<c>e^x</c> for the derivative of <c>e^x</c>): reused, not recomputed.</summary>
internal sealed record RuleResult : RuleExpression
{
    public static readonly RuleResult Instance = new();
}

/// <summary>A constant of the operation's floating type; <paramref name="Integer"/>: an <c>int</c> (compared with an integer argument).</summary>
internal sealed record RuleConstant(double Value, bool Integer = false) : RuleExpression;

/// <summary><c>-Value</c>.</summary>
internal sealed record RuleNegate(RuleExpression Value) : RuleExpression;

/// <summary>
/// <c>Left op Right</c>: arithmetic, a comparison (a bool), or <see cref="BinaryOperator.And"/> of two bools
/// (spelled <c>&amp;&amp;</c>; neither side has an effect, so evaluating both is the same).
/// </summary>
internal sealed record RuleBinary(BinaryOperator Operator, RuleExpression Left, RuleExpression Right) : RuleExpression;

/// <summary>A static function of the operation's type: <c>T.Cos(x)</c>, <c>T.IsNegative(x)</c>.</summary>
internal sealed record RuleCall(string Function, EquatableArray<RuleExpression> Arguments) : RuleExpression;

/// <summary><c>Condition ? WhenTrue : WhenFalse</c>: derivatives that differ by region (kinks, ties).</summary>
internal sealed record RuleSelect(RuleExpression Condition, RuleExpression WhenTrue, RuleExpression WhenFalse) : RuleExpression;

/// <summary>
/// The local partial derivative of an operation with respect to one argument, as data: an expression, and
/// the same mathematics for the comment on the generated line.
/// </summary>
/// <param name="Derivative">The partial derivative, over the arguments and the result.</param>
/// <param name="Math">The derivative in mathematical notation: <c>{0}</c>, <c>{1}</c> are the arguments, <c>{r}</c> the result.</param>
/// <param name="Singular">
/// Whether it can be infinite or NaN at finite arguments (1/x at 0). Such a line is guarded so that a
/// zero adjoint contributes exactly zero (the strong-zero convention).
/// </param>
internal sealed record Partial(RuleExpression Derivative, string Math, bool Singular = false)
{
    public bool IsOne => Derivative is RuleConstant { Value: 1 };

    public bool IsMinusOne => Derivative is RuleConstant { Value: -1 };

    public bool IsZero => Derivative is RuleConstant { Value: 0 };

    /// <summary>The divisor of a partial <c>1 / divisor</c> (an adjoint times it reads better as a division), or null.</summary>
    public RuleExpression? Reciprocal => Derivative is RuleBinary { Operator: BinaryOperator.Divide, Left: RuleConstant { Value: 1 }, Right: var divisor } ? divisor : null;

    /// <summary>Whether it reads the operation's result.</summary>
    public bool ReadsResult => Derivative.Leaves().Any(l => l is RuleResult);

    /// <summary>Whether it reads argument <paramref name="index"/>.</summary>
    public bool ReadsArgument(int index) => Derivative.Leaves().Any(l => l is RuleArgument a && a.Index == index);
}

/// <summary>A function and its partial derivatives, one per argument.</summary>
internal sealed record DerivativeRule(string Name, EquatableArray<Partial> Partials)
{
    public int Arity => Partials.Count;
}
