using System.Collections.Generic;
using System.Linq;
using DiffGen.Generator.Model;
using Microsoft.CodeAnalysis;

namespace DiffGen.Generator.Parsing;

/// <summary>
/// Lists a model type's trainable members for the registration <c>ParameterSet.FromModel</c> uses: every
/// floating-point array and settable scalar in its tree of fields and auto-properties, nested models and
/// arrays of models included, by member path. Members generated code cannot reach are listed as left out.
/// </summary>
internal static class ModelLayouts
{
    private const int MaxDepth = 8;

    /// <summary>The layout of a class or record model trained in <paramref name="element"/>; null for a struct or a type of another assembly.</summary>
    public static ModelLayoutSpec? Describe(ITypeSymbol type, TypeRef element, Compilation compilation)
    {
        if (type is not INamedTypeSymbol { IsReferenceType: true } named || named.DeclaringSyntaxReferences.Length == 0
            || !compilation.IsSymbolAccessibleWithin(named, compilation.Assembly) || named.IsGenericType)
        {
            return null;
        }

        var leftOut = new List<string>();
        var members = Members(named, element, compilation, string.Empty, leftOut, new List<ITypeSymbol>());
        var typeText = MethodParser.TypeText(named);
        var hint = named.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", string.Empty) + "." + element.Name + ".Layout.g.cs";
        return new ModelLayoutSpec(hint, typeText, element, members.ToEquatableArray(), leftOut.ToEquatableArray());
    }

    private static List<LayoutMember> Members(INamedTypeSymbol type, TypeRef element, Compilation compilation, string prefix, List<string> leftOut, List<ITypeSymbol> enclosing)
    {
        var result = new List<LayoutMember>();
        if (enclosing.Count >= MaxDepth || enclosing.Contains(type, SymbolEqualityComparer.Default))
        {
            leftOut.Add(prefix.TrimEnd('.') + ": a model nested in itself or more than " + MaxDepth + " deep");
            return result;
        }

        enclosing.Add(type);

        // Its own members and its base classes', the bases' first (declaration order within each).
        var declaring = new List<INamedTypeSymbol>();
        for (var t = type; t is not null && t.SpecialType != SpecialType.System_Object && t.SpecialType != SpecialType.System_ValueType; t = t.BaseType)
        {
            declaring.Insert(0, t);
        }

        var canReachFields = compilation.GetTypeByMetadataName("System.Runtime.CompilerServices.UnsafeAccessorAttribute") is not null;
        foreach (var field in declaring.SelectMany(t => t.GetMembers()).OfType<IFieldSymbol>().Where(f => !f.IsStatic && !f.IsConst))
        {
            // An auto-property is listed by its property; other compiler-made fields not at all.
            ISymbol member = field.AssociatedSymbol as IPropertySymbol ?? (ISymbol)field;
            if (member is IFieldSymbol && field.IsImplicitlyDeclared || member.GetAttributes().Any(TypeMapping.IsNoDerivativeAttribute))
            {
                continue;
            }

            var memberType = field.Type;
            var path = prefix + member.Name;
            var access = MethodParser.MemberStep(member, memberType);   // as the [Differentiable] body reads it
            var accessible = compilation.IsSymbolAccessibleWithin(member, compilation.Assembly)
                && (member is not IPropertySymbol { GetMethod: var getter } || getter is not null && compilation.IsSymbolAccessibleWithin(getter, compilation.Assembly));
            var trainable = TypeMapping.TryMap(memberType) is { IsFloating: true } scalar && scalar == element
                || TypeMapping.TryMapCollection(memberType) is { Shape: ParameterShape.Array } array && array.Element == element
                || TypeMapping.IsModelType(memberType)
                || memberType is IArrayTypeSymbol { ElementType: var modelElement } && TypeMapping.IsModelType(modelElement);
            if (!trainable)
            {
                if (TypeMapping.TryMap(memberType) is { IsFloating: true } || TypeMapping.TryMapCollection(memberType) is not null)
                {
                    leftOut.Add(path + ": " + TypeMapping.Display(memberType) + " in a model trained in " + element.Name + " (a ParameterSet<" + element.Name + "> holds " + element.Name + " values)");
                }

                continue;
            }

            // A private field (behind a computed property) or private auto-property of a class: through its field's accessor.
            var hidden = !accessible && canReachFields && field.ContainingType is { IsReferenceType: true, IsGenericType: false } owner
                && (TypeMapping.TryMap(memberType) is not null || TypeMapping.TryMapCollection(memberType) is not null)
                ? new FieldStorage(field.Name, MethodParser.TypeText(field.ContainingType))
                : null;
            if (hidden is not null)
            {
                result.Add(new LayoutMember(path, access, TypeMapping.TryMap(memberType) is not null ? LayoutKind.Scalar : LayoutKind.Array, Storage: hidden));
                continue;
            }

            if (!accessible)
            {
                leftOut.Add(path + ": not accessible from generated code (make it internal or public)");
                continue;
            }

            if (TypeMapping.TryMap(memberType) is { IsFloating: true })
            {
                var settable = TypeMapping.IsAssignable(member) && (member is not IPropertySymbol { SetMethod: { } setter } || compilation.IsSymbolAccessibleWithin(setter, compilation.Assembly));
                var storage = settable || !field.ContainingType.IsReferenceType || field.ContainingType.IsGenericType || !canReachFields ? null
                    : new FieldStorage(field.Name, MethodParser.TypeText(field.ContainingType));
                if (settable || storage is not null)
                {
                    result.Add(new LayoutMember(path, access, LayoutKind.Scalar, Storage: storage));
                }
                else
                {
                    leftOut.Add(path + ": an optimizer could not write it (give it a setter, or make it a field that is not readonly)");
                }
            }
            else if (memberType is IArrayTypeSymbol { ElementType: INamedTypeSymbol modelElementType } && TypeMapping.IsModelType(modelElementType))
            {
                if (modelElementType.IsValueType)
                {
                    leftOut.Add(path + ": an array of structs (use a class for its elements)");
                    continue;
                }

                var elements = Members(modelElementType, element, compilation, string.Empty, leftOut, enclosing);
                result.Add(new LayoutMember(path, access, LayoutKind.ModelArray, elements.ToEquatableArray()));
            }
            else if (TypeMapping.IsModelType(memberType))
            {
                if (memberType.IsValueType && member is not IFieldSymbol { IsReadOnly: false })
                {
                    leftOut.Add(path + ": a struct an optimizer could not write through (make it a field that is not readonly)");
                    continue;
                }

                result.AddRange(Members((INamedTypeSymbol)memberType, element, compilation, path + ".", leftOut, enclosing)
                    .Select(m => m with { Access = access + m.Access }));
            }
            else
            {
                result.Add(new LayoutMember(path, access, LayoutKind.Array));
            }
        }

        enclosing.RemoveAt(enclosing.Count - 1);
        return result;
    }
}
