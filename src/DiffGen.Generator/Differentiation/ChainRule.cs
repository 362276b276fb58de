using System.Collections.Generic;
using System.Linq;
using DiffGen.Generator.Analysis;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Differentiation;

/// <summary>
/// The chain rule, one statement at a time: the pullback of an assignment, an element write or a call adds its
/// adjoint times each local partial (<see cref="DerivativeRules"/>) into each active operand's adjoint, declaring
/// that adjoint where <see cref="AdjointTable"/> says. The reverse sweep calls it in reverse order.
/// </summary>
internal sealed class ChainRule
{
    private readonly IrProgram _program;
    private readonly ActivityAnalysis _activity;
    private readonly LoopStructure _loops;
    private readonly AdjointTable _adjoints;
    private readonly Accumulators _accumulators;

    public ChainRule(IrProgram program, ActivityAnalysis activity, LoopStructure loops, AdjointTable adjoints, Accumulators accumulators)
    {
        _program = program;
        _activity = activity;
        _loops = loops;
        _adjoints = adjoints;
        _accumulators = accumulators;
    }

    // The pullback of one assignment: its adjoint times each local partial into each active operand.
    public void Pullback(AssignStatement assignment, HashSet<int> definedHere, List<SweepStatement> output, LoopStatement? loop)
    {
        var target = assignment.Target;
        if (assignment.Operation is TangentCall tangentCall)
        {
            PullbackTangentCall(target, tangentCall, definedHere, output, loop);
            return;
        }
        if (assignment.Operation is ArrayAllocation && _loops.Home(target) is not null && _adjoints.NameIfAny(target) is { } arrayAdjoint)
        {
            output.Add(new ClearArrayAdjoint(arrayAdjoint));
            return;
        }

        if (assignment.Operation is ModelElementRead { } rowRead && _program.Variables[target].Shape != ParameterShape.Scalar)
        {
            // A row of an array of models: what its reads gathered goes to the gradient model's same row.
            if (_adjoints.NameIfAny(target) is { } rowAdjoint && _adjoints.NameIfAny(rowRead.Models) is { } models)
            {
                output.Add(new FlushRowAdjoint(rowAdjoint, _program.Variables[target].Name, _program.Variables[rowRead.Models].Name, models, rowRead.Index, rowRead.Member, _program.Variables[target].Type));
            }

            return;
        }

        if (!_activity.IsActive(target) || !_adjoints.IsDeclared(target) || _program.Variables[target].Shape != ParameterShape.Scalar)
        {
            return; // inactive, an array (its elements carry the adjoints), or statically zero on every path
        }

        var type = _program.Variables[target].Type;
        var source = new AdjointRef(_adjoints.Name(target), null, _program.Variables[target].Name);
        var result = new VariableOperand(target);
        void Into(Operand operand, Partial partial, EquatableArray<Operand> arguments) =>
            Contribute(operand, partial, arguments, result, type, source, definedHere, output);

        // A read of an element (of an array, a matrix, an array of models): its adjoint is added to the element's, unchanged.
        void IntoElement(AdjointRef element, TypeRef elementType) => output.Add(new AccumulateStatement(
            element, source, DerivativeRules.Identity.Partials[0], EquatableArray<Operand>.Empty, result, type, elementType, Declare: false, StrongZero: false));

        switch (assignment.Operation)
        {
            case CopyOperation copy:
                Into(copy.Value, DerivativeRules.Identity.Partials[0], EquatableArray<Operand>.Empty);
                break;
            case ConversionOperation conversion:
                Into(conversion.Value, DerivativeRules.Identity.Partials[0], EquatableArray<Operand>.Empty);
                break;
            case UnaryOperation { Operator: UnaryOperator.Negate } negate:
                Into(negate.Value, DerivativeRules.Negate.Partials[0], EquatableArray<Operand>.Empty);
                break;
            case BinaryOperation binary when DerivativeRules.Find(binary.Operator) is { } rule:
                var operands = new[] { binary.Left, binary.Right }.ToEquatableArray();
                if (_accumulators.TryGetCarried(assignment, out var accumulator))
                {
                    // s ± t with s an accumulator: s's adjoint is this one already; only t receives.
                    if (binary.Right is not VariableOperand { Id: var r } || r != accumulator)
                    {
                        Into(binary.Right, rule.Partials[1], operands);
                    }
                    else
                    {
                        Into(binary.Left, rule.Partials[0], operands);
                    }

                    break;
                }

                if (binary.Operator == BinaryOperator.Divide && PullbackQuotient(binary, rule, operands, result, type, source, definedHere, output))
                {
                    break;
                }

                Into(binary.Left, rule.Partials[0], operands);
                Into(binary.Right, rule.Partials[1], operands);
                break;
            case IntrinsicCall call when DerivativeRules.Find(call.Function, call.Arguments.Count) is { } rule:
                for (var i = 0; i < call.Arguments.Count; i++)
                {
                    Into(call.Arguments[i], rule.Partials[i], call.Arguments);
                }

                break;
            case SelectOperation select:
                var selectOperands = new[] { select.Condition, select.WhenTrue, select.WhenFalse }.ToEquatableArray();
                Into(select.WhenTrue, DerivativeRules.Conditional.Partials[1], selectOperands);
                Into(select.WhenFalse, DerivativeRules.Conditional.Partials[2], selectOperands);
                break;
            case ElementRead read when _activity.IsActive(read.Array):
                IntoElement(new AdjointRef(_adjoints.ArrayName(read.Array), read.Index, _program.Variables[read.Array].Name), _program.Variables[read.Array].Type);
                break;
            case ModelElementRead read when _activity.IsActive(read.Models):
                // A scalar member of an element of an array of models: straight into the gradient model's element.
                IntoElement(new AdjointRef(_adjoints.NameIfAny(read.Models)!, read.Index, _program.Variables[read.Models].Name, Member: read.Member), _program.Variables[read.Models].Type);
                break;
            case MatrixRead read when _activity.IsActive(read.Array):
                IntoElement(new AdjointRef(_adjoints.ArrayName(read.Array), read.Row, _program.Variables[read.Array].Name, read.Column), _program.Variables[read.Array].Type);
                break;
            case DifferentiableCall call:
                PullbackCall(call, source.Name, definedHere, output);
                break;
            case BinaryOperation or UnaryOperation or ElementRead or ModelElementRead or MatrixRead
                or OpaqueCall or StaticRead or RowRead or DimensionRead or LengthRead or ArrayAllocation:
                break; // nothing flows back: a comparison or bitwise operation, a read of a constant, a call without a derivative
            default:
                // An operation without a pullback here would lose its derivative silently: DG0010 instead.
                throw new System.InvalidOperationException("the operation " + assignment.Operation.GetType().Name + " has no pullback");
        }

        // An adjoint whose variable this loop overwrites on every iteration starts over once consumed.
        if (_loops.Depth(loop) > _loops.Depth(_loops.Region(target)))
        {
            output.Add(new ResetAdjoint(source));
        }
    }

