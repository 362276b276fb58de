using System.Collections.Generic;
using System.Linq;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Emission;

// The loops both sweeps run a vector of iterations at a time (VectorLoop): Vector256 lanes while a whole vector of
// iterations is left, then the same iterations one at a time, as the scalar loop writes them.
internal static partial class GradientEmitter
{
    private const string Vector256 = "global::System.Runtime.Intrinsics.Vector256";

    private static void WriteVectorForwardLoop(IndentedWriter writer, Context context, ForwardLoop forward, VectorLoop vector)
    {
        var spelling = context.Spelling;
        var loop = forward.Loop;
        var counter = loop.RequireCounter("a vectorized loop");
        var (name, start, bound) = (spelling.Name(counter.Counter), spelling.Operand(counter.Start), spelling.Operand(counter.Bound));
        var lanes = new LaneSpelling(spelling, vector, counter);

        // Lanes save into reserved room by position; a save that may grow the tape keeps the scalar loop.
        var saves = forward.Saved.Select(v => (Variable: v, Locals: context.Cursors.Locals(context.TapeOf(v)))).ToList();
        var vectorized = saves.All(s => s.Locals is not null);
        writer.Open("// vectorized: Vector256<" + vector.Type.Name + ">.Count iterations at a time while as many are left, then one at a time; "
            + (loop.Latch.Count > 0 ? "each sum adds per lane, then across the lanes (within a few ulps of the scalar loop's order)" : "the iterations are independent"));
        writer.Line("int " + name + " = " + start + ";");
        if (vectorized)
        {
            writer.Open("if (" + Vector256 + ".IsHardwareAccelerated)");
            foreach (var latch in loop.Latch)
            {
                writer.Line("var " + vector.LanesOf(spelling.Name(latch.Target)) + " = " + lanes.Type + ".Zero;   // this sum's share, per lane");
            }

            var declared = new HashSet<string>(loop.Latch.Select(l => vector.LanesOf(spelling.Name(l.Target))));
            writer.Open(VectorSteps(name, bound, counter, lanes));
            WriteLanes(writer, context, lanes, forward.Body, declared, gate: null);
            // Each iteration's values in order, as the scalar loop pushes them: interleaved when there are several.
            for (var slot = 0; slot < saves.Count; slot++)
            {
                var (storage, top) = saves[slot].Locals!.Value;
                var values = vector.LanesOf(spelling.Name(saves[slot].Variable));
                writer.Line(saves.Count == 1
                    ? Vector256 + ".CopyTo(" + values + ", " + storage + ".Slice(" + top + ", " + lanes.Count + "));"
                    : "global::DiffGen.Kernels.StoreLanes<" + vector.Type.Name + ">(" + values + ", " + storage + ", " + top + (slot == 0 ? string.Empty : " + " + slot) + ", " + saves.Count + ");");
            }

            if (saves.Count > 0)
            {
                var top = saves[0].Locals!.Value.Top;
                writer.Line(top + " += " + (saves.Count == 1 ? lanes.Count : saves.Count + " * " + lanes.Count) + ";");
            }

            foreach (var latch in loop.Latch)
            {
                writer.Line(vector.LanesOf(spelling.Name(latch.Target)) + " = " + lanes.Operation(latch.Operation) + ";   // to the next vector of iterations");
            }

            writer.Close();
            foreach (var latch in loop.Latch)
            {
                writer.Line(spelling.Name(latch.Target) + " += " + Vector256 + ".Sum(" + vector.LanesOf(spelling.Name(latch.Target)) + ");");
            }

            writer.Close();
        }

        writer.Open(ScalarSteps(spelling, counter));
        WriteStatements(writer, context, forward.Body);
        foreach (var (variable, locals) in saves)
        {
            var tape = context.TapeOf(variable);
            writer.Line(locals is not null ? context.Cursors.PushReserved(tape, spelling.Name(variable)) : context.Cursors.Push(tape, spelling.Name(variable)));
        }

        foreach (var latch in loop.Latch)
        {
            writer.Line(spelling.Name(latch.Target) + " = " + spelling.Operation(latch.Operation, spelling.Type(latch.Target)) + ";   // to the next iteration");
        }

        writer.Close();
        writer.Close();
    }

    // The vector loop's header: a whole vector of iterations left (bound − counter of them for <, one more for <=).
    private static string VectorSteps(string name, string bound, CounterSpec counter, LaneSpelling lanes) =>
        "for (; (long)" + bound + " - " + name + (counter.Comparison == BinaryOperator.LessOrEqual ? " + 1" : string.Empty)
        + " >= " + lanes.Count + "; " + name + " += " + lanes.Count + ")";

