using System;
using System.Collections;
using System.Collections.Generic;
using System.Numerics;
using System.Text;

namespace DiffGen;

/// <summary>A named parameter buffer: its values and the gradients a generated method accumulates into.</summary>
/// <typeparam name="T"><c>double</c> or <c>float</c>.</typeparam>
public sealed class Parameter<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    internal Parameter(string name, int length)
        : this(name, new T[length], new T[length], null)
    {
    }

    /// <summary>A parameter over arrays someone else owns (a model's), or a model's scalar member.</summary>
    internal Parameter(string name, T[] values, T[] gradients, ModelScalar<T>? scalar)
    {
        Name = name;
        Values = values;
        Gradients = gradients;
        Scalar = scalar;
    }

    /// <summary>The name, unique in its <see cref="ParameterSet{T}"/>; for a model's member, its path (<c>Hidden1.W</c>).</summary>
    public string Name { get; }

    /// <summary>
    /// The values (arrays, so they pass both to <c>T[]</c> and to span parameters). A scalar is length 1.
    /// For a model's array member this is the model's own array; for a model's scalar member, a copy
    /// that <see cref="ParameterSet{T}.ReadModel"/> and <see cref="ParameterSet{T}.WriteModel"/> keep in step with the model.
    /// </summary>
    public T[] Values { get; }

    /// <summary>The gradients, same length; generated gradient methods add into them (for a model's member, the gradient model's).</summary>
    public T[] Gradients { get; }

    /// <summary>The number of values.</summary>
    public int Length => Values.Length;

    /// <summary>The model's scalar member this parameter stands for, or null (an array, the model's or the set's own).</summary>
    internal ModelScalar<T>? Scalar { get; }
}

/// <summary>
/// A model's scalar member (a field or settable property) seen as a parameter of length 1: its value
/// lives on the model, its gradient on the gradient model, and the parameter's arrays hold copies.
/// </summary>
internal sealed class ModelScalar<T>(Func<T> get, Action<T> set, Func<T> getGradient, Action<T> setGradient)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Copies the model's value and the gradient model's gradient into the parameter's arrays.</summary>
    public void Read(Parameter<T> parameter)
    {
        parameter.Values[0] = get();
        parameter.Gradients[0] = getGradient();
    }

    /// <summary>Copies the parameter's value and gradient back into the model and the gradient model.</summary>
    public void Write(Parameter<T> parameter)
    {
        set(parameter.Values[0]);
        setGradient(parameter.Gradients[0]);
    }
}

