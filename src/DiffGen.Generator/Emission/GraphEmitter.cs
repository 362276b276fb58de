using System.Collections.Generic;
using System.Linq;
using System.Text;
using DiffGen.Generator.Analysis;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Emission;

/// <summary>
/// Writes <c>{Method}Graph</c> for a <c>[Differentiable(Graph = true)]</c> method, in a file of its own so
/// that the gradient's file does not change by a byte. It runs the method's own IR as the forward sweep
/// (as the user wrote it: no loop-invariant motion, kernels or tapes, which only make the gradient fast)
/// and reports each active value to a <c>DiffGen.GraphRecorder</c> with its local derivatives, computed
/// by the same rule table (<see cref="DerivativeRules"/>) and spelled by the same templates as the
/// gradient's comments; the recorder runs the reverse sweep over that record. Adjoints are therefore
/// the gradient's, whatever the drawing summarizes.
/// </summary>
internal sealed class GraphEmitter
{
    private const string Recorder = "global::DiffGen.GraphRecorder";

    private readonly MethodSpec _spec;
    private readonly IrProgram _program;
    private readonly CSharpSpelling _spelling;
    private readonly ActivityAnalysis _activity;
    private readonly bool[] _live;
    private readonly NameScope _names;
    private readonly IndentedWriter _writer = new();

    // The handle local of each recorded variable: an int for a scalar (its current evaluation), the
    // array handle of a parameter array, an int[] of element handles for an active local array.
    private readonly string?[] _handles;

    // A constant operand's drawing: the handle expression of the constant parameter it was read from.
    private readonly string?[] _constantSources;
    private readonly string _graph;
    private int _loops;

    private GraphEmitter(MethodSpec spec)
    {
        _spec = spec;
        _program = spec.Body;
        _spelling = new CSharpSpelling(_program.Variables);
        _activity = ActivityAnalysis.Run(_program, spec.Parameters.Where(p => p.IsDifferentiable).Select(p => p.Variable));
        _live = Liveness.Run(_program);
        _names = new NameScope(_program.Variables.Select(v => v.Name).Concat(spec.Parameters.Select(p => p.Name)));
        _handles = new string?[_program.Variables.Count];
        _constantSources = new string?[_program.Variables.Count];
        _graph = _names.Claim("graph");
    }

    /// <summary>The graph file's hint name: the gradient's, with <c>.Graph</c> before the extension.</summary>
    public static string HintName(MethodSpec spec) =>
        (spec.HintName.EndsWith(".g.cs", System.StringComparison.Ordinal) ? spec.HintName.Substring(0, spec.HintName.Length - 5) : spec.HintName) + ".Graph.g.cs";

    public static string Emit(MethodSpec spec, string version) => new GraphEmitter(spec).Emit(version);

    private string Emit(string version)
    {
        var spec = _spec;
        var writer = _writer;
        GeneratedFile.Open(writer, spec, "[Differentiable(Graph = true)]");

        var options = _names.Claim("options");
        WriteDocumentation(options);
        writer.Line("[global::System.CodeDom.Compiler.GeneratedCode(\"DiffGen\", \"" + version + "\")]");
        writer.Open(spec.Accessibility + (spec.IsInstance ? " " : " static ") + "global::DiffGen.ComputationGraph " + spec.Name + "Graph("
            + string.Join(", ", MethodSignature.Inputs(spec).Concat(new[] { "global::DiffGen.GraphOptions? " + options + " = null" })) + ")");
        MethodSignature.WriteMemberReads(writer, spec, gradients: false, file: "Graph");
        writer.Line("var " + _graph + " = new " + Recorder + "(" + Literal(DisplayName()) + ", " + options + ");");
        WriteParameters();
        WriteDeclarations();
        writer.Line("// The forward sweep as written, each active value recorded with its local derivatives.");
        WriteBlock(_program.Body);
        writer.Line("// The reverse sweep runs over the record: each adjoint times each local derivative, from the value back.");
        writer.Line("return " + _graph + ".Finish(" + (HandleOf(new VariableOperand(_program.Result)) ?? "-1") + ", " + _spelling.Operand(new VariableOperand(_program.Result)) + ");");
        writer.Close();
        MethodSignature.WriteFieldAccessors(writer, spec, gradients: false, file: "Graph");
        GeneratedFile.Close(writer, spec);
        return writer.ToString();
    }

    private string DisplayName() =>
        (_spec.ContainingTypes.Count > 0 ? _spec.ContainingTypes[_spec.ContainingTypes.Count - 1].Name.TrimStart('@') + "." : string.Empty) + _spec.Name.TrimStart('@');

