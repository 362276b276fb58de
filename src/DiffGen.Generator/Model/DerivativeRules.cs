using System;
using System.Collections.Generic;
using System.Linq;

namespace DiffGen.Generator.Model;

/// <summary>
/// Every derivative DiffGen knows, one row each (Enzyme's "rules as data"), each partial an expression
/// over the arguments <c>X</c>, <c>Y</c>, <c>Z</c> and the result <c>R</c>: adding a function is adding a row,
/// which reverse and forward mode both read. Conventions at kinks and edges follow PyTorch, except that a zero adjoint always
/// contributes zero (see README, "Conventions").
/// </summary>
internal static class DerivativeRules
{
    // The vocabulary of the rows: the arguments x, y, z and the result r (first: static fields initialize in order).
    private static readonly RuleExpression X = new RuleArgument(0);
    private static readonly RuleExpression Y = new RuleArgument(1);
    private static readonly RuleExpression Z = new RuleArgument(2);
    private static readonly RuleExpression R = RuleResult.Instance;

    private static readonly DerivativeRule[] Functions =
    {
        // d/dx e^x = e^x
        Rule("Exp", new Partial(R, "exp({0})")),
        // d/dx ln x = 1/x
        Rule("Log", new Partial(1.0 / X, "1/{0}", Singular: true)),
        // log_b x = ln x / ln b: d/dx = 1/(x ln b), d/db = -log_b(x)/(b ln b)
        Rule(
            "Log",
            new Partial(1.0 / (X * Fn("Log", Y)), "1/({0}·ln {1})", Singular: true),
            new Partial(-R / (Y * Fn("Log", Y)), "−log_{1}({0})/({1}·ln {1})", Singular: true)),
        // d/dx log10 x = 1/(x ln 10)
        Rule("Log10", new Partial(1.0 / (X * 2.302585092994046), "1/({0}·ln 10)", Singular: true)),
        // d/dx log2 x = 1/(x ln 2)
        Rule("Log2", new Partial(1.0 / (X * 0.6931471805599453), "1/({0}·ln 2)", Singular: true)),
        // d/dx √x = 1/(2√x)
        Rule("Sqrt", new Partial(0.5 / R, "1/(2√{0})", Singular: true)),
        // d/dx ∛x = 1/(3∛x²)
        Rule("Cbrt", new Partial(1.0 / (3.0 * R * R), "1/(3·∛{0}²)", Singular: true)),
        // d/dx x^y = y x^(y-1), taken as 0 when y = 0; d/dy x^y = x^y ln x, taken as 0 at x = 0 when y ≥ 0
        // (PyTorch's pow_backward: x^0 is the constant 1, and 0^y for y ≥ 0 does not blow up).
        Rule(
            "Pow",
            new Partial(Select(Eq(Y, 0.0), 0.0, Y * Fn("Pow", X, Y - 1.0)), "{1}·{0}^({1}−1)", Singular: true),
            new Partial(Select(And(Eq(X, 0.0), Ge(Y, 0.0)), 0.0, R * Fn("Log", X)), "{0}^{1}·ln {0}", Singular: true)),
        Rule("Sin", new Partial(Fn("Cos", X), "cos({0})")),
        Rule("Cos", new Partial(-Fn("Sin", X), "−sin({0})")),
        // d/dx tan x = 1 + tan² x
        Rule("Tan", new Partial(1.0 + R * R, "1 + tan²({0})")),
        Rule("Asin", new Partial(1.0 / Fn("Sqrt", 1.0 - X * X), "1/√(1 − {0}²)", Singular: true)),
        Rule("Acos", new Partial(-1.0 / Fn("Sqrt", 1.0 - X * X), "−1/√(1 − {0}²)", Singular: true)),
        Rule("Atan", new Partial(1.0 / (1.0 + X * X), "1/(1 + {0}²)")),
        // atan2(y, x): d/dy = x/(x² + y²), d/dx = −y/(x² + y²)
        Rule(
            "Atan2",
            new Partial(Y / (X * X + Y * Y), "{1}/({0}² + {1}²)", Singular: true),
            new Partial(-X / (X * X + Y * Y), "−{0}/({0}² + {1}²)", Singular: true)),
        Rule("Sinh", new Partial(Fn("Cosh", X), "cosh({0})")),
        Rule("Cosh", new Partial(Fn("Sinh", X), "sinh({0})")),
        // d/dx tanh x = 1 − tanh² x
        Rule("Tanh", new Partial(1.0 - R * R, "1 − tanh²({0})")),
        Rule("Asinh", new Partial(1.0 / Fn("Sqrt", X * X + 1.0), "1/√({0}² + 1)")),
        Rule("Acosh", new Partial(1.0 / Fn("Sqrt", X * X - 1.0), "1/√({0}² − 1)", Singular: true)),
        Rule("Atanh", new Partial(1.0 / (1.0 - X * X), "1/(1 − {0}²)", Singular: true)),
        // |x|: sign(x), and 0 at 0
        Rule("Abs", new Partial(Select(Gt(X, 0.0), 1.0, Select(Lt(X, 0.0), -1.0, 0.0)), "sign({0}), 0 at 0")),
        // max/min: the adjoint goes to the larger (smaller) argument, split equally at a tie
        Rule(
            "Max",
            new Partial(Select(Gt(X, Y), 1.0, Select(Eq(X, Y), 0.5, 0.0)), "1 if {0} > {1}, ½ at a tie"),
            new Partial(Select(Gt(Y, X), 1.0, Select(Eq(X, Y), 0.5, 0.0)), "1 if {1} > {0}, ½ at a tie")),
        Rule(
            "Min",
            new Partial(Select(Lt(X, Y), 1.0, Select(Eq(X, Y), 0.5, 0.0)), "1 if {0} < {1}, ½ at a tie"),
            new Partial(Select(Lt(Y, X), 1.0, Select(Eq(X, Y), 0.5, 0.0)), "1 if {1} < {0}, ½ at a tie")),
        // clamp(x, lo, hi): to x within the bounds (bounds included), else to the bound that won
        Rule(
            "Clamp",
            new Partial(Select(And(Ge(X, Y), Le(X, Z)), 1.0, 0.0), "1 if {1} ≤ {0} ≤ {2}"),
            new Partial(Select(Lt(X, Y), 1.0, 0.0), "1 if {0} < {1}"),
            new Partial(Select(Gt(X, Z), 1.0, 0.0), "1 if {0} > {2}")),
        // hypot(x, y) = √(x² + y²): d/dx = x/hypot, d/dy = y/hypot
        Rule(
            "Hypot",
            new Partial(X / R, "{0}/hypot({0}, {1})", Singular: true),
            new Partial(Y / R, "{1}/hypot({0}, {1})", Singular: true)),
        // fma(a, b, c) = a·b + c
        Rule("FusedMultiplyAdd", new Partial(Y, "{1}"), new Partial(X, "{0}"), new Partial(1.0, "1")),

        // The generic-math functions of double and float (.NET 7 and later).
        // d/dx (e^x − 1) = e^x = r + 1
        Rule("ExpM1", new Partial(R + 1.0, "exp({0})")),
        // d/dx 2^x = 2^x ln 2; d/dx 10^x = 10^x ln 10; the M1 forms differ by a constant
        Rule("Exp2", new Partial(R * 0.6931471805599453, "2^{0}·ln 2")),
        Rule("Exp10", new Partial(R * 2.302585092994046, "10^{0}·ln 10")),
        Rule("Exp2M1", new Partial((R + 1.0) * 0.6931471805599453, "2^{0}·ln 2")),
        Rule("Exp10M1", new Partial((R + 1.0) * 2.302585092994046, "10^{0}·ln 10")),
        // d/dx ln(1 + x) = 1/(1 + x), and the same over ln 2, ln 10
        Rule("LogP1", new Partial(1.0 / (1.0 + X), "1/(1 + {0})", Singular: true)),
        Rule("Log2P1", new Partial(1.0 / ((1.0 + X) * 0.6931471805599453), "1/((1 + {0})·ln 2)", Singular: true)),
        Rule("Log10P1", new Partial(1.0 / ((1.0 + X) * 2.302585092994046), "1/((1 + {0})·ln 10)", Singular: true)),
        // sin(πx), cos(πx), tan(πx): the chain rule brings out π
        Rule("SinPi", new Partial(3.141592653589793 * Fn("CosPi", X), "π·cos(π{0})")),
        Rule("CosPi", new Partial(-3.141592653589793 * Fn("SinPi", X), "−π·sin(π{0})")),
        Rule("TanPi", new Partial(3.141592653589793 * (1.0 + R * R), "π·(1 + tan²(π{0}))")),
        // asin(x)/π, acos(x)/π, atan(x)/π, atan2(y, x)/π
        Rule("AsinPi", new Partial(0.3183098861837907 / Fn("Sqrt", 1.0 - X * X), "1/(π√(1 − {0}²))", Singular: true)),
        Rule("AcosPi", new Partial(-0.3183098861837907 / Fn("Sqrt", 1.0 - X * X), "−1/(π√(1 − {0}²))", Singular: true)),
        Rule("AtanPi", new Partial(0.3183098861837907 / (1.0 + X * X), "1/(π(1 + {0}²))")),
        Rule(
            "Atan2Pi",
            new Partial(0.3183098861837907 * Y / (X * X + Y * Y), "{1}/(π({0}² + {1}²))", Singular: true),
            new Partial(-0.3183098861837907 * X / (X * X + Y * Y), "−{0}/(π({0}² + {1}²))", Singular: true)),
        // copysign(x, y) = |x|·sign(y): ±1 for x (+1 when the signs agree), 0 for y
        Rule("CopySign", new Partial(Select(Eq(Fn("IsNegative", X), Fn("IsNegative", Y)), 1.0, -1.0), "+1 if {0} and {1} have one sign, else −1"), new Partial(0.0, "0")),
        // Functions that return one of their arguments: the adjoint goes to the one returned, split at a tie (as Max)
        Rule("MaxMagnitude", ReturnedArgument(0), ReturnedArgument(1)),
        Rule("MinMagnitude", ReturnedArgument(0), ReturnedArgument(1)),
        Rule("MaxNumber", ReturnedArgument(0), ReturnedArgument(1)),
        Rule("MinNumber", ReturnedArgument(0), ReturnedArgument(1)),
        Rule("MaxMagnitudeNumber", ReturnedArgument(0), ReturnedArgument(1)),
        Rule("MinMagnitudeNumber", ReturnedArgument(0), ReturnedArgument(1)),
        // 1/x ≈ r: −1/x² = −r²; 1/√x ≈ r: −½ x^(−3/2) = −r³/2 (the estimate's own derivative, as of the exact function)
        Rule("ReciprocalEstimate", new Partial(-R * R, "−1/{0}²", Singular: true)),
        Rule("ReciprocalSqrtEstimate", new Partial(-0.5 * R * R * R, "−1/(2·{0}^(3/2))", Singular: true)),
        // x^(1/n): r/(n·x); the integer n has no derivative
        Rule("RootN", new Partial(Select(Eq(X, 0.0), Select(Eq(Y, Integer(1)), 1.0, double.PositiveInfinity), R / (Y * X)), "{0}^(1/{1})/({1}·{0}); at 0, 1 for n = 1 and +∞ otherwise (as Cbrt)", Singular: true), new Partial(0.0, "0")),
        // x·2^n: 2^n
        Rule("ScaleB", new Partial(Fn("ScaleB", 1.0, Y), "2^{1}"), new Partial(0.0, "0")),
        // a + (b − a)·t
        Rule("Lerp", new Partial(1.0 - Z, "1 − {2}"), new Partial(Z, "{2}"), new Partial(Y - X, "{1} − {0}")),
        Rule("DegreesToRadians", new Partial(0.017453292519943295, "π/180")),
        Rule("RadiansToDegrees", new Partial(57.29577951308232, "180/π")),
        // the next representable value above or below: x plus a step that is constant between powers of 2
        Rule("BitIncrement", new Partial(1.0, "1")),
        Rule("BitDecrement", new Partial(1.0, "1")),
    };

