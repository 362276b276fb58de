using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using DiffGen.Generator.Analysis;
using DiffGen.Generator.Diagnostics;
using DiffGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DiffGen.Generator.Parsing;

/// <summary>
/// Stage 2: checks a <c>[Differentiable]</c> method's declaration against the contract and lowers
/// its body. The only stage that touches Roslyn symbols; it returns a cacheable <see cref="ParseResult"/>.
/// </summary>
internal static class MethodParser
{
    /// <summary>Test hook: called with each method's name before parsing, to prove a failure stays contained.</summary>
    internal static Action<string>? FaultInjection;

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetNode is LocalFunctionStatementSyntax localFunction)
        {
            return Failure(DiagnosticInfo.Create(
                DiagnosticDescriptors.UnsupportedStatement,
                DiagnosticInfo.From(localFunction.Identifier.GetLocation()),
                "[Differentiable] on a local function",
                "move it out as a static [Differentiable] method of the type and call it"));
        }

        if (context.TargetSymbol is not IMethodSymbol method || context.TargetNode is not MethodDeclarationSyntax syntax)
        {
            return new ParseResult(null, EquatableArray<DiagnosticInfo>.Empty);
        }

        // A partial method's attribute may sit on the declaration; its body is on the implementation.
        if (method.PartialImplementationPart is { } implementation
            && implementation.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is MethodDeclarationSyntax implementationSyntax)
        {
            if (implementationSyntax.SyntaxTree != syntax.SyntaxTree)
            {
                // Its body is in another file, which this step does not watch: an edit there would leave the gradient stale.
                return Failure(DiagnosticInfo.Create(DiagnosticDescriptors.PartialBodyInAnotherFile, DiagnosticInfo.From(syntax.Identifier.GetLocation()), method.Name));
            }

            method = implementation;
            syntax = implementationSyntax;
        }

        // [CustomGradient] too: its gradient is the user's, and the [CustomGradient] check reports the conflict (DG0021).
        if (TypeMapping.HasCustomGradient(method))
        {
            return new ParseResult(null, EquatableArray<DiagnosticInfo>.Empty);
        }

        try
        {
            FaultInjection?.Invoke(method.Name);
            return ParseMethod(context.SemanticModel, method, syntax, context.Attributes.Any(TypeMapping.AsksForGraph), cancellationToken);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception exception)
        {
            // An exception escaping a generator drops every generated file (CS8785); keep it to this method.
            return Failure(DiagnosticInfo.Create(
                DiagnosticDescriptors.InternalError,
                DiagnosticInfo.From(syntax.Identifier.GetLocation()),
                method.Name,
                exception.GetType().Name + ": " + exception.Message,
                "the method has no gradient"));
        }
    }

    private static ParseResult ParseMethod(SemanticModel model, IMethodSymbol method, MethodDeclarationSyntax syntax, bool graph, CancellationToken cancellationToken)
    {
        var at = DiagnosticInfo.From(syntax.Identifier.GetLocation());
        var diagnostics = new List<DiagnosticInfo>();

        // An instance method of a struct, class or record reads its instance's members as inputs.
        if (!method.IsStatic && method.ContainingType.TypeKind is not (TypeKind.Class or TypeKind.Struct))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MethodNotStatic, at, method.Name));
        }

        if (method.IsGenericMethod)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GenericMethod, DiagnosticInfo.From(syntax.TypeParameterList!.GetLocation()), method.Name));
        }

        for (var type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            if (!IsPartial(type))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TypeNotPartial, at, type.Name, method.Name + "Gradient"));
            }
            else if (type.IsFileLocal)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.FileLocalType, at, type.Name, method.Name + "Gradient"));
            }
        }

        // A method that writes output arrays (void) or returns an array is vector-valued: it has a vector-Jacobian
        // product and a Jacobian of its own, and [Differentiable] callers of this compilation still differentiate
        // it in place, from its body. A tuple's is for those callers only: it has no generated method.
        var form = ResultForm.Scalar;
        TypeRef? returnType;
        if (diagnostics.Count == 0 && IsInlinedResult(method.ReturnType))
        {
            if (method.ReturnType is INamedTypeSymbol { IsTupleType: true })
            {
                return new ParseResult(null, EquatableArray<DiagnosticInfo>.Empty);
            }

            if (!method.IsStatic)
            {
                // A vector-valued instance method would need a Jacobian with respect to its instance: not yet.
                return Failure(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedVectorMethod, at,
                    "an instance method", "remove [Differentiable] (its [Differentiable] callers differentiate it in place), or make it static with the arrays it reads as parameters"));
            }

            form = method.ReturnsVoid ? ResultForm.Outputs : ResultForm.Array;
            returnType = form == ResultForm.Array
                ? TypeMapping.TryMap(((IArrayTypeSymbol)method.ReturnType).ElementType)
                : method.Parameters.Select(p => VectorElement(p.Type) ?? TypeMapping.TryMap(p.Type)).FirstOrDefault(t => t is { IsFloating: true });
            if (returnType is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedVectorMethod, at,
                    "a void method without a double or float parameter", "write its results into a Span<double> or double[] parameter, or return them"));
            }
        }
        else
        {
            returnType = TypeMapping.TryMap(method.ReturnType);
            if (returnType is not { IsFloating: true } || method.ReturnsByRef || method.ReturnsByRefReadonly)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedReturnType, DiagnosticInfo.From(syntax.ReturnType.GetLocation()), method.Name, TypeMapping.Display(method.ReturnType)));
                returnType = null;
            }
        }

        if (syntax.Body is null && syntax.ExpressionBody is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoBody, at, method.Name));
        }

        var models = new List<(IParameterSymbol Parameter, bool Differentiable)>();
        var parameters = ClassifyParameters(method, syntax, returnType, diagnostics, form, models);
        if (form != ResultForm.Scalar && models.Count > 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedVectorMethod, DiagnosticInfo.From(syntax.ParameterList.Parameters[models[0].Parameter.Ordinal].GetLocation()),
                "a vector-valued method with a model parameter", "pass the model's arrays and scalars as parameters, or compute a scalar (a [Differentiable] method returning double may take models)"));
        }
        if (diagnostics.Count == 0 && returnType is not null && form == ResultForm.Scalar && DeclaredGradient(method, parameters, returnType) is { } declared)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GradientAlreadyDeclared, DiagnosticInfo.From(declared.Locations.FirstOrDefault()), method.ContainingType.Name, declared.Name));
        }

        if (diagnostics.Count > 0 || returnType is null)
        {
            return new ParseResult(null, diagnostics.ToEquatableArray());
        }

        // The body must compile before it can be differentiated; the compiler reports its own errors.
        // Calls of generated tangents and gradients (nested differentiation) do not bind here: theirs are the only errors allowed.
        var bodySyntax = (SyntaxNode?)syntax.Body ?? syntax.ExpressionBody!;
        var (nestedCalls, nestedErrors) = NestedCalls.Find(model, bodySyntax, method.ReturnType, cancellationToken);
        if (nestedErrors.Count > 0
            || model.GetDiagnostics(bodySyntax.Span, cancellationToken).Any(d => d.Severity == DiagnosticSeverity.Error && !NestedCalls.Explains(nestedCalls, d)))
        {
            return new ParseResult(null, nestedErrors.Concat(CallsOfGeneratedGradients(model, bodySyntax, nestedCalls, cancellationToken)).ToEquatableArray());
        }

        var operation = model.GetOperation(syntax, cancellationToken);
        var body = operation switch
        {
            Microsoft.CodeAnalysis.Operations.IMethodBodyOperation m => (IOperation?)m.BlockBody ?? m.ExpressionBody,
            _ => null,
        };
        if (body is null)
        {
            return Failure(DiagnosticInfo.Create(DiagnosticDescriptors.NoBody, at, method.Name));
        }

        // A void method's outputs are the arrays and spans it writes: a first lowering, with every one of them
        // writable, finds which; the second knows them (the others are inputs, read-only as ever).
        var written = new HashSet<IParameterSymbol>(SymbolEqualityComparer.Default);
        if (form == ResultForm.Outputs)
        {
            var trial = LowerBody(model, method, body, parameters, models, returnType, form, new HashSet<IParameterSymbol>(parameters.Where(p => IsWritable(p.Parameter.Type)).Select(p => p.Parameter), SymbolEqualityComparer.Default), nestedCalls, cancellationToken);
            if (trial.Program is null)
            {
                return new ParseResult(null, trial.Lowerer.Diagnostics.ToEquatableArray());
            }

            var writes = new HashSet<int>(IrQueries.Walk(trial.Program.Body).OfType<ElementWriteStatement>().Select(w => w.Array));
            written.UnionWith(parameters.Where((p, i) => writes.Contains(trial.Specs[i].Variable)).Select(p => p.Parameter));
            var outputErrors = new List<DiagnosticInfo>();
            for (var i = 0; i < parameters.Count; i++)
            {
                if (written.Contains(parameters[i].Parameter) && !parameters[i].Type.IsFloating)
                {
                    outputErrors.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedVectorMethod, DiagnosticInfo.From(syntax.ParameterList.Parameters[method.Parameters.IndexOf(parameters[i].Parameter)].GetLocation()),
                        "writing into the " + parameters[i].Type.Name + " parameter '" + parameters[i].Parameter.Name + "'",
                        "its outputs are " + returnType.Name + " elements; compute integer results in a separate method, or write them into a local array"));
                }
            }

            if (outputErrors.Count == 0 && !parameters.Any(p => written.Contains(p.Parameter) && p.Differentiable))
            {
                outputErrors.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedVectorMethod, at,
                    "a void method that writes no output", "write its results into a Span<" + returnType.Name + "> or " + returnType.Name + "[] parameter without [NoDerivative] (a [NoDerivative] one is scratch, not an output), or return them"));
            }

            if (outputErrors.Count > 0)
            {
                return new ParseResult(null, outputErrors.ToEquatableArray());
            }
        }

        var (lowerer, specs, modelSpecs, names, seedName, jacobianName, program) = LowerBody(model, method, body, parameters, models, returnType, form, written, nestedCalls, cancellationToken);
        if (program is null)
        {
            return new ParseResult(null, lowerer.Diagnostics.ToEquatableArray());
        }

        if (graph && IrQueries.Flatten(program.Body).Any(a => a.Operation is TangentCall))
        {
            // The graph records each call as one node through the callee's gradient; a tangent call has two results.
            return Failure(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedExpression, at,
                "drawing the graph (Graph = true) of a method that calls a generated tangent or gradient", "remove Graph = true, or draw the graph of the method whose derivative it takes"));
        }

        if (graph && specs.Any(p => p.Member is { OfModels: true }))
        {
            return Failure(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedExpression, at,
                "drawing the graph (Graph = true) of a method that reads an array of models", "remove Graph = true, or give each layer a member of its own"));
        }

        var callErrors = CallsWithoutDerivative(program, specs, lowerer.CallSites, lowerer.OpaqueCallLocations, lowerer.InlineFailures);
        if (callErrors.Count > 0)
        {
            return new ParseResult(null, callErrors.ToEquatableArray());
        }

        var containing = ContainingTypes(method.ContainingType);
        var ns = method.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : null;
        var spec = new MethodSpec(
            HintName(method, ns),
            ns,
            containing.ToEquatableArray(),
            Accessibility(method.DeclaredAccessibility),
            method.Name,
            method.Name + "Gradient",
            Escape(method.Name) + "(" + string.Join(", ", method.Parameters.Select(p => TypeText(p.Type).Replace('<', '{').Replace('>', '}'))) + ")",
            returnType,
            specs.ToEquatableArray(),
            seedName,
            program,
            Graph: graph && form == ResultForm.Scalar,
            Form: form,
            JacobianName: jacobianName,
            Models: modelSpecs.ToEquatableArray(),
            IsInstance: !method.IsStatic);

        // With a [NoDerivative] floating scalar, a second gradient also differentiates those, for callers that pass them varied values.
        static bool ConstantScalar(ParameterSpec p) => p.Shape == ParameterShape.Scalar && p.Type.IsFloating && !p.IsDifferentiable && p.Member is null;
        var full = form == ResultForm.Scalar && specs.Any(ConstantScalar)
            ? spec with
            {
                HintName = HintName(method, ns, suffix: ".Full"),
                GradientName = FullGradientName(method),
                Parameters = specs.Select(p => ConstantScalar(p) ? p with { GradientName = names.Claim("d" + p.Name.TrimStart('@')) } : p).ToEquatableArray(),
                IsFull = true,
                Graph = false,
            }
            : null;
        var fullName = FullGradientKey(method);
        // Counted with the full gradient's inputs when it has one: its own reverse sweep may call full gradients too.
        // Class and record models get a registration for ParameterSet.FromModel, when the runtime has one.
        var layouts = new List<ModelLayoutSpec>();
        if (model.Compilation.GetTypeByMetadataName("DiffGen.ModelLayout`2") is not null
            && model.Compilation.GetTypeByMetadataName("System.Runtime.CompilerServices.ModuleInitializerAttribute") is not null)
        {
            var roots = (method.IsStatic ? Enumerable.Empty<ITypeSymbol>() : new[] { method.ContainingType }).Concat(models.Select(m => m.Parameter.Type));
            layouts.AddRange(roots.Select(type => ModelLayouts.Describe(type, returnType, model.Compilation)).OfType<ModelLayoutSpec>());
        }

        // What the full gradient alone would lose: a derivative with respect to a [NoDerivative] scalar passed on into a call
        // that has none for it (a [CustomGradient]'s, a library's without full gradients, a call without a derivative).
        var fullFailures = full is null
            ? EquatableArray<DiagnosticInfo>.Empty
            : CallsWithoutDerivative(program, full.Parameters.ToList(), lowerer.CallSites, lowerer.OpaqueCallLocations, lowerer.InlineFailures, fullOf: method.Name).ToEquatableArray();
        return new ParseResult(spec, EquatableArray<DiagnosticInfo>.Empty, full, fullName, FullGradientsCalled(program, full?.Parameters ?? (IEnumerable<ParameterSpec>)specs), layouts.ToEquatableArray(), fullFailures);
    }

    /// <summary>One lowering of a body, with its parameters' specs (model members read included), its models and the names it claimed.</summary>
    private sealed record Lowering(BodyLowerer Lowerer, List<ParameterSpec> Specs, List<ModelSpec> Models, NameScope Names, string SeedName, string? JacobianName, IrProgram? Program);

    // Lowers the body with the given parameters as written outputs (Output variables) and the others read-only.
    private static Lowering LowerBody(
        SemanticModel model,
        IMethodSymbol method,
        IOperation body,
        List<(IParameterSymbol Parameter, ParameterShape Shape, TypeRef Type, bool Differentiable)> parameters,
        List<(IParameterSymbol Parameter, bool Differentiable)> models,
        TypeRef returnType,
        ResultForm form,
        HashSet<IParameterSymbol> written,
        IReadOnlyDictionary<InvocationExpressionSyntax, NestedCall> nestedCalls,
        CancellationToken cancellationToken)
    {
        var reserved = method.Parameters.Select(p => p.Name).ToList();
        var names = new NameScope(reserved);
        var seedName = names.Claim("seed");
        var lowerer = new BodyLowerer(model, names, cancellationToken) { GeneratedIn = method.ContainingType, NestedCalls = nestedCalls };
        var specs = new List<ParameterSpec>();
        foreach (var (parameter, shape, type, differentiable) in parameters)
        {
            var name = Escape(parameter.Name);
            var isWritten = written.Contains(parameter);
            var variable = lowerer.AddParameter(parameter, name, type, shape == ParameterShape.Matrix ? ParameterShape.Array : shape, isWritten ? VariableOrigin.Output : VariableOrigin.Parameter);

            // An output has an incoming adjoint where an input has its gradient output, both d + its name.
            var gradientName = differentiable && !isWritten ? names.Claim("d" + parameter.Name) : null;
            var incoming = differentiable && isWritten ? names.Claim("d" + parameter.Name) : null;
            specs.Add(new ParameterSpec(name, TypeText(parameter.Type), shape, type, gradientName, variable, incoming, isWritten));
        }

        // Models: the instance first, then the parameters of model types; their members become inputs as the body reads them.
        var modelSpecs = new List<ModelSpec>();
        if (!method.IsStatic)
        {
            var instanceGradient = TypeMapping.HasFloatingMembers(method.ContainingType) ? names.Claim("dthis") : null;
            lowerer.AddInstance(method.ContainingType, instanceGradient);
            modelSpecs.Add(new ModelSpec("this", TypeText(method.ContainingType), instanceGradient, method.ContainingType.IsValueType, -1));
        }

        foreach (var (parameter, differentiable) in models)
        {
            var name = Escape(parameter.Name);
            var gradientName = differentiable ? names.Claim("d" + parameter.Name) : null;
            lowerer.AddModel(parameter, name, gradientName);
            modelSpecs.Add(new ModelSpec(name, TypeText(parameter.Type), gradientName, parameter.Type.IsValueType, parameter.Ordinal));
        }

        var jacobianName = form == ResultForm.Scalar ? null : names.Claim("jacobian");
        var program = lowerer.Lower(body, returnType, method, form);
        specs.AddRange(lowerer.ModelLeaves);
        return new Lowering(lowerer, specs, modelSpecs, names, seedName, jacobianName, program);
    }

    // T[] or Span<T>: a parameter a vector-valued method may write.
    private static bool IsWritable(ITypeSymbol type) =>
        type is IArrayTypeSymbol { IsSZArray: true } || IsSpan(type);

    private static bool IsSpan(ITypeSymbol type) =>
        type is INamedTypeSymbol { IsGenericType: true, Arity: 1 } named && named.ConstructedFrom.ToDisplayString() == "System.Span<T>";

    // The element type of a double[], float[], Span<double> or Span<float>, ReadOnlySpan too.
    private static TypeRef? VectorElement(ITypeSymbol type) =>
        TypeMapping.TryMapCollection(type)?.Element
        ?? (IsSpan(type) && TypeMapping.TryMap(((INamedTypeSymbol)type).TypeArguments[0]) is { IsFloating: true } element ? element : null);

    private static List<(IParameterSymbol Parameter, ParameterShape Shape, TypeRef Type, bool Differentiable)> ClassifyParameters(
        IMethodSymbol method, MethodDeclarationSyntax syntax, TypeRef? returnType, List<DiagnosticInfo> diagnostics, ResultForm form,
        List<(IParameterSymbol Parameter, bool Differentiable)> models)
    {
        var result = new List<(IParameterSymbol, ParameterShape, TypeRef, bool)>();
        for (var i = 0; i < method.Parameters.Length; i++)
        {
            var parameter = method.Parameters[i];
            var location = DiagnosticInfo.From(syntax.ParameterList.Parameters[i].GetLocation());
            // params double[] is an array parameter like any other (the gradient takes the array itself).
            if (parameter.RefKind != RefKind.None || (parameter.IsParams && TypeMapping.TryMapAnyCollection(parameter.Type) is null))
            {
                var modifier = parameter.IsParams ? "params" : parameter.RefKind switch
                {
                    RefKind.Out => "out",
                    RefKind.In => "in",
                    RefKind.Ref => "ref",
                    _ => "ref readonly",
                };
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ByReferenceParameter, location, parameter.Name, modifier));
                continue;
            }

            var noDerivative = parameter.GetAttributes().Any(TypeMapping.IsNoDerivativeAttribute);
            var scalar = TypeMapping.TryMap(parameter.Type);
            var collection = TypeMapping.TryMapAnyCollection(parameter.Type);
            if (scalar is not null && scalar.Kind != ScalarKind.Other && !TypeMapping.IsEnum(parameter.Type))
            {
                CheckPrecision(parameter, scalar, returnType, location, diagnostics);
                result.Add((parameter, ParameterShape.Scalar, scalar, scalar.IsFloating && !noDerivative));
            }
            else if (parameter.Type is IArrayTypeSymbol { Rank: 2, ElementType: var cellType } && TypeMapping.TryMap(cellType) is { } cell && cell.Kind != ScalarKind.Other)
            {
                // A matrix: data read as m[i, j] ([NoDerivative]), or weights whose gradient output is a matrix too.
                CheckPrecision(parameter, cell, returnType, location, diagnostics);
                result.Add((parameter, ParameterShape.Matrix, cell, cell.IsFloating && !noDerivative));
            }
            else if (collection is null && parameter.Type is IArrayTypeSymbol { IsSZArray: true, ElementType: var rowType }
                     && TypeMapping.TryMapAnyCollection(rowType) is { Shape: ParameterShape.Array } row && (noDerivative || !row.Element.IsFloating))
            {
                // A jagged [NoDerivative] array (paths, feature rows): a constant whose rows are read as arrays.
                CheckPrecision(parameter, row.Element, returnType, location, diagnostics);
                result.Add((parameter, ParameterShape.Array, row.Element, false));
            }
            else if (form == ResultForm.Outputs && IsSpan(parameter.Type) && VectorElement(parameter.Type) is { } spanElement)
            {
                // A Span<double> of a method that writes its outputs: an output when it writes it, else an input.
                CheckPrecision(parameter, spanElement, returnType, location, diagnostics);
                result.Add((parameter, ParameterShape.Span, spanElement, !noDerivative));
            }
            else if (TypeMapping.IsModelType(parameter.Type))
            {
                // A model (struct, class, record): its members are read as inputs; its gradient output has its type.
                models.Add((parameter, !noDerivative && TypeMapping.HasFloatingMembers(parameter.Type)));
            }
            else if (collection is { } c)
            {
                // An array of integers or bools (labels, masks, indices) is a constant, like an integer scalar.
                CheckPrecision(parameter, c.Element, returnType, location, diagnostics);
                result.Add((parameter, c.Shape, c.Element, c.Element.IsFloating && !noDerivative));
            }
            else
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedParameterType, location, parameter.Name, parameter.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)));
            }
        }

        return result;
    }

    private static void CheckPrecision(IParameterSymbol parameter, TypeRef type, TypeRef? returnType, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        if (type.IsFloating && returnType is not null && type.Kind != returnType.Kind)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.MixedPrecision,
                location,
                parameter.Name,
                parameter.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat),
                returnType.Name,
                parameter.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat).Replace(type.Name, returnType.Name)));
        }
    }

    /// <summary>void, a <c>double[]</c>/<c>float[]</c>, or a tuple of scalars: a helper's result that callers differentiate in place.</summary>
    internal static bool IsInlinedResult(ITypeSymbol type) =>
        type.SpecialType == SpecialType.System_Void
        || type is IArrayTypeSymbol { IsSZArray: true, ElementType.SpecialType: SpecialType.System_Double or SpecialType.System_Single }
        || type is INamedTypeSymbol { IsTupleType: true } tuple && !tuple.TupleElements.IsDefault && tuple.TupleElements.All(e => TypeMapping.TryMap(e.Type) is not null);

    // A derivative would be silently lost through a call: DG0009 for a call that has none, DG0014 for
    // a varied argument of a [NoDerivative] parameter, DG0015 for a local array written after the call
    // (the callee's pullback reads the array in the reverse sweep, when it holds its final contents).
    // A helper of this compilation that could not be differentiated in place adds why (in its body) to DG0009.
    // fullOf: the method's name when these are its full gradient's parameters (its [NoDerivative] scalars differentiated too).
    private static List<DiagnosticInfo> CallsWithoutDerivative(
        IrProgram program,
        List<ParameterSpec> parameters,
        IReadOnlyList<CallSite> callSites,
        IReadOnlyList<LocationInfo> opaqueCallLocations,
        IReadOnlyDictionary<LocationInfo, IReadOnlyList<DiagnosticInfo>> inlineFailures,
        string? fullOf = null)
    {
        var activity = ActivityAnalysis.Run(program, parameters.Where(p => p.IsDifferentiable).Select(p => p.Variable));
        var errors = IrQueries.Flatten(program.Body)
            .Select(a => a.Operation)
            .OfType<OpaqueCall>()
            .Where(call => !call.PiecewiseConstant && call.Arguments.Any(activity.IsVaried))
            .Select(call => (call.Method, Location: opaqueCallLocations[call.Site]))
            .SelectMany(call => new[] { DiagnosticInfo.Create(DiagnosticDescriptors.CallWithoutDerivative, call.Location, call.Method.Replace("global::", string.Empty)) }
                .Concat(inlineFailures.TryGetValue(call.Location, out var why) ? why : System.Array.Empty<DiagnosticInfo>()))
            .ToList();

        // A tangent call is one the body wrote (nested differentiation): its pullback has no full form to fall back on.
        var calls = IrQueries.Flatten(program.Body)
            .Where(a => a.Operation is DifferentiableCall or TangentCall)
            .GroupBy(a => a.Target)
            .ToDictionary(g => g.Key, g => g.First().Operation switch
            {
                DifferentiableCall d => (d.Callee, d.Arguments, Tangents: EquatableArray<Operand>.Empty, Useful: activity.IsUseful(g.Key), Full: d.Callee.FullGradientMethod is not null,
                    PulledBack: activity.IsActive(g.Key) && IrQueries.DifferentiableOperands(d).Any(activity.IsActive)),
                TangentCall t => (t.Callee, t.Arguments, t.Tangents, Useful: activity.IsUseful(g.Key) || activity.IsUseful(t.Tangent), Full: false,
                    PulledBack: (activity.IsActive(g.Key) || activity.IsActive(t.Tangent)) && IrQueries.DifferentiableOperands(t).Concat(t.Tangents).Any(activity.IsActive)),
                var other => throw new System.InvalidOperationException("not a call: " + other),
            });
        var writtenAfter = LocalArraysWrittenAfterCalls(program);
        LoopStructure? loops = null; // only for a DG0015, not for every method parsed

        // An array made anew in each iteration is a separate array per call already; what fails is keeping each one.
        string WrittenAfterAdvice(int array) => (loops ??= new LoopStructure(program)).Home(array) is not null
            ? "'" + program.Variables[array].Name + "' is made anew in each iteration, but the reverse sweep keeps only the last array, not one per iteration: write its values before the loop into an array with a row per iteration and pass each row ('rows[k]' of a [NoDerivative] double[][] parameter), or leave the callee unmarked if it is in this compilation (it is then differentiated in place)"
            : "pass a separate local array to each call, or finish writing '" + program.Variables[array].Name + "' before the call (an assignment '" + program.Variables[array].Name + " = …' writes it too), or leave the callee unmarked if it is in this compilation: it is then differentiated in place";
        foreach (var site in callSites)
        {
            if (!calls.TryGetValue(site.Result, out var call) || !call.Useful)
            {
                continue;
            }

            // A tangent call's direction arrays are read by its pullback too: they follow its inputs in the site.
            for (var t = 0; t < call.Tangents.Count && call.Arguments.Count + t < site.Arguments.Count; t++)
            {
                if (call.Tangents[t] is VariableOperand { Id: var direction } && program.Variables[direction].Shape != ParameterShape.Scalar
                    && writtenAfter.Contains((site.Result, direction)) && call.PulledBack)
                {
                    errors.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ArrayWrittenAfterCall, site.Arguments[call.Arguments.Count + t].Location, program.Variables[direction].Name, site.Callee, WrittenAfterAdvice(direction)));
                }
            }

            for (var i = 0; i < call.Arguments.Count && i < site.Arguments.Count; i++)
            {
                var parameter = call.Callee.Parameters[i];
                var argument = call.Arguments[i];
                if (!parameter.Differentiable && parameter.Type.IsFloating && activity.IsVaried(argument)
                    && !(call.Full && parameter.InFullGradient))
                {
                    errors.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ActiveArgumentOfConstantParameter, site.Arguments[i].Location, site.Arguments[i].Parameter, site.Callee,
                        (fullOf is null ? string.Empty : "a caller of '" + fullOf + "' varies a [NoDerivative] parameter of '" + fullOf + "' that this argument depends on, and needs the derivative with respect to it; ")
                        + ConstantParameterAdvice(site.Arguments[i].Parameter, parameter, site.CustomGradient)));
                }
                else if (parameter.Shape != ParameterShape.Scalar && argument is VariableOperand { Id: var array }
                         && writtenAfter.Contains((site.Result, array)) && call.PulledBack)
                {
                    errors.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ArrayWrittenAfterCall, site.Arguments[i].Location, program.Variables[array].Name, site.Callee, WrittenAfterAdvice(array)));
                }
            }
        }

        return errors.Distinct().ToList();
    }

    // What to do about a varied argument of a [NoDerivative] parameter: a [CustomGradient] callee's gradient is its
    // user's, who can give it an output for the parameter; DiffGen has no full gradient to fall back on there.
    private static string ConstantParameterAdvice(string name, CalleeParameter parameter, string? customGradient)
    {
        if (customGradient is null)
        {
            return "remove [NoDerivative] from '" + name + "' if the method is yours, or write the computation inline";
        }

        var output = parameter.Shape == ParameterShape.Scalar ? "ref " + parameter.Type.Name : "Span<" + parameter.Type.Name + ">";
        return "its gradient is the hand-written '" + customGradient + "', which has no output for '" + name + "': remove [NoDerivative] from '" + name
            + "' and give '" + customGradient + "' the output '" + output + " d" + name + "' (in parameter order, before seed), or pass '" + name
            + "' a value that does not depend on a differentiable parameter";
    }

    // The full gradients this method's reverse sweep calls: a varied value goes to a [NoDerivative] scalar.
    private static EquatableArray<string> FullGradientsCalled(IrProgram program, IEnumerable<ParameterSpec> parameters)
    {
        var activity = ActivityAnalysis.Run(program, parameters.Where(p => p.IsDifferentiable).Select(p => p.Variable));
        return IrQueries.Flatten(program.Body)
            .Where(a => activity.IsActive(a.Target))
            .Select(a => a.Operation)
            .OfType<DifferentiableCall>()
            .Where(call => CallNeeds.FullGradient(call, activity.IsActive))
            .Select(call => call.Callee.FullGradientKey!)
            .Distinct()
            .OrderBy(name => name, StringComparer.Ordinal)
            .ToEquatableArray();
    }

    // (call result, array) for each local array passed to a call and written when the call has run:
    // later in program order, or anywhere in a loop around the call (the next iteration writes it).
    private static HashSet<(int Call, int Array)> LocalArraysWrittenAfterCalls(IrProgram program)
    {
        var result = new HashSet<(int, int)>();
        var pending = new List<(int Call, int Array)>();
        void Visit(IEnumerable<IrStatement> block)
        {
            foreach (var statement in block)
            {
                switch (statement)
                {
                    case AssignStatement { Operation: DifferentiableCall or TangentCall } assignment:
                        foreach (var argument in IrQueries.Operands(assignment.Operation).OfType<VariableOperand>()
                            .Where(a => program.Variables[a.Id] is { Origin: VariableOrigin.Intermediate or VariableOrigin.Output, Shape: not ParameterShape.Scalar }))
                        {
                            pending.Add((assignment.Target, argument.Id));
                        }

                        break;
                    case ElementWriteStatement write:
                        result.UnionWith(pending.Where(p => p.Array == write.Array));
                        break;
                    case IfStatement branch:
                        // The arms are alternatives: a write in one does not follow a call in the other.
                        var atBranch = pending.ToList();
                        Visit(branch.Then);
                        var afterThen = pending;
                        pending = atBranch;
                        Visit(branch.Else);
                        pending = pending.Union(afterThen).ToList();
                        break;
                    case LoopStatement loop:
                        var before = pending.Count;
                        Visit(loop.Body);
                        var written = new HashSet<int>(IrQueries.Walk(loop.Body).OfType<ElementWriteStatement>().Select(w => w.Array));
                        result.UnionWith(pending.Skip(before).Where(p => written.Contains(p.Array)));
                        break;
                }
            }
        }

        Visit(program.Body);
        return result;
    }

    // A method the user declared with the signature DiffGen would generate (CS0111 otherwise).
    private static IMethodSymbol? DeclaredGradient(IMethodSymbol method, List<(IParameterSymbol Parameter, ParameterShape Shape, TypeRef Type, bool Differentiable)> parameters, TypeRef returnType)
    {
        var wanted = parameters.Select(p => (Type: TypeMapping.Display(p.Parameter.Type), ByRef: false)).ToList();
        foreach (var (_, shape, type, differentiable) in parameters.Where(p => p.Differentiable))
        {
            wanted.Add(shape == ParameterShape.Scalar ? (type.Name, true) : ("Span<" + type.Name + ">", false));
        }

        wanted.Add((returnType.Name, false));
        return method.ContainingType.GetMembers(method.Name + "Gradient").OfType<IMethodSymbol>()
            .FirstOrDefault(m => m.Parameters.Length == wanted.Count
                && m.Parameters.Select(p => (TypeMapping.Display(p.Type), p.RefKind != RefKind.None)).SequenceEqual(wanted));
    }

    // What the generator writes beside a method: a call of one from a [Differentiable] body is nested differentiation.
    private static readonly string[] GeneratedSuffixes = { "Gradient", "Tangent", "HessianVector", "Hessian" };

    // A body that calls a generated gradient does not compile inside the generator (it cannot see its
    // own output), so the only error would be CS0117 at the call: say what is going on instead.
    private static IEnumerable<DiagnosticInfo> CallsOfGeneratedGradients(SemanticModel model, SyntaxNode body, IReadOnlyDictionary<InvocationExpressionSyntax, NestedCall> nested, CancellationToken cancellationToken)
    {
        foreach (var invocation in body.DescendantNodes().OfType<InvocationExpressionSyntax>().Where(i => !nested.ContainsKey(i) && NestedCalls.Resolve(model, i, cancellationToken) is null))
        {
            var (name, owner) = invocation.Expression switch
            {
                IdentifierNameSyntax identifier => (identifier.Identifier.ValueText, (INamedTypeSymbol?)model.GetEnclosingSymbol(invocation.SpanStart, cancellationToken)?.ContainingType),
                MemberAccessExpressionSyntax member => (member.Name.Identifier.ValueText, model.GetSymbolInfo(member.Expression, cancellationToken).Symbol as INamedTypeSymbol),
                _ => (string.Empty, null),
            };
            var suffix = GeneratedSuffixes.FirstOrDefault(s => name.EndsWith(s, StringComparison.Ordinal));
            if (owner is null || suffix is null || model.GetSymbolInfo(invocation, cancellationToken).Symbol is not null)
            {
                continue;
            }

            var stem = name.Substring(0, name.Length - suffix.Length);
            if (owner.GetMembers(stem).OfType<IMethodSymbol>().Any(m => m.GetAttributes().Any(TypeMapping.IsDifferentiableAttribute)))
            {
                yield return DiagnosticInfo.Create(
                    DiagnosticDescriptors.UnsupportedExpression,
                    DiagnosticInfo.From(invocation.GetLocation()),
                    "calling the generated '" + name + "'",
                    suffix is "Tangent" or "Gradient"
                        ? "pass what the generated method takes, in order: the inputs of '" + stem + "', then a tangent (for '" + stem + "Tangent', and 'out' the tangent) or a 'ref' gradient output (for '" + stem + "Gradient', and optionally the seed) per differentiable input"
                        : "call '" + stem + "Tangent' or '" + stem + "Gradient', which DiffGen differentiates through (their derivatives are second derivatives of '" + stem + "'; one of '" + name + "' would be a third)");
            }
        }
    }

    private static bool IsPartial(INamedTypeSymbol type) =>
        type.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is TypeDeclarationSyntax t && t.Modifiers.Any(SyntaxKind.PartialKeyword));

    private static List<ContainingTypeSpec> ContainingTypes(INamedTypeSymbol type)
    {
        var types = new List<ContainingTypeSpec>();
        for (var t = type; t is not null; t = t.ContainingType)
        {
            var keyword = t.IsRecord
                ? (t.IsValueType ? "record struct" : "record")
                : t.TypeKind switch
                {
                    TypeKind.Struct => "struct",
                    TypeKind.Interface => "interface",
                    _ => "class",
                };
            types.Insert(0, new ContainingTypeSpec(keyword, t.ToDisplayString(ContainingTypeFormat)));
        }

        return types;
    }

    // How a containing type is re-opened: its name as declared, type parameters with their variance (interface IV<out T>).
    private static readonly SymbolDisplayFormat ContainingTypeFormat = SymbolDisplayFormat.MinimallyQualifiedFormat
        .WithGenericsOptions(SymbolDisplayGenericsOptions.IncludeTypeParameters | SymbolDisplayGenericsOptions.IncludeVariance)
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers);

    private static string HintName(IMethodSymbol method, string? ns, string suffix = "")
    {
        var parts = new List<string>();
        if (ns is not null)
        {
            parts.Add(ns);
        }

        for (var type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            parts.Insert(ns is null ? 0 : 1, type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat).Replace('<', '{').Replace('>', '}'));
        }

        var name = method.Name;

        // Overloads each get a file: name the overload by its parameter types.
        var overloads = method.ContainingType.GetMembers(method.Name).OfType<IMethodSymbol>()
            .Count(m => m.GetAttributes().Any(TypeMapping.IsDifferentiableAttribute));
        if (overloads > 1)
        {
            name += "(" + string.Join(",", method.Parameters.Select(p => p.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)
                .Replace('<', '{').Replace('>', '}').Replace("[]", "Array").Replace("?", string.Empty))) + ")";
        }

        parts.Add(name);
        return string.Join(".", parts) + suffix + ".g.cs";
    }

    internal static string TypeText(ITypeSymbol type) =>
        type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat.WithMiscellaneousOptions(
            SymbolDisplayMiscellaneousOptions.UseSpecialTypes | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier));

    /// <summary>
    /// The name of the gradient that also has outputs for the [NoDerivative] floating scalars:
    /// <c>{Method}FullGradient</c>, with a trailing <c>_</c> while the type has a member of that name or a
    /// [Differentiable] method whose gradient would have it (a method called <c>{Method}Full</c>).
    /// </summary>
    /// <remarks>
    /// In a referenced assembly the full gradient is a member already: the first of those names that is
    /// one (it is the one marked EditorBrowsable(Never); a method's ordinary gradient is not).
    /// </remarks>
    internal static string FullGradientName(IMethodSymbol method)
    {
        var type = method.OriginalDefinition.ContainingType;
        var inSource = method.OriginalDefinition.DeclaringSyntaxReferences.Length > 0;
        var name = method.Name + "FullGradient";
        for (var attempt = 0; attempt < 8; attempt++, name += "_")
        {
            var members = type.GetMembers(name);
            if (!inSource && members.Any(m => m.GetAttributes().Any(a => a.AttributeClass?.Name == "EditorBrowsableAttribute")))
            {
                return name;
            }

            var gradientOfAMethodNamedFull = name.EndsWith("Gradient", StringComparison.Ordinal)
                && type.GetMembers(name.Substring(0, name.Length - "Gradient".Length)).OfType<IMethodSymbol>().Any(m => m.GetAttributes().Any(TypeMapping.IsDifferentiableAttribute));
            if (inSource && members.IsEmpty && !gradientOfAMethodNamedFull)
            {
                return name;
            }
        }

        return name;
    }

    /// <summary>The full gradient's name on the method's own definition: how a caller tells the callee it needs it.</summary>
    internal static string FullGradientKey(IMethodSymbol method) =>
        method.OriginalDefinition.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + FullGradientName(method);

    internal static string Escape(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) == SyntaxKind.VarKeyword ? "@" + name : name;

    /// <summary>
    /// A member's step in the access path generated code reads a model through: <c>.Next</c>, or <c>.Next!</c> for a
    /// reference annotated nullable (generated files enable nullable annotations; where the body dereferences the member,
    /// so does the user's code, and null throws in both).
    /// </summary>
    internal static string MemberStep(ISymbol member, ITypeSymbol type) =>
        "." + Escape(member.Name) + (type is { IsReferenceType: true, NullableAnnotation: NullableAnnotation.Annotated } ? "!" : string.Empty);

    private static string Accessibility(Accessibility accessibility) => accessibility switch
    {
        Microsoft.CodeAnalysis.Accessibility.Public => "public",
        Microsoft.CodeAnalysis.Accessibility.Internal => "internal",
        Microsoft.CodeAnalysis.Accessibility.Protected => "protected",
        Microsoft.CodeAnalysis.Accessibility.ProtectedOrInternal => "protected internal",
        Microsoft.CodeAnalysis.Accessibility.ProtectedAndInternal => "private protected",
        _ => "private",
    };

    private static ParseResult Failure(DiagnosticInfo diagnostic) => new(null, new[] { diagnostic }.ToEquatableArray());
}
