using System.Linq;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Emission;

/// <summary>Writes the generated source file for one gradient method.</summary>
internal static partial class GradientEmitter
{
    public static string Emit(GradientMethod method, string version)
    {
        var spec = method.Spec;
        var writer = new IndentedWriter();
        GeneratedFile.Open(writer, spec, "[Differentiable]");

        WriteDocumentation(writer, spec);
        writer.Line("[global::System.CodeDom.Compiler.GeneratedCode(\"DiffGen\", \"" + version + "\")]");
        if (spec.IsFull)
        {
            // For DiffGen's own callers: the gradient users call is the one without "Full".
            writer.Line("[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]");
        }

        if (method.Body.Forward.Any(s => s is ForwardLoop))
        {
            // Loops make a gradient hot: compile it optimized at once, not through tier-0 and on-stack replacement.
            writer.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
        }

        writer.Open(spec.Accessibility + (spec.IsInstance ? " " : " static ") + ReturnText(spec) + " " + spec.GradientName + "(" + Signature(spec) + ")");
        foreach (var output in spec.Parameters.Where(p => p.IsOutput))
        {
            // The incoming adjoint has one element per output element.
            WriteLengthCheck(writer, output.IncomingAdjoint!, output.Name, "the output " + output.Name.TrimStart('@'));
            writer.Line();
        }

        MethodSignature.WriteMemberReads(writer, spec, gradients: true);
        WriteBody(writer, spec, method.Body, method.Body.Result, (_, value) =>
        {
            if (spec.Form != ResultForm.Outputs)
            {
                writer.Line(); // (a vector-valued method takes no model: no scalar gradients to write back either)
            }

            MethodSignature.WriteScalarGradients(writer, spec);
            if (spec.Form != ResultForm.Outputs)
            {
                writer.Line("return " + value + ";");
            }
        });
        writer.Close();
        if (spec.Form != ResultForm.Scalar && !spec.IsFull)
        {
            writer.Line();
            JacobianEmitter.Write(writer, spec, version);
        }

        MethodSignature.WriteFieldAccessors(writer, spec);
        GeneratedFile.Close(writer, spec);
        return writer.ToString();
    }

    /// <summary>
    /// The body of a differentiated method: its pooled storage around the forward sweep, then the reverse sweep, then
    /// <paramref name="finish"/> (given the spelling and the kept value of <paramref name="returned"/>) before the storage is returned.
    /// </summary>
    /// <param name="forward">The comment heading the forward sweep.</param>
    internal static void WriteBody(IndentedWriter writer, MethodSpec spec, GradientBody body, Operand returned, System.Action<CSharpSpelling, string> finish,
        string forward = "Forward sweep: the value, one operation per intermediate.")
    {
        var spelling = new CSharpSpelling(body.Variables, mathDirectly: true);
        // The pooled buffers: local arrays' adjoints, and the blocks of matrix products and their adjoints.
        var buffers = body.ArrayAdjoints.Select(a => new PooledBufferSpec(a.Buffer, a.Type)).Concat(body.ProductBuffers).ToList();
        var pooledTapes = body.Tapes.Where(t => t.StackCapacity is null).ToList();
        var pooled = pooledTapes.Count > 0 || buffers.Count > 0;
        var context = new Context(spelling, body);
        context.Cursors.DeclareStackTapes(writer);
        if (pooled)
        {
            // Tapes and adjoint buffers are rented from ArrayPool and returned whatever happens.
            foreach (var tape in pooledTapes)
            {
                writer.Line("var " + tape.Name + " = new global::DiffGen.Tape<" + tape.Type.Name + ">();");
            }

            foreach (var buffer in buffers)
            {
                writer.Line("global::DiffGen.PooledBuffer<" + buffer.Type.Name + "> " + buffer.Name + " = default;");
            }

            writer.Open("try");
        }

        writer.Line("// " + forward);
        WriteStatements(writer, context, body.Forward);
        var value = spelling.Operand(returned);
        if (body.ValueName is not null)
        {
            writer.Line(spec.ReturnType.Name + " " + body.ValueName + " = " + value + ";");
            value = body.ValueName;
        }

        if (spec.Form == ResultForm.Array)
        {
            writer.Line();
            writer.Line("// The seed is the incoming adjoint of the returned array: one element per element of it.");
            WriteLengthCheck(writer, spec.SeedName, value, "the returned array");
        }

        if (body.Reverse.Count > 0)
        {
            writer.Line();
            writer.Line("// Reverse sweep: each adjoint times the local derivative, from the value back to the parameters.");
            WriteStatements(writer, context, body.Reverse);
        }

        finish(spelling, value);

        if (pooled)
        {
            writer.Close();
            writer.Open("finally");
            foreach (var tape in pooledTapes)
            {
                writer.Line(tape.Name + ".Dispose();");
            }

            foreach (var buffer in buffers)
            {
                writer.Line(buffer.Name + ".Dispose();");
            }

            writer.Close();
        }
    }

    /// <summary>The gradient method's return type: the value's (void for a method that writes its outputs).</summary>
    internal static string ReturnText(MethodSpec spec) => spec.Form switch
    {
        ResultForm.Outputs => "void",
        ResultForm.Array => spec.ReturnType.Name + "[]",
        _ => spec.ReturnType.Name,
    };

