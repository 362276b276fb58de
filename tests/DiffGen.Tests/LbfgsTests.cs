using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using DiffGen.Tests.Programs;
using Xunit.Abstractions;

namespace DiffGen.Tests;

/// <summary>
/// <see cref="Lbfgs{T}"/> against PyTorch 1.13's <c>torch.optim.LBFGS</c> in float64 (tools/pytorch_lbfgs_reference.py
/// wrote Data/lbfgs_pytorch.txt): per step the parameters, the loss <c>step</c> returned and the iteration and
/// evaluation counts, on Rosenbrock (4 and 6 parameters) and a logistic regression (two parameters, w and b),
/// with and without the strong-Wolfe line search; the gradients are DiffGen's generated ones.
/// </summary>
public class LbfgsTests(ITestOutputHelper output)
{
    private static readonly double[] Start4 = [-1.2, 1.0, 0.5, -0.3];
    private static readonly double[] Start6 = [-1.2, 1.0, 0.5, -0.3, 0.8, 1.5];

    /// <summary>"case kind" → values, from the reference file.</summary>
    private static readonly Lazy<Dictionary<string, double[]>> References = new(() =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Data", "lbfgs_pytorch.txt"))
            .Select(l => l.Split(' '))
            .Where(p => p[0] != "torch")
            .ToDictionary(p => $"{p[0]} {p[1]}", p => p.Skip(2).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()));

    private static double[] Reference(string name, string kind) => References.Value[$"{name} {kind}"];

    private static double[] X => Reference("logistic_data", "x");

    private static double[] Y => Reference("logistic_data", "y");

    /// <summary>The cases of tools/pytorch_lbfgs_reference.py, with the same options.</summary>
    private static Lbfgs<double> MakeOptimizer(string name, ParameterSet<double> parameters) => name switch
    {
        "rosenbrock_default" => new Lbfgs<double>(parameters),
        "rosenbrock_lr05_iter1" => new Lbfgs<double>(parameters, learningRate: 0.5, maxIterations: 1),
        "rosenbrock_history3_iter4" => new Lbfgs<double>(parameters, learningRate: 0.5, maxIterations: 4, historySize: 3),
        "rosenbrock_wolfe" => new Lbfgs<double>(parameters, lineSearch: LbfgsLineSearch.StrongWolfe),
        "rosenbrock_wolfe_iter5" => new Lbfgs<double>(parameters, maxIterations: 5, lineSearch: LbfgsLineSearch.StrongWolfe),
        "rosenbrock_wolfe_history2" => new Lbfgs<double>(parameters, maxIterations: 4, historySize: 2, lineSearch: LbfgsLineSearch.StrongWolfe),
        "rosenbrock_wolfe_eval7" => new Lbfgs<double>(parameters, maxEvaluations: 7, lineSearch: LbfgsLineSearch.StrongWolfe),
        "rosenbrock_wolfe_lr03" => new Lbfgs<double>(parameters, learningRate: 0.3, maxIterations: 6, lineSearch: LbfgsLineSearch.StrongWolfe),
        "rosenbrock_change1e-2" => new Lbfgs<double>(parameters, changeTolerance: 1e-2, lineSearch: LbfgsLineSearch.StrongWolfe),
        "rosenbrock_grad1e-2" => new Lbfgs<double>(parameters, gradientTolerance: 1e-2, lineSearch: LbfgsLineSearch.StrongWolfe),
        "rosenbrock6_wolfe" => new Lbfgs<double>(parameters, lineSearch: LbfgsLineSearch.StrongWolfe),
        "quadratic_default_iter4" => new Lbfgs<double>(parameters, maxIterations: 4),
        "quadratic_wolfe_iter4" => new Lbfgs<double>(parameters, maxIterations: 4, historySize: 2, lineSearch: LbfgsLineSearch.StrongWolfe),
        "logistic_default" => new Lbfgs<double>(parameters),
        "logistic_wolfe_iter3" => new Lbfgs<double>(parameters, maxIterations: 3, lineSearch: LbfgsLineSearch.StrongWolfe),
        _ => throw new ArgumentException(name),
    };

