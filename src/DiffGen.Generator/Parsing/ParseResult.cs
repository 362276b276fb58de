using DiffGen.Generator.Diagnostics;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Parsing;

/// <summary>The result of parsing one method: a spec when it can be differentiated, and its diagnostics.</summary>
/// <param name="Full">The spec of its full gradient (outputs for the [NoDerivative] floating scalars too), when it has such parameters; emitted when a caller needs it.</param>
/// <param name="FullName">The full gradient's qualified name, as callers spell it.</param>
/// <param name="FullGradientsCalled">The full gradients of other methods this one's gradient calls.</param>
/// <param name="Layouts">The class and record models it reads, for their ParameterSet.FromModel registrations.</param>
/// <param name="FullFailures">
/// Why its full gradient would lose a derivative (a [NoDerivative] scalar passed on into a call without one for it):
/// reported when a caller of this compilation needs the full gradient, which is then not generated for other assemblies either.
/// </param>
internal sealed record ParseResult(
    MethodSpec? Spec,
    EquatableArray<DiagnosticInfo> Diagnostics,
    MethodSpec? Full = null,
    string? FullName = null,
    EquatableArray<string> FullGradientsCalled = default,
    EquatableArray<ModelLayoutSpec> Layouts = default,
    EquatableArray<DiagnosticInfo> FullFailures = default);
