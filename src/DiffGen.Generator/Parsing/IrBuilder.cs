using System;
using System.Collections.Generic;
using System.Linq;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Parsing;

/// <summary>
/// Builds the three-address IR as <see cref="BodyLowerer"/> reads C#: the variables, and the statement
/// block being filled (the method's top-level block, or a branch's or loop's body while it is captured).
/// It knows nothing of Roslyn; it bounds the program's size with <see cref="TooLargeException"/>.
/// </summary>
internal sealed class IrBuilder
{
    /// <summary>
    /// Bound on intermediates: the gradient method declares a local for each and for its adjoint, and
    /// a .NET method may have at most 65,534 locals (CS0204).
    /// </summary>
    public const int MaxIntermediates = 20_000;

    /// <summary>Bound on IR statements, which stays linear in the source (see <see cref="BodyLowerer.Lower"/>), as a guard on emitted size.</summary>
    private const int MaxStatements = 100_000;

    private readonly NameScope _names;
    private readonly List<IrVariable> _variables = new();

    // The method's top-level statements (static reads are hoisted to their start), and the block being filled.
    private readonly List<IrStatement> _top = new();
    private List<IrStatement> _block;
    private int _statementCount;
    private int _nextIntermediate = 1;

    public IrBuilder(NameScope names)
    {
        _names = names;
        _block = _top;
    }

    public IReadOnlyList<IrVariable> Variables => _variables;

    /// <summary>The method's top-level statements so far.</summary>
    public IReadOnlyList<IrStatement> TopBlock => _top;

    /// <summary>A variable under a name the caller has claimed (a parameter, a model's member).</summary>
    public int Declare(string name, TypeRef type, VariableOrigin origin, ParameterShape shape)
    {
        var id = _variables.Count;
        _variables.Add(new IrVariable(id, name, type, origin, shape));
        return id;
    }

    /// <summary>A named intermediate (a local array, a row, a loop counter, a field read once).</summary>
    /// <remarks>Unlike <see cref="NewVariable"/>, not checked against <see cref="MaxIntermediates"/>.</remarks>
    public int NewLocal(string name, TypeRef type, ParameterShape shape) =>
        Declare(_names.Claim(name), type, VariableOrigin.Intermediate, shape);

    /// <summary>A scalar intermediate, <c>u1..un</c> unless named.</summary>
    public int NewVariable(TypeRef type, string? name = null)
    {
        if (_variables.Count > MaxIntermediates)
        {
            throw new TooLargeException();
        }

        return Declare(_names.Claim(name ?? "u" + _nextIntermediate++), type, VariableOrigin.Intermediate, ParameterShape.Scalar);
    }

    public void Emit(IrStatement statement)
    {
        if (++_statementCount > MaxStatements)
        {
            throw new TooLargeException();
        }

        _block.Add(statement);
    }

    /// <summary>A fresh variable assigned the operation.</summary>
    public Operand Compute(TypeRef type, Operation operation)
    {
        var id = NewVariable(type);
        Emit(new AssignStatement(id, operation));
        return new VariableOperand(id);
    }

    public Operand Convert(Operand value, TypeRef from, TypeRef to) =>
        from == to ? value : Compute(to, new ConversionOperation(value));

    // Comments are not counted against MaxStatements: they emit no code.
    public void Comment(string text) => _block.Add(new SourceComment(text));

    /// <summary>Puts a read of something constant for the call at the start of the method, wherever the body reads it.</summary>
    public void Hoist(AssignStatement read) => _top.Insert(0, read);

    /// <summary>The statements <paramref name="lower"/> emits, as a block of their own (a branch's or a loop's body).</summary>
    /// <remarks>The list stays open: a branch merge appends its copies to each arm.</remarks>
    public List<IrStatement> Capture(Action lower) => Capture(() =>
    {
        lower();
        return 0;
    }).Statements;

    /// <inheritdoc cref="Capture(Action)"/>
    public (T Value, List<IrStatement> Statements) Capture<T>(Func<T> lower)
    {
        var outer = _block;
        var statements = new List<IrStatement>();
        _block = statements;
        try
        {
            return (lower(), statements);
        }
        finally
        {
            _block = outer;
        }
    }

    /// <summary>The builder's state before an attempt it may take back (see <see cref="Rewind"/>).</summary>
    public Mark Save() => new(_variables.Count, _block, _block.Count, _statementCount);

    /// <summary>Forgets what was built since <paramref name="mark"/>: its variables, the statements it emitted and those it hoisted.</summary>
    /// <remarks>The intermediate counter is not rewound: names already claimed stay claimed.</remarks>
    public void Rewind(Mark mark)
    {
        _top.RemoveAll(s => s is AssignStatement { Operation: StaticRead or ModelElementRead } read && read.Target >= mark.Variables);
        mark.Block.RemoveRange(mark.BlockCount, mark.Block.Count - mark.BlockCount);
        _block = mark.Block;
        _variables.RemoveRange(mark.Variables, _variables.Count - mark.Variables);
        _statementCount = mark.Statements;
    }

    /// <summary>The program: the variables, the top-level block, and the result variable.</summary>
    /// <param name="elideFinalCopy">For a scalar result: drop a final copy into the result variable (see <see cref="ElideFinalCopy"/>).</param>
    public IrProgram Build(int result, bool elideFinalCopy)
    {
        var outputs = _variables.Where(v => v.Origin == VariableOrigin.Output).Select(v => v.Id).ToEquatableArray();
        var program = ConstantBranches.Fold(new IrProgram(_variables.ToEquatableArray(), _top.ToEquatableArray(), result, outputs));
        return elideFinalCopy ? ElideFinalCopy(program) : program;
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

    /// <summary>How many statements assign the variable, in nested blocks too.</summary>
    public static int CountAssignments(IEnumerable<IrStatement> statements, int target) => statements.Sum(s => s switch
    {
        AssignStatement a => a.Target == target ? 1 : 0,
        IfStatement i => CountAssignments(i.Then, target) + CountAssignments(i.Else, target),
        LoopStatement l => CountAssignments(l.Body, target) + CountAssignments(l.Latch, target),
        ElementWriteStatement or SourceComment => 0,
        _ => throw new InvalidOperationException("unknown statement: " + s.GetType().Name),
    });

    /// <summary>A point to rewind to.</summary>
    public readonly record struct Mark(int Variables, List<IrStatement> Block, int BlockCount, int Statements);

    /// <summary>The body outgrows <see cref="MaxIntermediates"/> or <see cref="MaxStatements"/>: reported as too large.</summary>
    public sealed class TooLargeException : Exception
    {
    }
}
