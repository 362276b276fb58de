using System.Linq;

namespace DiffGen.Generator.Tests;

/// <summary>
/// Generated code for representative methods, compared with reviewed snapshots. Each run also
/// proves the generated code compiles without a warning under #nullable enable.
/// </summary>
public class SnapshotTests
{
    private static void VerifySingle(string source, [System.Runtime.CompilerServices.CallerMemberName] string test = "")
    {
        var sources = GeneratorHarness.RunClean(source);
        Assert.Single(sources);
        Snapshot.Verify(sources.Values.Single(), test: test);
    }

    private const string Usings = "using System;\nusing DiffGen;\n\n";

    // Forward mode's two files for one method: {Method}Tangent, and {Method}HessianVector with {Method}Hessian.
    private static void VerifyForwardMode(string source, [System.Runtime.CompilerServices.CallerMemberName] string test = "")
    {
        var sources = GeneratorHarness.RunCleanWithForwardMode(source);
        Snapshot.Verify(sources.Single(s => s.Key.EndsWith(".Tangent.g.cs", System.StringComparison.Ordinal)).Value, suffix: "Tangent", test: test);
        Snapshot.Verify(sources.Single(s => s.Key.EndsWith(".Hessian.g.cs", System.StringComparison.Ordinal)).Value, suffix: "Hessian", test: test);
    }

    // A vector-valued method's forward mode: its Jacobian-vector product (it has no Hessian-vector product).
    private static void VerifyTangent(string source, [System.Runtime.CompilerServices.CallerMemberName] string test = "")
    {
        var sources = GeneratorHarness.RunCleanWithForwardMode(source);
        Assert.DoesNotContain(sources.Keys, k => k.EndsWith(".Hessian.g.cs", System.StringComparison.Ordinal));
        Snapshot.Verify(sources.Single(s => s.Key.EndsWith(".Tangent.g.cs", System.StringComparison.Ordinal)).Value, suffix: "Tangent", test: test);
    }

    [Fact]
    public void SigmoidNeuronForwardMode() => VerifyForwardMode(Usings + """
        namespace Tutorials;

        public static partial class Neuron
        {
            [Differentiable]
            public static double Cost(double w1, double w2, double b,
                                      [NoDerivative] double x1, [NoDerivative] double x2, [NoDerivative] double y)
            {
                double z = w1 * x1 + w2 * x2 + b;
                double a = 1 / (1 + Math.Exp(-z));
                return 0.5 * (y - a) * (y - a);
            }
        }
        """);

    [Fact]
    public void LoopAndLocalArrayForwardMode() => VerifyForwardMode(Usings + """
        public static partial class Calc
        {
            [Differentiable]
            public static double Smooth(double[] w, double k, int n)
            {
                var s = new double[n];
                double total = 0;
                for (int i = 0; i < n; i++)
                {
                    s[i] = Math.Abs(w[i % w.Length]) * k;
                    total += s[i] / (1 + s[i]);
                }

                return total;
            }
        }
        """);

    [Fact]
    public void SigmoidNeuron() => VerifySingle(Usings + """
        namespace Tutorials;

        public static partial class Neuron
        {
            [Differentiable]
            public static double Cost(double w1, double w2, double b,
                                      [NoDerivative] double x1, [NoDerivative] double x2, [NoDerivative] double y)
            {
                double z = w1 * x1 + w2 * x2 + b;
                double a = 1 / (1 + Math.Exp(-z));
                return 0.5 * (y - a) * (y - a);
            }
        }
        """);

    /// <summary>A [CustomGradient] callee in a loop and one taking a local array: the reverse sweep calls the user's gradients.</summary>
    [Fact]
    public void CallsCustomGradients() => VerifySingle(Usings + """
        public static partial class Stable
        {
            [CustomGradient]
            public static double Softplus(double x) => Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x)));

            public static double SoftplusGradient(double x, ref double dx, double seed = 1.0)
            {
                dx += seed / (1 + Math.Exp(-x));
                return Softplus(x);
            }

            [CustomGradient]
            public static double LogSumExp(ReadOnlySpan<double> x)
            {
                double max = double.NegativeInfinity;
                foreach (var v in x) max = Math.Max(max, v);
                double sum = 0;
                foreach (var v in x) sum += Math.Exp(v - max);
                return max + Math.Log(sum);
            }

            public static double LogSumExpGradient(ReadOnlySpan<double> x, Span<double> dx, double seed = 1.0)
            {
                double value = LogSumExp(x);
                for (int i = 0; i < x.Length; i++) dx[i] += seed * Math.Exp(x[i] - value);
                return value;
            }

            [Differentiable]
            public static double Loss(double[] w, [NoDerivative] double[] x, int label)
            {
                var z = new double[w.Length];
                double penalty = 0;
                for (int i = 0; i < w.Length; i++)
                {
                    z[i] = w[i] * x[i];
                    penalty += Softplus(w[i]);
                }

                return LogSumExp(z) - z[label] + 0.01 * penalty;
            }
        }
        """);

