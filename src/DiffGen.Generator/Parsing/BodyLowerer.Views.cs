using System.Linq;
using DiffGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DiffGen.Generator.Parsing;

// Slices: x.AsSpan(start, length), span.Slice(start, length), span[a..b] and array[a..b]. A slice is not a
// new array in the IR: it names elements [Offset, Offset + Length) of the array it views, so reads and
// writes through it are the array's own, with the offset added to the index. An array range (x[a..b]) is a
// copy in C#: it is a read-only view, and only of an array nothing writes (a parameter or a table), where a
// copy and a view read the same values.
internal sealed partial class BodyLowerer
{
    /// <summary>A slice bound to a local or to an inlined helper's parameter.</summary>
    private sealed record SliceValue(int Array, Operand Offset, Operand Length, bool ReadOnly) : Operand;

    /// <summary>Elements of <paramref name="Array"/> from <paramref name="Offset"/> (null: 0), <paramref name="Length"/> of them (null: all).</summary>
    private sealed record ArrayView(int Array, Operand? Offset, Operand? Length, bool ReadOnly);

    private static bool IsSliceExpression(IOperation operation)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        return operation switch
        {
            IInvocationOperation { TargetMethod.Name: "AsSpan" or "AsMemory", Arguments.Length: 2 or 3 } => true,
            IInvocationOperation { TargetMethod.Name: "AsSpan", Arguments.Length: 1 } whole => whole.Arguments[0].Value.Type is IArrayTypeSymbol,
            IInvocationOperation { TargetMethod.Name: "Slice", Instance: not null, Arguments.Length: 1 or 2 } => true,
            IInvocationOperation { TargetMethod.Name: "GetSubArray", Arguments.Length: 2 } subArray => subArray.Arguments[1].Value is IRangeOperation,
            IArrayElementReferenceOperation { Indices.Length: 1 } element when element.Indices[0] is IRangeOperation => true,
            IImplicitIndexerReferenceOperation { Argument: IRangeOperation } => true,
            _ => false,
        };
    }

    // Whether a local or parameter names a slice (or a matrix: its elements in row-major order).
    private bool NamesSlice(IOperation operation) => NamedValue(operation) is SliceValue or MatrixValue;

    // The value a local or parameter (an inlined callee's too) names, through conversions; null for anything else.
    private Operand? NamedValue(IOperation operation)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        var symbol = operation switch
        {
            ILocalReferenceOperation l => (ISymbol)l.Local,
            IParameterReferenceOperation p => p.Parameter,
            _ => null,
        };
        return symbol is not null && _values.TryGetValue(symbol, out var value) ? value : null;
    }

    /// <summary>What an array operand views: a whole array (parameter, local, table) or a slice of one; null when reported or none.</summary>
    private ArrayView? ViewOf(IOperation operation)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        switch (operation)
        {
            case ILocalReferenceOperation { Local: var rejected } when _rejected.Contains(rejected):
                return null; // its declaration is reported
            case ILocalReferenceOperation or IParameterReferenceOperation when NamedValue(operation) is MatrixValue matrix:
                if (_ir.Variables[matrix.Array].Origin == VariableOrigin.Parameter)
                {
                    UnsupportedExpression(operation, "iterating over a matrix parameter's elements", "loop over m.GetLength(0) and m.GetLength(1) and read m[i, j]");
                    return null;
                }

                return new ArrayView(matrix.Array, null, null, false);
            case ILocalReferenceOperation or IParameterReferenceOperation when NamedValue(operation) is SliceValue slice:
                return new ArrayView(slice.Array, slice.Offset, slice.Length, slice.ReadOnly);
            case IInvocationOperation { TargetMethod.Name: "AsSpan" or "AsMemory", Arguments.Length: 2 or 3 } asSpan:
                return Slice(asSpan.Arguments[0].Value, asSpan.Arguments[1].Value, asSpan.Arguments.Length == 3 ? asSpan.Arguments[2].Value : null, readOnly: false);
            case IInvocationOperation { TargetMethod.Name: "Slice", Instance: { } instance, Arguments.Length: 1 or 2 } slice:
                return Slice(instance, slice.Arguments[0].Value, slice.Arguments.Length == 2 ? slice.Arguments[1].Value : null, readOnly: false);
            case IArrayElementReferenceOperation { Indices.Length: 1 } element when element.Indices[0] is IRangeOperation range:
                return Range(element.ArrayReference, range, element, copy: true);
            case IInvocationOperation { TargetMethod.Name: "GetSubArray", Arguments.Length: 2 } subArray when subArray.Arguments[1].Value is IRangeOperation range:
                return Range(subArray.Arguments[0].Value, range, subArray, copy: true);
            case IImplicitIndexerReferenceOperation { Argument: IRangeOperation range } indexer:
                return Range(indexer.Instance, range, indexer, copy: false);
            case IInvocationOperation { TargetMethod.Name: "AsSpan", Arguments.Length: 1 } whole:
                return ViewOf(whole.Arguments[0].Value);
        }

        if (IsArrayReference(operation) && ArrayVariable(operation) is { } array)
        {
            return new ArrayView(array, null, null, false);
        }

        if (operation.Type is { } type && (LocalArrayType(type) is not null || TypeMapping.TryMapAnyCollection(type) is not null))
        {
            // an array made here: a helper's result, new[] { … }
            var errors = _diagnostics.Count;
            var value = LowerExpression(operation);
            if (value is VariableOperand { Id: var made } && _ir.Variables[made].Shape != ParameterShape.Scalar)
            {
                return new ArrayView(made, null, null, false);
            }

            if (value is SliceValue s)
            {
                return new ArrayView(s.Array, s.Offset, s.Length, s.ReadOnly);
            }

            if (_diagnostics.Count > errors)
            {
                return null;
            }
        }

        UnsupportedExpression(operation, "this array or span", "use an array or span parameter, a local array, or a slice of one (AsSpan(start, length), Slice, a range)");
        return null;
    }

    // start and length (null: to the end) within what the receiver views.
    private ArrayView? Slice(IOperation receiver, IOperation start, IOperation? length, bool readOnly)
    {
        if (ViewOf(receiver) is not { } outer)
        {
            return null;
        }

        var from = _ir.Convert(LowerExpression(start), RequireType(start), TypeRef.Int);
        var count = length is not null
            ? _ir.Convert(LowerExpression(length), RequireType(length), TypeRef.Int)
            : _ir.Compute(TypeRef.Int, new BinaryOperation(BinaryOperator.Subtract, LengthOf(outer), from));
        return new ArrayView(outer.Array, IndexIn(outer, from), count, outer.ReadOnly || readOnly);
    }

    // a..b, a.., ..b, ..: int bounds from the start (^ ends are not supported).
    private ArrayView? Range(IOperation receiver, IRangeOperation range, IOperation whole, bool copy)
    {
        // an int bound reaches the range as an Index: unwrap the conversion
        static IOperation? Bound(IOperation? end) => end is IConversionOperation { Operand.Type.SpecialType: SpecialType.System_Int32 } toIndex ? toIndex.Operand : end;
        var (start, end) = (Bound(range.LeftOperand), Bound(range.RightOperand));
        if (start is not null && start.Type?.SpecialType != SpecialType.System_Int32 || end is not null && end.Type?.SpecialType != SpecialType.System_Int32)
        {
            UnsupportedExpression(range, "this range", "write ranges from the start: a..b, a.. or ..b with int bounds (or use AsSpan(start, length))");
            return null;
        }

        if (ViewOf(receiver) is not { } outer)
        {
            return null;
        }

        if (copy && _ir.Variables[outer.Array].Origin != VariableOrigin.Parameter && !_fields.ContainsValue(outer.Array))
        {
            // x[a..b] copies: of a local array that may change later, the copy and a view would differ.
            UnsupportedExpression(whole, "a range of a local array (a copy)", "use a view, a.AsSpan(start, length), or copy the elements into a new local array");
            return null;
        }

        Operand from = start is not null ? LowerExpression(start) : new LiteralOperand("0", TypeRef.Int);
        var to = end is not null ? LowerExpression(end) : LengthOf(outer);
        var count = _ir.Compute(TypeRef.Int, new BinaryOperation(BinaryOperator.Subtract, to, from));
        return new ArrayView(outer.Array, IndexIn(outer, from), count, outer.ReadOnly || copy);
    }

    private Operand LengthOf(ArrayView view) => view.Length ?? _ir.Compute(TypeRef.Int, new LengthRead(view.Array));

    // The index into the viewed array of a view's element.
    private Operand IndexIn(ArrayView view, Operand index) =>
        view.Offset is null ? index
        : index is LiteralOperand { Text: "0" } ? view.Offset
        : _ir.Compute(TypeRef.Int, new BinaryOperation(BinaryOperator.Add, view.Offset, index));

    // A view as a value: the array itself, or a slice of it.
    private static Operand AsOperand(ArrayView view) =>
        view.Offset is null && view.Length is null && !view.ReadOnly
            ? new VariableOperand(view.Array)
            : new SliceValue(view.Array, view.Offset ?? new LiteralOperand("0", TypeRef.Int), view.Length!, view.ReadOnly);
}