    public static TheoryData<string> Cases() =>
    [
        "rosenbrock_default", "rosenbrock_lr05_iter1", "rosenbrock_history3_iter4", "rosenbrock_wolfe", "rosenbrock_wolfe_iter5",
        "rosenbrock_wolfe_history2", "rosenbrock_wolfe_eval7", "rosenbrock_wolfe_lr03", "rosenbrock_change1e-2", "rosenbrock_grad1e-2",
        "rosenbrock6_wolfe", "quadratic_default_iter4", "quadratic_wolfe_iter4", "logistic_default", "logistic_wolfe_iter3",
    ];

    /// <summary>The case's problem: its parameters at the start, and the closure (a generated gradient call).</summary>
    private static (ParameterSet<double> Parameters, Func<double> Closure) Problem(string name)
    {
        var parameters = new ParameterSet<double>();
        if (name.StartsWith("quadratic", StringComparison.Ordinal))
        {
            // ½ Σ aᵢ(xᵢ − cᵢ)², its gradient by hand with PyTorch's roundings (the reference's closure sets it so).
            double[] a = [1, 3, 10, 30], c = [1, -2, 0.5, 3];
            var x = parameters.Add("x", 4);
            return (parameters, () =>
            {
                double total = 0;
                for (var i = 0; i < 4; i++)
                {
                    var r = x.Values[i] - c[i];
                    x.Gradients[i] += a[i] * r;
                    total += a[i] * r * r;
                }

                return 0.5 * total;
            });
        }

        if (name.StartsWith("logistic", StringComparison.Ordinal))
        {
            var w = parameters.Add("w", 3);
            var b = parameters.Add("b", 1);
            double[] x = X, y = Y;
            return (parameters, () => Logistic.LossGradient(w.Values, b.Values, x, y, w.Gradients, b.Gradients));
        }

        var p = parameters.Add("p", name.StartsWith("rosenbrock6", StringComparison.Ordinal) ? 6 : 4);
        (p.Length == 6 ? Start6 : Start4).CopyTo(p.Values, 0);
        return (parameters, () => Objectives.RosenbrockGradient(p.Values, p.Gradients));
    }

    private static double RelativeDifference(double actual, double expected) =>
        actual == expected ? 0 : Math.Abs(actual - expected) / Math.Max(Math.Abs(expected), 1e-300);

    [Theory]
    [MemberData(nameof(Cases))]
    public void TrajectoryMatchesPyTorchWithin1e10RelativePerStep(string name)
    {
        var (parameters, closure) = Problem(name);
        var optimizer = MakeOptimizer(name, parameters);
        double[] expectedParameters = Reference(name, "params"), expectedLoss = Reference(name, "loss");
        double[] expectedIterations = Reference(name, "n_iter"), expectedEvaluations = Reference(name, "func_evals");
        var steps = expectedLoss.Length;
        var n = parameters.Length;
        Assert.Equal(steps * n, expectedParameters.Length);

        double worstParameter = 0, worstLoss = 0;
        var terminations = new List<LbfgsTermination>();
        var losses = new double[steps];
        for (var step = 0; step < steps; step++)
        {
            var loss = losses[step] = optimizer.Step(closure);
            terminations.Add(optimizer.Termination!.Value);

            // The counts are exact: the same iterations ran and the same stopping tests fired.
            Assert.Equal((long)expectedIterations[step], optimizer.IterationCount);
            Assert.Equal((long)expectedEvaluations[step], optimizer.EvaluationCount);
            Assert.InRange(optimizer.HistoryCount, 0, optimizer.HistorySize);

            var values = parameters.SelectMany(q => q.Values).ToArray();
            var parameterDifference = Enumerable.Range(0, n).Max(i => RelativeDifference(values[i], expectedParameters[step * n + i]));
            var lossDifference = RelativeDifference(loss, expectedLoss[step]);
            output.WriteLine($"step {step + 1}: loss {loss:R} (PyTorch {expectedLoss[step]:R}), relative difference: parameters {parameterDifference:0.0e+00}, loss {lossDifference:0.0e+00}; {optimizer.Termination}");
            worstParameter = Math.Max(worstParameter, parameterDifference);
            worstLoss = Math.Max(worstLoss, lossDifference);
        }

        output.WriteLine($"{name}: {steps} steps, worst relative difference: parameters {worstParameter:0.0e+00}, loss {worstLoss:0.0e+00}; stops: {string.Join(", ", terminations)}");
        Assert.True(worstParameter <= 1e-10, $"{name}: parameters differ by {worstParameter:0.0e+00} relative");

        // A loss near its minimum 0 magnifies the parameters' differences (by their inverse distance to the
        // minimum, up to 8e-9 relative at a loss of 1e-12 here): below 0.01 the bound is 1e-12 absolute.
        for (var step = 0; step < steps; step++)
        {
            Assert.True(
                Math.Abs(losses[step] - expectedLoss[step]) <= 1e-10 * Math.Max(Math.Abs(expectedLoss[step]), 1e-2),
                $"{name}, step {step + 1}: loss {losses[step]:R}, PyTorch {expectedLoss[step]:R}");
        }
    }