    [Fact]
    public void ExpressionBodied() => VerifySingle(Usings + """
        public static partial class Shapes
        {
            [Differentiable]
            public static double Area(double r) => Math.PI * r * r;
        }
        """);

    [Fact]
    public void ReassignedLocals() => VerifySingle(Usings + """
        public static partial class Calc
        {
            [Differentiable]
            public static double Horner(double x, double a, double b, double c)
            {
                double r = a;
                r = r * x + b;
                r = r * x + c;
                return r;
            }
        }
        """);

    [Fact]
    public void CompoundAssignmentAndIncrement() => VerifySingle(Usings + """
        public static partial class Calc
        {
            [Differentiable]
            public static double Compound(double x, double y)
            {
                double s = x;
                s += y;
                s *= x;
                s -= 1;
                s /= y;
                s++;
                double t = (s = s * 2) / 2;
                return s + t;
            }
        }
        """);

    [Fact]
    public void IfElseMerge() => VerifySingle(Usings + """
        public static partial class Calc
        {
            [Differentiable]
            public static double Piecewise(double x, double y)
            {
                double r;
                if (x > y)
                {
                    r = x * x;
                }
                else
                {
                    r = Math.Sin(y);
                }

                return r * 3;
            }
        }
        """);

    [Fact]
    public void EarlyReturn() => VerifySingle(Usings + """
        public static partial class Calc
        {
            [Differentiable]
            public static double Huber(double r, [NoDerivative] double delta)
            {
                double a = Math.Abs(r);
                if (a <= delta)
                    return 0.5 * r * r;
                return delta * (a - 0.5 * delta);
            }
        }
        """);

    [Fact]
    public void TernaryAndLogicalOperators() => VerifySingle(Usings + """
        public static partial class Calc
        {
            [Differentiable]
            public static double Gate(double x, double y)
            {
                double m = x > 0 && y > 0 ? x * y : x + y;
                return !(x < -1 || y < -1) ? m : -m;
            }
        }
        """);

    [Fact]
    public void SwitchOnInteger() => VerifySingle(Usings + """
        public static partial class Calc
        {
            [Differentiable]
            public static double Activation(double z, int kind)
            {
                double a;
                switch (kind)
                {
                    case 0:
                        a = Math.Tanh(z);
                        break;
                    case 1:
                    case 2:
                        a = Math.Max(0, z);
                        break;
                    default:
                        a = z;
                        break;
                }

                return a * a;
            }
        }
        """);

    [Fact]
    public void FloatPrecision() => VerifySingle(Usings + """
        public static partial class Calc
        {
            [Differentiable]
            public static float Softplus(float x, float beta)
            {
                return MathF.Log(1f + MathF.Exp(beta * x)) / beta + 0.5f * x;
            }
        }
        """);

    [Fact]
    public void CastsBetweenPrecisions() => VerifySingle(Usings + """
        public static partial class Calc
        {
            [Differentiable]
            public static float Mixed(float x, int n)
            {
                double wide = x;
                wide = wide * wide + n;
                int truncated = (int)wide;
                return (float)(wide * 0.5) + truncated;
            }
        }
        """);

    [Fact]
    public void CallsAnotherDifferentiableMethod() => VerifyFile(Usings + """
        public static partial class Net
        {
            [Differentiable]
            public static double Loss(double w, double b, [NoDerivative] double x, [NoDerivative] double y)
            {
                double p = Sigmoid(w * x + b);
                return Square(y - p) + Square(2.0);
            }

            [Differentiable]
            public static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

            [Differentiable]
            public static double Square(double v) => v * v;
        }
        """, "Net.Loss");

