using System.Collections.Generic;
using System.Linq;
using DiffGen.Generator.Analysis;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Differentiation;

/// <summary>
/// Forward-mode differentiation as an IR → IR pass: each active assignment <c>u = f(a, b)</c> is followed by its
/// tangent <c>tu = ∂f/∂a·ta + ∂f/∂b·tb</c>, with the partials lowered from the rule catalogue into IR statements.
/// Branches and loops keep their shape (a loop's latch carries the tangents with the values); a local array gets a
/// tangent array. The result is an ordinary program whose result is the tangent, so reverse mode can differentiate it
/// again (forward over reverse, for Hessian-vector products). Pure: no Roslyn.
/// </summary>
internal sealed class ForwardMode
{
    private readonly IrProgram _program;
    private readonly ActivityAnalysis _activity;
    private readonly List<IrVariable> _variables;
    private readonly NameScope _names;
    private readonly int?[] _tangents;
    private readonly List<IrStatement> _prologue = new();

    private ForwardMode(IrProgram program, IReadOnlyList<(int Variable, string Name, ParameterShape Shape)> inputs, IEnumerable<string> reserved,
        IReadOnlyList<(int Variable, string Name)> outputs)
    {
        _program = program;
        _activity = ActivityAnalysis.Run(program, inputs.Select(i => i.Variable));
        _variables = program.Variables.ToList();
        _names = new NameScope(program.Variables.Select(v => v.Name).Concat(inputs.Select(i => i.Name)).Concat(reserved));
        _tangents = new int?[program.Variables.Count];

        // A differentiable input's tangent is a parameter: a scalar, a read-only span of an array's, or a model member's.
        foreach (var (variable, name, shape) in inputs)
        {
            _tangents[variable] = Add(name, program.Variables[variable].Type, VariableOrigin.Parameter, shape);
        }

        // A written output's tangent is a span the method writes beside it (zeroed first: an element never written does not
        // depend on the inputs).
        foreach (var (variable, name) in outputs)
        {
            _tangents[variable] = Add(name, program.Variables[variable].Type, VariableOrigin.Output, ParameterShape.Span);
        }

        // Every active variable's tangent exists before the walk: a loop reads a carried tangent before its latch assigns it.
        var assigned = IrQueries.Walk(program.Body).SelectMany(s => s switch
        {
            AssignStatement a => new[] { a.Target },
            ElementWriteStatement w => new[] { w.Array },
            IfStatement or LoopStatement or SourceComment => System.Array.Empty<int>(), // a loop's own counter, trips and flag have no tangent
            _ => throw new System.InvalidOperationException("unknown statement: " + s.GetType().Name),
        });
        foreach (var variable in assigned.Distinct().OrderBy(v => v))
        {
            if (_tangents[variable] is null && _activity.IsActive(variable))
            {
                var primal = program.Variables[variable];
                _tangents[variable] = Add("t" + primal.Name, primal.Type, VariableOrigin.Intermediate, primal.Shape);
            }
        }

        ZeroTangentsOfConstantArrays();
    }