    /// <summary><c>if (span.Length != expected) throw new ArgumentException(…)</c>, naming the parameter.</summary>
    internal static void WriteLengthCheck(IndentedWriter writer, string span, string expected, string what)
    {
        writer.Open("if (" + span + ".Length != " + expected + ".Length)");
        writer.Line("throw new global::System.ArgumentException(\"" + span.TrimStart('@') + " has \" + " + span + ".Length + \" elements; it needs one per element of " + what
            + " (\" + " + expected + ".Length + \").\", nameof(" + span + "));");
        writer.Close();
    }

    private static string Signature(MethodSpec spec)
    {
        var parameters = MethodSignature.Inputs(spec);
        parameters.AddRange(MethodSignature.Outputs(spec));
        switch (spec.Form)
        {
            case ResultForm.Scalar:
                parameters.Add(spec.ReturnType.Name + " " + spec.SeedName + " = " + (spec.ReturnType.Kind == ScalarKind.Float ? "1f" : "1.0"));
                break;
            case ResultForm.Array:
                parameters.Add("global::System.ReadOnlySpan<" + spec.ReturnType.Name + "> " + spec.SeedName);
                break;
        }

        return string.Join(", ", parameters);
    }

    private static void WriteDocumentation(IndentedWriter writer, MethodSpec spec)
    {
        if (spec.Form != ResultForm.Scalar)
        {
            WriteVectorDocumentation(writer, spec);
            return;
        }

        var name = CSharpSpelling.Xml(spec.Name);
        writer.Line("/// <summary>");
        writer.Line("/// Computes <see cref=\"" + CSharpSpelling.Xml(spec.Cref) + "\"/> and its gradient by reverse-mode automatic differentiation:");
        writer.Line("/// returns the value and adds <paramref name=\"" + spec.SeedName + "\"/> × ∂" + name + "/∂p into the output of each differentiable parameter p.");
        writer.Line("/// Outputs accumulate; zero them before the call.");
        if (spec.IsFull)
        {
            writer.Line("/// Like " + CSharpSpelling.Xml(spec.Name) + "Gradient, but with outputs for the [NoDerivative] floating-point parameters too:");
            writer.Line("/// DiffGen calls it from a [Differentiable] method that passes them values that depend on its own parameters.");
        }

        writer.Line("/// </summary>");
        foreach (var model in spec.Models.Where(m => m.Position >= 0))
        {
            writer.Line("/// <param name=\"" + model.Name.TrimStart('@') + "\">" + (model.GradientName is not null
                ? "A model: the members it reads are differentiable (except [NoDerivative] ones); their gradients go to the same members of <paramref name=\"" + model.GradientName + "\"/>."
                : "A constant model: no gradient is computed for it.") + "</param>");
        }

        foreach (var parameter in spec.Parameters.Where(p => p.Member is null))
        {
            var raw = parameter.Name.TrimStart('@');
            writer.Line("/// <param name=\"" + raw + "\">" + (parameter.IsDifferentiable
                ? "Differentiable; its gradient goes to <paramref name=\"" + parameter.GradientName + "\"/>."
                : "A constant: no gradient is computed for it.") + "</param>");
        }

        foreach (var model in spec.Models.Where(m => m.GradientName is not null))
        {
            var of = model.Position < 0 ? "this instance" : model.Name.TrimStart('@');
            writer.Line("/// <param name=\"" + model.GradientName + "\">A model shaped like " + of + ": each member read receives " + spec.SeedName + " × ∂" + name
                + "/∂(that member of " + of + "), added to its current value; its arrays must have the lengths of " + of + "'s.</param>");
        }

        foreach (var parameter in spec.Parameters.Where(p => p.IsDifferentiable && p.Member is null))
        {
            var raw = parameter.Name.TrimStart('@');
            writer.Line("/// <param name=\"" + parameter.GradientName + "\">Receives " + spec.SeedName + " × ∂" + name + "/∂" + raw
                + parameter.Shape switch
                {
                    ParameterShape.Scalar => string.Empty,
                    ParameterShape.Matrix => "[i, j] for each element (same dimensions as " + raw + ")",
                    _ => "[i] for each element i (same length as " + raw + ")",
                }
                + ", added to its current value.</param>");
        }

        writer.Line("/// <param name=\"" + spec.SeedName + "\">The incoming adjoint: ∂(objective)/∂" + name + ", 1 for the gradient of " + name + " itself.</param>");
        writer.Line("/// <returns>The value of " + name + ".</returns>");
    }