    [Theory]
    [InlineData("quadratic_default_iter4")]
    [InlineData("quadratic_wolfe_iter4")]
    public void WithPyTorchsGradientsTheTrajectoryIsPyTorchsBitForBit(string name)
    {
        // The quadratic's gradient and loss round as PyTorch's do, so what remains is the optimizer's own
        // arithmetic: the fused x + t·d, the in-order dot products, the line search's interpolation.
        var (parameters, closure) = Problem(name);
        var optimizer = MakeOptimizer(name, parameters);
        double[] expectedParameters = Reference(name, "params"), expectedLoss = Reference(name, "loss");
        for (var step = 0; step < expectedLoss.Length; step++)
        {
            Assert.Equal(expectedLoss[step], optimizer.Step(closure));
            Assert.Equal(expectedParameters[(step * 4)..(step * 4 + 4)], parameters[0].Values);
        }
    }

    [Fact]
    public void RosenbrockConvergesToOnesInBothModes()
    {
        foreach (var lineSearch in new[] { LbfgsLineSearch.None, LbfgsLineSearch.StrongWolfe })
        {
            var (parameters, closure) = Problem("rosenbrock6");
            var optimizer = new Lbfgs<double>(parameters, maxIterations: 100, gradientTolerance: 1e-10, changeTolerance: 1e-14, lineSearch: lineSearch);
            for (var step = 0; step < 10 && optimizer.Termination is not (LbfgsTermination.GradientTolerance or LbfgsTermination.NoDescent); step++)
            {
                optimizer.Step(closure);
            }

            output.WriteLine($"{lineSearch}: {optimizer.IterationCount} iterations, {optimizer.EvaluationCount} evaluations, {optimizer.Termination}");
            Assert.All(parameters[0].Values, v => Assert.Equal(1, v, 1e-7));
        }
    }

    [Fact]
    public void FloatRunsTheSameAlgorithmInFloat()
    {
        // Rosenbrock's gradient by hand, in float (the generated one is double).
        var parameters = new ParameterSet<float>();
        var p = parameters.Add("p", 4);
        for (var i = 0; i < 4; i++)
        {
            p.Values[i] = (float)Start4[i];
        }

        float Closure()
        {
            float[] v = p.Values, g = p.Gradients;
            float f = 0;
            for (var i = 0; i < v.Length - 1; i++)
            {
                float a = 1 - v[i], b = v[i + 1] - v[i] * v[i];
                f += a * a + 10 * b * b;
                g[i] += -2 * a - 40 * b * v[i];
                g[i + 1] += 20 * b;
            }

            return f;
        }

        var optimizer = new Lbfgs<float>(parameters, lineSearch: LbfgsLineSearch.StrongWolfe);
        var first = optimizer.Step(Closure);
        Assert.Equal(Reference("rosenbrock_wolfe", "loss")[0], first, 1e-4);
        for (var step = 0; step < 5; step++)
        {
            optimizer.Step(Closure);
        }

        Assert.All(p.Values, v => Assert.Equal(1f, v, 1e-3f));
    }