    // a[i] = v: the element's adjoint flows to v, and the element's old value no longer matters.
    public void PullbackWrite(ElementWriteStatement write, HashSet<int> definedHere, List<SweepStatement> output)
    {
        if (!_activity.IsActive(write.Array))
        {
            return;
        }

        var array = _program.Variables[write.Array];
        var element = new AdjointRef(_adjoints.ArrayName(write.Array), write.Index, array.Name);
        Contribute(write.Value, DerivativeRules.Identity.Partials[0], EquatableArray<Operand>.Empty, write.Value, array.Type, element, definedHere, output);
        output.Add(new ResetAdjoint(element));
    }

    // q = a / b has ∂q/∂b = −a/b², which the rule computes as −q/b: a second division beside a's dq/b. Two forms
    // need none. With a = 1, −1/b² is −q². With a varied and its adjoint declared by this very share (da = dq/b, as
    // in a layer's w / (1 + e^−z)), ∂q/∂b · dq = da · (−q): b reads a's share. Each is the same quotient of the
    // same numbers, one division fewer; a zero dq still contributes exactly zero (da is then 0, and guarded).
    private static readonly Partial ReciprocalSquared = new(-RuleResult.Instance * RuleResult.Instance, "−1/{1}² = −{r}²", Singular: true);
    private static readonly Partial QuotientShare = new(-RuleResult.Instance, "−{0}/{1}² = (1/{1})·(−{r})", Singular: true);

