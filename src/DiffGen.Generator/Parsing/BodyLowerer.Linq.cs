using System.Collections.Generic;
using System.Linq;
using DiffGen.Generator.Diagnostics;
using DiffGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DiffGen.Generator.Parsing;

// LINQ over arrays and spans, as people write a sum or a maximum: x.Sum(), x.Sum(v => …), x.Select(…).Sum(),
// x.Zip(w, (a, b) => a * b).Sum(), Enumerable.Range(1, n).Sum(t => …), Where before Sum, Count or Average,
// Max, Min, Average, Count, Aggregate, ToArray(), and foreach over such a sequence. A chain is lowered to the
// counted loop it stands for, each lambda inlined at its element: no delegate, no enumerator, no allocation,
// and the loop is differentiated like any other.
internal sealed partial class BodyLowerer
{
    /// <summary>
    /// A sequence as lowering sees it: how many elements, the k-th one, and whether a Where keeps the k-th
    /// (its predicate applied to the element the Where saw, whatever a later Select or count makes of it).
    /// </summary>
    private sealed class Sequence
    {
        public Sequence(Operand count, TypeRef type, System.Func<Operand, Operand> element, System.Func<Operand, Operand?>? keep = null, IReadOnlyList<int>? arrays = null)
        {
            Count = count;
            Type = type;
            Element = element;
            Keep = keep;
            Arrays = arrays ?? System.Array.Empty<int>();
        }

        /// <summary>The arrays it reads its elements from (a foreach over it holds them until it ends).</summary>
        public IReadOnlyList<int> Arrays { get; }

        public Operand Count { get; }

        /// <summary>The element type (a tuple's elements are numbers of their own types).</summary>
        public TypeRef Type { get; }

        public System.Func<Operand, Operand> Element { get; }

        /// <summary>Given an index, whether that element is kept (a bool operand); null when every element is.</summary>
        public System.Func<Operand, Operand?>? Keep { get; }
    }

    private static bool IsLinq(IMethodSymbol method) => method.ContainingType?.ToDisplayString() == "System.Linq.Enumerable";

    // x.Sum(), x.Max(v => …), …: the reduction's value; null when the call is no LINQ reduction this lowers.
    private Operand? LowerLinq(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        var name = method.Name;
        if (name is "Sum" or "Max" or "Min" or "Average" or "Count" or "Aggregate" or "ToArray" && invocation.Arguments.Length >= 1)
        {
            if (SequenceOf(invocation.Arguments[0].Value) is not { } source)
            {
                return Dummy(invocation);
            }

            var selector = name is not ("Aggregate" or "Count") && invocation.Arguments.Length == 2 ? invocation.Arguments[1].Value : null;
            var sequence = selector is null ? source : Map(source, selector, RequireElementType(invocation));
            if (name == "Count" && invocation.Arguments.Length == 2)
            {
                // Count(predicate) is Where(predicate).Count()
                if (source.Keep is not null)
                {
                    return UnsupportedExpression(invocation, "Count with a predicate after Where", "write one Where with both conditions, then Count()");
                }

                var predicate = invocation.Arguments[1].Value;
                sequence = new Sequence(source.Count, source.Type, source.Element, k => InlineLambda(predicate, source.Element(k)), source.Arrays);
            }

            if (sequence is null)
            {
                return Dummy(invocation);
            }

            return name switch
            {
                "Sum" => Sum(sequence),
                "Count" => KeptCount(sequence),
                "Average" => Average(sequence, invocation),
                "Max" or "Min" => Extreme(sequence, name, invocation),
                "Aggregate" => Aggregate(source, invocation),
                _ => ToArray(sequence, invocation),
            };
        }

        return UnsupportedExpression(invocation, "LINQ ('" + name + "')", "use Sum, Max, Min, Average, Count, Aggregate or ToArray over Select, Zip, Where and Range of arrays, or write the loop");
    }

    private TypeRef RequireElementType(IInvocationOperation invocation) =>
        TypeMapping.TryMap(invocation.Type) ?? (invocation.Type is IArrayTypeSymbol array ? TypeMapping.TryMap(array.ElementType) : null) ?? TypeRef.Double;

    // The elements a LINQ source stands for: an array or span (or a slice), Enumerable.Range, Select, Zip, Where.
    private Sequence? SequenceOf(IOperation operation)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        if (IsModelArrayMember(operation) && ModelArrayVariable(operation) is { } models)
        {
            // The elements of an array of models, each a model whose members are read where the body reads them.
            var count = _ir.Compute(TypeRef.Int, new LengthRead(models.Id));
            return new Sequence(count, TypeRef.Double, k => Evaluated(ElementOf(models, operation, new ModelElement(models.Id, null, k, string.Empty))));
        }

