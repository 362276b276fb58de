using System.Collections.Generic;
using System.Linq;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Differentiation;

internal static class VectorKernels
{
    public static DotKernel? MatchDot(LoopStatement loop, EquatableArray<IrVariable> variables)
    {
        // Spans slice with int: a long or unsigned counter keeps the scalar loop.
        if (loop.Control is not CountedLoop { Counter: { CountsUp: true } counter }
            || variables[counter.Counter].Type != TypeRef.Int
            || loop.Latch.Count != 1
            || loop.Latch[0].Operation is not CopyOperation { Value: VariableOperand { Id: var next } })
        {
            return null;
        }

        var accumulator = loop.Latch[0].Target;
        var assignments = new Dictionary<int, Operation>();
        foreach (var statement in loop.Body)
        {
            switch (statement)
            {
                case SourceComment:
                    continue;
                case AssignStatement a:
                    assignments[a.Target] = a.Operation;
                    break;
                default:
                    return null;
            }
        }

        Operation? Def(Operand operand) => operand is VariableOperand v && assignments.TryGetValue(v.Id, out var op) ? op : null;

        if (!assignments.TryGetValue(next, out var update)
            || update is not BinaryOperation { Operator: BinaryOperator.Add } sum)
        {
            return null;
        }

        var product = sum.Left is VariableOperand l && l.Id == accumulator ? sum.Right
            : sum.Right is VariableOperand r && r.Id == accumulator ? sum.Left
            : null;
        if (product is null || Def(product) is not BinaryOperation { Operator: BinaryOperator.Multiply } multiply
            || Def(multiply.Left) is not ElementRead readA
            || Def(multiply.Right) is not ElementRead readB
            || !TryIndex(readA.Index, counter.Counter, Def, out var offsetA, out var indexA)
            || !TryIndex(readB.Index, counter.Counter, Def, out var offsetB, out var indexB))
        {
            return null;
        }

        // Nothing else in the body: the reads, their indices, the product and the sum.
        var used = new HashSet<int> { next, ((VariableOperand)product).Id, ((VariableOperand)multiply.Left).Id, ((VariableOperand)multiply.Right).Id };
        if (indexA is not null)
        {
            used.Add(indexA.Value);
        }

        if (indexB is not null)
        {
            used.Add(indexB.Value);
        }

        // Parameters only: the reverse reads the arrays themselves, and parameters are never overwritten.
        var type = variables[accumulator].Type;
        return used.SetEquals(assignments.Keys) && type.IsFloating
               && variables[readA.Array].Origin == VariableOrigin.Parameter && variables[readB.Array].Origin == VariableOrigin.Parameter
               && variables[readA.Array].Type == type && variables[readB.Array].Type == type
            ? new DotKernel(accumulator, readA.Array, offsetA, readB.Array, offsetB, counter, type)
            : null;
    }

    // An index that is the counter, or the counter plus a value computed outside the loop.
    private static bool TryIndex(Operand index, int counter, System.Func<Operand, Operation?> def, out Operand? offset, out int? indexVariable)
    {
        offset = null;
        indexVariable = null;
        if (index is VariableOperand { Id: var id } && id == counter)
        {
            return true;
        }

        if (index is not VariableOperand { Id: var computed } || def(index) is not BinaryOperation { Operator: BinaryOperator.Add } add)
        {
            return false;
        }

        indexVariable = computed;
        var isCounter = (Operand o) => o is VariableOperand { Id: var c } && c == counter;
        offset = isCounter(add.Right) ? add.Left : isCounter(add.Left) ? add.Right : null;
        return offset is not null && def(offset) is null;
    }
}
