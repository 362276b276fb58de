using System.Collections.Generic;
using System.Linq;
using DiffGen.Generator.Analysis;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Differentiation;

/// <summary>
/// What each reversed loop needs of the values its forward iterations overwrite: recomputed when cheap, else
/// saved on a tape (one tape per type), and the ReLU-gated loops that record their live iterations' counters.
/// Decided while the reverse sweep is built, from what its statements read; <see cref="Finish"/> then gives the
/// <see cref="TapePlan"/> the forward sweep records by, and nothing can be added after it.
/// </summary>
internal sealed class TapePlanner
{
    private readonly IrProgram _program;
    private readonly LoopStructure _loops;
    private readonly NameScope _names;
    private readonly KernelPlan _kernels;
    private readonly Dictionary<LoopStatement, List<int>> _saved = new(ReferenceComparer<LoopStatement>.Instance);
    private readonly Dictionary<string, TapeSpec> _tapes = new();
    private readonly Dictionary<LoopStatement, IterationGate> _gates = new(ReferenceComparer<LoopStatement>.Instance);
    private readonly Dictionary<LoopStatement, VectorLoop> _vectors = new(ReferenceComparer<LoopStatement>.Instance);
    private bool _finished;

    public TapePlanner(IrProgram program, LoopStructure loops, NameScope names, KernelPlan kernels)
    {
        _program = program;
        _loops = loops;
        _names = names;
        _kernels = kernels;
    }

    /// <summary>The values <paramref name="loop"/> saves each iteration, once its reversed iteration is restored.</summary>
    public IReadOnlyList<int> SavedIn(LoopStatement loop) => _saved[loop];

    /// <summary>Gates a loop's reversed iterations by a ReLU: its names, and the tape of the live iterations' counters.</summary>
    public IterationGate Gate(LoopStatement loop, (int Value, Operand Zero) relu)
    {
        RequireOpen();
        var gate = new IterationGate(
            relu.Value,
            relu.Zero,
            Open: _names.Claim("on"),
            RecordStart: _names.Claim("recordStart"),
            Remaining: _names.Claim("remaining"),
            CounterTape: TapeFor(_program.Variables[loop.RequireCounter("a gated loop").Counter].Type));
        _gates[loop] = gate;
        return gate;
    }

    /// <summary>Runs a loop a vector of iterations at a time: it saves every iteration's values, in order, ungated.</summary>
    public void Vectorize(LoopStatement loop, VectorLoop vector)
    {
        RequireOpen();
        _vectors[loop] = vector;
    }

    /// <summary>
    /// Sizes the tapes' reservations and places the small constant ones on the stack, unless the gradient calls
    /// another: a recursive method's every level would keep its stack tape (found from outside: 8 KB a frame
    /// overflowed a 1 MB stack at depth 130, where the pooled tape reached 2,000). A gradient that calls none is a leaf.
    /// </summary>
    public TapePlan Finish()
    {
        RequireOpen();
        _finished = true;
        var reservations = TapeReservations.Plan(
            _program,
            _tapes.Values.Select(t => t.Name),
            _kernels.Dots.ContainsKey,
            _saved,
            _gates,
            v => _tapes[_program.Variables[v].Type.Name].Name);
        var tapes = IrQueries.Flatten(_program.Body).Any(a => a.Operation is DifferentiableCall or TangentCall)
            ? _tapes.Values.ToEquatableArray()
            : OnTheStack(_tapes.Values, reservations.ConstantSizes(_tapes.Values));
        return new TapePlan(tapes, _saved, _gates, _vectors, reservations);
    }

    private static EquatableArray<TapeSpec> OnTheStack(IEnumerable<TapeSpec> tapes, Dictionary<string, int> sizes) =>
        tapes.Select(t => sizes.TryGetValue(t.Name, out var size) ? t with { StackCapacity = size } : t).ToEquatableArray();

    // The plan is read by the forward sweep once finished: a tape or a save added later would not be recorded.
    private void RequireOpen()
    {
        if (_finished)
        {
            throw new System.InvalidOperationException("the tape plan is finished");
        }
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

    /// <summary>
    /// What the reversed iteration reads of values the loop overwrites: recompute the cheap ones,
    /// restore the others from the tape (the forward iteration pushes them at its end).
    /// </summary>
    public List<SweepStatement> Restore(LoopStatement loop, IEnumerable<SweepStatement> reversed)
    {
        RequireOpen();
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
                throw new ArrayNeededAgainException("the array '" + _program.Variables[variable].Name + "' is read under a condition inside a loop and its gradient needs it again;"
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
        var restored = new List<SweepStatement>();
        for (var i = saved.Count - 1; i >= 0; i--)
        {
            restored.Add(new TapePop(saved[i]));
        }

        restored.AddRange(recomputed.OrderBy(_loops.Order).Select(d => new PrimalStatement(d, Declare: false)));
        return restored;
    }

    private bool IsWritten(int array) => IrQueries.Walk(_program.Body).OfType<ElementWriteStatement>().Any(w => w.Array == array);

    // A value is recomputed rather than taped when it is integer arithmetic or a read of a
    // (read-only) parameter, computed on every iteration.
    private AssignStatement? Recomputable(int variable, LoopStatement loop)
    {
        var definitions = _loops.Definitions(variable);
        if (definitions.Count == 1 && definitions[0].Operation is ArrayAllocation { Length: var size } && !IsWritten(variable)
            && (size is LiteralOperand || (size is VariableOperand { Id: var sizeId } && !IrQueries.AssignedIn(loop).Contains(sizeId))))
        {
            // An array of zeros of a length fixed for the loop: allocated again, whether or not this iteration made it.
            return definitions[0];
        }

        if (definitions.Count != 1 || !_loops.RunsEveryIteration(definitions[0], loop))
        {
            return null;
        }

        var definition = definitions[0];
        var cheap = definition.Operation switch
        {
            ElementRead read => _program.Variables[read.Array].Origin == VariableOrigin.Parameter,
            ModelElementRead => true, // a member of a model: read-only for the whole call
            RowRead => true, // a row of a [NoDerivative] jagged parameter: read-only for the whole call too
            ArrayAllocation => !IsWritten(variable), // zeros, allocated again
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
}

/// <summary>
/// The reverse sweep's one known limit: an array it needs again in a reversed iteration, which no tape can hold. Its own
/// type, so that forward mode, an extra beside the gradient, can turn it into methods that throw saying so.
/// </summary>
internal sealed class ArrayNeededAgainException(string message) : System.InvalidOperationException(message);
