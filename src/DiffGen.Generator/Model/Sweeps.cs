using System.Linq;

namespace DiffGen.Generator.Model;

// The differentiated method, still free of C# syntax: the forward sweep (the primal statements, and
// what loops save on the tape) and the reverse sweep (adjoint accumulations), which Emission spells out.

/// <summary>A statement of the forward or reverse sweep.</summary>
internal abstract record SweepStatement;

/// <summary>A comment line: the source statement a group of lines comes from.</summary>
internal sealed record SweepComment(string Text) : SweepStatement;

/// <summary>A primal assignment; <paramref name="Declare"/> when it also declares its variable. In the reverse sweep, a recomputation.</summary>
internal sealed record PrimalStatement(AssignStatement Assignment, bool Declare) : SweepStatement;

/// <summary><c>Array[Index] = Value</c> in the forward sweep.</summary>
internal sealed record ElementWrite(ElementWriteStatement Write) : SweepStatement;

/// <summary>Declares variables zero-initialized (primals assigned in branches, adjoints accumulated in branches).</summary>
internal sealed record DeclareZero(TypeRef Type, EquatableArray<string> Names) : SweepStatement;

/// <summary>A branch; in the reverse sweep it re-tests the condition the forward sweep computed.</summary>
internal sealed record SweepBranch(Operand Condition, EquatableArray<SweepStatement> Then, EquatableArray<SweepStatement> Else) : SweepStatement;

/// <summary>A loop of the forward sweep: the body, then the values saved for the reverse sweep, then the latch.</summary>
/// <param name="Gate">When set, only the iterations whose gate is open are saved (with their counter), and their number after the loop.</param>
/// <param name="Reservations">Room reserved on the tapes, before the loop, for everything its nest records.</param>
/// <param name="Reserved">Whether the loop is in a nest whose room is reserved: it saves without capacity checks.</param>
internal sealed record ForwardLoop(
    LoopStatement Loop,
    EquatableArray<SweepStatement> Body,
    EquatableArray<int> Saved,
    IterationGate? Gate,
    EquatableArray<TapeReservation> Reservations,
    bool Reserved,
    ProductBlocking? Blocking = null,
    VectorLoop? Vector = null) : SweepStatement;

/// <summary>
/// A counted loop whose iterations depend on each other only through sums, run in both sweeps a vector of
/// iterations at a time (<c>Vector256</c> lanes), the rest one at a time: each variable of the body and each
/// adjoint local to the reversed iteration is a vector of lanes, a sum is one partial sum per lane added once
/// after the loop, and an adjoint reached from every iteration (an invariant's) gathers per lane the same way.
/// Its tape holds every iteration's saved value in order, so the reverse reads them by position.
/// </summary>
/// <param name="Type">The lanes' element type (<c>double</c> or <c>float</c>).</param>
/// <param name="Lanes">The vector local of each scalar of the loop (primals, adjoints local to the iteration, gathered adjoints), by the scalar's name.</param>
/// <param name="Gathered">The adjoints outside the loop that every iteration adds into: per lane in the loop, added once after.</param>
/// <param name="Gate">
/// The ReLU whose off iterations add only zeros (<see cref="IterationGate"/>'s proof): the reverse masks every
/// contribution of a lane whose unit is off, so it adds exactly nothing, as the gated scalar loop skips it.
/// </param>
/// <param name="Mask">The reverse's lane mask of the gate: which lanes' units are on.</param>
/// <param name="TapeBase">The reverse's position of the loop's first saved value on its tape.</param>
/// <param name="ForwardLanes">
/// Whether the forward sweep runs lanes too. When false (its body calls a function with no exact lane form:
/// Exp, Tanh, Log…), the forward loop is the scalar one, which pushes each iteration's values in the same
/// positional order, and only the reverse, all + − × ÷, runs lanes: a sigmoid layer's backward pass.
/// </param>
/// <param name="Strides">
/// The reverse's integer indices that step with the counter (<c>w1[2·j + 1]</c>: 2; the counter itself: 1), with their
/// step: computed once per vector for its first lane, the lanes at index + k·step.
/// </param>
/// <param name="GatheredElements">Elements of gradient arrays at an index the same in every iteration, gathered per lane as <paramref name="Gathered"/> are.</param>
internal sealed record VectorLoop(
    TypeRef Type,
    EquatableArray<LaneName> Lanes,
    EquatableArray<string> Gathered,
    (int Value, Operand Zero)? Gate,
    string Mask,
    string TapeBase,
    bool ForwardLanes,
    EquatableArray<StridedIndex> Strides,
    EquatableArray<GatheredElement> GatheredElements)
{
    public string LanesOf(string scalar) => Lanes.First(l => l.Scalar == scalar).Lanes;

    public bool IsLane(string scalar) => Lanes.Any(l => l.Scalar == scalar);

    /// <summary>The gathered element a reverse-only loop's iteration adds into at <paramref name="index"/> of <paramref name="adjoint"/>, if any.</summary>
    public GatheredElement? ElementOf(string adjoint, Operand index) => GatheredElements.FirstOrDefault(e => e.Adjoint == adjoint && e.Index == index);

    /// <summary>The step of an index variable from one lane to the next, or null when it is not one of <see cref="Strides"/>.</summary>
    public int? StrideOf(int index) => Strides.Where(s => s.Index == index).Select(s => (int?)s.Stride).FirstOrDefault();
}

