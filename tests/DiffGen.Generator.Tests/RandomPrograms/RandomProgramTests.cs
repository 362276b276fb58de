using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using CsCheck;
using Xunit.Abstractions;

namespace DiffGen.Generator.Tests.RandomPrograms;

/// <summary>
/// Random [Differentiable] programs, compiled through the generator, their gradients compared with a
/// forward-mode dual-number evaluation of the same program and with central finite differences.
/// <c>DIFFGEN_RANDOM_PROGRAMS</c> sets how many (2,000 by default, 100,000 for the long run);
/// <c>DIFFGEN_RANDOM_SEED</c> replays the CsCheck seed a failure prints.
/// </summary>
public class RandomProgramTests(ITestOutputHelper output)
{
    private const int BatchSize = 50;

    [Fact]
    public void GradientsMatchDualNumbersAndFiniteDifferences()
    {
        var wanted = int.TryParse(Environment.GetEnvironmentVariable("DIFFGEN_RANDOM_PROGRAMS"), out var n) ? n : 2000;
        var seed = Environment.GetEnvironmentVariable("DIFFGEN_RANDOM_SEED");
        var tally = new Tally();
        var batches = (int)Math.Ceiling(wanted * 1.1 / BatchSize);
        new ProgramGenerator().Array[BatchSize].Sample(
            programs => Check(programs, tally),
            seed: seed,
            iter: batches,
            threads: Environment.ProcessorCount,
            print: programs => $"a batch of {programs.Length} programs; the failing one is printed above");
        CheckRejected(Math.Max(20, wanted / 50), seed, tally);

        output.WriteLine(tally.ToString());
        Assert.True(tally.Checked >= Math.Min(wanted, batches * BatchSize * 0.9), tally.ToString());
        Assert.True(wanted < 1000 || tally.Gated > 0, "No program had a ReLU-gated loop, so gating went untested: " + tally);
        Assert.True(wanted < 1000 || tally.Reserved > 0, "No program reserved tape room, so reservations went untested: " + tally);
        Assert.True(wanted < 1000 || tally.Blocked > 0, "No program ran a loop nest as blocked matrix products, so blocking went untested: " + tally);
        Assert.True(wanted < 1000 || tally.StackTapes > 0, "No program kept a tape on the stack, so constant-size tapes went untested: " + tally);
        Assert.True(wanted < 1000 || tally.VectorJacobians > 0, "No vector-valued helper's Jacobian was checked: " + tally);
        Assert.True(wanted < 1000 || tally.Curvatures > 0, "No program's tangent and Hessian-vector product were checked against finite differences: " + tally);
        Assert.True(wanted < 1000 || tally.TangentCalls > 0, "No program's tangent called a helper's tangent method: " + tally);
        var missing = tally.Shapes.Where(s => s.Value == 0).Select(s => s.Key).ToList();
        Assert.True(wanted < 1000 || missing.Count == 0, "No checked program had the shapes " + string.Join(", ", missing) + ": " + tally);
    }

    /// <summary>
    /// Every random program's graph method (<c>Graph = true</c> on all its methods), collapsed and with calls
    /// expanded and loops unrolled: the adjoints it draws for the inputs are the generated gradient.
    /// <c>DIFFGEN_RANDOM_GRAPHS</c> sets how many (200 by default).
    /// </summary>
    [Fact]
    public void GraphsDrawTheGradientsAdjoints()
    {
        var wanted = int.TryParse(Environment.GetEnvironmentVariable("DIFFGEN_RANDOM_GRAPHS"), out var n) ? n : 200;
        var (compared, skipped) = (0, 0);
        new ProgramGenerator().Array[BatchSize].Sample(
            programs =>
            {
                using var batch = ProgramBatch.Compile(programs, graphs: true);
                foreach (var program in batch.Programs)
                {
                    if (GraphCheck.Run(program))
                    {
                        Interlocked.Increment(ref compared);
                    }
                    else
                    {
                        Interlocked.Increment(ref skipped);
                    }
                }
            },
            seed: Environment.GetEnvironmentVariable("DIFFGEN_RANDOM_SEED"),
            iter: (int)Math.Ceiling(wanted / (double)BatchSize),
            threads: Environment.ProcessorCount,
            print: programs => $"a batch of {programs.Length} programs; the failing one is printed above");
        output.WriteLine($"{compared} programs' graphs compared with their gradients, {skipped} skipped (a value or derivative beyond 1e6, or not finite)");
        Assert.True(compared >= wanted / 2, $"only {compared} of {wanted} compared");
    }

