using System.Collections.Generic;
using System.Linq;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Emission;

/// <summary>
/// Spells the matrix products of a blocked loop nest (<see cref="MatrixProduct"/>): the forward sweep's block
/// loop with a GEMM before each block's iterations, the reads of its products, the gathering of their
/// adjoints, and the reverse sweep's block loop ending with the two GEMMs of the pullback.
/// </summary>
internal static class MatrixProductEmitter
{
    private const string Gemm = "global::DiffGen.Kernels.MatrixMultiplyAddAt";

    public static void OpenForwardBlock(IndentedWriter writer, CSharpSpelling spelling, CounterSpec outer, ProductBlocking blocking)
    {
        var counter = spelling.Name(outer.Counter);
        writer.Line("// blocked: " + counter + " runs " + blocking.Rows + " iterations at a time (256; fewer for a nest wider than 4,096); before each block, the dot products its nest computes are one matrix product (GEMM) per nest, read below");
        foreach (var product in blocking.Products)
        {
            writer.Line("int " + product.Columns + " = (int)" + GradientEmitter.Trips(spelling, product.Inner) + ";");
        }

        var widest = blocking.Products.Select(p => p.Columns).Aggregate((a, b) => "global::System.Math.Max(" + a + ", " + b + ")");
        writer.Line("int " + blocking.Rows + " = global::DiffGen.Kernels.ProductBlockRows(" + widest + ");");
        foreach (var product in blocking.Products)
        {
            DeclareBuffer(writer, spelling, outer, blocking, product, product.Products, product.ProductsBuffer);
        }

        writer.Open("for (int " + blocking.Start + " = " + spelling.Operand(outer.Start) + "; " + blocking.Start + " < " + spelling.Operand(outer.Bound) + ";)");
        writer.Line("int " + blocking.End + " = (int)global::System.Math.Min((long)" + blocking.Start + " + " + blocking.Rows + ", " + spelling.Operand(outer.Bound) + ");");
        foreach (var product in blocking.Products)
        {
            var k = product.Kernel;
            writer.Line("// " + product.Products + "[" + counter + " − " + blocking.Start + ", " + Column(spelling, product) + "] = Σ over "
                + spelling.Name(k.Counter.Counter) + " of " + Element(spelling, product, rows: true) + " · " + Element(spelling, product, rows: false)
                + "   (sums round differently from the scalar loop, within a few ulps)");
            writer.Open("if (" + product.Columns + " > 0 && " + GradientEmitter.NonEmpty(spelling, k.Counter) + ")");
            writer.Line(Gemm + "(" + Rows(blocking) + ", " + product.Columns + ", " + Depth(spelling, k.Counter) + ",");
            writer.Line("    " + Operand(spelling, product, rows: true, spelling.Name(product.RowArray), readOnly: true, blocking) + ", " + Stride(spelling, product.RowOffset) + ", 1,");
            writer.Line("    " + Operand(spelling, product, rows: false, spelling.Name(product.ColumnArray), readOnly: true, blocking) + ", 1, " + Stride(spelling, product.ColumnOffset) + ",");
            writer.Line("    " + product.Products + ", 0, " + product.Columns + ", 1);");
            writer.Close();
        }
    }

    public static void CloseForwardBlock(IndentedWriter writer, CSharpSpelling spelling, CounterSpec outer, ProductBlocking blocking)
    {
        // The buffers were rented zeroed; each later block starts from zero again (the kernel adds to them).
        writer.Open("if (" + blocking.End + " < " + spelling.Operand(outer.Bound) + ")");
        foreach (var product in blocking.Products)
        {
            writer.Line(product.Products + ".Clear();");
        }

        writer.Close();
        writer.Line(blocking.Start + " = " + blocking.End + ";");
        writer.Close();
    }

