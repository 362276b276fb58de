using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Emission;

/// <summary>Spells IR operands, operations and derivative templates as C# text and as mathematics.</summary>
internal sealed class CSharpSpelling
{
    private static readonly Regex Placeholder = new(@"\{(?:(\d)|r)\}", RegexOptions.Compiled);
    private static readonly Regex Atomic = new(@"^(global::)?[A-Za-z_@][\w.]*(\[[^\[\]]*\])?(\((?>[^()]+|\((?<d>)|\)(?<-d>))*(?(d)(?!))\))?$|^\d[\w.]*$", RegexOptions.Compiled);

    // double.Exp and its like are [Intrinsic] wrappers of Math.Exp that the JIT neither expands nor
    // inlines (.NET 10, checked in its disassembly): each call through one pays a call more, ~5 ns of
    // the XOR gradient's 20 exps and 8 logs (2%). Math's (MathF's) own are called directly: the same
    // functions, the same results. (double.Sqrt, Abs, Max, Floor and the like are expanded inline.)
    private static readonly HashSet<string> CalledThroughMath = new(System.StringComparer.Ordinal)
    {
        "Exp", "Log", "Log10", "Log2", "Pow", "Cbrt",
        "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Atan2",
        "Sinh", "Cosh", "Tanh", "Asinh", "Acosh", "Atanh",
    };

    private static readonly Regex Wrapped = new(@"^\((?>[^()]+|\((?<d>)|\)(?<-d>))*(?(d)(?!))\)$", RegexOptions.Compiled);

    private readonly EquatableArray<IrVariable> _variables;
    private readonly bool _mathDirectly;

    /// <param name="variables">The method's variables.</param>
    /// <param name="mathDirectly">
    /// Whether to call <c>Math.Exp</c> (<c>MathF.Exp</c>) and its like where the IR says <c>double.Exp</c>
    /// (<c>float.Exp</c>): the gradient's code, where each call counts; not the graph file's, whose
    /// node labels show the operations as <c>double.Exp</c>.
    /// </param>
    public CSharpSpelling(EquatableArray<IrVariable> variables, bool mathDirectly = false)
    {
        _variables = variables;
        _mathDirectly = mathDirectly;
    }

    public string Name(int variable) => _variables[variable].Name;

    public TypeRef Type(int variable) => _variables[variable].Type;

    /// <summary>A counted loop's header as it runs forward: <c>for (int i = start; i &lt; bound; i++)</c>.</summary>
    public string ForwardFor(CounterSpec counter)
    {
        var name = Name(counter.Counter);
        return "for (" + Type(counter.Counter).Name + " " + name + " = " + Operand(counter.Start) + "; "
            + CounterTest(counter) + "; " + name + (counter.CountsUp ? "++" : "--") + ")";
    }

    /// <summary>A counted loop's test as written: <c>j &lt; n</c>, <c>j &lt;= hi</c>, <c>j &gt; 0</c>.</summary>
    public string CounterTest(CounterSpec counter) => counter.Comparison is BinaryOperator.Less or BinaryOperator.LessOrEqual or BinaryOperator.Greater or BinaryOperator.GreaterOrEqual
        ? Name(counter.Counter) + " " + BinaryText(counter.Comparison) + " " + Operand(counter.Bound)
        : throw new System.InvalidOperationException("not a counter's comparison: " + counter.Comparison);

    public string Operand(Operand operand) => operand switch
    {
        VariableOperand v => _variables[v.Id].Name,
        LiteralOperand l => l.Text,

        // A parser's value (a tuple, a slice) that reached the IR would be spelled as a silent default: DG0010 instead.
        _ => throw new System.InvalidOperationException("the operand " + operand.GetType().Name + " has no spelling"),
    };

    /// <summary>An operand inside a larger expression: negative literals get parentheses.</summary>
    public string Term(Operand operand)
    {
        var text = Operand(operand);
        return text.StartsWith("-", System.StringComparison.Ordinal) ? "(" + text + ")" : text;
    }

    // A value compared with itself (u <= u, as a user's expression may come out once its two sides are one value):
    // what the comparison gives, spelled without it, which C# warns of (CS1718). Only NaN is not equal to itself.
    // Where that is a constant, the comparison stays, its right side as +u (the same value, which C# does not warn
    // of): spelled as false, it read u no more, and a u assigned only constants was then never used (CS0219,
    // random program seed 3ew7fwTQPiZ2).
    private (string Text, Precedence Level)? SelfComparison(BinaryOperator op, VariableOperand value)
    {
        var type = _variables[value.Id].Type;
        var name = Name(value.Id);
        var nan = type.Name + ".IsNaN(" + name + ")";
        var itself = name + " " + BinaryText(op) + " +" + name;
        return op switch
        {
            BinaryOperator.Equal or BinaryOperator.LessOrEqual or BinaryOperator.GreaterOrEqual when type.IsFloating => ("!" + nan, Precedence.Unary),
            BinaryOperator.NotEqual when type.IsFloating => (nan, Precedence.Primary),
            BinaryOperator.Equal when type == TypeRef.Bool => (name + " || !" + name, Precedence.Conditional),
            BinaryOperator.NotEqual when type == TypeRef.Bool => (name + " && !" + name, Precedence.ConditionalAnd),
            BinaryOperator.Equal or BinaryOperator.NotEqual => (itself, Precedence.Equality),
            BinaryOperator.Less or BinaryOperator.LessOrEqual or BinaryOperator.Greater or BinaryOperator.GreaterOrEqual => (itself, Precedence.Relational),
            _ => null,
        };
    }