/// <summary>
/// An element of a gradient array that every iteration of a reverse-only loop adds into (<c>dw[0]</c> of a logistic
/// regression's <c>w[0] · x[2·i]</c>): per lane in <paramref name="Lanes"/>, added into the element once after the loop.
/// </summary>
internal sealed record GatheredElement(string Adjoint, Operand Index, string Lanes);

/// <summary>An integer of a vectorized loop's reversed iteration that is <paramref name="Stride"/>·counter + (the same in every iteration).</summary>
internal sealed record StridedIndex(int Index, int Stride);

/// <summary>The vector local (<paramref name="Lanes"/>) that stands for a scalar of a vectorized loop.</summary>
internal sealed record LaneName(string Scalar, string Lanes);

/// <summary>
/// The room a loop nest needs on one tape, reserved before it: then no save inside it checks
/// capacity or calls out to grow the tape, and the loops' values can stay in registers.
/// </summary>
internal sealed record TapeReservation(string Tape, TapeSpace Values);

/// <summary>A count of tape values, as a formula of trip counts known before the nest runs.</summary>
internal abstract record TapeSpace;

/// <summary>A constant number of values.</summary>
internal sealed record SpaceConstant(int Count) : TapeSpace;

/// <summary>The sum of the terms.</summary>
internal sealed record SpaceSum(EquatableArray<TapeSpace> Terms) : TapeSpace;

/// <summary>A counted loop's trip count times what each iteration records.</summary>
internal sealed record SpacePerTrip(CounterSpec Counter, TapeSpace PerIteration) : TapeSpace;

/// <summary>
/// A ReLU that gates a counted loop's iterations: when <c>Value &lt; 0</c>, <c>max(0, Value)</c> is off and
/// the iteration's reverse adds only zeros (its derivative is 0 and its value, 0, is the only factor that
/// reaches the outputs). The forward sweep then records only the iterations where the ReLU is on (or NaN),
/// without a branch, and the reverse sweep replays just those: an off unit costs nothing in reverse and no
/// branch mispredicts on it, as in hand-written backprop that skips inactive units.
/// </summary>
/// <param name="Value">The ReLU's argument.</param>
/// <param name="Zero">The literal 0 of its type.</param>
/// <param name="Open">The forward iteration's flag: is the ReLU on?</param>
/// <param name="RecordStart">The counter tape's length before the forward loop: the records are what it gains.</param>
/// <param name="Remaining">The reverse loop's count of iterations left to replay.</param>
/// <param name="CounterTape">The tape of the counter's type, which also holds the count.</param>
internal sealed record IterationGate(int Value, Operand Zero, string Open, string RecordStart, string Remaining, string CounterTape);