    // The rest one at a time, the loop's own condition.
    private static string ScalarSteps(CSharpSpelling spelling, CounterSpec counter) =>
        "for (; " + spelling.CounterTest(counter) + "; " + spelling.Name(counter.Counter) + "++)";

    // The reversed iterations in counter order (they are independent but for gathered sums): the saved values read
    // by position from the loop's first on the tape, which is then popped as a whole.
    private static void WriteVectorReverseLoop(IndentedWriter writer, Context context, ReverseLoop reverse, VectorLoop vector)
    {
        var spelling = context.Spelling;
        var counter = reverse.Loop.RequireCounter("a vectorized loop");
        var (name, start, bound) = (spelling.Name(counter.Counter), spelling.Operand(counter.Start), spelling.Operand(counter.Bound));
        var lanes = new LaneSpelling(spelling, vector, counter);
        var pops = reverse.Iteration.OfType<TapePop>().ToList();
        var locals = pops.Select(p => context.Cursors.Locals(context.TapeOf(p.Variable))).FirstOrDefault();
        if (pops.Count > 0 && locals is null)
        {
            throw new System.InvalidOperationException("a vectorized loop's tape is not in locals");
        }

        // Iteration j's values start at base + (j − start)·S, in the order the forward loop pushed them (its saved list, sorted).
        var offset = Literals.IntegerValue(counter.Start) == 0 ? name : "(" + name + " - " + spelling.Term(counter.Start) + ")";
        var stride = pops.Count;
        var slots = pops.Select(p => p.Variable).OrderBy(v => v).ToList();
        string Position(TapePop pop)
        {
            var slot = slots.IndexOf(pop.Variable);
            return vector.TapeBase + " + " + (stride == 1 ? offset : offset + " * " + stride) + (slot == 0 ? string.Empty : " + " + slot);
        }

        writer.Open("// vectorized: the reversed iterations Vector256<" + vector.Type.Name + ">.Count at a time, in order (each adds only into its own elements"
            + (vector.Gathered.Count > 0 || vector.GatheredElements.Count > 0 ? " and, per lane, into sums added after the loop" : string.Empty) + ")"
            + (vector.Gate is { } g ? "; a unit whose max(" + spelling.Operand(g.Zero) + ", " + spelling.Name(g.Value) + ") is off adds nothing, its lanes masked" : string.Empty)
            + (vector.Strides.Any(s => s.Stride > 1) ? "; an index that steps by k per iteration loads and adds lanes k elements apart" : string.Empty));
        if (locals is { } tape)
        {
            writer.Line("int " + vector.TapeBase + " = " + tape.Top + " - " + (stride == 1 ? string.Empty : stride + " * ") + "(int)" + Trips(spelling, counter) + ";   // where the loop's saved values start");
        }

        writer.Line("int " + name + " = " + start + ";");
        writer.Open("if (" + Vector256 + ".IsHardwareAccelerated)");
        foreach (var gathered in vector.Gathered)
        {
            writer.Line("var " + vector.LanesOf(gathered) + " = " + lanes.Type + ".Zero;   // " + gathered + "'s share, per lane");
        }

        foreach (var element in vector.GatheredElements)
        {
            writer.Line("var " + element.Lanes + " = " + lanes.Type + ".Zero;   // " + Element(spelling, element) + "'s share, per lane");
        }

        writer.Open(VectorSteps(name, bound, counter, lanes));
        var declared = new HashSet<string>(vector.Gathered.Select(vector.LanesOf));
        foreach (var pop in pops)
        {
            writer.Line("var " + vector.LanesOf(spelling.Name(pop.Variable)) + " = global::DiffGen.Kernels.LoadLanes<" + vector.Type.Name + ">("
                + locals!.Value.Storage + ", " + Position(pop) + (stride == 1 ? string.Empty : ", " + stride) + ");");
            declared.Add(vector.LanesOf(spelling.Name(pop.Variable)));
        }

        var rest = reverse.Iteration.Where(s => s is not TapePop).ToEquatableArray();
        WriteLanes(writer, context, lanes, rest, declared, vector.Gate);
        writer.Close();
        foreach (var gathered in vector.Gathered)
        {
            writer.Line(gathered + " += " + Vector256 + ".Sum(" + vector.LanesOf(gathered) + ");");
        }

        foreach (var element in vector.GatheredElements)
        {
            // Only when a lane holds something: a loop whose lanes never ran reads no element of the gradient.
            writer.Line("if (" + element.Lanes + " != " + lanes.Type + ".Zero) " + Element(spelling, element) + " += " + Vector256 + ".Sum(" + element.Lanes + ");");
        }

        writer.Close();

        // The rest one at a time; a unit that is off adds nothing, as the gated loop skips it.
        writer.Open(ScalarSteps(spelling, counter));
        foreach (var pop in pops)
        {
            writer.Line(spelling.Name(pop.Variable) + " = " + locals!.Value.Storage + "[" + Position(pop) + "];");
        }

        if (vector.Gate is { } gate)
        {
            // The gate's value is restored or recomputed first; what follows runs for an open unit only.
            var split = rest.ToList().FindIndex(s => s is PrimalStatement p && p.Assignment.Target == gate.Value) + 1;
            WriteStatements(writer, context, rest.Take(split).ToEquatableArray());
            writer.Open("if (!(" + spelling.Name(gate.Value) + " < " + spelling.Operand(gate.Zero) + "))");
            WriteStatements(writer, context, rest.Skip(split).ToEquatableArray());
            writer.Close();
        }
        else
        {
            WriteStatements(writer, context, rest);
        }

        writer.Close();
        if (locals is { } popped)
        {
            writer.Line(popped.Top + " = " + vector.TapeBase + ";   // the loop's saved values, all read");
        }

        writer.Close();
    }

