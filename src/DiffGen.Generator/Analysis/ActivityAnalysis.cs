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

    public bool IsUseful(int variable) => _useful[variable];

    public bool IsActive(Operand operand) => operand is VariableOperand v && IsActive(v.Id);

    public bool IsVaried(Operand operand) => operand is VariableOperand v && IsVaried(v.Id);

    /// <param name="program">The lowered body.</param>
    /// <param name="independents">The differentiable parameters' variables.</param>
    /// <param name="dependents">
    /// The outputs differentiated besides the result: by default all of them (a vector-valued method's). A tangent
    /// program's one output is the value, returned beside its tangent, whose adjoint in H·v is zero: none there.
    /// </param>
    public static ActivityAnalysis Run(IrProgram program, IEnumerable<int> independents, IEnumerable<int>? dependents = null)
    {
        var count = program.Variables.Count;
        var varied = new bool[count];
        var useful = new bool[count];
        foreach (var id in independents)
        {
            varied[id] = true;
        }

        var edges = IrQueries.Edges(program.Body).ToList();

        // Loops and branch merges make the data flow cyclic: iterate to the fixed point.
        bool changed;
        do
        {
            changed = false;
            foreach (var edge in edges)
            {
                if (!varied[edge.Target]
                    && program.Variables[edge.Target].Type.IsFloating
                    && edge.Differentiable.Any(o => o is VariableOperand v && varied[v.Id]))
                {
                    varied[edge.Target] = true;
                    changed = true;
                }
            }
        }
        while (changed);

        useful[program.Result] = true;
        foreach (var output in dependents ?? program.Outputs)
        {
            useful[output] = true; // a vector-valued method's outputs are results too
        }

        do
        {
            changed = false;
            for (var i = edges.Count - 1; i >= 0; i--)
            {
                var edge = edges[i];
                if (!useful[edge.Target])
                {
                    continue;
                }

                foreach (var operand in edge.All)
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
}