    private bool PullbackQuotient(
        BinaryOperation quotient,
        DerivativeRule rule,
        EquatableArray<Operand> operands,
        Operand result,
        TypeRef type,
        AdjointRef source,
        HashSet<int> definedHere,
        List<SweepStatement> output)
    {
        if (quotient.Right is not VariableOperand { Id: var divisor } || !IsActiveScalar(divisor))
        {
            return false;
        }

        if (Literals.FloatingValue(quotient.Left) == 1)
        {
            Contribute(quotient.Right, ReciprocalSquared, operands, result, type, source, definedHere, output);
            return true;
        }

        if (quotient.Left is not VariableOperand { Id: var dividend } || dividend == divisor || !IsActiveScalar(dividend)
            || _adjoints.IsDeclared(dividend) || !definedHere.Contains(dividend))
        {
            return false;
        }

        Contribute(quotient.Left, rule.Partials[0], operands, result, type, source, definedHere, output);
        var share = new AdjointRef(_adjoints.Name(dividend), null, source.PrimalName);
        Contribute(quotient.Right, QuotientShare, operands, result, type, share, definedHere, output);
        return true;
    }

    private bool IsActiveScalar(int variable) => _activity.IsActive(variable) && _program.Variables[variable].Shape == ParameterShape.Scalar;

    private void Contribute(
        Operand operand,
        Partial partial,
        EquatableArray<Operand> arguments,
        Operand result,
        TypeRef type,
        AdjointRef source,
        HashSet<int> definedHere,
        List<SweepStatement> output)
    {
        // A partial that is identically 0 (copysign's sign argument, an integer exponent) contributes nothing, not 0 × adjoint.
        if (operand is not VariableOperand { Id: var id } || !_activity.IsActive(id) || _program.Variables[id].Shape != ParameterShape.Scalar || partial.IsZero)
        {
            return;
        }

        var declare = false;
        if (!_adjoints.IsDeclared(id) && definedHere.Contains(id))
        {
            declare = true; // first contribution, in the block that defines it: declare in place (a singular one guarded in the expression)
            _adjoints.MarkDeclared(id);
        }
        else
        {
            DeclareBeforeUse(id, definedHere, output);
        }

        var variable = _program.Variables[id];
        output.Add(new AccumulateStatement(
            new AdjointRef(_adjoints.Name(id), null, variable.Name),
            source,
            partial,
            arguments,
            result,
            type,
            variable.Type,
            declare,
            partial.Singular));
    }

    // An adjoint about to be added into: declared zero right here when this block defines its
    // variable, else at the start of its region.
    private void DeclareBeforeUse(int variable, HashSet<int> definedHere, List<SweepStatement> output)
    {
        if (_adjoints.IsDeclared(variable))
        {
            return;
        }

        if (definedHere.Contains(variable))
        {
            output.Add(new DeclareZero(_program.Variables[variable].Type, new[] { _adjoints.Name(variable) }.ToEquatableArray()));
            _adjoints.MarkDeclared(variable);
            return;
        }

        _adjoints.DeclareAtRegionStart(variable);
    }