    // A constant array passed where a callee takes a tangent gets one that stays zero, made where the array is: at the
    // start for a parameter, beside its allocation (or the copy that names it) for a local array. Made at the call it would
    // be a new array each time, which reverse mode over the tangent (H·v) could not read back inside a loop.
    private void ZeroTangentsOfConstantArrays()
    {
        var definitions = IrQueries.Flatten(_program.Body).GroupBy(a => a.Target).ToDictionary(g => g.Key, g => g.ToList());
        var pending = new Stack<int>(IrQueries.Flatten(_program.Body)
            .Where(a => a.Operation is DifferentiableCall && _activity.IsActive(a.Target))
            .SelectMany(a => ((DifferentiableCall)a.Operation).Arguments.Where((argument, i) => ((DifferentiableCall)a.Operation).Callee.Parameters[i].Shape != ParameterShape.Scalar))
            .OfType<VariableOperand>()
            .Select(v => v.Id));
        while (pending.Count > 0)
        {
            var array = pending.Pop();
            if (_tangents[array] is not null)
            {
                continue;
            }

            var primal = _variables[array];
            if (primal.Origin != VariableOrigin.Intermediate)
            {
                var zeros = Add("t" + primal.Name, primal.Type, VariableOrigin.Intermediate, ParameterShape.Array);
                var length = Add("u" + _variables.Count, TypeRef.Int, VariableOrigin.Intermediate, ParameterShape.Scalar);
                _prologue.Add(new AssignStatement(length, new LengthRead(array)));
                _prologue.Add(new AssignStatement(zeros, new ArrayAllocation(new VariableOperand(length), OnStack: false)));
                _tangents[array] = zeros;
            }
            else if (definitions.TryGetValue(array, out var assignments) && assignments.All(a => a.Operation is ArrayAllocation or CopyOperation { Value: VariableOperand }))
            {
                _tangents[array] = Add("t" + primal.Name, primal.Type, VariableOrigin.Intermediate, primal.Shape);
                foreach (var source in assignments.Select(a => a.Operation).OfType<CopyOperation>())
                {
                    pending.Push(((VariableOperand)source.Value).Id);
                }
            }
        }
    }

    /// <summary>
    /// The tangent program of <paramref name="program"/> for these differentiable inputs (variable, tangent parameter's
    /// name and shape): its result is the tangent of the value, its one output the value; null, with <paramref name="unsupported"/>
    /// saying why, when the body holds something forward mode does not differentiate yet.
    /// </summary>
    /// <param name="reserved">Names the generated method uses besides the program's (parameters, outputs).</param>
    /// <param name="outputs">The outputs a vector-valued method writes, each with its tangent span's name.</param>
    public static TangentProgram? Transform(IrProgram program, IReadOnlyList<(int Variable, string Name, ParameterShape Shape)> inputs, IEnumerable<string> reserved, out string? unsupported,
        IReadOnlyList<(int Variable, string Name)>? outputs = null)
    {
        outputs ??= System.Array.Empty<(int, string)>();
        var mode = new ForwardMode(program, inputs, reserved, outputs);
        unsupported = mode.Unsupported();
        return unsupported is null ? mode.Build(inputs, outputs) : null;
    }

    private string? Unsupported()
    {
        if (_program.Outputs.Any(o => _tangents[o] is null && _activity.IsActive(o)))
        {
            return "a method that writes varied values into a parameter that is not one of its outputs";
        }

        foreach (var statement in IrQueries.Walk(_program.Body))
        {
            switch (statement)
            {
                case AssignStatement { Operation: DifferentiableCall call } a when _activity.IsActive(a.Target) && !call.Callee.HasTangent:
                    return "a call of " + call.Callee.DisplayName + ", which has no " + Stem(call.Callee.DisplayName) + "Tangent and " + Stem(call.Callee.DisplayName)
                        + "HessianVector (a [CustomGradient] method has them when they are written beside its gradient, with the signatures DiffGen generates)";
                case AssignStatement { Operation: DifferentiableCall call } a when _activity.IsActive(a.Target)
                    && call.Arguments.Where((_, i) => !call.Callee.Parameters[i].Differentiable && call.Callee.Parameters[i].Type.IsFloating).Any(_activity.IsActive)
                    && !CallNeeds.FullGradient(call, _activity.IsActive):
                    return "a varied value passed to a [NoDerivative] parameter of " + call.Callee.DisplayName + " (its tangent method has no tangent for it)";
                case AssignStatement { Operation: TangentCall call } a when _activity.IsActive(a.Target) || _activity.IsActive(call.Tangent):
                    return "a call of the generated tangent or gradient of " + call.Callee.DisplayName + " (the tangent of a derivative is a third derivative, which DiffGen does not generate)";
                case AssignStatement { Operation: MatrixRead } read when _activity.IsActive(read.Target):
                    return "a matrix parameter";
                case ElementWriteStatement write when _program.Variables[write.Array].Origin != VariableOrigin.Intermediate && _activity.IsActive(write.Array) && _tangents[write.Array] is null:
                    return "writing varied values into the parameter " + _program.Variables[write.Array].Name;
                case LoopStatement loop when loop.Latch.Any(l => l.Operation is not CopyOperation && _activity.IsActive(l.Target)):
                    return "a loop whose latch computes";
            }
        }

        return null;
    }

