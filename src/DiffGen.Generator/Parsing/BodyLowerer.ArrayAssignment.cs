using System.Collections.Generic;
using System.Linq;
using DiffGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace DiffGen.Generator.Parsing;

// h = hNext, (u, uNext) = (uNext, u), u = (double[])u0.Clone(): a local array variable given another
// array. In the IR a local array is one array variable for the method, so the assignment becomes a copy:
// of the elements into the target's array when the lengths agree (no allocation the user's code does not
// make), else into a new array of the source's length; the reverse sweep differentiates the copy like any
// element writes (a new array in a loop gets its adjoints cleared where the reversed iteration reaches the
// allocation). A copy means what the reference assignment means as long
// as nothing else sees the difference: no other local or slice names either array, and the source is not
// used after the assignment (it is declared in the same iteration, so its next value is a new array).
// Otherwise the assignment is reported.
internal sealed partial class BodyLowerer
{
    private Operand LowerArrayAssignment(ISimpleAssignmentOperation assignment, ILocalSymbol target)
    {
        if (LocalFunctionSeeing(assignment, target, (assignment.Value as ILocalReferenceOperation)?.Local) is { } function)
        {
            return UnsupportedExpression(assignment, "assigning an array local that the local function '" + function + "' also uses", "copy the elements (source.CopyTo(target, 0)), or pass the arrays to the local function as parameters");
        }

        if (OwnArray(target) is not { } to)
        {
            return UnsupportedExpression(assignment.Target, "assigning this array variable", "assign local arrays that were created with new T[n], new[] { … }, a helper's result or Clone()");
        }

        var value = assignment.Value;
        while (value is IConversionOperation conversion && conversion.OperatorMethod is null && !IsClone(conversion))
        {
            value = conversion.Operand;
        }

        int from;
        if (value is ILocalReferenceOperation { Local: var source })
        {
            if (OwnArray(source) is not { } sourceArray)
            {
                return UnsupportedExpression(value, "assigning this array to an array local", "copy its elements into the local array: source.CopyTo(target, 0)");
            }

            if (UsedAfter(source, assignment) is { } later)
            {
                return UnsupportedExpression(assignment, "'" + target.Name + " = " + source.Name + "' where '" + source.Name + "' is used again after it (" + later + ")",
                    "copy the elements instead (" + source.Name + ".CopyTo(" + target.Name + ", 0)), or declare '" + source.Name + "' inside the loop so that each iteration has a new one");
            }

            from = sourceArray;
        }
        else
        {
            // A new array: a helper's result, new T[n], Clone().
            var errors = _diagnostics.Count;
            if (LowerExpression(value) is not VariableOperand { Id: var made } || _ir.Variables[made].Shape == ParameterShape.Scalar || _ir.Variables[made].Origin != VariableOrigin.Intermediate)
            {
                return _diagnostics.Count > errors ? Dummy(assignment)
                    : UnsupportedExpression(value, "assigning this array to an array local", "copy its elements into the local array: source.CopyTo(target, 0)");
            }

            from = made;
        }

        if (from == to)
        {
            return new VariableOperand(to); // a helper that returned the array it was given
        }

        var alias = OtherName(to, target) ?? OtherName(from, value is ILocalReferenceOperation named ? named.Local : null) ?? Iterated(to) ?? Iterated(from);
        if (alias is not null)
        {
            return UnsupportedExpression(assignment, "assigning an array local that another local or slice also names ('" + alias + "')", "copy the elements (source.CopyTo(target, 0)) and keep one name per array");
        }

        CopyArray(to, from);
        return new VariableOperand(to);
    }

