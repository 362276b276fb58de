using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using DiffGen.Generator.Diagnostics;
using DiffGen.Generator.Differentiation;
using DiffGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Operations;

namespace DiffGen.Generator.Parsing;

/// <summary>
/// Lowers a method body (Roslyn's <see cref="IOperation"/> tree) to the three-address IR: every
/// operation gets a fresh variable <c>u1..un</c>, user locals become names for the current value
/// (static single assignment), branches merge through copies. Unsupported constructs become
/// diagnostics here and nowhere else.
/// </summary>
internal sealed class BodyLowerer
{
    /// <summary>Bound on IR statements, which early returns can multiply by copying what follows them into each branch.</summary>
    private const int MaxStatements = 20_000;

    private readonly SemanticModel _model;
    private readonly NameScope _names;
    private readonly CancellationToken _cancellationToken;
    private readonly List<IrVariable> _variables = new();
    private readonly List<DiagnosticInfo> _diagnostics = new();
    private ImmutableDictionary<ISymbol, Operand> _values = ImmutableDictionary.Create<ISymbol, Operand>(SymbolEqualityComparer.Default);
    private List<IrStatement> _block = new();
    private int _statementCount;
    private int _nextIntermediate = 1;
    private int _result = -1;

    public BodyLowerer(SemanticModel model, NameScope names, CancellationToken cancellationToken)
    {
        _model = model;
        _names = names;
        _cancellationToken = cancellationToken;
    }

    public IReadOnlyList<DiagnosticInfo> Diagnostics => _diagnostics;

    /// <summary>Registers a parameter; its IR variable reads it as passed.</summary>
    public int AddParameter(IParameterSymbol parameter, string name, TypeRef type, ParameterShape shape)
    {
        var id = _variables.Count;
        _variables.Add(new IrVariable(id, name, type, VariableOrigin.Parameter, shape));
        _values = _values.SetItem(parameter, new VariableOperand(id));
        return id;
    }

