using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;

namespace DiffGen;

/// <summary>The worst disagreement found for one parameter by <see cref="GradientCheck"/>.</summary>
/// <param name="Name">The parameter.</param>
/// <param name="Index">The element with the worst relative error.</param>
/// <param name="Analytic">The gradient computed by the generated method there.</param>
/// <param name="Numeric">The central finite difference there.</param>
/// <param name="RelativeError">|analytic − numeric| / max(1, |analytic|, |numeric|).</param>
public sealed record GradientCheckResult(string Name, int Index, double Analytic, double Numeric, double RelativeError);

/// <summary>
/// Compares a gradient with central finite differences, for users debugging their own
/// <c>[Differentiable]</c> methods (a kink, a branch on a value, a non-smooth function show up here).
/// </summary>
public static class GradientCheck
{
    /// <summary>
    /// Runs <paramref name="computeGradients"/> once on zeroed gradients (it should call a generated
    /// gradient that writes into the parameters' <c>Gradients</c>), then perturbs every value by
    /// ±<paramref name="step"/>·max(1, |value|) and evaluates <paramref name="loss"/>. Values are
    /// restored; gradients keep the analytic result. On a set made by
    /// <see cref="ParameterSet{T}.FromModel{TModel}"/>, every perturbation is written into the model
    /// before <paramref name="loss"/> runs, and scalar members' gradients are read from the gradient
    /// model after <paramref name="computeGradients"/>.
    /// </summary>
    /// <returns>The worst relative error per parameter, in the set's order.</returns>
    public static IReadOnlyList<GradientCheckResult> Run<T>(ParameterSet<T> parameters, Func<T> loss, Action computeGradients, double step = 1e-6)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(computeGradients);
        parameters.ZeroGradients();
        computeGradients();

        // A model's scalar members: their gradients are on the gradient model now, and each perturbed
        // value must reach the model before loss() reads it (ParameterSet<T>.ReadModel/WriteModel).
        parameters.ReadModel();
        var scalars = parameters.HasModelScalars;

        var results = new List<GradientCheckResult>();
        foreach (var parameter in parameters)
        {
            var worst = new GradientCheckResult(parameter.Name, -1, 0, 0, -1);
            for (var i = 0; i < parameter.Length; i++)
            {
                var original = parameter.Values[i];
                var h = step * Math.Max(1, Math.Abs(double.CreateChecked(original)));
                parameter.Values[i] = original + T.CreateChecked(h);
                var upper = double.CreateChecked(parameter.Values[i]);
                var plus = Evaluate();
                parameter.Values[i] = original - T.CreateChecked(h);
                var lower = double.CreateChecked(parameter.Values[i]);
                var minus = Evaluate();
                parameter.Values[i] = original;
                if (scalars)
                {
                    parameters.WriteModel();
                }

                var numeric = (plus - minus) / (upper - lower);
                var analytic = double.CreateChecked(parameter.Gradients[i]);
                var error = Math.Abs(analytic - numeric) / Math.Max(1, Math.Max(Math.Abs(analytic), Math.Abs(numeric)));
                if (double.IsNaN(error) || error > worst.RelativeError)
                {
                    worst = new GradientCheckResult(parameter.Name, i, analytic, numeric, double.IsNaN(error) ? double.PositiveInfinity : error);
                }
            }

            results.Add(worst);
        }

        return results;

        double Evaluate()
        {
            if (scalars)
            {
                parameters.WriteModel();
            }

            return double.CreateChecked(loss());
        }
    }

    /// <summary>The largest relative error over all parameters.</summary>
    public static double WorstError(this IReadOnlyList<GradientCheckResult> results) =>
        results.Count == 0 ? 0 : results.Max(r => r.RelativeError);
}