/// <summary>
/// A loop of the reverse sweep: its iterations in reverse order, each restoring what the forward
/// iteration saved (<see cref="TapePop"/>), recomputing what is cheaper to recompute, then reversing
/// the latch and the body. <paramref name="LastIteration"/> names the flag that skips the latch of a
/// general loop's last iteration (null for a counted loop).
/// </summary>
/// <param name="SkipUnlessNonzero">
/// Adjoints that flow into the loop from outside. When the loop saves nothing and all of them are
/// zero, every contribution it would make is zero (exactly, by the strong-zero convention), so it is
/// skipped: a ReLU unit that was off costs nothing in the reverse sweep, as in hand-written backprop.
/// </param>
/// <param name="Gate">When set, the loop replays only the iterations its forward loop recorded, in reverse order.</param>
/// <param name="Blocking">When set, the loop runs in the forward sweep's blocks, last first, and each block ends with the pullbacks of its matrix products.</param>
internal sealed record ReverseLoop(
    LoopStatement Loop,
    EquatableArray<SweepStatement> Iteration,
    string? LastIteration,
    EquatableArray<string> SkipUnlessNonzero,
    IterationGate? Gate,
    ProductBlocking? Blocking = null,
    EquatableArray<ProductPullback> Pullbacks = default,
    VectorLoop? Vector = null) : SweepStatement;

/// <summary>A dot-product loop, vectorized: <c>acc += Dot(A slice, B slice)</c>.</summary>
/// <param name="Slices">The hoisted slices it reads, when the enclosing loop does not move them.</param>
internal sealed record ForwardDot(DotKernel Kernel, HoistedSlices Slices) : SweepStatement;

/// <summary>
/// A read-only slice of a dot kernel's operand that the enclosing loop does not move (the row of
/// <c>x</c> a layer's units all read), sliced once before that loop instead of once per iteration.
/// </summary>
/// <param name="Guard">The enclosing loop's counter: the slice is taken only when that loop and the kernel run at all, as the original reads happen.</param>
internal sealed record RowSlice(string Name, DotKernel Kernel, bool OfA, CounterSpec Guard);

/// <summary>Declares a hoisted slice.</summary>
internal sealed record DeclareSlice(RowSlice Slice) : SweepStatement;

/// <summary>The names of a kernel's hoisted operand slices (null: sliced in place).</summary>
internal sealed record HoistedSlices(string? A, string? B)
{
    public static readonly HoistedSlices None = new(null, null);
}

/// <summary>
/// The reverse of a dot-product loop, vectorized: <c>dA[slice] += dacc · B[slice]</c> and
/// <c>dB[slice] += dacc · A[slice]</c> for the arrays that are active (null adjoint: inactive).
/// </summary>
internal sealed record ReverseDot(DotKernel Kernel, string AccumulatorAdjoint, string? AdjointA, string? AdjointB, HoistedSlices Slices) : SweepStatement;

/// <summary>
/// A dot-product loop of a matrix-product nest: its value is the block's precomputed product,
/// <c>acc += Products[(outer − blockStart) · Columns + (inner − innerStart)]</c>.
/// </summary>
internal sealed record ForwardProductRead(MatrixProduct Product, string BlockStart) : SweepStatement;

/// <summary>
/// The reverse of a dot-product loop of a matrix-product nest: its adjoint goes to the block's adjoint
/// of the same product, <c>Adjoints[(outer − blockStart) · Columns + (inner − innerStart)] += dacc</c>,
/// pulled back by the block's matrix products when the reversed block ends.
/// </summary>
internal sealed record ProductAdjoint(MatrixProduct Product, string AccumulatorAdjoint, string BlockStart) : SweepStatement;

/// <summary>The pullback of one matrix product at the end of a reversed block, into the active operands' adjoints (null: inactive).</summary>
internal sealed record ProductPullback(MatrixProduct Product, string? RowAdjoint, string? ColumnAdjoint);