    // Nested differentiation: a residual of the derivative of a model, through the model's generated tangent.
    [Fact]
    public void ThroughAGeneratedTangent() => VerifyFile(Usings + """
        public static partial class Pinn
        {
            [Differentiable]
            public static double U(double x, double a, double b) => a * Math.Tanh(b * x);

            [Differentiable]
            public static double Residual(double a, double b, [NoDerivative] double x)
            {
                UTangent(x, a, b, 1.0, 0.0, 0.0, out double dudx);
                double r = dudx - Math.Cos(x);
                return r * r;
            }
        }
        """, "Pinn.Residual");

    private static void VerifyFile(string source, string file, [System.Runtime.CompilerServices.CallerMemberName] string test = "")
    {
        var sources = GeneratorHarness.RunClean(source);
        var key = sources.Keys.Single(k => k.Contains(file, System.StringComparison.Ordinal));
        Snapshot.Verify(sources[key], test: test);
    }

    [Fact]
    public void Recursion() => VerifySingle(Usings + """
        public static partial class Calc
        {
            [Differentiable]
            public static double Power(double x, int n) => n == 0 ? 1.0 : x * Power(x, n - 1);
        }
        """);

    [Fact]
    public void ElementaryFunctions() => VerifySingle(Usings + """
        public static partial class Calc
        {
            [Differentiable]
            public static double Zoo(double x, double y)
            {
                double a = Math.Pow(x, y) + Math.Log(x, 2) + Math.Atan2(y, x) + double.Hypot(x, y);
                double b = Math.Clamp(a, -1, 1) + Math.Min(x, y) + Math.Sqrt(x) + Math.Floor(y) * x;
                return Math.FusedMultiplyAdd(a, b, Math.Cbrt(y));
            }
        }
        """);

    [Fact]
    public void NestedGenericPartialTypes() => VerifySingle(Usings + """
        namespace Outer.Space;

        public partial class Container<T>
        {
            internal partial struct Inner
            {
                [Differentiable]
                internal static double Scale(double x, double k) => k * x;
            }
        }
        """);

    [Fact]
    public void NameCollisions() => VerifySingle(Usings + """
        public static partial class Calc
        {
            [Differentiable]
            public static double Clash(double w, double dw, double seed, double u1)
            {
                return w * dw + seed * u1;
            }
        }
        """);

    [Fact]
    public void ArrayAndSpanParameters() => VerifySingle(Usings + """
        public static partial class Calc
        {
            [Differentiable]
            public static double FirstTwo(double[] w, ReadOnlySpan<double> v, [NoDerivative] double[] x)
            {
                return w[0] * x[0] + w[1] * v[w.Length - 1];
            }
        }
        """);

    [Fact]
    public void InactiveResult() => VerifySingle(Usings + """
        public static partial class Calc
        {
            [Differentiable]
            public static double Constant(double x, [NoDerivative] double c) => Math.Round(x) + c * 2;
        }
        """);

    [Fact]
    public void Overloads()
    {
        var sources = GeneratorHarness.RunClean(Usings + """
            public static partial class Calc
            {
                [Differentiable]
                public static double Square(double x) => x * x;

                [Differentiable]
                public static float Square(float x) => x * x;
            }
            """);
        Assert.Equal(new[] { "Calc.Square(double).g.cs", "Calc.Square(float).g.cs" }, sources.Keys.OrderBy(k => k, System.StringComparer.Ordinal));
        Snapshot.Verify(sources["Calc.Square(float).g.cs"]);
    }

    [Fact]
    public void TwoLayerReluMse() => VerifySingle(Usings + """
        public static partial class TwoLayerNet
        {
            [Differentiable]
            public static double Loss([NoDerivative] double[] x, [NoDerivative] double[] y,
                                      int n, int d, int h,
                                      double[] w1, double[] b1, double[] w2, double b2)
            {
                double total = 0;
                for (int i = 0; i < n; i++)
                {
                    double output = b2;
                    for (int j = 0; j < h; j++)
                    {
                        double z = b1[j];
                        for (int k = 0; k < d; k++)
                            z += x[i * d + k] * w1[j * d + k];
                        output += Math.Max(0, z) * w2[j];
                    }

                    double diff = y[i] - output;
                    total += diff * diff;
                }

                return total / n;
            }
        }
        """);