    // A gathered element as the scalar loop spells it: dw[0].
    private static string Element(CSharpSpelling spelling, GatheredElement element) => element.Adjoint + "[" + spelling.SpanIndex(element.Index) + "]";

    // The statements of one vector of iterations; a lane local is declared at its first assignment.
    private static void WriteLanes(IndentedWriter writer, Context context, LaneSpelling lanes, EquatableArray<SweepStatement> statements, HashSet<string> declared, (int Value, Operand Zero)? gate)
    {
        var spelling = context.Spelling;
        var vector = lanes.Vector;
        string? mask = null;
        string Assign(string scalar) => (declared.Add(vector.LanesOf(scalar)) ? "var " : string.Empty) + vector.LanesOf(scalar);

        void Mask()
        {
            if (gate is { } g && mask is null)
            {
                mask = vector.Mask;
                writer.Line("var " + mask + " = ~" + Vector256 + ".LessThan(" + lanes.Operand(new VariableOperand(g.Value)) + ", " + lanes.Operand(g.Zero)
                    + ");   // the units whose max(" + spelling.Operand(g.Zero) + ", " + spelling.Name(g.Value) + ") is on (or NaN)");
            }
        }

        foreach (var statement in statements)
        {
            switch (statement)
            {
                case SweepComment comment:
                    writer.Line("// " + comment.Text);
                    break;
                case PrimalStatement primal when vector.IsLane(spelling.Name(primal.Assignment.Target)):
                    writer.Line(Assign(spelling.Name(primal.Assignment.Target)) + " = " + lanes.Operation(primal.Assignment.Operation) + ";");
                    break;
                case PrimalStatement uniform:
                    // The same in every lane, or an index of the vector's first lane: once, as a scalar.
                    WriteStatements(writer, context, new SweepStatement[] { uniform }.ToEquatableArray());
                    break;
                case ForwardProductRead read:
                {
                    var (span, index) = MatrixProductEmitter.Entry(spelling, read, context.SlicedRows.Contains(read.Product.ProductsRow));
                    var k = read.Product.Kernel;
                    writer.Line("// the dot product over " + spelling.Name(k.Counter.Counter) + ", from the block's matrix product");
                    writer.Open("if (" + NonEmpty(spelling, k.Counter) + ")");
                    writer.Line(vector.LanesOf(spelling.Name(k.Accumulator)) + " += global::DiffGen.Kernels.LoadLanes<" + vector.Type.Name + ">(" + span + ", " + index + ");");
                    writer.Close();
                    break;
                }

                case DeclareZero zero:
                    foreach (var scalar in zero.Names)
                    {
                        writer.Line(Assign(scalar) + " = " + lanes.Type + ".Zero;");
                    }

                    break;
                case AccumulateStatement a:
                {
                    Mask();
                    var (contribution, subtract) = lanes.Contribution(a);
                    var comment = "   " + AccumulateComment(spelling, a);
                    if (a.Target.Index is { } at && vector.ElementOf(a.Target.Name, at) is { } element)
                    {
                        // The same element from every lane: a share per lane, added after the loop.
                        writer.Line(mask is null
                            ? element.Lanes + (subtract ? " -= " : " += ") + contribution + ";" + comment
                            : element.Lanes + " = " + Vector256 + ".ConditionalSelect(" + mask + ", " + element.Lanes + (subtract ? " - " : " + ") + contribution + ", " + element.Lanes + ");" + comment);
                    }
                    else if (a.Target.Index is { } index)
                    {
                        writer.Line("global::DiffGen.Kernels.AddLanes<" + vector.Type.Name + ">(" + a.Target.Name + ", " + spelling.SpanIndex(index) + lanes.Stride(index) + ", "
                            + (subtract ? "-" + CSharpSpelling.Parenthesize(contribution) : contribution) + (mask is null ? string.Empty : ", " + mask) + ");" + comment);
                    }
                    else if (vector.Gathered.Contains(a.Target.Name) && mask is not null)
                    {
                        var target = vector.LanesOf(a.Target.Name);
                        writer.Line(target + " = " + Vector256 + ".ConditionalSelect(" + mask + ", " + target + (subtract ? " - " : " + ") + contribution + ", " + target + ");" + comment);
                    }
                    else if (a.Declare)
                    {
                        writer.Line(Assign(a.Target.Name) + " = " + (subtract ? "-" + CSharpSpelling.Parenthesize(contribution) : contribution) + ";" + comment);
                    }
                    else
                    {
                        writer.Line(vector.LanesOf(a.Target.Name) + (subtract ? " -= " : " += ") + contribution + ";" + comment);
                    }

                    break;
                }

                case ProductAdjoint gathered:
                {
                    Mask();
                    var (span, index) = MatrixProductEmitter.Entry(spelling, gathered, context.SlicedRows.Contains(gathered.Product.AdjointsRow));
                    writer.Line("global::DiffGen.Kernels.AddLanes<" + vector.Type.Name + ">(" + span + ", " + index + ", " + lanes.Adjoint(gathered.AccumulatorAdjoint)
                        + (mask is null ? string.Empty : ", " + mask) + ");   // gathered for the block's pullback of " + gathered.Product.Products);
                    break;
                }

                default:
                    throw new System.InvalidOperationException("the sweep statement " + statement.GetType().Name + " has no lanes");
            }
        }
    }

