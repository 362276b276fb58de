using System.Collections.Generic;
using System.Linq;
using DiffGen.Generator.Analysis;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Differentiation;

/// <summary>
/// The accumulators of each loop: loop-carried variables updated only as <c>s = s ± t</c>, on every iteration,
/// and read nowhere else in the loop. Such an accumulator passes its adjoint through every iteration unchanged,
/// so its next value shares its adjoint and its latch needs no reverse. A function of the IR and activity,
/// found once for every loop before the reverse sweep.
/// </summary>
internal sealed class Accumulators
{
    private readonly Dictionary<LoopStatement, List<(int Carried, AssignStatement Update)>> _byLoop = new(ReferenceComparer<LoopStatement>.Instance);
    private readonly Dictionary<AssignStatement, int> _carriedBy = new(ReferenceComparer<AssignStatement>.Instance);

    public Accumulators(IrProgram program, LoopStructure loops, ActivityAnalysis activity)
    {
        foreach (var loop in IrQueries.Walk(program.Body).OfType<LoopStatement>())
        {
            var found = Find(loop, loops, activity);
            _byLoop[loop] = found;
            foreach (var (carried, update) in found)
            {
                _carriedBy[update] = carried;
            }
        }
    }

    /// <summary>The accumulators of <paramref name="loop"/>, each with the update that runs on every iteration.</summary>
    public IReadOnlyList<(int Carried, AssignStatement Update)> Of(LoopStatement loop) => _byLoop[loop];

    /// <summary>Whether the assignment is an accumulator's update, and of which accumulator.</summary>
    public bool TryGetCarried(AssignStatement update, out int carried) => _carriedBy.TryGetValue(update, out carried);

    private static List<(int Carried, AssignStatement Update)> Find(LoopStatement loop, LoopStructure loops, ActivityAnalysis activity)
    {
        var result = new List<(int, AssignStatement)>();
        var uses = IrQueries.Walk(loop.Body).SelectMany(IrQueries.OperandsOf).OfType<VariableOperand>().GroupBy(v => v.Id).ToDictionary(g => g.Key, g => g.Count());
        foreach (var latch in loop.Latch)
        {
            if (latch.Operation is not CopyOperation { Value: VariableOperand { Id: var next } }
                || !activity.IsActive(latch.Target)
                || loop.Control is ConditionalLoop { ExitVariables: var exits } && exits.Contains(latch.Target)
                || loops.Definitions(next).Count != 1)
            {
                continue;
            }

            var update = loops.Definitions(next)[0];
            if (loops.RunsEveryIteration(update, loop)
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
}
