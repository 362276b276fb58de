extern alias Generator;

using System;
using System.IO;
using System.Linq;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DiffGen.Benchmarks;

/// <summary>
/// Build-time cost: the generator run from scratch over a project of 100 [Differentiable] methods
/// (straight-line, branches, loops, local arrays, calls). Divide by 100 for the cost per method.
/// </summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    private CSharpCompilation _compilation = null!;

    [GlobalSetup]
    public void Setup()
    {
        var source = new StringBuilder("using System;\nusing DiffGen;\n\npublic static partial class Model\n{\n");
        for (var i = 0; i < 25; i++)
        {
            source.Append($$"""
                    [Differentiable]
                    public static double Neuron{{i}}(double w1, double w2, double b, [NoDerivative] double x1, [NoDerivative] double x2)
                    {
                        double z = w1 * x1 + w2 * x2 + b;
                        double a = 1 / (1 + Math.Exp(-z));
                        return 0.5 * (1 - a) * (1 - a) + Math.Log(1 + a);
                    }

                    [Differentiable]
                    public static double Huber{{i}}(double r, [NoDerivative] double delta) =>
                        Math.Abs(r) <= delta ? 0.5 * r * r : delta * (Math.Abs(r) - 0.5 * delta);

                    [Differentiable]
                    public static double Net{{i}}([NoDerivative] double[] x, [NoDerivative] double[] y, int n, int d, int h,
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

                    [Differentiable]
                    public static double Iterate{{i}}(double x, double[] w)
                    {
                        double[] h = new double[2];
                        double r = x;
                        int i = 0;
                        while (i < w.Length)
                        {
                            r = Math.Tanh(r * w[i]) + Neuron{{i}}(r, x, 0.5, 1.0, -1.0);
                            h[i % 2] += r;
                            if (r < -0.5)
                                break;
                            i++;
                        }

                        return h[0] * h[1] + r;
                    }

                """);
        }

        source.Append("}\n");
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System", StringComparison.Ordinal))
            .Append(typeof(DifferentiableAttribute).Assembly.Location)
            .Select(p => MetadataReference.CreateFromFile(p));
        _compilation = CSharpCompilation.Create(
            "Generated100",
            new[] { CSharpSyntaxTree.ParseText(source.ToString(), new CSharpParseOptions(LanguageVersion.CSharp12)) },
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

        var check = Run().GetRunResult();
        if (check.GeneratedTrees.Length != 100 || check.Diagnostics.Length != 0)
        {
            throw new InvalidOperationException($"expected 100 gradients, got {check.GeneratedTrees.Length} and {check.Diagnostics.Length} diagnostics");
        }
    }

    [Benchmark(Description = "generator over 100 [Differentiable] methods")]
    public GeneratorDriver Run() =>
        CSharpGeneratorDriver.Create(new Generator::DiffGen.Generator.DifferentiableGenerator()).RunGenerators(_compilation);
}
