using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using DiffGen.Generator.Analysis;
using DiffGen.Generator.Diagnostics;
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
internal sealed partial class BodyLowerer
{
    // The model of the tree being lowered: the method's, or an inlined helper's.
    private SemanticModel _model;
    private readonly NameScope _names;
    private readonly CancellationToken _cancellationToken;
    private readonly IrBuilder _ir;
    private readonly List<DiagnosticInfo> _diagnostics = new();
    // The current value of each local and parameter (by symbol) and of each jump flag (by FlagKey).
    private readonly ValueEnvironment _values;

    // Locals whose declaration was already reported: their reads are not reported again.
    private readonly HashSet<ISymbol> _rejected = new(SymbolEqualityComparer.Default);

    // The variables of static readonly fields, read at the top of the method.
    private readonly Dictionary<IFieldSymbol, int> _fields = new(SymbolEqualityComparer.Default);
    private int _result = -1;

    // The method's floating-point type: what an array of models' variable is typed as.
    private TypeRef _precision = TypeRef.Double;
    private ResultForm _form;

    public BodyLowerer(SemanticModel model, NameScope names, CancellationToken cancellationToken)
    {
        _model = model;
        _names = names;
        _ir = new IrBuilder(names);
        _values = new ValueEnvironment(_ir);
        _cancellationToken = cancellationToken;
    }

    public IReadOnlyList<DiagnosticInfo> Diagnostics => _diagnostics;

    /// <summary>Each call of a [Differentiable] method, with where its arguments are written, for the checks that need activity.</summary>
    public IReadOnlyList<CallSite> CallSites => _callSites;

    /// <summary>Where each call without a derivative is (<see cref="OpaqueCall.Site"/> indexes it): for diagnostics, outside the IR.</summary>
    public IReadOnlyList<LocationInfo> OpaqueCallLocations => _opaqueCallLocations;

    private readonly List<LocationInfo> _opaqueCallLocations = new();

    // A new OpaqueCall's site: its location, kept here rather than in the IR.
    private int OpaqueSite(SyntaxNode syntax)
    {
        _opaqueCallLocations.Add(DiagnosticInfo.From(syntax.GetLocation())!);
        return _opaqueCallLocations.Count - 1;
    }

    private readonly List<CallSite> _callSites = new();

    /// <summary>Registers a parameter; its IR variable reads it as passed.</summary>
    /// <param name="origin"><see cref="VariableOrigin.Output"/> for an array or span a vector-valued method may write.</param>
    public int AddParameter(IParameterSymbol parameter, string name, TypeRef type, ParameterShape shape, VariableOrigin origin = VariableOrigin.Parameter)
    {
        var id = _ir.Declare(name, type, origin, shape);
        _values.Bind(parameter, new VariableOperand(id));
        if (parameter.Type is IArrayTypeSymbol { Rank: 2 })
        {
            // A matrix parameter: its dimensions, read once at the start.
            _values.Bind(parameter, new MatrixValue(id,
                _ir.Compute(TypeRef.Int, new DimensionRead(id, 0)), _ir.Compute(TypeRef.Int, new DimensionRead(id, 1))));
        }

        return id;
    }

    /// <summary>Lowers the body; null when it holds something unsupported (see <see cref="Diagnostics"/>).</summary>
    /// <remarks>
    /// An early return outside loops sets a flag (kept in <see cref="_values"/>, so branches merge it
    /// like any local) and the statements after it run under <c>if (!returned)</c>: each statement is
    /// lowered once, and the IR grows linearly with the source.
    /// </remarks>
    /// <param name="body">The method's body.</param>
    /// <param name="returnType">Its return type, or for a vector-valued method its element type.</param>
    /// <param name="method">The method, for messages.</param>
    /// <param name="form">
    /// For <see cref="ResultForm.Outputs"/>, <c>return;</c> leaves the method and the result is unassigned (the
    /// outputs are the parameters it writes); for <see cref="ResultForm.Array"/>, the result is the local array
    /// the body's one final return returns.
    /// </param>
    public IrProgram? Lower(IOperation body, TypeRef returnType, IMethodSymbol method, ResultForm form = ResultForm.Scalar)
    {
        _precision = returnType;
        _form = form;
        _values.Bind(_returned, new LiteralOperand("false", TypeRef.Bool));
        try
        {
            if (form == ResultForm.Array)
            {
                LowerReturnedArray(body, method);
            }
            else
            {
                _result = _ir.NewVariable(returnType, "value");
                LowerWork(new Work(body, new Work(MethodEnd.Instance, null)));
            }
        }
        catch (IrBuilder.TooLargeException)
        {
            _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooLarge, DiagnosticInfo.From(body.Syntax.GetLocation()), method.Name, IrBuilder.MaxIntermediates.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        if (_diagnostics.Count == 0 && MisplacedValue() is { } misplaced)
        {
            _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedExpression, DiagnosticInfo.From(body.Syntax.GetLocation()), misplaced, "keep array and tuple values in locals that are assigned once, outside loops that change them"));
        }

        if (_diagnostics.Count > 0)
        {
            return null;
        }

