using System;
using System.Collections.Generic;
using System.Linq;
using DiffGen.Generator.Analysis;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Differentiation;

/// <summary>
/// Sizes the tapes of each outermost loop nest whose trip counts are all known before it starts
/// (counted loops whose bounds the nest does not assign): the nest's records fit in
/// Σ trips × (values per iteration), reserved once before it. Saves inside then need no capacity
/// check, so the hot loops contain no call (a call makes the JIT keep values in memory across it).
/// A ReLU-gated loop nests no other loop, so it is always in a reserved nest, if only its own:
/// its records (written into <c>Tape.Storage</c> without a check) rely on the room.
/// </summary>
internal sealed class TapeReservations
{
    private readonly Func<LoopStatement, bool> _isVectorized;
    private readonly IReadOnlyDictionary<LoopStatement, List<int>> _saved;
    private readonly IReadOnlyDictionary<LoopStatement, IterationGate> _gates;
    private readonly Func<int, string> _tapeOf;
    private readonly IrProgram _program;

    private TapeReservations(
        IrProgram program,
        Func<LoopStatement, bool> isVectorized,
        IReadOnlyDictionary<LoopStatement, List<int>> saved,
        IReadOnlyDictionary<LoopStatement, IterationGate> gates,
        Func<int, string> tapeOf)
    {
        _isVectorized = isVectorized;
        _saved = saved;
        _gates = gates;
        _tapeOf = tapeOf;
        _program = program;
    }

    /// <summary>The reservations before each nest's outermost loop.</summary>
    public Dictionary<LoopStatement, List<TapeReservation>> Before { get; } = new(ReferenceComparer<LoopStatement>.Instance);

    /// <summary>Every loop inside a reserved nest.</summary>
    public HashSet<LoopStatement> Reserved { get; } = new(ReferenceComparer<LoopStatement>.Instance);

    public static TapeReservations Plan(
        IrProgram program,
        IEnumerable<string> tapes,
        Func<LoopStatement, bool> isVectorized,
        IReadOnlyDictionary<LoopStatement, List<int>> saved,
        IReadOnlyDictionary<LoopStatement, IterationGate> gates,
        Func<int, string> tapeOf)
    {
        var plan = new TapeReservations(program, isVectorized, saved, gates, tapeOf);
        plan.Visit(program.Body, tapes.ToList(), insideLoop: false);
        return plan;
    }

    /// <summary>The most bytes the tapes of one gradient call may take on the stack, all together.</summary>
    public const int StackBytes = 8 * 1024;

    /// <summary>
    /// The tapes whose whole size is a constant, with that size: every loop that records on the tape is in a reserved
    /// nest, no such nest runs inside another loop (each runs once at most), and each reserves a constant number of
    /// values (literal bounds). Such a tape, when small (<see cref="StackBytes"/> for all of them), lives on the stack:
    /// no pool to rent from, no room to reserve, nothing to return in finally (XOR's gradient: 6% of its time); the
    /// builder keeps it pooled in a gradient that calls another, which could recurse.
    /// </summary>
    public Dictionary<string, int> ConstantSizes(IEnumerable<TapeSpec> tapes)
    {
        var sizes = new Dictionary<string, int>();
        var bytes = 0;
        foreach (var tape in tapes)
        {
            var recording = _saved.Where(s => s.Value.Any(v => _tapeOf(v) == tape.Name)).Select(s => s.Key)
                .Concat(_gates.Where(g => g.Value.CounterTape == tape.Name).Select(g => g.Key));
            if (!recording.All(Reserved.Contains))
            {
                continue;
            }

            long total = 0;
            foreach (var nest in Before)
            {
                foreach (var reservation in nest.Value.Where(r => r.Tape == tape.Name))
                {
                    total = _rootsInsideLoops.Contains(nest.Key) || Constant(reservation.Values) is not { } count || total == long.MaxValue ? long.MaxValue : total + count;
                }

                if (total == long.MaxValue)
                {
                    break;
                }
            }

            var size = total * ElementBytes(tape.Type); // at most long.MaxValue / 8 unless unknown
            if (total > 0 && total != long.MaxValue && bytes + size <= StackBytes)
            {
                sizes.Add(tape.Name, (int)total);
                bytes += (int)size;
            }
        }

        return sizes;
    }

    private static int ElementBytes(TypeRef type) => type.Name switch
    {
        "bool" or "byte" or "sbyte" => 1,
        "short" or "ushort" => 2,
        "int" or "uint" or "float" => 4,
        _ => 8,
    };

    // A space whose trip counts are all of literal bounds, as a number; null otherwise, or when it is more than a
    // stack could hold (so no product or sum of them overflows).
    private static long? Constant(TapeSpace space)
    {
        const long TooMany = StackBytes;
        static long? Small(long value) => value <= TooMany ? value : null;
        switch (space)
        {
            case SpaceConstant constant:
                return Small(constant.Count);
            case SpaceSum sum:
                long total = 0;
                foreach (var term in sum.Terms)
                {
                    if (Constant(term) is not { } value)
                    {
                        return null;
                    }

                    if (Small(total + value) is not { } added)
                    {
                        return null;
                    }

                    total = added;
                }

                return total;
            case SpacePerTrip perTrip when Trips(perTrip.Counter) is { } trips && Constant(perTrip.PerIteration) is { } each:
                return each == 0 ? 0 : trips > TooMany ? null : Small(trips * each);
            default:
                return null;
        }
    }