    private static void Check(RandomProgram[] programs, Tally tally)
    {
        using var batch = ProgramBatch.Compile(programs);
        foreach (var program in batch.Programs)
        {
            ProgramCheck.Run(program, tally);
        }
    }

    // The shapes DiffGen rejects by design (an active argument of a [NoDerivative] parameter, a local array written
    // after a call reads it) must be reported with their diagnostic, never differentiated silently wrong.
    private static void CheckRejected(int count, string? seed, Tally tally)
    {
        foreach (var (rejection, id) in new[] { (Rejection.ActiveConstantArgument, "DG0014"), (Rejection.ArrayWrittenAfterCall, "DG0015") })
        {
            new ProgramGenerator(rejection).Array[count].Sample(
                programs =>
                {
                    var diagnostics = ProgramBatch.Diagnose(programs);
                    for (var i = 0; i < programs.Length; i++)
                    {
                        if (!diagnostics[i].Contains(id))
                        {
                            throw new Exception($"{id} not reported (reported: {string.Join(", ", diagnostics[i])}) for\n{ProgramPrinter.Print(programs[i], originalOnly: true)}");
                        }

                        tally.Rejected(id);
                        if (programs[i].Shapes.Contains("rejected-DG0015-constant-array"))
                        {
                            tally.Rejected(id + "-constant-array");
                        }
                    }
                },
                seed: seed,
                iter: 1,
                threads: 1,
                print: programs => $"{programs.Length} programs with a shape DiffGen must reject with {id}");
        }
    }
}

/// <summary>Counts of what the random-program run did, shared across threads.</summary>
public sealed class Tally
{
    private readonly ConcurrentDictionary<string, int> _shapes = new(ProgramGenerator.Shapes.Concat(ProgramBatch.GeneratedForms.Keys).Concat(["rejected-DG0014", "rejected-DG0015", "rejected-DG0015-constant-array"]).Select(s => KeyValuePair.Create(s, 0)));
    private int _checked;
    private int _discarded;
    private int _float;
    private int _finiteDifferences;
    private int _derivatives;
    private int _gated;
    private int _reserved;
    private int _blocked;
    private int _stackTapes;
    private int _vectorJacobians;
    private int _tangents;
    private int _curvatures;
    private int _tangentCalls;
    private int _floatConditioned;

    public int Checked => _checked;

    /// <summary>Checked programs whose tangent and Hessian-vector product (forward mode) were checked against the gradient.</summary>
    public int Tangents => _tangents;

    /// <summary>Of those, the programs whose Hessian-vector product was also checked against central differences of the gradient.</summary>
    public int Curvatures => _curvatures;

    /// <summary>Of those, the programs whose tangent calls a helper's tangent method (and whose H·v its Hessian-vector product).</summary>
    public int TangentCalls => _tangentCalls;

    public void Forward(bool againstFiniteDifferences, bool tangentCalls)
    {
        Interlocked.Increment(ref _tangents);
        if (tangentCalls)
        {
            Interlocked.Increment(ref _tangentCalls);
        }

        if (againstFiniteDifferences)
        {
            Interlocked.Increment(ref _curvatures);
        }
    }

    public int Gated => _gated;

    public int Reserved => _reserved;

    /// <summary>Checked programs whose gradient runs a loop nest as blocked matrix products.</summary>
    public int Blocked => _blocked;

    /// <summary>Checked programs whose gradient keeps a tape of constant size on the stack.</summary>
    public int StackTapes => _stackTapes;

    /// <summary>How many vector-valued helpers' Jacobians, vector-Jacobian and Jacobian-vector products were checked against dual numbers.</summary>
    public int VectorJacobians => _vectorJacobians;

    public void VectorJacobian() => Interlocked.Increment(ref _vectorJacobians);

    /// <summary>Per shape, how many checked programs contained it (and how many rejected programs reported their diagnostic).</summary>
    public IReadOnlyDictionary<string, int> Shapes => _shapes;

    public void Discard() => Interlocked.Increment(ref _discarded);

