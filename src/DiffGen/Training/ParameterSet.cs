using System;
using System.Collections;
using System.Collections.Generic;
using System.Numerics;

namespace DiffGen;

/// <summary>A named parameter buffer: its values and the gradients a generated method accumulates into.</summary>
/// <typeparam name="T"><c>double</c> or <c>float</c>.</typeparam>
public sealed class Parameter<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    internal Parameter(string name, int length)
    {
        Name = name;
        Values = new T[length];
        Gradients = new T[length];
    }

    /// <summary>The name, unique in its <see cref="ParameterSet{T}"/>.</summary>
    public string Name { get; }

    /// <summary>The values (arrays, so they pass both to <c>T[]</c> and to span parameters). A scalar is length 1.</summary>
    public T[] Values { get; }

    /// <summary>The gradients, same length; generated gradient methods add into them.</summary>
    public T[] Gradients { get; }

    /// <summary>The number of values.</summary>
    public int Length => Values.Length;
}

/// <summary>An ordered set of named parameters, what optimizers and checkpoints work on.</summary>
/// <typeparam name="T"><c>double</c> or <c>float</c>.</typeparam>
public sealed class ParameterSet<T> : IReadOnlyList<Parameter<T>>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<Parameter<T>> _parameters = new();
    private readonly Dictionary<string, Parameter<T>> _byName = new(StringComparer.Ordinal);

    /// <summary>The number of parameters.</summary>
    public int Count => _parameters.Count;

    /// <summary>The total number of values over all parameters.</summary>
    public int Length { get; private set; }

    /// <summary>The parameter at <paramref name="index"/>, in the order added.</summary>
    public Parameter<T> this[int index] => _parameters[index];

    /// <summary>The parameter named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No parameter has that name.</exception>
    public Parameter<T> this[string name] => _byName.TryGetValue(name, out var parameter)
        ? parameter
        : throw new KeyNotFoundException($"No parameter named '{name}'.");

    /// <summary>Adds a parameter of <paramref name="length"/> zeros.</summary>
    /// <exception cref="ArgumentException">The name is taken, empty, or the length is not positive.</exception>
    public Parameter<T> Add(string name, int length)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new ArgumentException("A parameter needs a name.", nameof(name));
        }

        if (length <= 0)
        {
            throw new ArgumentException($"Parameter '{name}' needs a positive length, not {length}.", nameof(length));
        }

        if (_byName.ContainsKey(name))
        {
            throw new ArgumentException($"A parameter named '{name}' already exists.", nameof(name));
        }

        var parameter = new Parameter<T>(name, length);
        _parameters.Add(parameter);
        _byName.Add(name, parameter);
        Length += length;
        return parameter;
    }

    /// <summary>Whether a parameter named <paramref name="name"/> exists.</summary>
    public bool TryGet(string name, out Parameter<T> parameter) => _byName.TryGetValue(name, out parameter!);

    /// <summary>Sets every gradient to zero (generated gradients accumulate).</summary>
    public void ZeroGradients()
    {
        foreach (var parameter in _parameters)
        {
            Array.Clear(parameter.Gradients);
        }
    }

    /// <inheritdoc/>
    public IEnumerator<Parameter<T>> GetEnumerator() => _parameters.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
