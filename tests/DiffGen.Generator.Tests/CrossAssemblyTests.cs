using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DiffGen.Generator.Tests;

/// <summary>A [Differentiable] method calls one from a referenced assembly, through that assembly's generated gradient.</summary>
public class CrossAssemblyTests
{
    private const string Library = """
        using System;
        using DiffGen;

        namespace Lib;

        public static partial class Activations
        {
            [Differentiable]
            public static double Softplus(double z, [NoDerivative] double beta) => Math.Log(1 + Math.Exp(beta * z)) / beta;
        }
        """;

    private const string App = """
        using System;
        using DiffGen;

        public static partial class Model
        {
            [Differentiable]
            public static double Loss(double w, double b, [NoDerivative] double x) => Lib.Activations.Softplus(w * x + b, 2.0) * w;
        }
        """;

    [Fact]
    public void CallsIntoAReferencedAssemblyThroughItsGeneratedGradient()
    {
        var library = Build("Lib", GeneratorHarness.Compile(Library).WithAssemblyName("Lib"));
        var appCompilation = GeneratorHarness.Compile(App).WithAssemblyName("App").AddReferences(MetadataReference.CreateFromImage(library));
        var app = Build("App", appCompilation);

        var context = new AssemblyLoadContext("cross-assembly", isCollectible: true);
        try
        {
            context.LoadFromStream(new MemoryStream(library));
            var model = context.LoadFromStream(new MemoryStream(app)).GetType("Model")!;
            var gradient = model.GetMethod("LossGradient")!;
            var loss = model.GetMethod("Loss")!;

            double Value(double w, double b) => (double)loss.Invoke(null, new object[] { w, b, 0.7 })!;
            var arguments = new object[] { 1.3, -0.4, 0.7, 0.0, 0.0, 1.0 };
            var value = (double)gradient.Invoke(null, arguments)!;

            Assert.Equal(Value(1.3, -0.4), value);
            const double h = 1e-6;
            Assert.Equal((Value(1.3 + h, -0.4) - Value(1.3 - h, -0.4)) / (2 * h), (double)arguments[3], 1e-7);
            Assert.Equal((Value(1.3, -0.4 + h) - Value(1.3, -0.4 - h)) / (2 * h), (double)arguments[4], 1e-7);
        }
        finally
        {
            context.Unload();
        }
    }

    [Fact]
    public void ANestedCallOfTheLibrarysGeneratedTangent()
    {
        // The library's SoftplusTangent exists in the referenced assembly, bound as an ordinary call: still a tangent
        // call, whose pullback is the library's SoftplusHessianVector. d/dw of (∂softplus/∂z at z = w·x)², plus the value.
        const string slope = """
            using DiffGen;
            public static partial class Model
            {
                [Differentiable]
                public static double Loss(double w, [NoDerivative] double x)
                {
                    double value = Lib.Activations.SoftplusTangent(w * x, 2.0, 1.0, out double s);
                    return s * s + 0.1 * value;
                }
            }
            """;
        var library = Build("Lib", GeneratorHarness.Compile(Library).WithAssemblyName("Lib"));
        var app = Build("App", GeneratorHarness.Compile(slope).WithAssemblyName("App").AddReferences(MetadataReference.CreateFromImage(library)));
        var context = new AssemblyLoadContext("nested-cross-assembly", isCollectible: true);
        try
        {
            context.LoadFromStream(new MemoryStream(library));
            var model = context.LoadFromStream(new MemoryStream(app)).GetType("Model")!;
            double Value(double w) => (double)model.GetMethod("Loss")!.Invoke(null, new object[] { w, 0.8 })!;
            var arguments = new object[] { 0.6, 0.8, 0.0, 1.0 };
            Assert.Equal(Value(0.6), (double)model.GetMethod("LossGradient")!.Invoke(null, arguments)!);
            const double h = 1e-6;
            Assert.Equal((Value(0.6 + h) - Value(0.6 - h)) / (2 * h), (double)arguments[2], 1e-7);
        }
        finally
        {
            context.Unload();
        }
    }

