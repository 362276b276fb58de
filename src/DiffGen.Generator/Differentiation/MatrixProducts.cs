using System.Collections.Generic;
using System.Linq;
using DiffGen.Generator.Analysis;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Differentiation;

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
                pair.Value, match.OuterCounter, match.InnerCounter, match.RowsAreA, match.RowOffset, match.ColumnOffset,
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

    private sealed record Nest(LoopStatement Outer, CounterSpec OuterCounter, CounterSpec InnerCounter, bool RowsAreA, AffineOffset RowOffset, AffineOffset ColumnOffset);

    private static Nest? Match(IrProgram program, LoopStatement dot, DotKernel kernel, LoopStructure loops)
    {
        // dot loop directly in the body of a counted inner loop, itself directly in a counted outer loop at the method's top level.
        if (loops.Parent(dot) is not { Control: CountedLoop { Counter: var inner } } innerLoop
            || loops.Parent(innerLoop) is not { Control: CountedLoop { Counter: var outer } } outerLoop
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
        var moving = IrQueries.AssignedIn(outerLoop);

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
            return new Nest(outerLoop, outer, inner, RowsAreA: true, aRows, bColumns);
        }

        if (Affine(kernel.OffsetB, outer.Counter) is { } bRows && Affine(kernel.OffsetA, inner.Counter) is { } aColumns)
        {
            return new Nest(outerLoop, outer, inner, RowsAreA: false, bRows, aColumns);
        }

        return null;
    }

    // for (int c = start; c < bound; c++): the blocks and the product's indices assume exactly this.
    private static bool CountsUpByOne(IrProgram program, CounterSpec counter) =>
        counter.Comparison == BinaryOperator.Less && program.Variables[counter.Counter].Type == TypeRef.Int;
}
