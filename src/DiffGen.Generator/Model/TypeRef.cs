using System;

namespace DiffGen.Generator.Model;

/// <summary>What the differentiation stages need to know of a C# type.</summary>
internal enum ScalarKind
{
    /// <summary><c>double</c>: differentiable.</summary>
    Double,

    /// <summary><c>float</c>: differentiable.</summary>
    Float,

    /// <summary>Any integral type: always constant, derivative 0.</summary>
    Integer,

    /// <summary><c>bool</c>: conditions.</summary>
    Bool,

    /// <summary>Anything else that may flow through as a constant (an enum argument, say).</summary>
    Other,
}

/// <summary>A type as it is spelled in generated code (<c>double</c>, <c>global::System.MidpointRounding</c>).</summary>
/// <remarks>Structural equality: part of the cached incremental model.</remarks>
internal sealed record TypeRef(string Name, ScalarKind Kind)
{
    public static readonly TypeRef Double = new("double", ScalarKind.Double);
    public static readonly TypeRef Float = new("float", ScalarKind.Float);
    public static readonly TypeRef Bool = new("bool", ScalarKind.Bool);
    public static readonly TypeRef Int = new("int", ScalarKind.Integer);

    public bool IsFloating => Kind is ScalarKind.Double or ScalarKind.Float;

    public static TypeRef ForFloating(bool isFloat) => isFloat ? Float : Double;
}

/// <summary>How a parameter is passed and what its gradient output looks like.</summary>
internal enum ParameterShape
{
    /// <summary>A single value; its gradient output is <c>ref T</c>.</summary>
    Scalar,

    /// <summary>A <c>T[]</c>; its gradient output is <c>Span&lt;T&gt;</c>.</summary>
    Array,

    /// <summary>A <c>ReadOnlySpan&lt;T&gt;</c>; its gradient output is <c>Span&lt;T&gt;</c>.</summary>
    Span,

    /// <summary>A <c>T[,]</c> parameter; its gradient output is a <c>T[,]</c> of the same dimensions (its IR variable is array-shaped).</summary>
    Matrix,
}

/// <summary>A source location that is safe to cache: a file path and a span, never a Roslyn <c>Location</c>.</summary>
internal sealed record LocationInfo(string FilePath, int Start, int Length, int StartLine, int StartCharacter, int EndLine, int EndCharacter);