    [Fact]
    public void AVariedBetaPullsBackThroughTheLibrarysFullGradient()
    {
        // beta is [NoDerivative] in the library, but this caller's beta depends on w: the library's
        // SoftplusFullGradient (generated because Softplus has a [NoDerivative] scalar) differentiates it too.
        const string learnedBeta = """
            using DiffGen;
            public static partial class Model
            {
                [Differentiable]
                public static double Loss(double w) => Lib.Activations.Softplus(w, 1.0 + w * w);
            }
            """;
        var library = Build("Lib", GeneratorHarness.Compile(Library).WithAssemblyName("Lib"), fullGradients: true);
        var app = Build("App", GeneratorHarness.Compile(learnedBeta).WithAssemblyName("App").AddReferences(MetadataReference.CreateFromImage(library)));
        var context = new AssemblyLoadContext("full-gradient", isCollectible: true);
        try
        {
            context.LoadFromStream(new MemoryStream(library));
            var model = context.LoadFromStream(new MemoryStream(app)).GetType("Model")!;
            double Value(double w) => (double)model.GetMethod("Loss")!.Invoke(null, new object[] { w })!;
            var arguments = new object[] { 0.6, 0.0, 1.0 };
            model.GetMethod("LossGradient")!.Invoke(null, arguments);
            const double h = 1e-6;
            Assert.Equal((Value(0.6 + h) - Value(0.6 - h)) / (2 * h), (double)arguments[1], 1e-7);
        }
        finally
        {
            context.Unload();
        }
    }

    [Fact]
    public void ALibraryWithoutAFullGradientIsADiagnosticNotASilentZero()
    {
        // A library built without DiffGen's full gradients (an older version, or written by hand) offers
        // no derivative for beta: the caller that passes a varied beta gets DG0014 at that argument.
        const string handWritten = """
            using System;
            using DiffGen;
            namespace Lib;
            public static class Activations
            {
                [Differentiable]
                public static double Softplus(double z, [NoDerivative] double beta) => Math.Log(1 + Math.Exp(beta * z)) / beta;

                public static double SoftplusGradient(double z, double beta, ref double dz, double seed = 1.0)
                {
                    dz += seed / (1 + Math.Exp(-beta * z));
                    return Softplus(z, beta);
                }
            }
            """;
        var library = GeneratorHarness.Compile(handWritten).WithAssemblyName("Lib");
        using var stream = new MemoryStream();
        Assert.True(library.Emit(stream).Success);
        const string caller = "using DiffGen;\npublic static partial class Model\n{\n    [Differentiable] public static double Loss(double w) => Lib.Activations.Softplus(w, w * w);\n}\n";
        var compilation = GeneratorHarness.Compile(caller).AddReferences(MetadataReference.CreateFromImage(stream.ToArray()));
        var result = GeneratorHarness.Driver().RunGenerators(compilation).GetRunResult().Results.Single();
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("DG0014", diagnostic.Id);
        Assert.Equal("w * w", caller.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
    }

    // fullGradients: the library sets <DiffGenFullGradients>true</DiffGenFullGradients>, as DiffGen's own runtime does.
    private static byte[] Build(string name, CSharpCompilation compilation, bool fullGradients = false)
    {
        var driver = fullGradients
            ? CSharpGeneratorDriver.Create(new[] { new DifferentiableGenerator().AsSourceGenerator() }, parseOptions: GeneratorHarness.ParseOptions, optionsProvider: new BuildProperties("DiffGenFullGradients", "true"))
            : GeneratorHarness.Driver();
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        Assert.Empty(diagnostics);
        using var stream = new MemoryStream();
        var emit = output.Emit(stream);
        Assert.True(emit.Success, name + ": " + string.Join(Environment.NewLine, emit.Diagnostics));
        Assert.Empty(emit.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        return stream.ToArray();
    }

    /// <summary>MSBuild properties as the compiler hands them to generators (build_property.Name).</summary>
    private sealed class BuildProperties(string name, string value) : AnalyzerConfigOptionsProvider
    {
        private readonly Options _global = new(new Dictionary<string, string> { ["build_property." + name] = value });

        public override AnalyzerConfigOptions GlobalOptions => _global;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Options.None;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Options.None;

        private sealed class Options(Dictionary<string, string> values) : AnalyzerConfigOptions
        {
            public static readonly Options None = new(new Dictionary<string, string>());

            public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
        }
    }
}
