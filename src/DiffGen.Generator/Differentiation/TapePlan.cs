using System.Collections.Generic;
using System.Linq;
using DiffGen.Generator.Analysis;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Differentiation;

/// <summary>
/// What the forward sweep records for the reverse sweep, finished once the reverse sweep is built
/// (<see cref="TapePlanner.Finish"/>): the tapes, what each loop saves per iteration, the ReLU-gated
/// loops, the vectorized loops, and the room reserved before each reserved loop nest. Read-only.
/// </summary>
internal sealed class TapePlan
{
    private readonly Dictionary<LoopStatement, EquatableArray<int>> _saved;
    private readonly Dictionary<LoopStatement, IterationGate> _gates;
    private readonly Dictionary<LoopStatement, VectorLoop> _vectors;
    private readonly TapeReservations _reservations;

    public TapePlan(
        EquatableArray<TapeSpec> tapes,
        IReadOnlyDictionary<LoopStatement, List<int>> saved,
        IReadOnlyDictionary<LoopStatement, IterationGate> gates,
        IReadOnlyDictionary<LoopStatement, VectorLoop> vectors,
        TapeReservations reservations)
    {
        Tapes = tapes;
        _saved = saved.ToDictionary(s => s.Key, s => s.Value.ToEquatableArray(), ReferenceComparer<LoopStatement>.Instance);
        _gates = gates.ToDictionary(g => g.Key, g => g.Value, ReferenceComparer<LoopStatement>.Instance);
        _vectors = vectors.ToDictionary(v => v.Key, v => v.Value, ReferenceComparer<LoopStatement>.Instance);
        _reservations = reservations;
    }

    /// <summary>The tapes, each with its stack capacity when it lives on the stack.</summary>
    public EquatableArray<TapeSpec> Tapes { get; }

    /// <summary>The values a loop pushes at the end of each iteration.</summary>
    public EquatableArray<int> SavedBy(LoopStatement loop) =>
        _saved.TryGetValue(loop, out var saved) ? saved : EquatableArray<int>.Empty;

    /// <summary>The ReLU gating a loop's reversed iterations, if any.</summary>
    public IterationGate? GateOf(LoopStatement loop) =>
        _gates.TryGetValue(loop, out var gate) ? gate : null;

    /// <summary>How a loop runs a vector of iterations at a time, if it does.</summary>
    public VectorLoop? VectorOf(LoopStatement loop) =>
        _vectors.TryGetValue(loop, out var vector) ? vector : null;

    /// <summary>The room reserved on the tapes before a loop nest.</summary>
    public EquatableArray<TapeReservation> ReservationsBefore(LoopStatement loop) =>
        _reservations.Before.TryGetValue(loop, out var reservations) ? reservations.ToEquatableArray() : EquatableArray<TapeReservation>.Empty;

    /// <summary>Whether a loop is inside a reserved nest, so its saves need no capacity check.</summary>
    public bool IsReserved(LoopStatement loop) => _reservations.Reserved.Contains(loop);
}
