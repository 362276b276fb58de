using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using DiffGen.Generator.Diagnostics;
using DiffGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace DiffGen.Generator.Parsing;

// Calls lowered in place: local functions, and static methods of this compilation whose body is visible
// (helpers not marked [Differentiable], and [Differentiable] ones whose result is not a scalar: an array,
// a tuple, or elements written into an output array). The callee's statements become the caller's and its
// parameters name the arguments' values, so a helper's output array is the caller's local array and its
// returned array is the caller's too: the caller's sweeps differentiate it exactly, as if written inline.
internal sealed partial class BodyLowerer
{
    private readonly List<IMethodSymbol> _inlining = new();
    private readonly Dictionary<SyntaxTree, SemanticModel> _models = new();
    private readonly Dictionary<LocationInfo, IReadOnlyList<DiagnosticInfo>> _inlineFailures = new();

    /// <summary>
    /// For a call left as it is (its arguments then must be constants) because its helper could not be
    /// lowered in place: why, by the call's location. Reported with DG0009 when an argument varies.
    /// </summary>
    public IReadOnlyDictionary<LocationInfo, IReadOnlyList<DiagnosticInfo>> InlineFailures => _inlineFailures;

    /// <summary>A method to lower in place, with the model of its tree.</summary>
    /// <param name="CanBeCalled">When lowering it in place fails: whether it can be called as it is instead (a scalar result).</param>
    /// <param name="Receiver">For an instance method or property of a model: the model it is called on, which `this` names inside.</param>
    private sealed record Inlinee(IMethodSymbol Method, IBlockOperation Body, SemanticModel Model, bool CanBeCalled, ModelValue? Receiver = null);

    private Operand InlineLocalFunction(IInvocationOperation invocation)
    {
        var function = invocation.TargetMethod.OriginalDefinition;
        var body = LocalFunctionBody(function);
        if (body is null)
        {
            return UnsupportedExpression(invocation, "calling this local function", "declare it in the [Differentiable] method that calls it, or make it a static [Differentiable] method");
        }

        return Inline(invocation, invocation.Arguments, new Inlinee(function, body, _model, CanBeCalled: false), "local function");
    }

    // The body of a local function declared in this file, or null.
    private IBlockOperation? LocalFunctionBody(IMethodSymbol function)
    {
        var reference = function.OriginalDefinition.DeclaringSyntaxReferences.FirstOrDefault();
        if (reference is null || reference.SyntaxTree != _model.SyntaxTree)
        {
            return null;
        }

        return _model.GetOperation(reference.GetSyntax(_cancellationToken), _cancellationToken) is ILocalFunctionOperation declaration
            ? declaration.Body ?? declaration.IgnoredBody
            : null;
    }

    // A method of this compilation to lower in place, or null: a static method, or an instance method of a
    // model called on a model. A static [Differentiable] method with a scalar result and no model parameter is
    // called through its generated gradient, a [CustomGradient] one through its user's, and a method without a
    // visible body as it is.
    private Inlinee? HelperToInline(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        var receiver = invocation.Instance is { } instance && !method.IsStatic && ModelOf(instance) is { } on ? Evaluated(on) : null;
        if ((!method.IsStatic || invocation.Instance is not null) && receiver is null
            || method.IsGenericMethod || method.IsExtern
            || method.ContainingType is null or { IsGenericType: true } || method.MethodKind != MethodKind.Ordinary)
        {
            return null;
        }

        // A [CustomGradient] method is called through its user's gradient, whatever its body holds.
        if (TypeMapping.HasCustomGradient(method))
        {
            return null;
        }

        var scalarResult = TypeMapping.TryMap(method.ReturnType) is not null;
        var differentiable = method.GetAttributes().Any(TypeMapping.IsDifferentiableAttribute);
        // Lowered in place too: a marked helper given a row of an array of models (its gradient would need the row
        // again in the reverse sweep, and a tape holds numbers, not arrays).
        if (differentiable && scalarResult && receiver is null && !method.Parameters.Any(p => TypeMapping.IsModelType(p.Type))
            && !invocation.Arguments.Any(a => PassesModelRow(a.Value)))
        {
            return null;
        }

        var definition = method.PartialImplementationPart ?? method;
        if (definition.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellationToken) is not MethodDeclarationSyntax syntax
            || (syntax.Body is null && syntax.ExpressionBody is null))
        {
            return null;
        }

        if (!_model.Compilation.ContainsSyntaxTree(syntax.SyntaxTree))
        {
            return null;
        }