    [Fact]
    public void ALogisticModelTrainsThroughItsGeneratedGradientAsPyTorchDoes()
    {
        // FromModel over a class whose bias is a scalar property: the optimizer writes each trial point into the
        // model (WriteModel) and reads the gradient model's bias back (ReadModel). Flattened: W, then B, as [w, b].
        var model = new LogisticModel(3);
        var gradient = new LogisticModel(3);
        var parameters = ParameterSet<double>.FromModel(model, gradient);
        Assert.Equal(["W", "B"], parameters.Select(q => q.Name));
        double[] x = X, y = Y;
        var optimizer = new Lbfgs<double>(parameters, maxIterations: 3, lineSearch: LbfgsLineSearch.StrongWolfe);

        var expected = Reference("logistic_wolfe_iter3", "params");
        var steps = expected.Length / 4;
        for (var step = 0; step < steps; step++)
        {
            optimizer.Step(() => model.LossGradient(x, y, gradient));
            double[] actual = [.. model.W, model.B];
            for (var i = 0; i < 4; i++)
            {
                Assert.True(
                    RelativeDifference(actual[i], expected[step * 4 + i]) <= 1e-10,
                    $"step {step + 1}, parameter {i}: PyTorch {expected[step * 4 + i]:R}, DiffGen {actual[i]:R}");
            }
        }

        Assert.Equal((long)Reference("logistic_wolfe_iter3", "func_evals")[^1], optimizer.EvaluationCount);
    }

    [Fact]
    public void ManyStepsOfOneIterationFollowOneStepOfMany()
    {
        // Without a line search, a step's last iteration skips its evaluation, which the next step's start makes:
        // the points are the same, bit for bit (PyTorch agrees: rosenbrock_lr05_iter1 after 4 steps is
        // rosenbrock_history3_iter4 after 1).
        var (single, singleClosure) = Problem("rosenbrock");
        var one = new Lbfgs<double>(single, learningRate: 0.5, maxIterations: 4);
        one.Step(singleClosure);

        var (many, manyClosure) = Problem("rosenbrock");
        var each = new Lbfgs<double>(many, learningRate: 0.5, maxIterations: 1);
        for (var step = 0; step < 4; step++)
        {
            each.Step(manyClosure);
        }

        Assert.Equal(single[0].Values, many[0].Values);
        Assert.Equal(4, one.IterationCount);
        Assert.Equal(4, each.IterationCount);
        Assert.Equal(4, one.EvaluationCount);
        Assert.Equal(4, each.EvaluationCount);
    }

    [Fact]
    public void AtAMinimumAStepEvaluatesOnceAndStopsOnTheGradient()
    {
        var (parameters, closure) = Problem("rosenbrock");
        Array.Fill(parameters[0].Values, 1.0);
        var optimizer = new Lbfgs<double>(parameters);
        Assert.Null(optimizer.Termination);
        Assert.Equal(0.0, optimizer.Step(closure));
        Assert.Equal(LbfgsTermination.GradientTolerance, optimizer.Termination);
        Assert.Equal((0L, 1L), (optimizer.IterationCount, optimizer.EvaluationCount));
        Assert.All(parameters[0].Values, v => Assert.Equal(1.0, v));
    }

    [Fact]
    public void EachToleranceStopsAStepAsPyTorchsDoes()
    {
        // Every stop below is in a reference case, whose iteration and evaluation counts PyTorch's run fixes.
        LbfgsTermination[] Stops(string name)
        {
            var (parameters, closure) = Problem(name);
            var optimizer = MakeOptimizer(name, parameters);
            return Reference(name, "loss").Select(_ =>
            {
                optimizer.Step(closure);
                return optimizer.Termination!.Value;
            }).ToArray();
        }

        // 20 iterations; 18 more until the loss changes by less than 1e-9; then, at the minimum, the next direction
        // no longer descends and the parameters stay.
        Assert.Equal([LbfgsTermination.MaxIterations, LbfgsTermination.LossChangeTolerance, LbfgsTermination.NoDescent, LbfgsTermination.NoDescent], Stops("rosenbrock_default"));

        // max_eval = 7: the line search's evaluations end each step early.
        Assert.Equal(LbfgsTermination.MaxEvaluations, Stops("rosenbrock_wolfe_eval7")[0]);

        // tolerance_change = 1e-2: the fourth direction's gᵀd is above −1e-2 (4 iterations, 4 evaluations: the
        // fourth stops before its line search), and so is every later step's first.
        Assert.Equal(Enumerable.Repeat(LbfgsTermination.NoDescent, 6), Stops("rosenbrock_change1e-2"));

        // tolerance_grad = 1e-2: 25 evaluations first, then the gradient after 11 iterations, then at the start of
        // every later step (PyTorch: no iteration, one evaluation).
        Assert.Equal([LbfgsTermination.MaxEvaluations, LbfgsTermination.GradientTolerance, LbfgsTermination.GradientTolerance, LbfgsTermination.GradientTolerance], Stops("rosenbrock_grad1e-2"));

        Assert.All(Stops("rosenbrock_lr05_iter1"), stop => Assert.Equal(LbfgsTermination.MaxIterations, stop));
    }

