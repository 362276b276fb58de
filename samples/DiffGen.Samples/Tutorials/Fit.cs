using System;

namespace DiffGen.Samples.Tutorials;

/// <summary>
/// Ceres Solver's curve-fitting example: 67 points of y = e^(m·x + c) with m = 0.3, c = 0.1, sampled at
/// x = 0, 0.075, …, 4.95 with Gaussian noise of standard deviation 0.2, and the curve fitted back by
/// nonlinear least squares — Levenberg–Marquardt (<see cref="LevenbergMarquardt"/>) from m = c = 0.
/// Ceres' own noise is Octave's; this is a seeded noise of the same size, so the fitted numbers
/// differ from Ceres' (0.291861, 0.131439) by the noise, not by the method.
/// </summary>
public static partial class Fit
{
    /// <summary>The model's true slope m and offset c.</summary>
    public const double TrueM = 0.3, TrueC = 0.1;

    /// <summary>The residuals rᵢ = yᵢ − e^(p₀·xᵢ + p₁) of the parameters p = (m, c).</summary>
    [Differentiable]
    public static void Residuals(ReadOnlySpan<double> p, [NoDerivative] double[] x, [NoDerivative] double[] y, Span<double> r)
    {
        for (int i = 0; i < x.Length; i++)
        {
            r[i] = y[i] - Math.Exp(p[0] * x[i] + p[1]);
        }
    }

    // The generator writes, beside it:
    //   ResidualsGradient(p, x, y, r, dp, dr)   — the vector-Jacobian product: dp += Jᵀ·dr
    //   ResidualsJacobian(p, x, y, r, jacobian) — r and J = ∂r/∂p, row-major (x.Length × 2), by one reverse pass per row

    /// <summary>The data: x = 0, 0.075, … (<paramref name="count"/> points), y = e^(0.3·x + 0.1) + N(0, <paramref name="noise"/>²), seeded.</summary>
    public static (double[] X, double[] Y) MakeData(int count = 67, double noise = 0.2, int seed = 23497)
    {
        var x = new double[count];
        var y = new double[count];
        Init.Normal(y, mean: 0, std: noise, seed: seed);
        for (var i = 0; i < count; i++)
        {
            x[i] = 0.075 * i;
            y[i] += Math.Exp(TrueM * x[i] + TrueC);
        }

        return (x, y);
    }

    /// <summary>½‖r‖² of the data at (m, c).</summary>
    public static double Cost(double m, double c, double[] x, double[] y)
    {
        var r = new double[x.Length];
        Residuals([m, c], x, y, r);
        var sum = 0.0;
        foreach (var value in r)
        {
            sum += value * value;
        }

        return 0.5 * sum;
    }

    /// <summary>Fits (m, c) to the data from m = c = 0; each iteration goes to <paramref name="progress"/>.</summary>
    public static (double M, double C, LevenbergMarquardtResult Result) Solve(double[] x, double[] y, Action<LevenbergMarquardtIteration>? progress = null)
    {
        double[] p = [0, 0];
        var result = LevenbergMarquardt.Solve(
            (q, r, j) => ResidualsJacobian(q, x, y, r, j),   // generated from Residuals
            p,
            residualCount: x.Length,
            progress: progress);
        return (p[0], p[1], result);
    }

    public static void Run()
    {
        var (x, y) = MakeData();
        Console.WriteLine($"Curve fit: y = e^(m·x + c) to {x.Length} points of m = {TrueM}, c = {TrueC} with noise σ = 0.2, by Levenberg–Marquardt from m = c = 0");
        Console.WriteLine("  iter        cost  cost change  |gradient|     |step|          μ        ρ");
        var (m, c, result) = Solve(x, y, it => Console.WriteLine(
            $"  {it.Iteration,4}  {it.Cost,10:0.0000e+00}  {it.CostChange,11:0.00e+00}  {it.GradientNorm,10:0.00e+00}  {it.StepNorm,9:0.00e+00}  {it.Damping,9:0.00e+00}  {it.GainRatio,7:F3}{(it.Iteration > 0 && !it.Accepted ? "  rejected" : "")}"));
        Console.WriteLine($"  {result.Termination} after {result.Iterations} iterations ({result.SuccessfulSteps} steps taken), cost {result.InitialCost:F4} → {result.Cost:F6}");
        Console.WriteLine($"  fitted m = {m:F6}, c = {c:F6}   (true m = {TrueM}, c = {TrueC})");
        Console.WriteLine($"  cost at the fit {result.Cost:F6}, at the true parameters {Cost(TrueM, TrueC, x, y):F6}: with noise the least-squares fit beats the truth");
    }
}
