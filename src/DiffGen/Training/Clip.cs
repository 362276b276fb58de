using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace DiffGen;

/// <summary>Gradient clipping over a whole <see cref="ParameterSet{T}"/>.</summary>
public static class Clip
{
    /// <summary>
    /// Scales all gradients so that their global L2 norm is at most <paramref name="maxNorm"/>, as
    /// PyTorch's <c>clip_grad_norm_</c>: with n the norm over all parameters, every gradient is
    /// multiplied by min(1, maxNorm / (n + 1e-6)).
    /// </summary>
    /// <returns>The norm before clipping.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxNorm"/> is NaN or negative (positive infinity clips nothing).</exception>
    public static double GradientsByNorm<T>(ParameterSet<T> parameters, double maxNorm)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm >= 0))
        {
            throw Guard.Out(maxNorm, nameof(maxNorm), ">= 0 (or positive infinity, no clipping)");
        }

        parameters.ReadModel();
        var sumOfSquares = 0.0;
        foreach (var parameter in parameters)
        {
            sumOfSquares += double.CreateChecked(TensorPrimitives.SumOfSquares<T>(parameter.Gradients));
        }

        var norm = Math.Sqrt(sumOfSquares);
        var coefficient = Math.Min(1.0, maxNorm / (norm + 1e-6));
        if (coefficient < 1.0)
        {
            var scale = T.CreateChecked(coefficient);
            foreach (var parameter in parameters)
            {
                TensorPrimitives.Multiply<T>(parameter.Gradients, scale, parameter.Gradients);
            }

            parameters.WriteModel();
        }

        return norm;
    }

    /// <summary>Clamps every gradient element to [−<paramref name="clipValue"/>, <paramref name="clipValue"/>].</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="clipValue"/> is NaN or negative (positive infinity clips nothing).</exception>
    public static void GradientsByValue<T>(ParameterSet<T> parameters, double clipValue)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);

        // A negative limit once meant its absolute value here; it is refused now, as PyTorch's
        // clip_grad_value_ gives nonsense for it, and NaN would turn every gradient into NaN.
        if (!(clipValue >= 0))
        {
            throw Guard.Out(clipValue, nameof(clipValue), ">= 0 (or positive infinity, no clipping)");
        }

        parameters.ReadModel();
        var high = T.CreateChecked(clipValue);
        foreach (var parameter in parameters)
        {
            var gradients = parameter.Gradients;
            for (var i = 0; i < gradients.Length; i++)
            {
                gradients[i] = T.Clamp(gradients[i], -high, high);
            }
        }

        parameters.WriteModel();
    }
}
