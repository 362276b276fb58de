using System;
using System.Collections.Generic;
using System.Linq;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Emission;

/// <summary>
/// How generated code reaches its tapes at each point: through the tapes' own fields, or, inside a loop nest,
/// through two locals per tape (its storage as a span and its count), read before the nest and set back after it.
/// The tapes live into the method's <c>finally</c>, so the JIT keeps their fields in memory and writes the count back
/// at every push or pop; the locals stay in registers. Only saves into reserved room, and pops, go through locals:
/// a save that may grow the tape (<c>Push</c>) would move the storage under them. A tape of a constant size
/// (<see cref="TapeSpec.StackCapacity"/>) is a <c>stackalloc</c> span and a count for the whole method: always in locals.
/// </summary>
internal sealed class TapeCursors
{
    private readonly Dictionary<string, TapeSpec> _tapes;

    // The tapes whose storage and count are in locals where the writer is.
    private readonly HashSet<string> _open = new();

    public TapeCursors(IEnumerable<TapeSpec> tapes)
    {
        _tapes = tapes.ToDictionary(t => t.Name);

        // A tape on the stack is a span and a count from the start: its locals are always open.
        foreach (var tape in _tapes.Values.Where(t => t.StackCapacity is not null))
        {
            _tapes[tape.Name] = tape with { Storage = tape.Name };
            _open.Add(tape.Name);
        }
    }

    /// <summary>Declares the tapes on the stack: a span of their constant size and a count.</summary>
    public void DeclareStackTapes(IndentedWriter writer)
    {
        foreach (var tape in _tapes.Values.Where(t => t.StackCapacity is not null))
        {
            writer.Line("// the tape of " + tape.Type.Name + " values: " + tape.StackCapacity + " at most, a number known now, so on the stack");
            writer.Line("global::System.Span<" + tape.Type.Name + "> " + tape.Name + " = stackalloc " + tape.Type.Name + "[" + tape.StackCapacity + "];");
            writer.Line("int " + tape.Top + " = 0;");
        }
    }

    /// <summary>Whether the tape is a span on the stack: it needs no room reserved and nothing returned.</summary>
    public bool OnStack(string tape) => _tapes[tape].StackCapacity is not null;

    /// <summary>
    /// Opens a block in which the given tapes are reached through their locals, read here and set back by
    /// <see cref="Close"/>. Tapes already in locals stay in the enclosing block's; returns the tapes opened here
    /// (none: no block).
    /// </summary>
    public List<TapeSpec> Open(IndentedWriter writer, IEnumerable<string> tapes)
    {
        var opened = tapes.Distinct().Where(t => !_open.Contains(t)).Select(t => _tapes[t]).ToList();
        if (opened.Count > 0)
        {
            writer.Open("// the tapes' storage and counts in locals while this loop runs: in registers (the tapes themselves live into finally, so in memory)");
            foreach (var tape in opened)
            {
                writer.Line("global::System.Span<" + tape.Type.Name + "> " + tape.Storage + " = " + tape.Name + ".Storage;");
                writer.Line("int " + tape.Top + " = " + tape.Name + ".Count;");
                _open.Add(tape.Name);
            }
        }

        return opened;
    }

    /// <summary>Sets each tape <see cref="Open"/> opened back to its local count, and closes the block.</summary>
    public void Close(IndentedWriter writer, List<TapeSpec> opened)
    {
        if (opened.Count == 0)
        {
            return;
        }

        foreach (var tape in opened)
        {
            writer.Line(tape.Name + ".SetCount(" + tape.Top + ");");
            _open.Remove(tape.Name);
        }

        writer.Close();
    }

    /// <summary>The tape's storage span and count locals where the writer is, or null when it is reached through its fields.</summary>
    public (string Storage, string Top)? Locals(string tape) =>
        _open.Contains(tape) ? (_tapes[tape].Storage, _tapes[tape].Top) : null;

    /// <summary>tape.Count, or its local count.</summary>
    public string Count(string tape) => _open.Contains(tape) ? _tapes[tape].Top : tape + ".Count";

    /// <summary>tape.Pop(), or through its locals: storage[--top].</summary>
    public string Pop(string tape) => _open.Contains(tape) ? _tapes[tape].Storage + "[--" + _tapes[tape].Top + "]" : tape + ".Pop()";

    /// <summary>A save into reserved room: tape.PushReserved(value), or through its locals (the value first when it reads the count).</summary>
    public string PushReserved(string tape, string value)
    {
        if (!_open.Contains(tape))
        {
            return tape + ".PushReserved(" + value + ");";
        }

        var (storage, top) = (_tapes[tape].Storage, _tapes[tape].Top);
        return value.Contains(top) ? storage + "[" + top + "] = " + value + "; " + top + "++;" : storage + "[" + top + "++] = " + value + ";";
    }

    /// <summary>A save with a capacity check: never through locals, whose storage would not grow with it.</summary>
    public string Push(string tape, string value) =>
        _open.Contains(tape)
            ? throw new InvalidOperationException("the tape " + tape + " grows inside a loop that holds its count in a local")
            : tape + ".Push(" + value + ");";

    /// <summary>A gated record: tape.PushIf(open, value), or through its locals, the value written and the count advanced by 0 or 1.</summary>
    public string PushIf(string tape, string open, string value) =>
        _open.Contains(tape)
            ? _tapes[tape].Storage + "[" + _tapes[tape].Top + "] = " + value + "; " + _tapes[tape].Top + " += " + open + " ? 1 : 0;"
            : tape + ".PushIf(" + open + ", " + value + ");";

    /// <summary>
    /// The tapes a reversed loop pops inside (its replayed counters' tapes included), or null when something in it
    /// uses a tape otherwise (a forward loop's saves): then it keeps the tapes' own fields.
    /// </summary>
    public static List<string>? PoppedTapes(Func<int, string> tapeOf, IEnumerable<SweepStatement> statements)
    {
        var tapes = new List<string>();
        foreach (var statement in statements)
        {
            var inner = statement switch
            {
                TapePop pop => new List<string> { tapeOf(pop.Variable) },
                ForwardLoop => null,
                SweepBranch branch => Both(PoppedTapes(tapeOf, branch.Then), PoppedTapes(tapeOf, branch.Else)),
                UnlessLastIteration latch => PoppedTapes(tapeOf, latch.Body),
                ReverseLoop { Gate: { } gate } loop => Both(PoppedTapes(tapeOf, loop.Iteration), new List<string> { gate.CounterTape }),
                ReverseLoop loop => PoppedTapes(tapeOf, loop.Iteration),
                SweepComment or PrimalStatement or ElementWrite or DeclareZero or ForwardDot or DeclareSlice or ReverseDot
                    or ForwardProductRead or ProductAdjoint or SeedStatement or SeedArrayAdjoint or AccumulateStatement or ResetAdjoint
                    or FlushRowAdjoint or TrackCapacity or ClearArrayAdjoint or DeclareArrayAdjoint or PullbackCall => new List<string>(),

                // Listed, not defaulted: a kind that used a tape through its fields would race the locals.
                _ => throw new InvalidOperationException("the sweep statement " + statement.GetType().Name + " is not classified"),
            };
            if (inner is null)
            {
                return null;
            }

            tapes.AddRange(inner);
        }

        return tapes;

        static List<string>? Both(List<string>? a, List<string>? b) => a is null || b is null ? null : a.Concat(b).ToList();
    }
}