    /// <summary>Lowers the body; null when it holds something unsupported (see <see cref="Diagnostics"/>).</summary>
    public IrProgram? Lower(IOperation body, TypeRef returnType, string methodName)
    {
        _result = NewVariable(returnType, "value");
        try
        {
            LowerWork(new Work(body, null));
        }
        catch (TooManyPathsException)
        {
            _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooManyPaths, DiagnosticInfo.From(body.Syntax.GetLocation()), methodName, MaxStatements.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        if (_diagnostics.Count > 0)
        {
            return null;
        }

        return ElideFinalCopy(new IrProgram(_variables.ToEquatableArray(), _block.ToEquatableArray(), _result));
    }

    // A body that returns once, at its end, needs no result variable: the value is the operand returned.
    private static IrProgram ElideFinalCopy(IrProgram program)
    {
        var body = program.Body;
        var assignsResult = CountAssignments(body, program.Result);
        if (assignsResult == 1 && body.Count > 0
            && body[body.Count - 1] is AssignStatement { Operation: CopyOperation { Value: VariableOperand returned } } last
            && last.Target == program.Result
            && program.Variables[returned.Id].Origin == VariableOrigin.Intermediate
            && program.Variables[returned.Id].Type == program.Variables[program.Result].Type)
        {
            return program with
            {
                Body = body.Take(body.Count - 1).ToEquatableArray(),
                Result = returned.Id,
            };
        }

        return program;
    }

    private static int CountAssignments(IEnumerable<IrStatement> statements, int target) => statements.Sum(s => s switch
    {
        AssignStatement a => a.Target == target ? 1 : 0,
        IfStatement i => CountAssignments(i.Then, target) + CountAssignments(i.Else, target),
        _ => 0,
    });

    // ---- statements --------------------------------------------------------------------------

    /// <summary>An immutable list of statements still to lower: the rest of a block and of every block around it.</summary>
    private sealed class Work
    {
        public Work(IOperation head, Work? tail)
        {
            Head = head;
            Tail = tail;
        }

        public IOperation Head { get; }

        public Work? Tail { get; }
    }

    private static Work? Prepend(ImmutableArray<IOperation> operations, Work? tail)
    {
        for (var i = operations.Length - 1; i >= 0; i--)
        {
            tail = new Work(operations[i], tail);
        }

        return tail;
    }

    // Lowers statements until the work runs out or a return ends every path. A branch that
    // contains a return takes the rest of the work into each of its arms (continuation), so every
    // path of the IR ends in exactly one assignment of the result.
    private void LowerWork(Work? work)
    {
        while (work is not null)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            var operation = work.Head;
            work = work.Tail;
            switch (operation)
            {
                case IBlockOperation block:
                    work = Prepend(block.Operations, work);
                    break;

                case IReturnOperation ret:
                    // An expression body's return has the expression as its syntax.
                    Comment(ret.Syntax, ret.Syntax is Microsoft.CodeAnalysis.CSharp.Syntax.ReturnStatementSyntax ? null : "return " + ret.Syntax + ";");
                    if (ret.ReturnedValue is null)
                    {
                        UnsupportedStatement(ret, "a return without a value", "return the method's value");
                        return;
                    }

                    Emit(new AssignStatement(_result, new CopyOperation(LowerExpression(ret.ReturnedValue))));
                    return;

                case IConditionalOperation conditional:
                    CommentIf(conditional);
                    var condition = LowerExpression(conditional.Condition);
                    if (ContainsReturn(conditional))
                    {
                        var rest = work;
                        LowerBranchesWithContinuation(
                            condition,
                            () => LowerWork(new Work(conditional.WhenTrue, rest)),
                            () => LowerWork(conditional.WhenFalse is null ? rest : new Work(conditional.WhenFalse, rest)));
                        return;
                    }

                    LowerBranches(
                        condition,
                        () =>
                        {
                            LowerWork(new Work(conditional.WhenTrue, null));
                            return null;
                        },
                        () =>
                        {
                            if (conditional.WhenFalse is not null)
                            {
                                LowerWork(new Work(conditional.WhenFalse, null));
                            }

                            return null;
                        },
                        resultType: null);
                    break;

                case ISwitchOperation switchOperation:
                    Comment(switchOperation.Syntax, "switch (" + ((Microsoft.CodeAnalysis.CSharp.Syntax.SwitchStatementSyntax)switchOperation.Syntax).Expression + ")");
                    if (LowerSwitch(switchOperation, work))
                    {
                        return;
                    }

                    break;

                case IVariableDeclarationGroupOperation group:
                    // A declaration without a value computes nothing: no comment for it.
                    if (group.Declarations.SelectMany(d => d.Declarators).Any(d => !d.Symbol.IsConst && (d.Initializer ?? ((IVariableDeclarationOperation)d.Parent!).Initializer) is not null))
                    {
                        Comment(group.Syntax);
                    }

                    foreach (var declaration in group.Declarations)
                    {
                        foreach (var declarator in declaration.Declarators)
                        {
                            LowerDeclarator(declaration, declarator);
                        }
                    }

                    break;

                case IExpressionStatementOperation statement:
                    Comment(statement.Syntax);
                    if (statement.Operation is IThrowOperation)
                    {
                        UnsupportedStatement(statement, "'throw'", "validate arguments before calling the method, or return a value such as double.NaN");
                        break;
                    }

                    LowerExpression(statement.Operation);
                    break;

                case IEmptyOperation:
                    break;

                case IThrowOperation:
                    UnsupportedStatement(operation, "'throw'", "validate arguments before calling the method, or return a value such as double.NaN");
                    break;

                case ILoopOperation loop:
                    UnsupportedStatement(loop, "'" + LoopKeyword(loop) + "' loop", "loops are not supported by this version of DiffGen yet; unroll the loop or compute the sum in a [Differentiable] helper called once per term");
                    break;

                case ILocalFunctionOperation:
                    UnsupportedStatement(operation, "a local function", "move it out as a static [Differentiable] method of the same type and call it");
                    break;

                case ITryOperation:
                    UnsupportedStatement(operation, "'try'", "remove the try statement; a [Differentiable] body is pure arithmetic");
                    break;

                case IBranchOperation branch:
                    UnsupportedStatement(operation, "'" + BranchKeyword(branch) + "' here", "structure the code with if/else and return");
                    break;

                case ILabeledOperation:
                    UnsupportedStatement(operation, "a label", "structure the code with if/else and return");
                    break;

                case ILockOperation:
                case IUsingOperation:
                case IUsingDeclarationOperation:
                    UnsupportedStatement(operation, "'" + FirstToken(operation) + "'", "a [Differentiable] body is pure arithmetic; remove it");
                    break;

                default:
                    UnsupportedStatement(operation, "this statement", "use local declarations, assignments, if/else, switch and return");
                    break;
            }
        }
    }