    /// <summary>A float program whose derivative float rounding moved from its double twin's: not compared with differences.</summary>
    public void FloatConditioned() => Interlocked.Increment(ref _floatConditioned);

    public void Rejected(string id) => _shapes.AddOrUpdate("rejected-" + id, 1, (_, count) => count + 1);

    public void Pass(RandomProgram program, bool withFiniteDifferences, bool gated, bool reserved, bool blocked, bool stackTape, IReadOnlySet<string>? generatedForms = null)
    {
        Interlocked.Increment(ref _checked);
        foreach (var shape in program.Shapes.Concat(generatedForms ?? new HashSet<string>()))
        {
            _shapes.AddOrUpdate(shape, 1, (_, count) => count + 1);
        }

        if (gated)
        {
            Interlocked.Increment(ref _gated);
        }

        if (reserved)
        {
            Interlocked.Increment(ref _reserved);
        }

        if (blocked)
        {
            Interlocked.Increment(ref _blocked);
        }

        if (stackTape)
        {
            Interlocked.Increment(ref _stackTapes);
        }

        Interlocked.Add(ref _derivatives, program.Inputs);
        if (program.IsFloat)
        {
            Interlocked.Increment(ref _float);
        }

        if (withFiniteDifferences)
        {
            Interlocked.Increment(ref _finiteDifferences);
        }
    }

    public override string ToString() => string.Format(CultureInfo.InvariantCulture,
        "{0} programs checked ({1} float, {5} with a ReLU-gated loop, {6} with tape room reserved before a loop nest, {9} with a loop nest run as blocked matrix products, {10} with a tape on the stack, {8} vector-valued helpers' Jacobians, vector-Jacobian and Jacobian-vector products, {11} with the tangent and the Hessian-vector product checked against the gradient, {13} of those through a helper's tangent and {12} with H·v against central differences of the gradient), {2} partial derivatives against dual numbers, {3} programs also against finite differences (the rest come within 1e-3 of a kink or branch point, their differences do not converge, or, {14} float programs, float rounding moves the derivative from the double twin's); {4} discarded (a value, an intermediate or a derivative beyond 1e6, 1e3 in float, or not finite)\nshapes (checked programs containing each; rejected-*: programs that reported their diagnostic):\n{7}",
        _checked, _float, _derivatives, _finiteDifferences, _discarded, _gated, _reserved,
        string.Join("\n", _shapes.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"  {s.Key,-28} {s.Value}")),
        _vectorJacobians, _blocked, _stackTapes, _tangents, _curvatures, _tangentCalls, _floatConditioned);
}

/// <summary>The comparison of one compiled program's gradient with its two references.</summary>
public static class ProgramCheck
{
    // The spacing of doubles at 1 (2⁻⁵²).
    private const double DoubleUlp = 2.220446049250313e-16;

    private const double Huge = 1e6;

