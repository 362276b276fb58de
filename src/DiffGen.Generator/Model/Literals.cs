using System;
using System.Globalization;

namespace DiffGen.Generator.Model;

/// <summary>Spells constants as C# literals: invariant culture, round-trippable, typed.</summary>
internal static class Literals
{
    public static string Format(double value, ScalarKind kind)
    {
        if (kind == ScalarKind.Float)
        {
            var f = (float)value;
            if (float.IsNaN(f))
            {
                return "float.NaN";
            }

            if (float.IsInfinity(f))
            {
                return f > 0 ? "float.PositiveInfinity" : "float.NegativeInfinity";
            }

            return f.ToString("R", CultureInfo.InvariantCulture) + "f";
        }

        if (double.IsNaN(value))
        {
            return "double.NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "double.PositiveInfinity" : "double.NegativeInfinity";
        }

        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.IndexOfAny(new[] { '.', 'E', 'e' }) >= 0 ? text : text + ".0";
    }

    /// <summary>
    /// An integer literal's value, as <see cref="TryCreate"/> spells it (<c>5</c>, <c>5L</c>, <c>5U</c>, <c>5UL</c>,
    /// <c>(short)5</c>), or null for anything else (a variable, a floating-point literal, a ulong past long's range):
    /// the one place literal text is read back as a number.
    /// </summary>
    public static long? IntegerValue(Operand operand)
    {
        if (operand is not LiteralOperand { Type.Kind: ScalarKind.Integer } literal)
        {
            return null;
        }

        var text = literal.Text;
        if (text.StartsWith("(", StringComparison.Ordinal))
        {
            text = text.Substring(text.IndexOf(')') + 1);
        }

        return long.TryParse(text.TrimEnd('L', 'l', 'U', 'u'), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    /// <summary>A floating-point literal's value, as <see cref="Format"/> spells it (NaN and the infinities included), or null.</summary>
    public static double? FloatingValue(Operand operand)
    {
        if (operand is not LiteralOperand { Type.IsFloating: true } literal)
        {
            return null;
        }

        var text = literal.Text;
        if (text.EndsWith("NaN", StringComparison.Ordinal))
        {
            return double.NaN;
        }

        if (text.EndsWith("Infinity", StringComparison.Ordinal))
        {
            return text.EndsWith("NegativeInfinity", StringComparison.Ordinal) ? double.NegativeInfinity : double.PositiveInfinity;
        }

        return double.TryParse(text.TrimEnd('f', 'F', 'd', 'D'), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    /// <summary>Whether the operand is a literal zero, of an integer or a floating-point type (−0 included).</summary>
    public static bool IsZero(Operand operand) => IntegerValue(operand) == 0 || FloatingValue(operand) == 0;

    /// <summary>A literal of <paramref name="type"/>, or null when the constant cannot be spelled.</summary>
    public static LiteralOperand? TryCreate(object? value, TypeRef type)
    {
        switch (type.Kind)
        {
            case ScalarKind.Double:
            case ScalarKind.Float:
                return value is IConvertible c && value is not string and not bool
                    ? new LiteralOperand(Format(c.ToDouble(CultureInfo.InvariantCulture), type.Kind), type)
                    : null;
            case ScalarKind.Bool:
                return value is bool b ? new LiteralOperand(b ? "true" : "false", type) : null;
            case ScalarKind.Integer:
                return value switch
                {
                    int i => new LiteralOperand(i.ToString(CultureInfo.InvariantCulture), type),
                    long l => new LiteralOperand(l.ToString(CultureInfo.InvariantCulture) + "L", type),
                    uint u => new LiteralOperand(u.ToString(CultureInfo.InvariantCulture) + "U", type),
                    ulong ul => new LiteralOperand(ul.ToString(CultureInfo.InvariantCulture) + "UL", type),
                    short or ushort or byte or sbyte => new LiteralOperand(
                        "(" + type.Name + ")" + Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture), type),
                    _ => null,
                };
            default:
                return null;
        }
    }
}
