using System;
using System.Collections.Generic;
using DiffGen.Samples.Tutorials;
using Xunit.Abstractions;

namespace DiffGen.Tests;

/// <summary>
/// <see cref="LevenbergMarquardt"/> on problems with known answers, every Jacobian written by hand (so
/// these do not depend on generated Jacobians): Rosenbrock, Ceres' exponential curve fit, NIST's Misra1a
/// to its certified digits; each termination reason; singular problems; bad input.
/// </summary>
public class LevenbergMarquardtTests(ITestOutputHelper output)
{
    /// <summary>Rosenbrock as residuals: r = (10(p₁ − p₀²), 1 − p₀), so ½‖r‖² is half of Rosenbrock's function.</summary>
    private static void Rosenbrock(ReadOnlySpan<double> p, Span<double> r, Span<double> j)
    {
        r[0] = 10 * (p[1] - p[0] * p[0]);
        r[1] = 1 - p[0];
        (j[0], j[1]) = (-20 * p[0], 10);
        (j[2], j[3]) = (-1, 0);
    }

    private static readonly LevenbergMarquardtOptions Tight = new()
    {
        GradientTolerance = 1e-12,
        StepTolerance = 1e-15,
        CostTolerance = 0,
        MaxIterations = 500,
    };

    [Fact]
    public void RosenbrockFromTheClassicStartReachesOneOne()
    {
        double[] p = [-1.2, 1];
        var result = LevenbergMarquardt.Solve(Rosenbrock, p, residualCount: 2);

        output.WriteLine($"Rosenbrock, defaults: {result}");
        Assert.Equal(LevenbergMarquardtTermination.StepTolerance, result.Termination);
        Assert.Equal(1, p[0], 1e-7);   // the default step tolerance, 1e-8 relative to ‖p‖
        Assert.Equal(1, p[1], 1e-7);
        Assert.Equal(12.1, result.InitialCost, 1e-12);   // ½·(4.4² + 2.2²)
        Assert.Equal((17, 14), (result.Iterations, result.SuccessfulSteps));

        p = [-1.2, 1];
        var tight = LevenbergMarquardt.Solve(Rosenbrock, p, 2, Tight);
        output.WriteLine($"Rosenbrock, tight: {tight}");
        Assert.True(tight.Converged, tight.ToString());
        Assert.Equal(1, p[0], 1e-12);
        Assert.Equal(1, p[1], 1e-12);
    }

    [Fact]
    public void ProgressReportsTheStartAndEveryStepTried()
    {
        double[] p = [-1.2, 1];
        var log = new List<LevenbergMarquardtIteration>();
        var result = LevenbergMarquardt.Solve(Rosenbrock, p, 2, progress: log.Add);

        Assert.Equal(result.Iterations + 1, log.Count);
        Assert.Equal((0, 0.0, 0.0, 0.0, false), (log[0].Iteration, log[0].CostChange, log[0].StepNorm, log[0].GainRatio, log[0].Accepted));
        Assert.Equal(12.1, log[0].Cost, 1e-12);
        Assert.Equal(107.8, log[0].GradientNorm, 1e-9);             // g = Jᵀr = (24·−4.4 − 1·2.2, 10·−4.4) = (−107.8, −44)
        Assert.Equal(1e-3 * (24 * 24 + 1), log[0].Damping, 1e-12);  // μ₀ = τ·max diag JᵀJ = 1e-3·577
        Assert.Equal(result.SuccessfulSteps, log.FindAll(it => it.Accepted).Count);
        for (var k = 1; k < log.Count; k++)
        {
            Assert.Equal(k, log[k].Iteration);
            Assert.True(log[k].Cost <= log[k - 1].Cost, $"iteration {k} raised the cost");
            Assert.Equal(log[k].Accepted, log[k].Cost < log[k - 1].Cost);
        }

        Assert.Equal(result.Cost, log[^1].Cost);
    }

