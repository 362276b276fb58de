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
    public static ActivityAnalysis Run(IrProgram program, IEnumerable<int> independents)
    {
        var count = program.Variables.Count;
        var varied = new bool[count];
        var useful = new bool[count];
        foreach (var id in independents)
        {
            varied[id] = true;
        }

        var edges = Edges(program.Body).ToList();

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
        foreach (var output in program.Outputs)
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

    /// <summary>A flow of values into a variable: an assignment, or a write into a local array's element.</summary>
    internal readonly struct Edge
    {
        public Edge(int target, IEnumerable<Operand> differentiable, IEnumerable<Operand> all)
        {
            Target = target;
            Differentiable = differentiable;
            All = all;
        }

        public int Target { get; }

        /// <summary>Operands a derivative flows back to.</summary>
        public IEnumerable<Operand> Differentiable { get; }

        /// <summary>Every operand read.</summary>
        public IEnumerable<Operand> All { get; }
    }

    public static IEnumerable<Edge> Edges(IEnumerable<IrStatement> statements)
    {
        foreach (var statement in Walk(statements))
        {
            switch (statement)
            {
                case AssignStatement a:
                    yield return new Edge(a.Target, DifferentiableOperands(a.Operation), Operands(a.Operation));
                    break;
                case ElementWriteStatement w:
                    yield return new Edge(w.Array, new[] { w.Value }, new[] { w.Value, w.Index });
                    break;
            }
        }
    }

    /// <summary>Every statement at any depth, in program order; a loop's latch follows its body.</summary>
    /// <remarks>Collected into a list: nested iterators would cost the nesting depth per statement.</remarks>
    public static IReadOnlyList<IrStatement> Walk(IEnumerable<IrStatement> statements)
    {
        var all = new List<IrStatement>();
        Collect(statements, all);
        return all;
    }

    private static void Collect(IEnumerable<IrStatement> statements, List<IrStatement> into)
    {
        foreach (var statement in statements)
        {
            into.Add(statement);
            switch (statement)
            {
                case IfStatement branch:
                    Collect(branch.Then, into);
                    Collect(branch.Else, into);
                    break;
                case LoopStatement loop:
                    Collect(loop.Body, into);
                    Collect(loop.Latch, into);
                    break;
            }
        }
    }

    /// <summary>Every assignment, in program order, at any depth (loop latches included).</summary>
    public static IEnumerable<AssignStatement> Flatten(IEnumerable<IrStatement> statements) => Walk(statements).OfType<AssignStatement>();

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
        RowRead r => new Operand[] { new VariableOperand(r.Array), r.Index },
        ModelElementRead m => new Operand[] { new VariableOperand(m.Models), m.Index },
        MatrixRead m => new Operand[] { new VariableOperand(m.Array), m.Row, m.Column },
        DimensionRead d => new Operand[] { new VariableOperand(d.Array) },
        LengthRead l => new Operand[] { new VariableOperand(l.Array) },
        ArrayAllocation a => new[] { a.Length },
        StaticRead => System.Array.Empty<Operand>(),

        // A kind not listed here would have no dependencies: its derivatives silently lost (DG0010 instead).
        _ => throw new System.InvalidOperationException("the operation " + operation.GetType().Name + " has no operands listed"),
    };

    /// <summary>The operands a derivative flows back to: none through comparisons, counts or calls without a derivative.</summary>
    public static IEnumerable<Operand> DifferentiableOperands(Operation operation) => operation switch
    {
        BinaryOperation b when b.Operator is BinaryOperator.Add or BinaryOperator.Subtract or BinaryOperator.Multiply
            or BinaryOperator.Divide or BinaryOperator.Remainder => new[] { b.Left, b.Right },
        BinaryOperation => System.Array.Empty<Operand>(),
        UnaryOperation u => u.Operator == UnaryOperator.Negate ? new[] { u.Value } : System.Array.Empty<Operand>(),
        OpaqueCall or LengthRead or ArrayAllocation or RowRead or DimensionRead => System.Array.Empty<Operand>(),
        ModelElementRead m => m.Differentiable ? new Operand[] { new VariableOperand(m.Models) } : System.Array.Empty<Operand>(),
        MatrixRead m => new Operand[] { new VariableOperand(m.Array) },
        DifferentiableCall d => d.Arguments.Where((_, i) => d.Callee.Parameters[i].Differentiable
            || (d.Callee.FullGradientMethod is not null && d.Callee.Parameters[i].InFullGradient)),
        ElementRead e => new Operand[] { new VariableOperand(e.Array) },
        _ => Operands(operation),
    };
}