    [Fact]
    public void SmallStepsStopOnTheStepTolerance()
    {
        // lr = 1e-3: the first move is 1e-3·min(1, 1/‖g‖₁)·g, far below a change tolerance of 1e-2 in every element.
        var (parameters, closure) = Problem("rosenbrock");
        var optimizer = new Lbfgs<double>(parameters, learningRate: 1e-3, changeTolerance: 1e-2);
        optimizer.Step(closure);
        Assert.Equal(LbfgsTermination.StepTolerance, optimizer.Termination);
        Assert.Equal((1L, 2L), (optimizer.IterationCount, optimizer.EvaluationCount));
        Assert.NotEqual(Start4, parameters[0].Values);
    }

    [Fact]
    public void HistoryKeepsAtMostHistorySizePairs()
    {
        var (parameters, closure) = Problem("rosenbrock");
        var optimizer = new Lbfgs<double>(parameters, maxIterations: 1, historySize: 2, lineSearch: LbfgsLineSearch.StrongWolfe);
        var counts = new List<int>();
        for (var step = 0; step < 6; step++)
        {
            optimizer.Step(closure);
            counts.Add(optimizer.HistoryCount);
        }

        Assert.Equal([0, 1, 2, 2, 2, 2], counts);
    }

    [Fact]
    public void TheOptimizerZeroesTheGradientsBeforeEveryEvaluation()
    {
        // A closure that only adds (a generated gradient call) gives the same path as one that zeroes first.
        var (added, addClosure) = Problem("rosenbrock");
        added[0].Gradients[0] = 1e6;   // left over from elsewhere: must not leak into the first gradient
        var a = new Lbfgs<double>(added, lineSearch: LbfgsLineSearch.StrongWolfe);
        a.Step(addClosure);

        var (zeroed, zeroClosure) = Problem("rosenbrock");
        var b = new Lbfgs<double>(zeroed, lineSearch: LbfgsLineSearch.StrongWolfe);
        b.Step(() =>
        {
            zeroed.ZeroGradients();
            return zeroClosure();
        });

        Assert.Equal(zeroed[0].Values, added[0].Values);
        Assert.Equal(Reference("rosenbrock_wolfe", "params")[..4], added[0].Values, (e, v) => RelativeDifference(v, e) <= 1e-10);
    }

