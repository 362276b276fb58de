using System.Collections.Generic;
using System.Linq;
using DiffGen.Generator.Analysis;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Differentiation;

/// <summary>
/// Reverse-mode differentiation of the IR: the forward sweep is the body itself; the reverse sweep
/// walks it backward, and for each active assignment <c>u = f(a, b)</c> adds <c>du × ∂f/∂a</c> into
/// <c>da</c> (the chain rule in reverse order). Loops run backward; what an iteration overwrites and
/// the reverse still needs is saved on a tape, unless it is cheaper to recompute (indices, reads of
/// parameters) or the loop's counter gives it back. Pure: no Roslyn.
/// </summary>
/// <remarks>
/// The orchestrator and the reverse sweep. In order: the <see cref="KernelPlan"/> and the <see cref="Accumulators"/>
/// (functions of the IR); the reverse sweep, applying the <see cref="ChainRule"/>, filling the <see cref="AdjointTable"/>
/// and the <see cref="TapePlanner"/>; the finished <see cref="TapePlan"/>; then the <see cref="ForwardSweep"/> from it.
/// </remarks>
internal sealed class ReverseModeBuilder
{
    private readonly MethodSpec _spec;
    private readonly IrProgram _program;
    private readonly ActivityAnalysis _activity;
    private readonly LoopStructure _loops;
    private readonly NameScope _names;
    private readonly KernelPlan _kernels;
    private readonly AdjointTable _adjoints;
    private readonly TapePlanner _tapes;
    private readonly Accumulators _accumulators;
    private readonly ChainRule _chainRule;
    private readonly HashSet<int> _multiplyAssigned;
    private readonly HashSet<DotKernel> _reversedDots = new(ReferenceComparer<DotKernel>.Instance);
    private readonly Dictionary<MatrixProduct, ProductPullback> _pullbacks = new(ReferenceComparer<MatrixProduct>.Instance);

    private ReverseModeBuilder(MethodSpec spec)
    {
        _spec = spec;
        _program = spec.Body;
        // Only the outputs with an incoming adjoint are differentiated: a tangent program's value output has none.
        _activity = ActivityAnalysis.Run(
            _program,
            spec.Parameters.Where(p => p.IsDifferentiable).Select(p => p.Variable),
            _program.Outputs.Where(o => spec.Parameters.Any(p => p.IsOutput && p.Variable == o)));
        _loops = new LoopStructure(_program);
        _names = new NameScope(_program.Variables.Select(v => v.Name)
            .Concat(spec.Parameters.Select(p => p.Name))
            .Concat(spec.Parameters.Where(p => p.IsDifferentiable).Select(p => p.GradientName!))
            .Concat(spec.Parameters.Where(p => p.IsOutput).Select(p => p.IncomingAdjoint!))
            .Concat(spec.JacobianName is { } jacobian ? new[] { jacobian } : System.Array.Empty<string>())
            .Concat(new[] { spec.SeedName }));
        _multiplyAssigned = new HashSet<int>(IrQueries.DefinitionCounts(_program.Body).Where(c => c.Value > 1).Select(c => c.Key));

        // The kernels claim their names before the reverse sweep claims any: the order decides colliding names' suffixes.
        _kernels = KernelPlan.Find(_program, _loops, _names);
        _adjoints = new AdjointTable(_program, _loops, _names);
        _tapes = new TapePlanner(_program, _loops, _names, _kernels);
        _accumulators = new Accumulators(_program, _loops, _activity);
        _chainRule = new ChainRule(_program, _activity, _loops, _adjoints, _accumulators);

        // A differentiable parameter's adjoint is its gradient output, which the caller declared.
        foreach (var parameter in spec.Parameters.Where(p => p.IsDifferentiable))
        {
            _adjoints.Given(parameter.Variable, parameter.GradientName!);
        }
    }

    public static GradientBody Differentiate(MethodSpec spec) =>
        new ReverseModeBuilder(spec with { Body = LoopInvariantCodeMotion.Run(spec.Body) }).Build();

