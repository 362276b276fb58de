using System.Linq;
using DiffGen.Generator.Model;
using Microsoft.CodeAnalysis;

namespace DiffGen.Generator.Parsing;

/// <summary>Maps Roslyn types to the IR's <see cref="TypeRef"/>.</summary>
internal static class TypeMapping
{
    public static TypeRef? TryMap(ITypeSymbol? type)
    {
        if (type is null)
        {
            return null;
        }

        switch (type.SpecialType)
        {
            case SpecialType.System_Double:
                return TypeRef.Double;
            case SpecialType.System_Single:
                return TypeRef.Float;
            case SpecialType.System_Boolean:
                return TypeRef.Bool;
            case SpecialType.System_SByte:
            case SpecialType.System_Byte:
            case SpecialType.System_Int16:
            case SpecialType.System_UInt16:
            case SpecialType.System_Int32:
            case SpecialType.System_UInt32:
            case SpecialType.System_Int64:
            case SpecialType.System_UInt64:
            case SpecialType.System_Char:
                return new TypeRef(type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat), ScalarKind.Integer);
        }

        return type.TypeKind == TypeKind.Enum
            ? new TypeRef(type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), ScalarKind.Other)
            : null;
    }

    /// <summary>The element type of <c>T[]</c> or <c>ReadOnlySpan&lt;T&gt;</c> for T double or float.</summary>
    public static (ParameterShape Shape, TypeRef Element)? TryMapCollection(ITypeSymbol type)
    {
        if (type is IArrayTypeSymbol { IsSZArray: true } array && TryMap(array.ElementType) is { IsFloating: true } element)
        {
            return (ParameterShape.Array, element);
        }

        if (type is INamedTypeSymbol { IsGenericType: true, Arity: 1 } named
            && named.ConstructedFrom.ToDisplayString() == "System.ReadOnlySpan<T>"
            && TryMap(named.TypeArguments[0]) is { IsFloating: true } spanElement)
        {
            return (ParameterShape.Span, spanElement);
        }

        return null;
    }

    /// <summary>A type as a message names it: short, without a nullable annotation (<c>Random</c>, not <c>System.Random?</c>).</summary>
    public static string Display(ITypeSymbol? type) =>
        type is null ? "?" : type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);

    /// <summary>
    /// The element type of <c>T[]</c> or <c>ReadOnlySpan&lt;T&gt;</c> for any T the IR has: floating
    /// (differentiable) or integral and bool (constants: labels, masks, indices).
    /// </summary>
    public static (ParameterShape Shape, TypeRef Element)? TryMapAnyCollection(ITypeSymbol type)
    {
        if (TryMapCollection(type) is { } floating)
        {
            return floating;
        }

        if (type is IArrayTypeSymbol { IsSZArray: true } array && TryMap(array.ElementType) is { Kind: ScalarKind.Integer or ScalarKind.Bool } element)
        {
            return (ParameterShape.Array, element);
        }

        return type is INamedTypeSymbol { IsGenericType: true, Arity: 1 } named
            && named.ConstructedFrom.ToDisplayString() == "System.ReadOnlySpan<T>"
            && TryMap(named.TypeArguments[0]) is { Kind: ScalarKind.Integer or ScalarKind.Bool } spanElement
                ? (ParameterShape.Span, spanElement)
                : null;
    }

    public static bool IsDifferentiableAttribute(AttributeData attribute) =>
        attribute.AttributeClass?.ToDisplayString() == "DiffGen.DifferentiableAttribute";

    /// <summary>Whether a [Differentiable] attribute asks for the graph method too (<c>Graph = true</c>).</summary>
    public static bool AsksForGraph(AttributeData attribute) =>
        IsDifferentiableAttribute(attribute)
        && attribute.NamedArguments.Any(argument => argument.Key == "Graph" && argument.Value.Value is true);

    public static bool IsNoDerivativeAttribute(AttributeData attribute) =>
        attribute.AttributeClass?.ToDisplayString() == "DiffGen.NoDerivativeAttribute";
}
