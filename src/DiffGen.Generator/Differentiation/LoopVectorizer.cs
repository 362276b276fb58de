using System.Collections.Generic;
using System.Linq;
using DiffGen.Generator.Analysis;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Differentiation;

/// <summary>
/// Finds the counted loops both sweeps can run a vector of iterations at a time (<see cref="VectorLoop"/>): the
/// per-unit loop of a layer (bias, ReLU, the output's sum) and the elementwise losses (Σ (y − p)²). Legal when
/// no iteration reads what another wrote: every value the body computes is of one floating type and read only
/// within its iteration, arrays are read at the counter and never written, carried values are sums
/// (<see cref="Accumulators"/>), and the reversed iteration adds only into its own locals, the counter's element
/// of an adjoint array or product row, or an adjoint outside the loop that it does not read. The operations are
/// those a vector computes as the scalar does, bit for bit: + − × ÷, negation, and max/min against 0 (ReLU); a
/// local derivative with any other function keeps the scalar loop. Sums add lane by lane, then across: they
/// round as the blocked products already do, within a few ulps.
/// </summary>
internal static class LoopVectorizer
{
    /// <summary>Lanes of a 256-bit vector: below two vectors' worth of iterations, the scalar loop is as fast.</summary>
    private static int Width(TypeRef type) => type.Kind == ScalarKind.Float ? 8 : 4;

    public static VectorLoop? Match(
        LoopStatement loop,
        IReadOnlyList<SweepStatement> iteration,
        IrProgram program,
        IReadOnlyList<int> saved,
        IReadOnlyList<(int Carried, AssignStatement Update)> accumulators,
        KernelPlan kernels,
        (int Value, Operand Zero)? gate,
        NameScope names)
    {
        if (loop.Control is not CountedLoop { Counter: { Comparison: BinaryOperator.Less or BinaryOperator.LessOrEqual } counter }
            || program.Variables[counter.Counter].Type != TypeRef.Int
            || kernels.Blockings.ContainsKey(loop)
            || kernels.Dots.ContainsKey(loop)
            || loop.Latch.Count == 0 && iteration.Count == 0)
        {
            return null;
        }

        // Too few iterations, known now, to fill two vectors: the scalar loop is as fast (XOR's 4 units).
        var type = accumulators.Count > 0 ? program.Variables[accumulators[0].Carried].Type : FirstAssignedType(loop, program);
        if (type is null || !type.IsFloating
            || Literals.IntegerValue(counter.Start) is { } low && Literals.IntegerValue(counter.Bound) is { } high
               && high - low + (counter.Comparison == BinaryOperator.LessOrEqual ? 1 : 0) < 2 * Width(type))
        {
            return null;
        }

        var assigned = IrQueries.AssignedIn(loop);
        bool Invariant(Operand operand) => operand is LiteralOperand || operand is VariableOperand { Id: var id } && !assigned.Contains(id);
        if (!Invariant(counter.Start) || !Invariant(counter.Bound) || !IsCounterOnly(loop, counter.Counter))
        {
            return null;
        }

        // Every latch is a sum's; the sums' next values are computed in the body.
        if (loop.Latch.Any(l => !accumulators.Any(a => a.Carried == l.Target)))
        {
            return null;
        }

        var lanes = new HashSet<int>(accumulators.Select(a => a.Carried));
        var offsets = new HashSet<int>();
        foreach (var statement in loop.Body)
        {
            switch (statement)
            {
                case SourceComment:
                    continue;
                case AssignStatement assignment when program.Variables[assignment.Target].Type == type
                                                     && program.Variables[assignment.Target].Shape == ParameterShape.Scalar
                                                     && Elementwise(assignment.Operation, counter.Counter, program, type, v => lanes.Contains(v) || !assigned.Contains(v)):
                    lanes.Add(assignment.Target);
                    break;
                case AssignStatement { Operation: BinaryOperation or CopyOperation } index when program.Variables[index.Target].Type == TypeRef.Int:
                    // An integer the matrix products' offsets read (j·d of w1[j·d + k]): the block's product computed it.
                    offsets.Add(index.Target);
                    break;
                case LoopStatement inner when kernels.Products.TryGetValue(inner, out var product)
                                              && product.Inner.Counter == counter.Counter
                                              && lanes.Contains(product.Kernel.Accumulator):
                    break;
                default:
                    return null;
            }
        }

        // Offsets are read only by the products and by each other, so no sweep computes them here.
        if (loop.Body.OfType<AssignStatement>().Where(a => lanes.Contains(a.Target)).SelectMany(a => IrQueries.Operands(a.Operation))
            .Any(o => o is VariableOperand { Id: var id } && offsets.Contains(id)))
        {
            return null;
        }

        // Nothing outside the loop reads a value of one iteration, and nothing else assigns one.
        var inside = new HashSet<IrStatement>(IrQueries.Walk(new IrStatement[] { loop }), ReferenceComparer<IrStatement>.Instance);
        var outside = IrQueries.Walk(program.Body).Where(s => !inside.Contains(s)).ToList();
        var carried = new HashSet<int>(accumulators.Select(a => a.Carried));
        bool OfAnIteration(int v) => (lanes.Contains(v) || offsets.Contains(v)) && !carried.Contains(v);
        if (outside.SelectMany(IrQueries.OperandsOf).OfType<VariableOperand>().Any(v => OfAnIteration(v.Id))
            || outside.OfType<AssignStatement>().Any(a => OfAnIteration(a.Target)))
        {
            return null;
        }

        // The values each iteration saves are lanes, on the one tape of their type: read back by position.
        if (saved.Any(v => !lanes.Contains(v) || program.Variables[v].Type != type))
        {
            return null;
        }

        var reverse = ReversedIteration(iteration, counter.Counter, lanes, program, type);
        if (reverse is null)
        {
            return null;
        }

        var (locals, gathered) = reverse.Value;
        var laneNames = lanes.Select(v => program.Variables[v].Name).Concat(locals).Concat(gathered).Distinct()
            .Select(scalar => new LaneName(scalar, names.Claim(scalar + "Lanes")))
            .ToEquatableArray();
        return new VectorLoop(type, laneNames, gathered.ToEquatableArray(), gate, names.Claim("onLanes"), names.Claim("tapeBase"));
    }

