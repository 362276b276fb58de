using System.Collections.Generic;
using System.Linq;
using DiffGen.Generator.Analysis;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Differentiation;

/// <summary>A slice start that moves with one loop counter: <c>counter * Stride + Base</c>.</summary>
internal sealed record AffineOffset(Operand Stride, Operand? Base);

/// <summary>
/// A dot kernel in a two-deep loop nest whose slices each move with one of the two counters, the
/// <c>i</c>-<c>j</c>-<c>k</c> nest of a dense layer: <c>acc = Σ_k Rows[i·sR + k] · Columns[j·sC + k]</c>. For a
/// block of the outer loop's iterations, every dot product of the nest is one entry of the matrix product
/// <c>Rows_block · Columnsᵀ</c>, computed first by a blocked kernel (a GEMM, near the machine's FMA peak,
/// each block of operands reused from cache), then read by the nest. The reverse sweep gathers the dot
/// products' adjoints into the same block shape and pulls them back by two more products:
/// <c>dRows += dP · Columns</c> and <c>dColumns += dPᵀ · Rows</c>.
/// </summary>
/// <param name="Kernel">The dot kernel.</param>
/// <param name="Outer">The outer loop's counter: the product's rows, one per iteration.</param>
/// <param name="Inner">The inner loop's counter: the product's columns.</param>
/// <param name="RowsAreA">Whether the kernel's A moves with the outer counter (B with the inner), or the other way round.</param>
/// <param name="RowOffset">How the outer counter moves the row operand's slice.</param>
/// <param name="ColumnOffset">How the inner counter moves the column operand's slice.</param>
/// <param name="Products">The block's dot products, row-major, one row per outer iteration.</param>
/// <param name="Columns">The inner loop's trip count: the product's width.</param>
/// <param name="Adjoints">The adjoints of the block's dot products, gathered by the reverse sweep.</param>
/// <param name="ProductsBuffer">The pooled buffer behind <paramref name="Products"/>.</param>
/// <param name="AdjointsBuffer">The pooled buffer behind <paramref name="Adjoints"/>.</param>
/// <param name="ProductsRow">The outer iteration's row of <paramref name="Products"/>, sliced before the inner loop that reads it.</param>
/// <param name="AdjointsRow">The outer iteration's row of <paramref name="Adjoints"/>, sliced before the reversed inner loop.</param>
internal sealed record MatrixProduct(
    DotKernel Kernel,
    CounterSpec Outer,
    CounterSpec Inner,
    bool RowsAreA,
    AffineOffset RowOffset,
    AffineOffset ColumnOffset,
    string Products,
    string Columns,
    string Adjoints,
    string ProductsBuffer,
    string AdjointsBuffer,
    string ProductsRow,
    string AdjointsRow)
{
    public int RowArray => RowsAreA ? Kernel.A : Kernel.B;

    public int ColumnArray => RowsAreA ? Kernel.B : Kernel.A;
}

/// <summary>
/// An outer loop strip-mined into blocks for the matrix products of its nests.
/// </summary>
/// <param name="Start">The block's first iteration.</param>
/// <param name="End">One past the block's last iteration.</param>
/// <param name="Rows">Iterations per block (<c>Kernels.ProductBlockRows</c> of the widest product: 256, fewer for very wide nests).</param>
internal sealed record ProductBlocking(string Start, string End, string Rows, EquatableArray<MatrixProduct> Products);

/// <summary>Finds the dot kernels whose loop nests are matrix products.</summary>
internal static class MatrixProducts
{
    /// <summary>The dot loops that are matrix products, keyed by the dot loop, with the outer loop of each.</summary>
    public static List<(LoopStatement Dot, LoopStatement Outer, MatrixProduct Product)> Find(
        IrProgram program, IReadOnlyDictionary<LoopStatement, DotKernel> dots, LoopStructure loops, NameScope names)
    {
        var found = new List<(LoopStatement, LoopStatement, MatrixProduct)>();
        foreach (var pair in dots)
        {
            if (Match(program, pair.Key, pair.Value, loops) is not { } match)
            {
                continue;
            }

            var product = new MatrixProduct(
                pair.Value, match.Outer.Counter!, match.Inner.Counter!, match.RowsAreA, match.RowOffset, match.ColumnOffset,
                Products: names.Claim("products"),
                Columns: names.Claim("productColumns"),
                Adjoints: names.Claim("dproducts"),
                ProductsBuffer: names.Claim("productsBuffer"),
                AdjointsBuffer: names.Claim("dproductsBuffer"),
                ProductsRow: names.Claim("productsRow"),
                AdjointsRow: names.Claim("dproductsRow"));
            found.Add((pair.Key, match.Outer, product));
        }

        return found;
    }