    public static void OpenReverseBlock(IndentedWriter writer, CSharpSpelling spelling, CounterSpec outer, ProductBlocking blocking, EquatableArray<ProductPullback> pullbacks)
    {
        foreach (var pullback in pullbacks)
        {
            DeclareBuffer(writer, spelling, outer, blocking, pullback.Product, pullback.Product.Adjoints, pullback.Product.AdjointsBuffer);
        }

        // The forward sweep's blocks, last first: each is where its products' adjoints are complete.
        var start = spelling.Operand(outer.Start);
        writer.Line("// the forward sweep's blocks, last first: each gathers the adjoints of its products, then pulls them back by matrix products");
        writer.Open("for (int " + blocking.End + " = " + spelling.Operand(outer.Bound) + "; " + blocking.End + " > " + spelling.Term(outer.Start) + ";)");
        writer.Line("int " + blocking.Start + " = " + (IsZero(outer.Start)
            ? "(" + blocking.End + " - 1) / " + blocking.Rows + " * " + blocking.Rows + ";"
            : "(int)(" + start + " + (" + blocking.End + " - 1L - " + start + ") / " + blocking.Rows + " * " + blocking.Rows + ");"));
    }

    public static void CloseReverseBlock(IndentedWriter writer, CSharpSpelling spelling, CounterSpec outer, ProductBlocking blocking, EquatableArray<ProductPullback> pullbacks)
    {
        foreach (var pullback in pullbacks)
        {
            var product = pullback.Product;
            var k = product.Kernel;
            var updates = new List<string>();
            if (pullback.ColumnAdjoint is { } columns)
            {
                updates.Add(columns + " += " + product.Adjoints + "ᵀ · " + spelling.Name(product.RowArray));
            }

            if (pullback.RowAdjoint is { } rows)
            {
                updates.Add(rows + " += " + product.Adjoints + " · " + spelling.Name(product.ColumnArray));
            }

            writer.Line("// the block's pullback: " + string.Join(", ", updates) + "   (∂(a·b)/∂a = b; a zero adjoint adds nothing, even times ∞)");
            writer.Open("if (" + product.Columns + " > 0 && " + GradientEmitter.NonEmpty(spelling, k.Counter) + ")");
            if (pullback.ColumnAdjoint is { } columnAdjoint)
            {
                writer.Line(Gemm + "(" + product.Columns + ", " + Depth(spelling, k.Counter) + ", " + Rows(blocking) + ",");
                writer.Line("    " + product.Adjoints + ", 0, 1, " + product.Columns + ",");
                writer.Line("    " + Operand(spelling, product, rows: true, spelling.Name(product.RowArray), readOnly: true, blocking) + ", " + Stride(spelling, product.RowOffset) + ", 1,");
                writer.Line("    " + Operand(spelling, product, rows: false, columnAdjoint, readOnly: false, blocking) + ", " + Stride(spelling, product.ColumnOffset) + ", 1, strongZeros: true);");
            }

            if (pullback.RowAdjoint is { } rowAdjoint)
            {
                writer.Line(Gemm + "(" + Rows(blocking) + ", " + Depth(spelling, k.Counter) + ", " + product.Columns + ",");
                writer.Line("    " + product.Adjoints + ", 0, " + product.Columns + ", 1,");
                writer.Line("    " + Operand(spelling, product, rows: false, spelling.Name(product.ColumnArray), readOnly: true, blocking) + ", " + Stride(spelling, product.ColumnOffset) + ", 1,");
                writer.Line("    " + Operand(spelling, product, rows: true, rowAdjoint, readOnly: false, blocking) + ", " + Stride(spelling, product.RowOffset) + ", 1, strongZeros: true);");
            }

            writer.Close();
        }

        // Rented zeroed, the adjoints start from zero again for each earlier block.
        writer.Open("if (" + blocking.Start + " > " + spelling.Term(outer.Start) + ")");
        foreach (var pullback in pullbacks)
        {
            writer.Line(pullback.Product.Adjoints + ".Clear();");
        }

        writer.Close();
        writer.Line(blocking.End + " = " + blocking.Start + ";");
        writer.Close();
    }