    private static TypeRef? FirstAssignedType(LoopStatement loop, IrProgram program) =>
        loop.Body.OfType<AssignStatement>().Select(a => program.Variables[a.Target].Type).FirstOrDefault();

    // The counter is assigned only by the loop's own control.
    private static bool IsCounterOnly(LoopStatement loop, int counter) =>
        !IrQueries.Flatten(loop.Body).Any(a => a.Target == counter) && loop.Latch.All(l => l.Target != counter);

    // An operation a vector computes lane by lane exactly as the scalar does.
    private static bool Elementwise(Operation operation, int counter, IrProgram program, TypeRef type, System.Func<int, bool> laneOrInvariant)
    {
        bool Value(Operand operand) => operand switch
        {
            LiteralOperand literal => literal.Type == type,
            VariableOperand { Id: var id } => id != counter && laneOrInvariant(id)
                                              && program.Variables[id].Type == type && program.Variables[id].Shape == ParameterShape.Scalar,
            _ => false,
        };

        return operation switch
        {
            CopyOperation copy => Value(copy.Value),
            BinaryOperation { Checked: false, Operator: BinaryOperator.Add or BinaryOperator.Subtract or BinaryOperator.Multiply or BinaryOperator.Divide } binary =>
                Value(binary.Left) && Value(binary.Right),
            UnaryOperation { Checked: false, Operator: UnaryOperator.Negate } negation => Value(negation.Value),
            IntrinsicCall { Function: "Max" or "Min", Arguments: { Count: 2 } arguments } =>
                (Literals.FloatingValue(arguments[0]) == 0 && Value(arguments[1])) || (Literals.FloatingValue(arguments[1]) == 0 && Value(arguments[0])),
            ElementRead { Index: VariableOperand { Id: var index } } read => index == counter
                && program.Variables[read.Array].Shape is ParameterShape.Array or ParameterShape.Span
                && program.Variables[read.Array].Type == type
                && laneOrInvariant(read.Array),
            _ => false,
        };
    }

    // The reversed iteration's adjoint locals and the outside adjoints it gathers into, or null when a statement
    // has no lane-by-lane form.
    private static (List<string> Locals, List<string> Gathered)? ReversedIteration(
        IReadOnlyList<SweepStatement> iteration, int counter, HashSet<int> lanes, IrProgram program, TypeRef type)
    {
        var locals = new List<string>();
        var gathered = new List<string>();
        var read = new HashSet<string>();
        foreach (var statement in iteration)
        {
            switch (statement)
            {
                case SweepComment:
                case TapePop pop when lanes.Contains(pop.Variable):
                case ProductAdjoint { Product: var product } when product.Inner.Counter == counter:
                    break;
                case PrimalStatement { Assignment: var assignment } when lanes.Contains(assignment.Target)
                                                                         && Elementwise(assignment.Operation, counter, program, type, _ => true):
                    break;
                case DeclareZero zero when zero.Type == type:
                    locals.AddRange(zero.Names);
                    break;
                case AccumulateStatement a when a.Type == type && a.TargetType == type
                                                && a.Target.Column is null && a.Target.Member is null
                                                && a.Source.Index is null && a.Source.Column is null && a.Source.Member is null
                                                && (a.Target.Index is null || a.Target.Index is VariableOperand { Id: var i } && i == counter)
                                                && Lanewise(a.Partial.Derivative):
                    read.Add(a.Source.Name);
                    if (a.Declare)
                    {
                        locals.Add(a.Target.Name);
                    }
                    else if (a.Target.Index is null && !locals.Contains(a.Target.Name) && !gathered.Contains(a.Target.Name))
                    {
                        gathered.Add(a.Target.Name);
                    }

                    break;
                default:
                    return null;
            }
        }

        // An outside adjoint both read and gathered would need the iterations in order.
        return gathered.Any(read.Contains) ? null : (locals, gathered);
    }

    // A local derivative a vector computes lane by lane: arithmetic, comparisons, selects and constants.
    private static bool Lanewise(RuleExpression expression) => expression switch
    {
        RuleArgument or RuleResult => true,
        RuleConstant constant => !constant.Integer,
        RuleNegate negate => Lanewise(negate.Value),
        RuleBinary binary => binary.Operator is BinaryOperator.Add or BinaryOperator.Subtract or BinaryOperator.Multiply or BinaryOperator.Divide
                                 or BinaryOperator.Equal or BinaryOperator.NotEqual or BinaryOperator.Less or BinaryOperator.LessOrEqual
                                 or BinaryOperator.Greater or BinaryOperator.GreaterOrEqual or BinaryOperator.And
                             && Lanewise(binary.Left) && Lanewise(binary.Right),
        RuleSelect select => Lanewise(select.Condition) && Lanewise(select.WhenTrue) && Lanewise(select.WhenFalse),
        _ => false,
    };
}