    // ∂r/∂(argument i) for a function that returns one of two arguments: 1 to the one returned, ½ each when they are equal.
    private static Partial ReturnedArgument(int i) =>
        new(Select(Eq(X, Y), 0.5, Select(Eq(R, new RuleArgument(i)), 1.0, 0.0)), "1 if it returns {" + i + "}, ½ at a tie");

    private static readonly Dictionary<BinaryOperator, DerivativeRule> Binary = new()
    {
        [BinaryOperator.Add] = Rule("+", new Partial(1.0, "1"), new Partial(1.0, "1")),
        [BinaryOperator.Subtract] = Rule("-", new Partial(1.0, "1"), new Partial(-1.0, "−1")),
        [BinaryOperator.Multiply] = Rule("*", new Partial(Y, "{1}"), new Partial(X, "{0}")),
        // a/b: d/da = 1/b, d/db = −a/b² = −(a/b)/b
        [BinaryOperator.Divide] = Rule(
            "/",
            new Partial(1.0 / Y, "1/{1}", Singular: true),
            new Partial(-R / Y, "−{0}/{1}²", Singular: true)),
        // a % b = a − trunc(a/b)·b
        [BinaryOperator.Remainder] = Rule(
            "%",
            new Partial(1.0, "1"),
            new Partial(-Fn("Truncate", X / Y), "−trunc({0}/{1})", Singular: true)),
    };