    // A vector-Jacobian product's documentation: which parameter is an output, which adjoint comes in, which goes out.
    private static void WriteVectorDocumentation(IndentedWriter writer, MethodSpec spec)
    {
        var name = CSharpSpelling.Xml(spec.Name);
        var outputs = spec.Form == ResultForm.Array ? "the array " + name + " returns" : "its outputs";
        writer.Line("/// <summary>");
        writer.Line("/// Computes <see cref=\"" + CSharpSpelling.Xml(spec.Cref) + "\"/> and a vector-Jacobian product by reverse-mode automatic differentiation:");
        writer.Line("/// " + (spec.Form == ResultForm.Array ? "returns the array " + name + " returns" : "writes the outputs as " + name + " does")
            + ", and adds Σᵢ ȳ[i] × ∂y[i]/∂p into the output of each differentiable parameter p,");
        writer.Line("/// where y is " + outputs + " and ȳ the incoming adjoint of y. Outputs accumulate; zero them before the call.");
        writer.Line("/// </summary>");
        foreach (var parameter in spec.Parameters)
        {
            var raw = parameter.Name.TrimStart('@');
            writer.Line("/// <param name=\"" + raw + "\">" + (parameter.IsOutput
                ? "An output: written as " + name + " writes it; its incoming adjoint is <paramref name=\"" + parameter.IncomingAdjoint + "\"/>."
                : parameter.Written
                    ? "A [NoDerivative] buffer " + name + " writes: not an output, no adjoint comes in for it."
                    : parameter.IsDifferentiable
                        ? "Differentiable; its gradient goes to <paramref name=\"" + parameter.GradientName + "\"/>."
                        : "A constant: no gradient is computed for it.") + "</param>");
        }

        foreach (var parameter in spec.Parameters.Where(p => p.IsDifferentiable || p.IsOutput))
        {
            var raw = parameter.Name.TrimStart('@');
            writer.Line(parameter.IsOutput
                ? "/// <param name=\"" + parameter.IncomingAdjoint + "\">The incoming adjoint of " + raw + ": ∂(objective)/∂" + raw + "[i], one element per element of " + raw + ".</param>"
                : "/// <param name=\"" + parameter.GradientName + "\">Receives Σᵢ ȳ[i] × ∂y[i]/∂" + raw
                    + parameter.Shape switch
                    {
                        ParameterShape.Scalar => string.Empty,
                        ParameterShape.Matrix => "[j, k] for each element (same dimensions as " + raw + ")",
                        _ => "[j] for each element j (same length as " + raw + ")",
                    }
                    + ", added to its current value.</param>");
        }

        if (spec.Form == ResultForm.Array)
        {
            writer.Line("/// <param name=\"" + spec.SeedName + "\">The incoming adjoint ȳ of the returned array: ∂(objective)/∂y[i], one element per element of it.</param>");
            writer.Line("/// <returns>The array " + name + " returns.</returns>");
        }

        writer.Line("/// <exception cref=\"global::System.ArgumentException\">An incoming adjoint's length is not its output's.</exception>");
    }

    /// <summary>What statement writers need besides the writer: names, and which tape holds each type.</summary>
    private sealed class Context
    {
        public Context(CSharpSpelling spelling, GradientBody body)
        {
            Spelling = spelling;
            Tapes = body.Tapes.ToDictionary(t => t.Type.Name, t => t.Name);
            Variables = body.Variables;
            Cursors = new TapeCursors(body.Tapes);
        }

        public CSharpSpelling Spelling { get; }

        public System.Collections.Generic.Dictionary<string, string> Tapes { get; }

        public EquatableArray<IrVariable> Variables { get; }

        public string TapeOf(int variable) => Tapes[Variables[variable].Type.Name];

        /// <summary>The rows of matrix products sliced before the inner loop being written (<see cref="MatrixProductEmitter.WriteRow"/>).</summary>
        public System.Collections.Generic.HashSet<string> SlicedRows { get; } = new();

        // Slices, before an inner loop, the rows of the products its iterations read or gather adjoints into.
        public System.Collections.Generic.List<string> SliceRows(IndentedWriter writer, LoopStatement loop, EquatableArray<SweepStatement> iteration) =>
            MatrixProductEmitter.SliceRows(writer, Spelling, loop, iteration, SlicedRows);

        /// <summary>How the tapes are pushed to and popped from where the writer is: their own fields, or locals.</summary>
        public TapeCursors Cursors { get; }
    }