    [Fact]
    public void StepAllocatesNothingOnceTheHistoryIsFull()
    {
        var (parameters, closure) = Problem("rosenbrock");
        var optimizer = new Lbfgs<double>(parameters, learningRate: 0.1, maxIterations: 3, historySize: 2, lineSearch: LbfgsLineSearch.StrongWolfe);
        optimizer.Step(closure);
        optimizer.Step(closure);
        Assert.Equal(2, optimizer.HistoryCount);

        var before = GC.GetAllocatedBytesForCurrentThread();
        optimizer.Step(closure);
        optimizer.Step(closure);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void BadArgumentsAreRefused()
    {
        var (parameters, closure) = Problem("rosenbrock");
        Assert.Throws<ArgumentNullException>("parameters", () => new Lbfgs<double>(null!));
        Assert.Throws<ArgumentNullException>("lossAndGradient", () => new Lbfgs<double>(parameters).Step(null!));

        // The history is as long as the parameters: a parameter added later is refused, not ignored.
        var optimizer = new Lbfgs<double>(parameters);
        parameters.Add("late", 2);
        var exception = Assert.Throws<InvalidOperationException>(() => optimizer.Step(closure));
        Assert.Contains("create a new optimizer", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DefaultsArePyTorchs()
    {
        var optimizer = new Lbfgs<double>(Problem("rosenbrock").Parameters);
        Assert.Equal(
            (1.0, 20, 25, 1e-7, 1e-9, 100, LbfgsLineSearch.None),
            (optimizer.LearningRate, optimizer.MaxIterations, optimizer.MaxEvaluations, optimizer.GradientTolerance, optimizer.ChangeTolerance, optimizer.HistorySize, optimizer.LineSearch));
        Assert.Equal(1, new Lbfgs<double>(Problem("rosenbrock").Parameters, maxIterations: 1).MaxEvaluations);   // 1·5/4, rounded down
        Assert.Equal(12, new Lbfgs<double>(Problem("rosenbrock").Parameters, maxIterations: 10).MaxEvaluations);
    }

    [Fact]
    public void CubicInterpolationIsPyTorchs()
    {
        // f(x) = (x − 1)², sampled at 0 and 3: the cubic through them is the parabola, minimized at 1.
        Assert.Equal(1.0, Lbfgs<double>.CubicInterpolate(0, 1, -2, 3, 4, 4), 1e-15);
        Assert.Equal(1.0, Lbfgs<double>.CubicInterpolate(3, 4, 4, 0, 1, -2), 1e-15);

        // Clamped to the bounds given.
        Assert.Equal(2.0, Lbfgs<double>.CubicInterpolate(0, 1, -2, 3, 4, 4, 2.0, 5.0));

        // No real minimizer (d1² < g1·g2): the middle of the bounds.
        Assert.Equal(1.5, Lbfgs<double>.CubicInterpolate(0, 0, 1, 3, 2, 1));
    }

    [Fact]
    public void ReadmeExampleRuns()
    {
        var lines = new List<string>();
        Action<string> print = lines.Add;

        // README "L-BFGS", verbatim but for Console.WriteLine.
        var ps = new ParameterSet<double>();
        var p = ps.Add("p", 4);
        new[] { -1.2, 1.0, -1.2, 1.0 }.CopyTo(p.Values, 0);
        var lbfgs = new Lbfgs<double>(ps, lineSearch: LbfgsLineSearch.StrongWolfe);   // LBFGS(params, line_search_fn="strong_wolfe")
        Func<double> closure = () => Valley.RosenbrockGradient(p.Values, p.Gradients); // the gradients are zeroed before each call

        for (int step = 0; step < 10 && lbfgs.Termination is not (LbfgsTermination.GradientTolerance or LbfgsTermination.NoDescent); step++)
        {
            double loss = lbfgs.Step(closure);   // up to 20 iterations; returns the loss before them
            print($"step {step}: loss {loss:0.000e+00} → {lbfgs.Termination} after {lbfgs.IterationCount} iterations, {lbfgs.EvaluationCount} evaluations");
        }

        print($"p = ({string.Join(", ", p.Values.Select(v => v.ToString("F4")))}), loss {Valley.Rosenbrock(p.Values):0.0e+00}");

        foreach (var line in lines)
        {
            output.WriteLine(line);
        }

        // The output the README shows.
        Assert.Equal(
            [
                "step 0: loss 5.324e+02 → MaxEvaluations after 18 iterations, 26 evaluations",
                "step 1: loss 1.620e+00 → MaxIterations after 38 iterations, 48 evaluations",
                "step 2: loss 8.193e-06 → NoDescent after 41 iterations, 51 evaluations",
                lines[^1],
            ],
            lines);
        Assert.StartsWith("p = (1.0000, 1.0000, 1.0000, 1.0000), loss ", lines[^1], StringComparison.Ordinal);
        Assert.All(p.Values, v => Assert.Equal(1, v, 1e-5));
    }
}

/// <summary>The README's L-BFGS example.</summary>
public static partial class Valley
{
    /// <summary>Rosenbrock's function in n dimensions: Σ (1 − pᵢ)² + 100 (pᵢ₊₁ − pᵢ²)².</summary>
    [Differentiable]
    public static double Rosenbrock(double[] p)
    {
        double f = 0;
        for (int i = 0; i < p.Length - 1; i++)
        {
            double a = 1 - p[i], b = p[i + 1] - p[i] * p[i];
            f += a * a + 100 * b * b;
        }

        return f;
    }
}