    public static void Run(CompiledProgram compiled, Tally tally)
    {
        var program = compiled.Program;
        var point = program.Point.ToArray();
        double value;
        try
        {
            value = compiled.Value(point);
        }
        catch (ArithmeticException)
        {
            // Math.Sign of a NaN throws: the point left the program's domain.
            tally.Discard();
            return;
        }

        if (!double.IsFinite(value) || Math.Abs(value) > Huge)
        {
            tally.Discard();
            return;
        }

        // A float point whose value the method's own double twin does not reproduce to 1e-3 is ill-conditioned there:
        // float rounding, amplified, decides the value, and a sum the gradient adds in another order (vectorized,
        // blocked) can land elsewhere. Seed f-gM2bInBuC2: x0 grown through twelve multiplicative steps (dF/dx0 of 10⁸
        // in double) into a Ceiling, 143 in the method and 144 in the gradient, 152 in double; the derivative test
        // never saw the 10⁸, the Ceiling's derivative being 0. No generated code runs here, so no bug of the
        // generator's can hide behind it.
        double floatError;
        try
        {
            floatError = program.IsFloat ? Math.Abs(compiled.Twin(point) - value) : 0;
        }
        catch (ArithmeticException)
        {
            // Math.Sign of a NaN in the double twin (seed e4sZKrhOrRj1, the last batch of a long run): out of its domain.
            tally.Discard();
            return;
        }

        if (!(floatError <= 1e-3 * Math.Max(1, Math.Abs(value))))
        {
            tally.Discard();
            return;
        }

        var gradient = new double[program.Inputs];
        var returned = compiled.Gradient(point, gradient);

        Trace.Reset();
        var tangents = Enumerable.Range(0, program.Inputs).Select(k => compiled.Tangent(point, k)).ToArray();
        var gap = Trace.NearestGap;
        if (Trace.HasOverflowed || tangents.Any(t => !double.IsFinite(t) || Math.Abs(t) > Huge))
        {
            tally.Discard();
            return;
        }

        // Vectorized and blocked sums (dot products, matrix products) add in another order: a few ulps apart, more in
        // float, where derivatives up to 10³ amplify an ulp of an intermediate to 10⁻⁴ of the value. So in float the
        // gradient's value may be as far from the method's as a few times the method's own float error (against its
        // double twin): seed 39RkSiHtvm62, derivatives near 900, the method 5.7e-5 from its twin, the gradient 2.3e-5.
        // In double the same amplification, bounded by the derivatives (the dual numbers', not the gradient under test):
        // an ulp of a sum moves the value by about its derivative times the ulp (seed 31mx5xRlI_i2, a long run: x0 fed
        // through exp and cos six times, ∂F/∂w₀ = −2.8e6, the blocked dot product's rounding 3.9e-10 from the scalar
        // loop's in a value of 89).
        var sensitivity = tangents.Zip(point, (g, x) => Math.Abs(g) * Math.Max(1, Math.Abs(x))).Sum();
        var valueTolerance = Math.Max(Math.Max((program.IsFloat ? 1e-5 : 1e-12) * Math.Max(1, Math.Abs(value)), 4 * floatError), 64 * DoubleUlp * sensitivity);
        Require(returned == value || Math.Abs(returned - value) <= valueTolerance, compiled, $"the gradient method returned {returned:R}, the method {value:R}");

        var tolerance = program.IsFloat ? 2e-3 : 1e-9;
        for (var k = 0; k < program.Inputs; k++)
        {
            Require(Close(gradient[k], tangents[k], tolerance), compiled, $"∂F/∂input{k}: generated {gradient[k]:R}, dual numbers {tangents[k]:R}");
        }

        // Finite differences of the double function (a float program's double twin), away from kinks and
        // branch points, and only where they converge: central differences at h and h/2 must agree before
        // their Richardson extrapolation is trusted (a wildly curved program defeats any fixed step).
        // A float program's exact derivative can differ from its double twin's by more than float tolerance where
        // the value does not (seed 7o-XKIsJWsg2 at ac994e6, a long run: ∂F/∂w₂ 6.8529 by float dual numbers and the
        // generated gradient, 6.7587 by double dual numbers, 6.7224 by differences), so the double twin's own dual
        // numbers stand between them: they must match the differences to double tolerance, and where they are not
        // within float tolerance of the float derivative that point says nothing about the generated gradient.
        var finiteTolerance = program.IsFloat ? 1e-2 : 1e-5;
        var withFiniteDifferences = gap > 1e-3;
        for (var k = 0; k < program.Inputs && withFiniteDifferences; k++)
        {
            var h = 1e-5 * Math.Max(1, Math.Abs(point[k]));
            var (coarse, fine) = (CentralDifference(compiled.Twin, point, k, h), CentralDifference(compiled.Twin, point, k, h / 2));
            if (!Close(coarse, fine, finiteTolerance / 10))
            {
                withFiniteDifferences = false;
                break;
            }

            var numeric = (4 * fine - coarse) / 3;
            if (program.IsFloat)
            {
                var exact = compiled.TwinTangent(point, k);
                if (!double.IsFinite(exact) || !Close(exact, numeric, 1e-5) || !Close(exact, tangents[k], finiteTolerance / 2))
                {
                    // The double derivative's differences do not converge to 1e-5, or float rounding moved the derivative.
                    tally.FloatConditioned();
                    withFiniteDifferences = false;
                    break;
                }
            }

            Require(Close(gradient[k], numeric, finiteTolerance), compiled, $"∂F/∂input{k}: generated {gradient[k]:R}, central difference {numeric:R} (nearest kink {gap:R})");
        }

        CheckVectorHelpers(compiled, point, tolerance, tally);
        CheckForwardMode(compiled, point, value, valueTolerance, gradient, tolerance, withFiniteDifferences, tally);
        tally.Pass(program, withFiniteDifferences, compiled.Gated, compiled.Reserved, compiled.Blocked, compiled.StackTape, compiled.GeneratedForms);
    }