    /// <summary>
    /// Before an inner loop: slices the rows of the products its iterations read (or gather adjoints into) that are not
    /// sliced already (<paramref name="sliced"/>, which it adds them to), and returns the ones it sliced.
    /// </summary>
    public static List<string> SliceRows(IndentedWriter writer, CSharpSpelling spelling, LoopStatement loop, EquatableArray<SweepStatement> iteration, HashSet<string> sliced)
    {
        var added = new List<string>();
        foreach (var statement in iteration)
        {
            var (product, blockStart, adjoints) = statement switch
            {
                ForwardProductRead read => (read.Product, read.BlockStart, false),
                ProductAdjoint gathered => (gathered.Product, gathered.BlockStart, true),
                _ => (null!, string.Empty, false),
            };
            var row = product is null ? null : adjoints ? product.AdjointsRow : product.ProductsRow;
            if (row is not null && loop.Control is CountedLoop { Counter: var counter } && product!.Inner.Counter == counter.Counter && sliced.Add(row))
            {
                WriteRow(writer, spelling, product, blockStart, adjoints);
                added.Add(row);
            }
        }

        return added;
    }

    /// <summary>
    /// Before an inner loop whose iterations read a product's entries (or gather their adjoints): the outer
    /// iteration's row of the buffer, sliced once, so the loop indexes it by its own counter alone.
    /// </summary>
    private static void WriteRow(IndentedWriter writer, CSharpSpelling spelling, MatrixProduct product, string blockStart, bool adjoints)
    {
        var (buffer, row) = adjoints ? (product.Adjoints, product.AdjointsRow) : (product.Products, product.ProductsRow);
        writer.Line("global::System.Span<" + product.Kernel.Type.Name + "> " + row + " = " + buffer + ".Slice(("
            + spelling.Name(product.Outer.Counter) + " - " + blockStart + ") * " + product.Columns + ", " + product.Columns + ");   // this "
            + spelling.Name(product.Outer.Counter) + "'s row");
    }

    public static void WriteRead(IndentedWriter writer, CSharpSpelling spelling, ForwardProductRead read, bool rowSliced)
    {
        var k = read.Product.Kernel;
        writer.Line("// the dot product over " + spelling.Name(k.Counter.Counter) + ", from the block's matrix product");
        writer.Open("if (" + GradientEmitter.NonEmpty(spelling, k.Counter) + ")");
        var entry = rowSliced
            ? read.Product.ProductsRow + "[" + Column(spelling, read.Product) + "]"
            : read.Product.Products + "[" + Index(spelling, read.Product, read.BlockStart) + "]";
        writer.Line(spelling.Name(k.Accumulator) + " += " + entry + ";");
        writer.Close();
    }

    /// <summary>The span and index of the product entry a read takes (for the lanes of a vectorized loop).</summary>
    public static (string Span, string Index) Entry(CSharpSpelling spelling, ForwardProductRead read, bool rowSliced) =>
        rowSliced
            ? (read.Product.ProductsRow, Column(spelling, read.Product))
            : (read.Product.Products, Index(spelling, read.Product, read.BlockStart));

    /// <summary>The span and index of the product adjoint a gathered adjoint goes to (for the lanes of a vectorized loop).</summary>
    public static (string Span, string Index) Entry(CSharpSpelling spelling, ProductAdjoint adjoint, bool rowSliced) =>
        rowSliced
            ? (adjoint.Product.AdjointsRow, Column(spelling, adjoint.Product))
            : (adjoint.Product.Adjoints, Index(spelling, adjoint.Product, adjoint.BlockStart));

    public static void WriteAdjoint(IndentedWriter writer, CSharpSpelling spelling, ProductAdjoint adjoint, bool rowSliced)
    {
        var entry = rowSliced
            ? adjoint.Product.AdjointsRow + "[" + Column(spelling, adjoint.Product) + "]"
            : adjoint.Product.Adjoints + "[" + Index(spelling, adjoint.Product, adjoint.BlockStart) + "]";
        writer.Line(entry + " += " + adjoint.AccumulatorAdjoint + ";   // gathered for the block's pullback of " + adjoint.Product.Products);
    }