        return _ir.Build(_result, elideFinalCopy: form == ResultForm.Scalar);
    }

    // A method returning an array: the statements before its one final return, then the result is the new
    // local array that return returns (a parameter, a field or a view would alias what the caller owns).
    private void LowerReturnedArray(IOperation body, IMethodSymbol method)
    {
        var (leading, returned) = body is IBlockOperation block ? SplitFinalReturn(block) : (ImmutableArray<IOperation>.Empty, null);
        if (returned is null || leading.Any(ContainsReturn))
        {
            _result = _ir.NewVariable(TypeRef.Int, "value");
            _diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.UnsupportedVectorMethod,
                DiagnosticInfo.From((leading.FirstOrDefault(ContainsReturn) ?? body).Syntax.GetLocation()),
                "a return before the end of '" + method.Name + "'",
                "end the method with its only return of the array it fills (an if/else that assigns a local before it)"));
            return;
        }

        LowerWork(Prepend(leading, new Work(MethodEnd.Instance, null)));
        var value = _diagnostics.Count == 0 ? LowerExpression(returned) : null;
        if (value is VariableOperand { Id: var id } && _ir.Variables[id] is { Origin: VariableOrigin.Intermediate, Shape: not ParameterShape.Scalar }
            && _ir.TopBlock.Any(s => s is AssignStatement { Operation: ArrayAllocation { OnStack: false } } a && a.Target == id))
        {
            _result = id;
            return;
        }

        _result = _ir.NewVariable(TypeRef.Int, "value");
        if (_diagnostics.Count == 0)
        {
            _diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.UnsupportedVectorMethod,
                DiagnosticInfo.From(returned.Syntax.GetLocation()),
                "returning an array other than a new local one",
                "return a local array the method allocates and fills (new double[n], or new[] { … }) outside loops and branches; copy an input into one first"));
        }
    }

    // ---- statements --------------------------------------------------------------------------

    /// <summary>An immutable list of statements still to lower: the rest of a block and of every block around it.</summary>
    private sealed class Work
    {
        public Work(object head, Work? tail)
        {
            Head = head;
            Tail = tail;
        }

        /// <summary>An <see cref="IOperation"/>, or <see cref="IterationEnd"/>.</summary>
        public object Head { get; }

        public Work? Tail { get; }
    }

    /// <summary>The work item that ends a loop iteration normally (also where <c>continue</c> jumps).</summary>
    private sealed class IterationEnd
    {
        public static readonly IterationEnd Instance = new();
    }

    /// <summary>The work item after the method's last statement: what remains of the work when it is reached is all of it.</summary>
    private sealed class MethodEnd
    {
        public static readonly MethodEnd Instance = new();
    }

    /// <summary>How the current loop's iteration ends: normally, by <c>break</c>, or by <c>return</c>.</summary>
    private sealed class LoopContext
    {
        public LoopContext(ILoopOperation loop, int depth)
        {
            Loop = loop;
            Flag = new FlagKey(TypeRef.Int, "left" + depth.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        public ILoopOperation Loop { get; }

        public Action EndIteration { get; set; } = () => { };

        public Action? Break { get; set; }

        public Action? Return { get; set; }

        /// <summary>
        /// The key under which <see cref="_values"/> holds how this iteration has been left so far:
        /// <see cref="Running"/>, <see cref="Continued"/>, <see cref="Broke"/> or <see cref="Returned"/>.
        /// </summary>
        public FlagKey Flag { get; }

        /// <summary>The ways the body leaves its iterations, so that the iteration's end tests only for those.</summary>
        public HashSet<string> Exits { get; } = new();
    }

    // How an iteration has been left: an int flag, merged at branches like any local.
    private const string Running = "0";
    private const string Continued = "1";
    private const string Broke = "2";
    private const string Returned = "3";

    private LoopContext? _loop;

    /// <summary>The key under which <see cref="_values"/> holds whether this path has returned (outside loops).</summary>
    private FlagKey _returned = new(TypeRef.Bool, "returned");

    private int LoopDepth()
    {
        var depth = 0;
        for (var loop = _loop?.Loop.Parent; loop is not null; loop = loop.Parent)
        {
            depth += loop is ILoopOperation ? 1 : 0;
        }

        return depth + (_loop is null ? 0 : 1);
    }

    private static Work? Prepend(ImmutableArray<IOperation> operations, Work? tail)
    {
        for (var i = operations.Length - 1; i >= 0; i--)
        {
            tail = new Work(operations[i], tail);
        }

        return tail;
    }

    // Lowers statements until the work runs out or a jump ends every path. A jump (return, break,
    // continue) sets a flag that branches merge like any local, and what follows a statement that
    // jumped on some paths runs under a test of that flag: every statement is lowered once, so the
    // IR grows linearly with the source, and every path assigns the result exactly once.
    private void LowerWork(Work? work)
    {
        while (work is not null)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            if (work.Head is IterationEnd)
            {
                FinishIteration();
                return;
            }

            if (work.Head is MethodEnd)
            {
                return;
            }

            var operation = (IOperation)work.Head;
            work = work.Tail;
            switch (operation)
            {
                case IBlockOperation block:
                    work = Prepend(block.Operations, work);
                    break;

                case IReturnOperation ret:
                    // An expression body's return has the expression as its syntax.
                    Comment(ret.Syntax, ret.Syntax is Microsoft.CodeAnalysis.CSharp.Syntax.ReturnStatementSyntax ? null : "return " + ret.Syntax + ";");
                    if (ret.ReturnedValue is null && _form == ResultForm.Outputs && _inlining.Count == 0)
                    {
                        // A method that writes its outputs leaves early: the outputs hold what it wrote so far.
                        Jump(Returned);
                        work = AfterJump(work);
                        break;
                    }

                    if (ret.ReturnedValue is null)
                    {
                        UnsupportedStatement(ret, "a return without a value", "return the method's value");
                        return;
                    }

                    _ir.Emit(new AssignStatement(_result, new CopyOperation(LowerExpression(ret.ReturnedValue))));
                    Jump(Returned);
                    work = AfterJump(work);
                    break;

                case IConditionalOperation conditional:
                    CommentIf(conditional);
                    var condition = LowerExpression(conditional.Condition);
                    if (AlwaysJumps(conditional.WhenTrue) != (conditional.WhenFalse is { } otherwise && AlwaysJumps(otherwise)) && ReachesScopeEnd(work))
                    {
                        // One arm always leaves (if (c) return x; / if (c) break;): the rest is lowered once, into the other arm.
                        var rest = work;
                        Work? Then(IOperation arm) => AlwaysJumps(arm) ? AfterJump(rest) : rest;
                        LowerBranchesWithContinuation(
                            condition,
                            () => LowerWork(new Work(conditional.WhenTrue, Then(conditional.WhenTrue))),
                            () => LowerWork(conditional.WhenFalse is null ? rest : new Work(conditional.WhenFalse, Then(conditional.WhenFalse))));
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
                    LowerSwitch(switchOperation);
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
                    LowerLoop(loop);
                    break;

                case IBranchOperation { BranchKind: BranchKind.Continue } jump when _loop is not null && IsTarget(jump, _loop.Loop.ContinueLabel):
                    Jump(Continued);
                    work = AfterJump(work);
                    break;

                case IBranchOperation { BranchKind: BranchKind.Break } jump when _loop?.Break is not null && IsTarget(jump, _loop.Loop.ExitLabel):
                    Jump(Broke);
                    work = AfterJump(work);
                    break;

                case ILocalFunctionOperation:
                    break; // inlined where it is called

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

            if (work is not null && GuardedAfterJump(work))
            {
                return;
            }
        }
    }

    // What still runs on a path that jumped: only the end of the current iteration or method, if it is in the work.
    private static Work? AfterJump(Work? work)
    {
        while (work is not null && work.Head is not (IterationEnd or MethodEnd))
        {
            work = work.Tail;
        }

        return work;
    }

    // Whether the work runs to the end of the current iteration or method: then it is all that follows on this path.
    private static bool ReachesScopeEnd(Work? work) => AfterJump(work) is not null;

    // Whether every path through the statement leaves by return, or by break or continue of the current loop.
    private bool AlwaysJumps(IOperation operation) => operation switch
    {
        IReturnOperation => true,
        IBranchOperation { BranchKind: BranchKind.Continue } jump => _loop is not null && IsTarget(jump, _loop.Loop.ContinueLabel),
        IBranchOperation { BranchKind: BranchKind.Break } jump => _loop?.Break is not null && IsTarget(jump, _loop.Loop.ExitLabel),
        IBlockOperation block => block.Operations.Length > 0 && AlwaysJumps(block.Operations[block.Operations.Length - 1]),
        IConditionalOperation { WhenFalse: { } otherwise } conditional => AlwaysJumps(conditional.WhenTrue) && AlwaysJumps(otherwise),
        _ => false,
    };

    // Records that this path leaves: the method (outside loops, a bool flag) or the current iteration.
    private void Jump(string how)
    {
        if (_loop is null)
        {
            _values.Bind(_returned, new LiteralOperand("true", TypeRef.Bool));
            return;
        }

        _loop.Exits.Add(how);
        _values.Bind(_loop.Flag, new LiteralOperand(how, TypeRef.Int));
    }

    // After a statement that jumped on some paths: the rest runs only where it did not (nothing, when
    // all did). Inside a loop the iteration's end still runs on every path: it dispatches on the flag.
    private bool GuardedAfterJump(Work rest)
    {
        var key = _loop?.Flag ?? _returned;
        var notLeft = _loop is null ? new LiteralOperand("false", TypeRef.Bool) : new LiteralOperand(Running, TypeRef.Int);
        var state = _values[key];
        if (state.Equals(notLeft))
        {
            return false;
        }

        var (before, endsIteration) = UpToIterationEnd(rest);
        if (state is VariableOperand && before is not null)
        {
            _ir.Comment(_loop is null
                ? "(what follows runs only if the method has not returned above)"
                : "(what follows runs only if this iteration has not been left above)");
            var goOn = _ir.Compute(TypeRef.Bool, _loop is null
                ? new UnaryOperation(UnaryOperator.Not, state)
                : new BinaryOperation(BinaryOperator.Equal, state, notLeft));
            LowerBranches(
                goOn,
                () =>
                {
                    _values.Bind(key, notLeft);
                    LowerWork(before);
                    return null;
                },
                () => null,
                resultType: null);
        }

        if (endsIteration)
        {
            FinishIteration();
        }

        return true;
    }

    // The work before the current iteration's end, and whether that end follows it.
    private static (Work? Before, bool EndsIteration) UpToIterationEnd(Work rest)
    {
        var items = new List<object>();
        var endsIteration = false;
        for (var item = rest; item is not null; item = item.Tail)
        {
            if (item.Head is IterationEnd or MethodEnd)
            {
                endsIteration = item.Head is IterationEnd;
                break;
            }

            items.Add(item.Head);
        }

        Work? before = null;
        for (var i = items.Count - 1; i >= 0; i--)
        {
            before = new Work(items[i], before);
        }

        return (before, endsIteration);
    }

    // The end of a loop iteration, however it was left: the next iteration (normally or by continue),
    // the loop's exit (break) or the method's (return); a test of the flag chooses when paths differ.
    private void FinishIteration()
    {
        var loop = _loop!;
        Action EndBy(string how) => how switch
        {
            Broke => loop.Break!,
            Returned => loop.Return!,
            _ => loop.EndIteration,
        };

        var state = _values[loop.Flag];
        if (state is LiteralOperand literal)
        {
            EndBy(literal.Text)();
            return;
        }

        void Dispatch(IReadOnlyList<string> ways)
        {
            if (ways.Count == 1)
            {
                EndBy(ways[0])();
                return;
            }

            var test = _ir.Compute(TypeRef.Bool, new BinaryOperation(BinaryOperator.Equal, state, new LiteralOperand(ways[0], TypeRef.Int)));
            LowerBranchesWithContinuation(test, EndBy(ways[0]), () => Dispatch(ways.Skip(1).ToList()));
        }

        // Continuing and running on both end the iteration normally.
        var exits = new[] { Broke, Returned }.Where(loop.Exits.Contains).Append(Running).ToList();
        Dispatch(exits);
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
            _rejected.Add(local);
            UnsupportedStatement(declarator, "a 'ref' local", "declare a plain local and assign it");
            return;
        }

        var initializer = declarator.Initializer ?? declaration.Initializer;
        if (LocalArrayType(local.Type) is not null || TypeMapping.TryMapAnyCollection(local.Type) is not null)
        {
            LowerLocalArray(declarator, local, initializer?.Value);
            return;
        }

        if (MatrixElementType(local.Type) is { } matrixElement)
        {
            LowerMatrixLocal(declarator, local, matrixElement, initializer?.Value);
            return;
        }

        if (local.Type is INamedTypeSymbol { IsTupleType: true } tupleType && !tupleType.TupleElements.IsDefault
            && tupleType.TupleElements.All(e => TypeMapping.TryMap(e.Type) is not null))
        {
            // A tuple local names its elements' values; it needs an initializer (a tuple or a helper's tuple result).
            var errors = _diagnostics.Count;
            if (initializer is not null && LowerExpression(initializer.Value) is TupleValue tuple)
            {
                _values.Bind(local, tuple);
            }
            else
            {
                _rejected.Add(local);
                if (_diagnostics.Count == errors)
                {
                    UnsupportedStatement(declarator, "this tuple local", "initialize a tuple local where it is declared: var t = (a, b); or var t = Helper(x);");
                }
            }

            return;
        }

        if (local.Type is IArrayTypeSymbol { ElementType: var modelElement } && TypeMapping.IsModelType(modelElement))
        {
            _rejected.Add(local);
            UnsupportedStatement(declarator, "a local naming an array of models", "read the array through its model where it is used (model.Layers[i], foreach (var layer in model.Layers))");
            return;
        }

        if (TypeMapping.IsModelType(local.Type))
        {
            // A local naming a model (var layer = model.Layer1;) reads through it: initialized where declared, never reassigned.
            if (initializer is not null && ModelOf(initializer.Value) is { } named)
            {
                _values.Bind(local, Evaluated(named));
            }
            else
            {
                _rejected.Add(local);
                UnsupportedStatement(declarator, "this local of type '" + TypeMapping.Display(local.Type) + "'", "name a model the method reads where it is declared (var layer = model.Layer1;); a [Differentiable] method cannot create models");
            }

            return;
        }

        if (TypeMapping.TryMap(local.Type) is null)
        {
            _rejected.Add(local);
            UnsupportedStatement(declarator, "a local of type '" + TypeMapping.Display(local.Type) + "'", "use double, float, integral or bool locals, or local arrays of double or float");
            return;
        }

        if (initializer is not null)
        {
            // Lower first: the initializer may itself assign locals ((s = s * 2) / 2).
            var value = LowerExpression(initializer.Value);
            _values.Bind(local, value);
        }
    }

    private void LowerSwitch(ISwitchOperation switchOperation)
    {
        var value = LowerExpression(switchOperation.Value);
        var sections = new List<(ImmutableArray<ICaseClauseOperation> Clauses, ImmutableArray<IOperation> Body)>();
        (ImmutableArray<ICaseClauseOperation> Clauses, ImmutableArray<IOperation> Body)? defaultSection = null;
        foreach (var section in switchOperation.Cases)
        {
            // A section ends with its break, also inside a trailing block: case 1: { …; break; }
            var body = section.Body;
            while (body.Length > 0 && body[body.Length - 1] is IBlockOperation trailing)
            {
                body = body.RemoveAt(body.Length - 1).AddRange(trailing.Operations);
            }

            if (body.Length > 0 && body[body.Length - 1] is IBranchOperation { BranchKind: BranchKind.Break } end && IsTarget(end, switchOperation.ExitLabel))
            {
                body = body.RemoveAt(body.Length - 1);
            }

            foreach (var nested in body.SelectMany(b => b.DescendantsAndSelf()).OfType<IBranchOperation>()
                .Where(b => IsTarget(b, switchOperation.ExitLabel)))
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

        // A return, break or continue in a section sets its flag; LowerWork guards what follows the switch.
        // case i: if (value matches) { body } else { cases i+1.. }; default last.
        void LowerFrom(int index)
        {
            if (index == sections.Count)
            {
                if (defaultSection is { } d)
                {
                    LowerWork(Prepend(d.Body, null));
                }

                return;
            }

            var (clauses, body) = sections[index];
            Operand? condition = null;
            foreach (var clause in clauses.OfType<ISingleValueCaseClauseOperation>())
            {
                var test = _ir.Compute(TypeRef.Bool, new BinaryOperation(BinaryOperator.Equal, value, LowerExpression(clause.Value)));
                condition = condition is null ? test : _ir.Compute(TypeRef.Bool, new BinaryOperation(BinaryOperator.Or, condition, test));
            }

            condition ??= new LiteralOperand("false", TypeRef.Bool);
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

        LowerFrom(0);
    }

    // Two arms that rejoin: values of variables that differ between the arms are merged into a
    // fresh variable that each arm assigns (a φ written as copies). Optionally the arms produce a
    // value (for ?:, && and ||), merged the same way.
    private Operand? LowerBranches(Operand condition, Func<Operand?> whenTrue, Func<Operand?> whenFalse, TypeRef? resultType)
    {
        var before = _values.Save();
        var (trueValue, trueBlock) = _ir.Capture(whenTrue);
        var trueValues = _values.Save();

        _values.Restore(before);
        var (falseValue, falseBlock) = _ir.Capture(whenFalse);
        var falseValues = _values.Save();

        _values.Join(before, trueValues, falseValues, trueBlock, falseBlock);

        Operand? result = null;
        if (resultType is not null && trueValue is not null && falseValue is not null)
        {
            var merge = _ir.NewVariable(resultType);
            trueBlock.Add(new AssignStatement(merge, new CopyOperation(trueValue)));
            falseBlock.Add(new AssignStatement(merge, new CopyOperation(falseValue)));
            result = new VariableOperand(merge);
        }

        _ir.Emit(new IfStatement(condition, trueBlock.ToEquatableArray(), falseBlock.ToEquatableArray()));
        return result;
    }

    // Two arms that never rejoin: each carries all that follows on its path (the rest of the iteration
    // or method), so nothing after the branch needs the values they leave.
    private void LowerBranchesWithContinuation(Operand condition, Action whenTrue, Action whenFalse)
    {
        var before = _values.Save();
        var trueBlock = _ir.Capture(whenTrue);
        _values.Restore(before);
        var falseBlock = _ir.Capture(whenFalse);
        _values.Restore(before);
        _ir.Emit(new IfStatement(condition, trueBlock.ToEquatableArray(), falseBlock.ToEquatableArray()));
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
            case IMemberReferenceOperation or IArrayElementReferenceOperation or IInvocationOperation { Instance: not null } when ReadsRejectedLocal(operation):
                return Dummy(operation); // through a local whose declaration is reported

            case IInvocationOperation or IArrayElementReferenceOperation or IImplicitIndexerReferenceOperation when IsSliceExpression(operation):
                return ViewOf(operation) is { } slice ? AsOperand(slice) : Dummy(operation);

            case IConversionOperation clone when IsClone(clone):
                return LowerClone(clone);

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

            case IConditionalOperation { WhenFalse: not null, IsRef: false } conditional when TypeMapping.TryMap(conditional.Type) is null:
                return UnsupportedExpression(operation, "a ?: whose result is an array or tuple", "branch with if/else and compute the elements in each arm");

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

            case ISimpleAssignmentOperation { Target: ILocalReferenceOperation { Local: var arrayLocal } } arrayAssignment when LocalArrayType(arrayLocal.Type) is not null:
                return LowerArrayAssignment(arrayAssignment, arrayLocal);

            case ISimpleAssignmentOperation { Target.Type: var modelType } when TypeMapping.IsModelType(modelType):
                return UnsupportedExpression(operation, "assigning a model", "declare a new local for each model it names (var next = model.Layer2;)");

            case ISimpleAssignmentOperation assignment:
            {
                var place = LowerPlace(assignment.Target);
                var value = LowerExpression(assignment.Value);
                place?.Write(value);
                return value;
            }

            case ICompoundAssignmentOperation compound:
                return LowerCompoundAssignment(compound);

            case IDeconstructionAssignmentOperation deconstruction when TupleElements(deconstruction.Value) is { } sources
                && TupleElements(deconstruction.Target is IDeclarationExpressionOperation declared ? declared.Expression : deconstruction.Target) is { } targets
                && sources.Length == targets.Length:
                return LowerDeconstruction(deconstruction, sources, targets);

            case IDeconstructionAssignmentOperation deconstruction
                when TupleElements(deconstruction.Target is IDeclarationExpressionOperation declared ? declared.Expression : deconstruction.Target) is { } targets:
                return LowerDeconstruction(deconstruction, targets);

            case IDeconstructionAssignmentOperation arrays when arrays.Target.Type is INamedTypeSymbol { IsTupleType: true } targetTuple && !targetTuple.TupleElements.IsDefault
                && targetTuple.TupleElements.Any(e => LocalArrayType(e.Type) is not null || TypeMapping.TryMapAnyCollection(e.Type) is not null):
                return LowerArraySwap(arrays);

            case IIncrementOrDecrementOperation increment:
            {
                var place = LowerPlace(increment.Target);
                if (place is null)
                {
                    return Dummy(operation);
                }

                // ++ on a byte or short is computed in int and converted back, as C# does.
                var current = place.Read();
                var arithmetic = place.Type.Kind == ScalarKind.Integer ? PromotedInteger(place.Type, place.Type) : place.Type;
                var one = Literals.TryCreate(1, arithmetic)!;
                var isChecked = increment.IsChecked && !place.Type.IsFloating;
                var sum = _ir.Compute(arithmetic, new BinaryOperation(increment.Kind == OperationKind.Increment ? BinaryOperator.Add : BinaryOperator.Subtract, _ir.Convert(current, place.Type, arithmetic), one, isChecked));
                var updated = arithmetic == place.Type ? sum : _ir.Compute(place.Type, new ConversionOperation(sum, isChecked));
                place.Write(updated);
                return increment.IsPostfix ? current : updated;
            }

            case IArrayElementReferenceOperation { ArrayReference: var models } when IsModelArrayMember(models):
                return ModelOf(operation) is { } elementModel ? Evaluated(elementModel)
                    : UnsupportedExpression(operation, "this index of an array of models", "index it with a local, a parameter or a loop counter (arithmetic of those), not an expression that assigns or calls");

            case IArrayElementReferenceOperation element:
                return LowerElementRead(operation, element.ArrayReference, element.Indices);

            case ITupleOperation tuple when tuple.Elements.All(e => TypeMapping.TryMap(e.Type) is not null):
                return new TupleValue(
                    tuple.Elements.Select(LowerExpression).ToEquatableArray(),
                    tuple.Elements.Select(e => TypeMapping.TryMap(e.Type)!).ToEquatableArray());

            case IFieldReferenceOperation { Instance: { } instance, Field: { ContainingType.IsTupleType: true } tupleField }:
            {
                var tuple = LowerExpression(instance);
                var item = (tupleField.CorrespondingTupleField ?? tupleField).Name;
                return tuple is TupleValue t && item.StartsWith("Item", StringComparison.Ordinal)
                       && int.TryParse(item.Substring(4), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
                       && n >= 1 && n <= t.Elements.Count
                    ? t.Elements[n - 1]
                    : tuple is TupleValue ? UnsupportedExpression(operation, "this tuple element", "read a tuple's elements by name or as Item1, Item2, …") : Dummy(operation);
            }

            case IPropertyReferenceOperation { Property.IsIndexer: true, Instance: { } instance } indexer when IsArrayReference(instance) || NamesSlice(instance):
                return LowerElementRead(operation, instance, indexer.Arguments.Select(a => a.Value).ToImmutableArray());

            case IPropertyReferenceOperation { Property.Name: "Length", Instance: { } cells } when MatrixOf(cells) is { } matrixOfCells:
                return _ir.Compute(TypeRef.Int, new LengthRead(matrixOfCells.Array));

            case IPropertyReferenceOperation { Property.Name: "Length", Instance: { } rows } when JaggedVariable(rows) is { } jaggedArray:
                return _ir.Compute(TypeRef.Int, new LengthRead(jaggedArray));

            case IPropertyReferenceOperation { Property.Name: "Length", Instance: { } array }
                when IsArrayReference(array) || NamesSlice(array) || IsSliceExpression(array) || array is IArrayElementReferenceOperation { ArrayReference: var outer } && JaggedVariable(outer) is not null:
                return ViewOf(array) is { } lengthOf ? LengthOf(lengthOf) : Dummy(operation);


            case IPropertyReferenceOperation { Property.Name: "Length", Instance: { } models } when IsModelArrayMember(models):
                return ModelArrayVariable(models) is { } modelArray ? _ir.Compute(TypeRef.Int, new LengthRead(modelArray.Id)) : Dummy(operation);

            case IFieldReferenceOperation or IPropertyReferenceOperation when ModelMemberRead(operation) is { } member:
                return member;

            case IFieldReferenceOperation { Field: { IsStatic: true, IsReadOnly: true } fileLocal } when InFileLocalType(fileLocal):
                return UnsupportedExpression(operation, "reading a field of a file-local type", "make the type internal (the gradient is generated in another file), or pass the value in as a parameter");

            case IFieldReferenceOperation { Field: { IsStatic: true, IsReadOnly: true } field } when TypeMapping.TryMap(field.Type) is not null:
                return new VariableOperand(ReadOnlyField(field, TypeMapping.TryMap(field.Type)!, ParameterShape.Scalar));

            case IFieldReferenceOperation when IsArrayReference(operation):
                return ArrayVariable(operation) is { } table ? new VariableOperand(table) : Dummy(operation);

            case IFieldReferenceOperation { Field: { IsStatic: true, IsReadOnly: false } }:
                return UnsupportedExpression(operation, "reading a field or property", "pass the value in as a parameter (mark it [NoDerivative] if it is data), declare it const, or make the static field readonly");

            case IFieldReferenceOperation or IPropertyReferenceOperation when UnreadableModelMember(operation) is { } member:
                // Reports what is wrong: the index of an array of models, or what the member holds (a list, structs, …).
                _ = member is IArrayElementReferenceOperation ? LowerExpression(member) : ModelMemberRead(member);
                return Dummy(operation);

            case IFieldReferenceOperation:
            case IPropertyReferenceOperation:
                return UnsupportedExpression(operation, "reading a field or property", "pass the value in as a parameter (mark it [NoDerivative] if it is data) or declare it const");

            case IInstanceReferenceOperation when _this is not null:
                return _this;

            case IInstanceReferenceOperation:
                return UnsupportedExpression(operation, "'this'", "a [Differentiable] method is static; pass what it reads as parameters");

            case IAnonymousFunctionOperation:
            case IDelegateCreationOperation:
                return UnsupportedExpression(operation, "a lambda", "write a static [Differentiable] method and call it");

            case IArrayCreationOperation { DimensionSizes.Length: 1 } creation when creation.Type is { } arrayType && LocalArrayType(arrayType) is not null:
                return AllocateArray(creation, "array", operation) is { } created ? new VariableOperand(created) : Dummy(operation);

            case IArrayCreationOperation { DimensionSizes.Length: 2 } matrixCreation when MatrixElementType(matrixCreation.Type) is { } matrixElement:
                return CreateMatrix(matrixCreation, matrixElement, "matrix");

            case IArrayCreationOperation:
                return UnsupportedExpression(operation, "creating this array", "create one-dimensional double[] or float[] arrays: new double[n] or new[] { … }");

            case IThrowOperation:
                return UnsupportedExpression(operation, "a throw expression", "validate arguments before calling the method, or return a value such as double.NaN");

            case IInvalidOperation when NestedCallAt(operation) is { } nested:
                return LowerNestedCall(operation, nested);

            case IInvalidOperation:
                // The body binds except around calls of generated methods (NestedCalls): anything else unbound is such a
                // call's surroundings, which bind once the generated methods exist. A default here would be a silent zero.
                return UnsupportedExpression(operation, "this expression around a call of a generated method (it cannot be read until the generated code exists)",
                    "call generated tangents and gradients as statements of their own in the method's body, outside lambdas");

            default:
                return UnsupportedExpression(operation, DescribeExpression(operation), "use arithmetic, Math functions, comparisons, ?: and calls to [Differentiable] methods");
        }
    }

    // (a, b) = (b, a + b), var (m, v) = (x, y): every value on the right is computed first, then each
    // target assigned in turn, as C# does (so a swap swaps).
    private Operand LowerDeconstruction(IDeconstructionAssignmentOperation deconstruction, ImmutableArray<IOperation> sources, ImmutableArray<IOperation> targets)
    {
        // C# evaluates the targets' indices first ((i, a[i]) = (2, x) writes a[0]), then the values.
        var places = targets.Select(target => target is IDiscardOperation ? null
            : LowerPlace(target is IDeclarationExpressionOperation { Expression: var declared } ? declared : target)).ToList();
        var values = sources.Select(source => (Value: LowerExpression(source), Type: RequireType(source))).ToList();
        for (var i = 0; i < targets.Length; i++)
        {
            places[i]?.Write(_ir.Convert(values[i].Value, values[i].Type, places[i]!.Type));
        }

        return Dummy(deconstruction);
    }

    // var (m, v) = Moments(x): the value is a tuple computed elsewhere (a helper's result, a tuple local).
    private Operand LowerDeconstruction(IDeconstructionAssignmentOperation deconstruction, ImmutableArray<IOperation> targets)
    {
        var places = targets.Select(target => target is IDiscardOperation ? null
            : LowerPlace(target is IDeclarationExpressionOperation { Expression: var declared } ? declared : target)).ToList();
        var errors = _diagnostics.Count;
        if (LowerExpression(deconstruction.Value) is TupleValue tuple && tuple.Elements.Count == targets.Length)
        {
            for (var i = 0; i < targets.Length; i++)
            {
                places[i]?.Write(_ir.Convert(tuple.Elements[i], tuple.Types[i], places[i]!.Type));
            }
        }
        else if (_diagnostics.Count == errors)
        {
            UnsupportedExpression(deconstruction.Value, "deconstructing this value", "deconstruct a tuple of scalars: (a, b), a tuple local, or a helper's tuple result");
        }

        return Dummy(deconstruction);
    }

    // The elements of a tuple literal of scalars (through a conversion of the whole tuple), or null.
    private static ImmutableArray<IOperation>? TupleElements(IOperation operation)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        return operation is ITupleOperation tuple && tuple.Elements.All(e => e is not ITupleOperation && TypeMapping.TryMap(e.Type) is not null || e is IDiscardOperation)
            ? tuple.Elements
            : null;
    }

    private Operand LowerConversion(IConversionOperation conversion)
    {
        var value = LowerExpression(conversion.Operand);
        if (value is TupleValue tuple && conversion.Type is INamedTypeSymbol { IsTupleType: true } tupleType && !tupleType.TupleElements.IsDefault
            && tupleType.TupleElements.Length == tuple.Elements.Count && tupleType.TupleElements.All(e => TypeMapping.TryMap(e.Type) is not null))
        {
            // (double, double) from (int, double): each element converted
            var types = tupleType.TupleElements.Select(e => TypeMapping.TryMap(e.Type)!).ToList();
            return new TupleValue(
                tuple.Elements.Select((e, i) => _ir.Convert(e, tuple.Types[i], types[i])).ToEquatableArray(),
                types.ToEquatableArray());
        }

        if (value is VariableOperand { Id: var array } && _ir.Variables[array].Shape != ParameterShape.Scalar && conversion.Type is { } collection
            && (LocalArrayType(collection) is not null || TypeMapping.TryMapAnyCollection(collection) is not null))
        {
            return value; // an array seen as a span
        }

        var target = TypeMapping.TryMap(conversion.Type);
        if (target is null || conversion.OperatorMethod is not null)
        {
            return UnsupportedExpression(conversion, "a conversion to '" + TypeMapping.Display(conversion.Type) + "'", "convert only between double, float and integral types");
        }

        if (conversion.Conversion.IsIdentity || SymbolEqualityComparer.Default.Equals(conversion.Type, conversion.Operand.Type))
        {
            return value;
        }

        return _ir.Compute(target, new ConversionOperation(value, conversion.IsChecked && !target.IsFloating));
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

        // A left-deep chain (a + b + c + … of thousands of terms) is walked by a loop, not by recursion,
        // which would overflow the compiler's stack: lower its leftmost operand, then each right operand in order.
        var chain = new Stack<IBinaryOperation>();
        chain.Push(binary);
        var leftmost = binary.LeftOperand;
        while (leftmost is IBinaryOperation inner && IsPlainArithmetic(inner) && !inner.ConstantValue.HasValue)
        {
            chain.Push(inner);
            leftmost = inner.LeftOperand;
        }

        var value = LowerExpression(leftmost);
        while (chain.Count > 0)
        {
            var link = chain.Pop();
            var linkType = RequireType(link);
            var right = LowerExpression(link.RightOperand);
            value = _ir.Compute(linkType, new BinaryOperation(MapBinary(link.OperatorKind)!.Value, value, right, link.IsChecked && !linkType.IsFloating));
        }

        return value;
    }

    private static bool IsPlainArithmetic(IBinaryOperation binary) =>
        binary.OperatorMethod is not { MethodKind: MethodKind.UserDefinedOperator }
        && binary.OperatorKind is not (BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.ConditionalOr)
        && MapBinary(binary.OperatorKind) is not null;

    private Operand LowerUnary(IUnaryOperation unary)
    {
        if (unary.OperatorMethod is not null)
        {
            return UnsupportedExpression(unary, "a user-defined operator", "use double or float arithmetic");
        }

        if (unary.OperatorKind == UnaryOperatorKind.Hat)
        {
            return UnsupportedExpression(unary, "an index from the end (^k)", "index from the start: x[x.Length - k]");
        }

        var value = LowerExpression(unary.Operand);
        return unary.OperatorKind switch
        {
            UnaryOperatorKind.Plus => value,
            UnaryOperatorKind.Minus => _ir.Compute(RequireType(unary), new UnaryOperation(UnaryOperator.Negate, value, unary.IsChecked && !RequireType(unary).IsFloating)),
            UnaryOperatorKind.Not => _ir.Compute(RequireType(unary), new UnaryOperation(UnaryOperator.Not, value)),
            UnaryOperatorKind.BitwiseNegation => _ir.Compute(RequireType(unary), new UnaryOperation(UnaryOperator.BitwiseNot, value)),
            _ => UnsupportedExpression(unary, "this unary operator", "use unary minus or !"),
        };
    }

    private Operand LowerCompoundAssignment(ICompoundAssignmentOperation compound)
    {
        var place = LowerPlace(compound.Target);
        if (place is null)
        {
            return Dummy(compound);
        }

        var op = MapBinary(compound.OperatorKind);
        if (op is null || compound.OperatorMethod is { MethodKind: MethodKind.UserDefinedOperator })
        {
            return UnsupportedExpression(compound, "this compound assignment", "use += -= *= /=");
        }

        var targetType = place.Type;
        var current = place.Read();
        var value = LowerExpression(compound.Value);
        var valueType = TypeMapping.TryMap(compound.Value.Type) ?? targetType;

        // x op= e is x = (T)(x op e), computed in the wider of the two types.
        var operationType = Wider(targetType, valueType);
        var left = _ir.Convert(current, targetType, operationType);
        var right = _ir.Convert(value, valueType, operationType);
        var result = _ir.Compute(operationType, new BinaryOperation(op.Value, left, right, compound.IsChecked && !operationType.IsFloating));
        var updated = _ir.Convert(result, operationType, targetType);
        place.Write(updated);
        return updated;
    }

    private Operand LowerInvocation(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        if (IsLinq(method))
        {
            return LowerLinq(invocation) ?? Dummy(invocation);
        }

        if (MatrixDimension(invocation) is { } dimension)
        {
            return dimension;
        }

        if (invocation is { TargetMethod.Name: "ToArray", Instance: { } copied, Arguments.Length: 0 } && (NamesSlice(copied) || IsSliceExpression(copied) || IsArrayReference(copied)))
        {
            return ViewOf(copied) is { } view ? CopyOfView(view, "array") : Dummy(invocation); // span.ToArray(): a new array of its elements
        }

        if (method.MethodKind == MethodKind.LocalFunction)
        {
            return InlineLocalFunction(invocation);
        }

        if (NestedCallAt(invocation) is { } nested)
        {
            return LowerNestedCall(invocation, nested);
        }

        if (ArrayCopyOrFill(invocation) is { } lowered)
        {
            return lowered;
        }

        if (HelperToInline(invocation) is { } helper && TryInlineHelper(invocation, helper) is { } inlined)
        {
            return inlined;
        }

        if (invocation.Instance is not null || !method.IsStatic)
        {
            return UnsupportedExpression(invocation, "calling the instance method '" + method.Name + "'", "call static methods: Math functions or other [Differentiable] methods");
        }

        if (invocation.Arguments.Any(a => a.ArgumentKind == ArgumentKind.ParamArray || a.Parameter?.RefKind is RefKind.Ref or RefKind.Out))
        {
            foreach (var declared in invocation.Descendants().OfType<IDeclarationExpressionOperation>().SelectMany(d => d.Descendants()).OfType<ILocalReferenceOperation>())
            {
                _rejected.Add(declared.Local);
            }

            return UnsupportedExpression(invocation, "a call with 'params', 'ref' or 'out' arguments", "pass each value as a plain argument");
        }

        if (TypeMapping.IsEnum(method.ReturnType) || method.Parameters.Any(p => TypeMapping.IsEnum(p.Type)))
        {
            return UnsupportedExpression(invocation, "calling '" + method.Name + "', which takes or returns an enum, as it is", "compare or switch on the enum in the body and pass numbers, or write the method in this compilation with what a [Differentiable] body may contain (it is then differentiated in place)");
        }

        var resultType = TypeMapping.TryMap(method.ReturnType);
        if (resultType is null)
        {
            return UnsupportedExpression(invocation, "calling '" + method.Name + "', which returns '" + TypeMapping.Display(method.ReturnType) + "'", "call methods that return double, float, an integral type or bool");
        }

        // Arguments are evaluated in source order (Roslyn lists them so; named arguments may be out
        // of parameter order and have side effects), then passed in parameter order.
        var evaluated = invocation.Arguments.Select(a => (Argument: a, Value: LowerArgument(a))).ToList();
        var inParameterOrder = evaluated.OrderBy(a => a.Argument.Parameter?.Ordinal ?? 0).ToList();
        var ordered = inParameterOrder.Select(a => a.Argument).ToList();
        var arguments = inParameterOrder.Select(a => a.Value).ToEquatableArray();

        // A [CustomGradient] method is a differentiable callee whose gradient its user wrote (it is checked where it is declared).
        var custom = TypeMapping.HasCustomGradient(method);
        if ((custom || method.GetAttributes().Any(TypeMapping.IsDifferentiableAttribute)) && !method.IsGenericMethod)
        {
            var callee = DescribeCallee(method, resultType, custom);
            if (callee is null)
            {
                return method.Parameters.Any(p => p.Type is IArrayTypeSymbol { Rank: 2 })
                    ? UnsupportedExpression(invocation, "calling the [Differentiable] method '" + method.Name + "', which takes a matrix, through its gradient", "remove [Differentiable] from '" + method.Name + "' (if it is in this compilation): it is then differentiated in place here")
                    : UnsupportedExpression(invocation, "calling '" + method.Name + "', which has a parameter DiffGen cannot differentiate", "give it the parameter types of a [Differentiable] method");
            }

            for (var i = 0; i < arguments.Count; i++)
            {
                if (callee.Parameters[i].Shape != ParameterShape.Scalar
                    && (arguments[i] is not VariableOperand { Id: var id } || _ir.Variables[id].Shape == ParameterShape.Scalar))
                {
                    return UnsupportedExpression(ordered[i], "passing this array", "pass an array or span parameter, or a local array, as it is");
                }
            }

            var call = _ir.Compute(resultType, new DifferentiableCall(callee, arguments));
            _callSites.Add(new CallSite(
                ((VariableOperand)call).Id,
                method.ContainingType.Name + "." + method.Name,
                ordered.Select(a => (a.Parameter?.Name ?? string.Empty, DiagnosticInfo.From(a.Value.Syntax.GetLocation()))).ToList(),
                custom ? method.Name + "Gradient" : null));
            return call;
        }

        var containing = method.ContainingType;
        var isMathType = containing is not null
            && (containing.SpecialType is SpecialType.System_Double or SpecialType.System_Single
                || containing.ToDisplayString() is "System.Math" or "System.MathF");
        if (isMathType && resultType.IsFloating && DerivativeRules.Find(method.Name, arguments.Count) is not null)
        {
            return _ir.Compute(resultType, new IntrinsicCall(method.Name, arguments));
        }

        var piecewiseConstant = !resultType.IsFloating || (isMathType && DerivativeRules.IsPiecewiseConstant(method.Name));
        var name = method.ContainingType!.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + method.Name;
        return _ir.Compute(resultType, new OpaqueCall(name, arguments, piecewiseConstant, OpaqueSite(invocation.Syntax)));
    }

    // Array.Fill(a, v), a.AsSpan().Fill(v), src.CopyTo(dst), src.AsSpan().CopyTo(dst) and
    // Array.Copy(src, dst, n) into a local array: element writes in a counted loop, differentiated as such.
    private Operand? ArrayCopyOrFill(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        var containing = method.ContainingType?.ToDisplayString();
        IOperation? Unwrap(IOperation? operation)
        {
            while (operation is IConversionOperation conversion)
            {
                operation = conversion.Operand;
            }

            // a.AsSpan() is a itself
            return operation is IInvocationOperation { TargetMethod.Name: "AsSpan", Arguments.Length: 1 } asSpan ? Unwrap(asSpan.Arguments[0].Value) : operation;
        }

        IOperation? Argument(int i) => i < invocation.Arguments.Length ? invocation.Arguments[i].Value : null;
        (IOperation Destination, IOperation? Source, IOperation? Value, IOperation? Count)? shape = (method.Name, containing) switch
        {
            ("Fill", "System.Array") when invocation.Arguments.Length == 2 => (Argument(0)!, null, Argument(1), null),
            ("Fill", _) when invocation.Instance is not null && invocation.Arguments.Length == 1 => (invocation.Instance, null, Argument(0), null),
            ("CopyTo", _) when invocation.Instance is not null && invocation.Arguments.Length == 1 => (Argument(0)!, invocation.Instance, null, null),
            ("CopyTo", "System.Array") when invocation.Instance is not null && invocation.Arguments.Length == 2 && Argument(1)!.ConstantValue is { HasValue: true, Value: 0 } => (Argument(0)!, invocation.Instance, null, null),
            ("CopyTo", "System.MemoryExtensions") when invocation.Arguments.Length == 2 => (Argument(1)!, Argument(0), null, null),
            ("Copy", "System.Array") when invocation.Arguments.Length == 3 => (Argument(1)!, Argument(0), null, Argument(2)),
            ("Copy", "System.Array") when invocation.Arguments.Length == 5 => (Argument(2)!, Argument(0), null, Argument(4)),
            _ => null,
        };

        // Array.Copy(source, sourceIndex, destination, destinationIndex, length): both from their index.
        var (sourceIndex, destinationIndex) = method.Name == "Copy" && invocation.Arguments.Length == 5 ? (Argument(1), Argument(3)) : (null, null);
        if (shape is not { } s)
        {
            return null;
        }

        var destination = Unwrap(s.Destination);
        var source = Unwrap(s.Source);
        bool ArrayLike(IOperation operation) => IsArrayReference(operation) || NamesSlice(operation) || IsSliceExpression(operation);
        if (destination is null || !ArrayLike(destination) || (source is not null && !ArrayLike(source)))
        {
            return null; // reported as the call it is
        }

        // Source first: C# evaluates the receiver (a.CopyTo(b)) or the first argument first.
        var from = source is null ? null : ViewOf(source);
        if (from is not null && sourceIndex is not null)
        {
            from = new ArrayView(from.Array, IndexIn(from, _ir.Convert(LowerExpression(sourceIndex), RequireType(sourceIndex), TypeRef.Int)), null, from.ReadOnly);
        }

        var target = ViewOf(destination);
        if (target is not null && destinationIndex is not null)
        {
            target = new ArrayView(target.Array, IndexIn(target, _ir.Convert(LowerExpression(destinationIndex), RequireType(destinationIndex), TypeRef.Int)), null, target.ReadOnly);
        }

        if (target is null || (source is not null && from is null))
        {
            return Dummy(invocation);
        }

        if (IsReadOnlyArray(target.Array) || target.ReadOnly)
        {
            return UnsupportedExpression(s.Destination, "writing into a parameter's elements", "parameters are read-only; copy into a local array (new double[n]) and write there");
        }

        var targetType = _ir.Variables[target.Array].Type;
        var value = s.Value is null ? null : _ir.Convert(LowerExpression(s.Value), RequireType(s.Value), targetType);
        var count = s.Count is not null ? LowerExpression(s.Count) : LengthOf(from ?? target);
        if (from is not null && from.Array == target.Array)
        {
            // Within one array the ranges may overlap: C# copies as if through a buffer, and so does this.
            var buffer = CopyOfView(new ArrayView(from.Array, from.Offset, count, from.ReadOnly), "buffer");
            from = new ArrayView(((VariableOperand)buffer).Id, null, null, false);
        }

        ForEachIndex(count, k =>
        {
            var element = value ?? _ir.Convert(_ir.Compute(_ir.Variables[from!.Array].Type, new ElementRead(from.Array, IndexIn(from, k))), _ir.Variables[from.Array].Type, targetType);
            _ir.Emit(new ElementWriteStatement(target.Array, IndexIn(target, k), element));
        });
        return Dummy(invocation);
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

    // The attribute may sit on a partial method's declaration or its implementation.
    private static bool AsksForGraph(IMethodSymbol method) =>
        new[] { method.OriginalDefinition, method.OriginalDefinition.PartialDefinitionPart, method.OriginalDefinition.PartialImplementationPart }
            .Any(m => m is not null && m.GetAttributes().Any(TypeMapping.AsksForGraph));

    // custom: a [CustomGradient] method, whose one gradient is its user's: no full gradient, no graph method.
    private static CalleeSpec? DescribeCallee(IMethodSymbol method, TypeRef resultType, bool custom)
    {
        var parameters = new List<CalleeParameter>();
        foreach (var parameter in method.Parameters)
        {
            var differentiable = TypeMapping.IsDifferentiableParameter(parameter);
            if (TypeMapping.TryMapAnyCollection(parameter.Type) is { } collection)
            {
                parameters.Add(new CalleeParameter(differentiable, collection.Shape, collection.Element, InFullGradient: differentiable));
                continue;
            }

            var type = TypeMapping.TryMap(parameter.Type);
            if (type is null)
            {
                return null;
            }

            parameters.Add(new CalleeParameter(differentiable, ParameterShape.Scalar, type, InFullGradient: type.IsFloating));
        }

        // The full gradient exists for a callee with a [NoDerivative] floating scalar: generated beside this
        // caller when the callee is in this compilation, or found in the referenced assembly.
        var containing = method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        var fullName = MethodParser.FullGradientName(method);
        var hasFull = !custom
            && parameters.Any(p => p.InFullGradient && !p.Differentiable)
            && (method.OriginalDefinition.DeclaringSyntaxReferences.Length > 0 || !method.ContainingType.GetMembers(fullName).IsEmpty);
        return new CalleeSpec(
            containing + "." + MethodParser.Escape(method.Name),
            containing + "." + method.Name + "Gradient",
            method.ContainingType.Name + "." + method.Name,
            resultType,
            parameters.ToEquatableArray(),
            hasFull ? containing + "." + fullName : null,
            hasFull ? MethodParser.FullGradientKey(method) : null,
            !custom && AsksForGraph(method) ? containing + "." + method.Name + "Graph" : null,
            HasTangent(method, resultType, parameters, custom));
    }

    // Forward mode writes FTangent and FHessianVector for every static scalar-valued [Differentiable] method of scalars,
    // arrays and spans (methods that throw where its body has what forward mode does not take); a referenced assembly's
    // must have them, and a [CustomGradient] method has them only when its user wrote them.
    private static bool HasTangent(IMethodSymbol method, TypeRef resultType, List<CalleeParameter> parameters, bool custom) =>
        method.IsStatic && method.ReturnType.SpecialType is SpecialType.System_Double or SpecialType.System_Single && resultType.IsFloating && parameters.All(p => ForwardModeShapes.Take(p.Shape, p.Differentiable))
        && ((!custom && method.OriginalDefinition.DeclaringSyntaxReferences.Length > 0)
            || (!method.ContainingType.GetMembers(method.Name + "Tangent").IsEmpty && !method.ContainingType.GetMembers(method.Name + "HessianVector").IsEmpty));

    private Operand LowerElementRead(IOperation operation, IOperation array, ImmutableArray<IOperation> indices)
    {
        if (indices.Length == 1 && JaggedVariable(array) is { } jagged)
        {
            return Row(jagged, indices[0]);
        }

        if (indices.Length == 2 && MatrixOf(array) is { } matrix)
        {
            if (_ir.Variables[matrix.Array].Origin == VariableOrigin.Parameter)
            {
                var (row, column) = MatrixCell(indices[0], indices[1]);
                return _ir.Compute(_ir.Variables[matrix.Array].Type, new MatrixRead(matrix.Array, row, column));
            }

            return _ir.Compute(_ir.Variables[matrix.Array].Type, new ElementRead(matrix.Array, MatrixIndex(matrix, indices[0], indices[1])));
        }

        if (array is IArrayCreationOperation && (indices.Length != 1 || array.Type is not { } created || LocalArrayType(created) is null))
        {
            // new double[r, c] { … }[i, j], or a creation that is reported
            var errors = _diagnostics.Count;
            if (LowerExpression(array) is MatrixValue made && indices.Length == 2)
            {
                return _ir.Compute(_ir.Variables[made.Array].Type, new ElementRead(made.Array, MatrixIndex(made, indices[0], indices[1])));
            }

            return _diagnostics.Count > errors ? Dummy(operation) : UnsupportedExpression(operation, "this element access", "read elements of arrays with one index and of matrices with two");
        }

        if (!IsArrayReference(array) && indices.Length == 1 && array.Type is { } arrayType && LocalArrayType(arrayType) is not null)
        {
            // An array computed here: new[] { … }[i], Softmax(z)[i].
            var errors = _diagnostics.Count;
            if (LowerExpression(array) is VariableOperand { Id: var made } && _ir.Variables[made].Shape != ParameterShape.Scalar)
            {
                return _ir.Compute(_ir.Variables[made].Type, new ElementRead(made, LowerExpression(indices[0])));
            }

            if (_diagnostics.Count > errors)
            {
                return Dummy(operation);
            }
        }

        if (array is ILocalReferenceOperation { Local: var local } && _rejected.Contains(local))
        {
            return Dummy(operation); // its declaration is reported
        }

        if (indices.Length != 1 || !(IsArrayReference(array) || NamesSlice(array) || IsSliceExpression(array)))
        {
            return UnsupportedExpression(operation, "this element access", "read elements of array or span parameters and local arrays with a single integer index");
        }

        if (ViewOf(array) is not { } view)
        {
            return Dummy(operation);
        }

        return _ir.Compute(_ir.Variables[view.Array].Type, new ElementRead(view.Array, ViewIndex(view, indices[0])));
    }

    // ---- places: what an assignment writes --------------------------------------------------

    /// <summary>Something assignable: a local or parameter (a new SSA value), or a local array's element.</summary>
    private abstract class Place
    {
        protected Place(TypeRef type) => Type = type;

        public TypeRef Type { get; }

        public abstract Operand Read();

        public abstract void Write(Operand value);
    }

    private sealed class VariablePlace : Place
    {
        private readonly BodyLowerer _lowerer;
        private readonly ISymbol _symbol;
        private readonly IOperation _at;

        public VariablePlace(BodyLowerer lowerer, ISymbol symbol, IOperation at)
            : base(ValueEnvironment.TypeOf(symbol))
        {
            _lowerer = lowerer;
            _symbol = symbol;
            _at = at;
        }

        public override Operand Read() => _lowerer.ReadVariable(_symbol, _at);

        public override void Write(Operand value) => _lowerer._values.Bind(_symbol, value);
    }

    private sealed class ElementPlace : Place
    {
        private readonly BodyLowerer _lowerer;
        private readonly int _array;
        private readonly Operand _index;

        public ElementPlace(BodyLowerer lowerer, int array, Operand index)
            : base(lowerer._ir.Variables[array].Type)
        {
            _lowerer = lowerer;
            _array = array;
            _index = index;
        }

        public override Operand Read() => _lowerer._ir.Compute(Type, new ElementRead(_array, _index));

        public override void Write(Operand value) => _lowerer._ir.Emit(new ElementWriteStatement(_array, _index, value));
    }

    private Place? LowerPlace(IOperation target)
    {
        switch (target)
        {
            case ILocalReferenceOperation { Local.Type: IArrayTypeSymbol { Rank: 2 } }:
                UnsupportedExpression(target, "assigning a matrix local", "copy the elements in a loop, or declare a new local");
                return null;
            case ILocalReferenceOperation { Local.Type.IsTupleType: true }:
                UnsupportedExpression(target, "assigning a tuple local", "declare a new tuple local (var next = …) or deconstruct into number locals: (a, b) = …");
                return null;
            case ILocalReferenceOperation local when LocalArrayType(local.Local.Type) is null:
                return new VariablePlace(this, local.Local, target);
            case IParameterReferenceOperation parameter when TypeMapping.TryMapAnyCollection(parameter.Type!) is null:
                return new VariablePlace(this, parameter.Parameter, target);
            case IArrayElementReferenceOperation { Indices.Length: 2 } cell when MatrixOf(cell.ArrayReference) is { } matrix:
                if (IsReadOnlyArray(matrix.Array))
                {
                    UnsupportedExpression(target, "writing into a parameter's elements", "parameters are read-only; copy into a local matrix (new double[rows, columns]) and write there");
                    return null;
                }

                return new ElementPlace(this, matrix.Array, MatrixIndex(matrix, cell.Indices[0], cell.Indices[1]));
            case IArrayElementReferenceOperation { ArrayReference: ILocalReferenceOperation, Indices.Length: 1 } element:
                return ElementPlaceOf(element.ArrayReference, element.Indices[0]);
            case IPropertyReferenceOperation { Property.IsIndexer: true, Instance: ILocalReferenceOperation instance } indexer when indexer.Arguments.Length == 1:
                return ElementPlaceOf(instance, indexer.Arguments[0].Value);
            case IArrayElementReferenceOperation { ArrayReference: ILocalReferenceOperation rejected } when _rejected.Contains(rejected.Local):
                return null; // its declaration is reported
            case IArrayElementReferenceOperation { ArrayReference: IParameterReferenceOperation output, Indices.Length: 1 } element when NamesLocalArray(output.Parameter):
                return ElementPlaceOf(output, element.Indices[0]);
            case IPropertyReferenceOperation { Property.IsIndexer: true, Instance: IParameterReferenceOperation output } indexer when indexer.Arguments.Length == 1 && NamesLocalArray(output.Parameter):
                return ElementPlaceOf(output, indexer.Arguments[0].Value);
            case IArrayElementReferenceOperation { ArrayReference: IParameterReferenceOperation }:
            case IPropertyReferenceOperation { Property.IsIndexer: true, Instance: IParameterReferenceOperation }:
                UnsupportedExpression(target, "writing into a parameter's elements", "parameters are read-only; copy into a local array (new double[n]) and write there");
                return null;
            case IArrayElementReferenceOperation { ArrayReference: var modelArray } when IsModelArray(modelArray):
            case IPropertyReferenceOperation { Property.IsIndexer: true, Instance: { } modelSpan } when IsModelArray(modelSpan):
                UnsupportedExpression(target, "writing into a model's array", "a [Differentiable] method reads its model; copy into a local array (new double[n]) and write there");
                return null;
            case IFieldReferenceOperation or IPropertyReferenceOperation when MemberOf(target) is not null:
                UnsupportedExpression(target, "assigning a model's member", "a [Differentiable] method reads its model; assign a local and use it");
                return null;
            case IArrayElementReferenceOperation:
            case IPropertyReferenceOperation { Property.IsIndexer: true }:
                UnsupportedExpression(target, "writing into this element", "write elements of a one-dimensional local double[] or float[] (or a Span from stackalloc) with a single index");
                return null;
            case ILocalReferenceOperation:
                UnsupportedExpression(target, "assigning a local array variable", "copy the elements instead (next.CopyTo(current, 0)), or declare a new local for the new array");
                return null;
            case IFieldReferenceOperation:
            case IPropertyReferenceOperation:
                UnsupportedExpression(target, "assigning a field or property", "a [Differentiable] method is pure; assign a local and return the result");
                return null;
            default:
                UnsupportedExpression(target, "assigning this target", "assign a local variable or an element of a local array");
                return null;
        }
    }

    private Place? ElementPlaceOf(IOperation array, IOperation index)
    {
        if (ViewOf(array) is not { } view)
        {
            return null;
        }

        var arrayId = view.Array;
        if (view.ReadOnly)
        {
            UnsupportedExpression(array, "writing into a range's copy", "take a view with AsSpan(start, length), or copy the elements into a new local array");
            return null;
        }

        if (IsReadOnlyArray(arrayId))
        {
            // a local or a helper's parameter that names a parameter's array, or a static table
            UnsupportedExpression(array, "writing into a parameter's elements", "parameters are read-only; copy into a local array (new double[n]) and write there");
            return null;
        }

        return new ElementPlace(this, arrayId, ViewIndex(view, index));
    }

    // An element's index into the viewed array: checked to int when the view has an offset (a span's index is an int).
    private Operand ViewIndex(ArrayView view, IOperation index)
    {
        var value = LowerExpression(index);
        if (view.Offset is not null && RequireType(index) is var type && type != TypeRef.Int)
        {
            value = _ir.Compute(TypeRef.Int, new ConversionOperation(value, Checked: true));
        }

        return IndexIn(view, value);
    }

    private bool IsArrayReference(IOperation operation) =>
        operation is IFieldReferenceOperation { Field: { IsStatic: true, IsReadOnly: true, Type: IArrayTypeSymbol f } field } && TypeMapping.TryMapAnyCollection(f) is not null && !InFileLocalType(field)
        || operation is IParameterReferenceOperation { Type: { } p } && TypeMapping.TryMapAnyCollection(p) is not null
        || operation is IParameterReferenceOperation { Parameter: var inlined, Type: { } span } && LocalArrayType(span) is not null && _values.ContainsKey(inlined)
        || operation is ILocalReferenceOperation { Local.Type: { } l } && LocalArrayType(l) is not null
        || operation is ILocalReferenceOperation { Local: var view } && TypeMapping.TryMapAnyCollection(view.Type) is not null && _values.TryGetValue(view, out var bound) && bound is VariableOperand
        || IsModelArray(operation);

    /// <summary>The IR variable of an array or span parameter or local array; null (reported) when it has none.</summary>
    private int? ArrayVariable(IOperation array)
    {
        if (array is IFieldReferenceOperation { Field: { IsStatic: true, IsReadOnly: true } field } && TypeMapping.TryMapAnyCollection(field.Type) is { } table)
        {
            return ReadOnlyField(field, table.Element, ParameterShape.Array);
        }

        if (IsModelArray(array))
        {
            return ModelMemberRead(array) is VariableOperand leaf ? leaf.Id : null;
        }

        var symbol = array switch
        {
            IParameterReferenceOperation p => (ISymbol)p.Parameter,
            ILocalReferenceOperation l => l.Local,
            _ => null,
        };
        return symbol is not null && _values.TryGetValue(symbol, out var value) && value is VariableOperand v ? v.Id : null;
    }

    /// <summary>The element type of a local <c>T[]</c> or <c>Span&lt;T&gt;</c> with T double or float.</summary>
    private static TypeRef? LocalArrayType(ITypeSymbol type)
    {
        if (type is IArrayTypeSymbol { IsSZArray: true } array && TypeMapping.TryMap(array.ElementType) is { IsFloating: true } element)
        {
            return element;
        }

        return type is INamedTypeSymbol { IsGenericType: true, Arity: 1 } named
            && named.ConstructedFrom.ToDisplayString() == "System.Span<T>"
            && TypeMapping.TryMap(named.TypeArguments[0]) is { IsFloating: true } spanElement
                ? spanElement
                : null;
    }

    private void LowerLocalArray(IVariableDeclaratorOperation declarator, ILocalSymbol local, IOperation? initializer)
    {
        var creation = initializer;
        while (creation is IConversionOperation conversion && !IsClone(conversion))
        {
            creation = conversion.Operand;
        }

        if (creation is not null && !IsArrayCreation(creation))
        {
            // An array made elsewhere (a helper's result, another local array): this local names the same array.
            var errors = _diagnostics.Count;
            var value = creation is IConversionOperation clone && IsClone(clone) ? LowerClone(clone, local.Name) : LowerExpression(creation);
            if (value is VariableOperand { Id: var readOnly } && _ir.Variables[readOnly].Shape != ParameterShape.Scalar && IsReadOnlyArray(readOnly)
                && IsReassignedNeverWritten(local, declarator))
            {
                // double[] a = x; … a = next;: a starts as x's elements, then is the method's own array. Its elements are
                // only read, so a copy of x is what it names, and it can be given new arrays as local arrays can.
                _values.Bind(local, CopyOfView(new ArrayView(readOnly, null, null, false), local.Name));
            }
            else if (value is VariableOperand { Id: var same } && _ir.Variables[same].Shape != ParameterShape.Scalar || value is SliceValue)
            {
                _values.Bind(local, value);
            }
            else if (_diagnostics.Count == errors)
            {
                UnsupportedStatement(declarator, "this array initialization", "create local arrays with new T[n], new T[] { … }, { … } or stackalloc T[n], or from a helper that returns one");
            }
            else
            {
                _rejected.Add(local);
            }

            return;
        }

        if (creation is null || AllocateArray(creation, local.Name, declarator) is not { } id)
        {
            if (creation is null)
            {
                UnsupportedStatement(declarator, "this array initialization", "create local arrays with new T[n], new T[] { … }, { … } or stackalloc T[n]");
            }

            _rejected.Add(local);
            return;
        }

        _values.Bind(local, new VariableOperand(id));
    }

    private static bool IsArrayCreation(IOperation operation) =>
        operation is IArrayCreationOperation
        || operation.Syntax is Microsoft.CodeAnalysis.CSharp.Syntax.StackAllocArrayCreationExpressionSyntax;

    // new T[n], new T[] { … }, { … } or stackalloc T[n]: a new local array variable, zero-initialized then
    // given its initializer's elements; null when reported.
    private int? AllocateArray(IOperation creation, string name, IOperation reportAt)
    {
        Operand? length = null;
        var onStack = false;
        ImmutableArray<IOperation> elements = ImmutableArray<IOperation>.Empty;
        if (creation is IArrayCreationOperation { DimensionSizes.Length: 1 } array)
        {
            length = LowerExpression(array.DimensionSizes[0]);
            elements = array.Initializer?.ElementValues ?? ImmutableArray<IOperation>.Empty;
        }
        else if (creation.Syntax is Microsoft.CodeAnalysis.CSharp.Syntax.StackAllocArrayCreationExpressionSyntax
                 { Type: Microsoft.CodeAnalysis.CSharp.Syntax.ArrayTypeSyntax { RankSpecifiers.Count: 1 } arrayType }
                 && arrayType.RankSpecifiers[0].Sizes.Count == 1
                 && arrayType.RankSpecifiers[0].Sizes[0] is not Microsoft.CodeAnalysis.CSharp.Syntax.OmittedArraySizeExpressionSyntax
                 && _model.GetOperation(arrayType.RankSpecifiers[0].Sizes[0], _cancellationToken) is { } sizeOperation)
        {
            length = LowerExpression(sizeOperation);
            onStack = true;
        }

        var element = creation.Type is { } type ? LocalArrayType(type) : null;
        if (length is null || element is null)
        {
            UnsupportedStatement(reportAt, "this array initialization", "create local arrays of double or float with new T[n], new T[] { … }, { … } or stackalloc T[n]");
            return null;
        }

        if (onStack && _loop is not null)
        {
            // Each iteration's stackalloc would stay on the stack until the method returns.
            UnsupportedStatement(reportAt, "stackalloc inside a loop", "allocate with new T[n] inside the loop, or stackalloc once before it and overwrite the elements");
            return null;
        }

        var id = _ir.NewLocal(name, element, ParameterShape.Array);
        _ir.Emit(new AssignStatement(id, new ArrayAllocation(length, onStack)));
        for (var i = 0; i < elements.Length; i++)
        {
            var value = _ir.Convert(LowerExpression(elements[i]), RequireType(elements[i]), element);
            _ir.Emit(new ElementWriteStatement(id, new LiteralOperand(i.ToString(System.Globalization.CultureInfo.InvariantCulture), TypeRef.Int), value));
        }

        return id;
    }

    // ---- helpers -----------------------------------------------------------------------------

    // The IR holds only scalars where scalars belong. An array or tuple value that reached a scalar's place
    // (a branch merge or a loop-carried copy of a tuple local) would be emitted as invalid C#: reported instead.
    private string? MisplacedValue()
    {
        bool Misplaced(Operand operand) =>
            operand is TupleValue or SliceValue or MatrixValue || (operand is VariableOperand { Id: var id } && _ir.Variables[id].Shape != ParameterShape.Scalar);

        foreach (var statement in IrQueries.Walk(_ir.TopBlock))
        {
            var misplaced = statement switch
            {
                AssignStatement { Operation: ElementRead or LengthRead or ArrayAllocation or StaticRead or RowRead or MatrixRead or DimensionRead or ModelElementRead } => false,
                AssignStatement { Operation: DifferentiableCall or TangentCall } call => IrQueries.Operands(call.Operation).Any(a => a is TupleValue or SliceValue or MatrixValue),
                AssignStatement { Operation: OpaqueCall call } => call.Arguments.Any(a => a is TupleValue or SliceValue or MatrixValue),
                AssignStatement assign => IrQueries.Operands(assign.Operation).Any(Misplaced),
                ElementWriteStatement write => Misplaced(write.Value) || Misplaced(write.Index),
                IfStatement branch => Misplaced(branch.Condition),
                LoopStatement loop => loop.Latch.Any(l => IrQueries.Operands(l.Operation).Any(Misplaced)),
                SourceComment => false,
                _ => throw new InvalidOperationException("unknown statement: " + statement.GetType().Name),
            };
            if (misplaced)
            {
                return "an array or tuple value where a number is expected";
            }
        }

        return null;
    }

    // A member of a file-local type is out of reach of the generated file.
    private static bool InFileLocalType(ISymbol member)
    {
        for (var type = member.ContainingType; type is not null; type = type.ContainingType)
        {
            if (type.IsFileLocal)
            {
                return true;
            }
        }

        return false;
    }

    // A static readonly field (a coefficient or a table) is read once, at the top of the method, into a
    // variable of its own: a constant for the call, which the reverse sweep never needs to restore.
    private int ReadOnlyField(IFieldSymbol field, TypeRef type, ParameterShape shape)
    {
        if (_fields.TryGetValue(field, out var existing))
        {
            return existing;
        }

        var id = _ir.NewLocal(field.Name, type, shape);
        var read = field.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + MethodParser.Escape(field.Name);
        _ir.Hoist(new AssignStatement(id, new StaticRead(TypeMapping.IsEnum(field.Type) ? "(" + type.Name + ")" + read : read)));
        _fields.Add(field, id);
        return id;
    }

    private Operand ReadVariable(ISymbol symbol, IOperation at)
    {
        if (_values.TryGetValue(symbol, out var value))
        {
            return value;
        }

        if (_rejected.Contains(symbol))
        {
            return Dummy(at);
        }

        return UnsupportedExpression(at, "reading '" + symbol.Name + "' here", "assign it on every path before reading it");
    }

    private TypeRef RequireType(IOperation operation) => TypeMapping.TryMap(operation.Type) ?? TypeRef.Double;

    private static TypeRef Wider(TypeRef a, TypeRef b)
    {
        if (a.Kind == ScalarKind.Double || b.Kind == ScalarKind.Double)
        {
            return TypeRef.Double;
        }

        if (a.Kind == ScalarKind.Float || b.Kind == ScalarKind.Float)
        {
            return TypeRef.Float;
        }

        return a.Kind == ScalarKind.Integer && b.Kind == ScalarKind.Integer ? PromotedInteger(a, b) : a;
    }

    // C#'s binary numeric promotion of two integral types: the first of ulong, long, uint (long when the
    // other is signed) that either is, else int: arithmetic on byte or short is done in int.
    private static TypeRef PromotedInteger(TypeRef a, TypeRef b)
    {
        bool Either(string name) => a.Name == name || b.Name == name;
        if (Either("ulong"))
        {
            return new TypeRef("ulong", ScalarKind.Integer);
        }

        if (Either("long"))
        {
            return new TypeRef("long", ScalarKind.Integer);
        }

        if (Either("uint"))
        {
            var other = a.Name == "uint" ? b : a;
            return new TypeRef(other.Name is "int" or "sbyte" or "short" ? "long" : "uint", ScalarKind.Integer);
        }

        return Either("nint") || Either("nuint") ? (a.Name is "nint" or "nuint" ? a : b) : TypeRef.Int;
    }

    private static readonly Regex Whitespace = new(@"\s+", RegexOptions.Compiled);

    private void Comment(SyntaxNode syntax, string? text = null)
    {
        text = Whitespace.Replace(text ?? syntax.ToString(), " ").Trim();
        if (text.Length > 120)
        {
            text = text.Substring(0, 117) + "...";
        }

        _ir.Comment(text);
    }

    private void CommentIf(IConditionalOperation conditional) =>
        Comment(conditional.Syntax, "if (" + conditional.Condition.Syntax + ")");

    // Whether the operation returns on some path: a return in a local function declared inside it is that function's.
    private static bool ContainsReturn(IOperation operation)
    {
        var pending = new Stack<IOperation>();
        pending.Push(operation);
        while (pending.Count > 0)
        {
            var current = pending.Pop();
            if (current is IReturnOperation)
            {
                return true;
            }

            if (current is ILocalFunctionOperation or IAnonymousFunctionOperation)
            {
                continue; // their returns are their own
            }

            foreach (var child in current.ChildOperations)
            {
                pending.Push(child);
            }
        }

        return false;
    }

    private static bool IsTarget(IBranchOperation branch, ILabelSymbol? label) =>
        label is not null && SymbolEqualityComparer.Default.Equals(branch.Target, label);

    // ---- loops -------------------------------------------------------------------------------

    private void LowerLoop(ILoopOperation loop)
    {
        Comment(loop.Syntax, LoopHeader(loop));
        switch (loop)
        {
            case IForLoopOperation forLoop when TryLowerCountedFor(forLoop):
                return;
            case IForEachLoopOperation forEach:
                LowerForEach(forEach);
                return;
            case IForLoopOperation forLoop:
                foreach (var before in forLoop.Before)
                {
                    LowerWork(new Work(before, null));
                }

                LowerGeneralLoop(loop, forLoop.Condition, forLoop.AtLoopBottom, bottomCondition: null, forLoop.Body, beforeBody: null, extraCarried: null);
                return;
            case IWhileLoopOperation { ConditionIsTop: true } whileLoop:
                LowerGeneralLoop(loop, whileLoop.Condition, ImmutableArray<IOperation>.Empty, bottomCondition: null, whileLoop.Body, beforeBody: null, extraCarried: null);
                return;
            case IWhileLoopOperation doLoop:
                LowerGeneralLoop(loop, topCondition: null, ImmutableArray<IOperation>.Empty, doLoop.Condition, doLoop.Body, beforeBody: null, extraCarried: null);
                return;
            default:
                UnsupportedStatement(loop, "this loop", "use for, while, do or foreach");
                return;
        }
    }

    // for (int k = a; k < b; k++) with k assigned nowhere else, b invariant, and no break or return:
    // runs a known number of times, so the reverse sweep runs k backward and needs no trip count.
    private bool TryLowerCountedFor(IForLoopOperation loop)
    {
        if (loop.Before.Length != 1
            || loop.Before[0] is not IVariableDeclarationGroupOperation { Declarations.Length: 1 } group
            || group.Declarations[0].Declarators.Length != 1)
        {
            return false;
        }

        var declaration = group.Declarations[0];
        var declarator = declaration.Declarators[0];
        if ((declarator.Initializer ?? declaration.Initializer) is not { } start
            || TypeMapping.TryMap(declarator.Symbol.Type) is not { Kind: ScalarKind.Integer } counterType
            || CounterTest(loop.Condition) is not { } condition
            || !SymbolEqualityComparer.Default.Equals(condition.Counter.Local, declarator.Symbol)
            || (condition.Offset != 0 && (counterType != TypeRef.Int || condition.Bound.Type?.SpecialType != SpecialType.System_Int32))
            || loop.AtLoopBottom.Length != 1
            || ContainsReturn(loop)
            || loop.Body.DescendantsAndSelf().OfType<IBranchOperation>().Any(b => IsTarget(b, loop.ExitLabel)))
        {
            return false;
        }

        var counter = declarator.Symbol;
        var step = StepOf(loop.AtLoopBottom[0], counter);
        var comparison = condition.Kind switch
        {
            BinaryOperatorKind.LessThan when step == 1 => BinaryOperator.Less,
            BinaryOperatorKind.LessThanOrEqual when step == 1 => BinaryOperator.LessOrEqual,
            BinaryOperatorKind.GreaterThan when step == -1 => BinaryOperator.Greater,
            BinaryOperatorKind.GreaterThanOrEqual when step == -1 => BinaryOperator.GreaterOrEqual,
            _ => (BinaryOperator?)null,
        };
        var assigned = AssignedSymbols(loop.Body).Concat(AssignedSymbols(loop.Condition!)).ToList();
        if (comparison is null
            || assigned.Any(a => SymbolEqualityComparer.Default.Equals(a, counter))
            || !IsInvariant(condition.Bound, AssignedSymbols(loop).ToList()))
        {
            return false;
        }

        var startValue = LowerExpression(start.Value);
        var bound = LowerExpression(condition.Bound);
        if (condition.Offset != 0)
        {
            // i + k < n runs while i < n − k. A length minus k cannot overflow; any other bound is subtracted checked, so
            // only a bound within k of int.MinValue, where i + k could never be below it, would throw instead.
            var isLength = condition.Bound is IPropertyReferenceOperation { Property.Name: "Length" };
            bound = _ir.Compute(TypeRef.Int, new BinaryOperation(
                condition.Offset > 0 ? BinaryOperator.Subtract : BinaryOperator.Add,
                bound,
                new LiteralOperand(System.Math.Abs(condition.Offset).ToString(System.Globalization.CultureInfo.InvariantCulture), TypeRef.Int),
                Checked: !isLength));
        }

        var counterId = _ir.NewLocal(counter.Name, counterType, ParameterShape.Scalar);

        var carried = CarriedSymbols(loop).Where(c => !SymbolEqualityComparer.Default.Equals(c, counter)).ToList<object>();
        LowerLoopBody(
            loop,
            carried,
            new CountedLoop(new CounterSpec(counterId, startValue, comparison.Value, bound)),
            enter: () => _values.Bind(counter, new VariableOperand(counterId)),
            iterate: context => LowerWork(new Work(loop.Body, new Work(IterationEnd.Instance, null))),
            endIteration: null);
        _values.Forget(counter);
        return true;
    }

    // i < n, i + 1 < n, 1 + i <= n, i - 1 >= 0, n > i: the counter plus a constant offset, compared with a bound.
    private static (ILocalReferenceOperation Counter, BinaryOperatorKind Kind, IOperation Bound, long Offset)? CounterTest(IOperation? condition)
    {
        if (condition is not IBinaryOperation { OperatorMethod: null } binary)
        {
            return null;
        }

        if (CounterPlusOffset(binary.LeftOperand) is { } left)
        {
            return (left.Counter, binary.OperatorKind, binary.RightOperand, left.Offset);
        }

        var mirrored = binary.OperatorKind switch
        {
            BinaryOperatorKind.LessThan => BinaryOperatorKind.GreaterThan,
            BinaryOperatorKind.LessThanOrEqual => BinaryOperatorKind.GreaterThanOrEqual,
            BinaryOperatorKind.GreaterThan => BinaryOperatorKind.LessThan,
            BinaryOperatorKind.GreaterThanOrEqual => BinaryOperatorKind.LessThanOrEqual,
            _ => BinaryOperatorKind.None,
        };
        return mirrored != BinaryOperatorKind.None && CounterPlusOffset(binary.RightOperand) is { } right
            ? (right.Counter, mirrored, binary.LeftOperand, right.Offset)
            : null;
    }

    private static (ILocalReferenceOperation Counter, long Offset)? CounterPlusOffset(IOperation operand) => operand switch
    {
        ILocalReferenceOperation local => (local, 0),
        IBinaryOperation { OperatorKind: BinaryOperatorKind.Add, OperatorMethod: null, LeftOperand: ILocalReferenceOperation local, RightOperand.ConstantValue: { HasValue: true, Value: int k } } => (local, k),
        IBinaryOperation { OperatorKind: BinaryOperatorKind.Add, OperatorMethod: null, LeftOperand.ConstantValue: { HasValue: true, Value: int k }, RightOperand: ILocalReferenceOperation local } => (local, k),
        IBinaryOperation { OperatorKind: BinaryOperatorKind.Subtract, OperatorMethod: null, LeftOperand: ILocalReferenceOperation local, RightOperand.ConstantValue: { HasValue: true, Value: int k } } => (local, -(long)k),
        _ => null,
    };

    private static int StepOf(IOperation update, ILocalSymbol counter)
    {
        var operation = update is IExpressionStatementOperation statement ? statement.Operation : update;
        switch (operation)
        {
            case IIncrementOrDecrementOperation { Target: ILocalReferenceOperation l } increment when SymbolEqualityComparer.Default.Equals(l.Local, counter):
                return increment.Kind == OperationKind.Increment ? 1 : -1;
            case ICompoundAssignmentOperation { Target: ILocalReferenceOperation l, Value.ConstantValue: { HasValue: true, Value: 1 } } compound
                when SymbolEqualityComparer.Default.Equals(l.Local, counter):
                return compound.OperatorKind switch
                {
                    BinaryOperatorKind.Add => 1,
                    BinaryOperatorKind.Subtract => -1,
                    _ => 0,
                };
            default:
                return 0;
        }
    }

    // An expression whose value cannot change while the loop runs: constants, locals and parameters
    // the loop does not assign, array lengths, a model's members (read-only) and integer arithmetic of those.
    private bool IsInvariant(IOperation expression, List<ISymbol> assignedInLoop) =>
        expression.DescendantsAndSelf().All(o => o switch
        {
            ILocalReferenceOperation l => !assignedInLoop.Contains(l.Local, SymbolEqualityComparer.Default),
            IParameterReferenceOperation p => !assignedInLoop.Contains(p.Parameter, SymbolEqualityComparer.Default),
            ILiteralOperation or IBinaryOperation or IUnaryOperation or IConversionOperation => true,
            IPropertyReferenceOperation { Property.Name: "Length" } => true,
            IInstanceReferenceOperation => _this is not null,
            IArrayElementReferenceOperation { ArrayReference: var models } when IsModelArrayMember(models) => true,
            IFieldReferenceOperation or IPropertyReferenceOperation when MemberOf(o) is { Member: var member } => member is not IPropertySymbol computed || IsStored(computed),
            _ => o.ConstantValue.HasValue,
        });

    private void LowerForEach(IForEachLoopOperation loop)
    {
        var collection = loop.Collection;
        while (collection is IConversionOperation conversion)
        {
            collection = conversion.Operand;
        }

        // foreach (var v in …) or foreach (var (a, b) in xs.Zip(ys)).
        var variables = loop.LoopControlVariable switch
        {
            IVariableDeclaratorOperation single => new[] { single.Symbol },
            IDeclarationExpressionOperation { Expression: ITupleOperation tuple } when tuple.Elements.All(e => e is ILocalReferenceOperation) =>
                tuple.Elements.Select(e => ((ILocalReferenceOperation)e).Local).ToArray(),
            _ => null,
        };
        var isLinq = collection is IInvocationOperation { TargetMethod: var query } && IsLinq(query);
        if (variables is null || !(isLinq || IsArrayReference(collection) || NamesSlice(collection) || IsSliceExpression(collection) || JaggedVariable(collection) is not null || IsModelArrayMember(collection)))
        {
            UnsupportedStatement(loop, "this foreach", "iterate over an array or span parameter, a local array, a slice of one, or LINQ's Select, Zip or Range of them");
            return;
        }

        if (SequenceOf(collection) is not { } sequence)
        {
            return;
        }

        if (sequence.Keep is not null)
        {
            UnsupportedStatement(loop, "foreach over Where", "iterate over all the elements and test the condition with if inside the loop");
            return;
        }

        // C# reads a foreach's array through a reference taken at its start: an array local assigned inside
        // the loop must not change what it iterates (see LowerArrayAssignment).
        _iterated.AddRange(sequence.Arrays);
        try
        {
            LowerForEachOver(loop, sequence, variables);
        }
        finally
        {
            _iterated.RemoveRange(_iterated.Count - sequence.Arrays.Count, sequence.Arrays.Count);
        }
    }

    private readonly List<int> _iterated = new();

    private void LowerForEachOver(IForEachLoopOperation loop, Sequence sequence, ILocalSymbol[] variables)
    {
        var length = sequence.Count;
        void BindElement(Operand index)
        {
            var value = sequence.Element(index);
            if (variables.Length == 1)
            {
                var row = value is VariableOperand { Id: var id } && _ir.Variables[id].Shape != ParameterShape.Scalar;
                _values.Bind(variables[0], value is TupleValue or ModelValue || row ? value : _ir.Convert(value, sequence.Type, ValueEnvironment.TypeOf(variables[0])));
            }
            else if (value is TupleValue tuple && tuple.Elements.Count == variables.Length)
            {
                for (var i = 0; i < variables.Length; i++)
                {
                    _values.Bind(variables[i], _ir.Convert(tuple.Elements[i], tuple.Types[i], ValueEnvironment.TypeOf(variables[i])));
                }
            }
            else
            {
                UnsupportedStatement(loop, "deconstructing these elements", "deconstruct the pairs of Zip: foreach (var (x, y) in xs.Zip(ys))");
            }
        }

        var jumps = ContainsReturn(loop) || loop.Body.DescendantsAndSelf().OfType<IBranchOperation>().Any(b => IsTarget(b, loop.ExitLabel));
        if (!jumps)
        {
            var counterId = _ir.NewLocal("index", TypeRef.Int, ParameterShape.Scalar);
            LowerLoopBody(
                loop,
                CarriedSymbols(loop).ToList<object>(),
                new CountedLoop(new CounterSpec(counterId, new LiteralOperand("0", TypeRef.Int), BinaryOperator.Less, length)),
                enter: () => BindElement(new VariableOperand(counterId)),
                iterate: context => LowerWork(new Work(loop.Body, new Work(IterationEnd.Instance, null))),
                endIteration: null);
            return;
        }

        // With break or return: a general loop over a hidden index.
        var index = new FlagKey(TypeRef.Int, "index" + LoopDepth().ToString(System.Globalization.CultureInfo.InvariantCulture));
        _values.Bind(index, new LiteralOperand("0", TypeRef.Int));
        LowerGeneralLoop(
            loop,
            topCondition: null,
            atBottom: ImmutableArray<IOperation>.Empty,
            bottomCondition: null,
            loop.Body,
            beforeBody: () =>
            {
                var inRange = _ir.Compute(TypeRef.Bool, new BinaryOperation(BinaryOperator.Less, _values[index], length));
                return inRange;
            },
            extraCarried: index,
            bindBeforeBody: () => BindElement(_values[index]),
            advance: () => _values.Bind(index, _ir.Compute(TypeRef.Int, new BinaryOperation(BinaryOperator.Add, _values[index], new LiteralOperand("1", TypeRef.Int)))));
        _values.Forget(index);
    }

    private void LowerGeneralLoop(
        ILoopOperation loop,
        IOperation? topCondition,
        ImmutableArray<IOperation> atBottom,
        IOperation? bottomCondition,
        IOperation body,
        Func<Operand>? beforeBody,
        object? extraCarried,
        Action? bindBeforeBody = null,
        Action? advance = null)
    {
        var carried = CarriedSymbols(loop).ToList<object>();
        if (extraCarried is not null)
        {
            carried.Add(extraCarried);
        }

        var returns = ContainsReturn(loop);
        var returned = -1;
        if (returns)
        {
            returned = _ir.NewVariable(TypeRef.Bool, "returned");
            _ir.Emit(new AssignStatement(returned, new CopyOperation(new LiteralOperand("false", TypeRef.Bool))));
        }

        var cont = _ir.NewVariable(TypeRef.Bool, "more");
        var trips = _ir.NewVariable(TypeRef.Int, "trips");
        var exits = carried.Select(c => _ir.NewVariable(ValueEnvironment.TypeOf(c))).ToList();
        LowerLoopBody(
            loop,
            carried,
            new ConditionalLoop(cont, trips, exits.Concat(returns ? new[] { returned, _result } : Array.Empty<int>()).ToEquatableArray()),
            enter: null,
            iterate: context =>
            {
                context.Break = () =>
                {
                    for (var i = 0; i < carried.Count; i++)
                    {
                        _ir.Emit(new AssignStatement(exits[i], new CopyOperation(_values[carried[i]])));
                    }

                    _ir.Emit(new AssignStatement(cont, new CopyOperation(new LiteralOperand("false", TypeRef.Bool))));
                };
                context.Return = () =>
                {
                    _ir.Emit(new AssignStatement(returned, new CopyOperation(new LiteralOperand("true", TypeRef.Bool))));
                    _ir.Emit(new AssignStatement(cont, new CopyOperation(new LiteralOperand("false", TypeRef.Bool))));
                };

                var bodyWork = new Work(body, new Work(IterationEnd.Instance, null));
                Operand? test = beforeBody?.Invoke() ?? (topCondition is null ? null : LowerExpression(topCondition));
                if (test is null)
                {
                    bindBeforeBody?.Invoke();
                    LowerWork(bodyWork);
                    return;
                }

                LowerBranchesWithContinuation(
                    test,
                    () =>
                    {
                        bindBeforeBody?.Invoke();
                        LowerWork(bodyWork);
                    },
                    () => context.Break());
            },
            endIteration: (context, next) =>
            {
                foreach (var update in atBottom)
                {
                    LowerWork(new Work(update, null));
                }

                advance?.Invoke();
                void KeepLooping()
                {
                    next();
                    _ir.Emit(new AssignStatement(cont, new CopyOperation(new LiteralOperand("true", TypeRef.Bool))));
                }

                if (bottomCondition is null)
                {
                    KeepLooping();
                    return;
                }

                LowerBranchesWithContinuation(LowerExpression(bottomCondition), KeepLooping, () => context.Break!());
            });

        for (var i = 0; i < carried.Count; i++)
        {
            _values.Bind(carried[i], new VariableOperand(exits[i]));
        }

        if (!returns)
        {
            return;
        }

        // After a loop that can return: this path has returned where the loop did (LowerWork guards the rest).
        LowerBranches(
            new VariableOperand(returned),
            () =>
            {
                Jump(Returned);
                return null;
            },
            () => null,
            resultType: null);
    }

    // The common frame of every loop: loop-carried variables get a variable each, initialized
    // before the loop; each iteration ends by computing their next values, which the latch copies.
    private void LowerLoopBody(
        ILoopOperation loop,
        IReadOnlyList<object> carried,
        LoopControl control,
        Action? enter,
        Action<LoopContext> iterate,
        Action<LoopContext, Action>? endIteration)
    {
        var loopVariables = _values.EnterLoop(carried);
        var header = _values.Save();
        var next = carried.Select(c => _ir.NewVariable(ValueEnvironment.TypeOf(c))).ToList();
        var outerLoop = _loop;
        var context = new LoopContext(loop, LoopDepth());
        void AssignNext()
        {
            for (var i = 0; i < carried.Count; i++)
            {
                _ir.Emit(new AssignStatement(next[i], new CopyOperation(_values[carried[i]])));
            }
        }

        context.EndIteration = endIteration is null ? AssignNext : () => endIteration(context, AssignNext);
        var body = _ir.Capture(() =>
        {
            _loop = context;
            _values.Bind(context.Flag, new LiteralOperand(Running, TypeRef.Int));
            enter?.Invoke();
            iterate(context);
        });
        _loop = outerLoop;
        _values.Restore(header);

        // An iteration with a single end (no continue) needs no 'next' copies: latch from the value itself.
        var latchValues = next.Select(n => (Operand)new VariableOperand(n)).ToList();
        for (var i = 0; i < next.Count; i++)
        {
            var index = body.FindIndex(st => st is AssignStatement a && a.Target == next[i]);
            if (index >= 0 && IrBuilder.CountAssignments(body, next[i]) == 1 && ((AssignStatement)body[index]).Operation is CopyOperation copy
                && !(copy.Value is VariableOperand v && loopVariables.Contains(v.Id))) // the latch copies in sequence, not in parallel
            {
                body.RemoveAt(index);
                latchValues[i] = copy.Value;
            }
        }

        // When every path through the body leaves the loop (for (…) { …; break; }), no iteration reaches the latch.
        var reachesLatch = next.Count == 0 || latchValues.Select((v, i) => v is not VariableOperand { Id: var id } || id != next[i] || IrBuilder.CountAssignments(body, id) > 0).Any(reached => reached);
        var latch = reachesLatch
            ? loopVariables.Select((l, i) => new AssignStatement(l, new CopyOperation(latchValues[i]))).ToEquatableArray()
            : EquatableArray<AssignStatement>.Empty;
        _ir.Emit(new LoopStatement(body.ToEquatableArray(), latch, control));
    }

    /// <summary>Locals and parameters declared before the loop that the loop assigns: their values flow from one iteration to the next.</summary>
    private IEnumerable<ISymbol> CarriedSymbols(IOperation loop) =>
        AssignedSymbols(loop).Distinct(SymbolEqualityComparer.Default).Where(_values.ContainsKey).OrderBy(ValueEnvironment.Order);

    // Locals and parameters the operation assigns: by assignment, ++/--, deconstruction, or inside a
    // local function it calls (inlined there, so its writes of the method's locals are the caller's).
    private IEnumerable<ISymbol> AssignedSymbols(IOperation operation)
    {
        var assigned = new List<ISymbol>();
        var visited = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
        void Collect(IOperation root)
        {
            foreach (var o in root.DescendantsAndSelf())
            {
                var targets = o switch
                {
                    IDeconstructionAssignmentOperation d => TupleElements(d.Target is IDeclarationExpressionOperation declared ? declared.Expression : d.Target) ?? ImmutableArray<IOperation>.Empty,
                    IAssignmentOperation a => ImmutableArray.Create(a.Target),
                    IIncrementOrDecrementOperation i => ImmutableArray.Create(i.Target),
                    _ => ImmutableArray<IOperation>.Empty,
                };
                foreach (var target in targets)
                {
                    switch (target)
                    {
                        case ILocalReferenceOperation l when LocalArrayType(l.Local.Type) is null:
                            assigned.Add(l.Local); // an array local keeps its array: an assignment copies elements into it
                            break;
                        case IParameterReferenceOperation p:
                            assigned.Add(p.Parameter);
                            break;
                    }
                }

                assigned.AddRange(NestedCallWrites(o));
                if (o is IInvocationOperation { TargetMethod: { MethodKind: MethodKind.LocalFunction } function }
                    && visited.Add(function.OriginalDefinition)
                    && LocalFunctionBody(function) is { } body)
                {
                    Collect(body);
                }
            }
        }

        Collect(operation);
        return assigned;
    }

    private static string LoopHeader(ILoopOperation loop) => loop.Syntax switch
    {
        Microsoft.CodeAnalysis.CSharp.Syntax.ForStatementSyntax f => "for (" + f.Declaration + f.Initializers + "; " + f.Condition + "; " + f.Incrementors + ")",
        Microsoft.CodeAnalysis.CSharp.Syntax.ForEachStatementSyntax e => "foreach (" + e.Type + " " + e.Identifier + " in " + e.Expression + ")",
        Microsoft.CodeAnalysis.CSharp.Syntax.WhileStatementSyntax w => "while (" + w.Condition + ")",
        Microsoft.CodeAnalysis.CSharp.Syntax.DoStatementSyntax d => "do … while (" + d.Condition + ")",
        _ => loop.Syntax.GetFirstToken().Text,
    };

    private void UnsupportedStatement(IOperation operation, string what, string instead)
    {
        _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedStatement, DiagnosticInfo.From(operation.Syntax.GetLocation()), what, instead));
        RejectDeclaredLocals(operation);
    }

    private Operand UnsupportedExpression(IOperation operation, string what, string instead)
    {
        _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedExpression, DiagnosticInfo.From(operation.Syntax.GetLocation()), what, instead));
        RejectDeclaredLocals(operation);
        return Dummy(operation);
    }

    // Locals that the reported code declares (var (a, b) = …, out var v, using var s) have no value: their
    // later reads are not reported again as unassigned.
    private void RejectDeclaredLocals(IOperation operation)
    {
        foreach (var descendant in operation.DescendantsAndSelf())
        {
            switch (descendant)
            {
                case IVariableDeclaratorOperation declarator:
                    _rejected.Add(declarator.Symbol);
                    break;
                case IDeclarationExpressionOperation declaration:
                    foreach (var local in declaration.Descendants().OfType<ILocalReferenceOperation>())
                    {
                        _rejected.Add(local.Local);
                    }

                    break;
            }
        }
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

}

/// <summary>A call of a [Differentiable] method: the variable it assigns, the callee, and each argument's parameter name and location (in parameter order).</summary>
/// <param name="CustomGradient">For a [CustomGradient] callee: the name of its user's gradient, which has no output for a [NoDerivative] parameter.</param>
internal sealed record CallSite(int Result, string Callee, IReadOnlyList<(string Parameter, LocationInfo? Location)> Arguments, string? CustomGradient = null);