        if (operation is IInvocationOperation { TargetMethod: var method } call && IsLinq(method))
        {
            var arguments = call.Arguments;
            switch (method.Name)
            {
                case "Range" when arguments.Length == 2:
                    var start = LowerExpression(arguments[0].Value);
                    var count = LowerExpression(arguments[1].Value);
                    return new Sequence(count, TypeRef.Int, k => _ir.Compute(TypeRef.Int, new BinaryOperation(BinaryOperator.Add, start, k)));
                case "Select" when arguments.Length == 2 && SequenceOf(arguments[0].Value) is { } source:
                    return Map(source, arguments[1].Value, TypeMapping.TryMap((call.Type as INamedTypeSymbol)?.TypeArguments.FirstOrDefault()) ?? TypeRef.Double);
                case "Where" when arguments.Length == 2 && SequenceOf(arguments[0].Value) is { } source:
                    var predicate = arguments[1].Value;
                    return source.Keep is null
                        ? new Sequence(source.Count, source.Type, source.Element, k => InlineLambda(predicate, source.Element(k)), source.Arrays)
                        : Unsupported(call, "two Where filters");
                case "Zip" when arguments.Length is 2 or 3 && SequenceOf(arguments[0].Value) is { } first && SequenceOf(arguments[1].Value) is { } second:
                    if (first.Keep is not null || second.Keep is not null)
                    {
                        return Unsupported(call, "Zip after Where");
                    }

                    // As many elements as the shorter has.
                    var shorter = _ir.Compute(TypeRef.Int, new OpaqueCall("global::System.Math.Min", new[] { first.Count, second.Count }.ToEquatableArray(), PiecewiseConstant: true, OpaqueSite(call.Syntax)));
                    if (arguments.Length == 3)
                    {
                        var selector = arguments[2].Value;
                        return new Sequence(shorter, TypeMapping.TryMap((call.Type as INamedTypeSymbol)?.TypeArguments.FirstOrDefault()) ?? TypeRef.Double,
                            k => InlineLambda(selector, first.Element(k), second.Element(k)) ?? Dummy(selector), arrays: first.Arrays.Concat(second.Arrays).ToList());
                    }

                    return new Sequence(shorter, first.Type, k => new TupleValue(new[] { first.Element(k), second.Element(k) }.ToEquatableArray(), new[] { first.Type, second.Type }.ToEquatableArray()),
                        arrays: first.Arrays.Concat(second.Arrays).ToList());
                case "Select" or "Where" or "Zip":
                    return null; // its source was reported
                default:
                    return Unsupported(call, "'" + method.Name + "'");
            }
        }

        if (JaggedVariable(operation) is { } jagged)
        {
            var rowType = _ir.Variables[jagged].Type;
            return new Sequence(_ir.Compute(TypeRef.Int, new LengthRead(jagged)), rowType, k => new VariableOperand(RowOf(jagged, k)));
        }

        if (IsArrayReference(operation) || NamesSlice(operation) || IsSliceExpression(operation))
        {
            if (ViewOf(operation) is not { } view)
            {
                return null; // reported
            }

            var type = _ir.Variables[view.Array].Type;
            return new Sequence(LengthOf(view), type, k => _ir.Compute(type, new ElementRead(view.Array, IndexIn(view, k))), arrays: new[] { view.Array });
        }

        if (operation.Type is { } collection && (LocalArrayType(collection) is not null || TypeMapping.TryMapAnyCollection(collection) is not null) && ViewOf(operation) is { } made)
        {
            var type = _ir.Variables[made.Array].Type;
            return new Sequence(LengthOf(made), type, k => _ir.Compute(type, new ElementRead(made.Array, IndexIn(made, k))), arrays: new[] { made.Array });
        }