    private static void WriteStatements(IndentedWriter writer, Context context, EquatableArray<SweepStatement> statements)
    {
        var spelling = context.Spelling;
        foreach (var statement in statements)
        {
            switch (statement)
            {
                case SweepComment comment:
                    writer.Line("// " + comment.Text);
                    break;

                case DeclareZero declare:
                    writer.Line(declare.Type.Name + " " + string.Join(", ", declare.Names.Select(n => n + " = " + Zero(declare.Type))) + ";");
                    break;

                case PrimalStatement primal:
                    var target = primal.Assignment.Target;
                    var type = spelling.Type(target);
                    var declaredType = context.Variables[target].Shape == ParameterShape.Scalar ? type.Name : ArrayTypeName(primal.Assignment.Operation, type);
                    writer.Line((primal.Declare ? declaredType + " " : string.Empty) + spelling.Name(target) + " = " + spelling.Operation(primal.Assignment.Operation, type) + ";");
                    break;

                case ElementWrite write:
                    writer.Line(spelling.Name(write.Write.Array) + "[" + spelling.Operand(write.Write.Index) + "] = " + spelling.Operand(write.Write.Value) + ";");
                    break;

                case SweepBranch { Condition: LiteralOperand { Text: "true" or "false" } literal } branch:
                    // A constant condition (while (true)): only the arm it selects, so no code is unreachable.
                    WriteStatements(writer, context, literal.Text == "true" ? branch.Then : branch.Else);
                    break;

                case SweepBranch branch when branch.Then.Count == 0:
                    // Only the else arm has work (a reverse sweep often does): test the negation.
                    writer.Open("if (!" + spelling.Term(branch.Condition) + ")");
                    WriteStatements(writer, context, branch.Else);
                    writer.Close();
                    break;

                case SweepBranch branch:
                    writer.Open("if (" + spelling.Operand(branch.Condition) + ")");
                    WriteStatements(writer, context, branch.Then);
                    writer.Close();
                    if (branch.Else.Count > 0)
                    {
                        writer.Open("else");
                        WriteStatements(writer, context, branch.Else);
                        writer.Close();
                    }

                    break;

                case ForwardLoop loop:
                    WriteForwardLoop(writer, context, loop);
                    break;

                case ReverseLoop loop:
                {
                    // The rows it slices are in its scope only.
                    var sliced = context.SlicedRows.ToList();
                    WriteReverseLoop(writer, context, loop);
                    context.SlicedRows.IntersectWith(sliced);
                    break;
                }

                case ForwardDot dot:
                {
                    var k = dot.Kernel;
                    var accumulator = spelling.Name(k.Accumulator);
                    writer.Line("// vectorized: a dot product of two slices (sums round differently from the scalar loop, within a few ulps)");
                    writer.Open("if (" + NonEmpty(spelling, k.Counter) + ")");
                    writer.Line(accumulator + " += global::DiffGen.Kernels.Dot("
                        + (dot.Slices.A ?? Slice(spelling, k.A, k.OffsetA, k.Counter, k.Type, spelling.Name(k.A), readOnly: true)) + ", "
                        + (dot.Slices.B ?? Slice(spelling, k.B, k.OffsetB, k.Counter, k.Type, spelling.Name(k.B), readOnly: true)) + ");");
                    writer.Close();
                    break;
                }

                case ReverseDot dot:
                {
                    var k = dot.Kernel;
                    var updates = new[] { (dot.AdjointA, k.B), (dot.AdjointB, k.A) }
                        .Where(u => u.Item1 is not null)
                        .Select(u => u.Item1 + " += " + dot.AccumulatorAdjoint + " · " + spelling.Name(u.Item2));
                    writer.Line("// vectorized over the slices: " + string.Join(", ", updates) + "   (∂(a·b)/∂a = b)");
                    writer.Open("if (" + dot.AccumulatorAdjoint + " != 0 && " + NonEmpty(spelling, k.Counter) + ")");
                    foreach (var (gradient, array, offset, other, otherOffset, otherHoisted) in new[]
                    {
                        (dot.AdjointA, k.A, k.OffsetA, k.B, k.OffsetB, dot.Slices.B),
                        (dot.AdjointB, k.B, k.OffsetB, k.A, k.OffsetA, dot.Slices.A),
                    })
                    {
                        if (gradient is null)
                        {
                            continue;
                        }

                        var destination = Slice(spelling, array, offset, k.Counter, k.Type, gradient, readOnly: false);
                        writer.Line("global::DiffGen.Kernels.MultiplyAdd(" + dot.AccumulatorAdjoint + ", "
                            + (otherHoisted ?? Slice(spelling, other, otherOffset, k.Counter, k.Type, spelling.Name(other), readOnly: true)) + ", "
                            + destination + ");");
                    }

                    writer.Close();
                    break;
                }

                case ForwardProductRead read:
                    MatrixProductEmitter.WriteRead(writer, spelling, read, context.SlicedRows.Contains(read.Product.ProductsRow));
                    break;

                case ProductAdjoint gathered:
                    MatrixProductEmitter.WriteAdjoint(writer, spelling, gathered, context.SlicedRows.Contains(gathered.Product.AdjointsRow));
                    break;

                case DeclareSlice declare:
                {
                    var slice = declare.Slice;
                    var k = slice.Kernel;
                    var (array, offset) = slice.OfA ? (k.A, k.OffsetA) : (k.B, k.OffsetB);
                    var name = spelling.Name(array);
                    writer.Line("// the slice of " + name + " the dot product below reads does not move with "
                        + spelling.Name(slice.Guard.Counter) + ": sliced once (if the loops run at all, as the reads would)");
                    writer.Line("global::System.ReadOnlySpan<" + k.Type.Name + "> " + slice.Name + " = "
                        + NonEmpty(spelling, slice.Guard) + " && " + NonEmpty(spelling, k.Counter) + " ? "
                        + Slice(spelling, array, offset, k.Counter, k.Type, name, readOnly: true) + " : default;");
                    break;
                }

                case TapePop pop:
                    writer.Line(spelling.Name(pop.Variable) + " = " + context.Cursors.Pop(context.TapeOf(pop.Variable)) + ";");
                    break;

                case UnlessLastIteration latch:
                    writer.Open("if (!" + latch.Flag + ")");
                    WriteStatements(writer, context, latch.Body);
                    writer.Close();
                    break;

                case SeedArrayAdjoint seed:
                    writer.Line(seed.Seed + ".CopyTo(" + seed.Target + ");   // the adjoints of " + seed.PrimalName + "'s elements start as the incoming adjoint");
                    break;

                case SeedStatement seed:
                    writer.Line(seed.Type.Name + " " + seed.Target + " = " + seed.Seed + ";   // the adjoint of the value is the incoming adjoint");
                    break;

                case AccumulateStatement accumulate:
                    writer.Line(Accumulate(spelling, accumulate));
                    break;

                case TrackCapacity track:
                    writer.Line(track.Capacity + " = global::System.Math.Max(" + track.Capacity + ", " + spelling.Name(track.Array) + ".Length);   // the adjoint buffer serves every iteration's array");
                    break;

                case FlushRowAdjoint flush:
                    var index = "[" + spelling.Operand(flush.Index) + "]" + flush.Member;
                    writer.Line("// " + flush.Row + " = " + flush.Models + index + ": the adjoints of its elements go to the gradient model's " + flush.Target + index);
                    writer.Line("global::DiffGen.Kernels.AddRowAdjoints(" + flush.Adjoint + ", " + flush.Models + index + ".Length, " + flush.Target + index
                        + ", \"" + flush.Models + "\", " + spelling.Operand(flush.Index) + ", \"" + flush.Member + "\");");
                    break;

                case ClearArrayAdjoint clear:
                    writer.Line(clear.Name + ".Clear();   // a new array each iteration: the adjoints of this one's elements start over");
                    break;

                case ResetAdjoint reset:
                    writer.Line(Element(spelling, reset.Target) + " = 0;   // overwritten in the forward sweep: its adjoint starts over");
                    break;

                case DeclareArrayAdjoint array:
                    var adjoint = array.Adjoint;
                    WriteRent(writer, adjoint.Buffer, adjoint.Type, adjoint.Capacity ?? spelling.Name(adjoint.Array) + ".Length", adjoint.Name);
                    break;

                case PullbackCall call:
                    writer.Line(call.Method.EndsWith("HessianVector", System.StringComparison.Ordinal)
                        ? "// pullback of " + call.Callee.DisplayName + "'s tangent: its Hessian-vector product in the tangent's direction, seeded with " + call.Seed + ", adds H·v into the arguments' adjoints and the gradient into the direction's"
                        : "// pullback of " + call.Callee.DisplayName + ": its gradient, seeded with " + call.Seed + ", accumulates into the arguments' adjoints");
                    var arguments = call.Arguments.Select(spelling.Operand)
                        .Concat(call.Outputs.Select(o => (o.ByReference ? "ref " : string.Empty) + o.Expression))
                        .Concat(new[] { call.Seed });
                    writer.Line(call.Method + "(" + string.Join(", ", arguments) + ");");
                    break;

                default:
                    // A statement this emitter does not know would otherwise vanish from the gradient: an error (DG0010), never a silent omission.
                    throw new System.InvalidOperationException("the sweep statement " + statement.GetType().Name + " has no emission");
            }
        }
    }

