using System;

namespace DiffGen;

/// <summary>
/// Nonlinear least squares by Levenberg–Marquardt: finds p minimizing F(p) = ½‖r(p)‖² from residuals
/// r(p) ∈ ℝᵐ and their Jacobian J (m×n), such as a generated <c>{Method}Jacobian</c> writes.
/// </summary>
/// <remarks>
/// <para>
/// The algorithm is Madsen, Nielsen and Tingleff's (MNT), "Methods for Non-Linear Least Squares
/// Problems" (2nd ed., 2004), Algorithm 3.16, with the stopping tests of Ceres Solver and MINPACK.
/// Each iteration solves the damped normal equations
/// </para>
/// <code>
///   (JᵀJ + μI) δ = −g,   g = Jᵀr          (by Cholesky: JᵀJ + μI is positive definite for μ &gt; 0)
///   ρ = (F(p) − F(p + δ)) / (L(0) − L(δ)),   L(0) − L(δ) = ½ δᵀ(μδ − g)   (actual over predicted decrease)
///   ρ &gt; 0:  p ← p + δ;  μ ← μ·max(1/3, 1 − (2ρ − 1)³);  ν ← 2      (accept; damp less the better the model)
///   ρ ≤ 0:  μ ← μ·ν;  ν ← 2ν                                      (reject; damp more, doubling each time)
/// </code>
/// <para>
/// starting from μ₀ = τ·maxᵢ (JᵀJ)ᵢᵢ (<see cref="LevenbergMarquardtOptions.InitialDampingScale"/>) and ν = 2.
/// Small μ makes δ the Gauss–Newton step; large μ a short step along the negative gradient.
/// </para>
/// <para>
/// Bad input is never a silent wrong answer. Before every call the residual and Jacobian buffers are
/// filled with NaN, so an element the function leaves unwritten (an m that does not match the data)
/// reads as NaN. Non-finite residuals or Jacobian at the starting point are an
/// <see cref="ArgumentException"/> naming the element; at a trial point they reject the step, as Ceres
/// does, and the damping grows. A damped system that cannot be factored (rounding, with μ tiny beside
/// the curvature) is a rejected step too.
/// </para>
/// <para>
/// The workspace (three m-vectors' worth of residuals, two m×n Jacobians, a few n×n and n-vectors) is
/// allocated once per solve; iterations allocate nothing. The function is called once per iteration,
/// with residuals and Jacobian together (the shape of a generated Jacobian), rejected steps included.
/// </para>
/// </remarks>
public static class LevenbergMarquardt
{
    /// <summary>
    /// Minimizes ½‖r(p)‖² from the starting point in <paramref name="parameters"/>, leaving the solution there.
    /// </summary>
    /// <param name="function">Writes r(p) and the row-major m×n Jacobian at p (see <see cref="ResidualsAndJacobian"/>).</param>
    /// <param name="parameters">The starting point on entry (n ≥ 1 values); the solution on return.</param>
    /// <param name="residualCount">m, the number of residuals (≥ 1).</param>
    /// <param name="options">Iteration limit, tolerances and initial damping; <see langword="null"/> for the defaults.</param>
    /// <param name="progress">Called at the start (iteration 0) and after every step tried, accepted or not.</param>
    /// <returns>Why it stopped, the initial and final cost, the final gradient norm and the counts.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    /// <exception cref="ArgumentException">No parameters, or a parameter, residual or Jacobian element at the starting point is NaN or infinite.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="residualCount"/> is below 1, or m·n is too large for one array.</exception>
    public static LevenbergMarquardtResult Solve(
        ResidualsAndJacobian function,
        Span<double> parameters,
        int residualCount,
        LevenbergMarquardtOptions? options = null,
        Action<LevenbergMarquardtIteration>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (parameters.IsEmpty)
        {
            throw new ArgumentException("There must be at least one parameter.", nameof(parameters));
        }

        Guard.Positive(residualCount, nameof(residualCount));
        options ??= new LevenbergMarquardtOptions();
        int m = residualCount, n = parameters.Length;
        if ((long)m * n > Array.MaxLength)
        {
            throw Guard.Out(residualCount, nameof(residualCount), $"such that m·n = {residualCount}·{n} fits in one array");
        }

        for (var j = 0; j < n; j++)
        {
            if (!double.IsFinite(parameters[j]))
            {
                throw new ArgumentException($"The starting point must be finite; parameter {j} is {parameters[j]}.", nameof(parameters));
            }
        }

        var work = new Workspace(m, n);
        var evaluations = 1;
        Evaluate(function, parameters, work.Residuals, work.Jacobian);
        ThrowIfNotFinite(work.Residuals, work.Jacobian, n);

        var cost = HalfSquaredNorm(work.Residuals);
        var initialCost = cost;
        NormalEquations(work.Jacobian, work.Residuals, n, work.Curvature, work.Gradient);
        var gradientNorm = MaxNorm(work.Gradient);

        var maxDiagonal = 0.0;
        for (var j = 0; j < n; j++)
        {
            maxDiagonal = Math.Max(maxDiagonal, work.Curvature[j * n + j]);
        }

        // μ₀ = τ·max (JᵀJ)ᵢᵢ; a Jacobian of zeros (gradient zero, stopped below) still gets a positive μ.
        var damping = maxDiagonal > 0 ? options.InitialDampingScale * maxDiagonal : options.InitialDampingScale;
        var growth = 2.0;   // ν
        progress?.Invoke(new LevenbergMarquardtIteration(0, cost, 0, gradientNorm, 0, damping, 0, false));

        var iterations = 0;
        var successfulSteps = 0;
        LevenbergMarquardtResult Finish(LevenbergMarquardtTermination termination) =>
            new(termination, initialCost, cost, gradientNorm, iterations, successfulSteps, evaluations, damping);

        if (gradientNorm <= options.GradientTolerance)
        {
            return Finish(LevenbergMarquardtTermination.GradientTolerance);
        }

        while (iterations < options.MaxIterations)
        {
            iterations++;
            var stepDamping = damping;

            // (JᵀJ + μI) δ = −g
            work.Curvature.CopyTo(work.Factor, 0);
            for (var j = 0; j < n; j++)
            {
                work.Factor[j * n + j] += damping;
                work.Step[j] = -work.Gradient[j];
            }

            if (!Cholesky.TryFactor(work.Factor, n))
            {
                (damping, growth) = (damping * growth, growth * 2);
                progress?.Invoke(new LevenbergMarquardtIteration(iterations, cost, double.NaN, gradientNorm, 0, stepDamping, double.NaN, false));
                continue;
            }

            Cholesky.Solve(work.Factor, n, work.Step);
            var stepNorm = TwoNorm(work.Step);
            if (stepNorm <= options.StepTolerance * (TwoNorm(parameters) + options.StepTolerance))
            {
                progress?.Invoke(new LevenbergMarquardtIteration(iterations, cost, 0, gradientNorm, stepNorm, stepDamping, double.NaN, false));
                return Finish(LevenbergMarquardtTermination.StepTolerance);
            }

            for (var j = 0; j < n; j++)
            {
                work.Trial[j] = parameters[j] + work.Step[j];
            }

            evaluations++;
            Evaluate(function, work.Trial, work.TrialResiduals, work.TrialJacobian);
            var trialCost = IsFinite(work.TrialResiduals) && IsFinite(work.TrialJacobian)
                ? HalfSquaredNorm(work.TrialResiduals)
                : double.NaN;

            // L(0) − L(δ) = −δᵀg − ½δᵀJᵀJδ = ½δᵀ(μδ − g), since (JᵀJ + μI)δ = −g.
            var predicted = 0.0;
            for (var j = 0; j < n; j++)
            {
                predicted += work.Step[j] * (damping * work.Step[j] - work.Gradient[j]);
            }

            predicted *= 0.5;
            var costChange = cost - trialCost;
            var ratio = costChange / predicted;
            if (double.IsFinite(trialCost) && predicted > 0 && ratio > 0)
            {
                work.Trial.AsSpan().CopyTo(parameters);
                (work.Residuals, work.TrialResiduals) = (work.TrialResiduals, work.Residuals);
                (work.Jacobian, work.TrialJacobian) = (work.TrialJacobian, work.Jacobian);
                var previousCost = cost;
                cost = trialCost;
                NormalEquations(work.Jacobian, work.Residuals, n, work.Curvature, work.Gradient);
                gradientNorm = MaxNorm(work.Gradient);
                successfulSteps++;
                var cube = 2 * ratio - 1;
                damping *= Math.Max(1.0 / 3, 1 - cube * cube * cube);
                growth = 2;
                progress?.Invoke(new LevenbergMarquardtIteration(iterations, cost, costChange, gradientNorm, stepNorm, stepDamping, ratio, true));

                if (gradientNorm <= options.GradientTolerance)
                {
                    return Finish(LevenbergMarquardtTermination.GradientTolerance);
                }

                if (costChange <= options.CostTolerance * previousCost)
                {
                    return Finish(LevenbergMarquardtTermination.CostTolerance);
                }
            }
            else
            {
                (damping, growth) = (damping * growth, growth * 2);
                progress?.Invoke(new LevenbergMarquardtIteration(iterations, cost, costChange, gradientNorm, stepNorm, stepDamping, ratio, false));
            }
        }

        return Finish(LevenbergMarquardtTermination.MaxIterations);
    }