    private void PullbackCall(DifferentiableCall call, string seed, HashSet<int> definedHere, List<SweepStatement> output)
    {
        if (!IrQueries.DifferentiableOperands(call).Any(_activity.IsActive))
        {
            return; // nothing to pull back into
        }

        // A varied value passed to a [NoDerivative] scalar: the callee's full gradient has an output for it too.
        var full = CallNeeds.FullGradient(call, _activity.IsActive);
        var outputs = call.Arguments.Select((argument, i) => (Argument: argument, Parameter: call.Callee.Parameters[i]))
            .Where(a => a.Parameter.Differentiable || (full && a.Parameter.InFullGradient))
            .Select(a => Output(a.Argument, a.Parameter, definedHere, output))
            .ToEquatableArray();
        output.Add(new PullbackCall(call.Callee, full ? call.Callee.FullGradientMethod! : call.Callee.GradientMethod, call.Arguments, outputs, seed));
    }

    // u = G.Tangent(x, tx, out tu), reversed: u's adjoint through G's gradient, tu's through G's Hessian-vector product,
    // whose direction is tx: ∂(∇G·tx)/∂x = H·tx goes into x's adjoints (its h… outputs), ∂(∇G·tx)/∂tx = ∇G into tx's (d…).
    private void PullbackTangentCall(int target, TangentCall call, HashSet<int> definedHere, List<SweepStatement> output, LoopStatement? loop)
    {
        bool Flows(int variable) => _activity.IsActive(variable) && _adjoints.IsDeclared(variable);
        var (value, tangent) = (Flows(target), Flows(call.Tangent));
        if (value)
        {
            PullbackCall(new DifferentiableCall(call.Callee, call.Arguments), _adjoints.Name(target), definedHere, output);
        }

        if (tangent)
        {
            PullbackHessianVector(call, definedHere, output);
        }

        // Adjoints whose variables this loop overwrites on every iteration start over once consumed.
        foreach (var consumed in new[] { (target, value), (call.Tangent, tangent) })
        {
            if (consumed.Item2 && _loops.Depth(loop) > _loops.Depth(_loops.Region(consumed.Item1)))
            {
                output.Add(new ResetAdjoint(new AdjointRef(_adjoints.Name(consumed.Item1), null, _program.Variables[consumed.Item1].Name)));
            }
        }
    }

    private void PullbackHessianVector(TangentCall call, HashSet<int> definedHere, List<SweepStatement> output)
    {
        var parameters = call.Callee.Parameters.Where((_, i) => call.TakesTangent(i)).ToList();
        var arguments = call.Arguments.Where((_, i) => call.TakesTangent(i)).ToList();
        var outputs = call.Tangents.Select((tangent, i) => Output(tangent, parameters[i], definedHere, output))
            .Concat(arguments.Select((argument, i) => Output(argument, parameters[i], definedHere, output)));
        output.Add(new PullbackCall(call.Callee, call.Method("HessianVector"), call.Arguments.Concat(call.Tangents).ToEquatableArray(), outputs.ToEquatableArray(), _adjoints.Name(call.Tangent)));
    }

    // Where a callee's gradient output for an argument goes: the argument's adjoint, or scratch when it is a constant
    // (the callee differentiates it anyway; that gradient is computed and discarded).
    private CallOutput Output(Operand argument, CalleeParameter parameter, HashSet<int> definedHere, List<SweepStatement> output)
    {
        if (parameter.Shape != ParameterShape.Scalar)
        {
            // An array: its own adjoint span, or scratch of its length when it is a constant.
            var array = ((VariableOperand)argument).Id;
            return new CallOutput(
                _activity.IsActive(array) ? _adjoints.ArrayName(array) : "new " + parameter.Type.Name + "[" + _program.Variables[array].Name + ".Length]",
                ByReference: false);
        }

        if (argument is VariableOperand { Id: var id } && _activity.IsActive(id))
        {
            DeclareBeforeUse(id, definedHere, output);
            return new CallOutput(_adjoints.Name(id), ByReference: true);
        }

        var scratch = _adjoints.ScratchFor(parameter.Type);
        return new CallOutput(scratch, ByReference: true);
    }
}
