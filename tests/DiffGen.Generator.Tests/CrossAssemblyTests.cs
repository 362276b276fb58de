using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

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

    private static byte[] Build(string name, CSharpCompilation compilation)
    {
        GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        Assert.Empty(diagnostics);
        using var stream = new MemoryStream();
        var emit = output.Emit(stream);
        Assert.True(emit.Success, name + ": " + string.Join(Environment.NewLine, emit.Diagnostics));
        Assert.Empty(emit.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        return stream.ToArray();
    }
}