    private GradientBody Build()
    {
        // The reverse sweep first: it decides what the forward sweep's loops must save.
        var reverse = new List<SweepStatement>();
        var result = _program.Result;

        // A vector-valued method's outputs (or returned array) start the reverse sweep with the incoming adjoint span.
        var seeded = _spec.Parameters.Where(p => p.IsOutput).Select(p => (Array: p.Variable, Seed: p.IncomingAdjoint!)).ToList();
        if (_spec.Form == ResultForm.Array)
        {
            seeded.Add((result, _spec.SeedName));
        }

        var arraySeeds = seeded.Where(s => _activity.IsActive(s.Array))
            .Select(s => (SweepStatement)new SeedArrayAdjoint(_adjoints.ArrayName(s.Array), s.Seed, _program.Variables[s.Array].Name))
            .ToList();
        if (_spec.Form == ResultForm.Scalar && _activity.IsActive(result))
        {
            _adjoints.MarkDeclared(result);
            reverse.Add(new SeedStatement(_adjoints.Name(result), _program.Variables[result].Type, _spec.SeedName));
            reverse.AddRange(ReverseBlock(_program.Body, loop: null));
        }
        else if (arraySeeds.Count > 0)
        {
            reverse.AddRange(ReverseBlock(_program.Body, loop: null));
        }

        // The reverse sweep has decided what the forward sweep records.
        var tapes = _tapes.Finish();

        var prologue = new List<SweepStatement>();
        prologue.AddRange(_adjoints.Arrays.Select(a => new DeclareArrayAdjoint(a)));
        prologue.AddRange(arraySeeds);
        prologue.AddRange(DeclareZeros(_adjoints.AtTop));
        foreach (var scratch in _adjoints.Scratch)
        {
            prologue.Add(new DeclareZero(scratch.Key, new[] { scratch.Value }.ToEquatableArray()));
        }

        // Reversed loops overwrite primals with the values of earlier iterations: keep the value first.
        var restores = _spec.Form == ResultForm.Scalar && IrQueries.Walk(_program.Body).Any(s => s is LoopStatement) && reverse.Count > 0;
        return new GradientBody(
            _program.Variables,
            ForwardSweep.Build(_program, _kernels, tapes, _adjoints.Arrays),
            prologue.Concat(reverse).ToEquatableArray(),
            new VariableOperand(result),
            restores ? _names.Claim("value") : null,
            tapes.Tapes,
            _adjoints.Arrays.ToEquatableArray(),
            ProductBuffers());
    }

    // The products' buffers, and the adjoints' of the products the reverse sweep pulls back.
    private EquatableArray<PooledBufferSpec> ProductBuffers() =>
        _kernels.Blockings.Values.SelectMany(b => b.Products)
            .SelectMany(p => _pullbacks.ContainsKey(p) ? new[] { p.ProductsBuffer, p.AdjointsBuffer } : new[] { p.ProductsBuffer },
                (p, name) => new PooledBufferSpec(name, p.Kernel.Type))
            .ToEquatableArray();

    private IEnumerable<SweepStatement> DeclareZeros(IEnumerable<int> adjoints) =>
        adjoints.GroupBy(v => _program.Variables[v].Type)
            .Select(group => new DeclareZero(group.Key, group.Select(_adjoints.Name).ToEquatableArray()));

    // ---- reverse sweep -----------------------------------------------------------------------