        UnsupportedExpression(operation, "this LINQ source", "use LINQ over arrays, spans and Enumerable.Range, or write the loop");
        return null;
    }

    private Sequence? Unsupported(IOperation at, string what)
    {
        UnsupportedExpression(at, "LINQ with " + what, "write the loop");
        return null;
    }

    // source.Select(selector): each element through the lambda (with its index, for (v, i) => …).
    private Sequence? Map(Sequence source, IOperation selector, TypeRef type)
    {
        var takesIndex = Lambda(selector)?.Symbol.Parameters.Length == 2;
        return new Sequence(source.Count, type, k => (takesIndex ? InlineLambda(selector, source.Element(k), k) : InlineLambda(selector, source.Element(k))) ?? Dummy(selector), source.Keep, source.Arrays);
    }

    private static IAnonymousFunctionOperation? Lambda(IOperation operation)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        return operation switch
        {
            IDelegateCreationOperation { Target: IAnonymousFunctionOperation lambda } => lambda,
            IAnonymousFunctionOperation lambda => lambda,
            _ => null,
        };
    }

    // The lambda's body where the element is, its parameters bound to the arguments; null when reported.
    private Operand? InlineLambda(IOperation operation, params Operand[] arguments)
    {
        if (Lambda(operation) is not { } lambda)
        {
            UnsupportedExpression(operation, "this delegate", "write a lambda, x => …, over the elements");
            return null;
        }

        if (lambda.Symbol.Parameters.Length != arguments.Length)
        {
            UnsupportedExpression(operation, "a lambda with " + lambda.Symbol.Parameters.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + " parameters here (an index overload)",
                "use the overload with one parameter per element, x => …; of the index overloads only Select((x, i) => …) is supported");
            return null;
        }

        // A lambda that assigns the method's locals would carry values from one element to the next: a loop.
        var own = new HashSet<ISymbol>(lambda.Symbol.Parameters.Cast<ISymbol>().Concat(lambda.Body.Descendants().OfType<IVariableDeclaratorOperation>().Select(d => d.Symbol)), SymbolEqualityComparer.Default);
        if (AssignedSymbols(lambda.Body).FirstOrDefault(s => !own.Contains(s)) is { } captured)
        {
            UnsupportedExpression(operation, "a lambda that assigns '" + captured.Name + "'", "write the loop, or compute the value inside the lambda and reduce it with Sum or Aggregate");
            return null;
        }

        for (var i = 0; i < arguments.Length; i++)
        {
            _values.Bind(lambda.Symbol.Parameters[i], arguments[i]);
        }

        var (leading, returned) = SplitFinalReturn(lambda.Body);
        var result = returned is not null && !leading.Any(ContainsReturn)
            ? LowerThenReturn(leading, returned, operation)
            : TypeMapping.TryMap(lambda.Symbol.ReturnType) is { } type ? LowerReturningEarly(lambda.Body, type) : Dummy(operation);
        foreach (var symbol in own)
        {
            _values.Forget(symbol);
        }

        return result;
    }

    // A counted loop over the elements: accumulator = step(accumulator, element) for each kept element.
    private Operand Reduce(Sequence sequence, Operand initial, System.Func<Operand, Operand, Operand> step, Operand? from = null)
    {
        var accumulator = _ir.NewVariable(TypeOfOperand(initial, sequence.Type));
        _ir.Emit(new AssignStatement(accumulator, new CopyOperation(initial)));
        var index = _ir.NewVariable(TypeRef.Int, "k");
        var outerValues = _values.Save();
        var k = new VariableOperand(index);
        var current = new VariableOperand(accumulator);
        var (next, body) = _ir.Capture(() =>
        {
            if (sequence.Keep is null)
            {
                return step(current, sequence.Element(k));
            }

            var keep = sequence.Keep(k) ?? new LiteralOperand("true", TypeRef.Bool);
            return LowerBranches(keep, () => step(current, sequence.Element(k)), () => current, _ir.Variables[accumulator].Type)!;
        });
        _values.Restore(outerValues);
        _ir.Emit(new LoopStatement(body.ToEquatableArray(), new[] { new AssignStatement(accumulator, new CopyOperation(next)) }.ToEquatableArray(),
            new CountedLoop(new CounterSpec(index, from ?? new LiteralOperand("0", TypeRef.Int), BinaryOperator.Less, sequence.Count))));
        return current;
    }

    private TypeRef TypeOfOperand(Operand operand, TypeRef fallback) => operand switch
    {
        VariableOperand v => _ir.Variables[v.Id].Type,
        LiteralOperand l => l.Type,
        _ => fallback,
    };

    // Enumerable.Sum as .NET computes it: floats summed in double, integers checked.
    private Operand Sum(Sequence sequence)
    {
        var total = sequence.Type.Kind == ScalarKind.Float ? TypeRef.Double : sequence.Type;
        return _ir.Convert(Total(sequence, total), total, sequence.Type);
    }

    // The kept elements added up in the given type (checked for integers).
    private Operand Total(Sequence sequence, TypeRef total) =>
        Reduce(new Sequence(sequence.Count, total, k => _ir.Convert(sequence.Element(k), sequence.Type, total), sequence.Keep), Literals.TryCreate(0, total)!,
            (t, v) => _ir.Compute(total, new BinaryOperation(BinaryOperator.Add, t, v, Checked: !total.IsFloating)));

    // How many elements a Where keeps (all of them without one).
    private Operand KeptCount(Sequence sequence) =>
        sequence.Keep is null ? sequence.Count : Total(new Sequence(sequence.Count, TypeRef.Int, _ => new LiteralOperand("1", TypeRef.Int), sequence.Keep), TypeRef.Int);

    // Enumerable.Average: the sum in double (integers too, exact below 2⁵³ as .NET's long) over the count.
    private Operand Average(Sequence sequence, IInvocationOperation invocation)
    {
        var type = TypeMapping.TryMap(invocation.Type) ?? TypeRef.Double;
        var mean = _ir.Compute(TypeRef.Double, new BinaryOperation(BinaryOperator.Divide, Total(sequence, TypeRef.Double), _ir.Convert(KeptCount(sequence), TypeRef.Int, TypeRef.Double)));
        return _ir.Convert(mean, TypeRef.Double, type);
    }

    // Max and Min as Enumerable computes them, from the first element (an empty sequence throws in C# and reads
    // past the end here): a later element replaces the best only when strictly greater (smaller), so the first of
    // equal extremes is the value and gets the derivative; Max passes over NaN (NaN ranks below every number),
    // Min returns it. The branch taken carries the derivative.
    private Operand Extreme(Sequence sequence, string which, IInvocationOperation invocation)
    {
        if (sequence.Keep is not null || !sequence.Type.IsFloating)
        {
            return UnsupportedExpression(invocation, "'" + which + "' after Where or of integers", "write the loop");
        }

        var type = sequence.Type;
        var isNaN = type.Kind == ScalarKind.Float ? "global::System.Single.IsNaN" : "global::System.Double.IsNaN";
        var at = OpaqueSite(invocation.Syntax);
        Operand IsNaN(Operand x) => _ir.Compute(TypeRef.Bool, new OpaqueCall(isNaN, new[] { x }.ToEquatableArray(), PiecewiseConstant: true, at));
        var first = sequence.Element(new LiteralOperand("0", TypeRef.Int));
        return Reduce(sequence, first, (best, v) =>
        {
            var take = which == "Max"
                ? _ir.Compute(TypeRef.Bool, new BinaryOperation(BinaryOperator.Or, _ir.Compute(TypeRef.Bool, new BinaryOperation(BinaryOperator.Greater, v, best)), IsNaN(best)))
                : _ir.Compute(TypeRef.Bool, new BinaryOperation(BinaryOperator.And,
                    _ir.Compute(TypeRef.Bool, new UnaryOperation(UnaryOperator.Not, IsNaN(best))),
                    _ir.Compute(TypeRef.Bool, new BinaryOperation(BinaryOperator.Or, IsNaN(v), _ir.Compute(TypeRef.Bool, new BinaryOperation(BinaryOperator.Less, v, best))))));
            return LowerBranches(take, () => v, () => best, type)!;
        }, new LiteralOperand("1", TypeRef.Int));
    }

    // source.Aggregate(seed, (acc, v) => …) or source.Aggregate((acc, v) => …).
    private Operand Aggregate(Sequence source, IInvocationOperation invocation)
    {
        var arguments = invocation.Arguments;
        if (source.Keep is not null || arguments.Length is not (2 or 3) || arguments.Length == 3 && invocation.TargetMethod.Parameters.Length == 4)
        {
            return UnsupportedExpression(invocation, "this Aggregate", "write Aggregate(seed, (total, v) => …) or Aggregate((total, v) => …), or the loop");
        }

        var type = TypeMapping.TryMap(invocation.Type) ?? TypeRef.Double;
        var function = arguments[arguments.Length - 1].Value;
        var seeded = arguments.Length == 3;
        var initial = seeded ? _ir.Convert(LowerExpression(arguments[1].Value), RequireType(arguments[1].Value), type) : _ir.Convert(source.Element(new LiteralOperand("0", TypeRef.Int)), source.Type, type);
        return Reduce(source, initial, (total, v) => InlineLambda(function, total, v) ?? Dummy(function), seeded ? null : new LiteralOperand("1", TypeRef.Int));
    }

    // source.ToArray(): a new local array of the elements.
    private Operand ToArray(Sequence sequence, IInvocationOperation invocation)
    {
        if (sequence.Keep is not null || !sequence.Type.IsFloating)
        {
            return UnsupportedExpression(invocation, "this ToArray", "make arrays of double or float from Select, Zip or an array, without Where");
        }

        var array = NewLocalArray("array", sequence.Type, sequence.Count);
        ForEachIndex(sequence.Count, k => _ir.Emit(new ElementWriteStatement(array, k, sequence.Element(k))));
        return new VariableOperand(array);
    }
}
