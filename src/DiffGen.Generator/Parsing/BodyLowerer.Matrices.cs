using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using DiffGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DiffGen.Generator.Parsing;

// Local two-dimensional arrays, double[,] and float[,]: a kernel matrix, a Cholesky factor. In the IR a
// matrix is a one-dimensional array in row-major order with its dimensions beside it, so m[i, j] is the
// element i * columns + j, GetLength gives the dimensions, and everything that works for local arrays
// (element writes in loops, adjoints, helpers) works for matrices. An index checks only against the
// whole matrix: m[i, j] with j past the columns reads the next row where C# throws (the method itself
// still throws).
internal sealed partial class BodyLowerer
{
    /// <summary>A local matrix: the array of its elements, row after row, and its dimensions.</summary>
    private sealed record MatrixValue(int Array, Operand Rows, Operand Columns) : Operand;

    private static TypeRef? MatrixElementType(ITypeSymbol? type) =>
        type is IArrayTypeSymbol { Rank: 2 } matrix && TypeMapping.TryMap(matrix.ElementType) is { IsFloating: true } element ? element : null;

    // var m = new double[r, c] (or { { … }, { … } }), or a matrix made elsewhere (a helper's result).
    private void LowerMatrixLocal(IVariableDeclaratorOperation declarator, ILocalSymbol local, TypeRef element, IOperation? initializer)
    {
        var creation = initializer;
        while (creation is IConversionOperation conversion)
        {
            creation = conversion.Operand;
        }

        if (creation is IArrayCreationOperation { DimensionSizes.Length: 2 } array)
        {
            _values.Bind(local, CreateMatrix(array, element, local.Name));
            return;
        }

        var errors = _diagnostics.Count;
        if (creation is not null && LowerExpression(creation) is MatrixValue made)
        {
            _values.Bind(local, made);
            return;
        }

        _rejected.Add(local);
        if (_diagnostics.Count == errors)
        {
            UnsupportedStatement(declarator, "this matrix initialization", "create local matrices with new double[rows, columns] or { { … }, { … } }");
        }
    }

    // new T[rows, columns] (with its initializer's elements, row after row).
    private MatrixValue CreateMatrix(IArrayCreationOperation array, TypeRef element, string name)
    {
        var rows = _ir.Convert(LowerExpression(array.DimensionSizes[0]), RequireType(array.DimensionSizes[0]), TypeRef.Int);
        var columns = _ir.Convert(LowerExpression(array.DimensionSizes[1]), RequireType(array.DimensionSizes[1]), TypeRef.Int);
        var id = _ir.NewLocal(name, element, ParameterShape.Array);
        var count = _ir.Compute(TypeRef.Int, new BinaryOperation(BinaryOperator.Multiply, rows, columns, Checked: true));
        _ir.Emit(new AssignStatement(id, new ArrayAllocation(count, OnStack: false)));
        var index = 0;
        foreach (var row in array.Initializer?.ElementValues ?? ImmutableArray<IOperation>.Empty)
        {
            foreach (var value in (row as IArrayInitializerOperation)?.ElementValues ?? ImmutableArray<IOperation>.Empty)
            {
                _ir.Emit(new ElementWriteStatement(id, new LiteralOperand(index++.ToString(System.Globalization.CultureInfo.InvariantCulture), TypeRef.Int),
                    _ir.Convert(LowerExpression(value), RequireType(value), element)));
            }
        }

        return new MatrixValue(id, rows, columns);
    }

    // The matrix a local or an inlined helper's parameter names, or null.
    private MatrixValue? MatrixOf(IOperation operation) => NamedValue(operation) as MatrixValue;

    // m[i, j]: the element i * columns + j of the matrix's array.
    private Operand MatrixIndex(MatrixValue matrix, IOperation row, IOperation column)
    {
        var (i, j) = MatrixCell(row, column);
        var start = _ir.Compute(TypeRef.Int, new BinaryOperation(BinaryOperator.Multiply, i, matrix.Columns));
        return _ir.Compute(TypeRef.Int, new BinaryOperation(BinaryOperator.Add, start, j));
    }

    // The row and column of m[i, j], as ints.
    private (Operand Row, Operand Column) MatrixCell(IOperation row, IOperation column) =>
        (_ir.Convert(LowerExpression(row), RequireType(row), TypeRef.Int), _ir.Convert(LowerExpression(column), RequireType(column), TypeRef.Int));

    // m.GetLength(0) and m.GetLength(1); null when the call is no such thing.
    private Operand? MatrixDimension(IInvocationOperation invocation)
    {
        if (invocation is not { TargetMethod.Name: "GetLength", Instance: { } instance, Arguments.Length: 1 } || MatrixOf(instance) is not { } matrix)
        {
            return null;
        }

        return invocation.Arguments[0].Value.ConstantValue is { HasValue: true, Value: int dimension and (0 or 1) }
            ? dimension == 0 ? matrix.Rows : matrix.Columns
            : UnsupportedExpression(invocation, "GetLength of a dimension that is not 0 or 1", "write GetLength(0) for the rows and GetLength(1) for the columns");
    }

    // ---- jagged [NoDerivative] parameters: double[][] of data, read row by row ----

    // The rows read from jagged parameters: arrays of the caller's, never written.
    private readonly HashSet<int> _rows = new();

    // Arrays the body may only read: parameters, static tables, rows of a jagged parameter.
    private bool IsReadOnlyArray(int array) =>
        _ir.Variables[array].Origin == VariableOrigin.Parameter || _fields.ContainsValue(array) || _rows.Contains(array);

    // The variable of a jagged parameter (or of a local or helper parameter naming one), or null.
    private int? JaggedVariable(IOperation operation)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        return operation.Type is IArrayTypeSymbol { ElementType: IArrayTypeSymbol }
               && NamedValue(operation) is VariableOperand { Id: var id } && _ir.Variables[id].Origin == VariableOrigin.Parameter
            ? id
            : null;
    }

    // rows[i]: the row, an array variable of its own.
    private Operand Row(int jagged, IOperation index) =>
        new VariableOperand(RowOf(jagged, _ir.Convert(LowerExpression(index), RequireType(index), TypeRef.Int)));

    private int RowOf(int jagged, Operand index)
    {
        var row = _ir.NewLocal("row", _ir.Variables[jagged].Type, ParameterShape.Array);
        _ir.Emit(new AssignStatement(row, new RowRead(jagged, index)));
        _rows.Add(row);
        return row;
    }
}