/// <summary>A pooled buffer a generated gradient rents (a block of matrix products, their adjoints, a local array's adjoints), disposed in <c>finally</c>.</summary>
internal sealed record PooledBufferSpec(string Name, TypeRef Type);

/// <summary>Restores a variable from the tape.</summary>
internal sealed record TapePop(int Variable) : SweepStatement;

/// <summary>The reversed latch of a general loop, which the last iteration did not run.</summary>
internal sealed record UnlessLastIteration(string Flag, EquatableArray<SweepStatement> Body) : SweepStatement;

/// <summary><c>Target = seed</c>: the adjoint of the result is the incoming adjoint.</summary>
internal sealed record SeedStatement(string Target, TypeRef Type, string Seed) : SweepStatement;

/// <summary>
/// The start of a vector-valued method's reverse sweep: the adjoints of an output's elements (or of the
/// returned array's) are the incoming adjoint span, copied, since the sweep clears those it consumes.
/// </summary>
/// <param name="Target">The output's adjoint buffer.</param>
/// <param name="Seed">The gradient method's <c>ReadOnlySpan</c> parameter holding the incoming adjoint.</param>
/// <param name="PrimalName">The output's name, for the comment.</param>
internal sealed record SeedArrayAdjoint(string Target, string Seed, string PrimalName) : SweepStatement;

/// <summary>Where an adjoint lives: a local (<c>du3</c>), a <c>ref</c> output (<c>dw</c>) or an element of a span (<c>dw[u4]</c>).</summary>
/// <param name="Name">The adjoint's identifier.</param>
/// <param name="Index">The element index for arrays.</param>
/// <param name="PrimalName">The primal it is the adjoint of, for the comment (<c>∂u3/∂w[u4]</c>).</param>
/// <param name="Column">For an element of a matrix parameter's gradient output: the column (<c>Index</c> is the row).</param>
/// <param name="Member">For a member of an element of an array of models: its path below the element (<c>dLayers[i].Scale</c>).</param>
internal sealed record AdjointRef(string Name, Operand? Index, string PrimalName, Operand? Column = null, string? Member = null);

/// <summary>
/// One step of the chain rule: <c>Target += Source × ∂(result)/∂(argument)</c>, where the local
/// derivative is <paramref name="Partial"/> evaluated at <paramref name="Arguments"/> and <paramref name="Result"/>.
/// </summary>
/// <param name="Declare">Declare the target with this first contribution (<c>double du1 = …</c>).</param>
/// <param name="StrongZero">Guard with <c>if (source != 0)</c>: the local derivative can be infinite.</param>
/// <param name="Type">The type the partial is computed in (the operation's type).</param>
/// <param name="TargetType">The target adjoint's type (differs across a float/double conversion).</param>
internal sealed record AccumulateStatement(
    AdjointRef Target,
    AdjointRef Source,
    Partial Partial,
    EquatableArray<Operand> Arguments,
    Operand Result,
    TypeRef Type,
    TypeRef TargetType,
    bool Declare,
    bool StrongZero) : SweepStatement;

/// <summary><c>Target = 0</c>: an overwritten value's adjoint starts over (loop-carried values, array elements).</summary>
internal sealed record ResetAdjoint(AdjointRef Target) : SweepStatement;

/// <summary>The adjoint of a local array: a pooled, zeroed buffer of the same length.</summary>
/// <param name="Capacity">
/// For an array allocated inside a loop (a new array each iteration, of any length): the variable the forward
/// sweep keeps the longest length in, which sizes the one buffer every iteration's array uses in turn.
/// </param>
internal sealed record ArrayAdjoint(int Array, string Name, string Buffer, TypeRef Type, string? Capacity = null);

