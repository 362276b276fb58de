using System;

namespace DiffGen;

/// <summary>
/// Residuals and their Jacobian at a point, the shape of a generated <c>{Method}Jacobian</c> for a
/// <c>[Differentiable]</c> void method with a <c>Span&lt;double&gt;</c> output: writes the m residuals
/// r(p) into <paramref name="residuals"/> and ∂rᵢ/∂pⱼ into <paramref name="jacobian"/>[i·n + j]
/// (row-major m×n, n = <paramref name="parameters"/>.Length), overwriting both.
/// </summary>
/// <param name="parameters">The point p (n values).</param>
/// <param name="residuals">The residuals r(p) (m values), to overwrite.</param>
/// <param name="jacobian">The Jacobian, row-major m×n, to overwrite.</param>
public delegate void ResidualsAndJacobian(ReadOnlySpan<double> parameters, Span<double> residuals, Span<double> jacobian);

/// <summary>Why <see cref="LevenbergMarquardt.Solve"/> stopped.</summary>
public enum LevenbergMarquardtTermination
{
    /// <summary>Converged: the gradient Jᵀr is below <see cref="LevenbergMarquardtOptions.GradientTolerance"/> in max norm.</summary>
    GradientTolerance,

    /// <summary>
    /// Converged: the step δ is below <see cref="LevenbergMarquardtOptions.StepTolerance"/> relative to the
    /// parameters, ‖δ‖ ≤ tol·(‖p‖ + tol). Also where growing damping has shrunk the step to nothing
    /// (no step decreases the cost, for instance when every trial point had non-finite residuals).
    /// </summary>
    StepTolerance,

    /// <summary>Converged: an accepted step decreased the cost by at most <see cref="LevenbergMarquardtOptions.CostTolerance"/> times the cost.</summary>
    CostTolerance,

    /// <summary>Not converged: <see cref="LevenbergMarquardtOptions.MaxIterations"/> iterations ran out.</summary>
    MaxIterations,
}

/// <summary>
/// Settings of <see cref="LevenbergMarquardt.Solve"/>. The tolerances are those of Ceres Solver and
/// MINPACK (gradient, parameter step, relative cost decrease), with Ceres' defaults; the damping
/// follows Madsen, Nielsen and Tingleff, "Methods for Non-Linear Least Squares Problems" (2004),
/// Algorithm 3.16. Out-of-range values are refused when set.
/// </summary>
public sealed class LevenbergMarquardtOptions
{
    private readonly int _maxIterations = 100;
    private readonly double _gradientTolerance = 1e-10;
    private readonly double _stepTolerance = 1e-8;
    private readonly double _costTolerance = 1e-6;
    private readonly double _initialDampingScale = 1e-3;

    /// <summary>The most iterations, accepted and rejected steps alike (default 100; at least 1).</summary>
    public int MaxIterations
    {
        get => _maxIterations;
        init => _maxIterations = Guard.Positive(value, nameof(MaxIterations));
    }

    /// <summary>Stop when ‖Jᵀr‖∞ ≤ this (default 1e-10, Ceres' <c>gradient_tolerance</c>, MNT's ε₁). Finite, &gt;= 0.</summary>
    public double GradientTolerance
    {
        get => _gradientTolerance;
        init => _gradientTolerance = Guard.NonNegative(value, nameof(GradientTolerance));
    }

    /// <summary>
    /// Stop when the step ‖δ‖₂ ≤ this·(‖p‖₂ + this) (default 1e-8, Ceres' <c>parameter_tolerance</c>,
    /// MNT's ε₂). Finite, &gt;= 0.
    /// </summary>
    public double StepTolerance
    {
        get => _stepTolerance;
        init => _stepTolerance = Guard.NonNegative(value, nameof(StepTolerance));
    }

    /// <summary>
    /// Stop when an accepted step decreases the cost F by at most this·F (default 1e-6, Ceres'
    /// <c>function_tolerance</c>; 0 turns the test off). Finite, &gt;= 0.
    /// </summary>
    public double CostTolerance
    {
        get => _costTolerance;
        init => _costTolerance = Guard.NonNegative(value, nameof(CostTolerance));
    }

    /// <summary>
    /// τ, the initial damping relative to the curvature: μ₀ = τ·maxᵢ (JᵀJ)ᵢᵢ at the starting point
    /// (default 1e-3; MNT suggest 1e-6 when the start is believed close to the solution, up to 1
    /// otherwise). Finite, &gt; 0.
    /// </summary>
    public double InitialDampingScale
    {
        get => _initialDampingScale;
        init => _initialDampingScale = Guard.Positive(value, nameof(InitialDampingScale));
    }
}

/// <summary>
/// One iteration of <see cref="LevenbergMarquardt.Solve"/>, as reported to its progress callback (the
/// columns of Ceres' per-iteration log). Iteration 0 is the starting point, with no step.
/// </summary>
/// <param name="Iteration">0 for the starting point, then 1, 2, … for each step tried.</param>
/// <param name="Cost">F = ½‖r‖² at the current point, after this iteration (unchanged by a rejected step).</param>
/// <param name="CostChange">F(p) − F(p + δ) of the step tried: positive for a decrease, negative or NaN for a rejected step.</param>
/// <param name="GradientNorm">‖Jᵀr‖∞ at the current point.</param>
/// <param name="StepNorm">‖δ‖₂ of the step tried (0 at iteration 0 and where the damped system could not be factored).</param>
/// <param name="Damping">μ, the damping the step was computed with.</param>
/// <param name="GainRatio">ρ, the actual over the predicted cost decrease (1 where the linear model is exact; ≤ 0 rejects).</param>
/// <param name="Accepted">Whether the step was taken.</param>
public readonly record struct LevenbergMarquardtIteration(
    int Iteration, double Cost, double CostChange, double GradientNorm, double StepNorm, double Damping, double GainRatio, bool Accepted);

/// <summary>The outcome of <see cref="LevenbergMarquardt.Solve"/>; the solution itself is in the parameters passed.</summary>
/// <param name="Termination">Why the solver stopped.</param>
/// <param name="InitialCost">F = ½‖r‖² at the starting point.</param>
/// <param name="Cost">F at the solution.</param>
/// <param name="GradientNorm">‖Jᵀr‖∞ at the solution.</param>
/// <param name="Iterations">Steps tried, accepted and rejected (MNT's k, Ceres' "Iterations").</param>
/// <param name="SuccessfulSteps">Steps accepted.</param>
/// <param name="Evaluations">Calls of the residual function, the starting point included.</param>
/// <param name="Damping">μ at the end.</param>
public sealed record LevenbergMarquardtResult(
    LevenbergMarquardtTermination Termination,
    double InitialCost,
    double Cost,
    double GradientNorm,
    int Iterations,
    int SuccessfulSteps,
    int Evaluations,
    double Damping)
{
    /// <summary>True when one of the tolerances stopped the solver; false when the iterations ran out.</summary>
    public bool Converged => Termination != LevenbergMarquardtTermination.MaxIterations;
}
