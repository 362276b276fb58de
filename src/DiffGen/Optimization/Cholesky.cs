using System;

namespace DiffGen;

/// <summary>
/// Cholesky factorization A = LLᵀ of a small dense symmetric positive definite matrix, row-major n×n,
/// in place, and the solve of A x = b with it. For the n×n normal equations of
/// <see cref="LevenbergMarquardt"/>, where n is the number of parameters.
/// </summary>
internal static class Cholesky
{
    /// <summary>
    /// Overwrites the lower triangle of <paramref name="a"/> with L (the strict upper triangle is left
    /// as it was and never read by <see cref="Solve"/>). The Cholesky–Banachiewicz order, row by row:
    /// <code>
    ///   Lᵢⱼ = (Aᵢⱼ − Σₖ₍ₖ₌₀..ⱼ₋₁₎ Lᵢₖ Lⱼₖ) / Lⱼⱼ    for j &lt; i
    ///   Lᵢᵢ = √(Aᵢᵢ − Σₖ₍ₖ₌₀..ᵢ₋₁₎ Lᵢₖ²)
    /// </code>
    /// </summary>
    /// <returns>False when a pivot Aᵢᵢ − Σ Lᵢₖ² is not positive and finite: the matrix is not
    /// (numerically) positive definite and <paramref name="a"/> holds a partial factor.</returns>
    public static bool TryFactor(Span<double> a, int n)
    {
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                var sum = a[i * n + j];
                for (var k = 0; k < j; k++)
                {
                    sum -= a[i * n + k] * a[j * n + k];
                }

                if (i == j)
                {
                    if (!(sum > 0) || !double.IsFinite(sum))
                    {
                        return false;
                    }

                    a[i * n + i] = Math.Sqrt(sum);
                }
                else
                {
                    a[i * n + j] = sum / a[j * n + j];
                }
            }
        }

        return true;
    }

    /// <summary>
    /// Solves LLᵀ x = b in place: <paramref name="x"/> holds b on entry and x on return. Forward
    /// substitution L y = b, then back substitution Lᵀ x = y, reading only L's lower triangle.
    /// </summary>
    public static void Solve(ReadOnlySpan<double> l, int n, Span<double> x)
    {
        for (var i = 0; i < n; i++)
        {
            var sum = x[i];
            for (var k = 0; k < i; k++)
            {
                sum -= l[i * n + k] * x[k];
            }

            x[i] = sum / l[i * n + i];
        }

        for (var i = n - 1; i >= 0; i--)
        {
            var sum = x[i];
            for (var k = i + 1; k < n; k++)
            {
                sum -= l[k * n + i] * x[k];
            }

            x[i] = sum / l[i * n + i];
        }
    }
}