    /// <summary>Spells operands, operations and local derivatives over lanes: a lane local, or a scalar broadcast.</summary>
    private sealed class LaneSpelling
    {
        private readonly CSharpSpelling _spelling;

        public LaneSpelling(CSharpSpelling spelling, VectorLoop vector, CounterSpec counter)
        {
            _spelling = spelling;
            Vector = vector;
            Counter = counter.Counter;
            Type = Vector256 + "<" + vector.Type.Name + ">";
            Count = Type + ".Count";
        }

        public VectorLoop Vector { get; }

        private int Counter { get; }

        /// <summary>The vector type, <c>Vector256&lt;double&gt;</c>.</summary>
        public string Type { get; }

        /// <summary>Its lanes' count.</summary>
        public string Count { get; }

        public string Operand(Operand operand) => operand switch
        {
            VariableOperand { Id: var id } when Vector.IsLane(_spelling.Name(id)) => Vector.LanesOf(_spelling.Name(id)),
            _ => Vector256 + ".Create(" + _spelling.Operand(operand) + ")",
        };

        public string Adjoint(string name) => Vector.IsLane(name) ? Vector.LanesOf(name) : Vector256 + ".Create(" + name + ")";

        public string Operation(Operation operation) => operation switch
        {
            CopyOperation copy => Operand(copy.Value),
            BinaryOperation binary => Operand(binary.Left) + " " + Symbol(binary.Operator) + " " + Operand(binary.Right),
            UnaryOperation { Operator: UnaryOperator.Negate } negation => "-" + Operand(negation.Value),

            // max(0, z) and min(0, z) as the scalar functions give them, NaN and signed zeros included.
            IntrinsicCall { Function: var function, Arguments: var arguments } when function is "Max" or "Min" =>
                Extreme(function, Literals.FloatingValue(arguments[0]) == 0 ? arguments[1] : arguments[0]),
            ElementRead read when read.Index is VariableOperand { Id: var index } && (index == Counter || Vector.StrideOf(index) is not null) =>
                "global::DiffGen.Kernels.LoadLanes<" + Vector.Type.Name + ">(" + _spelling.Name(read.Array) + ", " + _spelling.Name(index) + Stride(read.Index) + ")",
            ConversionOperation { Value: VariableOperand { Id: var index } } when Vector.StrideOf(index) is not null =>
                "global::DiffGen.Kernels.IndexLanes<" + Vector.Type.Name + ">(" + _spelling.Name(index) + ", " + Vector.StrideOf(index) + ")",
            _ => throw new System.InvalidOperationException("the operation " + operation.GetType().Name + " has no lanes"),
        };

