using System.Collections.Generic;
using System.Linq;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Analysis;

/// <summary>
/// Activity analysis: a variable is <em>varied</em> when it depends on a differentiable input and
/// <em>useful</em> when the result depends on it. Only variables that are both (active) get
/// adjoints; everything else is left out of the reverse sweep.
/// </summary>
internal sealed class ActivityAnalysis
{
    private readonly bool[] _varied;
    private readonly bool[] _useful;

    private ActivityAnalysis(bool[] varied, bool[] useful)
    {
        _varied = varied;
        _useful = useful;
    }

    public bool IsVaried(int variable) => _varied[variable];

    public bool IsActive(int variable) => _varied[variable] && _useful[variable];

    public bool IsActive(Operand operand) => operand is VariableOperand v && IsActive(v.Id);

    public bool IsVaried(Operand operand) => operand is VariableOperand v && IsVaried(v.Id);

    /// <param name="program">The lowered body.</param>
    /// <param name="independents">The differentiable parameters' variables.</param>
    public static ActivityAnalysis Run(IrProgram program, IEnumerable<int> independents)
    {
        var count = program.Variables.Count;
        var varied = new bool[count];
        var useful = new bool[count];
        foreach (var id in independents)
        {
            varied[id] = true;
        }

        var assignments = Flatten(program.Body).ToList();

        // Without loops the IR is acyclic, but merge variables have one assignment per branch, so
        // iterate to the fixed point rather than rely on a single ordered pass.
        bool changed;
        do
        {
            changed = false;
            foreach (var assignment in assignments)
            {
                if (!varied[assignment.Target]
                    && program.Variables[assignment.Target].Type.IsFloating
                    && DifferentiableOperands(assignment.Operation).Any(o => o is VariableOperand v && varied[v.Id]))
                {
                    varied[assignment.Target] = true;
                    changed = true;
                }
            }
        }
        while (changed);

        useful[program.Result] = true;
        do
        {
            changed = false;
            for (var i = assignments.Count - 1; i >= 0; i--)
            {
                var assignment = assignments[i];
                if (!useful[assignment.Target])
                {
                    continue;
                }

                foreach (var operand in Operands(assignment.Operation))
                {
                    if (operand is VariableOperand v && !useful[v.Id])
                    {
                        useful[v.Id] = true;
                        changed = true;
                    }
                }
            }
        }
        while (changed);

        return new ActivityAnalysis(varied, useful);
    }

    /// <summary>Every assignment, in program order, at any depth.</summary>
    public static IEnumerable<AssignStatement> Flatten(IEnumerable<IrStatement> statements)
    {
        foreach (var statement in statements)
        {
            switch (statement)
            {
                case AssignStatement assignment:
                    yield return assignment;
                    break;
                case IfStatement branch:
                    foreach (var inner in Flatten(branch.Then).Concat(Flatten(branch.Else)))
                    {
                        yield return inner;
                    }

                    break;
            }
        }
    }

    /// <summary>The operands whose derivatives can flow into the result of an operation.</summary>
    public static IEnumerable<Operand> Operands(Operation operation) => operation switch
    {
        CopyOperation c => new[] { c.Value },
        BinaryOperation b => new[] { b.Left, b.Right },
        UnaryOperation u => new[] { u.Value },
        ConversionOperation c => new[] { c.Value },
        IntrinsicCall i => i.Arguments,
        OpaqueCall o => o.Arguments,
        DifferentiableCall d => d.Arguments,
        ElementRead e => new Operand[] { new VariableOperand(e.Array), e.Index },
        LengthRead l => new Operand[] { new VariableOperand(l.Array) },
        _ => System.Array.Empty<Operand>(),
    };

    /// <summary>The operands a derivative flows back to: none through comparisons, counts or calls without a derivative.</summary>
    public static IEnumerable<Operand> DifferentiableOperands(Operation operation) => operation switch
    {
        BinaryOperation b when b.Operator is BinaryOperator.Add or BinaryOperator.Subtract or BinaryOperator.Multiply
            or BinaryOperator.Divide or BinaryOperator.Remainder => new[] { b.Left, b.Right },
        BinaryOperation => System.Array.Empty<Operand>(),
        UnaryOperation u => u.Operator == UnaryOperator.Negate ? new[] { u.Value } : System.Array.Empty<Operand>(),
        OpaqueCall or LengthRead => System.Array.Empty<Operand>(),
        DifferentiableCall d => d.Arguments.Where((_, i) => d.Callee.Parameters[i].Differentiable),
        ElementRead e => new Operand[] { new VariableOperand(e.Array) },
        _ => Operands(operation),
    };
}
