using System.Collections.Generic;
using System.Linq;
using DiffGen.Generator.Analysis;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Differentiation;

/// <summary>
/// The forward sweep: the body itself, less what nothing reads, with primals the reverse sweep reads declared
/// up front, the kernels run as kernels, and each loop recording what the finished <see cref="TapePlan"/> says.
/// Built after the reverse sweep, which decides the tapes and the array adjoints whose capacities it tracks.
/// </summary>
internal sealed class ForwardSweep
{
    private readonly IrProgram _program;
    private readonly KernelPlan _kernels;
    private readonly TapePlan _tapes;
    private readonly IReadOnlyList<ArrayAdjoint> _arrayAdjoints;
    private readonly bool[] _live;
    private readonly HashSet<int> _predeclared;

    private ForwardSweep(IrProgram program, KernelPlan kernels, TapePlan tapes, IReadOnlyList<ArrayAdjoint> arrayAdjoints, bool[] live, HashSet<int> predeclared)
    {
        _program = program;
        _kernels = kernels;
        _tapes = tapes;
        _arrayAdjoints = arrayAdjoints;
        _live = live;
        _predeclared = predeclared;
    }

    public static EquatableArray<SweepStatement> Build(IrProgram program, KernelPlan kernels, TapePlan tapes, IReadOnlyList<ArrayAdjoint> arrayAdjoints)
    {
        // A matrix-product nest's dot loops read the block's products, not their slices: the GEMM reads the arrays at the offsets' strides and bases.
        var computedElsewhere = kernels.Products.ToDictionary(
            p => p.Key,
            p => new[] { p.Value.RowOffset, p.Value.ColumnOffset }.SelectMany(o => o.Base is { } b ? new[] { o.Stride, b } : new[] { o.Stride })
                .Append(p.Value.Kernel.Counter.Start).Append(p.Value.Kernel.Counter.Bound).ToArray(),
            ReferenceComparer<LoopStatement>.Instance);
        var live = Liveness.Run(program, computedElsewhere);
        var definitionCounts = IrQueries.DefinitionCounts(program.Body);

        // Primals assigned inside a branch or a loop are read by the reverse sweep outside it: declare them first.
        var nested = new HashSet<int>(program.Body
            .Where(s => s is IfStatement or LoopStatement)
            .SelectMany(s => IrQueries.Flatten(new[] { s }))
            .Select(a => a.Target));
        nested.UnionWith(definitionCounts.Where(c => c.Value > 1).Select(c => c.Key));
        nested.RemoveWhere(v => !live[v]);

        // A vectorized loop computes none of its body's temporaries.
        foreach (var loop in kernels.Dots.Keys)
        {
            nested.ExceptWith(loop.Body.OfType<AssignStatement>().Select(a => a.Target));
        }
        nested.UnionWith(IrQueries.Walk(program.Body).OfType<LoopStatement>().Select(l => l.Control).OfType<ConditionalLoop>().Select(l => l.Trips));

        // A value read but never assigned: a loop's exit value when every path through the loop's body returns, so it
        // never ends otherwise; only code after the loop reads it, code the return flag skips. Declared, so it compiles
        // (it did not: CS0103 in the generated file, random program seed fz2qTn6WDFG2).
        var counters = new HashSet<int>(IrQueries.Walk(program.Body).OfType<LoopStatement>().Select(l => l.Control).OfType<CountedLoop>().Select(l => l.Counter.Counter));
        nested.UnionWith(IrQueries.ReadVariables(program.Body)
            .Where(v => live[v] && !definitionCounts.ContainsKey(v) && !counters.Contains(v) && program.Variables[v].Origin == VariableOrigin.Intermediate));

        var statements = new List<SweepStatement>();
        var capacities = arrayAdjoints.Where(a => a.Capacity is not null).Select(a => a.Capacity!).ToEquatableArray();
        if (capacities.Count > 0)
        {
            statements.Add(new DeclareZero(TypeRef.Int, capacities));
        }

        foreach (var group in nested.OrderBy(v => v).GroupBy(v => (program.Variables[v].Type, program.Variables[v].Shape)))
        {
            statements.Add(new DeclareZero(
                group.Key.Shape == ParameterShape.Scalar ? group.Key.Type : new TypeRef(group.Key.Type.Name + "[]", ScalarKind.Other),
                group.Select(v => program.Variables[v].Name).ToEquatableArray()));
        }

        statements.AddRange(new ForwardSweep(program, kernels, tapes, arrayAdjoints, live, nested).Block(program.Body));
        return statements.ToEquatableArray();
    }

    private IEnumerable<SweepStatement> Block(IEnumerable<IrStatement> block)
    {
        foreach (var statement in block)
        {
            switch (statement)
            {
                case SourceComment comment:
                    yield return new SweepComment(comment.Text);
                    break;
                case AssignStatement assignment when _live[assignment.Target]:
                    yield return new PrimalStatement(assignment, Declare: !_predeclared.Contains(assignment.Target));
                    if (assignment.Operation is ArrayAllocation or ModelElementRead && _arrayAdjoints.FirstOrDefault(a => a.Array == assignment.Target) is { Capacity: { } capacity })
                    {
                        yield return new TrackCapacity(assignment.Target, capacity);
                    }

                    break;
                case ElementWriteStatement write when _live[write.Array]:
                    yield return new ElementWrite(write);
                    break;
                case IfStatement branch:
                    yield return new SweepBranch(
                        branch.Condition,
                        Block(branch.Then).ToEquatableArray(),
                        Block(branch.Else).ToEquatableArray());
                    break;
                case LoopStatement loop when _kernels.Dots.TryGetValue(loop, out var dot):
                    if (_live[dot.Accumulator])
                    {
                        yield return _kernels.Products.TryGetValue(loop, out var product)
                            ? new ForwardProductRead(product, _kernels.BlockingOf(product).Start)
                            : new ForwardDot(dot, _kernels.SlicesOf(loop));
                    }

                    break;
                case LoopStatement loop:
                    foreach (var slice in _kernels.DeclareSlices(loop, kernel => _live[kernel.Accumulator]))
                    {
                        yield return slice;
                    }

                    var liveLatch = loop.Latch.Where(a => _live[a.Target]).ToEquatableArray();
                    yield return new ForwardLoop(
                        loop with { Latch = liveLatch },
                        Block(loop.Body).ToEquatableArray(),
                        _tapes.SavedBy(loop),
                        _tapes.GateOf(loop),
                        _tapes.ReservationsBefore(loop),
                        _tapes.IsReserved(loop),
                        _kernels.Blockings.TryGetValue(loop, out var blocking) ? blocking : null,
                        _tapes.VectorOf(loop));
                    break;
            }
        }
    }
}
