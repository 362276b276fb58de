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
    /// <param name="program">The lowered method.</param>
    /// <param name="computedElsewhere">
    /// Loops whose bodies the gradient does not run, with the operands what runs instead reads: the dot loops of a
    /// matrix-product nest, whose sums a block's matrix product computes from the arrays, strides and bases. The slice
    /// offsets their bodies read (<c>i * d</c>) are then dead, unless something else reads them.
    /// </param>
    public static bool[] Run(IrProgram program, IReadOnlyDictionary<LoopStatement, Operand[]>? computedElsewhere = null)
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

        foreach (var statement in IrQueries.Walk(program.Body))
        {
            switch (statement)
            {
                case IfStatement branch:
                    Mark(branch.Condition);
                    break;
                case LoopStatement { Control: CountedLoop { Counter: var counter } }:
                    Mark(counter.Start);
                    Mark(counter.Bound);
                    break;
                case LoopStatement { Control: ConditionalLoop conditional }:
                    Mark(new VariableOperand(conditional.Continue));
                    break;
                case LoopStatement loop:
                    throw new System.InvalidOperationException("unknown loop control: " + loop.Control);
            }
        }

        var body = program.Body.AsEnumerable();
        if (computedElsewhere is { Count: > 0 })
        {
            foreach (var operand in computedElsewhere.Values.SelectMany(o => o))
            {
                Mark(operand);
            }

            body = WithoutBodies(body, computedElsewhere);
        }

        var definitions = IrQueries.Edges(body).ToLookup(e => e.Target);

        // A tangent call computes its value and its tangent together: a live tangent keeps the call, and so its value's variable.
        var valueOfTangent = IrQueries.Flatten(body).Where(a => a.Operation is TangentCall).ToDictionary(a => ((TangentCall)a.Operation).Tangent, a => a.Target);
        while (work.Count > 0)
        {
            var variable = work.Pop();
            if (valueOfTangent.TryGetValue(variable, out var value))
            {
                Mark(new VariableOperand(value));
            }

            foreach (var edge in definitions[variable])
            {
                foreach (var operand in edge.All)
                {
                    Mark(operand);
                }
            }
        }

        return live;
    }

    // The block with the given loops' bodies emptied (their counters stay: the loops still run, as reads of the products).
    private static IEnumerable<IrStatement> WithoutBodies(IEnumerable<IrStatement> block, IReadOnlyDictionary<LoopStatement, Operand[]> emptied) =>
        block.Select(statement => statement switch
        {
            LoopStatement loop when emptied.ContainsKey(loop) => loop with { Body = EquatableArray<IrStatement>.Empty },
            LoopStatement loop => loop with { Body = WithoutBodies(loop.Body, emptied).ToEquatableArray() },
            IfStatement branch => branch with
            {
                Then = WithoutBodies(branch.Then, emptied).ToEquatableArray(),
                Else = WithoutBodies(branch.Else, emptied).ToEquatableArray(),
            },
            AssignStatement or ElementWriteStatement or SourceComment => statement,
            _ => throw new System.InvalidOperationException("unknown statement: " + statement.GetType().Name),
        });
}
