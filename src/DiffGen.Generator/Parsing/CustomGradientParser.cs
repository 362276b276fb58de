using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using DiffGen.Generator.Diagnostics;
using DiffGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DiffGen.Generator.Parsing;

/// <summary>
/// A <c>[CustomGradient]</c> method: nothing is generated for it, and its <c>{Method}Gradient</c> is the user's. This
/// checks the method (DG0021) and that gradient's signature against the one DiffGen would have generated (DG0020), so
/// that every <c>[Differentiable]</c> caller, whose reverse sweep calls it positionally, compiles and means what it says.
/// </summary>
internal static class CustomGradientParser
{
    public static EquatableArray<DiagnosticInfo> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetNode is LocalFunctionStatementSyntax local)
        {
            return One(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedCustomGradientMethod, DiagnosticInfo.From(local.Identifier.GetLocation()),
                "a local function", "move it out as a static method of the type, beside its '" + local.Identifier.ValueText + "Gradient'"));
        }

        if (context.TargetSymbol is not IMethodSymbol method || context.TargetNode is not MethodDeclarationSyntax syntax)
        {
            return EquatableArray<DiagnosticInfo>.Empty;
        }

        try
        {
            return Check(method, syntax, cancellationToken).ToEquatableArray();
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception exception)
        {
            // Never let an exception escape the generator (CS8785 would drop every generated file).
            return One(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, DiagnosticInfo.From(syntax.Identifier.GetLocation()),
                method.Name, exception.GetType().Name + ": " + exception.Message, "its callers cannot use its gradient"));
        }
    }

    private static List<DiagnosticInfo> Check(IMethodSymbol method, MethodDeclarationSyntax syntax, CancellationToken cancellationToken)
    {
        var at = DiagnosticInfo.From(syntax.Identifier.GetLocation());
        if (method.GetAttributes().FirstOrDefault(TypeMapping.IsDifferentiableAttribute) is { } marked)
        {
            var attribute = marked.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation();
            return new List<DiagnosticInfo>
            {
                DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedCustomGradientMethod, DiagnosticInfo.From(attribute) ?? at,
                    "[Differentiable] together with [CustomGradient]",
                    "keep [CustomGradient] to write '" + method.Name + "Gradient' yourself, or [Differentiable] to have DiffGen generate it from the body"),
            };
        }

        var errors = new List<DiagnosticInfo>();
        void Unsupported(LocationInfo? location, string what, string instead) =>
            errors.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedCustomGradientMethod, location, what, instead));

        if (!method.IsStatic)
        {
            Unsupported(at, "an instance method", "make it static and pass what it reads as parameters");
        }

        if (method.IsGenericMethod)
        {
            Unsupported(DiagnosticInfo.From(syntax.TypeParameterList?.GetLocation()) ?? at, "a generic method", "write one non-generic method per precision (a double and a float overload)");
        }

        var returnType = TypeMapping.TryMap(method.ReturnType);
        if (returnType is not { IsFloating: true } || method.ReturnsByRef || method.ReturnsByRefReadonly)
        {
            Unsupported(DiagnosticInfo.From(syntax.ReturnType.GetLocation()), "returning '" + TypeMapping.Display(method.ReturnType) + "'", "return double or float");
            returnType = null;
        }

        var parameters = new List<Expected>();
        for (var i = 0; i < method.Parameters.Length; i++)
        {
            var parameter = method.Parameters[i];
            var location = DiagnosticInfo.From(syntax.ParameterList.Parameters[i].GetLocation());
            if (parameter.RefKind != RefKind.None)
            {
                var modifier = parameter.RefKind switch
                {
                    RefKind.Out => "out",
                    RefKind.In => "in",
                    RefKind.Ref => "ref",
                    _ => "ref readonly",
                };
                Unsupported(location, "a '" + modifier + "' parameter", "pass '" + parameter.Name + "' by value");
                continue;
            }

            var collection = TypeMapping.IsEnum(parameter.Type) ? null : TypeMapping.TryMapAnyCollection(parameter.Type);
            var element = collection?.Element ?? (TypeMapping.IsEnum(parameter.Type) ? null : TypeMapping.TryMap(parameter.Type) is { Kind: not ScalarKind.Other } scalar ? scalar : null);
            if (element is null)
            {
                Unsupported(location, "a parameter of type '" + TypeMapping.Display(parameter.Type) + "'",
                    "use double, float, double[], float[], ReadOnlySpan<double>, ReadOnlySpan<float>, an integral type or bool (an array of integers or bools too)");
                continue;
            }

            if (element.IsFloating && returnType is not null && element.Kind != returnType.Kind)
            {
                Unsupported(location, "a '" + TypeMapping.Display(parameter.Type) + "' parameter in a method returning '" + returnType.Name + "'",
                    "declare it '" + TypeMapping.Display(parameter.Type).Replace(element.Name, returnType.Name) + "': all floating-point parameters share the return type's precision");
                continue;
            }

            var differentiable = element.IsFloating && !parameter.GetAttributes().Any(TypeMapping.IsNoDerivativeAttribute);
            parameters.Add(new Expected(parameter.Name, TypeMapping.Display(parameter.Type), ExpectedKind.Input, parameter.Type, differentiable ? collection?.Shape ?? ParameterShape.Scalar : null));
        }

        if (errors.Count > 0 || returnType is null)
        {
            return errors;
        }

        // The gradient DiffGen would have generated: the names as MethodParser claims them (seed first, then d + each name).
        var names = new NameScope(method.Parameters.Select(p => p.Name));
        var seed = names.Claim("seed");
        var expected = parameters.ToList();
        foreach (var input in parameters.Where(p => p.OutputShape is not null))
        {
            var output = names.Claim("d" + input.Name);
            expected.Add(input.OutputShape == ParameterShape.Scalar
                ? new Expected(Unescape(output), "ref " + returnType.Name, ExpectedKind.ScalarOutput, null, null)
                : new Expected(Unescape(output), "Span<" + returnType.Name + ">", ExpectedKind.SpanOutput, null, null));
        }

        expected.Add(new Expected(Unescape(seed), returnType.Name, ExpectedKind.Seed, null, null));
        var gradientName = method.Name + "Gradient";
        var signature = Accessibility(method.DeclaredAccessibility) + "static " + returnType.Name + " " + gradientName
            + "(" + string.Join(", ", expected.Select(e => e.Text(returnType))) + ")";

        errors.AddRange(CheckTangents(method, parameters, returnType));
        var candidates = method.ContainingType.GetMembers(gradientName).OfType<IMethodSymbol>().Where(m => m.MethodKind == MethodKind.Ordinary).ToList();
        if (candidates.Count == 0)
        {
            errors.Add(DiagnosticInfo.Create(DiagnosticDescriptors.CustomGradientSignature, at,
                "[CustomGradient] method '" + method.Name + "' has no '" + gradientName + "' in type '" + method.ContainingType.Name + "', and DiffGen generates none for it",
                signature, method.Name));
            return errors;
        }

        // Overloads: the one that matches is it; else the one that matches longest from the start is the one meant.
        var differences = candidates.Select(c => Difference(c, method, expected, returnType, gradientName, cancellationToken)).ToList();
        if (differences.Any(d => d.Problem is null))
        {
            return errors;
        }

        // A gradient whose declaration the compiler cannot bind (an unknown type) is the compiler's to report.
        var closest = differences.OrderByDescending(d => d.Matched).First();
        if (closest.Problem is { } problem && !closest.HasErrorType)
        {
            errors.Add(DiagnosticInfo.Create(DiagnosticDescriptors.CustomGradientSignature, problem.Location ?? at, problem.What, signature, method.Name));
        }

        return errors;
    }

    // The user's FTangent and FHessianVector, when there are any: callers' forward-mode methods call them positionally,
    // with DiffGen's signatures (SecondOrder), so a different one would be a compile error inside a generated file.
    private static IEnumerable<DiagnosticInfo> CheckTangents(IMethodSymbol method, List<Expected> inputs, TypeRef returnType)
    {
        var t = returnType.Name;
        var differentiable = inputs.Where(p => p.OutputShape is not null).ToList();
        string Direction(Expected p, string prefix) => (p.OutputShape == ParameterShape.Scalar ? t : "ReadOnlySpan<" + t + ">") + " " + prefix + p.Name;
        string Output(Expected p, string prefix) => (p.OutputShape == ParameterShape.Scalar ? "ref " + t : "Span<" + t + ">") + " " + prefix + p.Name;
        var tangent = (Name: method.Name + "Tangent", Parameters: inputs.Select(p => p.TypeText + " " + p.Name)
            .Concat(differentiable.Select(p => Direction(p, "t"))).Append("out " + t + " tangent").ToList());
        var hessianVector = (Name: method.Name + "HessianVector", Parameters: inputs.Select(p => p.TypeText + " " + p.Name)
            .Concat(differentiable.Select(p => Direction(p, "v"))).Concat(differentiable.Select(p => Output(p, "d")))
            .Concat(differentiable.Select(p => Output(p, "h"))).Append(t + " seed").ToList());
        var declared = new[] { tangent, hessianVector }
            .Select(m => (m.Name, m.Parameters, Methods: method.ContainingType.GetMembers(m.Name).OfType<IMethodSymbol>().Where(c => c.MethodKind == MethodKind.Ordinary).ToList()))
            .ToList();
        if (declared.All(d => d.Methods.Count == 0))
        {
            yield break; // no tangent of its own: callers' forward-mode methods throw, saying so
        }

        foreach (var (name, parameters, methods) in declared)
        {
            var signature = Accessibility(method.DeclaredAccessibility) + "static " + t + " " + name + "(" + string.Join(", ", parameters) + ")";
            var other = declared.First(d => d.Name != name);
            if (methods.Count == 0)
            {
                yield return DiagnosticInfo.Create(DiagnosticDescriptors.CustomTangentSignature, DiagnosticInfo.From(other.Methods[0].Locations.FirstOrDefault()),
                    "'" + other.Name + "' is declared beside [CustomGradient] method '" + method.Name + "' without '" + name + "', and DiffGen uses the two together", signature, method.Name);
            }
            else if (!methods.Any(m => TangentFits(m, parameters.Count, inputs, differentiable, returnType, name.EndsWith("HessianVector", StringComparison.Ordinal))))
            {
                yield return DiagnosticInfo.Create(DiagnosticDescriptors.CustomTangentSignature, DiagnosticInfo.From(methods[0].Locations.FirstOrDefault()),
                    "'" + name + "' beside [CustomGradient] method '" + method.Name + "' is not declared as DiffGen calls it", signature, method.Name);
            }
        }
    }

    // Positional types: the inputs, then directions (a scalar, or a read-only span of one per array), then for the
    // Hessian-vector product the gradient and H·v outputs and the seed; the tangent ends with 'out' the tangent.
    private static bool TangentFits(IMethodSymbol candidate, int count, List<Expected> inputs, List<Expected> differentiable, TypeRef returnType, bool hessianVector)
    {
        if (!candidate.IsStatic || candidate.Parameters.Length != count || TypeMapping.TryMap(candidate.ReturnType) != returnType)
        {
            return false;
        }

        bool Scalar(IParameterSymbol p, RefKind kind) => p.RefKind == kind && TypeMapping.TryMap(p.Type) == returnType;
        bool SpanOf(IParameterSymbol p, string span) => p.RefKind == RefKind.None && p.Type is INamedTypeSymbol { IsGenericType: true, Arity: 1 } named
            && named.ConstructedFrom.ToDisplayString() == span && TypeMapping.TryMap(named.TypeArguments[0]) == returnType;
        var at = 0;
        foreach (var input in inputs)
        {
            var p = candidate.Parameters[at++];
            if (p.RefKind != RefKind.None || !SymbolEqualityComparer.Default.Equals(p.Type, input.Type))
            {
                return false;
            }
        }

        foreach (var input in differentiable)
        {
            var p = candidate.Parameters[at++];
            if (input.OutputShape == ParameterShape.Scalar ? !Scalar(p, RefKind.None) : !SpanOf(p, "System.ReadOnlySpan<T>"))
            {
                return false;
            }
        }

        if (!hessianVector)
        {
            return Scalar(candidate.Parameters[at], RefKind.Out);
        }

        for (var pass = 0; pass < 2; pass++)
        {
            foreach (var input in differentiable)
            {
                var p = candidate.Parameters[at++];
                if (input.OutputShape == ParameterShape.Scalar ? !Scalar(p, RefKind.Ref) : !SpanOf(p, "System.Span<T>"))
                {
                    return false;
                }
            }
        }

        return Scalar(candidate.Parameters[at], RefKind.None);
    }

    private enum ExpectedKind
    {
        Input,
        ScalarOutput,
        SpanOutput,
        Seed,
    }

    /// <summary>One parameter of the expected gradient; an input carries its type and, when differentiable, the shape of its output.</summary>
    private sealed record Expected(string Name, string TypeText, ExpectedKind Kind, ITypeSymbol? Type, ParameterShape? OutputShape)
    {
        public string Text(TypeRef returnType) =>
            TypeText + " " + MethodParser.Escape(Name) + (Kind == ExpectedKind.Seed ? (returnType.Kind == ScalarKind.Float ? " = 1f" : " = 1.0") : string.Empty);

        public bool Matches(IParameterSymbol actual, TypeRef returnType)
        {
            if (actual.Name != Name)
            {
                return false;
            }

            return Kind switch
            {
                ExpectedKind.Input => actual.RefKind == RefKind.None && SymbolEqualityComparer.Default.Equals(actual.Type, Type),
                ExpectedKind.ScalarOutput => actual.RefKind == RefKind.Ref && TypeMapping.TryMap(actual.Type) == returnType,
                ExpectedKind.SpanOutput => actual.RefKind == RefKind.None && actual.Type is INamedTypeSymbol { IsGenericType: true, Arity: 1 } span
                    && span.ConstructedFrom.ToDisplayString() == "System.Span<T>" && TypeMapping.TryMap(span.TypeArguments[0]) == returnType,
                _ => actual.RefKind == RefKind.None && TypeMapping.TryMap(actual.Type) == returnType && actual.HasExplicitDefaultValue
                    && actual.ExplicitDefaultValue is double or float && Convert.ToDouble(actual.ExplicitDefaultValue, System.Globalization.CultureInfo.InvariantCulture) == 1.0,
            };
        }
    }

    /// <summary>The first way a declared gradient differs from the expected one (null: none), and how many parameters matched before it.</summary>
    private sealed record Mismatch(int Matched, (LocationInfo? Location, string What)? Problem, bool HasErrorType);

    private static Mismatch Difference(IMethodSymbol gradient, IMethodSymbol method, List<Expected> expected, TypeRef returnType, string gradientName, CancellationToken cancellationToken)
    {
        var syntax = gradient.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) as MethodDeclarationSyntax;
        var hasErrorType = gradient.ReturnType.TypeKind == TypeKind.Error || gradient.Parameters.Any(p => p.Type.TypeKind == TypeKind.Error);
        LocationInfo? ParameterAt(int i) => syntax is not null && i < syntax.ParameterList.Parameters.Count ? DiagnosticInfo.From(syntax.ParameterList.Parameters[i].GetLocation()) : null;
        string Declared(int i) => syntax is not null && i < syntax.ParameterList.Parameters.Count
            ? syntax.ParameterList.Parameters[i].ToString()
            : TypeMapping.Display(gradient.Parameters[i].Type) + " " + gradient.Parameters[i].Name;
        var identifier = DiagnosticInfo.From(syntax?.Identifier.GetLocation());

        var matched = 0;
        while (matched < expected.Count && matched < gradient.Parameters.Length && expected[matched].Matches(gradient.Parameters[matched], returnType))
        {
            matched++;
        }

        Mismatch Problem(LocationInfo? location, string what) => new(matched, (location, what), hasErrorType);
        if (matched < expected.Count && matched < gradient.Parameters.Length)
        {
            return Problem(ParameterAt(matched), "parameter " + (matched + 1) + " of '" + gradientName + "', '" + Declared(matched) + "', must be '" + expected[matched].Text(returnType) + "'");
        }

        if (matched < expected.Count)
        {
            var list = DiagnosticInfo.From(syntax?.ParameterList.GetLocation());
            return Problem(list, "'" + gradientName + "' ends before its parameter " + (matched + 1) + ", '" + expected[matched].Text(returnType) + "'");
        }

        if (matched < gradient.Parameters.Length)
        {
            return Problem(ParameterAt(matched), "'" + gradientName + "' has a parameter '" + Declared(matched) + "' after its last, '" + expected[expected.Count - 1].Text(returnType) + "'");
        }

        if (TypeMapping.TryMap(gradient.ReturnType) != returnType || gradient.ReturnsByRef || gradient.ReturnsByRefReadonly)
        {
            return Problem(DiagnosticInfo.From(syntax?.ReturnType.GetLocation()) ?? identifier,
                "'" + gradientName + "' returns '" + TypeMapping.Display(gradient.ReturnType) + "' where it must return the value of '" + method.Name + "', a '" + returnType.Name + "'");
        }

        if (!gradient.IsStatic)
        {
            return Problem(identifier, "'" + gradientName + "' is not static");
        }

        if (gradient.IsGenericMethod)
        {
            return Problem(DiagnosticInfo.From(syntax?.TypeParameterList?.GetLocation()) ?? identifier, "'" + gradientName + "' is generic");
        }

        if (Rank(gradient.DeclaredAccessibility) < Rank(method.DeclaredAccessibility))
        {
            return Problem(identifier, "'" + gradientName + "' is " + Accessibility(gradient.DeclaredAccessibility).TrimEnd()
                + ", and the callers of the " + Accessibility(method.DeclaredAccessibility).TrimEnd() + " '" + method.Name + "' must be able to call it");
        }

        return new Mismatch(matched, null, hasErrorType);
    }

    private static int Rank(Accessibility accessibility) => accessibility switch
    {
        Microsoft.CodeAnalysis.Accessibility.Public => 4,
        Microsoft.CodeAnalysis.Accessibility.ProtectedOrInternal => 3,
        Microsoft.CodeAnalysis.Accessibility.Internal or Microsoft.CodeAnalysis.Accessibility.Protected => 2,
        Microsoft.CodeAnalysis.Accessibility.ProtectedAndInternal => 1,
        _ => 0,
    };

    private static string Accessibility(Accessibility accessibility) => accessibility switch
    {
        Microsoft.CodeAnalysis.Accessibility.Public => "public ",
        Microsoft.CodeAnalysis.Accessibility.Internal => "internal ",
        Microsoft.CodeAnalysis.Accessibility.Protected => "protected ",
        Microsoft.CodeAnalysis.Accessibility.ProtectedOrInternal => "protected internal ",
        Microsoft.CodeAnalysis.Accessibility.ProtectedAndInternal => "private protected ",
        _ => "private ",
    };

    private static string Unescape(string name) => name.TrimStart('@');

    private static EquatableArray<DiagnosticInfo> One(DiagnosticInfo diagnostic) => new[] { diagnostic }.ToEquatableArray();
}
