using System.Collections.Generic;
using System.Linq;
using DiffGen.Generator.Analysis;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Differentiation;

/// <summary>
/// Reverse-mode differentiation of the IR: the forward sweep is the body itself; the reverse sweep
/// walks it backward, and for each active assignment <c>u = f(a, b)</c> adds
/// <c>du × ∂f/∂a</c> into <c>da</c> (the chain rule in reverse order). Pure: no Roslyn.
/// </summary>
internal sealed class ReverseModeBuilder
{
    private readonly MethodSpec _spec;
    private readonly IrProgram _program;
    private readonly ActivityAnalysis _activity;
    private readonly NameScope _names;
    private readonly string?[] _adjoints;
    private readonly bool[] _declared;
    private readonly HashSet<int> _multiplyAssigned;
    private readonly List<int> _hoistedAdjoints = new();
    private readonly Dictionary<TypeRef, string> _scratch = new();

    private ReverseModeBuilder(MethodSpec spec)
    {
        _spec = spec;
        _program = spec.Body;
        _activity = ActivityAnalysis.Run(_program, spec.Parameters.Where(p => p.IsDifferentiable).Select(p => p.Variable));
        _names = new NameScope(_program.Variables.Select(v => v.Name)
            .Concat(spec.Parameters.Select(p => p.Name))
            .Concat(spec.Parameters.Where(p => p.IsDifferentiable).Select(p => p.GradientName!))
            .Concat(new[] { spec.SeedName }));
        _adjoints = new string?[_program.Variables.Count];
        _declared = new bool[_program.Variables.Count];
        _multiplyAssigned = new HashSet<int>(ActivityAnalysis.Flatten(_program.Body)
            .GroupBy(a => a.Target).Where(g => g.Count() > 1).Select(g => g.Key));

        // A differentiable parameter's adjoint is its gradient output, which the caller declared.
        foreach (var parameter in spec.Parameters.Where(p => p.IsDifferentiable))
        {
            _adjoints[parameter.Variable] = parameter.GradientName;
            _declared[parameter.Variable] = true;
        }
    }

    public static GradientBody Differentiate(MethodSpec spec) => new ReverseModeBuilder(spec).Build();

    private GradientBody Build()
    {
        var forward = BuildForward();

        var reverse = new List<SweepStatement>();
        var result = _program.Result;
        if (_activity.IsActive(result))
        {
            _declared[result] = true;
            reverse.Add(new SeedStatement(Adjoint(result), _program.Variables[result].Type, _spec.SeedName));
            reverse.AddRange(ReverseBlock(_program.Body));
        }

        // Adjoints first reached inside a branch (or by a pullback call) are declared up front.
        var prologue = new List<SweepStatement>();
        foreach (var group in _hoistedAdjoints.GroupBy(v => _program.Variables[v].Type))
        {
            prologue.Add(new DeclareZero(group.Key, group.Select(Adjoint).ToEquatableArray()));
        }

        foreach (var scratch in _scratch)
        {
            prologue.Add(new DeclareZero(scratch.Key, new[] { scratch.Value }.ToEquatableArray()));
        }

        return new GradientBody(
            _program.Variables,
            forward,
            prologue.Concat(reverse).ToEquatableArray(),
            new VariableOperand(result));
    }

    // ---- forward sweep -----------------------------------------------------------------------

    private EquatableArray<SweepStatement> BuildForward()
    {
        // Primals assigned inside a branch are read by the reverse sweep outside it: declare them first.
        var live = Liveness.Run(_program);
        var nested = new HashSet<int>(_program.Body.OfType<IfStatement>()
            .SelectMany(b => ActivityAnalysis.Flatten(b.Then).Concat(ActivityAnalysis.Flatten(b.Else)))
            .Select(a => a.Target));
        nested.UnionWith(_multiplyAssigned);
        nested.RemoveWhere(v => !live[v]);

        var statements = new List<SweepStatement>();
        foreach (var group in nested.OrderBy(v => v).GroupBy(v => _program.Variables[v].Type))
        {
            statements.Add(new DeclareZero(group.Key, group.Select(v => _program.Variables[v].Name).ToEquatableArray()));
        }

        statements.AddRange(ForwardBlock(_program.Body, nested, live));
        return statements.ToEquatableArray();
    }

