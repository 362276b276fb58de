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
/// A loop whose forward body computes what lanes cannot (Exp, Tanh, Log: a sigmoid layer) may still run its
/// reverse in lanes when the reversed iteration is all + − × ÷ over saved values: the forward loop stays scalar
/// and pushes each iteration's values in the order the lanes read them back. Its reverse also steps integer
/// indices of the form a·counter + b (<c>w1[2·j + 1]</c>, a literal a ≥ 1): loads and adds at index + k·a.
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

        // Fewer iterations, known now, than a vector: the vector loop would never run.
        var type = accumulators.Count > 0 ? program.Variables[accumulators[0].Carried].Type : FirstAssignedType(loop, program);
        long? trips = Literals.IntegerValue(counter.Start) is { } low && Literals.IntegerValue(counter.Bound) is { } high
            ? high - low + (counter.Comparison == BinaryOperator.LessOrEqual ? 1 : 0)
            : null;
        if (type is null || !type.IsFloating || trips < Width(type))
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
        var forwardLanes = true;
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
                case AssignStatement:
                    // A statement lanes cannot compute exactly (Exp, a read at 2·j): the forward stays scalar.
                    forwardLanes = false;
                    break;
                default:
                    return null;
            }
        }

        if (!forwardLanes)
        {
            return ReverseOnly(loop, iteration, program, saved, accumulators, gate, names, counter.Counter, type, assigned);
        }

        // Below two vectors' worth of iterations, a loop whose forward runs lanes too is as fast scalar.
        if (trips < 2 * Width(type))
        {
            return null;
        }

        // Offsets are read only by the products and by each other, so no sweep computes them here.
        if (loop.Body.OfType<AssignStatement>().Where(a => lanes.Contains(a.Target)).SelectMany(a => IrQueries.Operands(a.Operation))
            .Any(o => o is VariableOperand { Id: var id } && offsets.Contains(id)))
        {
            return null;
        }

        // Nothing outside the loop reads a value of one iteration, and nothing else assigns one.
        var carried = new HashSet<int>(accumulators.Select(a => a.Carried));
        if (UsedOutside(program, loop, v => (lanes.Contains(v) || offsets.Contains(v)) && !carried.Contains(v)))
        {
            return null;
        }

        // The values each iteration saves are lanes, on the one tape of their type: read back by position.
        if (saved.Any(v => !lanes.Contains(v) || program.Variables[v].Type != type))
        {
            return null;
        }

        var reverse = ReversedIteration(iteration, counter.Counter, lanes, program, type, steps: null);
        if (reverse is null)
        {
            return null;
        }

        return Create(program, type, lanes, reverse.Value, gate, names, forwardLanes: true, new Dictionary<int, int>());
    }

    private static VectorLoop Create(
        IrProgram program, TypeRef type, HashSet<int> lanes, (List<string> Locals, List<string> Gathered, List<(string Adjoint, Operand Index)> Elements) reverse,
        (int Value, Operand Zero)? gate, NameScope names, bool forwardLanes, Dictionary<int, int> steps)
    {
        var (locals, gathered, elements) = reverse;
        var laneNames = lanes.Select(v => program.Variables[v].Name).Concat(locals).Concat(gathered).Distinct()
            .Select(scalar => new LaneName(scalar, names.Claim(scalar + "Lanes")))
            .ToEquatableArray();
        var strides = steps.Where(s => s.Value >= 1).OrderBy(s => s.Key).Select(s => new StridedIndex(s.Key, s.Value)).ToEquatableArray();
        var gatheredElements = elements.Select(e => new GatheredElement(e.Adjoint, e.Index, names.Claim(e.Adjoint + "At" + (e.Index switch
            {
                VariableOperand { Id: var id } => program.Variables[id].Name,
                var literal => Literals.IntegerValue(literal)?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }) + "Lanes"))).ToEquatableArray();
        return new VectorLoop(type, laneNames, gathered.ToEquatableArray(), gate, names.Claim("onLanes"), names.Claim("tapeBase"), forwardLanes, strides, gatheredElements);
    }

    // The reverse alone in lanes, the forward loop scalar: its body plain assignments (no loop or branch pushes
    // values of its own between an iteration's saves), nothing after the loop reading a value of one iteration,
    // and every saved value a lane of the loop's type.
    private static VectorLoop? ReverseOnly(
        LoopStatement loop,
        IReadOnlyList<SweepStatement> iteration,
        IrProgram program,
        IReadOnlyList<int> saved,
        IReadOnlyList<(int Carried, AssignStatement Update)> accumulators,
        (int Value, Operand Zero)? gate,
        NameScope names,
        int counter,
        TypeRef type,
        HashSet<int> assigned)
    {
        if (loop.Body.Any(s => s is not (AssignStatement or SourceComment)))
        {
            return null;
        }

        var carried = new HashSet<int>(accumulators.Select(a => a.Carried));
        if (UsedOutside(program, loop, v => (assigned.Contains(v) || v == counter) && !carried.Contains(v))
            || saved.Any(v => program.Variables[v].Type != type || program.Variables[v].Shape != ParameterShape.Scalar))
        {
            return null;
        }

        var lanes = new HashSet<int>(saved);
        var steps = new Steps(counter, assigned);
        var reverse = ReversedIteration(iteration, counter, lanes, program, type, steps);
        if (reverse is null)
        {
            return null;
        }

        // Each element of a gradient must receive its contributions in the order the scalar loop gives them: no two
        // iterations add into one element (w[j] and w[j + 1] would: the lanes would add them the other way round).
        var adds = iteration.OfType<AccumulateStatement>().Where(a => a.Target.Index is not null)
            .Select(a => (a.Target.Name, Form: steps.Form(a.Target.Index!)!)).ToList();
        if (adds.Any(x => adds.Any(y => x.Name == y.Name && x.Form.MayMeetAcrossIterations(y.Form))))
        {
            return null;
        }

        return Create(program, type, lanes, reverse.Value, gate, names, forwardLanes: false, steps.Of.ToDictionary(s => s.Key, s => s.Value.Step));
    }

    /// <summary>
    /// A reverse-only loop's integers and uniform values: each integer the reversed iteration computes is an
    /// <see cref="Affine"/> step·counter + base + offset, the base the same in every iteration; a variable the loop
    /// never assigns is uniform.
    /// </summary>
    private sealed class Steps(int counter, HashSet<int> assigned)
    {
        public Dictionary<int, Affine> Of { get; } = new() { [counter] = new Affine(1, string.Empty, 0) };

        /// <summary>Floating values of the iteration that are the same in every lane (x[s·2] in a loop over j).</summary>
        public HashSet<int> Uniform { get; } = new();

        public int? Step(Operand operand) => Form(operand)?.Step;

        /// <summary>An index the same in every iteration and after the loop: a literal, or a variable the loop never assigns.</summary>
        public bool IsInvariantIndex(Operand index) => index switch
        {
            LiteralOperand literal => Literals.IntegerValue(literal) is not null,
            VariableOperand { Id: var id } => !assigned.Contains(id) && !Of.ContainsKey(id),
            _ => false,
        };

        public bool IsUniform(Operand operand) => operand is LiteralOperand
            || operand is VariableOperand { Id: var id } && (Uniform.Contains(id) || !assigned.Contains(id) && !Of.ContainsKey(id));

        public Affine? Form(Operand operand) => operand switch
        {
            LiteralOperand literal when Literals.IntegerValue(literal) is { } value => new Affine(0, string.Empty, value),
            VariableOperand { Id: var id } when Of.TryGetValue(id, out var form) => form,
            VariableOperand { Id: var id } when !assigned.Contains(id) => new Affine(0, "+v" + id, 0),
            _ => null,
        };

        // + and − of such forms, × by a literal; null for anything else (a step no lane could take).
        public Affine? FormOf(Operation operation)
        {
            switch (operation)
            {
                case CopyOperation copy:
                    return Form(copy.Value);
                case LengthRead { Array: var array } when !assigned.Contains(array):
                    return new Affine(0, "+length" + array, 0);
                case BinaryOperation { Checked: false, Operator: BinaryOperator.Add or BinaryOperator.Subtract } sum
                    when Form(sum.Left) is { } left && Form(sum.Right) is { } right:
                    return sum.Operator == BinaryOperator.Add ? left.Plus(right, 1) : left.Plus(right, -1);
                case BinaryOperation { Checked: false, Operator: BinaryOperator.Multiply } product when Form(product.Left) is { } left && Form(product.Right) is { } right:
                    return left.IsLiteral ? right.Times(left.Offset) : right.IsLiteral ? left.Times(right.Offset) : null;
                default:
                    return null;
            }
        }
    }

    /// <summary>
    /// An integer Step·counter + Base + Offset: Base the invariant part, its signed terms sorted ("+v3 -length5": the same
    /// text, the same value in every iteration), Offset a literal. Small literals only, so nothing overflows.
    /// </summary>
    private sealed record Affine(int Step, string Base, long Offset)
    {
        private const long Limit = 1 << 20;

        public bool IsLiteral => Step == 0 && Base.Length == 0;

        public Affine? Plus(Affine other, int sign)
        {
            var step = (long)Step + sign * other.Step;
            var offset = Offset + sign * other.Offset;
            var terms = Terms(Base).Concat(Terms(other.Base).Select(t => sign > 0 ? t : (t[0] == '+' ? "-" : "+") + t.Substring(1)))
                .OrderBy(t => t, System.StringComparer.Ordinal);
            return System.Math.Abs(step) > Limit || System.Math.Abs(offset) > Limit ? null : new Affine((int)step, string.Join(" ", terms), offset);
        }

        public Affine? Times(long factor) =>
            System.Math.Abs(factor) > Limit || System.Math.Abs((long)Step * factor) > Limit || System.Math.Abs(Offset * factor) > Limit
                ? null
                : new Affine((int)(Step * factor), Base.Length == 0 || factor == 1 ? Base : "+" + factor + "*(" + Base + ")", Offset * factor);

        // The signed terms of a base: "+v3 -length5".
        private static IEnumerable<string> Terms(string text) => text.Split(new[] { ' ' }, System.StringSplitOptions.RemoveEmptyEntries);

        /// <summary>
        /// Whether two iterations could add into one element through these two indices, which would change the order
        /// an element receives its contributions in: a·j₁ + b₁ = a·j₂ + b₂ for j₁ ≠ j₂ unless b₂ − b₁ is 0 or not a multiple
        /// of a. Different steps or bases: assumed to. Two indices the same in every iteration (elements gathered per lane,
        /// added after the loop) do not order anything across iterations.
        /// </summary>
        public bool MayMeetAcrossIterations(Affine other) =>
            Step != other.Step || (Step != 0 && (Base != other.Base || (other.Offset - Offset != 0 && (other.Offset - Offset) % Step == 0)));
    }

    // Whether any statement outside the loop reads or assigns a variable of one iteration.
    private static bool UsedOutside(IrProgram program, LoopStatement loop, System.Func<int, bool> ofAnIteration)
    {
        var inside = new HashSet<IrStatement>(IrQueries.Walk(new IrStatement[] { loop }), ReferenceComparer<IrStatement>.Instance);
        var outside = IrQueries.Walk(program.Body).Where(s => !inside.Contains(s)).ToList();
        return outside.SelectMany(IrQueries.OperandsOf).OfType<VariableOperand>().Any(v => ofAnIteration(v.Id))
               || outside.OfType<AssignStatement>().Any(a => ofAnIteration(a.Target));
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
    // A reverse-only loop's iteration also computes integers and uniform values as scalars (steps), and adds into
    // arrays at stepped indices; its lanes grow with the values it computes from them.
    private static (List<string> Locals, List<string> Gathered, List<(string Adjoint, Operand Index)> Elements)? ReversedIteration(
        IReadOnlyList<SweepStatement> iteration, int counter, HashSet<int> lanes, IrProgram program, TypeRef type, Steps? steps)
    {
        var locals = new List<string>();
        var gathered = new List<string>();
        var elements = new List<(string Adjoint, Operand Index)>();
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
                case PrimalStatement { Assignment: var assignment } when steps is not null && Scalar(assignment, program, type, steps, lanes):
                    break;
                case DeclareZero zero when zero.Type == type:
                    locals.AddRange(zero.Names);
                    break;
                case AccumulateStatement a when a.Type == type && a.TargetType == type
                                                && a.Target.Column is null && a.Target.Member is null
                                                && a.Source.Index is null && a.Source.Column is null && a.Source.Member is null
                                                && (a.Target.Index is null || a.Target.Index is VariableOperand { Id: var i } && (i == counter || steps?.Of.TryGetValue(i, out var form) == true && form.Step >= 1)
                                                    || steps is not null && steps.IsInvariantIndex(a.Target.Index))
                                                && Lanewise(a.Partial.Derivative):
                    read.Add(a.Source.Name);
                    if (a.Target.Index is { } index && steps?.IsInvariantIndex(index) == true)
                    {
                        // The same element from every iteration: gathered per lane, as an outside adjoint is.
                        if (!elements.Contains((a.Target.Name, a.Target.Index!)))
                        {
                            elements.Add((a.Target.Name, a.Target.Index!));
                        }
                    }
                    else if (a.Declare)
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
        return gathered.Any(read.Contains) ? null : (locals, gathered, elements);
    }

    // A reverse-only iteration's recomputation: an integer of a known step, a value the same in every lane (computed
    // once, a scalar), or a lane computed from lanes and uniform values (a read at a stepped index a strided load).
    private static bool Scalar(AssignStatement assignment, IrProgram program, TypeRef type, Steps steps, HashSet<int> lanes)
    {
        var target = program.Variables[assignment.Target];
        if (target.Shape != ParameterShape.Scalar)
        {
            return false;
        }

        if (target.Type == TypeRef.Int)
        {
            if (steps.FormOf(assignment.Operation) is not { } form || form.Step < 0)
            {
                return false;
            }

            steps.Of[assignment.Target] = form;
            return true;
        }

        if (target.Type != type)
        {
            return false;
        }

        // By the integer it steps with: the counter (or a stepped integer) as a number, (double)j, lane k (double)(index + k·step)
        // as the scalar converts it; a read at such an index, a strided load. Step 0: the same in every lane.
        var stepping = assignment.Operation switch
        {
            ConversionOperation { Checked: false, Value: VariableOperand { Id: var source } value }
                when program.Variables[source].Type == TypeRef.Int && program.Variables[source].Shape == ParameterShape.Scalar => value,
            ElementRead { Index: var index } read
                when program.Variables[read.Array].Type == type && program.Variables[read.Array].Shape is ParameterShape.Array or ParameterShape.Span
                     && steps.IsUniform(new VariableOperand(read.Array)) => index,
            _ => null,
        };
        if (stepping is not null)
        {
            switch (steps.Step(stepping))
            {
                case 0:
                    steps.Uniform.Add(assignment.Target);
                    return true;
                case >= 1:
                    lanes.Add(assignment.Target);
                    return true;
                default:
                    return false;
            }
        }

        var operands = IrQueries.Operands(assignment.Operation).ToList();
        if (operands.All(steps.IsUniform) && assignment.Operation is not ElementRead)
        {
            if (!Elementwise(assignment.Operation, -1, program, type, _ => true))
            {
                return false;
            }

            steps.Uniform.Add(assignment.Target);
            return true;
        }

        if (Elementwise(assignment.Operation, -1, program, type, v => lanes.Contains(v) || steps.IsUniform(new VariableOperand(v))))
        {
            lanes.Add(assignment.Target);
            return true;
        }

        return false;
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
