using System.Collections.Generic;
using System.Linq;
using DiffGen.Generator.Analysis;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Differentiation;

/// <summary>
/// Moves computations that do not change while a loop runs (<c>i * d</c> inside the loop over
/// <c>k</c>) in front of the loop, innermost loops first so that a value can leave several loops.
/// Only operations that cannot throw move, so a loop that runs zero times behaves as written. Fewer
/// operations in the loop also means fewer values for the reverse sweep to recompute.
/// </summary>
internal static class LoopInvariantCodeMotion
{
    public static IrProgram Run(IrProgram program)
    {
        var assignmentCounts = IrQueries.DefinitionCounts(program.Body);
        return program with { Body = Block(program.Body, assignmentCounts, program.Variables) };
    }

    private static EquatableArray<IrStatement> Block(EquatableArray<IrStatement> block, Dictionary<int, int> counts, EquatableArray<IrVariable> variables)
    {
        var result = new List<IrStatement>();
        foreach (var statement in block)
        {
            switch (statement)
            {
                case IfStatement branch:
                    result.Add(branch with { Then = Block(branch.Then, counts, variables), Else = Block(branch.Else, counts, variables) });
                    break;
                case LoopStatement loop:
                    var inner = loop with { Body = Block(loop.Body, counts, variables) };
                    var (hoisted, remaining) = Hoist(inner, counts, variables);
                    result.AddRange(hoisted);
                    result.Add(inner with { Body = remaining });
                    break;
                case AssignStatement or ElementWriteStatement or SourceComment:
                    result.Add(statement);
                    break;
                default:
                    throw new System.InvalidOperationException("unknown statement: " + statement.GetType().Name);
            }
        }

        return result.ToEquatableArray();
    }

    private static (List<IrStatement> Hoisted, EquatableArray<IrStatement> Remaining) Hoist(
        LoopStatement loop, Dictionary<int, int> counts, EquatableArray<IrVariable> variables)
    {
        // Everything the loop assigns, at any depth, changes while it runs.
        var varying = IrQueries.AssignedIn(loop);

        var hoisted = new List<IrStatement>();
        var remaining = new List<IrStatement>();
        foreach (var statement in loop.Body)
        {
            if (statement is AssignStatement assignment
                && counts.TryGetValue(assignment.Target, out var count) && count == 1
                && CannotThrow(assignment.Operation, variables)
                && IrQueries.Operands(assignment.Operation).All(o => o is not VariableOperand v || !varying.Contains(v.Id)))
            {
                hoisted.Add(assignment);
                varying.Remove(assignment.Target);
                continue;
            }

            remaining.Add(statement);
        }

        return (hoisted, remaining.ToEquatableArray());
    }

    private static bool CannotThrow(Operation operation, EquatableArray<IrVariable> variables) => operation switch
    {
        BinaryOperation { Checked: true } or UnaryOperation { Checked: true } or ConversionOperation { Checked: true } => false,
        BinaryOperation { Operator: BinaryOperator.Divide or BinaryOperator.Remainder } b =>
            b.Left is VariableOperand l ? variables[l.Id].Type.IsFloating : b.Right is VariableOperand r && variables[r.Id].Type.IsFloating,
        BinaryOperation or UnaryOperation or ConversionOperation or CopyOperation => true,
        _ => false,
    };
}
