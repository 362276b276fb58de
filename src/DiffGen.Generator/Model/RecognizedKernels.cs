namespace DiffGen.Generator.Model;

// What the differentiation recognizes in the IR and runs as a kernel: dot products, and the loop nests
// of dot products that are matrix products. Found by Differentiation, spelled out by Emission.

/// <summary>
/// A counted loop over two parameter arrays that is exactly a dot product, <c>for (k = s; k &lt; b; k++) acc += A[offA + k] * B[offB + k]</c>:
/// its forward sweep is one <c>Kernels.Dot</c> over the two slices and its reverse sweep two
/// <c>Kernels.MultiplyAdd</c> (<c>dA += dacc · B</c>, <c>dB += dacc · A</c>), vectorized.
/// </summary>
/// <param name="Accumulator">The loop-carried sum.</param>
/// <param name="OffsetA">What is added to the counter to index A (null: the counter itself).</param>
internal sealed record DotKernel(int Accumulator, int A, Operand? OffsetA, int B, Operand? OffsetB, CounterSpec Counter, TypeRef Type);

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