    private void WriteDocumentation(string options)
    {
        var name = CSharpSpelling.Xml(_spec.Name);
        _writer.Line("/// <summary>");
        _writer.Line("/// Records one evaluation of <see cref=\"" + CSharpSpelling.Xml(_spec.Cref) + "\"/> as its computation graph: a node per parameter and");
        _writer.Line("/// per intermediate with its value and its adjoint ∂" + name + "/∂node (the reverse sweep's, seed 1, as " + name + "Gradient computes),");
        _writer.Line("/// an edge per local derivative with its formula and value. Write it with ToDot(), or render it with TryRender().");
        _writer.Line("/// </summary>");
        foreach (var model in _spec.Models.Where(m => m.Position >= 0))
        {
            _writer.Line("/// <param name=\"" + model.Name.TrimStart('@') + "\">As for " + name + "; the members it reads are drawn as parameters.</param>");
        }

        foreach (var parameter in _spec.Parameters.Where(p => p.Member is null))
        {
            _writer.Line("/// <param name=\"" + parameter.Name.TrimStart('@') + "\">As for " + name + (parameter.IsDifferentiable ? "; drawn with its adjoint." : "; a constant.") + "</param>");
        }

        _writer.Line("/// <param name=\"" + options + "\">Unrolled loop iterations, expanded calls, rounding; null for the defaults.</param>");
        _writer.Line("/// <returns>The graph, with the value of " + name + ".</returns>");
    }

    // Every floating-point parameter is a node: differentiable ones get adjoints, constants are drawn for context.
    private void WriteParameters()
    {
        foreach (var parameter in _spec.Parameters.Where(p => p.Type.IsFloating))
        {
            var handle = _names.Claim("g" + parameter.Name.TrimStart('@'));
            _handles[parameter.Variable] = handle;
            var raw = parameter.Name.TrimStart('@');

            // Jagged and 2-D data are drawn as one constant node, without their values.
            var nested = parameter.TypeText.Contains("][") || parameter.TypeText.Contains(",");
            var values = nested ? "default(global::System.ReadOnlySpan<" + parameter.Type.Name + ">)" : parameter.Name;
            var arguments = parameter.Variable + ", " + Literal(raw) + ", " + values + ", differentiable: " + (parameter.IsDifferentiable ? "true" : "false");
            _writer.Line("int " + handle + " = " + _graph + (parameter.Shape == ParameterShape.Scalar ? ".Parameter(" : ".ArrayParameter(") + arguments + ");");
            if (!parameter.IsDifferentiable)
            {
                _constantSources[parameter.Variable] = parameter.Shape == ParameterShape.Scalar ? handle : _graph + ".Element(" + handle + ", -1)";
            }
        }
    }

    // Every variable the body assigns is declared first (branches and loops assign them), with the handles of the active ones.
    // So is one it reads but never assigns: a loop's next values when every path through its body returns (a constant
    // branch folded away the other), which only the latch after the return reads (seed 0001CcIpJqZ2: CS0103).
    private void WriteDeclarations()
    {
        var counters = new HashSet<int>(IrQueries.Walk(_program.Body).OfType<LoopStatement>()
            .Select(l => l.Control).OfType<CountedLoop>().Select(l => l.Counter.Counter));
        bool Declared(int v) => _live[v] && !counters.Contains(v) && _program.Variables[v].Origin == VariableOrigin.Intermediate;
        var declared = IrQueries.Flatten(_program.Body).Select(a => a.Target)
            .Concat(IrQueries.ReadVariables(_program.Body))
            .Where(Declared).Distinct().OrderBy(v => v).ToList();
        foreach (var group in declared.GroupBy(v => (_program.Variables[v].Type, _program.Variables[v].Shape)))
        {
            var (type, shape) = group.Key;
            var zero = shape == ParameterShape.Scalar ? Zero(type) : "global::System.Array.Empty<" + type.Name + ">()";
            _writer.Line((shape == ParameterShape.Scalar ? type.Name : type.Name + "[]") + " " + string.Join(", ", group.Select(v => _program.Variables[v].Name + " = " + zero)) + ";");
        }

        var scalars = new List<string>();
        var arrays = new List<string>();
        foreach (var variable in declared.Where(_activity.IsActive))
        {
            var v = _program.Variables[variable];
            if (v.Shape == ParameterShape.Scalar && v.Type.IsFloating)
            {
                scalars.Add(_handles[variable] = _names.Claim("g" + v.Name));
            }
            else if (v.Shape != ParameterShape.Scalar)
            {
                arrays.Add(_handles[variable] = _names.Claim("g" + v.Name));
            }
        }

        if (scalars.Count > 0)
        {
            _writer.Line("int " + string.Join(", ", scalars.Select(h => h + " = -1")) + ";");
        }

        if (arrays.Count > 0)
        {
            _writer.Line("int[] " + string.Join(", ", arrays.Select(h => h + " = global::System.Array.Empty<int>()")) + ";");
        }
    }