    // (u, uNext) = (uNext, u): the two arrays exchange their elements (and lengths), through a temporary copy.
    private Operand LowerArraySwap(IDeconstructionAssignmentOperation swap)
    {
        static LocalPair? Locals(IOperation operation)
        {
            while (operation is IConversionOperation conversion)
            {
                operation = conversion.Operand;
            }

            return operation is ITupleOperation { Elements.Length: 2 } tuple
                   && tuple.Elements[0] is ILocalReferenceOperation a && tuple.Elements[1] is ILocalReferenceOperation b
                ? new LocalPair(a.Local, b.Local)
                : null;
        }

        var targets = Locals(swap.Target);
        var sources = Locals(swap.Value);
        if (targets is not null && LocalFunctionSeeing(swap, targets.First, targets.Second) is { } function)
        {
            return UnsupportedExpression(swap, "swapping array locals that the local function '" + function + "' also uses", "swap the elements in a loop, or pass the arrays to the local function as parameters");
        }

        if (targets is null || sources is null
            || !SymbolEqualityComparer.Default.Equals(targets.First, sources.Second) || !SymbolEqualityComparer.Default.Equals(targets.Second, sources.First)
            || OwnArray(targets.First) is not { } first || OwnArray(targets.Second) is not { } second || first == second)
        {
            return UnsupportedExpression(swap, "this assignment of array locals", "swap two local arrays as (a, b) = (b, a), or copy elements: source.CopyTo(target, 0)");
        }

        var alias = OtherName(first, targets.First, targets.Second) ?? OtherName(second, targets.First, targets.Second) ?? Iterated(first) ?? Iterated(second);
        if (alias is not null)
        {
            return UnsupportedExpression(swap, "swapping array locals that another local or slice also names ('" + alias + "')", "keep one name per array");
        }

        // Equal lengths (the usual double buffer): the elements change places, one at a time. Else through a copy.
        var sameLength = _ir.Compute(TypeRef.Bool, new BinaryOperation(BinaryOperator.Equal,
            _ir.Compute(TypeRef.Int, new LengthRead(first)), _ir.Compute(TypeRef.Int, new LengthRead(second))));
        LowerBranches(
            sameLength,
            () =>
            {
                ForEachIndex(_ir.Compute(TypeRef.Int, new LengthRead(first)), k =>
                {
                    var a = _ir.Compute(_ir.Variables[first].Type, new ElementRead(first, k));
                    var b = _ir.Compute(_ir.Variables[second].Type, new ElementRead(second, k));
                    _ir.Emit(new ElementWriteStatement(first, k, b));
                    _ir.Emit(new ElementWriteStatement(second, k, a));
                });
                return null;
            },
            () =>
            {
                var temporary = CopyOfView(new ArrayView(first, null, null, false), "swap");
                AllocateCopy(first, second);
                AllocateCopy(second, ((VariableOperand)temporary).Id);
                return null;
            },
            resultType: null);
        return Dummy(swap);
    }

    private sealed record LocalPair(ILocalSymbol First, ILocalSymbol Second);

    // target gets source's elements: in place when the lengths agree, else in a new array of source's length.
    private void CopyArray(int target, int source)
    {
        var length = _ir.Compute(TypeRef.Int, new LengthRead(source));
        var sameLength = _ir.Compute(TypeRef.Bool, new BinaryOperation(BinaryOperator.Equal, _ir.Compute(TypeRef.Int, new LengthRead(target)), length));
        LowerBranches(
            sameLength,
            () =>
            {
                CopyElements(target, source, length);
                return null;
            },
            () =>
            {
                AllocateCopy(target, source);
                return null;
            },
            resultType: null);
    }

    // target = new T[source.Length], then target[k] = source[k] for every k.
    private void AllocateCopy(int target, int source)
    {
        var length = _ir.Compute(TypeRef.Int, new LengthRead(source));
        _ir.Emit(new AssignStatement(target, new ArrayAllocation(length, OnStack: false)));
        CopyElements(target, source, length);
    }

    private void CopyElements(int target, int source, Operand length) =>
        ForEachIndex(length, k => _ir.Emit(new ElementWriteStatement(target, k,
            _ir.Convert(_ir.Compute(_ir.Variables[source].Type, new ElementRead(source, k)), _ir.Variables[source].Type, _ir.Variables[target].Type))));