/// <summary>An ordered set of named parameters, what optimizers and checkpoints work on.</summary>
/// <typeparam name="T"><c>double</c> or <c>float</c>.</typeparam>
/// <remarks>
/// <para>
/// A set made by <see cref="FromModel{TModel}"/> works on a model's own members. Its array members
/// need no care: a parameter's <c>Values</c> and <c>Gradients</c> are the model's and the gradient
/// model's arrays. Its scalar members (fields and properties of type <typeparamref name="T"/>) cannot be
/// arrays, so each has a parameter of length 1 holding a copy of the value and of the gradient.
/// </para>
/// <para>
/// The copies are kept in step by one pair of methods, <see cref="ReadModel"/> (model to copies) and
/// <see cref="WriteModel"/> (copies to model). Every part of DiffGen that reads or writes a set's
/// values or gradients calls <see cref="ReadModel"/> before and, when it changes them,
/// <see cref="WriteModel"/> after: <see cref="ZeroGradients"/>, <see cref="Optimizer{T}.Step"/> (every
/// optimizer), <see cref="Clip"/>, <see cref="Checkpoint"/> and <see cref="GradientCheck"/> (which also
/// writes each perturbation into the model before the loss runs). For a set without scalar members
/// both do nothing. Code of your own that reads or writes a scalar member's <c>Values</c> or
/// <c>Gradients</c> (an optimizer of your own) calls them the same way.
/// </para>
/// </remarks>
public sealed class ParameterSet<T> : IReadOnlyList<Parameter<T>>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<Parameter<T>> _parameters = new();
    private readonly Dictionary<string, int> _indexByName = new(StringComparer.Ordinal);

    // The parameters standing for a model's scalar members, in order: what ReadModel and WriteModel visit.
    private readonly List<Parameter<T>> _scalars = new();

    // Every array of a parameter over arrays someone else owns, and whose it is: no array may serve twice
    // (an optimizer would update it twice, or add a gradient into a weight).
    private readonly Dictionary<T[], string> _owners = new(ReferenceEqualityComparer.Instance);

    /// <summary>The number of parameters.</summary>
    public int Count => _parameters.Count;

    /// <summary>The total number of values over all parameters.</summary>
    public int Length { get; private set; }

    /// <summary>The parameter at <paramref name="index"/>, in the order added.</summary>
    public Parameter<T> this[int index] => _parameters[index];

    /// <summary>The parameter named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No parameter has that name.</exception>
    public Parameter<T> this[string name] => _indexByName.TryGetValue(name, out var index)
        ? _parameters[index]
        : throw new KeyNotFoundException($"No parameter named '{name}'.");

    /// <summary>Whether some parameter stands for a model's scalar member (whose values <see cref="ReadModel"/> and <see cref="WriteModel"/> copy).</summary>
    internal bool HasModelScalars => _scalars.Count > 0;

    /// <summary>The largest UTF-8 byte count of a name (checkpoints read no longer name from a file).</summary>
    internal int MaxNameBytes { get; private set; }

    /// <summary>
    /// A set whose parameters are the differentiable members of <paramref name="model"/>, named by
    /// member path (<c>Hidden1.W</c>, <c>Layers[1].B</c>, <c>Scale</c>), with their gradients in the same
    /// members of <paramref name="gradient"/>, a second model of the same shape: pass it to the
    /// generated gradient method (<c>model.LossGradient(x, y, n, gradient)</c>), then to the optimizers,
    /// clipping, checkpoints and <see cref="GradientCheck"/> as any set.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The layout of <typeparamref name="TModel"/> (which members, in which order) is registered by
    /// the generator for every model type a <c>[Differentiable]</c> method reads, through
    /// <see cref="ModelLayout{TModel, T}.Register"/>. Array members are used in place: the optimizer
    /// updates the model's arrays and the gradient method writes into the gradient model's; arrays are
    /// taken when the set is made, so a member given a new array afterwards needs a new set. Scalar
    /// members are copied in and out (see the remarks on <see cref="ParameterSet{T}"/>).
    /// </para>
    /// <para>The gradient model's members are set to zero.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException">A model is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="model"/> and <paramref name="gradient"/> are the same instance; an array member is
    /// null, or the gradient model's array is the model's own, or of another length, or serves another
    /// member too; two members have the same path.
    /// </exception>
    /// <exception cref="InvalidOperationException">No layout is registered for <typeparamref name="TModel"/> with elements of type <typeparamref name="T"/>.</exception>
    public static ParameterSet<T> FromModel<TModel>(TModel model, TModel gradient)
        where TModel : class
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(gradient);
        var type = typeof(TModel).Name;
        if (ReferenceEquals(model, gradient))
        {
            throw new ArgumentException($"The gradient model is the model itself: create a second {type} of the same shape to receive the gradients (a gradient added into the weights would corrupt them).", nameof(gradient));
        }

        var describe = ModelLayout<TModel, T>.Describe
            ?? throw new InvalidOperationException($"No layout of {type} with {typeof(T).Name} members is registered, so its members are unknown: mark a method that reads this type [Differentiable] (the generator registers the layout of every model type such a method reads), or pass the arrays with Add.");

        var set = new ParameterSet<T>();
        describe(model, gradient, new Members(set, type));
        set.ZeroGradients();
        return set;
    }

    /// <summary>Adds a parameter of <paramref name="length"/> zeros.</summary>
    /// <exception cref="ArgumentException">The name is taken, empty, or the length is not positive.</exception>
    public Parameter<T> Add(string name, int length)
    {
        CheckName(name);
        if (length <= 0)
        {
            throw new ArgumentException($"Parameter '{name}' needs a positive length, not {length}.", nameof(length));
        }

        return Include(new Parameter<T>(name, length));
    }

    /// <summary>
    /// Adds a parameter over arrays of yours, used in place (not copied): the optimizer updates
    /// <paramref name="values"/>, and gradient methods write into <paramref name="gradients"/>.
    /// </summary>
    /// <exception cref="ArgumentNullException">An array is null.</exception>
    /// <exception cref="ArgumentException">
    /// The name is taken or empty; the arrays are one array, of different lengths, or empty; an array
    /// already serves another parameter of this set.
    /// </exception>
    public Parameter<T> Add(string name, T[] values, T[] gradients)
    {
        CheckName(name);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(gradients);
        if (values.Length == 0)
        {
            throw new ArgumentException($"Parameter '{name}' needs a positive length, not 0.", nameof(values));
        }

        return IncludeArrays(name, values, gradients, "the values", "the gradients", nameof(gradients));
    }

    /// <summary>Whether a parameter named <paramref name="name"/> exists.</summary>
    public bool TryGet(string name, out Parameter<T> parameter)
    {
        var found = _indexByName.TryGetValue(name, out var index);
        parameter = found ? _parameters[index] : null!;
        return found;
    }

    /// <summary>The index of the parameter named <paramref name="name"/>, or -1.</summary>
    internal int IndexOf(string name) => _indexByName.TryGetValue(name, out var index) ? index : -1;

    /// <summary>Sets every gradient to zero (generated gradients accumulate), the gradient model's scalar members included.</summary>
    public void ZeroGradients()
    {
        ReadModel();
        foreach (var parameter in _parameters)
        {
            Array.Clear(parameter.Gradients);
        }

        WriteModel();
    }

    /// <summary>
    /// Copies the value of every scalar member of the model, and its gradient on the gradient model, into
    /// its parameter's <c>Values[0]</c> and <c>Gradients[0]</c>; nothing for a set without scalar members.
    /// DiffGen's optimizers, clipping, checkpoints and gradient checks call it themselves.
    /// </summary>
    public void ReadModel()
    {
        foreach (var parameter in _scalars)
        {
            parameter.Scalar!.Read(parameter);
        }
    }

    /// <summary>
    /// Copies every scalar member's <c>Values[0]</c> and <c>Gradients[0]</c> back into the model and the
    /// gradient model; nothing for a set without scalar members.
    /// DiffGen's optimizers, clipping, checkpoints and gradient checks call it themselves.
    /// </summary>
    public void WriteModel()
    {
        foreach (var parameter in _scalars)
        {
            parameter.Scalar!.Write(parameter);
        }
    }

    /// <inheritdoc/>
    public IEnumerator<Parameter<T>> GetEnumerator() => _parameters.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new ArgumentException("A parameter needs a name.", nameof(name));
        }

        if (_indexByName.ContainsKey(name))
        {
            throw new ArgumentException($"A parameter named '{name}' already exists.", nameof(name));
        }
    }

    private Parameter<T> IncludeArrays(string name, T[] values, T[] gradients, string valuesOwner, string gradientsOwner, string argument)
    {
        if (ReferenceEquals(values, gradients))
        {
            throw new ArgumentException($"Parameter '{name}': {gradientsOwner} array is {valuesOwner} array itself; gradients need an array of their own (added into the values, they would corrupt them).", argument);
        }

        if (values.Length != gradients.Length)
        {
            throw new ArgumentException($"Parameter '{name}': {valuesOwner} array has length {values.Length} and {gradientsOwner} array length {gradients.Length}; they must be the same.", argument);
        }

        foreach (var array in new[] { values, gradients })
        {
            if (_owners.TryGetValue(array, out var owner))
            {
                throw new ArgumentException($"Parameter '{name}': {(array == values ? valuesOwner : gradientsOwner)} array is also an array of '{owner}'; each parameter needs arrays of its own.", argument);
            }
        }

        _owners.Add(values, name);
        _owners.Add(gradients, name);
        return Include(new Parameter<T>(name, values, gradients, null));
    }

    private Parameter<T> Include(Parameter<T> parameter)
    {
        _indexByName.Add(parameter.Name, _parameters.Count);
        _parameters.Add(parameter);
        if (parameter.Scalar is not null)
        {
            _scalars.Add(parameter);
        }

        Length += parameter.Length;
        MaxNameBytes = Math.Max(MaxNameBytes, Encoding.UTF8.GetByteCount(parameter.Name));
        return parameter;
    }

    /// <summary>What <see cref="FromModel{TModel}"/> hands the registered layout: adds each member it describes.</summary>
    private sealed class Members(ParameterSet<T> owner, string type) : IModelMembers<T>
    {
        public void Array(string path, T[] values, T[] gradients)
        {
            Check(path);
            if (values is null || gradients is null)
            {
                throw new ArgumentException($"Member '{path}' of the {(values is null ? "model" : "gradient model")} ({type}) is null: allocate every array of both models before FromModel.", values is null ? "model" : "gradient");
            }

            owner.IncludeArrays(path, values, gradients, "the model's", "the gradient model's", "gradient");
        }

        public void Scalar(string path, Func<T> get, Action<T> set, Func<T> getGradient, Action<T> setGradient)
        {
            Check(path);
            ArgumentNullException.ThrowIfNull(get);
            ArgumentNullException.ThrowIfNull(set);
            ArgumentNullException.ThrowIfNull(getGradient);
            ArgumentNullException.ThrowIfNull(setGradient);
            owner.Include(new Parameter<T>(path, new T[1], new T[1], new ModelScalar<T>(get, set, getGradient, setGradient)));
        }

        private void Check(string path)
        {
            if (string.IsNullOrEmpty(path))
            {
                throw new ArgumentException($"The layout of {type} names a member with an empty path.", "model");
            }

            if (owner._indexByName.ContainsKey(path))
            {
                throw new ArgumentException($"The layout of {type} names the member '{path}' twice; member paths must be unique.", "model");
            }
        }
    }
}