    private void WriteBlock(IEnumerable<IrStatement> block)
    {
        foreach (var statement in block)
        {
            switch (statement)
            {
                case SourceComment comment:
                    _writer.Line("// " + comment.Text);
                    _writer.Line(_graph + ".Statement(" + Literal(comment.Text) + ");");
                    break;
                case AssignStatement assignment when _live[assignment.Target]:
                    WriteAssignment(assignment);
                    break;
                case ElementWriteStatement write when _live[write.Array]:
                    _writer.Line(_spelling.Name(write.Array) + "[" + _spelling.Operand(write.Index) + "] = " + _spelling.Operand(write.Value) + ";");
                    if (_handles[write.Array] is { } elements && _program.Variables[write.Array].Origin == VariableOrigin.Intermediate)
                    {
                        _writer.Line(elements + "[" + _spelling.SpanIndex(write.Index) + "] = " + (HandleOf(write.Value) ?? "-1") + ";");
                    }

                    break;
                case IfStatement branch:
                    _writer.Open("if (" + _spelling.Operand(branch.Condition) + ")");
                    WriteBlock(branch.Then);
                    _writer.Close();
                    if (branch.Else.Count > 0)
                    {
                        _writer.Open("else");
                        WriteBlock(branch.Else);
                        _writer.Close();
                    }

                    break;
                case LoopStatement loop:
                    WriteLoop(loop);
                    break;
            }
        }
    }

    // One cluster per loop: the recorder counts iterations, and the drawing summarizes or unrolls them.
    private void WriteLoop(LoopStatement loop)
    {
        var id = ++_loops;
        _writer.Line(_graph + ".EnterLoop(" + id + ");");
        switch (loop.Control)
        {
            case CountedLoop { Counter: var counter }:
                _writer.Open(_spelling.ForwardFor(counter));
                break;
            case ConditionalLoop:
                _writer.Open("while (true)");
                break;
            default:
                throw new System.InvalidOperationException("unknown loop control: " + loop.Control);
        }

        _writer.Line(_graph + ".Iteration();");
        WriteBlock(loop.Body);
        if (loop.Control is ConditionalLoop conditional)
        {
            _writer.Open("if (!" + _spelling.Name(conditional.Continue) + ")");
            _writer.Line("break;");
            _writer.Close();
        }

        foreach (var latch in loop.Latch.Where(a => _live[a.Target]))
        {
            WriteAssignment(latch);
        }

        _writer.Close();
        _writer.Line(_graph + ".ExitLoop();");
    }