    // Each vector-valued helper: its generated Jacobian equals the dual-number one, and its generated product
    // with the seed (1, −2, 0.5, 3) equals Jᵀ·seed. Skipped where the numbers leave the comparable range.
    private static void CheckVectorHelpers(CompiledProgram compiled, double[] point, double tolerance, Tally tally)
    {
        if (compiled.VectorHelpers is null)
        {
            return;
        }

        double[][] results;
        try
        {
            results = compiled.VectorHelpers(point);
        }
        catch (ArithmeticException)
        {
            return; // Math.Sign of a NaN throws: the point left a helper's domain
        }

        double[] seed = [1, -2, 0.5, 3];
        for (var h = 0; h + 3 < results.Length; h += 4)
        {
            var (jacobian, duals, product, jvp) = (results[h], results[h + 1], results[h + 2], results[h + 3]);
            if (jacobian.Concat(duals).Concat(product).Concat(jvp).Any(x => !double.IsFinite(x) || Math.Abs(x) > Huge))
            {
                continue;
            }

            var k = product.Length;
            for (var i = 0; i < jacobian.Length; i++)
            {
                Require(Close(jacobian[i], duals[i], tolerance), compiled, $"vector-valued helper {h / 4}: Jacobian[{i / k}, {i % k}] generated {jacobian[i]:R}, dual numbers {duals[i]:R}");
            }

            for (var j = 0; j < k; j++)
            {
                var expected = Enumerable.Range(0, 4).Sum(i => duals[i * k + j] * seed[i]);
                Require(Close(product[j], expected, tolerance * 10), compiled, $"vector-valued helper {h / 4}: (Jᵀ·seed)[{j}] generated {product[j]:R}, dual numbers {expected:R}");
            }

            // The tangent method's Jacobian-vector product along u = cos(1.7j + 0.3).
            for (var i = 0; i < 4; i++)
            {
                var expected = Enumerable.Range(0, k).Sum(j => duals[i * k + j] * Math.Cos(1.7 * j + 0.3));
                Require(Close(jvp[i], expected, tolerance * 10), compiled, $"vector-valued helper {h / 4}: (J·u)[{i}] generated {jvp[i]:R}, dual numbers {expected:R}");
            }

            tally.VectorJacobian();
        }
    }

    // Forward mode, where the generator wrote it: the tangent along a fixed direction u is ∇F·u (the same local derivatives,
    // summed forward); the Hessian-vector product returns the value and the gradient beside H·u, and H·u matches central
    // differences of the generated gradient along u (double programs away from kinks, where the differences converge).
    private static void CheckForwardMode(CompiledProgram compiled, double[] point, double value, double valueTolerance, double[] gradient, double tolerance, bool awayFromKinks, Tally tally)
    {
        if (compiled.ForwardTangent is null || compiled.ForwardHessianVector is null)
        {
            return;
        }

        var program = compiled.Program;
        var u = Enumerable.Range(0, program.Inputs).Select(k => Math.Cos(1.7 * k + 0.3)).ToArray();
        var tangent = compiled.ForwardTangent(point, u);
        var expected = gradient.Zip(u, (g, d) => g * d).Sum();
        var scale = gradient.Zip(u, (g, d) => Math.Abs(g * d)).Sum();
        Require(Math.Abs(tangent - expected) <= tolerance * Math.Max(1, scale), compiled, $"the tangent along u = cos(1.7k + 0.3): generated {tangent:R}, ∇F·u {expected:R}");

        var (g2, product) = (new double[program.Inputs], new double[program.Inputs]);
        var returned = compiled.ForwardHessianVector(point, u, g2, product);
        Require(returned == value || Math.Abs(returned - value) <= valueTolerance, compiled, $"the Hessian-vector product returned {returned:R}, the method {value:R}");
        for (var k = 0; k < program.Inputs; k++)
        {
            Require(Close(g2[k], gradient[k], tolerance), compiled, $"∂F/∂input{k} beside H·u: {g2[k]:R}, the gradient {gradient[k]:R}");
        }

        if (product.Any(h => !double.IsFinite(h) || Math.Abs(h) > Huge))
        {
            tally.Forward(againstFiniteDifferences: false, compiled.TangentCalls);
            return;
        }

        // Central differences of the gradient along u at h and h/2 must agree before their extrapolation is trusted.
        var checkedCurvature = awayFromKinks && !program.IsFloat;
        double[] GradientAt(double t)
        {
            var g = new double[program.Inputs];
            compiled.Gradient(point.Zip(u, (x, d) => x + t * d).ToArray(), g);
            return g;
        }

        var step = 1e-4 * Math.Max(1, point.Max(Math.Abs));
        double[] plus = [], minus = [], plusHalf = [], minusHalf = [];
        try
        {
            if (checkedCurvature)
            {
                (plus, minus, plusHalf, minusHalf) = (GradientAt(step), GradientAt(-step), GradientAt(step / 2), GradientAt(-step / 2));
            }
        }
        catch (ArithmeticException)
        {
            checkedCurvature = false;   // Math.Sign of a NaN a step away: the differences leave the domain
        }

        for (var k = 0; k < program.Inputs && checkedCurvature; k++)
        {
            var (coarse, fine) = ((plus[k] - minus[k]) / (2 * step), (plusHalf[k] - minusHalf[k]) / step);
            checkedCurvature = Close(coarse, fine, 1e-4);
            if (checkedCurvature)
            {
                var numeric = (4 * fine - coarse) / 3;
                Require(Close(product[k], numeric, 1e-5), compiled, $"(H·u)[{k}]: generated {product[k]:R}, central difference of the gradient {numeric:R}");
            }
        }

        tally.Forward(checkedCurvature, compiled.TangentCalls);
    }