    private void LowerDeclarator(IVariableDeclarationOperation declaration, IVariableDeclaratorOperation declarator)
    {
        var local = declarator.Symbol;
        if (local.IsConst)
        {
            return; // its uses are folded to the constant
        }

        if (local.RefKind != RefKind.None)
        {
            UnsupportedStatement(declarator, "a 'ref' local", "declare a plain local and assign it");
            return;
        }

        if (TypeMapping.TryMap(local.Type) is null)
        {
            UnsupportedStatement(declarator, "a local of type '" + local.Type.ToDisplayString() + "'", "use double, float, an integral type or bool locals (arrays arrive with loops in a later version)");
            return;
        }

        var initializer = declarator.Initializer ?? declaration.Initializer;
        if (initializer is not null)
        {
            // Lower first: the initializer may itself assign locals ((s = s * 2) / 2).
            var value = LowerExpression(initializer.Value);
            _values = _values.SetItem(local, value);
        }
    }

    private bool LowerSwitch(ISwitchOperation switchOperation, Work? rest)
    {
        var value = LowerExpression(switchOperation.Value);
        var sections = new List<(ImmutableArray<ICaseClauseOperation> Clauses, ImmutableArray<IOperation> Body)>();
        (ImmutableArray<ICaseClauseOperation> Clauses, ImmutableArray<IOperation> Body)? defaultSection = null;
        foreach (var section in switchOperation.Cases)
        {
            var body = section.Body;
            if (body.Length > 0 && body[body.Length - 1] is IBranchOperation { BranchKind: BranchKind.Break })
            {
                body = body.RemoveAt(body.Length - 1);
            }

            foreach (var nested in body.SelectMany(b => b.DescendantsAndSelf()).OfType<IBranchOperation>())
            {
                UnsupportedStatement(nested, "'" + BranchKeyword(nested) + "' inside a switch section", "end each section with 'break' or 'return' and use if/else inside it");
            }

            foreach (var clause in section.Clauses)
            {
                if (clause is not (ISingleValueCaseClauseOperation or IDefaultCaseClauseOperation))
                {
                    UnsupportedExpression(clause, "a pattern case label", "use constant case labels ('case 1:') and 'default:'");
                }
            }

            if (section.Clauses.Any(c => c is IDefaultCaseClauseOperation))
            {
                defaultSection = (section.Clauses, body);
            }
            else
            {
                sections.Add((section.Clauses, body));
            }
        }

        var returns = switchOperation.Cases.Any(ContainsReturn);

        // case i: if (value matches) { body } else { cases i+1.. }; default last.
        void LowerFrom(int index)
        {
            if (index == sections.Count)
            {
                if (returns)
                {
                    LowerWork(defaultSection is { } d ? Prepend(d.Body, rest) : rest);
                }
                else if (defaultSection is { } d)
                {
                    LowerWork(Prepend(d.Body, null));
                }

                return;
            }

            var (clauses, body) = sections[index];
            Operand? condition = null;
            foreach (var clause in clauses.OfType<ISingleValueCaseClauseOperation>())
            {
                var test = Compute(TypeRef.Bool, new BinaryOperation(BinaryOperator.Equal, value, LowerExpression(clause.Value)));
                condition = condition is null ? test : Compute(TypeRef.Bool, new BinaryOperation(BinaryOperator.Or, condition, test));
            }

            condition ??= new LiteralOperand("false", TypeRef.Bool);
            if (returns)
            {
                LowerBranchesWithContinuation(condition, () => LowerWork(Prepend(body, rest)), () => LowerFrom(index + 1));
            }
            else
            {
                LowerBranches(
                    condition,
                    () =>
                    {
                        LowerWork(Prepend(body, null));
                        return null;
                    },
                    () =>
                    {
                        LowerFrom(index + 1);
                        return null;
                    },
                    resultType: null);
            }
        }

        LowerFrom(0);
        return returns;
    }

