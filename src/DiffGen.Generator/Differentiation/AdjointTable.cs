using System.Collections.Generic;
using DiffGen.Generator.Analysis;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Differentiation;

/// <summary>
/// Where each adjoint lives: its name, whether it is declared yet, and where a declaration was hoisted to
/// (the reverse sweep's start or each reversed iteration's), the buffers of arrays' adjoints, and the scratch
/// outputs a callee's gradient writes what the caller discards into. Filled while the reverse sweep is built:
/// a name is claimed on first use, so the order of first uses decides the suffixes of colliding names.
/// </summary>
internal sealed class AdjointTable
{
    private readonly IrProgram _program;
    private readonly LoopStructure _loops;
    private readonly NameScope _scope;
    private readonly string?[] _named;
    private readonly bool[] _declared;
    private readonly List<int> _atTop = new();
    private readonly Dictionary<LoopStatement, List<int>> _atIterationStart = new(ReferenceComparer<LoopStatement>.Instance);
    private readonly List<ArrayAdjoint> _arrays = new();
    private readonly Dictionary<TypeRef, string> _scratch = new();

    public AdjointTable(IrProgram program, LoopStructure loops, NameScope names)
    {
        _program = program;
        _loops = loops;
        _scope = names;
        _named = new string?[program.Variables.Count];
        _declared = new bool[program.Variables.Count];
    }

    /// <summary>Adjoints declared zero at the start of the reverse sweep.</summary>
    public IReadOnlyList<int> AtTop => _atTop;

    /// <summary>The adjoints of local arrays, each in a pooled buffer.</summary>
    public IReadOnlyList<ArrayAdjoint> Arrays => _arrays;

    /// <summary>The scratch output of each type.</summary>
    public IReadOnlyDictionary<TypeRef, string> Scratch => _scratch;

    /// <summary>Adjoints declared zero at the start of each reversed iteration of <paramref name="loop"/>.</summary>
    public IReadOnlyList<int>? AtIterationStart(LoopStatement loop) =>
        _atIterationStart.TryGetValue(loop, out var list) ? list : null;

    /// <summary>An adjoint declared by the caller: a differentiable parameter's gradient output.</summary>
    public void Given(int variable, string name)
    {
        _named[variable] = name;
        _declared[variable] = true;
    }

    /// <summary>The adjoint's name, claimed on first use.</summary>
    public string Name(int variable) =>
        _named[variable] ??= _scope.Claim("d" + _program.Variables[variable].Name);

    /// <summary>The adjoint's name if it has one yet.</summary>
    public string? NameIfAny(int variable) => _named[variable];

    /// <summary>The adjoint of an array: a parameter's gradient output, or a pooled buffer for a local array.</summary>
    public string ArrayName(int array)
    {
        if (_named[array] is { } name)
        {
            return name;
        }

        name = Name(array);
        _declared[array] = true;
        var capacity = _loops.Home(array) is not null ? _scope.Claim(_program.Variables[array].Name + "Capacity") : null;
        _arrays.Add(new ArrayAdjoint(array, name, _scope.Claim(name + "Buffer"), _program.Variables[array].Type, capacity));
        return name;
    }

    public bool IsDeclared(int variable) => _declared[variable];

    /// <summary>Declared by a statement of the reverse sweep itself (a seed, a first contribution, a zero in place).</summary>
    public void MarkDeclared(int variable) => _declared[variable] = true;

    /// <summary>An accumulator's next value shares the accumulator's adjoint, declared at its region's start.</summary>
    public void Share(int next, int accumulator)
    {
        DeclareAtRegionStart(accumulator);
        _named[next] = Name(accumulator);
        _declared[next] = true;
    }

    // Declares an adjoint zero at the start of its region: the whole reverse sweep, or each reversed
    // iteration of the innermost loop that holds all its uses (so a loop-local adjoint starts from zero).
    public void DeclareAtRegionStart(int variable)
    {
        if (_declared[variable])
        {
            return;
        }

        _declared[variable] = true;
        var region = _loops.Region(variable);
        if (region is null)
        {
            _atTop.Add(variable);
            return;
        }

        if (!_atIterationStart.TryGetValue(region, out var list))
        {
            _atIterationStart[region] = list = new List<int>();
        }

        list.Add(variable);
    }

    /// <summary>Where a callee's gradient output goes for a constant argument of this type (computed and discarded).</summary>
    public string ScratchFor(TypeRef type)
    {
        if (!_scratch.TryGetValue(type, out var scratch))
        {
            scratch = _scope.Claim(type.Kind == ScalarKind.Float ? "discardF" : "discard");
            _scratch.Add(type, scratch);
        }

        return scratch;
    }
}