    // for (k = 0; k < count; k++) body(k), as a counted loop of the IR.
    private void ForEachIndex(Operand count, System.Action<Operand> body)
    {
        var index = _ir.NewVariable(TypeRef.Int, "k");
        var outerValues = _values.Save();
        var statements = _ir.Capture(() => body(new VariableOperand(index)));
        _values.Restore(outerValues); // names bound inside (a lambda's) end with the loop body
        _ir.Emit(new LoopStatement(statements.ToEquatableArray(), EquatableArray<AssignStatement>.Empty, new CountedLoop(new CounterSpec(index, new LiteralOperand("0", TypeRef.Int), BinaryOperator.Less, count))));
    }

    // (double[])x.Clone(): a new local array with x's elements.
    private static bool IsClone(IConversionOperation conversion) =>
        conversion.Operand is IInvocationOperation { TargetMethod.Name: "Clone", Instance: { Type: IArrayTypeSymbol }, Arguments.Length: 0 };

    private Operand LowerClone(IConversionOperation conversion, string name = "clone")
    {
        var instance = ((IInvocationOperation)conversion.Operand).Instance!;
        if (LocalArrayType(conversion.Type!) is not { } element || ViewOf(instance) is not { } view)
        {
            return Dummy(conversion);
        }

        return CopyOfView(view, name, element);
    }

    // A new local array with the elements a view shows.
    private Operand CopyOfView(ArrayView view, string name, TypeRef? element = null)
    {
        var type = element ?? _ir.Variables[view.Array].Type;
        var length = LengthOf(view);
        var copy = NewLocalArray(name, type, length);
        ForEachIndex(length, k => _ir.Emit(new ElementWriteStatement(copy, k,
            _ir.Convert(_ir.Compute(_ir.Variables[view.Array].Type, new ElementRead(view.Array, IndexIn(view, k))), _ir.Variables[view.Array].Type, type))));
        return new VariableOperand(copy);
    }

    // A new local array variable, allocated here (new T[length]).
    private int NewLocalArray(string name, TypeRef element, Operand length)
    {
        var array = _ir.NewLocal(name, element, ParameterShape.Array);
        _ir.Emit(new AssignStatement(array, new ArrayAllocation(length, OnStack: false)));
        return array;
    }

    // The local array a local names, when it is the method's own (not a parameter's, a table's or a slice).
    // Whether an array local is assigned another array later and its elements are never written (nor passed anywhere
    // that could write them): starting it as a copy of a read-only array then changes nothing the method can see.
    private bool IsReassignedNeverWritten(ILocalSymbol local, IOperation declarator)
    {
        var method = declarator.Syntax.Ancestors().OfType<MemberDeclarationSyntax>().FirstOrDefault();
        if (method is null || _model.GetOperation(method, _cancellationToken) is not { } body)
        {
            return false;
        }

        bool Names(IOperation? operation) => operation is ILocalReferenceOperation { Local: var l } && SymbolEqualityComparer.Default.Equals(l, local);
        var reassigned = false;
        foreach (var operation in body.Descendants())
        {
            switch (operation)
            {
                case ISimpleAssignmentOperation { Target: var target } when Names(target):
                    reassigned = true;
                    break;
                case IArrayElementReferenceOperation { ArrayReference: var array } element when Names(array) && IsWrittenTo(element):
                case IPropertyReferenceOperation { Property.IsIndexer: true, Instance: var span } indexer when Names(span) && IsWrittenTo(indexer):
                case IInvocationOperation { Instance: var receiver } when Names(receiver):
                    return false;
                case IArgumentOperation { Value: var argument } passed when Names(argument) || argument is IConversionOperation { Operand: var converted } && Names(converted):
                    // Passed where it can only be read (a ReadOnlySpan, a sequence): else a callee could write what C# would share.
                    if (passed.Parameter?.Type is not INamedTypeSymbol { IsGenericType: true } readOnly
                        || readOnly.ConstructedFrom.ToDisplayString() is not ("System.ReadOnlySpan<T>" or "System.Collections.Generic.IEnumerable<T>"))
                    {
                        return false;
                    }

                    break;
            }
        }

        return reassigned;
    }