    // A least-squares sum over a series: a vector of residuals at a time, the scalars' adjoints gathered per lane.
    [Fact]
    public void VectorizedLineFit() => VerifySingle(Usings + """
        public static partial class Fits
        {
            [Differentiable]
            public static double LineFit(double a, double b, [NoDerivative] double[] t, [NoDerivative] double[] y)
            {
                double sum = 0;
                for (int j = 0; j < t.Length; j++)
                {
                    double r = y[j] - (a * t[j] + b);
                    sum += r * r;
                }

                return sum / t.Length;
            }
        }
        """);

    [Fact]
    public void WhileLoopWithBreakAndLocalArray() => VerifySingle(Usings + """
        public static partial class Calc
        {
            [Differentiable]
            public static double Iterate(double x, double[] w)
            {
                double[] h = new double[2];
                double r = x;
                int i = 0;
                while (i < w.Length)
                {
                    r = Math.Tanh(r * w[i]);
                    h[i % 2] += r;
                    if (r < -0.5)
                        break;
                    i++;
                }

                return h[0] * h[1] + r;
            }
        }
        """);
    [Fact]
    public void HelpersInlinedAndAnArrayPerIteration() => VerifySingle(Usings + """
        public static partial class Net
        {
            static double[] Scale(double[] v, double by)
            {
                var result = new double[v.Length];
                for (int i = 0; i < v.Length; i++) result[i] = v[i] * by;
                return result;
            }

            static (double low, double high) Range(double a, double b) => (Math.Min(a, b), Math.Max(a, b));

            [Differentiable]
            public static double Loss(double[] w, int steps)
            {
                double total = 0;
                for (int t = 0; t < steps; t++)
                {
                    var h = Scale(w, t + 1);
                    var (low, high) = Range(h[0], h[1]);
                    total += high - low;
                }

                return total;
            }
        }
        """);
    [Fact]
    public void LinqAndSlices() => VerifySingle(Usings + """
        using System.Linq;

        public static partial class Stats
        {
            [Differentiable]
            public static double Loss(double[] w, [NoDerivative] double[] xs, int d)
            {
                double total = 0;
                for (int i = 0; i < xs.Length / d; i++)
                {
                    var row = xs.AsSpan(i * d, d);
                    double z = 0;
                    for (int k = 0; k < d; k++) z += row[k] * w[k];
                    total += z * z;
                }

                return total + w.Where(v => v > 0).Sum(v => v * v) + w.Max();
            }
        }
        """);

    [Fact]
    public void SwappedBuffersAndAMatrix() => VerifySingle(Usings + """
        public static partial class Heat
        {
            [Differentiable]
            public static double Energy(double[] initial, double r, int steps)
            {
                var u = (double[])initial.Clone();
                var next = new double[u.Length];
                for (int s = 0; s < steps; s++)
                {
                    for (int i = 1; i < u.Length - 1; i++) next[i] = u[i] + r * (u[i - 1] - 2 * u[i] + u[i + 1]);
                    (u, next) = (next, u);
                }

                var m = new double[2, 2];
                m[0, 1] = u[0];
                m[1, 0] = u[1];
                return m[0, 1] * m[1, 0] + m.GetLength(1);
            }
        }
        """);
    [Fact]
    public void WeightMatrixAndJaggedData() => VerifySingle(Usings + """
        public static partial class Layer
        {
            [Differentiable]
            public static double Loss(double[,] w, [NoDerivative] double[][] rows)
            {
                double loss = 0;
                foreach (var row in rows)
                {
                    double z = 0;
                    for (int j = 0; j < w.GetLength(1); j++) z += w[0, j] * row[j];
                    loss += z * z;
                }

                return loss;
            }
        }
        """);

    [Fact]
    public void ModelClassWithAnInstanceLoss() => VerifyFile(Usings + Classifier, "Classifier.Loss");

    // A model class with an instance loss: a nested model, a settable property, a computed property, a [NoDerivative] field.
    private const string Classifier = """
        public sealed class Layer
        {
            [NoDerivative] public int Inputs;
            public double[] W = new double[4];
            public double Bias { get; set; }
            public double LogTemperature;

            public double Temperature => Math.Exp(LogTemperature);

            public double Score(double[] x)
            {
                double z = Bias;
                for (int k = 0; k < Inputs; k++) z += W[k] * x[k];
                return z / Temperature;
            }
        }

        public sealed partial class Classifier
        {
            public Layer Head = new Layer();

            [Differentiable]
            public double Loss([NoDerivative] double[] x, [NoDerivative] double label)
            {
                double p = 1 / (1 + Math.Exp(-Head.Score(x)));
                return -(label * Math.Log(p) + (1 - label) * Math.Log(1 - p));
            }
        }
        """;