    // Two arms that rejoin: values of variables that differ between the arms are merged into a
    // fresh variable that each arm assigns (a φ written as copies). Optionally the arms produce a
    // value (for ?:, && and ||), merged the same way.
    private Operand? LowerBranches(Operand condition, Func<Operand?> whenTrue, Func<Operand?> whenFalse, TypeRef? resultType)
    {
        var before = _values;
        var outer = _block;

        _block = new List<IrStatement>();
        var trueValue = whenTrue();
        var trueValues = _values;
        var trueBlock = _block;

        _block = new List<IrStatement>();
        _values = before;
        var falseValue = whenFalse();
        var falseValues = _values;
        var falseBlock = _block;

        _block = outer;
        var merged = before;
        foreach (var symbol in trueValues.Keys.Where(falseValues.ContainsKey).OrderBy(SymbolOrder))
        {
            var a = trueValues[symbol];
            var b = falseValues[symbol];
            if (a.Equals(b))
            {
                merged = merged.SetItem(symbol, a);
                continue;
            }

            var merge = NewVariable(TypeOfSymbol(symbol));
            trueBlock.Add(new AssignStatement(merge, new CopyOperation(a)));
            falseBlock.Add(new AssignStatement(merge, new CopyOperation(b)));
            merged = merged.SetItem(symbol, new VariableOperand(merge));
        }

        Operand? result = null;
        if (resultType is not null && trueValue is not null && falseValue is not null)
        {
            var merge = NewVariable(resultType);
            trueBlock.Add(new AssignStatement(merge, new CopyOperation(trueValue)));
            falseBlock.Add(new AssignStatement(merge, new CopyOperation(falseValue)));
            result = new VariableOperand(merge);
        }

        _values = merged;
        Emit(new IfStatement(condition, trueBlock.ToEquatableArray(), falseBlock.ToEquatableArray()));
        return result;
    }

    // Two arms that never rejoin: each carries the rest of the method and ends in a return.
    private void LowerBranchesWithContinuation(Operand condition, Action whenTrue, Action whenFalse)
    {
        var before = _values;
        var outer = _block;

        _block = new List<IrStatement>();
        whenTrue();
        var trueBlock = _block;

        _block = new List<IrStatement>();
        _values = before;
        whenFalse();
        var falseBlock = _block;

        _block = outer;
        _values = before;
        Emit(new IfStatement(condition, trueBlock.ToEquatableArray(), falseBlock.ToEquatableArray()));
    }

    // ---- expressions -------------------------------------------------------------------------

    private Operand LowerExpression(IOperation operation)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        var type = TypeMapping.TryMap(operation.Type);
        if (operation.ConstantValue.HasValue && type is not null)
        {
            var literal = Literals.TryCreate(operation.ConstantValue.Value, type);
            if (literal is not null)
            {
                return literal;
            }
        }

