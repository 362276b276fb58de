using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using DiffGen.Generator.Differentiation;
using DiffGen.Generator.Diagnostics;
using DiffGen.Generator.Emission;
using DiffGen.Generator.Model;
using DiffGen.Generator.Parsing;
using Microsoft.CodeAnalysis;

namespace DiffGen.Generator;

/// <summary>
/// Compile-time reverse-mode automatic differentiation. This type only wires the pipeline:
/// discovery → parsing and lowering (Parsing/) → activity analysis and differentiation
/// (Analysis/, Differentiation/) → emission (Emission/). Diagnostics travel on their own output,
/// as do the checks of [CustomGradient] methods, for which nothing is generated.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class DifferentiableGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline's steps, for incremental-caching tests.</summary>
    public static class Steps
    {
        public const string Parse = nameof(Parse);
        public const string Differentiate = nameof(Differentiate);
        public const string Diagnostics = nameof(Diagnostics);
        public const string Graph = nameof(Graph);
        public const string Tangent = nameof(Tangent);
        public const string Hessian = nameof(Hessian);
        public const string CustomGradient = nameof(CustomGradient);
    }

    internal static readonly string Version = typeof(DifferentiableGenerator).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                "DiffGen.DifferentiableAttribute",
                static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.LocalFunctionStatementSyntax,
                MethodParser.Parse)
            .WithTrackingName(Steps.Parse);

        var diagnostics = parsed
            .Select(static (result, _) => result.Diagnostics)
            .WithTrackingName(Steps.Diagnostics);
        context.RegisterSourceOutput(diagnostics, static (production, items) =>
        {
            foreach (var diagnostic in items)
            {
                production.ReportDiagnostic(diagnostic.ToDiagnostic());
            }
        });

        // [CustomGradient]: nothing to generate; the method and its user's gradient are checked, and callers use that gradient.
        var customGradients = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                "DiffGen.CustomGradientAttribute",
                static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.LocalFunctionStatementSyntax,
                CustomGradientParser.Parse)
            .WithTrackingName(Steps.CustomGradient);
        context.RegisterSourceOutput(customGradients, static (production, items) =>
        {
            foreach (var diagnostic in items)
            {
                production.ReportDiagnostic(diagnostic.ToDiagnostic());
            }
        });

        // A method's full gradient (outputs for its [NoDerivative] scalars too) is generated when a caller in
        // this compilation needs it, or for every method of a library that asks (DiffGenFullGradients), whose
        // callers in other assemblies it cannot see.
        var fullGradientsCalled = parsed
            .Select(static (result, _) => result.FullGradientsCalled)
            .Collect()
            .Select(static (all, _) => all.SelectMany(names => names).Distinct().OrderBy(name => name, StringComparer.Ordinal).ToEquatableArray());
        var everyFullGradient = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => options.GlobalOptions.TryGetValue("build_property.DiffGenFullGradients", out var value)
                && string.Equals(value, "true", StringComparison.OrdinalIgnoreCase));
        var specs = parsed
            .Combine(fullGradientsCalled)
            .Combine(everyFullGradient)
            .SelectMany(static (input, _) =>
            {
                var ((result, called), every) = input;
                if (result.Spec is null)
                {
                    return ImmutableArray<MethodSpec>.Empty;
                }

                // One that would lose a derivative is not offered to other assemblies (their callers get DG0014); a caller
                // here that needs it gets the reason, below, and the file, so that nothing else fails to compile.
                return result.Full is not null && (called.Contains(result.FullName!) || (every && result.FullFailures.Count == 0))
                    ? ImmutableArray.Create(result.Spec, result.Full)
                    : ImmutableArray.Create(result.Spec);
            });
        var gradients = specs
            .Select(static (spec, _) => Differentiate(spec))
            .WithTrackingName(Steps.Differentiate);
        var fullFailures = parsed
            .Combine(fullGradientsCalled)
            .SelectMany(static (input, _) => input.Left.FullFailures.Count > 0 && input.Right.Contains(input.Left.FullName!)
                ? input.Left.FullFailures.AsImmutableArray()
                : ImmutableArray<DiagnosticInfo>.Empty);
        context.RegisterSourceOutput(fullFailures, static (production, diagnostic) => production.ReportDiagnostic(diagnostic.ToDiagnostic()));
        // [Differentiable(Graph = true)]: {Method}Graph, in a file of its own, so the gradient's stays as it is.
        var graphs = parsed
            .Where(static result => result.Spec is { Graph: true })
            .Select(static (result, _) => EmitGraph(result.Spec!))
            .WithTrackingName(Steps.Graph);

        // Forward mode: {Method}Tangent, and {Method}HessianVector with {Method}Hessian, each in a file of its own (the
        // full gradient's twins too, for callers that vary a [NoDerivative] scalar).
        var tangents = specs
            .Where(static spec => SecondOrder.SupportsTangent(spec))
            .Select(static (spec, _) => EmitTangent(spec))
            .WithTrackingName(Steps.Tangent);
        var hessians = specs
            .Where(static spec => SecondOrder.Supports(spec))
            .Select(static (spec, _) => EmitHessian(spec))
            .WithTrackingName(Steps.Hessian);

        // Each class or record model a method reads: its ParameterSet.FromModel registration, once per type and precision.
        var layouts = parsed
            .SelectMany(static (result, _) => result.Layouts)
            .Collect()
            .Select(static (all, _) => all.Distinct().OrderBy(l => l.HintName, StringComparer.Ordinal).Select(EmitLayout).ToImmutableArray());

        // Hint names must be unique ignoring case (F and f, class C and class c) and valid file
        // names: all of them are decided together, in ordinal order, so the same input always gives
        // the same names. Each method's differentiation stays cached on its own.
        var forward = tangents.Collect().Combine(hessians.Collect());
        context.RegisterSourceOutput(gradients.Collect().Combine(graphs.Collect()).Combine(layouts).Combine(forward), static (production, input) =>
        {
            var ((firstOrder, layoutFiles), (tangentFiles, hessianFiles)) = input;
            var outcomes = firstOrder.Left.AddRange(firstOrder.Right).AddRange(layoutFiles).AddRange(tangentFiles).AddRange(hessianFiles);
            var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var outcome in outcomes.OrderBy(o => o.HintName, StringComparer.Ordinal).ThenBy(o => o.Source ?? string.Empty, StringComparer.Ordinal))
            {
                if (outcome.Failure is not null)
                {
                    production.ReportDiagnostic(outcome.Failure.ToDiagnostic());
                    continue;
                }

                if (outcome.Source is null)
                {
                    continue; // a form forward mode does not take yet: no file (the gradient's is unaffected)
                }

                var hintName = HintNames.Unique(outcome.HintName, taken);
                try
                {
                    production.AddSource(hintName, outcome.Source!);
                }
                catch (ArgumentException exception)
                {
                    // Never let AddSource throw out of the generator: that would drop every file (CS8785).
                    production.ReportDiagnostic(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, null, outcome.MethodName, exception.Message, "a generated file is missing").ToDiagnostic());
                }
            }
        });
    }

    // Differentiation and emission are pure; a failure in them still must not escape the generator.
    private static EmittedGradient Differentiate(MethodSpec spec) =>
        Safely(spec.HintName, Named(spec), "the method has no gradient", () => GradientEmitter.Emit(new GradientMethod(spec, ReverseModeBuilder.Differentiate(spec)), Version));

    private static EmittedGradient EmitGraph(MethodSpec spec) =>
        Safely(GraphEmitter.HintName(spec), Named(spec), "its graph method is missing", () => GraphEmitter.Emit(spec, Version));

    private static EmittedGradient EmitTangent(MethodSpec spec) =>
        Safely(ForwardModeEmitter.TangentHintName(spec), Named(spec), "its tangent method is missing", () => SecondOrder.Tangent(spec) is { } method ? ForwardModeEmitter.EmitTangent(method, Version) : null);

    private static EmittedGradient EmitHessian(MethodSpec spec) =>
        Safely(ForwardModeEmitter.HessianHintName(spec), Named(spec), "its Hessian-vector product and Hessian are missing", () => SecondOrder.HessianVector(spec) is { } method ? ForwardModeEmitter.EmitHessianVector(method, Version) : null);

    private static EmittedGradient EmitLayout(ModelLayoutSpec layout) =>
        Safely(layout.HintName, layout.TypeText, "its layout is missing", () => ModelLayoutEmitter.Emit(layout, Version));

    // DG0010 has no location (the cached models hold none): the method is named with its type.
    private static string Named(MethodSpec spec) =>
        (spec.ContainingTypes.Count > 0 ? spec.ContainingTypes[spec.ContainingTypes.Count - 1].Name + "." : string.Empty) + spec.Name;

    // The file, or DG0010 naming what it is for (a method, a model type) and why.
    private static EmittedGradient Safely(string hintName, string name, string missing, Func<string?> emit)
    {
        try
        {
            return new EmittedGradient(hintName, name, emit(), null);
        }
        catch (Exception exception)
        {
            return new EmittedGradient(hintName, name, null, DiagnosticInfo.Create(
                DiagnosticDescriptors.InternalError,
                null,
                name,
                exception.GetType().Name + ": " + exception.Message,
                missing));
        }
    }

    /// <summary>The generated file for one method, or the diagnostic that replaced it.</summary>
    private sealed record EmittedGradient(string HintName, string MethodName, string? Source, DiagnosticInfo? Failure);
}
