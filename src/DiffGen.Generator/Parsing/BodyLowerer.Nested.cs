using System.Collections.Generic;
using System.Linq;
using DiffGen.Generator.Diagnostics;
using DiffGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace DiffGen.Generator.Parsing;

// Nested differentiation: a body that calls a callee's generated FTangent or FGradient. Both become tangent calls, whose
// reverse sweep already exists (the callee's gradient for the value, its Hessian-vector product for the tangent), so a
// gradient of a directional derivative or of a gradient is a second derivative the callee's generated code supplies.
internal sealed partial class BodyLowerer
{
    /// <summary>The calls of generated tangents and gradients in this body, which this compilation cannot bind (see <see cref="NestedCalls"/>).</summary>
    public IReadOnlyDictionary<InvocationExpressionSyntax, NestedCall> NestedCalls { get; set; } = new Dictionary<InvocationExpressionSyntax, NestedCall>();

    // A call of a generated tangent or gradient: unbound in this compilation, or bound to a referenced assembly's.
    private NestedCall? NestedCallAt(IOperation operation) => operation.Syntax switch
    {
        InvocationExpressionSyntax syntax when operation is IInvalidOperation && NestedCalls.TryGetValue(syntax, out var nested) => nested,
        InvocationExpressionSyntax syntax when operation is IInvocationOperation { TargetMethod: var target } && IsGeneratedByDiffGen(target) => Parsing.NestedCalls.Resolve(_model, syntax, _cancellationToken),
        _ => null,
    };

    private static bool IsGeneratedByDiffGen(IMethodSymbol method) =>
        method.GetAttributes().Any(a => a.AttributeClass?.Name == "GeneratedCodeAttribute" && a.ConstructorArguments.FirstOrDefault().Value is "DiffGen");

    private Operand LowerNestedCall(IOperation operation, NestedCall nested)
    {
        var errors = _diagnostics.Count;
        var result = LowerNestedCallArguments(operation, nested);
        if (_diagnostics.Count > errors)
        {
            RejectDeclaredLocals(operation); // its 'out double t' has no value: not reported again where it is read
        }

        return result;
    }

    private Operand LowerNestedCallArguments(IOperation operation, NestedCall nested)
    {
        var syntax = (InvocationExpressionSyntax)operation.Syntax;
        var method = nested.Callee;
        var name = method.Name + nested.Kind;
        var resultType = TypeMapping.TryMap(method.ReturnType);
        var callee = resultType is null ? null : DescribeCallee(method, resultType, custom: false);
        if (callee is null || resultType is null)
        {
            return UnsupportedExpression(operation, "calling '" + name + "', whose method has a parameter DiffGen cannot differentiate", "give '" + method.Name + "' the parameter types of a [Differentiable] method");
        }

        if (!callee.HasTangent)
        {
            return UnsupportedExpression(operation, "calling '" + name + "' of a method without forward mode", "differentiate a static method of scalars, arrays and spans returning double or float");
        }

        if (MakesNestedCalls(method))
        {
            return UnsupportedExpression(operation, "calling '" + name + "', whose method itself calls a generated tangent or gradient",
                "differentiate once through each: its tangent would be a third derivative, which DiffGen does not generate (call '" + method.Name + "' itself, or write its derivative as a method of its own)");
        }

        var arguments = syntax.ArgumentList.Arguments;
        if (arguments.FirstOrDefault(a => a.NameColon is not null) is { } named)
        {
            return UnsupportedExpression(_model.GetOperation(named.Expression) ?? operation, "a named argument of '" + name + "'", "pass the arguments of a generated method in order");
        }

        // Arguments in source order, as C# evaluates them: the inputs, then a tangent or gradient output per differentiable input.
        var inputs = new List<Operand>();
        for (var i = 0; i < callee.Parameters.Count; i++)
        {
            if (LowerNestedArgument(arguments[i], callee.Parameters[i], name) is not { } input)
            {
                return Dummy(operation);
            }

            inputs.Add(input);
        }

        var differentiable = callee.Parameters.Select((p, i) => (Parameter: p, Index: i)).Where(p => p.Parameter.Differentiable).ToList();
        return nested.Kind == NestedKind.Tangent
            ? LowerNestedTangent(operation, method, callee, resultType, inputs, differentiable.Select(p => p.Parameter).ToList(), name)
            : LowerNestedGradient(operation, method, callee, resultType, inputs, differentiable, name);
    }