        switch (operation)
        {
            case IConversionOperation conversion:
                return LowerConversion(conversion);

            case ILocalReferenceOperation local:
                return ReadVariable(local.Local, operation);

            case IParameterReferenceOperation parameter:
                return ReadVariable(parameter.Parameter, operation);

            case IBinaryOperation binary:
                return LowerBinary(binary);

            case IUnaryOperation unary:
                return LowerUnary(unary);

            case IConditionalOperation conditional when conditional.WhenFalse is not null && !conditional.IsRef:
            {
                var resultType = RequireType(operation);
                var condition = LowerExpression(conditional.Condition);
                return LowerBranches(
                    condition,
                    () => LowerExpression(conditional.WhenTrue),
                    () => LowerExpression(conditional.WhenFalse),
                    resultType)!;
            }

            case IInvocationOperation invocation:
                return LowerInvocation(invocation);

            case ISimpleAssignmentOperation assignment:
            {
                var symbol = AssignableSymbol(assignment.Target);
                var value = LowerExpression(assignment.Value);
                if (symbol is not null)
                {
                    _values = _values.SetItem(symbol, value);
                }

                return value;
            }

            case ICompoundAssignmentOperation compound:
                return LowerCompoundAssignment(compound);

            case IIncrementOrDecrementOperation increment:
            {
                var symbol = AssignableSymbol(increment.Target);
                if (symbol is null)
                {
                    return Dummy(operation);
                }

                var current = ReadVariable(symbol, increment.Target);
                var targetType = TypeOfSymbol(symbol);
                var one = Literals.TryCreate(1, targetType)!;
                var updated = Compute(targetType, new BinaryOperation(increment.Kind == OperationKind.Increment ? BinaryOperator.Add : BinaryOperator.Subtract, current, one));
                _values = _values.SetItem(symbol, updated);
                return increment.IsPostfix ? current : updated;
            }

            case IArrayElementReferenceOperation element:
                return LowerElementRead(operation, element.ArrayReference, element.Indices);

            case IPropertyReferenceOperation { Property.IsIndexer: true, Instance: IParameterReferenceOperation } indexer
                when TypeMapping.TryMapCollection(indexer.Instance!.Type!) is not null:
                return LowerElementRead(operation, indexer.Instance!, indexer.Arguments.Select(a => a.Value).ToImmutableArray());

            case IPropertyReferenceOperation { Property.Name: "Length", Instance: IParameterReferenceOperation array }
                when TypeMapping.TryMapCollection(array.Type!) is not null:
                return Compute(TypeRef.Int, new LengthRead(((VariableOperand)ReadVariable(array.Parameter, array)).Id));

            case IFieldReferenceOperation:
            case IPropertyReferenceOperation:
                return UnsupportedExpression(operation, "reading a field or property", "pass the value in as a parameter (mark it [NoDerivative] if it is data) or declare it const");

            case IInstanceReferenceOperation:
                return UnsupportedExpression(operation, "'this'", "a [Differentiable] method is static; pass what it reads as parameters");

            case IAnonymousFunctionOperation:
            case IDelegateCreationOperation:
                return UnsupportedExpression(operation, "a lambda", "write a static [Differentiable] method and call it");

            case IArrayCreationOperation:
                return UnsupportedExpression(operation, "creating an array", "local arrays are not supported by this version of DiffGen yet; use scalar locals");

            case IInvalidOperation:
                return Dummy(operation); // the compiler reports the error itself

            default:
                return UnsupportedExpression(operation, DescribeExpression(operation), "use arithmetic, Math functions, comparisons, ?: and calls to [Differentiable] methods");
        }
    }

    private Operand LowerConversion(IConversionOperation conversion)
    {
        var value = LowerExpression(conversion.Operand);
        var target = TypeMapping.TryMap(conversion.Type);
        if (target is null || conversion.OperatorMethod is not null)
        {
            return UnsupportedExpression(conversion, "a conversion to '" + conversion.Type?.ToDisplayString() + "'", "convert only between double, float and integral types");
        }

        if (conversion.Conversion.IsIdentity || SymbolEqualityComparer.Default.Equals(conversion.Type, conversion.Operand.Type))
        {
            return value;
        }

        return Compute(target, new ConversionOperation(value));
    }

    private Operand LowerBinary(IBinaryOperation binary)
    {
        if (binary.OperatorMethod is not null && binary.OperatorMethod.MethodKind == MethodKind.UserDefinedOperator)
        {
            return UnsupportedExpression(binary, "a user-defined operator", "use double or float arithmetic");
        }

        var type = RequireType(binary);
        if (binary.OperatorKind is BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.ConditionalOr)
        {
            // a && b is a ? b : false; a || b is a ? true : b: the right side runs only when needed.
            var left = LowerExpression(binary.LeftOperand);
            var isAnd = binary.OperatorKind == BinaryOperatorKind.ConditionalAnd;
            return LowerBranches(
                left,
                () => isAnd ? LowerExpression(binary.RightOperand) : new LiteralOperand("true", TypeRef.Bool),
                () => isAnd ? new LiteralOperand("false", TypeRef.Bool) : LowerExpression(binary.RightOperand),
                TypeRef.Bool)!;
        }

        var op = MapBinary(binary.OperatorKind);
        if (op is null)
        {
            return UnsupportedExpression(binary, "the operator '" + OperatorText(binary) + "'", "use + - * / %, comparisons, && and ||");
        }

        var l = LowerExpression(binary.LeftOperand);
        var r = LowerExpression(binary.RightOperand);
        return Compute(type, new BinaryOperation(op.Value, l, r));
    }

    private Operand LowerUnary(IUnaryOperation unary)
    {
        if (unary.OperatorMethod is not null)
        {
            return UnsupportedExpression(unary, "a user-defined operator", "use double or float arithmetic");
        }

        var value = LowerExpression(unary.Operand);
        return unary.OperatorKind switch
        {
            UnaryOperatorKind.Plus => value,
            UnaryOperatorKind.Minus => Compute(RequireType(unary), new UnaryOperation(UnaryOperator.Negate, value)),
            UnaryOperatorKind.Not => Compute(RequireType(unary), new UnaryOperation(UnaryOperator.Not, value)),
            UnaryOperatorKind.BitwiseNegation => Compute(RequireType(unary), new UnaryOperation(UnaryOperator.BitwiseNot, value)),
            _ => UnsupportedExpression(unary, "this unary operator", "use unary minus or !"),
        };
    }

    private Operand LowerCompoundAssignment(ICompoundAssignmentOperation compound)
    {
        var symbol = AssignableSymbol(compound.Target);
        if (symbol is null)
        {
            return Dummy(compound);
        }

        var op = MapBinary(compound.OperatorKind);
        if (op is null || compound.OperatorMethod is { MethodKind: MethodKind.UserDefinedOperator })
        {
            return UnsupportedExpression(compound, "this compound assignment", "use += -= *= /=");
        }

        var targetType = TypeOfSymbol(symbol);
        var current = ReadVariable(symbol, compound.Target);
        var value = LowerExpression(compound.Value);
        var valueType = TypeMapping.TryMap(compound.Value.Type) ?? targetType;

        // x op= e is x = (T)(x op e), computed in the wider of the two types.
        var operationType = Wider(targetType, valueType);
        var left = Convert(current, targetType, operationType);
        var right = Convert(value, valueType, operationType);
        var result = Compute(operationType, new BinaryOperation(op.Value, left, right));
        var updated = Convert(result, operationType, targetType);
        _values = _values.SetItem(symbol, updated);
        return updated;
    }

    private Operand LowerInvocation(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        if (method.MethodKind == MethodKind.LocalFunction)
        {
            return Dummy(invocation); // the local function's declaration is reported
        }

        if (invocation.Instance is not null || !method.IsStatic)
        {
            return UnsupportedExpression(invocation, "calling the instance method '" + method.Name + "'", "call static methods: Math functions or other [Differentiable] methods");
        }

        if (invocation.Arguments.Any(a => a.ArgumentKind == ArgumentKind.ParamArray || a.Parameter?.RefKind is RefKind.Ref or RefKind.Out))
        {
            return UnsupportedExpression(invocation, "a call with 'params', 'ref' or 'out' arguments", "pass each value as a plain argument");
        }

        var resultType = TypeMapping.TryMap(method.ReturnType);
        if (resultType is null)
        {
            return UnsupportedExpression(invocation, "calling '" + method.Name + "', which returns '" + method.ReturnType.ToDisplayString() + "'", "call methods that return double, float, an integral type or bool");
        }

        // Arguments in parameter order, as the callee declares them.
        var ordered = invocation.Arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0).ToList();
        var arguments = ordered.Select(LowerArgument).ToEquatableArray();

        if (method.GetAttributes().Any(TypeMapping.IsDifferentiableAttribute) && !method.IsGenericMethod)
        {
            var callee = DescribeCallee(method, resultType);
            if (callee is null)
            {
                return UnsupportedExpression(invocation, "calling '" + method.Name + "', which has a parameter DiffGen cannot differentiate", "give it the parameter types of a [Differentiable] method");
            }

            for (var i = 0; i < arguments.Count; i++)
            {
                if (callee.Parameters[i].Shape != ParameterShape.Scalar
                    && (arguments[i] is not VariableOperand { Id: var id } || _variables[id].Origin != VariableOrigin.Parameter))
                {
                    return UnsupportedExpression(ordered[i], "passing this array", "pass an array or span parameter of this method as it is");
                }
            }

            return Compute(resultType, new DifferentiableCall(callee, arguments));
        }

        var containing = method.ContainingType;
        var isMathType = containing is not null
            && (containing.SpecialType is SpecialType.System_Double or SpecialType.System_Single
                || containing.ToDisplayString() is "System.Math" or "System.MathF");
        if (isMathType && resultType.IsFloating && DerivativeRules.Find(method.Name, arguments.Count) is not null)
        {
            return Compute(resultType, new IntrinsicCall(method.Name, arguments));
        }

        var piecewiseConstant = !resultType.IsFloating || (isMathType && DerivativeRules.IsPiecewiseConstant(method.Name));
        var name = method.ContainingType!.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + method.Name;
        return Compute(resultType, new OpaqueCall(name, arguments, piecewiseConstant, DiagnosticInfo.From(invocation.Syntax.GetLocation())!));
    }

    private Operand LowerArgument(IArgumentOperation argument)
    {
        if (argument.ArgumentKind == ArgumentKind.DefaultValue && argument.Value.ConstantValue.HasValue)
        {
            var type = TypeMapping.TryMap(argument.Value.Type);
            if (type is not null && Literals.TryCreate(argument.Value.ConstantValue.Value, type) is { } literal)
            {
                return literal;
            }
        }

        return LowerExpression(argument.Value);
    }

    private static CalleeSpec? DescribeCallee(IMethodSymbol method, TypeRef resultType)
    {
        var parameters = new List<CalleeParameter>();
        foreach (var parameter in method.Parameters)
        {
            var noDerivative = parameter.GetAttributes().Any(TypeMapping.IsNoDerivativeAttribute);
            if (TypeMapping.TryMapCollection(parameter.Type) is { } collection)
            {
                parameters.Add(new CalleeParameter(!noDerivative, collection.Shape, collection.Element));
                continue;
            }

            var type = TypeMapping.TryMap(parameter.Type);
            if (type is null)
            {
                return null;
            }

            parameters.Add(new CalleeParameter(type.IsFloating && !noDerivative, ParameterShape.Scalar, type));
        }

        var containing = method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        return new CalleeSpec(
            containing + "." + method.Name,
            containing + "." + method.Name + "Gradient",
            method.ContainingType.Name + "." + method.Name,
            resultType,
            parameters.ToEquatableArray());
    }

    private Operand LowerElementRead(IOperation operation, IOperation array, ImmutableArray<IOperation> indices)
    {
        switch (array)
        {
            case IArrayCreationOperation:
                LowerExpression(array); // reports the creation
                return Dummy(operation);
            case ILocalReferenceOperation:
                return Dummy(operation); // the local array's declaration is reported
        }

        if (array is not IParameterReferenceOperation parameter || indices.Length != 1)
        {
            return UnsupportedExpression(operation, "this element access", "read elements of array or span parameters with a single integer index");
        }

        var arrayOperand = (VariableOperand)ReadVariable(parameter.Parameter, parameter);
        var index = LowerExpression(indices[0]);
        return Compute(_variables[arrayOperand.Id].Type, new ElementRead(arrayOperand.Id, index));
    }

    // ---- helpers -----------------------------------------------------------------------------

    private Operand ReadVariable(ISymbol symbol, IOperation at)
    {
        if (_values.TryGetValue(symbol, out var value))
        {
            return value;
        }

        return UnsupportedExpression(at, "reading '" + symbol.Name + "' here", "assign it on every path before reading it");
    }

    private ISymbol? AssignableSymbol(IOperation target)
    {
        switch (target)
        {
            case ILocalReferenceOperation local:
                return local.Local;
            case IParameterReferenceOperation parameter when TypeMapping.TryMapCollection(parameter.Type!) is null:
                return parameter.Parameter;
            case IArrayElementReferenceOperation:
            case IPropertyReferenceOperation { Property.IsIndexer: true }:
                UnsupportedExpression(target, "writing into an array element", "parameters are read-only and local arrays arrive with loops in a later version; accumulate into a scalar local");
                return null;
            case IFieldReferenceOperation:
            case IPropertyReferenceOperation:
                UnsupportedExpression(target, "assigning a field or property", "a [Differentiable] method is pure; assign a local and return the result");
                return null;
            default:
                UnsupportedExpression(target, "assigning this target", "assign a local variable");
                return null;
        }
    }

    private TypeRef TypeOfSymbol(ISymbol symbol) => symbol switch
    {
        ILocalSymbol local => TypeMapping.TryMap(local.Type) ?? TypeRef.Double,
        IParameterSymbol parameter => TypeMapping.TryMap(parameter.Type) ?? TypeRef.Double,
        _ => TypeRef.Double,
    };

    // Deterministic order of merges, whatever the hash order of the dictionary.
    private static (int, string) SymbolOrder(ISymbol symbol) =>
        (symbol.Locations.Length > 0 ? symbol.Locations[0].SourceSpan.Start : -1, symbol.Name);

    private TypeRef RequireType(IOperation operation) => TypeMapping.TryMap(operation.Type) ?? TypeRef.Double;

    private static TypeRef Wider(TypeRef a, TypeRef b)
    {
        if (a.Kind == ScalarKind.Double || b.Kind == ScalarKind.Double)
        {
            return TypeRef.Double;
        }

        return a.Kind == ScalarKind.Float || b.Kind == ScalarKind.Float ? TypeRef.Float : a;
    }

    private Operand Convert(Operand value, TypeRef from, TypeRef to) =>
        from == to ? value : Compute(to, new ConversionOperation(value));

    private Operand Compute(TypeRef type, Operation operation)
    {
        var id = NewVariable(type);
        Emit(new AssignStatement(id, operation));
        return new VariableOperand(id);
    }

    private int NewVariable(TypeRef type, string? name = null)
    {
        var id = _variables.Count;
        _variables.Add(new IrVariable(id, _names.Claim(name ?? "u" + _nextIntermediate++), type, VariableOrigin.Intermediate, ParameterShape.Scalar));
        return id;
    }

    private void Emit(IrStatement statement)
    {
        if (++_statementCount > MaxStatements)
        {
            throw new TooManyPathsException();
        }

        _block.Add(statement);
    }

    private static readonly Regex Whitespace = new(@"\s+", RegexOptions.Compiled);

    private void Comment(SyntaxNode syntax, string? text = null)
    {
        text = Whitespace.Replace(text ?? syntax.ToString(), " ").Trim();
        if (text.Length > 120)
        {
            text = text.Substring(0, 117) + "...";
        }

        _block.Add(new SourceComment(text));
    }

    private void CommentIf(IConditionalOperation conditional) =>
        Comment(conditional.Syntax, "if (" + conditional.Condition.Syntax + ")");

    private static bool ContainsReturn(IOperation operation) => operation.DescendantsAndSelf().OfType<IReturnOperation>().Any();

    private void UnsupportedStatement(IOperation operation, string what, string instead) =>
        _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedStatement, DiagnosticInfo.From(operation.Syntax.GetLocation()), what, instead));

    private Operand UnsupportedExpression(IOperation operation, string what, string instead)
    {
        _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedExpression, DiagnosticInfo.From(operation.Syntax.GetLocation()), what, instead));
        return Dummy(operation);
    }

    // Stands in for a value that could not be lowered, so lowering goes on and reports every problem at once.
    private Operand Dummy(IOperation operation) => new LiteralOperand("default", RequireType(operation));

    private static BinaryOperator? MapBinary(BinaryOperatorKind kind) => kind switch
    {
        BinaryOperatorKind.Add => BinaryOperator.Add,
        BinaryOperatorKind.Subtract => BinaryOperator.Subtract,
        BinaryOperatorKind.Multiply => BinaryOperator.Multiply,
        BinaryOperatorKind.Divide => BinaryOperator.Divide,
        BinaryOperatorKind.Remainder => BinaryOperator.Remainder,
        BinaryOperatorKind.Equals => BinaryOperator.Equal,
        BinaryOperatorKind.NotEquals => BinaryOperator.NotEqual,
        BinaryOperatorKind.LessThan => BinaryOperator.Less,
        BinaryOperatorKind.LessThanOrEqual => BinaryOperator.LessOrEqual,
        BinaryOperatorKind.GreaterThan => BinaryOperator.Greater,
        BinaryOperatorKind.GreaterThanOrEqual => BinaryOperator.GreaterOrEqual,
        BinaryOperatorKind.And => BinaryOperator.And,
        BinaryOperatorKind.Or => BinaryOperator.Or,
        BinaryOperatorKind.ExclusiveOr => BinaryOperator.ExclusiveOr,
        BinaryOperatorKind.LeftShift => BinaryOperator.LeftShift,
        BinaryOperatorKind.RightShift => BinaryOperator.RightShift,
        _ => null,
    };

    private static string OperatorText(IBinaryOperation binary) =>
        binary.Syntax is Microsoft.CodeAnalysis.CSharp.Syntax.BinaryExpressionSyntax b ? b.OperatorToken.Text : binary.OperatorKind.ToString();

    private static string LoopKeyword(ILoopOperation loop) => loop.LoopKind switch
    {
        LoopKind.For => "for",
        LoopKind.ForEach => "foreach",
        LoopKind.While => loop.Syntax is Microsoft.CodeAnalysis.CSharp.Syntax.DoStatementSyntax ? "do" : "while",
        _ => "loop",
    };

    private static string BranchKeyword(IBranchOperation branch) => branch.BranchKind switch
    {
        BranchKind.Break => "break",
        BranchKind.Continue => "continue",
        _ => "goto",
    };

    private static string FirstToken(IOperation operation) => operation.Syntax.GetFirstToken().Text;

    private static string DescribeExpression(IOperation operation) =>
        SyntaxFacts.GetText(operation.Syntax.Kind()) is { Length: > 0 } text
            ? "'" + text + "'"
            : "'" + Whitespace.Replace(operation.Syntax.ToString(), " ") + "'";

    private sealed class TooManyPathsException : Exception
    {
    }
}