    private TangentProgram Build(IReadOnlyList<(int Variable, string Name, ParameterShape Shape)> inputs, IReadOnlyList<(int Variable, string Name)> outputs)
    {
        var body = _prologue.Concat(Block(_program.Body)).ToList();
        var tangentInputs = inputs.Select(i => _tangents[i.Variable]!.Value).ToEquatableArray();
        var outputTangents = outputs.Select(o => _tangents[o.Variable]!.Value).ToEquatableArray();
        if (Tangent(new VariableOperand(_program.Result)) is not VariableOperand { Id: var tangent })
        {
            // The value does not depend on the inputs (or the method writes outputs instead): the result stays the value.
            // The outputs' tangents are outputs too: what is live at the end.
            var program = _program with { Variables = _variables.ToEquatableArray(), Body = body.ToEquatableArray(), Outputs = _program.Outputs.Concat(outputTangents).ToEquatableArray() };
            return new TangentProgram(program, _program.Result, tangentInputs, Constant: true, outputTangents);
        }

        return new TangentProgram(
            new IrProgram(_variables.ToEquatableArray(), body.ToEquatableArray(), tangent, new[] { _program.Result }.ToEquatableArray()),
            _program.Result,
            tangentInputs,
            Constant: false,
            outputTangents);
    }

    private List<IrStatement> Block(IEnumerable<IrStatement> block)
    {
        var output = new List<IrStatement>();
        foreach (var statement in block)
        {
            switch (statement)
            {
                case AssignStatement assignment:
                    Assign(assignment, output);
                    break;
                case ElementWriteStatement write:
                    output.Add(write);
                    if (_tangents[write.Array] is { } tangentArray)
                    {
                        output.Add(new ElementWriteStatement(tangentArray, write.Index, Tangent(write.Value) ?? Zero(_variables[write.Array].Type)));
                    }

                    break;
                case IfStatement branch:
                    output.Add(branch with { Then = Block(branch.Then).ToEquatableArray(), Else = Block(branch.Else).ToEquatableArray() });
                    break;
                case LoopStatement loop:
                    // The latch's copies hand the tangents to the next iteration beside the values, in the same order.
                    var latch = new List<AssignStatement>();
                    foreach (var copy in loop.Latch)
                    {
                        latch.Add(copy);
                        if (_tangents[copy.Target] is { } carried)
                        {
                            latch.Add(new AssignStatement(carried, new CopyOperation(Tangent(((CopyOperation)copy.Operation).Value) ?? Zero(_variables[copy.Target].Type))));
                        }
                    }

                    output.Add(loop with
                    {
                        Body = Block(loop.Body).ToEquatableArray(),
                        Latch = latch.ToEquatableArray(),
                        Control = loop.Control switch
                        {
                            CountedLoop counted => counted,
                            ConditionalLoop conditional => conditional with
                            {
                                ExitVariables = conditional.ExitVariables.Concat(conditional.ExitVariables.Where(v => _tangents[v] is not null).Select(v => _tangents[v]!.Value)).ToEquatableArray(),
                            },
                            _ => throw new System.InvalidOperationException("unknown loop control: " + loop.Control),
                        },
                    });
                    break;
                case SourceComment:
                    output.Add(statement);
                    break;
                default:
                    throw new System.InvalidOperationException("unknown statement: " + statement.GetType().Name);
            }
        }

        return output;
    }