    private static string ArrayTypeName(Operation operation, TypeRef element) =>
        operation is ArrayAllocation { OnStack: true } ? "global::System.Span<" + element.Name + ">" : element.Name + "[]";

    private static void WriteForwardLoop(IndentedWriter writer, Context context, ForwardLoop forward)
    {
        var spelling = context.Spelling;
        var loop = forward.Loop;
        var reservations = forward.Reservations.Where(r => !context.Cursors.OnStack(r.Tape)).ToList();
        if (reservations.Count > 0)
        {
            writer.Line("// room on the tapes for all that this loop nest saves: no capacity check, so no call, inside it");
            foreach (var reservation in reservations)
            {
                writer.Line(reservation.Tape + ".Reserve(" + Space(spelling, reservation.Values) + ");");
            }
        }

        if (forward.Blocking is { } outerBlocking)
        {
            MatrixProductEmitter.OpenForwardBlock(writer, spelling, loop.RequireCounter("a blocked loop"), outerBlocking);
        }

        // A reserved nest saves through locals: its saves check no capacity, so its tapes' storage cannot move meanwhile.
        var cursors = forward.Reserved
            ? context.Cursors.Open(writer, forward.Reservations.Select(r => r.Tape)
                .Concat(forward.Saved.Select(context.TapeOf))
                .Concat(forward.Gate is { } gated ? new[] { gated.CounterTape } : System.Array.Empty<string>()))
            : new System.Collections.Generic.List<TapeSpec>();
        if (forward.Gate is { } recording)
        {
            // A gated loop is always in a reserved nest (TapeReservations): its records need no room of their own.
            writer.Line("int " + recording.RecordStart + " = " + context.Cursors.Count(recording.CounterTape) + ";");
        }

        var slicedRows = context.SliceRows(writer, loop, forward.Body);
        if (forward.Vector is { ForwardLanes: true } vector)
        {
            WriteVectorForwardLoop(writer, context, forward, vector);
        }
        else
        {
            WriteScalarForwardLoop(writer, context, forward);
        }

        context.SlicedRows.ExceptWith(slicedRows);
        if (forward.Gate is { } recorded)
        {
            // Each record adds the counter, and any saved value of the counter's type, to the counter's tape.
            var perRecord = 1 + forward.Saved.Count(v => context.TapeOf(v) == recorded.CounterTape);
            var gained = context.Cursors.Count(recorded.CounterTape) + " - " + recorded.RecordStart;
            writer.Line(context.Cursors.PushReserved(recorded.CounterTape, perRecord == 1 ? gained : "(" + gained + ") / " + perRecord) + "   // how many iterations were recorded");
        }

        context.Cursors.Close(writer, cursors);
        if (forward.Blocking is { } blocked)
        {
            MatrixProductEmitter.CloseForwardBlock(writer, spelling, loop.RequireCounter("a blocked loop"), blocked);
        }
    }