    // u = F.Tangent(inputs, tangents, out t): one tangent call, its tangent into the out local.
    private Operand LowerNestedTangent(IOperation operation, IMethodSymbol method, CalleeSpec callee, TypeRef resultType, List<Operand> inputs, List<CalleeParameter> differentiable, string name)
    {
        var arguments = ((InvocationExpressionSyntax)operation.Syntax).ArgumentList.Arguments;
        var tangents = new List<Operand>();
        for (var j = 0; j < differentiable.Count; j++)
        {
            if (LowerNestedArgument(arguments[inputs.Count + j], differentiable[j], name) is not { } tangent)
            {
                return Dummy(operation);
            }

            tangents.Add(tangent);
        }

        var last = arguments[arguments.Count - 1];
        if (!last.RefKindKeyword.IsKind(SyntaxKind.OutKeyword) || OutLocal(last) is not (var local, var discarded))
        {
            return UnsupportedExpression(_model.GetOperation(last.Expression) ?? operation, "this last argument of '" + name + "'", "pass the tangent to a local: 'out " + resultType.Name + " t'");
        }

        var value = EmitTangentCall(callee, resultType, inputs, tangents.ToEquatableArray(), out var tangentVariable);
        if (!discarded)
        {
            _values.Bind(local!, new VariableOperand(tangentVariable));
        }

        RecordCallSite(value, method, arguments.Take(inputs.Count + tangents.Count));
        return new VariableOperand(value);
    }

    // F.Gradient(inputs, ref d…, seed) of a callee whose differentiable inputs are scalars: each ∂F/∂xⱼ is F's tangent in
    // the direction eⱼ, added to its output times the seed, as the generated gradient accumulates.
    private Operand LowerNestedGradient(IOperation operation, IMethodSymbol method, CalleeSpec callee, TypeRef resultType, List<Operand> inputs, List<(CalleeParameter Parameter, int Index)> differentiable, string name)
    {
        var arguments = ((InvocationExpressionSyntax)operation.Syntax).ArgumentList.Arguments;
        if (differentiable.FirstOrDefault(p => p.Parameter.Shape != ParameterShape.Scalar) is { Parameter: not null } array)
        {
            var at = arguments[inputs.Count + differentiable.IndexOf(array)];
            return UnsupportedExpression(_model.GetOperation(at.Expression) ?? operation, "the gradient of an array input through '" + name + "'",
                "call '" + callee.DisplayName.Split('.').Last() + "Tangent' with the direction you need as the tangent (a directional derivative; inside a [Differentiable] body, gradients are supported for scalar inputs only)");
        }

        var outputs = new List<ILocalSymbol>();
        for (var j = 0; j < differentiable.Count; j++)
        {
            var argument = arguments[inputs.Count + j];
            if (!argument.RefKindKeyword.IsKind(SyntaxKind.RefKeyword) || _model.GetOperation(argument.Expression) is not ILocalReferenceOperation { Local: var local }
                || TypeMapping.TryMap(local.Type) is not { IsFloating: true })
            {
                return UnsupportedExpression(_model.GetOperation(argument.Expression) ?? operation, "this gradient output of '" + name + "'", "pass a local: 'ref " + differentiable[j].Parameter.Type.Name + " d…'");
            }

            outputs.Add(local);
        }

        Operand? seed = null;
        if (arguments.Count > inputs.Count + differentiable.Count)
        {
            var seedOperation = _model.GetOperation(arguments[arguments.Count - 1].Expression);
            if (seedOperation is null)
            {
                return Dummy(operation);
            }

            seed = _ir.Convert(LowerExpression(seedOperation), RequireType(seedOperation), resultType);
        }

        if (differentiable.Count == 0)
        {
            return _ir.Compute(resultType, new DifferentiableCall(callee, inputs.ToEquatableArray()));
        }

        Operand? value = null;
        for (var j = 0; j < differentiable.Count; j++)
        {
            var tangents = differentiable.Select((p, i) => (Operand)Literals.TryCreate(i == j ? 1.0 : 0.0, p.Parameter.Type)!).ToEquatableArray();
            var result = EmitTangentCall(callee, resultType, inputs, tangents, out var partial);
            RecordCallSite(result, method, arguments.Take(inputs.Count));
            value ??= new VariableOperand(result);

            var outputType = TypeMapping.TryMap(outputs[j].Type)!;
            var scaled = seed is null ? new VariableOperand(partial) : _ir.Compute(resultType, new BinaryOperation(BinaryOperator.Multiply, seed, new VariableOperand(partial)));
            var old = ReadVariable(outputs[j], operation);
            _values.Bind(outputs[j], _ir.Compute(outputType, new BinaryOperation(BinaryOperator.Add, old, _ir.Convert(scaled, resultType, outputType))));
        }

        return value!;
    }