    private void WriteAssignment(AssignStatement assignment)
    {
        var target = assignment.Target;
        var variable = _program.Variables[target];
        var name = variable.Name;
        var type = variable.Type;
        var recorded = _handles[target] is not null && variable.Shape == ParameterShape.Scalar;
        switch (assignment.Operation)
        {
            case ArrayAllocation allocation:
                _writer.Line(name + " = new " + type.Name + "[" + _spelling.Operand(allocation.Length) + "];");
                if (_handles[target] is { } elements)
                {
                    _writer.Line(elements + " = " + _graph + ".Handles(" + name + ".Length);");
                }

                return;
            case CopyOperation copy:
                // A copy is no operation: the variable now names the operand's node (a merge, a loop-carried value).
                _writer.Line(name + " = " + _spelling.Operand(copy.Value) + ";");
                if (_handles[target] is { } alias)
                {
                    _writer.Line(alias + " = " + (variable.Shape == ParameterShape.Scalar ? HandleOf(copy.Value) ?? "-1" : LocalElements(copy.Value)) + ";");
                }
                else
                {
                    _constantSources[target] = copy.Value is VariableOperand { Id: var source } ? _constantSources[source] : null;
                }

                return;
            case DifferentiableCall call when recorded:
                WriteCall(assignment, call);
                return;
        }

        _writer.Line(name + " = " + _spelling.Operation(assignment.Operation, type) + ";");
        if (!recorded)
        {
            if (assignment.Operation is ElementRead { Array: var array })
            {
                _constantSources[target] = _constantSources[array];
            }

            return;
        }

        var handle = _handles[target]!;
        _writer.Line(handle + " = " + _graph + ".Node(" + target + ", " + Literal(name) + ", " + Literal(name + " = " + _spelling.Operation(assignment.Operation, type)) + ", " + name + ");");
        var result = new VariableOperand(target);
        switch (assignment.Operation)
        {
            case ConversionOperation conversion:
                Partial(result, conversion.Value, DerivativeRules.Identity.Partials[0], EquatableArray<Operand>.Empty);
                break;
            case UnaryOperation { Operator: UnaryOperator.Negate } negate:
                Partial(result, negate.Value, DerivativeRules.Negate.Partials[0], EquatableArray<Operand>.Empty);
                break;
            case BinaryOperation binary when DerivativeRules.Find(binary.Operator) is { } rule:
                var operands = new[] { binary.Left, binary.Right }.ToEquatableArray();
                Partial(result, binary.Left, rule.Partials[0], operands);
                Partial(result, binary.Right, rule.Partials[1], operands);
                break;
            case IntrinsicCall call when DerivativeRules.Find(call.Function, call.Arguments.Count) is { } rule:
                for (var i = 0; i < call.Arguments.Count; i++)
                {
                    Partial(result, call.Arguments[i], rule.Partials[i], call.Arguments);
                }

                break;
            case ElementRead read when _activity.IsActive(read.Array):
                var arrayName = _spelling.Name(read.Array);
                var element = _program.Variables[read.Array].Origin == VariableOrigin.Parameter
                    ? _graph + ".Element(" + _handles[read.Array] + ", " + _spelling.SpanIndex(read.Index) + ")"
                    : _handles[read.Array] + "[" + _spelling.SpanIndex(read.Index) + "]";
                _writer.Line(_graph + ".Edge(" + element + ", " + handle + ", " + Literal("∂" + name + "/∂" + arrayName + "[" + _spelling.Operand(read.Index) + "] = 1") + ", 1);");
                break;
        }
    }

    // One local derivative ∂result/∂operand: an edge when the operand is active, a drawn input when it is a constant parameter.
    private void Partial(VariableOperand result, Operand operand, Partial partial, EquatableArray<Operand> arguments)
    {
        var to = _handles[result.Id]!;
        if (partial.IsZero || operand is not VariableOperand { Id: var id })
        {
            return;
        }

        if (!_activity.IsActive(id) || HandleOf(operand) is not { } from)
        {
            if (_constantSources[id] is { } constant)
            {
                _writer.Line(_graph + ".Input(" + constant + ", " + to + ");");
            }

            return;
        }

        var type = _program.Variables[result.Id].Type;
        var formula = "∂" + _spelling.Name(result.Id) + "/∂" + _spelling.Name(id) + " = " + _spelling.Math(partial.Math, arguments, result);
        var value = partial.IsOne ? "1" : partial.IsMinusOne ? "-1" : _spelling.Code(partial.Derivative, arguments, result, type);
        _writer.Line(_graph + ".Edge(" + from + ", " + to + ", " + Literal(formula) + ", " + value + ");");
    }

