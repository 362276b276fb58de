using System.Collections.Generic;
using System.Linq;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Analysis;

/// <summary>
/// Which variables the gradient method needs at all: the result, the branch conditions, and what
/// they are computed from. Other assignments are dead code and are not emitted (they would also be
/// unused-variable warnings in generated code).
/// </summary>
internal static class Liveness
{
    public static bool[] Run(IrProgram program)
    {
        var live = new bool[program.Variables.Count];
        var work = new Stack<int>();
        void Mark(Operand operand)
        {
            if (operand is VariableOperand v && !live[v.Id])
            {
                live[v.Id] = true;
                work.Push(v.Id);
            }
        }

        Mark(new VariableOperand(program.Result));
        foreach (var condition in Conditions(program.Body))
        {
            Mark(condition);
        }

        var definitions = ActivityAnalysis.Flatten(program.Body).ToLookup(a => a.Target);
        while (work.Count > 0)
        {
            foreach (var assignment in definitions[work.Pop()])
            {
                foreach (var operand in ActivityAnalysis.Operands(assignment.Operation))
                {
                    Mark(operand);
                }
            }
        }

        return live;
    }

    private static IEnumerable<Operand> Conditions(IEnumerable<IrStatement> statements)
    {
        foreach (var branch in statements.OfType<IfStatement>())
        {
            yield return branch.Condition;
            foreach (var inner in Conditions(branch.Then).Concat(Conditions(branch.Else)))
            {
                yield return inner;
            }
        }
    }
}
