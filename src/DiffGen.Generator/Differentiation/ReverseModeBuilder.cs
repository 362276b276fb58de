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
internal sealed class ReverseModeBuilder
{
    private readonly MethodSpec _spec;
    private readonly IrProgram _program;
    private readonly ActivityAnalysis _activity;
    private readonly LoopStructure _loops;
    private readonly NameScope _names;
    private readonly KernelPlan _kernels;
    private readonly AdjointTable _adjoints;
    private readonly Dictionary<int, int> _definitionCounts;
    private readonly HashSet<int> _multiplyAssigned;
    private readonly Dictionary<LoopStatement, List<int>> _saved = new(ReferenceComparer<LoopStatement>.Instance);
    private readonly Dictionary<string, TapeSpec> _tapes = new();
    private readonly Dictionary<AssignStatement, int> _accumulatorUpdates = new(ReferenceComparer<AssignStatement>.Instance);
    private readonly Dictionary<LoopStatement, IterationGate> _gates = new(ReferenceComparer<LoopStatement>.Instance);
    private readonly HashSet<DotKernel> _reversedDots = new(ReferenceComparer<DotKernel>.Instance);
    private readonly Dictionary<MatrixProduct, ProductPullback> _pullbacks = new(ReferenceComparer<MatrixProduct>.Instance);
    private TapeReservations? _reservations;