    private static bool IsWrittenTo(IOperation element) =>
        element.Parent is IAssignmentOperation { Target: var target } && target == element
        || element.Parent is IIncrementOrDecrementOperation;

    private int? OwnArray(ILocalSymbol local) =>
        _values.TryGetValue(local, out var value) && value is VariableOperand { Id: var id }
        && _ir.Variables[id] is { Shape: not ParameterShape.Scalar } && !IsReadOnlyArray(id)
            ? id
            : null;

    // A copy is what the reference assignment means only when every use of the arrays is where lowering sees it in
    // order: an assignment inside a local function, or arrays a local function reads or writes (it runs wherever
    // it is called), could see the two arrays as one. The local function's name, or null.
    private string? LocalFunctionSeeing(IOperation assignment, params ILocalSymbol?[] locals)
    {
        if (assignment.Syntax.Ancestors().OfType<LocalFunctionStatementSyntax>().FirstOrDefault() is { } inside)
        {
            return inside.Identifier.ValueText;
        }

        var method = assignment.Syntax.Ancestors().OfType<MemberDeclarationSyntax>().FirstOrDefault();
        foreach (var function in method?.DescendantNodes().OfType<LocalFunctionStatementSyntax>() ?? Enumerable.Empty<LocalFunctionStatementSyntax>())
        {
            foreach (var name in function.DescendantNodes().OfType<IdentifierNameSyntax>())
            {
                if (locals.Any(l => l is not null && l.Name == name.Identifier.ValueText)
                    && _model.GetSymbolInfo(name, _cancellationToken).Symbol is ILocalSymbol used && locals.Any(l => SymbolEqualityComparer.Default.Equals(l, used)))
                {
                    return function.Identifier.ValueText;
                }
            }
        }

        return null;
    }

    // An enclosing foreach that iterates over the array: it holds it to its end, whatever the local names then.
    private string? Iterated(int array) => _iterated.Contains(array) ? "the foreach around this" : null;

    // Another local or parameter (not one of the given) that names the array or a slice of it.
    private string? OtherName(int array, params ISymbol?[] except)
    {
        foreach (var entry in _values.Bindings)
        {
            if (entry.Key is not ISymbol symbol || except.Any(e => SymbolEqualityComparer.Default.Equals(e, symbol)))
            {
                continue;
            }

            if (entry.Value is VariableOperand { Id: var id } && id == array || entry.Value is SliceValue { Array: var sliced } && sliced == array)
            {
                return symbol.Name;
            }
        }

        return null;
    }

    // Where the source of h = source is read or written after the assignment: later in its scope, or, when it
    // is declared outside a loop around the assignment, anywhere in that loop (the next iteration runs after).
    private string? UsedAfter(ILocalSymbol source, ISimpleAssignmentOperation assignment)
    {
        var declaration = source.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellationToken);
        var scope = declaration?.Ancestors().FirstOrDefault(a => a is BlockSyntax or SwitchSectionSyntax or ForStatementSyntax or ForEachStatementSyntax);
        if (scope is null || !scope.Span.Contains(assignment.Syntax.Span))
        {
            return "outside this scope";
        }

        var loopBetween = assignment.Syntax.Ancestors().TakeWhile(a => a != scope)
            .FirstOrDefault(a => a is ForStatementSyntax or WhileStatementSyntax or DoStatementSyntax or ForEachStatementSyntax);
        var region = loopBetween ?? scope;
        foreach (var name in region.DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            if (name.Identifier.ValueText != source.Name || assignment.Syntax.Span.Contains(name.Span)
                || (loopBetween is null && name.SpanStart < assignment.Syntax.Span.End))
            {
                continue;
            }

            if (SymbolEqualityComparer.Default.Equals(_model.GetSymbolInfo(name, _cancellationToken).Symbol, source))
            {
                return "line " + (name.GetLocation().GetLineSpan().StartLinePosition.Line + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return null;
    }
}