    // u = f(a, b), then tu = Σ ∂f/∂a·ta. When u is also an operand (u = u + x), the value goes to a temporary first:
    // the partials read the operands' old values.
    private void Assign(AssignStatement assignment, List<IrStatement> output)
    {
        if (_tangents[assignment.Target] is not { } tangent)
        {
            output.Add(assignment);
            return;
        }

        var target = _variables[assignment.Target];
        if (assignment.Operation is DifferentiableCall call)
        {
            // The callee's own tangent method: the value, and the tangent through an out argument (declared first, zero).
            // A varied value for a [NoDerivative] scalar: the callee's full tangent, which takes its tangent too.
            output.Add(new AssignStatement(tangent, new CopyOperation(Zero(target.Type))));
            var full = CallNeeds.FullGradient(call, _activity.IsActive);
            var tangents = call.Arguments.Select((argument, i) => (Argument: argument, Parameter: call.Callee.Parameters[i]))
                .Where(a => a.Parameter.Differentiable || (full && a.Parameter.InFullGradient))
                .Select(a => Tangent(a.Argument) ?? (a.Parameter.Shape == ParameterShape.Scalar ? Zero(a.Parameter.Type) : ZeroArray(a.Argument, a.Parameter.Type, output)))
                .ToEquatableArray();
            output.Add(new AssignStatement(assignment.Target, new TangentCall(call.Callee, call.Arguments, tangents, tangent, full)));
            return;
        }

        var overwritesOperand = IrQueries.Operands(assignment.Operation).Any(o => o is VariableOperand { Id: var id } && id == assignment.Target);
        var result = overwritesOperand ? Add(target.Name + "New", target.Type, VariableOrigin.Intermediate, target.Shape) : assignment.Target;
        output.Add(new AssignStatement(result, assignment.Operation));

        var value = TangentOf(assignment.Operation, new VariableOperand(result), target.Type, output);
        output.Add(new AssignStatement(tangent, value is null ? new CopyOperation(Zero(target.Type)) : value));
        if (overwritesOperand)
        {
            output.Add(new AssignStatement(assignment.Target, new CopyOperation(new VariableOperand(result))));
        }
    }

    // The operation computing the tangent of `result = operation` (its last step), after the statements that compute
    // its terms; null when the tangent is zero.
    private Operation? TangentOf(Operation operation, Operand result, TypeRef type, List<IrStatement> output)
    {
        switch (operation)
        {
            case CopyOperation copy:
                return Tangent(copy.Value) is { } copied ? new CopyOperation(copied) : null;
            case ConversionOperation conversion:
                // Between float and double the tangent converts too; to an integer it is zero (the target is not active).
                return Tangent(conversion.Value) is { } converted ? new ConversionOperation(converted) : null;
            case UnaryOperation { Operator: UnaryOperator.Negate } negate:
                return Tangent(negate.Value) is { } negated ? new UnaryOperation(UnaryOperator.Negate, negated) : null;
            case BinaryOperation binary when DerivativeRules.Find(binary.Operator) is { } rule:
                return Sum(rule, new[] { binary.Left, binary.Right }.ToEquatableArray(), result, type, output);
            case IntrinsicCall call when DerivativeRules.Find(call.Function, call.Arguments.Count) is { } rule:
                return Sum(rule, call.Arguments, result, type, output);
            case SelectOperation select:
                return Sum(DerivativeRules.Conditional, new[] { select.Condition, select.WhenTrue, select.WhenFalse }.ToEquatableArray(), result, type, output);
            case ElementRead read when _tangents[read.Array] is { } tangentArray:
                return new ElementRead(tangentArray, read.Index);
            case ModelElementRead { Differentiable: true } read when _tangents[read.Models] is { } tangentModels:
                // The same member of the same element of the tangent model's array: Layers[l].W → tLayers[l].W.
                return read with { Models = tangentModels };
            case ArrayAllocation allocation:
                return allocation;
            case BinaryOperation or UnaryOperation or IntrinsicCall or ElementRead:
            case OpaqueCall or StaticRead or RowRead or ModelElementRead or MatrixRead or DimensionRead or LengthRead:
                // No derivative (comparisons, piecewise-constant calls, reads of constants): the tangent is zero.
                return null;
            default:
                // A call is taken by Assign; any other kind would get a zero tangent, silently.
                throw new System.InvalidOperationException("the operation " + operation.GetType().Name + " has no tangent");
        }
    }