        var model = ModelOfTree(syntax.SyntaxTree);
        var body = model.GetOperation(syntax, _cancellationToken) is IMethodBodyOperation bodies ? bodies.BlockBody ?? bodies.ExpressionBody : null;
        return body is null ? null : new Inlinee(method.OriginalDefinition, body, model, CanBeCalled: scalarResult && !differentiable && receiver is null, receiver);
    }

    // The semantic model of a tree of this compilation: one per tree for the whole method, however many calls reach into it.
    private SemanticModel ModelOfTree(SyntaxTree tree)
    {
        if (!_models.TryGetValue(tree, out var model))
        {
            model = tree == _model.SyntaxTree ? _model : _model.Compilation.GetSemanticModel(tree);
            _models.Add(tree, model);
        }

        return model;
    }

    // Lowers a helper in place. A helper that cannot be (it does something a [Differentiable] body may not)
    // but returns a scalar is called as it is instead, as before: null, with why kept for DG0009 should an
    // argument vary. Anything else reports its diagnostics.
    private Operand? TryInlineHelper(IInvocationOperation invocation, Inlinee helper)
    {
        if (!helper.CanBeCalled)
        {
            return Inline(invocation, invocation.Arguments, helper, "helper");
        }

        var checkpoint = new Checkpoint(this);
        var result = Inline(invocation, invocation.Arguments, helper, "helper");
        if (_diagnostics.Count == checkpoint.Diagnostics)
        {
            return result;
        }

        var failures = _diagnostics.Skip(checkpoint.Diagnostics).ToList();
        checkpoint.Restore(this);
        if (DiagnosticInfo.From(invocation.Syntax.GetLocation()) is { } location)
        {
            _inlineFailures[location] = failures;
        }

        return null;
    }

    // Binds the parameters to the arguments' values (in source order), lowers the statements and the
    // one final return (none for void), then forgets the callee's own names.
    private Operand Inline(IOperation invocation, ImmutableArray<IArgumentOperation> arguments, Inlinee callee, string kind)
    {
        var function = callee.Method;
        if (_inlining.Contains(function, SymbolEqualityComparer.Default))
        {
            return UnsupportedExpression(invocation, "a recursive " + kind, "make it a static [Differentiable] method of the type: recursion between those is supported");
        }

        var (leading, returned) = SplitFinalReturn(callee.Body);
        var scalarResult = TypeMapping.TryMap(function.ReturnType) is not null;
        var returnsEarly = leading.Any(ContainsReturn) || (returned is null && !function.ReturnsVoid);
        if (returnsEarly && !scalarResult)
        {
            return UnsupportedExpression(invocation, "calling a " + kind + " that returns an array or tuple early", "end the " + kind + " with its only return (an if/else that assigns a local before it)");
        }

        if (arguments.Any(a => a.Parameter?.RefKind is RefKind.Ref or RefKind.Out or RefKind.In))
        {
            return UnsupportedExpression(invocation, "a call with 'ref', 'out' or 'in' arguments", "pass each value as a plain argument; return several results as a tuple or write them into an array argument");
        }

        var bindings = new List<(ISymbol Parameter, Operand Value)>();
        foreach (var argument in arguments)
        {
            var parameter = argument.Parameter!.OriginalDefinition;
            if (TypeMapping.TryMap(parameter.Type) is not null)
            {
                bindings.Add((parameter, LowerArgument(argument)));
            }
            else if (MatrixElementType(parameter.Type) is not null)
            {
                var errors = _diagnostics.Count;
                if (LowerExpression(argument.Value) is not MatrixValue matrix)
                {
                    return _diagnostics.Count > errors ? Dummy(invocation)
                        : UnsupportedExpression(argument.Value, "passing this matrix", "pass a local matrix (new double[rows, columns])");
                }

                bindings.Add((parameter, matrix));
            }
            else if (TypeMapping.IsModelType(parameter.Type) && ModelOf(argument.Value) is { } model)
            {
                bindings.Add((parameter, Evaluated(model)));
            }
            else if (ArrayArgument(argument.Value) is { } array)
            {
                bindings.Add((parameter, array));
            }
            else
            {
                return Dummy(invocation); // reported
            }
        }

        foreach (var (parameter, value) in bindings)
        {
            _values.Bind(parameter, value);
        }

        if (kind == "helper")
        {
            var origin = function.GetAttributes().Any(TypeMapping.IsDifferentiableAttribute) ? "[Differentiable]" : "not [Differentiable]";
            var on = callee.Receiver is { } receiver ? " on " + receiver.Access.TrimStart('@') : string.Empty;
            _ir.Emit(new SourceComment(function.ContainingType.Name + "." + function.Name + on + " (" + origin + "), differentiated here from its body"));
        }
        else if (kind == "property" && callee.Receiver is { } owner)
        {
            _ir.Emit(new SourceComment(owner.Access.TrimStart('@') + "." + function.AssociatedSymbol?.Name + ", differentiated here from its getter"));
        }

        var (outerModel, outerThis) = (_model, _this);
        _model = callee.Model;
        _this = kind == "local function" ? _this : callee.Receiver; // a local function sees the method's `this`
        _inlining.Add(function);
        Operand result;
        try
        {
            result = returnsEarly ? LowerReturningEarly(callee.Body, TypeMapping.TryMap(function.ReturnType)!)
                : LowerThenReturn(leading, returned, invocation);
        }
        finally
        {
            _inlining.RemoveAt(_inlining.Count - 1);
            (_model, _this) = (outerModel, outerThis);
        }

        foreach (var own in function.Parameters.Cast<ISymbol>().Concat(callee.Body.Descendants().OfType<IVariableDeclaratorOperation>().Select(d => d.Symbol)))
        {
            _values.Forget(own);
        }

        return result;
    }

    // The statements before a body's final return, and the value it returns (null without one, or for void's return;).
    private static (ImmutableArray<IOperation> Leading, IOperation? Returned) SplitFinalReturn(IBlockOperation body)
    {
        var statements = body.Operations;
        var last = statements.Length > 0 ? statements[statements.Length - 1] : null;
        return last is IReturnOperation final
            ? (statements.RemoveAt(statements.Length - 1), final.ReturnedValue)
            : (statements, null);
    }

    private Operand LowerThenReturn(ImmutableArray<IOperation> leading, IOperation? returned, IOperation invocation)
    {
        LowerWork(Prepend(leading, null));
        return returned is null ? Dummy(invocation) : LowerExpression(returned);
    }

    // A callee with returns anywhere is lowered as a method is: each return assigns its own result and sets
    // its own returned flag, and what follows runs under a test of that flag. The caller's loop is not the
    // callee's: a return inside it leaves the callee, so the lowering sees no enclosing loop meanwhile.
    private Operand LowerReturningEarly(IBlockOperation body, TypeRef resultType)
    {
        var (outerReturned, outerResult, outerLoop) = (_returned, _result, _loop);
        _returned = new FlagKey(TypeRef.Bool, "returned" + _inlining.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _result = _ir.NewVariable(resultType);
        _loop = null;
        _values.Bind(_returned, new LiteralOperand("false", TypeRef.Bool));
        try
        {
            // No method end in the work: the caller goes on after the body, so every path's values (a local
            // function's writes of the caller's locals) must merge where the paths meet, not continue apart.
            LowerWork(new Work(body, null));
            return new VariableOperand(_result);
        }
        finally
        {
            _values.Forget(_returned);
            (_returned, _result, _loop) = (outerReturned, outerResult, outerLoop);
        }
    }

    // The array an argument passes to a callee's array or span parameter: a parameter, a local array (through
    // an implicit conversion to a span, or .AsSpan()), a slice of one, an array made for it (new[] { … }, params).
    private Operand? ArrayArgument(IOperation value) => ViewOf(value) is { } view ? AsOperand(view) : null;

    // Whether a parameter of an inlined helper names one of the caller's local arrays: its elements may be written (an output).
    private bool NamesLocalArray(IParameterSymbol parameter)
    {
        var array = _values.TryGetValue(parameter, out var value) ? value switch
        {
            VariableOperand v => v.Id,
            SliceValue { ReadOnly: false } slice => slice.Array,
            _ => -1,
        } : -1;
        return array >= 0 && _ir.Variables[array] is { Shape: not ParameterShape.Scalar } && !IsReadOnlyArray(array);
    }

    /// <summary>The lowerer's state before an attempt it may take back.</summary>
    private sealed class Checkpoint
    {
        private readonly IrBuilder.Mark _ir;
        private readonly int _callSites;
        private readonly ImmutableDictionary<object, Operand> _values;
        private readonly HashSet<ISymbol> _rejected;

        public Checkpoint(BodyLowerer lowerer)
        {
            _ir = lowerer._ir.Save();
            Diagnostics = lowerer._diagnostics.Count;
            _callSites = lowerer._callSites.Count;
            _values = lowerer._values.Save();
            _rejected = new HashSet<ISymbol>(lowerer._rejected, SymbolEqualityComparer.Default);
        }

        public int Diagnostics { get; }

        public void Restore(BodyLowerer lowerer)
        {
            // Static fields first read by the attempt were read at the top of the method: forget them too.
            var variables = _ir.Variables;
            foreach (var field in lowerer._fields.Where(f => f.Value >= variables).Select(f => f.Key).ToList())
            {
                lowerer._fields.Remove(field);
            }

            lowerer._rows.RemoveWhere(row => row >= variables);
            foreach (var leaf in lowerer._leaves.Where(l => l.Value >= variables).Select(l => l.Key).ToList())
            {
                lowerer._leaves.Remove(leaf);
            }

            lowerer._leafSpecs.RemoveAll(leaf => leaf.Variable >= variables);
            lowerer._ir.Rewind(_ir);
            lowerer._diagnostics.RemoveRange(Diagnostics, lowerer._diagnostics.Count - Diagnostics);
            lowerer._callSites.RemoveRange(_callSites, lowerer._callSites.Count - _callSites);
            lowerer._values.Restore(_values);
            lowerer._rejected.Clear();
            lowerer._rejected.UnionWith(_rejected);
        }
    }
}
