using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using DiffGen.Generator.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DiffGen.Generator.Parsing;

/// <summary>Which generated method of a [Differentiable] callee a body calls.</summary>
internal enum NestedKind
{
    /// <summary><c>FTangent(inputs, tangents, out t)</c>: a directional derivative.</summary>
    Tangent,

    /// <summary><c>FGradient(inputs, ref d…, seed?)</c>: a gradient, here of a callee whose differentiable parameters are scalars.</summary>
    Gradient,
}

/// <summary>A call of a callee's generated <c>…Tangent</c> or <c>…Gradient</c> from a [Differentiable] body: nested differentiation.</summary>
internal sealed record NestedCall(IMethodSymbol Callee, NestedKind Kind);

/// <summary>
/// Finds the calls of generated tangents and gradients in a [Differentiable] body. The generator cannot see its own
/// output, so in this compilation such a call does not bind (CS0103/CS0117, its result typeless): it is recognized by
/// name and argument count, and the errors it causes are the only ones the body may have. Its result must reach a
/// typed place, which is all the typeless binding cannot give.
/// </summary>
internal static class NestedCalls
{
    private static readonly string[] Suffixes = { "Tangent", "Gradient" };

    /// <summary>The nested calls of <paramref name="body"/> and the diagnostics for those written in a way DiffGen cannot take.</summary>
    public static (Dictionary<InvocationExpressionSyntax, NestedCall> Calls, List<DiagnosticInfo> Diagnostics) Find(
        SemanticModel model, SyntaxNode body, ITypeSymbol returnType, CancellationToken cancellationToken)
    {
        var calls = new Dictionary<InvocationExpressionSyntax, NestedCall>();
        var diagnostics = new List<DiagnosticInfo>();
        foreach (var invocation in body.DescendantNodes().OfType<InvocationExpressionSyntax>())
        {
            if (model.GetSymbolInfo(invocation, cancellationToken).Symbol is not null || Resolve(model, invocation, cancellationToken) is not { } call)
            {
                continue;
            }

            var name = call.Callee.Name + call.Kind;
            if (!SymbolEqualityComparer.Default.Equals(call.Callee.ReturnType, returnType))
            {
                diagnostics.Add(Unsupported(invocation, "calling '" + name + "', which returns '" + call.Callee.ReturnType.ToDisplayString() + "', from a method returning '" + returnType.ToDisplayString() + "'",
                    "give '" + call.Callee.Name + "' this method's precision"));
                continue;
            }

            if (invocation.ArgumentList.Arguments.FirstOrDefault(a => a.Expression is DeclarationExpressionSyntax { Type.IsVar: true }) is { } implicitOut)
            {
                diagnostics.Add(Unsupported(implicitOut, "'out var' with the generated '" + name + "'", "write the tangent's type: 'out " + returnType.ToDisplayString() + " " + ((DeclarationExpressionSyntax)implicitOut.Expression).Designation + "'"));
                continue;
            }

            if (invocation.Ancestors().TakeWhile(a => a != body).Any(a => a is AnonymousFunctionExpressionSyntax))
            {
                diagnostics.Add(Unsupported(invocation, "calling the generated '" + name + "' inside a lambda",
                    "call it in the method's body (a loop instead of LINQ), or in a local function"));
                continue;
            }

            if (invocation.Parent is EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Type.IsVar: true } } })
            {
                diagnostics.Add(Unsupported(invocation, "'var' for the value of the generated '" + name + "'", "write its type: '" + returnType.ToDisplayString() + " value = " + name + "(…);'"));
                continue;
            }

            if (!ReachesTypedPlace(invocation))
            {
                diagnostics.Add(Unsupported(invocation, "using the value of the generated '" + name + "' inside a larger expression",
                    "write the call as a statement of its own, or assign its value to a typed local first ('" + returnType.ToDisplayString() + " value = " + name + "(…);')"));
                continue;
            }

            calls.Add(invocation, call);
        }

        return (calls, diagnostics);
    }

    /// <summary>Whether a compiler error is one a nested call causes in this compilation (the generated method is not in it yet).</summary>
    public static bool Explains(IReadOnlyDictionary<InvocationExpressionSyntax, NestedCall> calls, Diagnostic diagnostic) =>
        diagnostic.Id is "CS0103" or "CS0117"
        && calls.Keys.Any(c => c.Expression.Span.Contains(diagnostic.Location.SourceSpan));

    /// <summary>The callee and kind of a call named like a generated tangent or gradient, when its arguments fit one.</summary>
    public static NestedCall? Resolve(SemanticModel model, InvocationExpressionSyntax invocation, CancellationToken cancellationToken)
    {
        var (name, owners) = invocation.Expression switch
        {
            IdentifierNameSyntax identifier => (identifier.Identifier.ValueText, EnclosingTypes(model.GetEnclosingSymbol(invocation.SpanStart, cancellationToken)?.ContainingType)),
            MemberAccessExpressionSyntax member when model.GetSymbolInfo(member.Expression, cancellationToken).Symbol is INamedTypeSymbol type => (member.Name.Identifier.ValueText, new[] { type }),
            _ => (string.Empty, Array.Empty<INamedTypeSymbol>()),
        };
        foreach (var suffix in Suffixes)
        {
            if (name.Length <= suffix.Length || !name.EndsWith(suffix, StringComparison.Ordinal))
            {
                continue;
            }

            var kind = suffix == "Tangent" ? NestedKind.Tangent : NestedKind.Gradient;
            var count = invocation.ArgumentList.Arguments.Count;
            foreach (var owner in owners)
            {
                var candidates = owner.GetMembers(name.Substring(0, name.Length - suffix.Length)).OfType<IMethodSymbol>()
                    .Where(m => m.IsStatic && !m.IsGenericMethod && m.GetAttributes().Any(TypeMapping.IsDifferentiableAttribute) && !TypeMapping.HasCustomGradient(m))
                    .Where(m => Fits(m, kind, count))
                    .ToList();
                if (candidates.Count == 1)
                {
                    return new NestedCall(candidates[0], kind);
                }
            }
        }

        return null;
    }

    // FTangent takes the inputs, a tangent per differentiable input and the out tangent; FGradient the inputs, an output
    // per differentiable input and an optional seed.
    private static bool Fits(IMethodSymbol method, NestedKind kind, int arguments)
    {
        var inputs = method.Parameters.Length;
        var differentiable = method.Parameters.Count(TypeMapping.IsDifferentiableParameter);
        return kind == NestedKind.Tangent
            ? arguments == inputs + differentiable + 1
            : arguments == inputs + differentiable || arguments == inputs + differentiable + 1;
    }

    private static INamedTypeSymbol[] EnclosingTypes(INamedTypeSymbol? type)
    {
        var types = new List<INamedTypeSymbol>();
        for (var t = type; t is not null; t = t.ContainingType)
        {
            types.Add(t);
        }

        return types.ToArray();
    }

    // A statement of its own, the initializer of a local whose type is written, the right side of an assignment, or
    // what is returned: places whose type the body states, where an unbound call's value needs no conversion inferred.
    private static bool ReachesTypedPlace(InvocationExpressionSyntax invocation)
    {
        SyntaxNode node = invocation;
        while (node.Parent is ParenthesizedExpressionSyntax parenthesized)
        {
            node = parenthesized;
        }

        return node.Parent switch
        {
            ExpressionStatementSyntax => true,
            EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Type.IsVar: false } } } => true,
            AssignmentExpressionSyntax assignment => assignment.IsKind(SyntaxKind.SimpleAssignmentExpression) && assignment.Right == node && assignment.Parent is ExpressionStatementSyntax,
            ReturnStatementSyntax => true,
            ArrowExpressionClauseSyntax { Parent: MethodDeclarationSyntax } => true,
            _ => false,
        };
    }

    private static DiagnosticInfo Unsupported(SyntaxNode at, string what, string instead) =>
        DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedExpression, DiagnosticInfo.From(at.GetLocation()), what, instead);
}
