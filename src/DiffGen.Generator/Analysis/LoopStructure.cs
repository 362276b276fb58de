using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Analysis;

/// <summary>Compares by reference: IR records are equal by value, but places in the program are not.</summary>
internal sealed class ReferenceComparer<T> : IEqualityComparer<T>
    where T : class
{
    public static readonly ReferenceComparer<T> Instance = new();

    public bool Equals(T? x, T? y) => ReferenceEquals(x, y);

    public int GetHashCode(T obj) => RuntimeHelpers.GetHashCode(obj);
}

/// <summary>
/// Where each value lives relative to the loops: its <em>home</em> is the innermost loop whose
/// iterations overwrite it (the loop that must tape or recompute it for the reverse sweep); its
/// <em>region</em> is the innermost loop that holds all its definitions and uses (where its adjoint
/// is declared, so that a loop-local adjoint starts from zero in every iteration).
/// </summary>
internal sealed class LoopStructure
{
    private readonly Dictionary<LoopStatement, LoopStatement?> _parent = new(ReferenceComparer<LoopStatement>.Instance);
    private readonly Dictionary<LoopStatement, int> _depth = new(ReferenceComparer<LoopStatement>.Instance);
    private readonly Dictionary<AssignStatement, int> _order = new(ReferenceComparer<AssignStatement>.Instance);
    private readonly Dictionary<AssignStatement, LoopStatement?> _topLevelIn = new(ReferenceComparer<AssignStatement>.Instance);
    private readonly LoopStatement?[] _home;
    private readonly List<LoopStatement?>?[] _regionPath;
    private readonly List<AssignStatement>[] _definitions;

    public LoopStructure(IrProgram program)
    {
        var count = program.Variables.Count;
        _home = new LoopStatement?[count];
        _regionPath = new List<LoopStatement?>?[count];
        _definitions = Enumerable.Range(0, count).Select(_ => new List<AssignStatement>()).ToArray();
        Visit(program.Body, new List<LoopStatement>(), topLevelOf: null);
    }

    public LoopStatement? Parent(LoopStatement loop) => _parent[loop];

    public int Depth(LoopStatement? loop) => loop is null ? 0 : _depth[loop];

    /// <summary>The innermost loop whose iterations overwrite the variable; null when it is assigned once per call.</summary>
    public LoopStatement? Home(int variable) => _home[variable];

    /// <summary>The innermost loop holding every definition and use of the variable; null for the whole method.</summary>
    public LoopStatement? Region(int variable)
    {
        var path = _regionPath[variable];
        return path is null || path.Count == 0 ? null : path[path.Count - 1];
    }

    public IReadOnlyList<AssignStatement> Definitions(int variable) => _definitions[variable];

    /// <summary>Program order of an assignment, to recompute values in the order they were computed.</summary>
    public int Order(AssignStatement assignment) => _order[assignment];

    /// <summary>Whether the assignment runs on every iteration of <paramref name="loop"/>: directly in its body, not under a branch.</summary>
    public bool RunsEveryIteration(AssignStatement assignment, LoopStatement loop) =>
        _topLevelIn.TryGetValue(assignment, out var owner) && ReferenceEquals(owner, loop);

    private void Visit(IEnumerable<IrStatement> statements, List<LoopStatement> path, LoopStatement? topLevelOf)
    {
        var innermost = path.Count == 0 ? null : path[path.Count - 1];
        foreach (var statement in statements)
        {
            switch (statement)
            {
                case AssignStatement assignment:
                    _order[assignment] = _order.Count;
                    if (topLevelOf is not null)
                    {
                        _topLevelIn[assignment] = topLevelOf;
                    }

                    foreach (var target in IrQueries.Targets(assignment))
                    {
                        _definitions[target].Add(assignment);

                        // A value assigned on the iteration that leaves a loop is assigned once per run of that loop.
                        var definedIn = innermost?.Control is ConditionalLoop { ExitVariables: var exits } && exits.Contains(target) ? path.Take(path.Count - 1).ToList() : path;
                        Define(target, definedIn);
                    }

                    foreach (var operand in IrQueries.Operands(assignment.Operation))
                    {
                        Use(operand, path);
                    }

                    break;
                case ElementWriteStatement write:
                    Use(new VariableOperand(write.Array), path);
                    Use(write.Index, path);
                    Use(write.Value, path);
                    break;
                case IfStatement branch:
                    Use(branch.Condition, path);
                    Visit(branch.Then, path, topLevelOf: null);
                    Visit(branch.Else, path, topLevelOf: null);
                    break;
                case LoopStatement loop:
                    _parent[loop] = innermost;
                    _depth[loop] = path.Count + 1;
                    var inner = new List<LoopStatement>(path) { loop };
                    switch (loop.Control)
                    {
                        case CountedLoop { Counter: var counter }:
                            Use(counter.Start, path);
                            Use(counter.Bound, path);
                            Define(counter.Counter, inner);
                            break;
                        case ConditionalLoop conditional:
                            Define(conditional.Trips, path);
                            Use(new VariableOperand(conditional.Trips), path);
                            break;
                        default:
                            throw new System.InvalidOperationException("unknown loop control: " + loop.Control);
                    }

                    Visit(loop.Body, inner, topLevelOf: loop);
                    Visit(loop.Latch, inner, topLevelOf: null);
                    break;
            }
        }
    }

    private void Define(int variable, List<LoopStatement> path)
    {
        var loop = path.Count == 0 ? null : path[path.Count - 1];
        if (Depth(loop) >= Depth(_home[variable]))
        {
            _home[variable] = loop;
        }

        Use(new VariableOperand(variable), path);
    }

    private void Use(Operand operand, List<LoopStatement> path)
    {
        if (operand is not VariableOperand { Id: var id })
        {
            return;
        }

        var current = _regionPath[id];
        if (current is null)
        {
            _regionPath[id] = path.Cast<LoopStatement?>().ToList();
            return;
        }

        var common = 0;
        while (common < current.Count && common < path.Count && ReferenceEquals(current[common], path[common]))
        {
            common++;
        }

        current.RemoveRange(common, current.Count - common);
    }
}