    // Walks a block backward. Each source comment heads the reversed lines of its statement.
    private List<SweepStatement> ReverseBlock(EquatableArray<IrStatement> block, LoopStatement? loop)
    {
        var definedHere = new HashSet<int>(block.OfType<AssignStatement>().Select(a => a.Target).Where(t => !_multiplyAssigned.Contains(t)));
        var output = new List<SweepStatement>();
        var pending = new List<SweepStatement>();
        for (var i = block.Count - 1; i >= 0; i--)
        {
            switch (block[i])
            {
                case SourceComment { Derived: true }:
                    break;
                case SourceComment comment:
                    if (pending.Count > 0)
                    {
                        output.Add(new SweepComment(comment.Text));
                        output.AddRange(pending);
                        pending.Clear();
                    }

                    break;
                case AssignStatement assignment:
                    _chainRule.Pullback(assignment, definedHere, pending, loop);
                    break;
                case ElementWriteStatement write:
                    _chainRule.PullbackWrite(write, definedHere, pending);
                    break;
                case IfStatement branch:
                    var then = ReverseBlock(branch.Then, loop);
                    var @else = ReverseBlock(branch.Else, loop);
                    if (then.Count > 0 || @else.Count > 0)
                    {
                        pending.Add(new SweepBranch(branch.Condition, then.ToEquatableArray(), @else.ToEquatableArray()));
                    }

                    break;
                case LoopStatement inner when _kernels.Dots.TryGetValue(inner, out var dot):
                    if (!_activity.IsActive(dot.Accumulator) || !_adjoints.IsDeclared(dot.Accumulator)
                        || (!_activity.IsActive(dot.A) && !_activity.IsActive(dot.B)))
                    {
                        break;
                    }

                    if (_kernels.Products.TryGetValue(inner, out var product))
                    {
                        // Gathered for the block; the block's end pulls the products back.
                        pending.Add(new ProductAdjoint(product, _adjoints.Name(dot.Accumulator), _kernels.BlockingOf(product).Start));
                        _pullbacks[product] = new ProductPullback(
                            product,
                            _activity.IsActive(product.RowArray) ? _adjoints.ArrayName(product.RowArray) : null,
                            _activity.IsActive(product.ColumnArray) ? _adjoints.ArrayName(product.ColumnArray) : null);
                    }
                    else
                    {
                        _reversedDots.Add(dot);
                        pending.Add(new ReverseDot(
                            dot,
                            _adjoints.Name(dot.Accumulator),
                            _activity.IsActive(dot.A) ? _adjoints.ArrayName(dot.A) : null,
                            _activity.IsActive(dot.B) ? _adjoints.ArrayName(dot.B) : null,
                            _kernels.SlicesOf(inner)));
                    }

                    break;
                case LoopStatement inner:
                    if (ReverseLoopOf(inner) is { } reversed)
                    {
                        // At the top level, the forward sweep's slices are still in scope.
                        if (!_program.Body.Any(s => ReferenceEquals(s, inner)))
                        {
                            pending.AddRange(_kernels.DeclareSlices(inner, _reversedDots.Contains));
                        }

                        pending.Add(reversed);
                    }

                    break;
            }
        }

        output.AddRange(pending);
        return output;
    }

