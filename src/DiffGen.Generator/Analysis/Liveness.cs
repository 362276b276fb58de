using System.Collections.Generic;
using System.Linq;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Analysis;

/// <summary>
/// Which variables the gradient method needs at all: the result (and output parameters), the branch conditions, and what
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
        foreach (var output in program.Outputs)
        {
            Mark(new VariableOperand(output)); // the gradient writes a vector-valued method's outputs as the method does
        }

        foreach (var statement in ActivityAnalysis.Walk(program.Body))
        {
            switch (statement)
            {
                case IfStatement branch:
                    Mark(branch.Condition);
                    break;
                case LoopStatement loop:
                    if (loop.Counter is { } counter)
                    {
                        Mark(counter.Start);
                        Mark(counter.Bound);
                    }
                    else
                    {
                        Mark(new VariableOperand(loop.Continue));
                    }

                    break;
            }
        }

        var definitions = ActivityAnalysis.Edges(program.Body).ToLookup(e => e.Target);
        while (work.Count > 0)
        {
            foreach (var edge in definitions[work.Pop()])
            {
                foreach (var operand in edge.All)
                {
                    Mark(operand);
                }
            }
        }

        return live;
    }
}