    // A counted loop's trip count when its start and bound are integer literals.
    private static long? Trips(CounterSpec counter)
    {
        if (Literals.IntegerValue(counter.Start) is not { } start || Literals.IntegerValue(counter.Bound) is not { } bound)
        {
            return null;
        }

        // Literals at the ends of long's range would overflow the arithmetic: no constant then.
        if (Math.Abs((decimal)start) > int.MaxValue || Math.Abs((decimal)bound) > int.MaxValue)
        {
            return null;
        }

        long End((Operand Value, bool PlusOne) end) => Literals.IntegerValue(end.Value)!.Value + (end.PlusOne ? 1 : 0);
        var (low, high) = counter.Range;
        return Math.Max(0, End(high) - End(low));
    }

    private readonly HashSet<LoopStatement> _rootsInsideLoops = new(ReferenceComparer<LoopStatement>.Instance);

    private void Visit(IEnumerable<IrStatement> block, List<string> tapes, bool insideLoop)
    {
        foreach (var statement in block)
        {
            switch (statement)
            {
                case IfStatement branch:
                    Visit(branch.Then, tapes, insideLoop);
                    Visit(branch.Else, tapes, insideLoop);
                    break;
                case LoopStatement loop when !_isVectorized(loop):
                    if (!HasKnownTrips(loop))
                    {
                        Visit(loop.Body, tapes, insideLoop: true);
                        break;
                    }

                    var reservations = tapes
                        .Select(tape => new TapeReservation(tape, Space(loop, tape)))
                        .Where(r => r.Values is not SpaceConstant { Count: 0 })
                        .ToList();
                    if (reservations.Count > 0)
                    {
                        Before[loop] = reservations;
                        Reserved.UnionWith(Nest(loop));
                        if (insideLoop)
                        {
                            _rootsInsideLoops.Add(loop);
                        }
                    }

                    break;
            }
        }
    }

    private IEnumerable<LoopStatement> Nest(LoopStatement root) =>
        IrQueries.Walk(new IrStatement[] { root }).OfType<LoopStatement>().Where(l => !_isVectorized(l));

    // Every loop of the nest is counted, and the inner ones run from a start to a bound that the
    // nest does not assign (the root's own are read before it starts, and its bound never changes).
    private bool HasKnownTrips(LoopStatement root)
    {
        var nest = Nest(root).ToList();
        // Trip counts are computed in long: a ulong counter's are not (and never need room reserved).
        if (nest.Any(l => l.Control is not CountedLoop { Counter: var counter } || _program.Variables[counter.Counter].Type.Name is "ulong" or "nuint"))
        {
            return false;
        }

        var assigned = IrQueries.AssignedIn(root);
        bool Known(Operand operand) => operand is not VariableOperand { Id: var id } || !assigned.Contains(id);
        return nest.Where(l => !ReferenceEquals(l, root)).Select(l => l.RequireCounter("a loop of a reserved nest")).All(c => Known(c.Start) && Known(c.Bound));
    }

    // What one run of the loop records on the tape: per iteration its own saves (and a gated loop's
    // counter) and its inner loops' records; then a gated loop's count of recorded iterations.
    private TapeSpace Space(LoopStatement loop, string tape)
    {
        _gates.TryGetValue(loop, out var gate);
        var own = (_saved.TryGetValue(loop, out var saved) ? saved.Count(v => _tapeOf(v) == tape) : 0)
            + (gate?.CounterTape == tape ? 1 : 0);
        var perIteration = Sum(new TapeSpace[] { new SpaceConstant(own) }.Concat(InnerLoops(loop.Body).Select(inner => Space(inner, tape))));
        var run = perIteration is SpaceConstant { Count: 0 } ? perIteration : new SpacePerTrip(loop.RequireCounter("a loop of a reserved nest"), perIteration);
        return gate?.CounterTape == tape ? Sum(new[] { run, new SpaceConstant(1) }) : run;
    }

    // The loops directly inside a block (through branches, not through other loops).
    private IEnumerable<LoopStatement> InnerLoops(IEnumerable<IrStatement> block)
    {
        foreach (var statement in block)
        {
            switch (statement)
            {
                case LoopStatement loop when !_isVectorized(loop):
                    yield return loop;
                    break;
                case IfStatement branch:
                    foreach (var inner in InnerLoops(branch.Then).Concat(InnerLoops(branch.Else)))
                    {
                        yield return inner;
                    }

                    break;
            }
        }
    }

    // Constants added up and zeros dropped.
    private static TapeSpace Sum(IEnumerable<TapeSpace> terms)
    {
        var constant = 0;
        var rest = new List<TapeSpace>();
        foreach (var term in terms.SelectMany(t => t is SpaceSum sum ? sum.Terms : (IEnumerable<TapeSpace>)new[] { t }))
        {
            if (term is SpaceConstant c)
            {
                constant += c.Count;
            }
            else
            {
                rest.Add(term);
            }
        }

        if (constant > 0)
        {
            rest.Add(new SpaceConstant(constant));
        }

        return rest.Count switch
        {
            0 => new SpaceConstant(0),
            1 => rest[0],
            _ => new SpaceSum(rest.ToEquatableArray()),
        };
    }
}