    private static double CentralDifference(Func<double[], double> f, double[] point, int k, double h)
    {
        var (plus, minus) = ((double[])point.Clone(), (double[])point.Clone());
        plus[k] += h;
        minus[k] -= h;
        return (f(plus) - f(minus)) / (plus[k] - minus[k]);
    }

    private static bool Close(double actual, double expected, double tolerance) =>
        Math.Abs(actual - expected) <= tolerance * Math.Max(1, Math.Max(Math.Abs(actual), Math.Abs(expected)));

    private static void Require(bool condition, CompiledProgram compiled, string what)
    {
        if (!condition)
        {
            throw new Exception($"{what}\nat ({string.Join(", ", compiled.Program.Point.Select(p => p.ToString("R", CultureInfo.InvariantCulture)))})\n{compiled.Source}");
        }
    }
}

/// <summary>The comparison of one compiled program's graph adjoints with its gradient.</summary>
public static class GraphCheck
{
    /// <summary>Whether the program was compared (false: its point left the domain or its numbers are too large to compare).</summary>
    public static bool Run(CompiledProgram compiled)
    {
        var program = compiled.Program;
        if (program.WeightsInArray || program.WeightsInNullable)
        {
            return false; // a method reading an array of models has no graph method (nor, here, one reading a nested part)
        }

        var point = program.Point.ToArray();
        var gradient = new double[program.Inputs];
        double value;
        try
        {
            value = compiled.Gradient(point, gradient);
        }
        catch (ArithmeticException)
        {
            return false; // Math.Sign of a NaN throws: the point left the program's domain
        }

        if (!double.IsFinite(value) || Math.Abs(value) > 1e6 || gradient.Any(g => !double.IsFinite(g) || Math.Abs(g) > 1e6))
        {
            return false;
        }

        var tolerance = program.IsFloat ? 2e-3 : 1e-9;
        foreach (var (expand, unroll) in new[] { (0, 0), (2, 2) })
        {
            var drawn = compiled.GraphAdjoints!(point, expand, unroll);
            for (var k = 0; k < program.Inputs; k++)
            {
                if (Math.Abs(drawn[k] - gradient[k]) > tolerance * Math.Max(1, Math.Abs(gradient[k])))
                {
                    throw new Exception($"∂F/∂input{k}: the gradient {gradient[k]:R}, the graph (expand {expand}, unroll {unroll}) {drawn[k]:R}\nat ({string.Join(", ", point.Select(p => p.ToString("R", CultureInfo.InvariantCulture)))})\n{compiled.Source}");
                }
            }
        }

        return true;
    }
}
