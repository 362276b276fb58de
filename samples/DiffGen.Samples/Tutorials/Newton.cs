using System;
using System.Linq;

namespace DiffGen.Samples.Tutorials;

/// <summary>
/// Newton-CG (truncated Newton, Nocedal &amp; Wright algorithm 7.1) on Rosenbrock's function in five dimensions from
/// SciPy's example point, with the Hessian never formed: each conjugate-gradient step asks for one Hessian-vector
/// product, which the generated <c>RosenbrockHessianVector</c> computes exactly (reverse mode over forward mode),
/// with the gradient beside it. Beside it on the same problem: L-BFGS (PyTorch's, strong Wolfe) and Adam.
/// </summary>
public static partial class Newton
{
    /// <summary>Rosenbrock's function: Σ (1 − xᵢ)² + 100·(xᵢ₊₁ − xᵢ²)²; its minimum is 0 at (1, …, 1).</summary>
    [Differentiable]
    public static double Rosenbrock(double[] x)
    {
        double sum = 0;
        for (int i = 0; i + 1 < x.Length; i++)
        {
            double a = 1 - x[i];
            double b = x[i + 1] - x[i] * x[i];
            sum += a * a + 100 * b * b;
        }

        return sum;
    }

    // The generator writes, beside it:
    //   RosenbrockGradient(x, dx)                  — the value, and ∇f added into dx
    //   RosenbrockTangent(x, tx, out tangent)      — the value, and ∇f·tx (forward mode)
    //   RosenbrockHessianVector(x, vx, dx, hx)     — the value, ∇f into dx and H·vx into hx
    //   RosenbrockHessian(x, hessian)              — the dense n × n Hessian, n products

    /// <summary>SciPy's starting point for its Newton-CG example (scipy.optimize.minimize, method="Newton-CG").</summary>
    public static readonly double[] Start = [1.3, 0.7, 0.8, 1.9, 1.2];

    /// <summary>What a Newton-CG run did: the point, its iterations, and how many gradients and Hessian-vector products it used.</summary>
    public sealed record Result(double[] X, double Value, int Iterations, int Evaluations, int Products);

    /// <summary>
    /// Minimizes from <paramref name="start"/> until the gradient's norm is below <paramref name="tolerance"/>. Each
    /// iteration solves H·p = −∇f by conjugate gradients to a relative residual of min(½, √‖∇f‖) (superlinear
    /// convergence), stopping at negative curvature, then backtracks along p until the Armijo condition holds.
    /// </summary>
    public static Result Minimize(double[] start, double tolerance = 1e-10, int maxIterations = 100, Action<int, double, double, int, double>? progress = null)
    {
        var n = start.Length;
        var x = start.ToArray();
        var (gradient, product, p, r, d, unused) = (new double[n], new double[n], new double[n], new double[n], new double[n], new double[n]);
        var (evaluations, products) = (0, 0);
        for (var iteration = 0; iteration < maxIterations; iteration++)
        {
            Array.Clear(gradient);
            var value = RosenbrockGradient(x, gradient);
            evaluations++;
            var norm = Math.Sqrt(Dot(gradient, gradient));
            if (norm < tolerance)
            {
                return new Result(x, value, iteration, evaluations, products);
            }

            // Conjugate gradients on H·p = −g, from p = 0: r = H·p + g, d the search direction.
            var forcing = Math.Min(0.5, Math.Sqrt(norm)) * norm;
            Array.Clear(p);
            gradient.CopyTo(r, 0);
            for (var i = 0; i < n; i++)
            {
                d[i] = -r[i];
            }

            var steps = 0;
            for (; steps < 2 * n; steps++)
            {
                Array.Clear(product);
                Array.Clear(unused);
                RosenbrockHessianVector(x, d, unused, product);   // H·d, exact; the gradient beside it is not needed here
                products++;
                var curvature = Dot(d, product);
                if (curvature <= 0)
                {
                    // Negative curvature: the Newton model has no minimum along d. Take what CG has (or −g at the start).
                    if (steps == 0)
                    {
                        for (var i = 0; i < n; i++)
                        {
                            p[i] = -gradient[i];
                        }
                    }

                    break;
                }

                var rr = Dot(r, r);
                var alpha = rr / curvature;
                for (var i = 0; i < n; i++)
                {
                    p[i] += alpha * d[i];
                    r[i] += alpha * product[i];
                }

                var next = Dot(r, r);
                if (Math.Sqrt(next) < forcing)
                {
                    steps++;
                    break;
                }

                for (var i = 0; i < n; i++)
                {
                    d[i] = -r[i] + next / rr * d[i];
                }
            }

            // Backtracking (Armijo): the full Newton step first.
            var slope = Dot(gradient, p);
            var t = 1.0;
            var trial = new double[n];
            while (true)
            {
                for (var i = 0; i < n; i++)
                {
                    trial[i] = x[i] + t * p[i];
                }

                evaluations++;
                if (Rosenbrock(trial) <= value + 1e-4 * t * slope || t < 1e-10)
                {
                    break;
                }

                t *= 0.5;
            }

            trial.CopyTo(x, 0);
            progress?.Invoke(iteration, value, norm, steps, t);
        }

        return new Result(x, Rosenbrock(x), maxIterations, evaluations, products);
    }