    /// <summary>Negation, copies and conversions between double and float pass the adjoint through.</summary>
    public static readonly DerivativeRule Negate = Rule("-", new Partial(-1.0, "−1"));

    public static readonly DerivativeRule Identity = Rule("=", new Partial(1.0, "1"));

    /// <summary>c ? a : b, over (c, a, b): the adjoint goes to the operand selected; the condition has none.</summary>
    public static readonly DerivativeRule Conditional = Rule(
        "?:",
        new Partial(0.0, "0"),
        new Partial(Select(X, 1.0, 0.0), "1 if {0}"),
        new Partial(Select(X, 0.0, 1.0), "1 unless {0}"));

    private static readonly HashSet<string> PiecewiseConstantNames = new(StringComparer.Ordinal)
    {
        "Sign", "Floor", "Ceiling", "Round", "Truncate",
    };

    private static readonly Dictionary<(string, int), DerivativeRule> ByName =
        Functions.ToDictionary(r => (r.Name, r.Arity));

    /// <summary>The rule for a Math function of this arity, or null when there is none.</summary>
    public static DerivativeRule? Find(string name, int arity) => ByName.TryGetValue((name, arity), out var rule) ? rule : null;

    /// <summary>The rule for a floating-point binary operator, or null when it has no derivative (comparisons).</summary>
    public static DerivativeRule? Find(BinaryOperator op) => Binary.TryGetValue(op, out var rule) ? rule : null;