    [Fact]
    public void CeresCurveFitRecoversTheParametersWithinTheirStandardErrors()
    {
        var (x, y) = Fit.MakeData();
        var log = new List<LevenbergMarquardtIteration>();
        var (m, c, result) = Fit.Solve(x, y, log.Add);
        foreach (var it in log)
        {
            output.WriteLine(it.ToString());
        }

        output.WriteLine($"{result}; m = {m}, c = {c}");
        Assert.Equal(LevenbergMarquardtTermination.CostTolerance, result.Termination);
        Assert.Equal(67, x.Length);

        // Standard errors from the covariance σ̂²(JᵀJ)⁻¹ at the fit, σ̂² = ‖r‖² / (67 − 2).
        double a = 0, b = 0, d = 0;
        for (var i = 0; i < x.Length; i++)
        {
            var e = Math.Exp(m * x[i] + c);
            (double jm, double jc) = (-x[i] * e, -e);
            a += jm * jm;
            b += jm * jc;
            d += jc * jc;
        }

        var variance = 2 * result.Cost / (x.Length - 2);
        var determinant = a * d - b * b;
        double seM = Math.Sqrt(variance * d / determinant), seC = Math.Sqrt(variance * a / determinant);
        output.WriteLine($"σ̂ = {Math.Sqrt(variance)}, se(m) = {seM}, se(c) = {seC}");
        Assert.InRange(Math.Sqrt(variance), 0.15, 0.25);              // the noise was σ = 0.2
        Assert.InRange(Math.Abs(m - Fit.TrueM), 0, 3 * seM);
        Assert.InRange(Math.Abs(c - Fit.TrueC), 0, 3 * seC);
        Assert.True(result.Cost < Fit.Cost(Fit.TrueM, Fit.TrueC, x, y), "the least-squares fit must beat the true parameters on noisy data");

        // The default cost tolerance (1e-6) stops near the minimum; tight tolerances agree to 1e-5.
        double[] p = [0, 0];
        LevenbergMarquardt.Solve((q, r, j) => Fit.ResidualsJacobian(q, x, y, r, j), p, x.Length, Tight);
        Assert.Equal(p[0], m, 1e-5);
        Assert.Equal(p[1], c, 1e-5);
    }

    // NIST StRD nonlinear regression, Misra1a (lower difficulty): y = b1·(1 − exp(−b2·x)), 14 observations.
    private static readonly double[] MisraX = [77.6, 114.9, 141.1, 190.8, 239.9, 289.0, 332.8, 378.4, 434.8, 477.3, 536.8, 593.1, 689.1, 760.0];
    private static readonly double[] MisraY = [10.07, 14.73, 17.94, 23.93, 29.61, 35.18, 40.02, 44.82, 50.76, 55.05, 61.01, 66.40, 75.47, 81.78];

    private static void Misra1a(ReadOnlySpan<double> b, Span<double> r, Span<double> j)
    {
        for (var i = 0; i < MisraX.Length; i++)
        {
            var e = Math.Exp(-b[1] * MisraX[i]);
            r[i] = MisraY[i] - b[0] * (1 - e);
            j[2 * i] = -(1 - e);
            j[2 * i + 1] = -b[0] * MisraX[i] * e;
        }
    }

    [Theory]
    [InlineData(500, 1e-4)]     // NIST's start 1
    [InlineData(250, 5e-4)]     // NIST's start 2
    public void Misra1aMatchesNistsCertifiedValues(double b1, double b2)
    {
        double[] b = [b1, b2];
        var result = LevenbergMarquardt.Solve(Misra1a, b, MisraX.Length, Tight);
        output.WriteLine($"Misra1a from ({b1}, {b2}): {result}; b = ({b[0]:R}, {b[1]:R})");

        Assert.True(result.Converged, result.ToString());
        // Certified: b1 = 2.3894212918E+02, b2 = 5.5015643181E-04, residual sum of squares 1.2455138894E-01.
        AssertDigits(2.3894212918E+02, b[0], 10);
        AssertDigits(5.5015643181E-04, b[1], 10);
        AssertDigits(1.2455138894E-01, 2 * result.Cost, 10);
    }

    private static void AssertDigits(double certified, double actual, int digits)
    {
        var agreement = -Math.Log10(Math.Abs(actual - certified) / Math.Abs(certified));
        Assert.True(agreement >= digits, $"{actual:R} agrees with {certified:R} to {agreement:F1} digits, fewer than {digits}");
    }

    [Fact]
    public void EachTerminationReasonIsReported()
    {
        double[] p = [-1.2, 1];
        var capped = LevenbergMarquardt.Solve(Rosenbrock, p, 2, new LevenbergMarquardtOptions { MaxIterations = 2 });
        Assert.Equal(LevenbergMarquardtTermination.MaxIterations, capped.Termination);
        Assert.False(capped.Converged);
        Assert.Equal(2, capped.Iterations);

        p = [1, 1];
        var atMinimum = LevenbergMarquardt.Solve(Rosenbrock, p, 2);
        Assert.Equal((LevenbergMarquardtTermination.GradientTolerance, 0, 1), (atMinimum.Termination, atMinimum.Iterations, atMinimum.Evaluations));
        Assert.Equal(new[] { 1.0, 1.0 }, p);

        p = [-1.2, 1];
        var coarse = LevenbergMarquardt.Solve(Rosenbrock, p, 2, new LevenbergMarquardtOptions { StepTolerance = 10 });
        Assert.Equal(LevenbergMarquardtTermination.StepTolerance, coarse.Termination);
        Assert.Equal(new[] { -1.2, 1.0 }, p);   // the first step is already "small": nothing is taken

        var (x, y) = Fit.MakeData();
        Assert.Equal(LevenbergMarquardtTermination.CostTolerance, Fit.Solve(x, y).Result.Termination);
    }