    // The loop one iteration at a time: its body, its saves (only the iterations whose gate is on, for a gated loop), its latch.
    private static void WriteScalarForwardLoop(IndentedWriter writer, Context context, ForwardLoop forward)
    {
        var spelling = context.Spelling;
        var loop = forward.Loop;
        switch (loop.Control)
        {
            case CountedLoop { Counter: var blockedCounter } when forward.Blocking is { } blocking:
                var blockedName = spelling.Name(blockedCounter.Counter);
                writer.Open("for (int " + blockedName + " = " + blocking.Start + "; " + blockedName + " < " + blocking.End + "; " + blockedName + "++)");
                break;
            case CountedLoop { Counter: var counter }:
                writer.Open(spelling.ForwardFor(counter));
                break;
            case ConditionalLoop { Trips: var trips }:
                writer.Line(spelling.Name(trips) + " = 0;");
                writer.Open("while (true)");
                break;
            default:
                throw new System.InvalidOperationException("unknown loop control: " + loop.Control);
        }

        WriteStatements(writer, context, forward.Body);
        if (forward.Gate is { } gate)
        {
            // Branchless: each value is written, and the tapes advance only when the ReLU is on.
            var value = spelling.Name(gate.Value);
            writer.Line("// record this iteration only if max(" + spelling.Operand(gate.Zero) + ", " + value + ") is on (or NaN): when it is off, the reverse sweep would add only zeros");
            writer.Line("bool " + gate.Open + " = !(" + value + " < " + spelling.Operand(gate.Zero) + ");");
            foreach (var variable in forward.Saved)
            {
                writer.Line(context.Cursors.PushIf(context.TapeOf(variable), gate.Open, spelling.Name(variable)));
            }

            writer.Line(context.Cursors.PushIf(gate.CounterTape, gate.Open, spelling.Name(loop.RequireCounter("a gated loop").Counter)));
        }
        else if (forward.Saved.Count > 0)
        {
            writer.Line(forward.Vector is { } reversedInLanes
                ? "// save what this iteration overwrites and the reverse sweep needs, in order: it reads them back Vector256<" + reversedInLanes.Type.Name + ">.Count iterations at a time"
                : "// save what this iteration overwrites and the reverse sweep needs");
            foreach (var variable in forward.Saved)
            {
                var tape = context.TapeOf(variable);
                writer.Line(forward.Reserved ? context.Cursors.PushReserved(tape, spelling.Name(variable)) : context.Cursors.Push(tape, spelling.Name(variable)));
            }
        }

        if (loop.Control is ConditionalLoop conditional)
        {
            writer.Line(spelling.Name(conditional.Trips) + "++;");
            writer.Open("if (!" + spelling.Name(conditional.Continue) + ")");
            writer.Line("break;");
            writer.Close();
        }

        foreach (var latch in loop.Latch)
        {
            writer.Line(spelling.Name(latch.Target) + " = " + spelling.Operation(latch.Operation, spelling.Type(latch.Target)) + ";   // to the next iteration");
        }

        writer.Close();
    }

    private static void WriteReverseLoop(IndentedWriter writer, Context context, ReverseLoop reverse)
    {
        var guarded = reverse.SkipUnlessNonzero.Count > 0;
        if (guarded)
        {
            writer.Line("// skipped when no adjoint flows into the loop: every contribution would be zero");
            writer.Open("if (" + string.Join(" || ", reverse.SkipUnlessNonzero.Select(a => a + " != 0")) + ")");
        }

        // Pops need no room, so any reversed loop can pop through locals, unless something inside saves.
        var popped = TapeCursors.PoppedTapes(context.TapeOf, new SweepStatement[] { reverse });
        var cursors = popped is null ? new System.Collections.Generic.List<TapeSpec>() : context.Cursors.Open(writer, popped);
        context.SliceRows(writer, reverse.Loop, reverse.Iteration);
        WriteReversedIterations(writer, context, reverse);
        context.Cursors.Close(writer, cursors);
        if (guarded)
        {
            writer.Close();
        }
    }