    private sealed record Nest(LoopStatement Outer, LoopStatement Inner, bool RowsAreA, AffineOffset RowOffset, AffineOffset ColumnOffset);

    private static Nest? Match(IrProgram program, LoopStatement dot, DotKernel kernel, LoopStructure loops)
    {
        // dot loop directly in the body of a counted inner loop, itself directly in a counted outer loop at the method's top level.
        if (loops.Parent(dot) is not { Counter: { } inner } innerLoop
            || loops.Parent(innerLoop) is not { Counter: { } outer } outerLoop
            || loops.Parent(outerLoop) is not null
            || !program.Body.Any(s => ReferenceEquals(s, outerLoop))
            || !innerLoop.Body.Any(s => ReferenceEquals(s, dot))
            || !outerLoop.Body.Any(s => ReferenceEquals(s, innerLoop))
            || !CountsUpByOne(program, inner) || !CountsUpByOne(program, outer)
            || kernel.OffsetA is null || kernel.OffsetB is null)
        {
            return null;
        }

        // What the outer loop assigns, at any depth: the values that may differ from block to block.
        var moving = new HashSet<int>(ActivityAnalysis.Flatten(outerLoop.Body).Concat(outerLoop.Latch).Select(a => a.Target)) { outer.Counter };
        foreach (var loop in ActivityAnalysis.Walk(outerLoop.Body).OfType<LoopStatement>())
        {
            if (loop.Counter is { } counter)
            {
                moving.Add(counter.Counter);
            }
        }

        bool Fixed(Operand operand) => operand is LiteralOperand || operand is VariableOperand { Id: var id } && !moving.Contains(id);
        bool FixedInt(Operand operand) => Fixed(operand) && (operand is LiteralOperand { Type: var t } ? t : program.Variables[((VariableOperand)operand).Id].Type) == TypeRef.Int;
        if (!Fixed(inner.Start) || !Fixed(inner.Bound) || !Fixed(kernel.Counter.Start) || !Fixed(kernel.Counter.Bound))
        {
            return null;
        }

        AssignStatement? Definition(Operand operand) =>
            operand is VariableOperand { Id: var id } && loops.Definitions(id) is { Count: 1 } definitions
            && (loops.RunsEveryIteration(definitions[0], outerLoop) || loops.RunsEveryIteration(definitions[0], innerLoop))
                ? definitions[0]
                : null;

        // counter, counter * s, s * counter, each optionally plus a fixed base.
        AffineOffset? Affine(Operand offset, int counter)
        {
            if (offset is VariableOperand { Id: var id } && id == counter)
            {
                return new AffineOffset(new LiteralOperand("1", TypeRef.Int), null);
            }

            switch (Definition(offset)?.Operation)
            {
                case BinaryOperation { Operator: BinaryOperator.Multiply, Checked: false } product:
                    var isCounter = (Operand o) => o is VariableOperand { Id: var c } && c == counter;
                    return isCounter(product.Left) && FixedInt(product.Right) ? new AffineOffset(product.Right, null)
                        : isCounter(product.Right) && FixedInt(product.Left) ? new AffineOffset(product.Left, null)
                        : null;
                case BinaryOperation { Operator: BinaryOperator.Add, Checked: false } sum:
                    if (FixedInt(sum.Right) && sum.Left is VariableOperand && Affine(sum.Left, counter) is { Base: null } left)
                    {
                        return left with { Base = sum.Right };
                    }

                    return FixedInt(sum.Left) && sum.Right is VariableOperand && Affine(sum.Right, counter) is { Base: null } right
                        ? right with { Base = sum.Left }
                        : null;
                default:
                    return null;
            }
        }

        if (Affine(kernel.OffsetA, outer.Counter) is { } aRows && Affine(kernel.OffsetB, inner.Counter) is { } bColumns)
        {
            return new Nest(outerLoop, innerLoop, RowsAreA: true, aRows, bColumns);
        }

        if (Affine(kernel.OffsetB, outer.Counter) is { } bRows && Affine(kernel.OffsetA, inner.Counter) is { } aColumns)
        {
            return new Nest(outerLoop, innerLoop, RowsAreA: false, bRows, aColumns);
        }

        return null;
    }

    // for (int c = start; c < bound; c++): the blocks and the product's indices assume exactly this.
    private static bool CountsUpByOne(IrProgram program, CounterSpec counter) =>
        counter.Comparison == BinaryOperator.Less && program.Variables[counter.Counter].Type == TypeRef.Int;
}