/// <summary>
/// At the reverse of a row read from an array of models (<c>row = Layers[i].W</c>): the adjoints its elements
/// gathered go to the gradient model's same row (<c>dLayers[i].W += drow</c>), and the buffer starts over.
/// </summary>
/// <param name="Adjoint">The row's adjoint buffer.</param>
/// <param name="Row">The row's name (<c>row</c>).</param>
/// <param name="Models">The array of models it is read from (<c>Layers</c>).</param>
/// <param name="Target">The gradient model's array of models (<c>dLayers</c>).</param>
internal sealed record FlushRowAdjoint(string Adjoint, string Row, string Models, string Target, Operand Index, string Member, TypeRef Type) : SweepStatement;

/// <summary>After a loop allocates a local array: <c>Capacity = max(Capacity, Array.Length)</c>.</summary>
internal sealed record TrackCapacity(int Array, string Capacity) : SweepStatement;

/// <summary>
/// The reverse of a loop's allocation of a local array: the adjoints in the buffer belonged to this
/// iteration's array, and the iteration reversed next has its own; they start over from zero.
/// </summary>
internal sealed record ClearArrayAdjoint(string Name) : SweepStatement;

/// <summary>Rents the adjoint buffer of a local array.</summary>
internal sealed record DeclareArrayAdjoint(ArrayAdjoint Adjoint) : SweepStatement;

/// <summary>
/// The pullback of a call to another differentiable method: its generated gradient, seeded with the
/// call's adjoint, accumulating into the arguments' adjoints (or a discarded scratch for constants).
/// </summary>
/// <param name="Method">The gradient method called: the callee's gradient, or its full gradient when a [NoDerivative] scalar receives a varied value.</param>
internal sealed record PullbackCall(CalleeSpec Callee, string Method, EquatableArray<Operand> Arguments, EquatableArray<CallOutput> Outputs, string Seed) : SweepStatement;

/// <summary>A gradient output passed to a callee: a <c>ref</c> scalar adjoint, or a span (an output span, or a scratch array for a constant).</summary>
internal sealed record CallOutput(string Expression, bool ByReference);

/// <summary>A tape of one element type, declared at the start and disposed in <c>finally</c>.</summary>
/// <param name="Storage">The local a loop nest pushes to or pops from it through: its storage as a span (<c>Tape.Storage</c>).</param>
/// <param name="Top">The local that holds its count meanwhile, set back after the nest (<c>Tape.SetCount</c>).</param>
/// <param name="StackCapacity">
/// When set, the tape's whole size, known at compile time and small: it is a span on the stack (named
/// <paramref name="Name"/>) with its count in <paramref name="Top"/>, for the whole method.
/// </param>
/// <remarks>
/// The tapes live into the method's <c>finally</c>, so the JIT keeps their fields in memory and writes the
/// count back at every push or pop; the two locals stay in registers.
/// </remarks>
internal sealed record TapeSpec(TypeRef Type, string Name, string Storage, string Top, int? StackCapacity = null);

/// <summary>The gradient method's body: forward sweep, reverse sweep, returned value, and the pooled storage they use.</summary>
/// <param name="ValueName">When the reverse sweep restores loop values, the value is kept in this local first.</param>
internal sealed record GradientBody(
    EquatableArray<IrVariable> Variables,
    EquatableArray<SweepStatement> Forward,
    EquatableArray<SweepStatement> Reverse,
    Operand Result,
    string? ValueName,
    EquatableArray<TapeSpec> Tapes,
    EquatableArray<ArrayAdjoint> ArrayAdjoints,
    EquatableArray<PooledBufferSpec> ProductBuffers = default);

/// <summary>What goes out of the pipeline for one method: its spec and its differentiated body.</summary>
internal sealed record GradientMethod(MethodSpec Spec, GradientBody Body);

/// <summary>
/// A method's tangent program (forward mode): the body with each active value's tangent computed beside it. Its
/// result is the tangent of the value and its one output the value, so reverse mode can differentiate it again.
/// </summary>
/// <param name="Value">The variable holding the method's value.</param>
/// <param name="TangentInputs">The tangent parameters' variables, one per differentiable parameter, in order.</param>
/// <param name="Constant">The value does not depend on the inputs: its tangent is 0, and the program's result is the value itself.</param>
/// <param name="OutputTangents">The variables of the written outputs' tangents, one per output asked for.</param>
internal sealed record TangentProgram(IrProgram Program, int Value, EquatableArray<int> TangentInputs, bool Constant, EquatableArray<int> OutputTangents = default);

