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
    private readonly TapePlanner _tapes;
    private readonly HashSet<int> _multiplyAssigned;
    private readonly Dictionary<AssignStatement, int> _accumulatorUpdates = new(ReferenceComparer<AssignStatement>.Instance);
    private readonly HashSet<DotKernel> _reversedDots = new(ReferenceComparer<DotKernel>.Instance);
    private readonly Dictionary<MatrixProduct, ProductPullback> _pullbacks = new(ReferenceComparer<MatrixProduct>.Instance);

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
        _multiplyAssigned = new HashSet<int>(IrQueries.DefinitionCounts(_program.Body).Where(c => c.Value > 1).Select(c => c.Key));

        _kernels = KernelPlan.Find(_program, _loops, _names);
        _adjoints = new AdjointTable(_program, _loops, _names);
        _tapes = new TapePlanner(_program, _loops, _names, _kernels);

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

        if (IterationGates.Find(loop, iteration, _program, _tapes.SavedIn(loop), _kernels.Dots.ContainsKey) is { } relu)
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

    /// <summary>Loop-carried variables updated only as <c>s = s ± t</c>, on every iteration, and read nowhere else in the loop.</summary>
    private List<(int Carried, AssignStatement Update)> Accumulators(LoopStatement loop)
    {
        var result = new List<(int, AssignStatement)>();
        var uses = IrQueries.Walk(loop.Body).SelectMany(IrQueries.OperandsOf).OfType<VariableOperand>().GroupBy(v => v.Id).ToDictionary(g => g.Key, g => g.Count());
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