    public string Operation(Operation operation, TypeRef type) =>
        operation is BinaryOperation { Checked: true } or UnaryOperation { Checked: true } or ConversionOperation { Checked: true }
            ? "checked(" + Unchecked(operation, type) + ")"
            : Unchecked(operation, type);

    private string Unchecked(Operation operation, TypeRef type) => operation switch
    {
        CopyOperation c => Operand(c.Value),
        BinaryOperation { Left: VariableOperand l, Right: VariableOperand r } b when l.Id == r.Id && SelfComparison(b.Operator, l) is { } same => same.Text,
        BinaryOperation b => Term(b.Left) + " " + BinaryText(b.Operator) + " " + Term(b.Right),
        UnaryOperation u => UnaryText(u.Operator) + Term(u.Value),
        SelectOperation s => Operand(s.Condition) + " ? " + Term(s.WhenTrue) + " : " + Term(s.WhenFalse),
        ConversionOperation c => "(" + type.Name + ")" + Term(c.Value),
        IntrinsicCall i => Owner(type, i.Function) + "." + i.Function + "(" + Arguments(i.Arguments) + ")",
        OpaqueCall o => o.Method + "(" + Arguments(o.Arguments) + ")",
        DifferentiableCall d => d.Callee.ValueMethod + "(" + Arguments(d.Arguments) + ")",
        TangentCall t => t.Method("Tangent") + "(" + Arguments(t.Arguments.Concat(t.Tangents)) + ", out " + Name(t.Tangent) + ")",
        ElementRead e => Name(e.Array) + "[" + (_variables[e.Array].Shape == ParameterShape.Span ? SpanIndex(e.Index) : Operand(e.Index)) + "]",
        RowRead r => Name(r.Array) + "[" + Operand(r.Index) + "]",
        ModelElementRead m => (m.ConvertTo is null ? string.Empty : "(" + m.ConvertTo + ")") + Name(m.Models) + "[" + Operand(m.Index) + "]" + m.Member,
        MatrixRead m => Name(m.Array) + "[" + Operand(m.Row) + ", " + Operand(m.Column) + "]",
        DimensionRead d => Name(d.Array) + ".GetLength(" + d.Dimension.ToString(System.Globalization.CultureInfo.InvariantCulture) + ")",
        StaticRead r => r.Member,
        LengthRead l => Name(l.Array) + ".Length",
        ArrayAllocation { OnStack: true } a => "stackalloc " + type.Name + "[" + Operand(a.Length) + "]",
        ArrayAllocation a => "new " + type.Name + "[" + Operand(a.Length) + "]",
        _ => throw new System.InvalidOperationException("the operation " + operation.GetType().Name + " has no spelling"),
    };

    /// <summary>
    /// An index into a span (adjoints are spans): a <c>long</c> or unsigned index, which indexed the
    /// user's array in the forward sweep and so lies within an array's int range, is cast to <c>int</c>.
    /// </summary>
    public string SpanIndex(Operand index)
    {
        var type = index switch
        {
            VariableOperand v => _variables[v.Id].Type,
            LiteralOperand l => l.Type,
            _ => TypeRef.Int,
        };
        return type == TypeRef.Int ? Operand(index) : "(int)" + Term(index);
    }

    public string Arguments(IEnumerable<Operand> operands) => string.Join(", ", operands.Select(Operand));

    // The type whose static method computes an elementary function of this type: Math (MathF) for the
    // functions it calls without a wrapper, in the gradient's code; else the type itself (double.Sqrt, double.SinPi).
    private string Owner(TypeRef type, string function) =>
        !_mathDirectly || !CalledThroughMath.Contains(function) ? type.Name
        : type.Kind == ScalarKind.Double ? "global::System.Math"
        : type.Kind == ScalarKind.Float ? "global::System.MathF"
        : type.Name;

    /// <summary>Spells a partial derivative as C#, at these arguments and result, in the operation's type.</summary>
    public string Code(RuleExpression derivative, EquatableArray<Operand> arguments, Operand result, TypeRef type) =>
        Spell(derivative, arguments, result, type, Precedence.Conditional);

    // C#'s precedence levels the rules use, lowest first: a subexpression of a lower level than its place asks is parenthesized.
    private enum Precedence
    {
        Conditional,
        ConditionalAnd,
        Equality,
        Relational,
        Additive,
        Multiplicative,
        Unary,
        Primary,
    }