    private static double Dot(double[] a, double[] b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    /// <summary>L-BFGS (PyTorch's, strong Wolfe) on the same problem: its steps until the gradient tolerance, and the gradients it evaluated.</summary>
    public static (double[] X, long Iterations, long Evaluations) Lbfgs(double[] start)
    {
        var parameters = new ParameterSet<double>();
        var x = parameters.Add("x", start.Length);
        start.CopyTo(x.Values, 0);
        var lbfgs = new Lbfgs<double>(parameters, maxIterations: 200, gradientTolerance: 1e-10, changeTolerance: 1e-16, lineSearch: LbfgsLineSearch.StrongWolfe);
        lbfgs.Step(() => RosenbrockGradient(x.Values, x.Gradients));
        return (x.Values, lbfgs.IterationCount, lbfgs.EvaluationCount);
    }

    /// <summary>Adam (learning rate 0.01) on the same problem: the point after <paramref name="steps"/> steps.</summary>
    public static double[] Adam(double[] start, int steps)
    {
        var parameters = new ParameterSet<double>();
        var x = parameters.Add("x", start.Length);
        start.CopyTo(x.Values, 0);
        var adam = new Adam<double>(parameters, 0.01);
        for (var step = 0; step < steps; step++)
        {
            parameters.ZeroGradients();
            RosenbrockGradient(x.Values, x.Gradients);
            adam.Step();
        }

        return x.Values;
    }

    public static void Run()
    {
        Console.WriteLine($"Newton-CG on Rosenbrock in 5 dimensions from SciPy's ({string.Join(", ", Start)}), the Hessian never formed: one generated H·v per CG step");
        Console.WriteLine("  iter           f      |∇f|  CG steps  step");
        var result = Minimize(Start, progress: (iteration, value, norm, steps, t) =>
            Console.WriteLine($"  {iteration,4}  {value,10:0.000e+00}  {norm,8:0.0e+00}  {steps,8}  {t,4:0.###}"));
        Console.WriteLine($"  Newton-CG: {result.Iterations} iterations, {result.Evaluations} evaluations, {result.Products} Hessian-vector products; f = {result.Value:0.0e+00}, max |x − 1| = {result.X.Max(v => Math.Abs(v - 1)):0.0e+00}");

        var (lbfgsX, lbfgsIterations, lbfgsEvaluations) = Lbfgs(Start);
        Console.WriteLine($"  L-BFGS (strong Wolfe): {lbfgsIterations} iterations, {lbfgsEvaluations} gradient evaluations; f = {Rosenbrock(lbfgsX):0.0e+00}, max |x − 1| = {lbfgsX.Max(v => Math.Abs(v - 1)):0.0e+00}");
        foreach (var steps in new[] { 1000, 10000 })
        {
            var adamX = Adam(Start, steps);
            Console.WriteLine($"  Adam 0.01, {steps,5} steps: f = {Rosenbrock(adamX):0.0e+00}, max |x − 1| = {adamX.Max(v => Math.Abs(v - 1)):0.0e+00}");
        }

        // The curvature at the minimum, for the uncertainty of an estimate: the Hessian, dense, from n products.
        var hessian = new double[25];
        RosenbrockHessian(result.X, hessian);
        Console.WriteLine($"  Hessian at the minimum, diagonal: {string.Join(", ", Enumerable.Range(0, 5).Select(i => hessian[i * 6].ToString("F1")))} (exact: 802, 1002, 1002, 1002, 200)");
    }
}