        /// <summary>The step argument of a load or add at an index that moves by more than one per lane (", 2"), else nothing.</summary>
        public string Stride(Operand index) =>
            index is VariableOperand { Id: var id } && id != Counter && Vector.StrideOf(id) is { } stride && stride != 1 ? ", " + stride : string.Empty;

        // max(0, z): 0 where z ≤ 0 (−0 too), z where z > 0 or NaN. min(0, z): 0 where z > 0, z elsewhere (−0 and NaN too).
        private string Extreme(string function, Operand value)
        {
            var z = Operand(value);
            return function == "Max"
                ? Vector256 + ".ConditionalSelect(" + Vector256 + ".LessThanOrEqual(" + z + ", " + Type + ".Zero), " + Type + ".Zero, " + z + ")"
                : Vector256 + ".ConditionalSelect(" + Vector256 + ".GreaterThan(" + z + ", " + Type + ".Zero), " + Type + ".Zero, " + z + ")";
        }

        /// <summary>An accumulation's contribution over lanes, and whether it is subtracted.</summary>
        public (string Contribution, bool Subtract) Contribution(AccumulateStatement a)
        {
            var source = Adjoint(a.Source.Name);
            var (expression, subtract) = a.Partial.IsOne ? (source, false)
                : a.Partial.IsMinusOne ? (source, true)
                : a.Partial.Reciprocal is { } divisor ? (source + " / " + Rule(divisor, a.Arguments, a.Result), false)   // as the scalar line divides
                : (source + " * " + Rule(a.Partial.Derivative, a.Arguments, a.Result), false);

            // A zero adjoint contributes exactly zero, even through an infinite local derivative.
            return a.StrongZero
                ? (Vector256 + ".ConditionalSelect(" + Vector256 + ".Equals(" + source + ", " + Type + ".Zero), " + Type + ".Zero, " + expression + ")", subtract)
                : (expression, subtract);
        }

        // A local derivative over lanes, every subexpression parenthesized: comparisons are masks, selects pick by them.
        private string Rule(RuleExpression expression, EquatableArray<Operand> arguments, Operand result) => expression switch
        {
            RuleArgument argument => Operand(arguments[argument.Index]),
            RuleResult => Operand(result),
            RuleConstant constant => Vector256 + ".Create(" + Literals.Format(constant.Value, Vector.Type.Kind) + ")",
            RuleNegate negate => "(-" + Rule(negate.Value, arguments, result) + ")",
            RuleSelect select => Vector256 + ".ConditionalSelect(" + Rule(select.Condition, arguments, result) + ", "
                + Rule(select.WhenTrue, arguments, result) + ", " + Rule(select.WhenFalse, arguments, result) + ")",
            RuleBinary binary => Binary(binary.Operator, Rule(binary.Left, arguments, result), Rule(binary.Right, arguments, result)),
            _ => throw new System.InvalidOperationException("the rule expression " + expression.GetType().Name + " has no lanes"),
        };

        private static string Binary(BinaryOperator op, string left, string right) => op switch
        {
            BinaryOperator.Add or BinaryOperator.Subtract or BinaryOperator.Multiply or BinaryOperator.Divide => "(" + left + " " + Symbol(op) + " " + right + ")",
            BinaryOperator.And => "(" + left + " & " + right + ")",
            BinaryOperator.Equal => Vector256 + ".Equals(" + left + ", " + right + ")",
            BinaryOperator.NotEqual => "~" + Vector256 + ".Equals(" + left + ", " + right + ")",
            BinaryOperator.Less => Vector256 + ".LessThan(" + left + ", " + right + ")",
            BinaryOperator.LessOrEqual => Vector256 + ".LessThanOrEqual(" + left + ", " + right + ")",
            BinaryOperator.Greater => Vector256 + ".GreaterThan(" + left + ", " + right + ")",
            BinaryOperator.GreaterOrEqual => Vector256 + ".GreaterThanOrEqual(" + left + ", " + right + ")",
            _ => throw new System.InvalidOperationException("the operator " + op + " has no lanes"),
        };

        private static string Symbol(BinaryOperator op) => op switch
        {
            BinaryOperator.Add => "+",
            BinaryOperator.Subtract => "-",
            BinaryOperator.Multiply => "*",
            BinaryOperator.Divide => "/",
            _ => throw new System.InvalidOperationException("the operator " + op + " has no lanes"),
        };
    }
}