    // u = F.Tangent(inputs, tangents, out t). The tangent is declared with a value first, as forward mode's are: the call
    // writes it through 'out', which declares nothing in generated code.
    private int EmitTangentCall(CalleeSpec callee, TypeRef resultType, List<Operand> inputs, EquatableArray<Operand> tangents, out int tangent)
    {
        tangent = _ir.NewVariable(resultType);
        _ir.Emit(new AssignStatement(tangent, new CopyOperation(Literals.TryCreate(0.0, resultType)!)));
        var value = _ir.NewVariable(resultType);
        _ir.Emit(new AssignStatement(value, new TangentCall(callee, inputs.ToEquatableArray(), tangents, tangent)));
        return value;
    }

    // Whether a method of this compilation calls a generated tangent or gradient in its body: its own tangent methods throw.
    private bool MakesNestedCalls(IMethodSymbol method)
    {
        foreach (var declaration in method.DeclaringSyntaxReferences.Select(r => r.GetSyntax(_cancellationToken)).OfType<MethodDeclarationSyntax>())
        {
            var body = (SyntaxNode?)declaration.Body ?? declaration.ExpressionBody;
            var model = body is null ? null : _model.Compilation.GetSemanticModel(body.SyntaxTree);
            if (body is not null && body.DescendantNodes().OfType<InvocationExpressionSyntax>().Any(i => Parsing.NestedCalls.Resolve(model!, i, _cancellationToken) is not null))
            {
                return true;
            }
        }

        return false;
    }

    // An input, or a tangent of one, converted to the parameter's type: an array must be an array variable as it is.
    private Operand? LowerNestedArgument(ArgumentSyntax argument, CalleeParameter parameter, string name)
    {
        if (_model.GetOperation(argument.Expression) is not { } value)
        {
            return null;
        }

        if (!argument.RefKindKeyword.IsKind(SyntaxKind.None))
        {
            UnsupportedExpression(value, "passing this argument of '" + name + "' by '" + argument.RefKindKeyword.Text + "'", "pass it by value");
            return null;
        }

        var lowered = LowerExpression(value);
        if (parameter.Shape == ParameterShape.Scalar)
        {
            return _ir.Convert(lowered, RequireType(value), parameter.Type);
        }

        if (lowered is not VariableOperand { Id: var id } || _ir.Variables[id].Shape == ParameterShape.Scalar)
        {
            UnsupportedExpression(value, "passing this array", "pass an array or span parameter, or a local array, as it is");
            return null;
        }

        return lowered;
    }

    // The local an out argument writes: declared there ('out double t'), an existing one ('out t'), or a discard.
    private (ILocalSymbol? Local, bool Discarded)? OutLocal(ArgumentSyntax argument) => argument.Expression switch
    {
        DeclarationExpressionSyntax { Designation: DiscardDesignationSyntax } => (null, true),
        IdentifierNameSyntax { Identifier.ValueText: "_" } when _model.GetSymbolInfo(argument.Expression, _cancellationToken).Symbol is null or IDiscardSymbol => (null, true),
        DeclarationExpressionSyntax { Designation: SingleVariableDesignationSyntax designation }
            when _model.GetDeclaredSymbol(designation, _cancellationToken) is ILocalSymbol { Type: var type } declared && TypeMapping.TryMap(type) is { IsFloating: true } => (declared, false),
        var expression when _model.GetOperation(expression, _cancellationToken) is ILocalReferenceOperation { Local: var local } && TypeMapping.TryMap(local.Type) is { IsFloating: true } => (local, false),
        _ => null,
    };

    // Where each input (and direction) of the call is written, for the checks that need activity (DG0014, DG0015).
    private void RecordCallSite(int result, IMethodSymbol method, IEnumerable<ArgumentSyntax> inputs)
    {
        _callSites.Add(new CallSite(
            result,
            method.ContainingType.Name + "." + method.Name,
            inputs.Select((a, i) => (i < method.Parameters.Length ? method.Parameters[i].Name : "the direction", DiagnosticInfo.From(a.Expression.GetLocation()))).ToList()));
    }

    // The locals a nested call writes through 'ref' and 'out' (a loop that contains it carries them).
    private IEnumerable<ILocalSymbol> NestedCallWrites(IOperation operation)
    {
        if (NestedCallAt(operation) is null)
        {
            yield break;
        }

        foreach (var argument in ((InvocationExpressionSyntax)operation.Syntax).ArgumentList.Arguments.Where(a => !a.RefKindKeyword.IsKind(SyntaxKind.None)))
        {
            if (_model.GetOperation(argument.Expression, _cancellationToken) is ILocalReferenceOperation { Local: var local })
            {
                yield return local;
            }
        }
    }
}