    // A call of another [Differentiable] method: its gradient (seed 1) gives the value and the partials
    // with respect to each argument, drawn on the edges into one collapsed node; expanded on request.
    private void WriteCall(AssignStatement assignment, DifferentiableCall call)
    {
        var target = assignment.Target;
        var name = _spelling.Name(target);
        var handle = _handles[target]!;
        var callee = call.Callee;
        var full = CallNeeds.FullGradient(call, _activity.IsActive);
        var outputs = new List<(int Argument, string Scratch, CalleeParameter Parameter)>();
        for (var i = 0; i < call.Arguments.Count; i++)
        {
            var parameter = callee.Parameters[i];
            if (!parameter.Differentiable && !(full && parameter.InFullGradient))
            {
                continue;
            }

            var scratch = _names.Claim("p" + name + "_" + i);
            outputs.Add((i, scratch, parameter));
            _writer.Line(parameter.Shape == ParameterShape.Scalar
                ? parameter.Type.Name + " " + scratch + " = 0;"
                : parameter.Type.Name + "[] " + scratch + " = new " + parameter.Type.Name + "[" + _spelling.Operand(call.Arguments[i]) + ".Length];");
        }

        _writer.Line("// the value and ∂" + callee.DisplayName + "/∂(each argument), from its gradient with seed 1");
        _writer.Line(name + " = " + (full ? callee.FullGradientMethod : callee.GradientMethod) + "("
            + string.Join(", ", call.Arguments.Select(_spelling.Operand).Concat(outputs.Select(o => (o.Parameter.Shape == ParameterShape.Scalar ? "ref " : string.Empty) + o.Scratch))) + ");");
        var operation = name + " = " + callee.DisplayName + "(" + string.Join(", ", call.Arguments.Select(_spelling.Operand)) + ")";
        _writer.Line(handle + " = " + _graph + ".Call(" + target + ", " + Literal(name) + ", " + Literal(operation) + ", " + name + ");");
        foreach (var (argument, scratch, parameter) in outputs)
        {
            var operand = call.Arguments[argument];
            var formula = "∂" + name + "/∂" + _spelling.Operand(operand) + (parameter.Shape == ParameterShape.Scalar ? string.Empty : "[i]")
                + " = ∂" + callee.DisplayName + "/∂(argument " + (argument + 1) + ")" + (parameter.Shape == ParameterShape.Scalar ? string.Empty : "[i]");
            if (operand is not VariableOperand { Id: var id } || !_activity.IsActive(id))
            {
                if (operand is VariableOperand { Id: var constant } && _constantSources[constant] is { } source)
                {
                    _writer.Line(_graph + ".Input(" + source + ", " + handle + ");");
                }

                continue;
            }

            if (parameter.Shape == ParameterShape.Scalar)
            {
                _writer.Line(_graph + ".Edge(" + HandleOf(operand) + ", " + handle + ", " + Literal(formula) + ", " + scratch + ");");
            }
            else
            {
                var parameterArray = _program.Variables[id].Origin == VariableOrigin.Parameter;
                _writer.Line(_graph + (parameterArray ? ".ElementEdges(" : ".HandleEdges(") + _handles[id] + ", " + handle + ", " + Literal(formula) + ", " + scratch + ");");
            }
        }

        if (callee.GraphMethod is not null)
        {
            // The callee's own graph, linked to this call's arguments (one handle per floating-point parameter).
            var links = new List<string>();
            for (var i = 0; i < call.Arguments.Count; i++)
            {
                if (callee.Parameters[i].Type.IsFloating)
                {
                    links.Add(ArgumentLink(call.Arguments[i], callee.Parameters[i]));
                }
            }

            _writer.Open("if (" + _graph + ".ExpandsCalls)");
            _writer.Line(_graph + ".Expand(" + handle + ", " + callee.GraphMethod + "("
                + string.Join(", ", call.Arguments.Select(_spelling.Operand).Concat(new[] { _graph + ".CalleeOptions" })) + ")"
                + string.Concat(links.Select(l => ", " + l)) + ");");
            _writer.Close();
        }
    }

    private string ArgumentLink(Operand argument, CalleeParameter parameter)
    {
        if (argument is not VariableOperand { Id: var id })
        {
            return "-1";
        }

        if (parameter.Shape != ParameterShape.Scalar)
        {
            return _program.Variables[id].Origin == VariableOrigin.Parameter && _handles[id] is { } array ? _graph + ".Element(" + array + ", -1)" : "-1";
        }

        return (_activity.IsActive(id) ? HandleOf(argument) : null) ?? _constantSources[id] ?? "-1";
    }

    // The handle of an active scalar operand's current evaluation, or null for a constant.
    private string? HandleOf(Operand operand) =>
        operand is VariableOperand { Id: var id } && _activity.IsActive(id) && _program.Variables[id].Shape == ParameterShape.Scalar && _program.Variables[id].Type.IsFloating
            ? _handles[id]
            : null;

    private string LocalElements(Operand operand) =>
        operand is VariableOperand { Id: var id } && _program.Variables[id].Origin == VariableOrigin.Intermediate && _handles[id] is { } handles
            ? handles
            : "new int[" + _spelling.Operand(operand) + ".Length]";

    private static string Zero(TypeRef type) => type.Kind switch
    {
        ScalarKind.Bool => "false",
        ScalarKind.Double or ScalarKind.Float or ScalarKind.Integer => "0",
        _ => "default",
    };

    /// <summary>A C# string literal.</summary>
    internal static string Literal(string text)
    {
        var builder = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '\\':
                    builder.Append("\\\\");
                    break;
                case '"':
                    builder.Append("\\\"");
                    break;
                case '\n':
                    builder.Append("\\n");
                    break;
                case '\r':
                    builder.Append("\\r");
                    break;
                case '\t':
                    builder.Append("\\t");
                    break;
                default:
                    if (char.IsControl(c) || c is '\u2028' or '\u2029' or '\u0085')
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        return builder.Append('"').ToString();
    }
}
