using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace DiffGen.Generator.Diagnostics;

/// <summary>Every diagnostic DiffGen reports. IDs are stable and tracked in AnalyzerReleases.*.md.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "DiffGen";
    private const string HelpBase = "https://github.com/diffgen/diffgen/blob/main/README.md#";

    public static readonly DiagnosticDescriptor TypeNotPartial = Error(
        "DG0001",
        "Containing type must be partial",
        "Type '{0}' must be partial so that DiffGen can add '{1}' to it; declare it (and every type that encloses it) 'partial'");

    public static readonly DiagnosticDescriptor MethodNotStatic = Error(
        "DG0002",
        "Differentiable method must be static, or an instance method of a struct, class or record",
        "[Differentiable] method '{0}' must be static, or an instance method of a struct, class or record; make it static and pass what it reads as parameters");

    public static readonly DiagnosticDescriptor UnsupportedReturnType = Error(
        "DG0003",
        "Unsupported return type",
        "[Differentiable] method '{0}' returns '{1}'; it must return double or float (a helper that [Differentiable] callers differentiate in place may also return double[], float[], a tuple of numbers, or void and write an output array)");

    public static readonly DiagnosticDescriptor UnsupportedParameterType = Error(
        "DG0004",
        "Unsupported parameter type",
        "Parameter '{0}' has type '{1}', which DiffGen cannot differentiate; use double, float, double[], float[], ReadOnlySpan<double>, ReadOnlySpan<float>, an integral type, bool, or a double[,] or float[,] matrix (data in a jagged double[][] may be [NoDerivative])");

    public static readonly DiagnosticDescriptor MixedPrecision = Error(
        "DG0005",
        "Parameter precision differs from the return type",
        "Parameter '{0}' is '{1}' but the method returns '{2}'; all floating-point parameters of a [Differentiable] method share its return type's precision, so declare it '{3}' or convert inside the body");

    public static readonly DiagnosticDescriptor ByReferenceParameter = Error(
        "DG0006",
        "By-reference parameter",
        "Parameter '{0}' is passed by '{1}'; [Differentiable] parameters are passed by value, so remove '{1}' and return the value instead");

    public static readonly DiagnosticDescriptor UnsupportedStatement = Error(
        "DG0007",
        "Unsupported statement",
        "{0} is not supported in a [Differentiable] body; {1}");

    public static readonly DiagnosticDescriptor UnsupportedExpression = Error(
        "DG0008",
        "Unsupported expression",
        "{0} is not supported in a [Differentiable] body; {1}");

    public static readonly DiagnosticDescriptor CallWithoutDerivative = Error(
        "DG0009",
        "Call without a derivative",
        "'{0}' has no derivative, but an argument depends on a differentiable parameter; mark '{0}' [Differentiable] (or call it from a [CustomGradient] method whose gradient you write), write its computation inline with supported operations, or pass only constants to it");

    public static readonly DiagnosticDescriptor InternalError = Error(
        "DG0010",
        "DiffGen failed on this method",
        "DiffGen could not differentiate '{0}' ({1}); {2}. Please report this with the method's source.");

    public static readonly DiagnosticDescriptor GenericMethod = Error(
        "DG0011",
        "Generic differentiable method",
        "[Differentiable] method '{0}' is generic; write one non-generic method per precision (a double and a float overload)");

    public static readonly DiagnosticDescriptor NoBody = Error(
        "DG0012",
        "Differentiable method has no body",
        "[Differentiable] method '{0}' has no body to differentiate; give it a block or expression body");

    public static readonly DiagnosticDescriptor TooLarge = Error(
        "DG0013",
        "Method too large to differentiate",
        "'{0}' is too large to differentiate in one method: it computes more than {1} intermediate values, and its gradient would need a local for each and for its adjoint (a .NET method may have 65,534); split it into [Differentiable] helper methods that it calls");

    public static readonly DiagnosticDescriptor ActiveArgumentOfConstantParameter = Error(
        "DG0014",
        "Derivative lost through a [NoDerivative] parameter",
        "This argument depends on a differentiable parameter, but parameter '{0}' of '{1}' is [NoDerivative], so '{1}' computes no derivative for it; {2}");

    public static readonly DiagnosticDescriptor ArrayWrittenAfterCall = Error(
        "DG0015",
        "Local array written after a call reads it",
        "Local array '{0}' is written after it is passed to '{1}', whose derivative needs the values it had at the call; {2}");

    public static readonly DiagnosticDescriptor GradientAlreadyDeclared = Error(
        "DG0016",
        "Gradient method already declared",
        "Type '{0}' already declares '{1}' with the parameters DiffGen would generate; rename or remove it, or rename the [Differentiable] method");

    public static readonly DiagnosticDescriptor FileLocalType = Error(
        "DG0017",
        "Containing type is file-local",
        "Type '{0}' is declared 'file', so a generated file cannot add '{1}' to it; remove 'file' (make it internal or private instead)");

    public static readonly DiagnosticDescriptor PartialBodyInAnotherFile = Error(
        "DG0018",
        "[Differentiable] on a partial declaration whose body is in another file",
        "Partial method '{0}' has [Differentiable] on its declaration but its body in another file; put [Differentiable] on the implementing declaration, the one with the body");

    public static readonly DiagnosticDescriptor UnsupportedVectorMethod = Error(
        "DG0019",
        "Unsupported vector-valued method",
        "{0} is not supported in a vector-valued [Differentiable] method (one that returns void or an array); {1}");

    public static readonly DiagnosticDescriptor CustomGradientSignature = Error(
        "DG0020",
        "Custom gradient missing or not declared as DiffGen calls it",
        "{0}; declare it exactly as '{1}', returning the value and adding seed × ∂{2}/∂p into each output");

    public static readonly DiagnosticDescriptor UnsupportedCustomGradientMethod = Error(
        "DG0021",
        "Unsupported [CustomGradient] method",
        "{0} is not supported for a [CustomGradient] method; {1}");

    public static readonly DiagnosticDescriptor CustomTangentSignature = Error(
        "DG0022",
        "Custom tangent not declared as DiffGen calls it",
        "{0}; declare it exactly as '{1}' (callers' forward-mode methods call it with these arguments, in this order), or remove it: callers' tangents then throw, naming '{2}'");

    private static readonly Dictionary<string, DiagnosticDescriptor> All = new[]
    {
        TypeNotPartial, MethodNotStatic, UnsupportedReturnType, UnsupportedParameterType, MixedPrecision,
        ByReferenceParameter, UnsupportedStatement, UnsupportedExpression, CallWithoutDerivative, InternalError,
        GenericMethod, NoBody, TooLarge, ActiveArgumentOfConstantParameter, ArrayWrittenAfterCall, GradientAlreadyDeclared,
        FileLocalType, PartialBodyInAnotherFile, UnsupportedVectorMethod, CustomGradientSignature, UnsupportedCustomGradientMethod,
        CustomTangentSignature,
    }.ToDictionary(d => d.Id);

    public static DiagnosticDescriptor ById(string id) => All[id];

    private static DiagnosticDescriptor Error(string id, string title, string message) => new(
        id,
        title,
        message,
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpBase + id.ToLowerInvariant());
}