    // The reversed loop itself: its header, the iteration, and the blocks' pullbacks when it is blocked.
    private static void WriteReversedIterations(IndentedWriter writer, Context context, ReverseLoop reverse)
    {
        var spelling = context.Spelling;
        var loop = reverse.Loop;
        if (reverse.Blocking is { } blocking)
        {
            var blockedCounter = loop.RequireCounter("a blocked loop");
            MatrixProductEmitter.OpenReverseBlock(writer, spelling, blockedCounter, blocking, reverse.Pullbacks);
            var name = spelling.Name(blockedCounter.Counter);
            writer.Open("for (int " + name + " = " + blocking.End + "; " + name + " > " + blocking.Start + ";)");
            writer.Line(name + "--;");
            WriteStatements(writer, context, reverse.Iteration);
            writer.Close();
            MatrixProductEmitter.CloseReverseBlock(writer, spelling, blockedCounter, blocking, reverse.Pullbacks);
            return;
        }

        if (reverse.Vector is { } vector)
        {
            WriteVectorReverseLoop(writer, context, reverse, vector);
            return;
        }

        if (reverse.Gate is { } gate)
        {
            // The recorded iterations, last first; each restores its counter, then what it saved.
            var gatedCounter = loop.RequireCounter("a gated loop");
            var counterName = spelling.Name(gatedCounter.Counter);
            writer.Line("// only the iterations whose max(" + spelling.Operand(gate.Zero) + ", " + spelling.Name(gate.Value) + ") was on: the others add only zeros");
            writer.Open("for (int " + gate.Remaining + " = " + context.Cursors.Pop(gate.CounterTape) + "; " + gate.Remaining + " > 0; " + gate.Remaining + "--)");
            writer.Line(spelling.Type(gatedCounter.Counter).Name + " " + counterName + " = " + context.Cursors.Pop(gate.CounterTape) + ";");
        }
        else if (loop.Control is CountedLoop { Counter: var counter })
        {
            // The counter runs backward over exactly the values the forward loop gave it, whatever its
            // type and bounds: it steps only after the test passed, so never past the type's range
            // (nor overflows in a checked build).
            var name = spelling.Name(counter.Counter);
            var type = spelling.Type(counter.Counter).Name;
            var bound = spelling.Operand(counter.Bound);
            var start = spelling.Operand(counter.Start);
            switch (counter.Comparison)
            {
                case BinaryOperator.Less:
                    writer.Open("for (" + type + " " + name + " = " + bound + "; " + name + " > " + spelling.Term(counter.Start) + ";)");
                    writer.Line(name + "--;");
                    break;
                case BinaryOperator.Greater:
                    writer.Open("for (" + type + " " + name + " = " + bound + "; " + name + " < " + spelling.Term(counter.Start) + ";)");
                    writer.Line(name + "++;");
                    break;
                case var inclusive when StepsWithinRange(counter, type):
                    var down = inclusive == BinaryOperator.LessOrEqual;
                    writer.Open("for (" + type + " " + name + " = " + bound + "; " + name + (down ? " >= " : " <= ") + start + "; " + name + (down ? "--)" : "++)"));
                    break;
                default:
                    // An inclusive loop that may start at the end of its type's range: stop after the start.
                    writer.Open("if (" + NonEmpty(spelling, counter) + ")");
                    writer.Open("for (" + type + " " + name + " = " + bound + "; ; " + name + (counter.CountsUp ? "--)" : "++)"));
                    WriteStatements(writer, context, reverse.Iteration);
                    writer.Open("if (" + name + " == " + start + ")");
                    writer.Line("break;");
                    writer.Close();
                    writer.Close();
                    writer.Close();
                    return;
            }
        }
        else if (loop.Control is ConditionalLoop conditional)
        {
            var trips = spelling.Name(conditional.Trips);
            writer.Open(reverse.LastIteration is { } last
                ? "for (bool " + last + " = true; " + trips + " > 0; " + trips + "--, " + last + " = false)"
                : "for (; " + trips + " > 0; " + trips + "--)");
        }
        else
        {
            throw new System.InvalidOperationException("unknown loop control: " + loop.Control);
        }

        WriteStatements(writer, context, reverse.Iteration);
        writer.Close();
    }

    // Whether an inclusive counted loop's reverse can step one past its start: the start is a literal
    // of a signed int or long counter, not the end of the range the reverse steps toward.
    private static bool StepsWithinRange(CounterSpec counter, string type)
    {
        if (type is not ("int" or "long") || Literals.IntegerValue(counter.Start) is not { } value)
        {
            return false;
        }

        var (min, max) = type == "int" ? (int.MinValue, int.MaxValue) : (long.MinValue, long.MaxValue);
        return counter.CountsUp ? value > min : value < max;
    }

    // A tape space formula: trip counts (long, never negative) times values per iteration, summed.
    private static string Space(CSharpSpelling spelling, TapeSpace space) => space switch
    {
        SpaceConstant constant => constant.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
        SpaceSum sum => string.Join(" + ", sum.Terms.Select(t => Space(spelling, t))),
        SpacePerTrip { PerIteration: SpaceConstant { Count: 1 } } perTrip => Trips(spelling, perTrip.Counter),
        SpacePerTrip { PerIteration: SpaceSum } perTrip => Trips(spelling, perTrip.Counter) + " * (" + Space(spelling, perTrip.PerIteration) + ")",
        SpacePerTrip perTrip => Trips(spelling, perTrip.Counter) + " * " + Space(spelling, perTrip.PerIteration),

        // Never 0 by default: the nest saves without capacity checks into what is reserved.
        _ => throw new System.InvalidOperationException("unknown tape space: " + space.GetType().Name),
    };

    // global::DiffGen.Tape.Trips(from, to): how many times a counted loop runs, 0 when it does not.
    internal static string Trips(CSharpSpelling spelling, CounterSpec counter)
    {
        string End((Operand Value, bool PlusOne) end) =>
            !end.PlusOne ? spelling.Operand(end.Value)
            : Literals.IntegerValue(end.Value) is { } value and >= int.MinValue and <= int.MaxValue ? (value + 1L).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : spelling.Operand(end.Value) + " + 1L";
        var (low, high) = counter.Range;
        return "global::DiffGen.Tape.Trips(" + End(low) + ", " + End(high) + ")";
    }