    [Fact]
    public void RankDeficientProblemsConvergeToAMinimizer()
    {
        // r = (p₀ + p₁ − 2, 2(p₀ + p₁ − 2)): JᵀJ is singular (a line of minimizers); the damping makes it solvable.
        double[] p = [5, -1];
        var line = LevenbergMarquardt.Solve(
            (q, r, j) =>
            {
                r[0] = q[0] + q[1] - 2;
                r[1] = 2 * r[0];
                (j[0], j[1], j[2], j[3]) = (1, 1, 2, 2);
            },
            p,
            2);
        Assert.True(line.Converged, line.ToString());
        Assert.Equal(2, p[0] + p[1], 1e-9);
        Assert.Equal(5 - -1, p[0] - p[1], 1e-9);   // LM's steps lie along the gradient's span: the other direction is untouched

        // A parameter the residuals do not depend on (a zero column) stays where it was.
        p = [3, 7];
        var unused = LevenbergMarquardt.Solve(
            (q, r, j) =>
            {
                r[0] = q[0] - 1;
                (j[0], j[1]) = (1, 0);
            },
            p,
            1);
        Assert.True(unused.Converged, unused.ToString());
        Assert.Equal(1, p[0], 1e-9);
        Assert.Equal(7, p[1]);

        // A Jacobian of zeros: the gradient is zero, nothing to do.
        p = [3];
        var flat = LevenbergMarquardt.Solve((q, r, j) => (r[0], j[0]) = (4, 0), p, 1);
        Assert.Equal((LevenbergMarquardtTermination.GradientTolerance, 0, 8.0), (flat.Termination, flat.Iterations, flat.Cost));
    }

    [Fact]
    public void ANonFiniteTrialPointIsRejectedAndTheDampingGrows()
    {
        // r = log p, J = 1/p from p = 10: the Gauss–Newton step lands at p < 0, where log is NaN.
        double[] p = [10];
        var log = new List<LevenbergMarquardtIteration>();
        var result = LevenbergMarquardt.Solve(
            (q, r, j) => (r[0], j[0]) = (Math.Log(q[0]), 1 / q[0]),
            p,
            1,
            new LevenbergMarquardtOptions { InitialDampingScale = 1e-6 },
            log.Add);

        Assert.True(result.Converged, result.ToString());
        Assert.Equal(1, p[0], 1e-8);
        Assert.False(log[1].Accepted);
        Assert.True(double.IsNaN(log[1].CostChange));
        Assert.Equal(2 * log[1].Damping, log[2].Damping);
    }

