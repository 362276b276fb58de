using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using DiffGen.Generator.Model;
using Microsoft.CodeAnalysis;

namespace DiffGen.Generator.Parsing;

/// <summary>
/// The current value of each local and parameter (by symbol) and of each jump flag (by <see cref="FlagKey"/>)
/// while <see cref="BodyLowerer"/> lowers a body: assigning a local rebinds it (static single assignment),
/// and where control flow joins, values that differ are merged through copies (a φ).
/// </summary>
/// <remarks>
/// The bindings are immutable, so a snapshot (<see cref="Save"/>) costs nothing: a branch, a loop body or an
/// inlined call lowers from one and the lowerer decides what survives.
/// </remarks>
internal sealed class ValueEnvironment
{
    private readonly IrBuilder _ir;
    private ImmutableDictionary<object, Operand> _values = ImmutableDictionary.Create<object, Operand>(ValueKeyComparer.Instance);

    public ValueEnvironment(IrBuilder ir)
    {
        _ir = ir;
    }

    public Operand this[object key] => _values[key];

    public bool TryGetValue(object key, out Operand value)
    {
        var found = _values.TryGetValue(key, out var bound);
        value = bound!;
        return found;
    }

    public bool ContainsKey(object key) => _values.ContainsKey(key);

    public IEnumerable<KeyValuePair<object, Operand>> Bindings => _values;

    public void Bind(object key, Operand value) => _values = _values.SetItem(key, value);

    public void Forget(object key) => _values = _values.Remove(key);

    public ImmutableDictionary<object, Operand> Save() => _values;

    public void Restore(ImmutableDictionary<object, Operand> saved) => _values = saved;

    /// <summary>
    /// Two arms rejoin: from <paramref name="before"/>, each key both arms still bind keeps its value where they
    /// agree, else gets a fresh variable (one per element for a tuple) that each arm's block assigns.
    /// </summary>
    public void Join(
        ImmutableDictionary<object, Operand> before,
        ImmutableDictionary<object, Operand> whenTrue,
        ImmutableDictionary<object, Operand> whenFalse,
        List<IrStatement> trueBlock,
        List<IrStatement> falseBlock)
    {
        var merged = before;
        foreach (var key in whenTrue.Keys.Where(whenFalse.ContainsKey).OrderBy(Order))
        {
            var a = whenTrue[key];
            var b = whenFalse[key];
            if (a.Equals(b))
            {
                merged = merged.SetItem(key, a);
                continue;
            }

            if (a is TupleValue ta && b is TupleValue tb && ta.Elements.Count == tb.Elements.Count)
            {
                var elements = new List<Operand>();
                for (var i = 0; i < ta.Elements.Count; i++)
                {
                    var element = _ir.NewVariable(ta.Types[i]);
                    trueBlock.Add(new AssignStatement(element, new CopyOperation(ta.Elements[i])));
                    falseBlock.Add(new AssignStatement(element, new CopyOperation(tb.Elements[i])));
                    elements.Add(new VariableOperand(element));
                }

                merged = merged.SetItem(key, new TupleValue(elements.ToEquatableArray(), ta.Types));
                continue;
            }

            var merge = _ir.NewVariable(TypeOf(key));
            trueBlock.Add(new AssignStatement(merge, new CopyOperation(a)));
            falseBlock.Add(new AssignStatement(merge, new CopyOperation(b)));
            merged = merged.SetItem(key, new VariableOperand(merge));
        }

        _values = merged;
    }

    /// <summary>A loop's header: each loop-carried key gets a variable of its own, assigned its value before the loop.</summary>
    /// <returns>Those variables, in the order of <paramref name="carried"/>.</returns>
    public List<int> EnterLoop(IReadOnlyList<object> carried)
    {
        var loopVariables = new List<int>();
        foreach (var key in carried)
        {
            var initial = _values[key];
            var variable = _ir.NewVariable(TypeOf(key));
            _ir.Emit(new AssignStatement(variable, new CopyOperation(initial)));
            _values = _values.SetItem(key, new VariableOperand(variable));
            loopVariables.Add(variable);
        }

        return loopVariables;
    }

    /// <summary>The type of what a key binds.</summary>
    public static TypeRef TypeOf(object key) => key switch
    {
        FlagKey flag => flag.Type,
        ILocalSymbol local => TypeMapping.TryMap(local.Type) ?? TypeRef.Double,
        IParameterSymbol parameter => TypeMapping.TryMap(parameter.Type) ?? TypeRef.Double,
        _ => TypeRef.Double,
    };

    /// <summary>Deterministic order of merges, whatever the hash order of the dictionary.</summary>
    public static (int, string) Order(object key) => key switch
    {
        ISymbol symbol => (symbol.Locations.Length > 0 ? symbol.Locations[0].SourceSpan.Start : -1, symbol.Name),
        FlagKey flag => (int.MaxValue, flag.Name),
        _ => (int.MaxValue, string.Empty),
    };

    /// <summary>Symbols compare as symbols, flag keys by reference.</summary>
    private sealed class ValueKeyComparer : IEqualityComparer<object>
    {
        public static readonly ValueKeyComparer Instance = new();

        public new bool Equals(object? x, object? y) =>
            x is ISymbol a && y is ISymbol b ? SymbolEqualityComparer.Default.Equals(a, b) : ReferenceEquals(x, y);

        public int GetHashCode(object obj) =>
            obj is ISymbol symbol ? SymbolEqualityComparer.Default.GetHashCode(symbol) : System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj);
    }
}

/// <summary>A value lowering tracks that is no C# symbol: how the method or an iteration has been left.</summary>
/// <remarks>Its name orders merges deterministically: flags of nested loops differ by depth.</remarks>
internal sealed class FlagKey
{
    public FlagKey(TypeRef type, string name)
    {
        Type = type;
        Name = name;
    }

    public TypeRef Type { get; }

    public string Name { get; }
}

/// <summary>A tuple while lowering: tuples are not IR values, their elements are (a tuple local names them).</summary>
internal sealed record TupleValue(EquatableArray<Operand> Elements, EquatableArray<TypeRef> Types) : Operand;
