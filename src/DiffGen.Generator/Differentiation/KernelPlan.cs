using System.Collections.Generic;
using System.Linq;
using DiffGen.Generator.Analysis;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Differentiation;

/// <summary>
/// The loops both sweeps run as kernels rather than as loops: dot products, the matrix products their
/// nests form (with the blocks they run in), and the operand slices hoisted out of enclosing loops.
/// A function of the IR alone, found once before either sweep and read-only afterwards.
/// </summary>
internal sealed class KernelPlan
{
    private readonly Dictionary<LoopStatement, DotKernel> _dots;
    private readonly Dictionary<LoopStatement, MatrixProduct> _products;
    private readonly Dictionary<LoopStatement, ProductBlocking> _blockings;
    private readonly Dictionary<LoopStatement, List<RowSlice>> _rowSlices;
    private readonly Dictionary<LoopStatement, HoistedSlices> _hoistedSlices;

    private KernelPlan(
        Dictionary<LoopStatement, DotKernel> dots,
        Dictionary<LoopStatement, MatrixProduct> products,
        Dictionary<LoopStatement, ProductBlocking> blockings,
        Dictionary<LoopStatement, List<RowSlice>> rowSlices,
        Dictionary<LoopStatement, HoistedSlices> hoistedSlices)
    {
        _dots = dots;
        _products = products;
        _blockings = blockings;
        _rowSlices = rowSlices;
        _hoistedSlices = hoistedSlices;
    }

    /// <summary>The dot loops, each with its kernel.</summary>
    public IReadOnlyDictionary<LoopStatement, DotKernel> Dots => _dots;

    /// <summary>The dot loops that are matrix products, each with its product.</summary>
    public IReadOnlyDictionary<LoopStatement, MatrixProduct> Products => _products;

    /// <summary>The outer loops of matrix-product nests, each with its blocks.</summary>
    public IReadOnlyDictionary<LoopStatement, ProductBlocking> Blockings => _blockings;

    // Names are claimed here, before either sweep claims any: their order decides the suffixes of colliding names.
    public static KernelPlan Find(IrProgram program, LoopStructure loops, NameScope names)
    {
        var dots = new Dictionary<LoopStatement, DotKernel>(ReferenceComparer<LoopStatement>.Instance);
        foreach (var loop in IrQueries.Walk(program.Body).OfType<LoopStatement>())
        {
            if (VectorKernels.MatchDot(loop, program.Variables) is { } kernel)
            {
                dots.Add(loop, kernel);
            }
        }

        var products = new Dictionary<LoopStatement, MatrixProduct>(ReferenceComparer<LoopStatement>.Instance);
        var blockings = new Dictionary<LoopStatement, ProductBlocking>(ReferenceComparer<LoopStatement>.Instance);
        foreach (var nest in MatrixProducts.Find(program, dots, loops, names).GroupBy(f => f.Outer, ReferenceComparer<LoopStatement>.Instance))
        {
            var counter = program.Variables[nest.Key.RequireCounter("a matrix product's outer loop").Counter].Name;
            blockings[nest.Key] = new ProductBlocking(
                names.Claim(counter + "Block"),
                names.Claim(counter + "BlockEnd"),
                names.Claim(counter + "BlockRows"),
                nest.Select(f => f.Product).ToEquatableArray());
            foreach (var (dot, _, product) in nest)
            {
                products[dot] = product;
            }
        }

        var rowSlices = new Dictionary<LoopStatement, List<RowSlice>>(ReferenceComparer<LoopStatement>.Instance);
        var hoistedSlices = new Dictionary<LoopStatement, HoistedSlices>(ReferenceComparer<LoopStatement>.Instance);
        HoistSlices(program, names, dots, products, rowSlices, hoistedSlices);
        return new KernelPlan(dots, products, blockings, rowSlices, hoistedSlices);
    }

    // A dot kernel's operand slice that its enclosing counted loop does not move (offset, start and
    // bound all computed outside it) is sliced once before that loop rather than on every iteration.
    private static void HoistSlices(
        IrProgram program,
        NameScope names,
        Dictionary<LoopStatement, DotKernel> dots,
        Dictionary<LoopStatement, MatrixProduct> products,
        Dictionary<LoopStatement, List<RowSlice>> rowSlices,
        Dictionary<LoopStatement, HoistedSlices> hoistedSlices)
    {
        foreach (var enclosing in IrQueries.Walk(program.Body).OfType<LoopStatement>())
        {
            if (enclosing.Control is not CountedLoop { Counter: var guard } || dots.ContainsKey(enclosing))
            {
                continue;
            }

            var moved = IrQueries.AssignedIn(enclosing);
            bool Fixed(Operand? operand) => operand is not VariableOperand { Id: var id } || !moved.Contains(id);
            foreach (var inner in enclosing.Body.OfType<LoopStatement>())
            {
                if (!dots.TryGetValue(inner, out var kernel) || products.ContainsKey(inner) || !Fixed(kernel.Counter.Start) || !Fixed(kernel.Counter.Bound))
                {
                    continue;
                }

                string? Hoist(int array, Operand? offset, bool ofA)
                {
                    if (!Fixed(offset))
                    {
                        return null;
                    }

                    if (!rowSlices.TryGetValue(enclosing, out var slices))
                    {
                        rowSlices[enclosing] = slices = new List<RowSlice>();
                    }

                    var slice = new RowSlice(names.Claim(program.Variables[array].Name + "Slice"), kernel, ofA, guard);
                    slices.Add(slice);
                    return slice.Name;
                }

                hoistedSlices[inner] = new HoistedSlices(Hoist(kernel.A, kernel.OffsetA, ofA: true), Hoist(kernel.B, kernel.OffsetB, ofA: false));
            }
        }
    }

    /// <summary>The blocks a product runs in.</summary>
    public ProductBlocking BlockingOf(MatrixProduct product) =>
        _blockings.Values.First(b => b.Products.Any(p => ReferenceEquals(p, product)));

    /// <summary>The slices a dot loop reads that were hoisted out of its enclosing loop.</summary>
    public HoistedSlices SlicesOf(LoopStatement dot) =>
        _hoistedSlices.TryGetValue(dot, out var slices) ? slices : HoistedSlices.None;

    /// <summary>
    /// The declarations of the slices hoisted before <paramref name="enclosing"/>, of the dot kernels a sweep runs:
    /// a dead or inactive kernel's offset may not be computed there.
    /// </summary>
    public IEnumerable<SweepStatement> DeclareSlices(LoopStatement enclosing, System.Func<DotKernel, bool> runs) =>
        _rowSlices.TryGetValue(enclosing, out var slices) ? slices.Where(s => runs(s.Kernel)).Select(s => new DeclareSlice(s)) : Enumerable.Empty<SweepStatement>();
}