    // Rents a pooled buffer of zeros (declared before the try, disposed in finally) and names its span.
    internal static void WriteRent(IndentedWriter writer, string buffer, TypeRef type, string length, string span)
    {
        writer.Line(buffer + " = new global::DiffGen.PooledBuffer<" + type.Name + ">(" + length + ");");
        writer.Line("global::System.Span<" + type.Name + "> " + span + " = " + buffer + ".Span;");
    }

    // Whether a counted loop runs at all: its condition at the start.
    internal static string NonEmpty(CSharpSpelling spelling, CounterSpec counter) => counter.Comparison switch
    {
        BinaryOperator.Less => spelling.Operand(counter.Bound) + " > " + spelling.Operand(counter.Start),
        BinaryOperator.LessOrEqual => spelling.Operand(counter.Bound) + " >= " + spelling.Operand(counter.Start),
        BinaryOperator.Greater => spelling.Operand(counter.Start) + " > " + spelling.Operand(counter.Bound),
        _ => spelling.Operand(counter.Start) + " >= " + spelling.Operand(counter.Bound),
    };

    // The elements the loop's counter visits: from offset + start, bound − start of them (one more for <=).
    private static string Slice(CSharpSpelling spelling, int array, Operand? offset, CounterSpec counter, TypeRef type, string name, bool readOnly)
    {
        var fromZero = Literals.IntegerValue(counter.Start) == 0;
        var start = offset is null ? spelling.Operand(counter.Start)
            : fromZero ? spelling.Operand(offset)
            : spelling.Term(offset) + " + " + spelling.Term(counter.Start);
        var length = spelling.Term(counter.Bound) + (fromZero ? string.Empty : " - " + spelling.Term(counter.Start))
            + (counter.Comparison == BinaryOperator.LessOrEqual ? " + 1" : string.Empty);
        var span = readOnly ? "((global::System.ReadOnlySpan<" + type.Name + ">)" + name + ")" : name;
        return span + ".Slice(" + start + ", " + length + ")";
    }

    private static string Element(CSharpSpelling spelling, AdjointRef adjoint) => Indexed(spelling, adjoint.Name, adjoint.Index, adjoint.Column) + adjoint.Member;

    // name, name[index] for an element of an array or span, name[row, column] for one of a matrix.
    private static string Indexed(CSharpSpelling spelling, string name, Operand? index, Operand? column = null) =>
        name + (index is { } i ? "[" + (column is { } j ? spelling.Operand(i) + ", " + spelling.Operand(j) : spelling.SpanIndex(i)) + "]" : string.Empty);

    private static string Accumulate(CSharpSpelling spelling, AccumulateStatement a)
    {
        var target = Element(spelling, a.Target);
        var source = Element(spelling, a.Source);
        var comment = AccumulateComment(spelling, a);
        string expression;
        var subtract = false;
        if (a.Partial.IsOne)
        {
            expression = source;
        }
        else if (a.Partial.IsMinusOne)
        {
            subtract = !a.Declare;
            expression = a.Declare ? "-" + source : source;
        }
        else if (a.Partial.Reciprocal is { } reciprocal)
        {
            // du × (1 / x) reads better as du / x
            var divisor = spelling.Code(reciprocal, a.Arguments, a.Result, a.Type);
            expression = source + " / " + CSharpSpelling.Parenthesize(divisor);
        }
        else
        {
            var partial = spelling.Code(a.Partial.Derivative, a.Arguments, a.Result, a.Type);
            expression = source + " * " + CSharpSpelling.Parenthesize(partial);
        }

        if (a.TargetType != a.Type)
        {
            expression = "(" + a.TargetType.Name + ")" + CSharpSpelling.Parenthesize(expression);
        }

        string statement;
        if (a.Declare && a.StrongZero)
        {
            // Declared with its first contribution, the guard in the expression: no 0 declared first and
            // then added to (an add the JIT must keep, 0 + x not being x when x is −0); ~3% of the XOR gradient.
            statement = a.TargetType.Name + " " + target + " = " + source + " != 0 ? " + expression + " : 0;";
        }
        else
        {
            statement = a.Declare
                ? a.TargetType.Name + " " + target + " = " + expression + ";"
                : target + (subtract ? " -= " : " += ") + expression + ";";
            if (a.StrongZero)
            {
                statement = "if (" + source + " != 0) " + statement;
            }
        }

        return statement + "   " + comment;
    }

    // ∂u5/∂u3 = u4: the local derivative a line of the chain rule applies.
    private static string AccumulateComment(CSharpSpelling spelling, AccumulateStatement a) =>
        "// ∂" + Indexed(spelling, a.Source.PrimalName, a.Source.Index, a.Source.Column) + a.Source.Member
        + "/∂" + Indexed(spelling, a.Target.PrimalName, a.Target.Index, a.Target.Column) + a.Target.Member
        + " = " + spelling.Math(a.Partial.Math, a.Arguments, a.Result);

    private static string Zero(TypeRef type) => type.Kind switch
    {
        ScalarKind.Bool => "false",
        ScalarKind.Double or ScalarKind.Float or ScalarKind.Integer => "0",
        _ when type.Name.EndsWith("[]", System.StringComparison.Ordinal) => "global::System.Array.Empty<" + type.Name.Substring(0, type.Name.Length - 2) + ">()",
        _ => "default",
    };
}