    private ReverseModeBuilder(MethodSpec spec)
    {
        _spec = spec;
        _program = spec.Body;
        _activity = ActivityAnalysis.Run(_program, spec.Parameters.Where(p => p.IsDifferentiable).Select(p => p.Variable));
        _loops = new LoopStructure(_program);
        _names = new NameScope(_program.Variables.Select(v => v.Name)
            .Concat(spec.Parameters.Select(p => p.Name))
            .Concat(spec.Parameters.Where(p => p.IsDifferentiable).Select(p => p.GradientName!))
            .Concat(spec.Parameters.Where(p => p.IsOutput).Select(p => p.IncomingAdjoint!))
            .Concat(spec.JacobianName is { } jacobian ? new[] { jacobian } : System.Array.Empty<string>())
            .Concat(new[] { spec.SeedName }));
        _definitionCounts = IrQueries.DefinitionCounts(_program.Body);
        _multiplyAssigned = new HashSet<int>(_definitionCounts.Where(c => c.Value > 1).Select(c => c.Key));

        _kernels = KernelPlan.Find(_program, _loops, _names);
        _adjoints = new AdjointTable(_program, _loops, _names);

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

        _reservations = TapeReservations.Plan(
            _program,
            _tapes.Values.Select(t => t.Name),
            _kernels.Dots.ContainsKey,
            _saved,
            _gates,
            v => _tapes[_program.Variables[v].Type.Name].Name);

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
            BuildForward(),
            prologue.Concat(reverse).ToEquatableArray(),
            new VariableOperand(result),
            restores ? _names.Claim("value") : null,
            OnTheStack(_tapes.Values),
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

    // ---- forward sweep -----------------------------------------------------------------------

    private EquatableArray<SweepStatement> BuildForward()
    {
        // A matrix-product nest's dot loops read the block's products, not their slices: the GEMM reads the arrays at the offsets' strides and bases.
        var computedElsewhere = _kernels.Products.ToDictionary(
            p => p.Key,
            p => new[] { p.Value.RowOffset, p.Value.ColumnOffset }.SelectMany(o => o.Base is { } b ? new[] { o.Stride, b } : new[] { o.Stride })
                .Append(p.Value.Kernel.Counter.Start).Append(p.Value.Kernel.Counter.Bound).ToArray(),
            ReferenceComparer<LoopStatement>.Instance);
        var live = Liveness.Run(_program, computedElsewhere);

        // Primals assigned inside a branch or a loop are read by the reverse sweep outside it: declare them first.
        var nested = new HashSet<int>(_program.Body
            .Where(s => s is IfStatement or LoopStatement)
            .SelectMany(s => IrQueries.Flatten(new[] { s }))
            .Select(a => a.Target));
        nested.UnionWith(_multiplyAssigned);
        nested.RemoveWhere(v => !live[v]);

        // A vectorized loop computes none of its body's temporaries.
        foreach (var loop in _kernels.Dots.Keys)
        {
            nested.ExceptWith(loop.Body.OfType<AssignStatement>().Select(a => a.Target));
        }
        nested.UnionWith(IrQueries.Walk(_program.Body).OfType<LoopStatement>().Select(l => l.Control).OfType<ConditionalLoop>().Select(l => l.Trips));

        // A value read but never assigned: a loop's exit value when every path through the loop's body returns, so it
        // never ends otherwise; only code after the loop reads it, code the return flag skips. Declared, so it compiles
        // (it did not: CS0103 in the generated file, random program seed fz2qTn6WDFG2).
        var counters = new HashSet<int>(IrQueries.Walk(_program.Body).OfType<LoopStatement>().Select(l => l.Control).OfType<CountedLoop>().Select(l => l.Counter.Counter));
        nested.UnionWith(IrQueries.Walk(_program.Body).SelectMany(OperandsOf).OfType<VariableOperand>().Select(v => v.Id)
            .Where(v => live[v] && !_definitionCounts.ContainsKey(v) && !counters.Contains(v) && _program.Variables[v].Origin == VariableOrigin.Intermediate));

        var statements = new List<SweepStatement>();
        var capacities = _adjoints.Arrays.Where(a => a.Capacity is not null).Select(a => a.Capacity!).ToEquatableArray();
        if (capacities.Count > 0)
        {
            statements.Add(new DeclareZero(TypeRef.Int, capacities));
        }

        foreach (var group in nested.OrderBy(v => v).GroupBy(v => (_program.Variables[v].Type, _program.Variables[v].Shape)))
        {
            statements.Add(new DeclareZero(
                group.Key.Shape == ParameterShape.Scalar ? group.Key.Type : new TypeRef(group.Key.Type.Name + "[]", ScalarKind.Other),
                group.Select(v => _program.Variables[v].Name).ToEquatableArray()));
        }

        statements.AddRange(ForwardBlock(_program.Body, nested, live));
        return statements.ToEquatableArray();
    }

    private IEnumerable<SweepStatement> ForwardBlock(IEnumerable<IrStatement> block, HashSet<int> predeclared, bool[] live)
    {
        foreach (var statement in block)
        {
            switch (statement)
            {
                case SourceComment comment:
                    yield return new SweepComment(comment.Text);
                    break;
                case AssignStatement assignment when live[assignment.Target]:
                    yield return new PrimalStatement(assignment, Declare: !predeclared.Contains(assignment.Target));
                    if (assignment.Operation is ArrayAllocation or ModelElementRead && _adjoints.Arrays.FirstOrDefault(a => a.Array == assignment.Target) is { Capacity: { } capacity })
                    {
                        yield return new TrackCapacity(assignment.Target, capacity);
                    }

                    break;
                case ElementWriteStatement write when live[write.Array]:
                    yield return new ElementWrite(write);
                    break;
                case IfStatement branch:
                    yield return new SweepBranch(
                        branch.Condition,
                        ForwardBlock(branch.Then, predeclared, live).ToEquatableArray(),
                        ForwardBlock(branch.Else, predeclared, live).ToEquatableArray());
                    break;
                case LoopStatement loop when _kernels.Dots.TryGetValue(loop, out var dot):
                    if (live[dot.Accumulator])
                    {
                        yield return _kernels.Products.TryGetValue(loop, out var product)
                            ? new ForwardProductRead(product, _kernels.BlockingOf(product).Start)
                            : new ForwardDot(dot, _kernels.SlicesOf(loop));
                    }

                    break;
                case LoopStatement loop:
                    foreach (var slice in _kernels.DeclareSlices(loop, kernel => live[kernel.Accumulator]))
                    {
                        yield return slice;
                    }

                    var liveLatch = loop.Latch.Where(a => live[a.Target]).ToEquatableArray();
                    yield return new ForwardLoop(
                        loop with { Latch = liveLatch },
                        ForwardBlock(loop.Body, predeclared, live).ToEquatableArray(),
                        _saved.TryGetValue(loop, out var saved) ? saved.ToEquatableArray() : EquatableArray<int>.Empty,
                        _gates.TryGetValue(loop, out var gate) ? gate : null,
                        _reservations!.Before.TryGetValue(loop, out var reservations) ? reservations.ToEquatableArray() : EquatableArray<TapeReservation>.Empty,
                        _reservations.Reserved.Contains(loop),
                        _kernels.Blockings.TryGetValue(loop, out var blocking) ? blocking : null);
                    break;
            }
        }
    }

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
                    Pullback(assignment, definedHere, pending, loop);
                    break;
                case ElementWriteStatement write:
                    PullbackWrite(write, definedHere, pending);
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
        var accumulators = Accumulators(loop);
        foreach (var (carried, update) in accumulators)
        {
            _adjoints.Share(update.Target, carried);
            _accumulatorUpdates[update] = carried;
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
                Pullback(loop.Latch[i], new HashSet<int>(), latchReverse, loop);
            }
        }