    /// <summary>Functions that are constant between jumps: derivative 0 wherever it exists.</summary>
    public static bool IsPiecewiseConstant(string name) => PiecewiseConstantNames.Contains(name);

    /// <summary>All function names with a rule, for documentation and tests.</summary>
    public static IEnumerable<(string Name, int Arity)> FunctionSignatures => ByName.Keys;

    private static DerivativeRule Rule(string name, params Partial[] partials) => new(name, partials.ToEquatableArray());

    private static RuleExpression Fn(string function, params RuleExpression[] arguments) => new RuleCall(function, arguments.ToEquatableArray());

    private static RuleExpression Select(RuleExpression condition, RuleExpression whenTrue, RuleExpression whenFalse) => new RuleSelect(condition, whenTrue, whenFalse);

    private static RuleExpression Eq(RuleExpression left, RuleExpression right) => new RuleBinary(BinaryOperator.Equal, left, right);

    private static RuleExpression Lt(RuleExpression left, RuleExpression right) => new RuleBinary(BinaryOperator.Less, left, right);

    private static RuleExpression Le(RuleExpression left, RuleExpression right) => new RuleBinary(BinaryOperator.LessOrEqual, left, right);

    private static RuleExpression Gt(RuleExpression left, RuleExpression right) => new RuleBinary(BinaryOperator.Greater, left, right);

    private static RuleExpression Ge(RuleExpression left, RuleExpression right) => new RuleBinary(BinaryOperator.GreaterOrEqual, left, right);

    private static RuleExpression And(RuleExpression left, RuleExpression right) => new RuleBinary(BinaryOperator.And, left, right);

    private static RuleExpression Integer(int value) => new RuleConstant(value, Integer: true);
}