    private string Spell(RuleExpression expression, EquatableArray<Operand> arguments, Operand result, TypeRef type, Precedence place)
    {
        var (text, level) = expression switch
        {
            RuleArgument a => (Term(arguments[a.Index]), Precedence.Primary),
            RuleResult => (Term(result), Precedence.Primary),
            RuleConstant { Integer: true } c => (((long)c.Value).ToString(CultureInfo.InvariantCulture), Precedence.Primary),

            // A negative constant is parenthesized even where it need not be: 2.0 * (-1.0), never 2.0 * -1.0.
            RuleConstant c => (c.Value < 0 ? "(" + Literals.Format(c.Value, type.Kind) + ")" : Literals.Format(c.Value, type.Kind), Precedence.Primary),
            RuleNegate n => ("-" + Spell(n.Value, arguments, result, type, Precedence.Unary), Precedence.Unary),
            RuleCall c => (Owner(type, c.Function) + "." + c.Function + "(" + string.Join(", ", c.Arguments.Select(a => Spell(a, arguments, result, type, Precedence.Conditional))) + ")", Precedence.Primary),
            RuleSelect s => (
                Spell(s.Condition, arguments, result, type, Precedence.ConditionalAnd) + " ? "
                    + Spell(s.WhenTrue, arguments, result, type, Precedence.ConditionalAnd) + " : "
                    + Spell(s.WhenFalse, arguments, result, type, Precedence.Conditional),
                Precedence.Conditional),
            RuleBinary b => SpellBinary(b, arguments, result, type),
            _ => throw new System.InvalidOperationException("the rule expression " + expression.GetType().Name + " has no spelling"),
        };
        return level < place ? "(" + text + ")" : text;
    }

    // Left-associative: the right operand of a - b - c's level is parenthesized, the left one not.
    private (string, Precedence) SpellBinary(RuleBinary binary, EquatableArray<Operand> arguments, Operand result, TypeRef type)
    {
        // Both sides one value (Math.Min(x, x)'s tie test, x == x): what the comparison gives, without CS1718.
        Operand? Of(RuleExpression side) => side switch { RuleArgument a => arguments[a.Index], RuleResult => result, _ => null };
        if (Of(binary.Left) is VariableOperand left && Of(binary.Right) is VariableOperand right && left.Id == right.Id && SelfComparison(binary.Operator, left) is { } same)
        {
            return same;
        }

        var (symbol, level) = binary.Operator switch
        {
            BinaryOperator.Add => ("+", Precedence.Additive),
            BinaryOperator.Subtract => ("-", Precedence.Additive),
            BinaryOperator.Multiply => ("*", Precedence.Multiplicative),
            BinaryOperator.Divide => ("/", Precedence.Multiplicative),
            BinaryOperator.Equal => ("==", Precedence.Equality),
            BinaryOperator.NotEqual => ("!=", Precedence.Equality),
            BinaryOperator.Less => ("<", Precedence.Relational),
            BinaryOperator.LessOrEqual => ("<=", Precedence.Relational),
            BinaryOperator.Greater => (">", Precedence.Relational),
            BinaryOperator.GreaterOrEqual => (">=", Precedence.Relational),
            BinaryOperator.And => ("&&", Precedence.ConditionalAnd),
            _ => throw new System.InvalidOperationException("the rule operator " + binary.Operator + " has no spelling"),
        };
        return (Spell(binary.Left, arguments, result, type, level) + " " + symbol + " " + Spell(binary.Right, arguments, result, type, level + 1), level);
    }

    /// <summary>Renders a partial's mathematics (<see cref="Partial.Math"/>) for a comment.</summary>
    public string Math(string template, EquatableArray<Operand> arguments, Operand result) =>
        Placeholder.Replace(template, m =>
            m.Groups[1].Success ? Operand(arguments[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)]) : Operand(result));

    /// <summary>Wraps an expression in parentheses unless it is a name, literal, element or call.</summary>
    public static string Parenthesize(string expression) =>
        Atomic.IsMatch(expression) || Wrapped.IsMatch(expression) ? expression : "(" + expression + ")";

    private static string BinaryText(BinaryOperator op) => op switch
    {
        BinaryOperator.Add => "+",
        BinaryOperator.Subtract => "-",
        BinaryOperator.Multiply => "*",
        BinaryOperator.Divide => "/",
        BinaryOperator.Remainder => "%",
        BinaryOperator.Equal => "==",
        BinaryOperator.NotEqual => "!=",
        BinaryOperator.Less => "<",
        BinaryOperator.LessOrEqual => "<=",
        BinaryOperator.Greater => ">",
        BinaryOperator.GreaterOrEqual => ">=",
        BinaryOperator.And => "&",
        BinaryOperator.Or => "|",
        BinaryOperator.ExclusiveOr => "^",
        BinaryOperator.LeftShift => "<<",
        BinaryOperator.RightShift => ">>",
        _ => "?",
    };

    private static string UnaryText(UnaryOperator op) => op switch
    {
        UnaryOperator.Negate => "-",
        UnaryOperator.Not => "!",
        _ => "~",
    };

    /// <summary>Escapes text for an XML doc comment.</summary>
    public static string Xml(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '<' => "&lt;",
                '>' => "&gt;",
                '&' => "&amp;",
                _ => c.ToString(),
            });
        }

        return builder.ToString();
    }
}
