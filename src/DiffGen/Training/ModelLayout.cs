using System;
using System.Numerics;
using System.Threading;

namespace DiffGen;

/// <summary>
/// Receives a model's differentiable members, in a fixed order, for
/// <see cref="ParameterSet{T}.FromModel{TModel}"/>: the layout registered with
/// <see cref="ModelLayout{TModel, T}.Register"/> calls one method per member.
/// </summary>
/// <typeparam name="T"><c>double</c> or <c>float</c>.</typeparam>
public interface IModelMembers<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>An array member: the model's array and the gradient model's array of the same member.</summary>
    /// <param name="path">The member's path from the model (<c>Hidden1.W</c>, <c>Layers[1].B</c>): the parameter's name.</param>
    /// <param name="values">The model's array, updated in place by optimizers.</param>
    /// <param name="gradients">The gradient model's array of the same member, where gradient methods add.</param>
    void Array(string path, T[] values, T[] gradients);

    /// <summary>A scalar member (a field or settable property): read and write it on the model and on the gradient model.</summary>
    /// <param name="path">The member's path from the model (<c>Scale</c>, <c>Output.Bias</c>): the parameter's name.</param>
    /// <param name="get">Reads the member on the model.</param>
    /// <param name="set">Writes the member on the model.</param>
    /// <param name="getGradient">Reads the member on the gradient model.</param>
    /// <param name="setGradient">Writes the member on the gradient model.</param>
    void Scalar(string path, Func<T> get, Action<T> set, Func<T> getGradient, Action<T> setGradient);
}

/// <summary>
/// How to list a model type's members, for <see cref="ParameterSet{T}.FromModel{TModel}"/>. The
/// generator registers it once per model type that a <c>[Differentiable]</c> method reads (from a
/// <c>[ModuleInitializer]</c>); no reflection is involved, so it works trimmed and under Native AOT.
/// </summary>
/// <typeparam name="TModel">The model type.</typeparam>
/// <typeparam name="T">The element type of its members, <c>double</c> or <c>float</c>.</typeparam>
#pragma warning disable CA1000 // Static members on a generic type: one registration per model type is the point.
public static class ModelLayout<TModel, T>
    where TModel : class
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private static Action<TModel, TModel, IModelMembers<T>>? s_describe;

    /// <summary>Whether a layout is registered for <typeparamref name="TModel"/>.</summary>
    public static bool IsRegistered => Volatile.Read(ref s_describe) is not null;

    /// <summary>The registered layout, or null.</summary>
    internal static Action<TModel, TModel, IModelMembers<T>>? Describe => Volatile.Read(ref s_describe);

    /// <summary>
    /// Registers the layout: <c>describe(model, gradient, members)</c> calls <paramref name="describe"/>'s
    /// <see cref="IModelMembers{T}"/> once per differentiable member, always in the same order, passing
    /// the member of <c>model</c> and the same member of <c>gradient</c>. Registering again replaces the
    /// layout (the last registration wins).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="describe"/> is null.</exception>
    public static void Register(Action<TModel, TModel, IModelMembers<T>> describe)
    {
        ArgumentNullException.ThrowIfNull(describe);
        Volatile.Write(ref s_describe, describe);
    }
}
#pragma warning restore CA1000