    private static IEnumerable<SweepStatement> ForwardBlock(IEnumerable<IrStatement> block, HashSet<int> predeclared, bool[] live)
    {
        foreach (var statement in block)
        {
            switch (statement)
            {
                case SourceComment comment:
                    yield return new SweepComment(comment.Text);
                    break;
                case AssignStatement assignment when live[assignment.Target]:
                    yield return new PrimalStatement(assignment, Declare: !predeclared.Contains(assignment.Target));
                    break;
                case IfStatement branch:
                    yield return new SweepBranch(
                        branch.Condition,
                        ForwardBlock(branch.Then, predeclared, live).ToEquatableArray(),
                        ForwardBlock(branch.Else, predeclared, live).ToEquatableArray());
                    break;
            }
        }
    }

    // ---- reverse sweep -----------------------------------------------------------------------

    // Walks a block backward. Each source comment heads the reversed lines of its statement.
    private List<SweepStatement> ReverseBlock(EquatableArray<IrStatement> block)
    {
        var definedHere = new HashSet<int>(block.OfType<AssignStatement>().Select(a => a.Target).Where(t => !_multiplyAssigned.Contains(t)));
        var output = new List<SweepStatement>();
        var pending = new List<SweepStatement>();
        for (var i = block.Count - 1; i >= 0; i--)
        {
            switch (block[i])
            {
                case SourceComment comment:
                    if (pending.Count > 0)
                    {
                        output.Add(new SweepComment(comment.Text));
                        output.AddRange(pending);
                        pending.Clear();
                    }

                    break;
                case AssignStatement assignment:
                    Pullback(assignment, definedHere, pending);
                    break;
                case IfStatement branch:
                    var then = ReverseBlock(branch.Then);
                    var @else = ReverseBlock(branch.Else);
                    if (then.Count > 0 || @else.Count > 0)
                    {
                        pending.Add(new SweepBranch(branch.Condition, then.ToEquatableArray(), @else.ToEquatableArray()));
                    }

                    break;
            }
        }

        output.AddRange(pending);
        return output;
    }

    // The pullback of one assignment: its adjoint times each local partial into each active operand.
    private void Pullback(AssignStatement assignment, HashSet<int> definedHere, List<SweepStatement> output)
    {
        var target = assignment.Target;
        if (!_activity.IsActive(target) || !_declared[target])
        {
            return; // inactive, or its adjoint is statically zero on every path
        }

        var type = _program.Variables[target].Type;
        var source = Adjoint(target);
        var result = new VariableOperand(target);
        switch (assignment.Operation)
        {
            case CopyOperation copy:
                Contribute(copy.Value, DerivativeRules.Identity.Partials[0], EquatableArray<Operand>.Empty, result, type, source, target, definedHere, output);
                break;
            case ConversionOperation conversion:
                Contribute(conversion.Value, DerivativeRules.Identity.Partials[0], EquatableArray<Operand>.Empty, result, type, source, target, definedHere, output);
                break;
            case UnaryOperation { Operator: UnaryOperator.Negate } negate:
                Contribute(negate.Value, DerivativeRules.Negate.Partials[0], EquatableArray<Operand>.Empty, result, type, source, target, definedHere, output);
                break;
            case BinaryOperation binary when DerivativeRules.Find(binary.Operator) is { } rule:
                var operands = new[] { binary.Left, binary.Right }.ToEquatableArray();
                for (var i = 0; i < 2; i++)
                {
                    Contribute(operands[i], rule.Partials[i], operands, result, type, source, target, definedHere, output);
                }

                break;
            case IntrinsicCall call when DerivativeRules.Find(call.Function, call.Arguments.Count) is { } rule:
                for (var i = 0; i < call.Arguments.Count; i++)
                {
                    Contribute(call.Arguments[i], rule.Partials[i], call.Arguments, result, type, source, target, definedHere, output);
                }

                break;
            case ElementRead read:
                var array = _program.Variables[read.Array];
                if (_activity.IsActive(read.Array) && _adjoints[read.Array] is { } arrayAdjoint)
                {
                    output.Add(new AccumulateStatement(
                        new AdjointRef(arrayAdjoint, read.Index, array.Name),
                        source,
                        _program.Variables[target].Name,
                        DerivativeRules.Identity.Partials[0],
                        EquatableArray<Operand>.Empty,
                        result,
                        type,
                        array.Type,
                        Declare: false,
                        StrongZero: false));
                }

                break;
            case DifferentiableCall call:
                PullbackCall(call, source, definedHere, output);
                break;
        }
    }

