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

        // An enum is its underlying integer inside a body (Act.Relu is 1, a comparison compares integers); where
        // its values meet generated code (a model's member, a static field) they are converted, and parameters,
        // arrays and calls of enum types are refused (IsEnum).
        return type is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying } ? TryMap(underlying) : null;
    }

    /// <summary>Whether a type is an enum, or an array of one: values the IR holds as integers.</summary>
    public static bool IsEnum(ITypeSymbol? type) =>
        type is { TypeKind: TypeKind.Enum } || type is IArrayTypeSymbol { ElementType.TypeKind: TypeKind.Enum };

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

        if (type is IArrayTypeSymbol { IsSZArray: true } array && !IsEnum(array.ElementType) && TryMap(array.ElementType) is { Kind: ScalarKind.Integer or ScalarKind.Bool } element)
        {
            return (ParameterShape.Array, element);
        }

        return type is INamedTypeSymbol { IsGenericType: true, Arity: 1 } named
            && named.ConstructedFrom.ToDisplayString() == "System.ReadOnlySpan<T>"
            && !IsEnum(named.TypeArguments[0]) && TryMap(named.TypeArguments[0]) is { Kind: ScalarKind.Integer or ScalarKind.Bool } spanElement
                ? (ParameterShape.Span, spanElement)
                : null;
    }

    /// <summary>
    /// A model type: a struct, class or record of the user's (not a system type), whose fields and
    /// properties hold a model's parameters; its members are read as inputs, member by member.
    /// </summary>
    public static bool IsModelType(ITypeSymbol? type) =>
        type is INamedTypeSymbol { TypeKind: TypeKind.Class or TypeKind.Struct, SpecialType: SpecialType.None, IsTupleType: false, IsRefLikeType: false, IsStatic: false } named
        && !IsSystemNamespace(named.ContainingNamespace)
        && named.ToDisplayString() is not ("DiffGen.ParameterSet<T>" or "DiffGen.Parameter<T>");

    private static bool IsSystemNamespace(INamespaceSymbol? ns)
    {
        for (; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
        {
            if (ns.ContainingNamespace is { IsGlobalNamespace: true } && ns.Name is "System" or "Microsoft")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a member can be assigned at all: a field that is not readonly, or a property with a setter that is not init-only.</summary>
    public static bool IsAssignable(ISymbol member) =>
        member is IFieldSymbol { IsReadOnly: false, IsConst: false } || member is IPropertySymbol { SetMethod: { IsInitOnly: false } };

    /// <summary>Whether a model type holds floating-point values anywhere in its tree of members (so has a gradient).</summary>
    public static bool HasFloatingMembers(ITypeSymbol type, int depth = 0)
    {
        if (depth > 8 || type is not INamedTypeSymbol named)
        {
            return false;
        }

        foreach (var member in named.GetMembers())
        {
            var (memberType, noDerivative) = member switch
            {
                IFieldSymbol { IsStatic: false, IsConst: false } f => (f.Type, (f.AssociatedSymbol ?? f).GetAttributes().Any(IsNoDerivativeAttribute)),
                IPropertySymbol { IsStatic: false, IsIndexer: false } p => (p.Type, p.GetAttributes().Any(IsNoDerivativeAttribute)),
                _ => ((ITypeSymbol?)null, true),
            };
            if (memberType is null || noDerivative)
            {
                continue;
            }

            if (TryMap(memberType) is { IsFloating: true } || TryMapCollection(memberType) is not null
                || memberType is IArrayTypeSymbol { ElementType: var element } && (TryMap(element) is { IsFloating: true } || IsModelType(element))
                || IsModelType(memberType) && HasFloatingMembers(memberType, depth + 1))
            {
                return true;
            }
        }

        return false;
    }

    public static bool IsDifferentiableAttribute(AttributeData attribute) =>
        attribute.AttributeClass?.ToDisplayString() == "DiffGen.DifferentiableAttribute";

    /// <summary>Whether a [Differentiable] attribute asks for the graph method too (<c>Graph = true</c>).</summary>
    public static bool AsksForGraph(AttributeData attribute) =>
        IsDifferentiableAttribute(attribute)
        && attribute.NamedArguments.Any(argument => argument.Key == "Graph" && argument.Value.Value is true);

    public static bool IsCustomGradientAttribute(AttributeData attribute) =>
        attribute.AttributeClass?.ToDisplayString() == "DiffGen.CustomGradientAttribute";

    /// <summary>Whether a method's gradient is the user's own ([CustomGradient]): never generated, never lowered in place.</summary>
    public static bool HasCustomGradient(IMethodSymbol method) =>
        method.OriginalDefinition.GetAttributes().Any(IsCustomGradientAttribute);

    public static bool IsNoDerivativeAttribute(AttributeData attribute) =>
        attribute.AttributeClass?.ToDisplayString() == "DiffGen.NoDerivativeAttribute";

    /// <summary>Whether a callee's parameter has a gradient output (and a tangent): floating, or an array or span of floats, without [NoDerivative].</summary>
    public static bool IsDifferentiableParameter(IParameterSymbol parameter) =>
        !parameter.GetAttributes().Any(IsNoDerivativeAttribute)
        && (TryMapAnyCollection(parameter.Type) is { } collection ? collection.Element.IsFloating : TryMap(parameter.Type) is { IsFloating: true });
}