    // Σ ∂f/∂aᵢ · taᵢ over the arguments with a tangent, headed by a comment with the partials: a singular partial's
    // term is exactly zero when its tangent is (the strong-zero convention, as the reverse sweep's guard), so 1/x at
    // x = 0 in a direction that leaves x alone adds 0, not NaN. The last step is returned for the tangent's own assignment.
    private Operation? Sum(DerivativeRule rule, EquatableArray<Operand> arguments, Operand result, TypeRef type, List<IrStatement> output)
    {
        var terms = new List<(Operand? Value, Operation? Pending, bool Negated)>();
        var formula = new List<string>();
        var start = output.Count;
        for (var i = 0; i < arguments.Count; i++)
        {
            var partial = rule.Partials[i];
            if (partial.IsZero || Tangent(arguments[i]) is not { } tangent)
            {
                continue;
            }

            var name = _variables[((VariableOperand)tangent).Id].Name;
            if (partial.IsOne || partial.IsMinusOne)
            {
                terms.Add((tangent, null, partial.IsMinusOne));
                formula.Add((partial.IsMinusOne ? "− " : "+ ") + name);
                continue;
            }

            var math = MathOf(partial, arguments, result);
            formula.Add("+ " + (math.IndexOfAny(new[] { ' ', ',' }) >= 0 ? "(" + math + ")" : math) + " · " + name);
            var factor = Lower(partial.Derivative, arguments, result, type, output);
            if (partial.Singular)
            {
                // Strong zero: a partial that is not finite counts as 0 where the tangent is 0. Only then: a finite factor
                // stays itself even where the tangent happens to be 0, since reverse mode over this tangent (H·v) needs
                // it there (√(x² + c) at x = 0 has tangent 0 but H ≠ 0: random program seed 3uj5pqu7CqJ1, H·v was 0
                // when the factor was selected on the tangent alone). The factor is selected, not the product, so that
                // reverse mode multiplies its adjoints by 0, never by the infinite partial.
                var finite = Temporary(TypeRef.Bool, new OpaqueCall(type.Name + ".IsFinite", new[] { factor }.ToEquatableArray(), PiecewiseConstant: true, Site: -1), output);
                var moves = Temporary(TypeRef.Bool, new BinaryOperation(BinaryOperator.NotEqual, tangent, Zero(type)), output);
                var kept = Temporary(TypeRef.Bool, new BinaryOperation(BinaryOperator.Or, finite, moves), output);
                factor = Temporary(type, new SelectOperation(kept, factor, Zero(type)), output);
            }

            terms.Add((null, new BinaryOperation(BinaryOperator.Multiply, tangent, factor), false));
        }

        if (terms.Count == 0)
        {
            return null;
        }

        if (formula.Any(f => f.Contains(" · ")))
        {
            // The chain rule this tangent applies, heading the statements that compute it: Σ ∂f/∂aᵢ · taᵢ.
            var target = "t" + NameOf(result);
            output.Insert(start, new SourceComment(target + " = " + string.Join(" ", formula).TrimStart('+', ' '), Derived: true));
        }

        Operand Value((Operand? Value, Operation? Pending, bool Negated) term) => term.Value ?? Temporary(type, term.Pending!, output);
        if (terms.Count == 1)
        {
            var (value, pending, negated) = terms[0];
            return pending ?? (negated ? new UnaryOperation(UnaryOperator.Negate, value!) : new CopyOperation(value!));
        }

        var sum = Value(terms[0]);
        if (terms[0].Negated)
        {
            sum = Temporary(type, new UnaryOperation(UnaryOperator.Negate, sum), output);
        }

        for (var i = 1; i < terms.Count; i++)
        {
            var operation = new BinaryOperation(terms[i].Negated ? BinaryOperator.Subtract : BinaryOperator.Add, sum, Value(terms[i]));
            if (i == terms.Count - 1)
            {
                return operation;
            }

            sum = Temporary(type, operation, output);
        }

        return null; // not reached: the loop returns on its last term
    }