    private void Contribute(
        Operand operand,
        Partial partial,
        EquatableArray<Operand> arguments,
        Operand result,
        TypeRef type,
        string source,
        int sourceVariable,
        HashSet<int> definedHere,
        List<SweepStatement> output)
    {
        if (operand is not VariableOperand { Id: var id } || !_activity.IsActive(id))
        {
            return;
        }

        var declare = false;
        if (!_declared[id])
        {
            if (definedHere.Contains(id) && !partial.Singular)
            {
                declare = true; // first contribution, in the block that defines it: declare in place
            }
            else if (definedHere.Contains(id))
            {
                output.Add(new DeclareZero(_program.Variables[id].Type, new[] { Adjoint(id) }.ToEquatableArray()));
            }
            else
            {
                _hoistedAdjoints.Add(id);
            }

            _declared[id] = true;
        }

        var variable = _program.Variables[id];
        output.Add(new AccumulateStatement(
            new AdjointRef(Adjoint(id), null, variable.Name),
            source,
            _program.Variables[sourceVariable].Name,
            partial,
            arguments,
            result,
            type,
            variable.Type,
            declare,
            partial.Singular));
    }

    private void PullbackCall(DifferentiableCall call, string seed, HashSet<int> definedHere, List<SweepStatement> output)
    {
        if (!ActivityAnalysis.DifferentiableOperands(call).Any(_activity.IsActive))
        {
            return; // nothing to pull back into
        }

        var outputs = new List<CallOutput>();
        for (var i = 0; i < call.Arguments.Count; i++)
        {
            var parameter = call.Callee.Parameters[i];
            if (!parameter.Differentiable)
            {
                continue;
            }

            if (parameter.Shape != ParameterShape.Scalar)
            {
                // An array parameter of this method: its own gradient span, or scratch of its length when it is a constant.
                var array = ((VariableOperand)call.Arguments[i]).Id;
                outputs.Add(new CallOutput(
                    _activity.IsActive(array) ? _adjoints[array]! : "new " + parameter.Type.Name + "[" + _program.Variables[array].Name + ".Length]",
                    ByReference: false));
                continue;
            }

            if (call.Arguments[i] is VariableOperand { Id: var id } && _activity.IsActive(id))
            {
                if (!_declared[id])
                {
                    if (definedHere.Contains(id))
                    {
                        output.Add(new DeclareZero(_program.Variables[id].Type, new[] { Adjoint(id) }.ToEquatableArray()));
                    }
                    else
                    {
                        _hoistedAdjoints.Add(id);
                    }

                    _declared[id] = true;
                }

                outputs.Add(new CallOutput(Adjoint(id), ByReference: true));
            }
            else
            {
                // A constant passed where the callee differentiates: its gradient is computed and discarded.
                if (!_scratch.TryGetValue(parameter.Type, out var scratch))
                {
                    scratch = _names.Claim(parameter.Type.Kind == ScalarKind.Float ? "discardF" : "discard");
                    _scratch.Add(parameter.Type, scratch);
                }

                outputs.Add(new CallOutput(scratch, ByReference: true));
            }
        }

        output.Add(new PullbackCall(call.Callee, call.Arguments, outputs.ToEquatableArray(), seed));
    }

    private string Adjoint(int variable) =>
        _adjoints[variable] ??= _names.Claim("d" + _program.Variables[variable].Name);
}