    // A model's forward mode: a tangent model shaped like the instance, and the direction, gradient and H·v models.
    [Fact]
    public void ModelClassWithAnInstanceLossForwardMode() => VerifyForwardMode(Usings + Classifier);

    // A readonly record struct parameter beside a plain one: its gradient and H·v models are refs, added to by `with`.
    [Fact]
    public void ReadonlyRecordStructParameterForwardMode() => VerifyForwardMode(Usings + """
        public readonly record struct Decay(double Amplitude, double Rate);

        public static partial class Fit
        {
            [Differentiable]
            public static double Error(Decay d, double offset, [NoDerivative] double[] t, [NoDerivative] double[] y)
            {
                double error = 0;
                for (int i = 0; i < t.Length; i++)
                {
                    double r = d.Amplitude * Math.Exp(-d.Rate * t[i]) + offset - y[i];
                    error += r * r;
                }

                return error;
            }
        }
        """);

    [Fact]
    public void ReadonlyRecordStructParameter() => VerifyFile(Usings + """
        public readonly record struct Decay(double Amplitude, double Rate);

        public static partial class Fit
        {
            [Differentiable]
            public static double Error(Decay d, [NoDerivative] double[] t, [NoDerivative] double[] y)
            {
                double error = 0;
                for (int i = 0; i < t.Length; i++)
                {
                    double r = d.Amplitude * Math.Exp(-d.Rate * t[i]) - y[i];
                    error += r * r;
                }

                return error;
            }
        }
        """, "Fit.Error");

    [Fact]
    public void ModelLayoutRegistration() => VerifyFile(Usings + """
        public sealed class Dense
        {
            public double[] W = new double[4];
            public double[] B { get; } = new double[2];
        }

        public struct Affine
        {
            public double Scale;
            public double Shift;
        }

        public sealed partial class Net
        {
            public Dense[] Blocks = { new Dense() };
            public Dense Head = new Dense();
            public Affine Output;
            public double Temperature { get; set; }
            public double Prior { get; init; }
            [NoDerivative] public double Momentum;
            private double[] _cache = new double[3];
            public int Epochs;

            [Differentiable]
            public double Loss(double x) => Output.Scale * Head.W[0] * x / Temperature + _cache.Length;
        }
        """, "Net.double.Layout");

    // A void method writing its residuals (Ceres' curve_fitting example): the vector-Jacobian product and the Jacobian.
    [Fact]
    public void VectorOutputsCurveFit() => VerifySingle(Usings + """
        public static partial class CurveFit
        {
            [Differentiable]
            public static void Residuals(double m, double c, [NoDerivative] double[] x, [NoDerivative] double[] y, Span<double> r)
            {
                for (int i = 0; i < x.Length; i++)
                    r[i] = y[i] - Math.Exp(m * x[i] + c);
            }
        }
        """);

    [Fact]
    public void VectorOutputsCurveFitForwardMode() => VerifyTangent(Usings + """
        public static partial class CurveFit
        {
            [Differentiable]
            public static void Residuals(double m, double c, [NoDerivative] double[] x, [NoDerivative] double[] y, Span<double> r)
            {
                for (int i = 0; i < x.Length; i++)
                    r[i] = y[i] - Math.Exp(m * x[i] + c);
            }
        }
        """);

    // A method returning a new array (softmax): the product takes the returned array's adjoint as seed.
    [Fact]
    public void VectorReturnedSoftmax() => VerifySingle(Usings + """
        public static partial class Activations
        {
            [Differentiable]
            public static double[] Softmax(double[] z)
            {
                double max = z[0];
                for (int i = 1; i < z.Length; i++) max = Math.Max(max, z[i]);
                var p = new double[z.Length];
                double sum = 0;
                for (int i = 0; i < z.Length; i++)
                {
                    p[i] = Math.Exp(z[i] - max);
                    sum += p[i];
                }

                for (int i = 0; i < z.Length; i++) p[i] /= sum;
                return p;
            }
        }
        """);
}