    /// <summary>A partial derivative as IR: one temporary per operation of the expression, its operand the last.</summary>
    private Operand Lower(RuleExpression expression, EquatableArray<Operand> arguments, Operand result, TypeRef type, List<IrStatement> output)
    {
        Operand Of(RuleExpression inner) => Lower(inner, arguments, result, type, output);
        switch (expression)
        {
            case RuleArgument a:
                return arguments[a.Index];
            case RuleResult:
                return result;
            case RuleConstant { Integer: true } c:
                return new LiteralOperand(((long)c.Value).ToString(System.Globalization.CultureInfo.InvariantCulture), TypeRef.Int);
            case RuleConstant c:
                return new LiteralOperand(Literals.Format(c.Value, type.Kind), type);
            case RuleNegate n:
                return Temporary(type, new UnaryOperation(UnaryOperator.Negate, Of(n.Value)), output);
            case RuleBinary b:
                var comparison = b.Operator is not (BinaryOperator.Add or BinaryOperator.Subtract or BinaryOperator.Multiply or BinaryOperator.Divide);
                return Temporary(comparison ? TypeRef.Bool : type, new BinaryOperation(b.Operator, Of(b.Left), Of(b.Right)), output);
            case RuleCall c:
                var operands = c.Arguments.Select(Of).ToEquatableArray();
                if (DerivativeRules.Find(c.Function, operands.Count) is not null)
                {
                    return Temporary(type, new IntrinsicCall(c.Function, operands), output);
                }

                // IsNegative, Truncate: no derivative of their own (a test, a step), so calls of the type's own static method.
                var returnsBool = c.Function.StartsWith("Is", System.StringComparison.Ordinal);
                return Temporary(returnsBool ? TypeRef.Bool : type, new OpaqueCall(type.Name + "." + c.Function, operands, PiecewiseConstant: true, Site: -1), output);
            case RuleSelect s:
                return Temporary(type, new SelectOperation(Of(s.Condition), Of(s.WhenTrue), Of(s.WhenFalse)), output);
            default:
                throw new System.InvalidOperationException("the rule expression " + expression.GetType().Name + " has no lowering");
        }
    }

    private static string Stem(string displayName) => displayName.Substring(displayName.LastIndexOf('.') + 1);

    // A partial's mathematics with the operands' names: −u6/u7² for ∂(u6/u7)/∂u7.
    private string MathOf(Partial partial, EquatableArray<Operand> arguments, Operand result)
    {
        var text = partial.Math.Replace("{r}", NameOf(result));
        for (var i = 0; i < arguments.Count; i++)
        {
            text = text.Replace("{" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}", NameOf(arguments[i]));
        }

        return text;
    }

    private string NameOf(Operand operand) => operand switch
    {
        VariableOperand v => _variables[v.Id].Name,
        LiteralOperand l => l.Text,
        _ => "?",
    };

    private Operand? Tangent(Operand operand) =>
        operand is VariableOperand { Id: var id } && id < _tangents.Length && _tangents[id] is { } tangent ? new VariableOperand(tangent) : null;

    private Operand Temporary(TypeRef type, Operation operation, List<IrStatement> output)
    {
        var variable = Add("u" + _variables.Count, type, VariableOrigin.Intermediate, ParameterShape.Scalar);
        output.Add(new AssignStatement(variable, operation));
        return new VariableOperand(variable);
    }

    // The tangent of an array that does not move: zeros of its length.
    private Operand ZeroArray(Operand array, TypeRef element, List<IrStatement> output)
    {
        var length = Temporary(TypeRef.Int, new LengthRead(((VariableOperand)array).Id), output);
        var zeros = Add("zeros", element, VariableOrigin.Intermediate, ParameterShape.Array);
        output.Add(new AssignStatement(zeros, new ArrayAllocation(length, OnStack: false)));
        return new VariableOperand(zeros);
    }

    private int Add(string name, TypeRef type, VariableOrigin origin, ParameterShape shape)
    {
        var id = _variables.Count;
        // A parameter's name (or a written output's) is the signature's, claimed by the caller.
        _variables.Add(new IrVariable(id, origin is VariableOrigin.Parameter or VariableOrigin.Output ? name : _names.Claim(name), type, origin, shape));
        return id;
    }

    private static LiteralOperand Zero(TypeRef type) => new(Literals.Format(0, type.Kind), type);
}