        var body = ReverseBlock(loop.Body, loop);
        if (latchReverse.Count == 0 && body.Count == 0)
        {
            return null;
        }

        var iteration = new List<SweepStatement>();
        iteration.AddRange(Restore(loop, latchReverse.Concat(body)));
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

        if (IterationGates.Find(loop, iteration, _program, _saved[loop], _kernels.Dots.ContainsKey) is { } relu)
        {
            var gate = new IterationGate(
                relu.Value,
                relu.Zero,
                Open: _names.Claim("on"),
                RecordStart: _names.Claim("recordStart"),
                Remaining: _names.Claim("remaining"),
                CounterTape: TapeFor(_program.Variables[loop.RequireCounter("a gated loop").Counter].Type));
            _gates[loop] = gate;
            return new ReverseLoop(loop, iteration.ToEquatableArray(), null, EquatableArray<string>.Empty, gate);
        }

        return new ReverseLoop(loop, iteration.ToEquatableArray(), lastIteration, IncomingAdjoints(loop, iteration), null);
    }

    // The tapes, those of a small constant size on the stack (TapeReservations.ConstantSizes), unless the gradient
    // calls another: a recursive method's every level would keep its stack tape (found from outside: 8 KB a frame
    // overflowed a 1 MB stack at depth 130, where the pooled tape reached 2,000). A gradient that calls none is a leaf.
    private EquatableArray<TapeSpec> OnTheStack(IEnumerable<TapeSpec> tapes)
    {
        if (IrQueries.Flatten(_program.Body).Any(a => a.Operation is DifferentiableCall or TangentCall))
        {
            return tapes.ToEquatableArray();
        }

        var sizes = _reservations!.ConstantSizes(tapes);
        return tapes.Select(t => sizes.TryGetValue(t.Name, out var size) ? t with { StackCapacity = size } : t).ToEquatableArray();
    }

    // The tape that holds values of this type, declared on first use.
    private string TapeFor(TypeRef type)
    {
        if (!_tapes.TryGetValue(type.Name, out var tape))
        {
            var name = _names.Claim("tape" + char.ToUpperInvariant(type.Name[0]) + type.Name.Substring(1));
            tape = new TapeSpec(type, name, _names.Claim(name + "Storage"), _names.Claim(name + "Top"));
            _tapes.Add(type.Name, tape);
        }

        return tape.Name;
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

    /// <summary>Loop-carried variables updated only as <c>s = s ± t</c>, on every iteration, and read nowhere else in the loop.</summary>
    private List<(int Carried, AssignStatement Update)> Accumulators(LoopStatement loop)
    {
        var result = new List<(int, AssignStatement)>();
        var uses = IrQueries.Walk(loop.Body).SelectMany(OperandsOf).OfType<VariableOperand>().GroupBy(v => v.Id).ToDictionary(g => g.Key, g => g.Count());
        foreach (var latch in loop.Latch)
        {
            if (latch.Operation is not CopyOperation { Value: VariableOperand { Id: var next } }
                || !_activity.IsActive(latch.Target)
                || loop.Control is ConditionalLoop { ExitVariables: var exits } && exits.Contains(latch.Target)
                || _loops.Definitions(next).Count != 1)
            {
                continue;
            }

            var update = _loops.Definitions(next)[0];
            if (_loops.RunsEveryIteration(update, loop)
                && update.Operation is BinaryOperation { Operator: BinaryOperator.Add or BinaryOperator.Subtract } sum
                && (sum.Left is VariableOperand { Id: var left } && left == latch.Target
                    || sum.Operator == BinaryOperator.Add && sum.Right is VariableOperand { Id: var right } && right == latch.Target)
                && !sum.Left.Equals(sum.Right)
                && uses.TryGetValue(latch.Target, out var carriedUses) && carriedUses == 1
                && !uses.ContainsKey(next))
            {
                result.Add((latch.Target, update));
            }
        }

        return result;
    }

    private static IEnumerable<Operand> OperandsOf(IrStatement statement) => statement switch
    {
        AssignStatement a => IrQueries.Operands(a.Operation),
        ElementWriteStatement w => new[] { w.Index, w.Value },
        IfStatement i => new[] { i.Condition },
        LoopStatement { Control: CountedLoop { Counter: var c } } => new[] { c.Start, c.Bound },
        LoopStatement { Control: ConditionalLoop } or SourceComment => Enumerable.Empty<Operand>(), // a general loop's test is an assignment in its body
        _ => throw new System.InvalidOperationException("the statement " + statement.GetType().Name + " has no operands listed"),
    };

    // What the reversed iteration reads of values the loop overwrites: recompute the cheap ones,
    // restore the others from the tape (the forward iteration pushes them at its end).
    private IEnumerable<SweepStatement> Restore(LoopStatement loop, IEnumerable<SweepStatement> reversed)
    {
        var needed = new Queue<int>(Reads(reversed, loop).Where(r => ReferenceEquals(SavedBy(r.Variable, r.ReadIn), loop)).Select(r => r.Variable));
        var seen = new HashSet<int>();
        var saved = new List<int>();
        var recomputed = new List<AssignStatement>();
        while (needed.Count > 0)
        {
            var variable = needed.Dequeue();
            if (!seen.Add(variable))
            {
                continue;
            }

            if (Recomputable(variable, loop) is { } definition)
            {
                recomputed.Add(definition);
                foreach (var operand in IrQueries.Operands(definition.Operation).OfType<VariableOperand>())
                {
                    if (ReferenceEquals(SavedBy(operand.Id, loop), loop))
                    {
                        needed.Enqueue(operand.Id);
                    }
                }
            }
            else if (_program.Variables[variable].Shape != ParameterShape.Scalar)
            {
                // A tape holds numbers, not arrays; DG0010 carries this to the user.
                throw new System.InvalidOperationException("the array '" + _program.Variables[variable].Name + "' is read under a condition inside a loop and its gradient needs it again;"
                    + " read it where every iteration does (var layer = Layers[i]; before the if), or pass it to a helper of this compilation, which is differentiated in place");
            }
            else
            {
                saved.Add(variable);
                TapeFor(_program.Variables[variable].Type);
            }
        }

        saved.Sort();
        _saved[loop] = saved;
        for (var i = saved.Count - 1; i >= 0; i--)
        {
            yield return new TapePop(saved[i]);
        }

        foreach (var definition in recomputed.OrderBy(_loops.Order))
        {
            yield return new PrimalStatement(definition, Declare: false);
        }
    }

    // A value is recomputed rather than taped when it is integer arithmetic or a read of a
    // (read-only) parameter, computed on every iteration.
    private AssignStatement? Recomputable(int variable, LoopStatement loop)
    {
        var definitions = _loops.Definitions(variable);
        if (definitions.Count != 1 || !_loops.RunsEveryIteration(definitions[0], loop))
        {
            return null;
        }

        var definition = definitions[0];
        var cheap = definition.Operation switch
        {
            ElementRead read => _program.Variables[read.Array].Origin == VariableOrigin.Parameter,
            ModelElementRead => true, // a member of a model: read-only for the whole call
            LengthRead length => _loops.Home(length.Array) is null, // not of a local array that is new each iteration: the reverse has none
            BinaryOperation { Operator: BinaryOperator.Divide or BinaryOperator.Remainder } => !_program.Variables[variable].Type.IsFloating,
            BinaryOperation or UnaryOperation or ConversionOperation or CopyOperation => true,
            IntrinsicCall { Function: "Max" or "Min" or "Abs" or "Clamp" or "FusedMultiplyAdd" } => true,
            _ => false,
        };
        return cheap ? definition : null;
    }

    // Which loop must save a value read in the reversed iteration of loop readIn: a value that
    // readIn (or a loop inside it) overwrites is saved by readIn, once per iteration; a value an
    // enclosing loop overwrites is saved by that loop; a counter is given back by its reversed loop.
    // A value a sibling loop leaves behind (a row sum read by the next loop over the row) is saved
    // by the innermost loop around both, once per iteration: the sibling's reverse, which runs
    // between the reader's reversed iterations, may overwrite it; outside every loop it stays put.
    private LoopStatement? SavedBy(int variable, LoopStatement readIn)
    {
        var home = _loops.Home(variable);
        if (home is null || home.Control is CountedLoop { Counter: var counter } && counter.Counter == variable)
        {
            return null;
        }

        for (var loop = home; loop is not null; loop = _loops.Parent(loop))
        {
            if (ReferenceEquals(loop, readIn))
            {
                return readIn;
            }
        }

        var aroundReader = new HashSet<LoopStatement>(ReferenceComparer<LoopStatement>.Instance);
        for (var loop = _loops.Parent(readIn); loop is not null; loop = _loops.Parent(loop))
        {
            aroundReader.Add(loop);
        }

        if (aroundReader.Contains(home))
        {
            return home;
        }

        for (var loop = _loops.Parent(home); loop is not null; loop = _loops.Parent(loop))
        {
            if (aroundReader.Contains(loop))
            {
                return loop;
            }
        }

        return null;
    }

    /// <summary>Every variable the given reverse statements read, with the innermost reversed loop that reads it.</summary>
    private List<(int Variable, LoopStatement ReadIn)> Reads(IEnumerable<SweepStatement> statements, LoopStatement readIn)
    {
        var reads = new List<(int, LoopStatement)>();
        CollectReads(statements, readIn, reads);
        return reads;
    }

    private void CollectReads(IEnumerable<SweepStatement> statements, LoopStatement readIn, List<(int, LoopStatement)> reads)
    {
        foreach (var statement in statements)
        {
            IEnumerable<Operand> operands = statement switch
            {
                AccumulateStatement a => PartialOperands(a).Concat(Indices(a.Target)).Concat(Indices(a.Source)),
                ResetAdjoint r => Indices(r.Target),
                FlushRowAdjoint f => new[] { f.Index },
                SweepBranch b => new[] { b.Condition },
                PullbackCall c => c.Arguments,
                PrimalStatement p => IrQueries.Operands(p.Assignment.Operation),
                ReverseLoop { Loop.Control: CountedLoop { Counter: var counter } } => new[] { counter.Start, counter.Bound },
                ReverseDot dot => new[] { dot.Kernel.Counter.Start, dot.Kernel.Counter.Bound }
                    .Concat(new[] { dot.Kernel.OffsetA, dot.Kernel.OffsetB }.Where(o => o is not null).Select(o => o!))
                    .Concat(new Operand[] { new VariableOperand(dot.Kernel.A), new VariableOperand(dot.Kernel.B) }),
                ReverseLoop { Loop.Control: ConditionalLoop conditional } => new Operand[] { new VariableOperand(conditional.Trips) },
                ProductAdjoint p => new[] { new VariableOperand(p.Product.Outer.Counter), new VariableOperand(p.Product.Inner.Counter), p.Product.Inner.Start },

                // Declarations, restores and seeds read nothing a loop overwrites; a branch's or a latch flag's bodies are
                // walked below. A slice's offsets are read by the reversed dot product beside it, listed above.
                SweepComment or DeclareZero or TapePop or UnlessLastIteration or SeedStatement or SeedArrayAdjoint
                    or ClearArrayAdjoint or DeclareArrayAdjoint or DeclareSlice => Enumerable.Empty<Operand>(),

                // The forward sweep's own statements: their reads are the forward sweep's.
                ForwardLoop or ForwardDot or ForwardProductRead or ElementWrite or TrackCapacity => Enumerable.Empty<Operand>(),

                // A kind not listed would read nothing, and a value it needs could go unrestored: DG0010 instead.
                _ => throw new System.InvalidOperationException("the sweep statement " + statement.GetType().Name + " has no reads listed"),
            };
            foreach (var operand in operands.OfType<VariableOperand>())
            {
                reads.Add((operand.Id, readIn));
            }

            switch (statement)
            {
                case SweepBranch b:
                    CollectReads(b.Then, readIn, reads);
                    CollectReads(b.Else, readIn, reads);
                    break;
                case ReverseLoop l:
                    CollectReads(l.Iteration, l.Loop, reads);
                    break;
                case UnlessLastIteration u:
                    CollectReads(u.Body, readIn, reads);
                    break;
            }
        }
    }

    private static IEnumerable<Operand> Indices(AdjointRef adjoint) =>
        adjoint.Index is { } index ? new[] { index } : Enumerable.Empty<Operand>();

    private static IEnumerable<Operand> PartialOperands(AccumulateStatement a)
    {
        for (var i = 0; i < a.Arguments.Count; i++)
        {
            if (a.Partial.ReadsArgument(i))
            {
                yield return a.Arguments[i];
            }
        }

        if (a.Partial.ReadsResult)
        {
            yield return a.Result;
        }
    }

    // The pullback of one assignment: its adjoint times each local partial into each active operand.
    private void Pullback(AssignStatement assignment, HashSet<int> definedHere, List<SweepStatement> output, LoopStatement? loop)
    {
        var target = assignment.Target;
        if (assignment.Operation is TangentCall tangentCall)
        {
            PullbackTangentCall(target, tangentCall, definedHere, output, loop);
            return;
        }
        if (assignment.Operation is ArrayAllocation && _loops.Home(target) is not null && _adjoints.NameIfAny(target) is { } arrayAdjoint)
        {
            output.Add(new ClearArrayAdjoint(arrayAdjoint));
            return;
        }

        if (assignment.Operation is ModelElementRead { } rowRead && _program.Variables[target].Shape != ParameterShape.Scalar)
        {
            // A row of an array of models: what its reads gathered goes to the gradient model's same row.
            if (_adjoints.NameIfAny(target) is { } rowAdjoint && _adjoints.NameIfAny(rowRead.Models) is { } models)
            {
                output.Add(new FlushRowAdjoint(rowAdjoint, _program.Variables[target].Name, _program.Variables[rowRead.Models].Name, models, rowRead.Index, rowRead.Member, _program.Variables[target].Type));
            }

            return;
        }

        if (!_activity.IsActive(target) || !_adjoints.IsDeclared(target) || _program.Variables[target].Shape != ParameterShape.Scalar)
        {
            return; // inactive, an array (its elements carry the adjoints), or statically zero on every path
        }

        var type = _program.Variables[target].Type;
        var source = new AdjointRef(_adjoints.Name(target), null, _program.Variables[target].Name);
        var result = new VariableOperand(target);
        void Into(Operand operand, Partial partial, EquatableArray<Operand> arguments) =>
            Contribute(operand, partial, arguments, result, type, source, definedHere, output);

        // A read of an element (of an array, a matrix, an array of models): its adjoint is added to the element's, unchanged.
        void IntoElement(AdjointRef element, TypeRef elementType) => output.Add(new AccumulateStatement(
            element, source, DerivativeRules.Identity.Partials[0], EquatableArray<Operand>.Empty, result, type, elementType, Declare: false, StrongZero: false));

        switch (assignment.Operation)
        {
            case CopyOperation copy:
                Into(copy.Value, DerivativeRules.Identity.Partials[0], EquatableArray<Operand>.Empty);
                break;
            case ConversionOperation conversion:
                Into(conversion.Value, DerivativeRules.Identity.Partials[0], EquatableArray<Operand>.Empty);
                break;
            case UnaryOperation { Operator: UnaryOperator.Negate } negate:
                Into(negate.Value, DerivativeRules.Negate.Partials[0], EquatableArray<Operand>.Empty);
                break;
            case BinaryOperation binary when DerivativeRules.Find(binary.Operator) is { } rule:
                var operands = new[] { binary.Left, binary.Right }.ToEquatableArray();
                if (_accumulatorUpdates.TryGetValue(assignment, out var accumulator))
                {
                    // s ± t with s an accumulator: s's adjoint is this one already; only t receives.
                    if (binary.Right is not VariableOperand { Id: var r } || r != accumulator)
                    {
                        Into(binary.Right, rule.Partials[1], operands);
                    }
                    else
                    {
                        Into(binary.Left, rule.Partials[0], operands);
                    }

                    break;
                }

                Into(binary.Left, rule.Partials[0], operands);
                Into(binary.Right, rule.Partials[1], operands);
                break;
            case IntrinsicCall call when DerivativeRules.Find(call.Function, call.Arguments.Count) is { } rule:
                for (var i = 0; i < call.Arguments.Count; i++)
                {
                    Into(call.Arguments[i], rule.Partials[i], call.Arguments);
                }

                break;
            case SelectOperation select:
                var selectOperands = new[] { select.Condition, select.WhenTrue, select.WhenFalse }.ToEquatableArray();
                Into(select.WhenTrue, DerivativeRules.Conditional.Partials[1], selectOperands);
                Into(select.WhenFalse, DerivativeRules.Conditional.Partials[2], selectOperands);
                break;
            case ElementRead read when _activity.IsActive(read.Array):
                IntoElement(new AdjointRef(_adjoints.ArrayName(read.Array), read.Index, _program.Variables[read.Array].Name), _program.Variables[read.Array].Type);
                break;
            case ModelElementRead read when _activity.IsActive(read.Models):
                // A scalar member of an element of an array of models: straight into the gradient model's element.
                IntoElement(new AdjointRef(_adjoints.NameIfAny(read.Models)!, read.Index, _program.Variables[read.Models].Name, Member: read.Member), _program.Variables[read.Models].Type);
                break;
            case MatrixRead read when _activity.IsActive(read.Array):
                IntoElement(new AdjointRef(_adjoints.ArrayName(read.Array), read.Row, _program.Variables[read.Array].Name, read.Column), _program.Variables[read.Array].Type);
                break;
            case DifferentiableCall call:
                PullbackCall(call, source.Name, definedHere, output);
                break;
            case BinaryOperation or UnaryOperation or ElementRead or ModelElementRead or MatrixRead
                or OpaqueCall or StaticRead or RowRead or DimensionRead or LengthRead or ArrayAllocation:
                break; // nothing flows back: a comparison or bitwise operation, a read of a constant, a call without a derivative
            default:
                // An operation without a pullback here would lose its derivative silently: DG0010 instead.
                throw new System.InvalidOperationException("the operation " + assignment.Operation.GetType().Name + " has no pullback");
        }

        // An adjoint whose variable this loop overwrites on every iteration starts over once consumed.
        if (_loops.Depth(loop) > _loops.Depth(_loops.Region(target)))
        {
            output.Add(new ResetAdjoint(source));
        }
    }

    // a[i] = v: the element's adjoint flows to v, and the element's old value no longer matters.
    private void PullbackWrite(ElementWriteStatement write, HashSet<int> definedHere, List<SweepStatement> output)
    {
        if (!_activity.IsActive(write.Array))
        {
            return;
        }

        var array = _program.Variables[write.Array];
        var element = new AdjointRef(_adjoints.ArrayName(write.Array), write.Index, array.Name);
        Contribute(write.Value, DerivativeRules.Identity.Partials[0], EquatableArray<Operand>.Empty, write.Value, array.Type, element, definedHere, output);
        output.Add(new ResetAdjoint(element));
    }

    private void Contribute(
        Operand operand,
        Partial partial,
        EquatableArray<Operand> arguments,
        Operand result,
        TypeRef type,
        AdjointRef source,
        HashSet<int> definedHere,
        List<SweepStatement> output)
    {
        // A partial that is identically 0 (copysign's sign argument, an integer exponent) contributes nothing, not 0 × adjoint.
        if (operand is not VariableOperand { Id: var id } || !_activity.IsActive(id) || _program.Variables[id].Shape != ParameterShape.Scalar || partial.IsZero)
        {
            return;
        }

        var declare = false;
        if (!_adjoints.IsDeclared(id) && definedHere.Contains(id))
        {
            declare = true; // first contribution, in the block that defines it: declare in place (a singular one guarded in the expression)
            _adjoints.MarkDeclared(id);
        }
        else
        {
            DeclareBeforeUse(id, definedHere, output);
        }

        var variable = _program.Variables[id];
        output.Add(new AccumulateStatement(
            new AdjointRef(_adjoints.Name(id), null, variable.Name),
            source,
            partial,
            arguments,
            result,
            type,
            variable.Type,
            declare,
            partial.Singular));
    }

    // An adjoint about to be added into: declared zero right here when this block defines its
    // variable, else at the start of its region.
    private void DeclareBeforeUse(int variable, HashSet<int> definedHere, List<SweepStatement> output)
    {
        if (_adjoints.IsDeclared(variable))
        {
            return;
        }

        if (definedHere.Contains(variable))
        {
            output.Add(new DeclareZero(_program.Variables[variable].Type, new[] { _adjoints.Name(variable) }.ToEquatableArray()));
            _adjoints.MarkDeclared(variable);
            return;
        }

        _adjoints.DeclareAtRegionStart(variable);
    }

    private void PullbackCall(DifferentiableCall call, string seed, HashSet<int> definedHere, List<SweepStatement> output)
    {
        if (!IrQueries.DifferentiableOperands(call).Any(_activity.IsActive))
        {
            return; // nothing to pull back into
        }

        // A varied value passed to a [NoDerivative] scalar: the callee's full gradient has an output for it too.
        var full = CallNeeds.FullGradient(call, _activity.IsActive);
        var outputs = call.Arguments.Select((argument, i) => (Argument: argument, Parameter: call.Callee.Parameters[i]))
            .Where(a => a.Parameter.Differentiable || (full && a.Parameter.InFullGradient))
            .Select(a => Output(a.Argument, a.Parameter, definedHere, output))
            .ToEquatableArray();
        output.Add(new PullbackCall(call.Callee, full ? call.Callee.FullGradientMethod! : call.Callee.GradientMethod, call.Arguments, outputs, seed));
    }

    // u = G.Tangent(x, tx, out tu), reversed: u's adjoint through G's gradient, tu's through G's Hessian-vector product,
    // whose direction is tx: ∂(∇G·tx)/∂x = H·tx goes into x's adjoints (its h… outputs), ∂(∇G·tx)/∂tx = ∇G into tx's (d…).
    private void PullbackTangentCall(int target, TangentCall call, HashSet<int> definedHere, List<SweepStatement> output, LoopStatement? loop)
    {
        bool Flows(int variable) => _activity.IsActive(variable) && _adjoints.IsDeclared(variable);
        var (value, tangent) = (Flows(target), Flows(call.Tangent));
        if (value)
        {
            PullbackCall(new DifferentiableCall(call.Callee, call.Arguments), _adjoints.Name(target), definedHere, output);
        }

        if (tangent)
        {
            PullbackHessianVector(call, definedHere, output);
        }

        // Adjoints whose variables this loop overwrites on every iteration start over once consumed.
        foreach (var consumed in new[] { (target, value), (call.Tangent, tangent) })
        {
            if (consumed.Item2 && _loops.Depth(loop) > _loops.Depth(_loops.Region(consumed.Item1)))
            {
                output.Add(new ResetAdjoint(new AdjointRef(_adjoints.Name(consumed.Item1), null, _program.Variables[consumed.Item1].Name)));
            }
        }
    }

    private void PullbackHessianVector(TangentCall call, HashSet<int> definedHere, List<SweepStatement> output)
    {
        var parameters = call.Callee.Parameters.Where((_, i) => call.TakesTangent(i)).ToList();
        var arguments = call.Arguments.Where((_, i) => call.TakesTangent(i)).ToList();
        var outputs = call.Tangents.Select((tangent, i) => Output(tangent, parameters[i], definedHere, output))
            .Concat(arguments.Select((argument, i) => Output(argument, parameters[i], definedHere, output)));
        output.Add(new PullbackCall(call.Callee, call.Method("HessianVector"), call.Arguments.Concat(call.Tangents).ToEquatableArray(), outputs.ToEquatableArray(), _adjoints.Name(call.Tangent)));
    }

    // Where a callee's gradient output for an argument goes: the argument's adjoint, or scratch when it is a constant
    // (the callee differentiates it anyway; that gradient is computed and discarded).
    private CallOutput Output(Operand argument, CalleeParameter parameter, HashSet<int> definedHere, List<SweepStatement> output)
    {
        if (parameter.Shape != ParameterShape.Scalar)
        {
            // An array: its own adjoint span, or scratch of its length when it is a constant.
            var array = ((VariableOperand)argument).Id;
            return new CallOutput(
                _activity.IsActive(array) ? _adjoints.ArrayName(array) : "new " + parameter.Type.Name + "[" + _program.Variables[array].Name + ".Length]",
                ByReference: false);
        }

        if (argument is VariableOperand { Id: var id } && _activity.IsActive(id))
        {
            DeclareBeforeUse(id, definedHere, output);
            return new CallOutput(_adjoints.Name(id), ByReference: true);
        }

        var scratch = _adjoints.ScratchFor(parameter.Type);
        return new CallOutput(scratch, ByReference: true);
    }
}