    [Fact]
    public void BadInputIsAClearException()
    {
        var none = Assert.Throws<ArgumentException>(() => LevenbergMarquardt.Solve(Rosenbrock, Span<double>.Empty, 2));
        Assert.Equal("parameters", none.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => LevenbergMarquardt.Solve(Rosenbrock, new double[2], 0));
        Assert.Throws<ArgumentNullException>(() => LevenbergMarquardt.Solve(null!, new double[2], 2));

        var nanStart = Assert.Throws<ArgumentException>(() => LevenbergMarquardt.Solve(Rosenbrock, new[] { double.NaN, 1 }, 2));
        Assert.Contains("parameter 0 is NaN", nanStart.Message);

        // Three residuals claimed, two written: the third reads as NaN and is named.
        var tooMany = Assert.Throws<ArgumentException>(() => LevenbergMarquardt.Solve(Rosenbrock, new[] { -1.2, 1 }, 3));
        Assert.Contains("Residual 2 of 3", tooMany.Message);
        Assert.Contains("residualCount", tooMany.Message);

        // A residual function too short for the data fails where it writes, not silently.
        Assert.Throws<IndexOutOfRangeException>(() => LevenbergMarquardt.Solve(Rosenbrock, new[] { -1.2, 1 }, 1));

        var infinite = Assert.Throws<ArgumentException>(() => LevenbergMarquardt.Solve(
            (q, r, j) => (r[0], j[0]) = (1, double.PositiveInfinity), new double[1], 1));
        Assert.Contains("Jacobian element [0, 0]", infinite.Message);

        Assert.Throws<ArgumentOutOfRangeException>(() => new LevenbergMarquardtOptions { GradientTolerance = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new LevenbergMarquardtOptions { StepTolerance = double.NaN });
        Assert.Throws<ArgumentOutOfRangeException>(() => new LevenbergMarquardtOptions { CostTolerance = double.PositiveInfinity });
        Assert.Throws<ArgumentOutOfRangeException>(() => new LevenbergMarquardtOptions { InitialDampingScale = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new LevenbergMarquardtOptions { MaxIterations = 0 });
    }

    [Fact]
    public void IterationsAllocateNothing()
    {
        var options = new LevenbergMarquardtOptions { GradientTolerance = 0, StepTolerance = 0, CostTolerance = 0, MaxIterations = 5 };
        var longer = new LevenbergMarquardtOptions { GradientTolerance = 0, StepTolerance = 0, CostTolerance = 0, MaxIterations = 15 };
        ResidualsAndJacobian function = Rosenbrock;
        double[] p = [-1.2, 1];
        LevenbergMarquardt.Solve(function, p, 2, options);

        long Allocated(LevenbergMarquardtOptions o)
        {
            p[0] = -1.2;
            p[1] = 1;
            var before = GC.GetAllocatedBytesForCurrentThread();
            var result = LevenbergMarquardt.Solve(function, p, 2, o);
            var bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(o.MaxIterations, result.Iterations);
            return bytes;
        }

        Assert.Equal(Allocated(options), Allocated(longer));
    }

    [Fact]
    public void CholeskySolvesASymmetricPositiveDefiniteSystemAndRefusesAnIndefiniteOne()
    {
        // A = [[4, 12, −16], [12, 37, −43], [−16, −43, 98]] = LLᵀ with L = [[2, 0, 0], [6, 1, 0], [−8, 5, 3]].
        double[] a = [4, 12, -16, 12, 37, -43, -16, -43, 98];
        Assert.True(Cholesky.TryFactor(a, 3));
        Assert.Equal(new[] { 2.0, 6, 1, -8, 5, 3 }, new[] { a[0], a[3], a[4], a[6], a[7], a[8] });

        // A·(1, 2, 3) = (−20, −43, 192)
        double[] x = [-20, -43, 192];
        Cholesky.Solve(a, 3, x);
        Assert.Equal(1, x[0], 1e-12);
        Assert.Equal(2, x[1], 1e-12);
        Assert.Equal(3, x[2], 1e-12);

        Assert.False(Cholesky.TryFactor(new double[] { 1, 2, 2, 1 }, 2));       // eigenvalues 3 and −1
        Assert.False(Cholesky.TryFactor(new double[] { 1, 1, 1, 1 }, 2));       // singular
        Assert.False(Cholesky.TryFactor(new double[] { double.NaN }, 1));
    }

    [Fact]
    public void TheReadmeExampleRuns()
    {
        var lines = new List<string>();
        Action<string> print = lines.Add;

        // README "Nonlinear least squares", verbatim but for Console.WriteLine.
        double[] x = { 0, 1, 2, 3, 4 }, y = { 1.1, 1.5, 2.0, 2.7, 3.7 };
        double[] p = { 0, 0 };   // (m, c) of y = e^(m·x + c): the starting point, overwritten by the solution
        var result = LevenbergMarquardt.Solve(
            (q, r, jacobian) =>  // residuals rᵢ = yᵢ − e^(m·xᵢ + c) and ∂rᵢ/∂(m, c), row-major 5×2
            {
                for (int i = 0; i < x.Length; i++)
                {
                    double e = Math.Exp(q[0] * x[i] + q[1]);
                    r[i] = y[i] - e;
                    jacobian[2 * i] = -x[i] * e;
                    jacobian[2 * i + 1] = -e;
                }
            },
            p,
            residualCount: x.Length,
            progress: it => print($"{it.Iteration,2}  cost {it.Cost:0.000e+00}  |gradient| {it.GradientNorm:0.00e+00}  μ {it.Damping:0.00e+00}{(it.Iteration > 0 && !it.Accepted ? "  rejected" : "")}"));
        print($"{result.Termination} after {result.Iterations} iterations: m = {p[0]:F4}, c = {p[1]:F4}");

        foreach (var line in lines)
        {
            output.WriteLine(line);
        }

        Assert.True(result.Converged);
        Assert.Equal(0.3, p[0], 0.01);
        Assert.Equal(0.1, p[1], 0.02);
    }

    [Fact]
    public void TheFitSamplesGeneratedJacobianIsTheClosedForm()
    {
        var (x, y) = Fit.MakeData();
        double[] p = [0.27, 0.15];
        var r = new double[x.Length];
        var jacobian = new double[2 * x.Length];
        Fit.ResidualsJacobian(p, x, y, r, jacobian);
        for (var i = 0; i < x.Length; i++)
        {
            var e = Math.Exp(p[0] * x[i] + p[1]);
            Assert.Equal(y[i] - e, r[i], 14);
            Assert.Equal(-x[i] * e, jacobian[2 * i], 12);   // ∂rᵢ/∂m = −xᵢ·e^(m·xᵢ + c)
            Assert.Equal(-e, jacobian[2 * i + 1], 12);      // ∂rᵢ/∂c = −e^(m·xᵢ + c)
        }
    }
}