    private ReverseLoop? ReverseLoopOf(LoopStatement loop)
    {
        // An accumulator (s = s + t, and s read nowhere else in the loop) passes its adjoint through
        // every iteration unchanged: the next value shares the accumulator's adjoint, no latch to reverse.
        var accumulators = _accumulators.Of(loop);
        foreach (var (carried, update) in accumulators)
        {
            _adjoints.Share(update.Target, carried);
        }

        // Loop-carried adjoints cross iterations through the latch: declare both ends before either is reached.
        foreach (var latch in loop.Latch.Where(a => _activity.IsActive(a.Target) && !accumulators.Any(p => p.Carried == a.Target)))
        {
            _adjoints.DeclareAtRegionStart(latch.Target);
            if (latch.Operation is CopyOperation { Value: VariableOperand next } && _activity.IsActive(next.Id))
            {
                _adjoints.DeclareAtRegionStart(next.Id);
            }
        }

        var latchReverse = new List<SweepStatement>();
        for (var i = loop.Latch.Count - 1; i >= 0; i--)
        {
            if (!accumulators.Any(p => p.Carried == loop.Latch[i].Target))
            {
                _chainRule.Pullback(loop.Latch[i], new HashSet<int>(), latchReverse, loop);
            }
        }

        var body = ReverseBlock(loop.Body, loop);
        if (latchReverse.Count == 0 && body.Count == 0)
        {
            return null;
        }

        var iteration = new List<SweepStatement>();
        iteration.AddRange(_tapes.Restore(loop, latchReverse.Concat(body)));
        if (_adjoints.AtIterationStart(loop) is { } hoisted)
        {
            iteration.AddRange(DeclareZeros(hoisted));
        }

        string? lastIteration = null;
        if (loop.Control is ConditionalLoop && latchReverse.Count > 0)
        {
            lastIteration = _names.Claim("lastIteration");
            iteration.Add(new UnlessLastIteration(lastIteration, latchReverse.ToEquatableArray()));
        }
        else
        {
            iteration.AddRange(latchReverse);
        }

        iteration.AddRange(body);
        if (_kernels.Blockings.TryGetValue(loop, out var blocking))
        {
            // Blocked: the iterations run block by block (no gate), each block ending with its products' pullbacks.
            var pullbacks = blocking.Products.Where(_pullbacks.ContainsKey).Select(p => _pullbacks[p]).ToEquatableArray();
            return new ReverseLoop(loop, iteration.ToEquatableArray(), null, IncomingAdjoints(loop, iteration), null,
                pullbacks.Count > 0 ? blocking : null, pullbacks);
        }

        var gated = IterationGates.Find(loop, iteration, _program, _tapes.SavedIn(loop), _kernels.Dots.ContainsKey);
        if (LoopVectorizer.Match(loop, iteration, _program, _tapes.SavedIn(loop), _accumulators.Of(loop), _kernels, gated, _names) is { } vector)
        {
            // A vector of iterations at a time in both sweeps; a ReLU's off units are masked, not skipped.
            _tapes.Vectorize(loop, vector);
            return new ReverseLoop(loop, iteration.ToEquatableArray(), null, IncomingAdjoints(loop, iteration), null, Vector: vector);
        }

        if (gated is { } relu)
        {
            var gate = _tapes.Gate(loop, relu);
            return new ReverseLoop(loop, iteration.ToEquatableArray(), null, EquatableArray<string>.Empty, gate);
        }

        return new ReverseLoop(loop, iteration.ToEquatableArray(), lastIteration, IncomingAdjoints(loop, iteration), null);
    }

    // The adjoints a reversed loop receives from outside (its carried and exit values'), when every
    // other adjoint it reads starts at zero: then, if they are all zero, the loop contributes nothing.
    private EquatableArray<string> IncomingAdjoints(LoopStatement loop, List<SweepStatement> iteration)
    {
        bool SavesOrReadsArrays(IEnumerable<SweepStatement> statements) => statements.Any(s => s switch
        {
            TapePop => true,
            AccumulateStatement a => a.Source.Index is not null,
            SweepBranch b => SavesOrReadsArrays(b.Then) || SavesOrReadsArrays(b.Else),
            ReverseLoop l => SavesOrReadsArrays(l.Iteration),
            UnlessLastIteration u => SavesOrReadsArrays(u.Body),
            SweepComment or PrimalStatement or ElementWrite or DeclareZero or ForwardLoop or ForwardDot or DeclareSlice or ReverseDot
                or ForwardProductRead or ProductAdjoint or SeedStatement or SeedArrayAdjoint or ResetAdjoint or FlushRowAdjoint
                or TrackCapacity or ClearArrayAdjoint or DeclareArrayAdjoint or Model.PullbackCall => false,

            // Listed, not defaulted: a kind that did read an outside adjoint would let the loop be skipped wrongly.
            _ => throw new System.InvalidOperationException("the sweep statement " + s.GetType().Name + " is not classified"),
        });

        if (SavesOrReadsArrays(iteration))
        {
            return EquatableArray<string>.Empty;
        }

        var exits = loop.Control is ConditionalLoop conditional ? conditional.ExitVariables : EquatableArray<int>.Empty;
        return loop.Latch.Select(a => a.Target).Concat(exits)
            .Where(v => _activity.IsActive(v) && _adjoints.IsDeclared(v) && _program.Variables[v].Shape == ParameterShape.Scalar)
            .Distinct()
            .Select(_adjoints.Name)
            .ToEquatableArray();
    }
}
