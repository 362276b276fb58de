using System.Collections.Generic;
using System.Linq;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Analysis;

/// <summary>
/// Questions about the IR that every stage asks, answered in one place: every statement at any depth, the
/// assignments, an operation's operands, the flows of values, how often each variable is assigned, and what a
/// loop changes while it runs. A new kind of operation or statement is listed here once.
/// </summary>
internal static class IrQueries
{
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
                case AssignStatement { Operation: TangentCall call } a:
                    // Two results: the value, from the arguments; the tangent, from the arguments and their tangents. The call
                    // writes the tangent whenever it runs, so a live value keeps the tangent's variable alive (declared).
                    yield return new Edge(a.Target, DifferentiableOperands(call), Operands(call).Append(new VariableOperand(call.Tangent)));
                    yield return new Edge(call.Tangent, DifferentiableOperands(call).Concat(call.Tangents), Operands(call));
                    break;
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

    /// <summary>What a statement itself reads (an assignment's operands, a branch's condition, a counted loop's bounds).</summary>
    public static IEnumerable<Operand> OperandsOf(IrStatement statement) => statement switch
    {
        AssignStatement a => IrQueries.Operands(a.Operation),
        ElementWriteStatement w => new[] { w.Index, w.Value },
        IfStatement i => new[] { i.Condition },
        LoopStatement { Control: CountedLoop { Counter: var c } } => new[] { c.Start, c.Bound },
        LoopStatement { Control: ConditionalLoop } or SourceComment => Enumerable.Empty<Operand>(), // a general loop's test is an assignment in its body
        _ => throw new System.InvalidOperationException("the statement " + statement.GetType().Name + " has no operands listed"),
    };

    /// <summary>Every variable a statement at any depth reads.</summary>
    public static IEnumerable<int> ReadVariables(IEnumerable<IrStatement> statements) =>
        Walk(statements).SelectMany(OperandsOf).OfType<VariableOperand>().Select(v => v.Id);

    /// <summary>The operands whose derivatives can flow into the result of an operation.</summary>
    public static IEnumerable<Operand> Operands(Operation operation) => operation switch
    {
        CopyOperation c => new[] { c.Value },
        BinaryOperation b => new[] { b.Left, b.Right },
        UnaryOperation u => new[] { u.Value },
        SelectOperation s => new[] { s.Condition, s.WhenTrue, s.WhenFalse },
        ConversionOperation c => new[] { c.Value },
        IntrinsicCall i => i.Arguments,
        OpaqueCall o => o.Arguments,
        DifferentiableCall d => d.Arguments,
        TangentCall t => t.Arguments.Concat(t.Tangents),
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
        SelectOperation s => new[] { s.WhenTrue, s.WhenFalse },
        UnaryOperation u => u.Operator == UnaryOperator.Negate ? new[] { u.Value } : System.Array.Empty<Operand>(),
        OpaqueCall or LengthRead or ArrayAllocation or RowRead or DimensionRead => System.Array.Empty<Operand>(),
        ModelElementRead m => m.Differentiable ? new Operand[] { new VariableOperand(m.Models) } : System.Array.Empty<Operand>(),
        MatrixRead m => new Operand[] { new VariableOperand(m.Array) },
        DifferentiableCall d => d.Arguments.Where((_, i) => d.Callee.Parameters[i].Differentiable
            || (d.Callee.FullGradientMethod is not null && d.Callee.Parameters[i].InFullGradient)),
        TangentCall t => t.Arguments.Where((_, i) => t.TakesTangent(i)),
        ElementRead e => new Operand[] { new VariableOperand(e.Array) },
        CopyOperation or ConversionOperation or IntrinsicCall or StaticRead => Operands(operation),

        // Listed, not defaulted: a new kind's operands would silently all carry derivatives.
        _ => throw new System.InvalidOperationException("the operation " + operation.GetType().Name + " has no differentiable operands listed"),
    };

    /// <summary>
    /// The variables an assignment writes: its target, and for a call of a tangent method the tangent it writes through
    /// its out argument too (hidden from a query that looked at targets only, a loop-invariant motion moved a read of
    /// that tangent out of the loop that writes it: random program seed 0DiGUZPuNT31).
    /// </summary>
    public static IEnumerable<int> Targets(AssignStatement assignment) =>
        assignment.Operation is TangentCall call ? new[] { assignment.Target, call.Tangent } : new[] { assignment.Target };

    /// <summary>How many assignments write each variable in the block, at any depth (latches included).</summary>
    public static Dictionary<int, int> DefinitionCounts(IEnumerable<IrStatement> block) =>
        Flatten(block).SelectMany(Targets).GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>
    /// Everything a loop changes while it runs, at any depth: what its body and latch assign, the local arrays it
    /// writes into, its own counter and those of the loops inside it (and their trip counts and conditions).
    /// </summary>
    public static HashSet<int> AssignedIn(LoopStatement loop)
    {
        var assigned = new HashSet<int>(Walk(loop.Body.Concat(loop.Latch)).SelectMany(s => s switch
        {
            AssignStatement a => Targets(a),
            ElementWriteStatement w => new[] { w.Array },
            LoopStatement l => Controls(l),
            IfStatement or SourceComment => System.Array.Empty<int>(),
            _ => throw new System.InvalidOperationException("unknown statement: " + s.GetType().Name),
        }));
        if (loop.Control is CountedLoop { Counter: var counter })
        {
            assigned.Add(counter.Counter);
        }

        return assigned;
    }

    // What a loop inside assigns to run: its counter, or its trip count and continue flag.
    private static int[] Controls(LoopStatement loop) => loop.Control switch
    {
        CountedLoop counted => new[] { counted.Counter.Counter },
        ConditionalLoop conditional => new[] { conditional.Trips, conditional.Continue },
        _ => throw new System.InvalidOperationException("unknown loop control: " + loop.Control),
    };
}