    // The product's buffer, rented before the block loop: a block's rows times the columns (declared with the products).
    private static void DeclareBuffer(IndentedWriter writer, CSharpSpelling spelling, CounterSpec outer, ProductBlocking blocking, MatrixProduct product, string span, string buffer)
    {
        GradientEmitter.WriteRent(writer, buffer, product.Kernel.Type,
            "checked((int)global::System.Math.Min(" + GradientEmitter.Trips(spelling, outer) + ", " + blocking.Rows + ") * " + product.Columns + ")", span);
    }

    private static string Rows(ProductBlocking blocking) => blocking.End + " - " + blocking.Start;

    // (outer − blockStart) · columns + (inner − innerStart)
    private static string Index(CSharpSpelling spelling, MatrixProduct product, string blockStart) =>
        "(" + spelling.Name(product.Outer.Counter) + " - " + blockStart + ") * " + product.Columns + " + " + Column(spelling, product);

    private static string Column(CSharpSpelling spelling, MatrixProduct product) =>
        IsZero(product.Inner.Start)
            ? spelling.Name(product.Inner.Counter)
            : "(" + spelling.Name(product.Inner.Counter) + " - " + spelling.Term(product.Inner.Start) + ")";

    // x[i·d + k], for the comment.
    private static string Element(CSharpSpelling spelling, MatrixProduct product, bool rows)
    {
        var (array, offset, counter) = rows
            ? (product.RowArray, product.RowOffset, product.Outer.Counter)
            : (product.ColumnArray, product.ColumnOffset, product.Inner.Counter);
        return spelling.Name(array) + "[" + Affine(spelling, spelling.Name(counter), offset) + " + " + spelling.Name(product.Kernel.Counter.Counter) + "]";
    }

    private static string Affine(CSharpSpelling spelling, string counter, AffineOffset offset) =>
        (IsOne(offset.Stride) ? counter : counter + "·" + spelling.Term(offset.Stride))
        + (offset.Base is { } @base ? " + " + spelling.Term(@base) : string.Empty);

    // The operand's (or its adjoint's) elements from the block's first row, or the nest's first column, at the dot's first k.
    private static string Operand(CSharpSpelling spelling, MatrixProduct product, bool rows, string name, bool readOnly, ProductBlocking blocking)
    {
        var (offset, first) = rows ? (product.RowOffset, blocking.Start) : (product.ColumnOffset, IsZero(product.Inner.Start) ? null : spelling.Term(product.Inner.Start));
        var terms = new List<string>();
        if (first is not null)
        {
            terms.Add(IsOne(offset.Stride) ? first : first + " * " + spelling.Term(offset.Stride));
        }

        if (offset.Base is { } @base)
        {
            terms.Add(spelling.Term(@base));
        }

        if (!IsZero(product.Kernel.Counter.Start))
        {
            terms.Add(spelling.Term(product.Kernel.Counter.Start));
        }

        // The whole array and the offset of the element at the block's first row and k: a stride may be negative.
        var span = readOnly ? "((global::System.ReadOnlySpan<" + product.Kernel.Type.Name + ">)" + name + ")" : name;
        return span + ", " + (terms.Count == 0 ? "0" : string.Join(" + ", terms));
    }

    private static string Stride(CSharpSpelling spelling, AffineOffset offset) => spelling.Operand(offset.Stride);

    // How many values of k the dot product sums: bound − start, one more for <=.
    private static string Depth(CSharpSpelling spelling, CounterSpec counter) =>
        (IsZero(counter.Start) ? spelling.Term(counter.Bound) : spelling.Term(counter.Bound) + " - " + spelling.Term(counter.Start))
        + (counter.Comparison == BinaryOperator.LessOrEqual ? " + 1" : string.Empty);

    private static bool IsZero(Operand operand) => Literals.IntegerValue(operand) == 0;

    private static bool IsOne(Operand operand) => operand is LiteralOperand { Text: "1" };
}