    /// <summary>Every buffer of one solve, allocated once.</summary>
    private sealed class Workspace(int m, int n)
    {
        public double[] Residuals = new double[m];
        public double[] TrialResiduals = new double[m];
        public double[] Jacobian = new double[m * n];
        public double[] TrialJacobian = new double[m * n];
        public readonly double[] Curvature = new double[n * n];   // JᵀJ
        public readonly double[] Factor = new double[n * n];      // L of JᵀJ + μI = LLᵀ
        public readonly double[] Gradient = new double[n];        // g = Jᵀr
        public readonly double[] Step = new double[n];            // δ
        public readonly double[] Trial = new double[n];           // p + δ
    }

    /// <summary>Calls the function on NaN-filled buffers, so that an element left unwritten shows as NaN.</summary>
    private static void Evaluate(ResidualsAndJacobian function, ReadOnlySpan<double> point, double[] residuals, double[] jacobian)
    {
        residuals.AsSpan().Fill(double.NaN);
        jacobian.AsSpan().Fill(double.NaN);
        function(point, residuals, jacobian);
    }

    private static void ThrowIfNotFinite(double[] residuals, double[] jacobian, int n)
    {
        for (var i = 0; i < residuals.Length; i++)
        {
            if (!double.IsFinite(residuals[i]))
            {
                throw new ArgumentException(
                    $"Residual {i} of {residuals.Length} at the starting point is {residuals[i]}; residuals must be finite there " +
                    "(an element the function does not write reads as NaN: does residualCount match the data?).", "function");
            }
        }

        for (var k = 0; k < jacobian.Length; k++)
        {
            if (!double.IsFinite(jacobian[k]))
            {
                throw new ArgumentException(
                    $"Jacobian element [{k / n}, {k % n}] (row-major, {residuals.Length}×{n}) at the starting point is {jacobian[k]}; " +
                    "it must be finite there (an element the function does not write reads as NaN).", "function");
            }
        }
    }

