using System;
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
/// (Analysis/, Differentiation/) → emission (Emission/). Diagnostics travel on their own output.
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
    }

    internal static readonly string Version = typeof(DifferentiableGenerator).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                "DiffGen.DifferentiableAttribute",
                static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax,
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

        var gradients = parsed
            .Where(static result => result.Spec is not null)
            .Select(static (result, _) => Differentiate(result.Spec!))
            .WithTrackingName(Steps.Differentiate);
        context.RegisterSourceOutput(gradients, static (production, outcome) =>
        {
            if (outcome.Failure is not null)
            {
                production.ReportDiagnostic(outcome.Failure.ToDiagnostic());
                return;
            }

            production.AddSource(outcome.HintName, outcome.Source!);
        });
    }

    // Differentiation and emission are pure; a failure in them still must not escape the generator.
    private static EmittedGradient Differentiate(MethodSpec spec)
    {
        try
        {
            var body = ReverseModeBuilder.Differentiate(spec);
            return new EmittedGradient(spec.HintName, GradientEmitter.Emit(new GradientMethod(spec, body), Version), null);
        }
        catch (Exception exception)
        {
            return new EmittedGradient(spec.HintName, null, DiagnosticInfo.Create(
                DiagnosticDescriptors.InternalError,
                null,
                spec.Name,
                exception.GetType().Name + ": " + exception.Message));
        }
    }

    /// <summary>The generated file for one method, or the diagnostic that replaced it.</summary>
    private sealed record EmittedGradient(string HintName, string? Source, DiagnosticInfo? Failure);
}