/// <summary>The parameters forward mode takes: scalars, arrays and spans, and a matrix only as data (its tangent would be a matrix).</summary>
internal static class ForwardModeShapes
{
    public static bool Take(ParameterShape shape, bool differentiable) =>
        shape is ParameterShape.Scalar or ParameterShape.Array or ParameterShape.Span || (shape == ParameterShape.Matrix && !differentiable);
}

/// <summary>A method's <c>{Method}Tangent</c>: its forward sweep computes the value and the tangent together.</summary>
/// <param name="Spec">The [Differentiable] method's own spec (names, parameters, documentation).</param>
/// <param name="Body">The tangent program's forward sweep (no reverse sweep); its result is the tangent.</param>
/// <param name="Value">The variable holding the method's value.</param>
/// <param name="Tangents">The tangent parameters' names, one per differentiable parameter, in order (<c>t</c> + name).</param>
/// <param name="Output">The <c>out</c> parameter receiving the tangent.</param>
/// <param name="Constant">The value does not depend on the inputs: the tangent is 0.</param>
/// <param name="Unsupported">What in the body forward mode does not take yet; then there is no body, and the method throws.</param>
/// <param name="ModelTangents">The tangent models' names (<c>t</c> + name), one per model with differentiable members, the instance first.</param>
/// <param name="Members">The model members the body reads, and their tangents (the same members of the tangent models).</param>
/// <param name="OutputTangents">For a method that writes its outputs: the spans receiving their tangents (<c>t</c> + name), one per output.</param>
internal sealed record TangentMethod(
    MethodSpec Spec,
    GradientBody? Body,
    int Value,
    EquatableArray<string> Tangents,
    string Output,
    bool Constant,
    string? Unsupported = null,
    EquatableArray<string> ModelTangents = default,
    EquatableArray<ParameterSpec> Members = default,
    EquatableArray<string> OutputTangents = default);

/// <summary>The models of a <c>{Method}HessianVector</c>, one each per model with differentiable members, the instance first.</summary>
/// <param name="Directions">The direction models (<c>v</c> + name).</param>
/// <param name="Gradients">The gradient models (<c>d</c> + name).</param>
/// <param name="Products">The H·v models (<c>h</c> + name).</param>
internal sealed record ModelNames(EquatableArray<string> Directions, EquatableArray<string> Gradients, EquatableArray<string> Products);

/// <summary>
/// A method's <c>{Method}HessianVector</c>: reverse mode over its tangent program. The tangent is ∇f·v, linear in the
/// direction v, so one reverse sweep gives both ∂(∇f·v)/∂x = H·v and ∂(∇f·v)/∂v = ∇f.
/// </summary>
/// <param name="Directions">The direction parameters' names (<c>v</c> + name), one per differentiable parameter.</param>
/// <param name="Gradients">The gradient outputs' names (<c>d</c> + name).</param>
/// <param name="Products">The H·v outputs' names (<c>h</c> + name).</param>
/// <param name="Seed">The incoming adjoint's name.</param>
/// <param name="Unsupported">What in the body forward mode does not take yet; then there is no body, and the method throws.</param>
/// <param name="Models">The direction, gradient and H·v models' names.</param>
/// <param name="Members">The model members the body reads, the same members of the direction models, and where their gradients and products go.</param>
internal sealed record HessianVectorMethod(
    MethodSpec Spec,
    GradientBody? Body,
    int Value,
    EquatableArray<string> Directions,
    EquatableArray<string> Gradients,
    EquatableArray<string> Products,
    string Seed,
    string? Unsupported = null,
    ModelNames? Models = null,
    EquatableArray<ParameterSpec> Members = default);