    /// <summary>JᵀJ (n×n, both triangles) and g = Jᵀr from the row-major m×n Jacobian.</summary>
    private static void NormalEquations(double[] jacobian, double[] residuals, int n, double[] curvature, double[] gradient)
    {
        Array.Clear(curvature);
        Array.Clear(gradient);
        for (var i = 0; i < residuals.Length; i++)
        {
            var row = jacobian.AsSpan(i * n, n);
            for (var j = 0; j < n; j++)
            {
                gradient[j] += row[j] * residuals[i];
                for (var k = j; k < n; k++)
                {
                    curvature[j * n + k] += row[j] * row[k];
                }
            }
        }

        for (var j = 0; j < n; j++)
        {
            for (var k = j + 1; k < n; k++)
            {
                curvature[k * n + j] = curvature[j * n + k];
            }
        }
    }

    private static double HalfSquaredNorm(ReadOnlySpan<double> values)
    {
        var sum = 0.0;
        foreach (var value in values)
        {
            sum += value * value;
        }

        return 0.5 * sum;
    }

    private static double TwoNorm(ReadOnlySpan<double> values) => Math.Sqrt(2 * HalfSquaredNorm(values));

    private static double MaxNorm(ReadOnlySpan<double> values)
    {
        var max = 0.0;
        foreach (var value in values)
        {
            max = double.IsNaN(value) ? double.NaN : Math.Max(max, Math.Abs(value));
        }

        return max;
    }

    private static bool IsFinite(ReadOnlySpan<double> values)
    {
        foreach (var value in values)
        {
            if (!double.IsFinite(value))
            {
                return false;
            }
        }

        return true;
    }
}
