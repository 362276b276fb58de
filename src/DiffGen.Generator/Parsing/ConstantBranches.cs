using System.Collections.Generic;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Parsing;

/// <summary>
/// Replaces a branch whose condition is a literal (a <c>while (true)</c> loop's test, a comparison of constants) by the
/// arm it selects, as the last step of lowering, so that every mode sees only code that can run. When the reverse sweep
/// alone folded them, a primal only the other arm assigned was still declared in the graph file, and forward mode still
/// thought a value varied through an arm that never runs, declaring its tangent and assigning it only constants: CS0219
/// in the generated file, an error under warnings-as-errors (random program seeds 000g4DDu8_n2, bordqbPpXf32,
/// 000gJMC6olP1 and c4d2BLvaUXR1).
/// </summary>
internal static class ConstantBranches
{
    public static IrProgram Fold(IrProgram program) => program with { Body = Block(program.Body) };

    private static EquatableArray<IrStatement> Block(EquatableArray<IrStatement> block)
    {
        var result = new List<IrStatement>();
        foreach (var statement in block)
        {
            switch (statement)
            {
                case IfStatement { Condition: LiteralOperand { Text: "true" } } branch:
                    result.AddRange(Block(branch.Then));
                    break;
                case IfStatement { Condition: LiteralOperand { Text: "false" } } branch:
                    result.AddRange(Block(branch.Else));
                    break;
                case IfStatement branch:
                    result.Add(branch with { Then = Block(branch.Then), Else = Block(branch.Else) });
                    break;
                case LoopStatement loop:
                    result.Add(loop with { Body = Block(loop.Body) });
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
}
