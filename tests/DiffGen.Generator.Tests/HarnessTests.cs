using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit.Sdk;

namespace DiffGen.Generator.Tests;

/// <summary>The test harness's own guarantees: an assertion that cannot fail is a defect.</summary>
public class HarnessTests
{
    /// <summary>A generator that throws, as a buggy one would: the compiler turns it into CS8785.</summary>
    private sealed class ThrowingGenerator : IIncrementalGenerator
    {
        public void Initialize(IncrementalGeneratorInitializationContext context) =>
            context.RegisterSourceOutput(context.CompilationProvider, static (_, _) => throw new InvalidOperationException("boom"));
    }

    [Fact]
    public void AThrowingGeneratorFailsTheCrashAssertion()
    {
        var compilation = GeneratorHarness.Compile("public static class C { }");
        CSharpGeneratorDriver.Create(new ThrowingGenerator()).RunGeneratorsAndUpdateCompilation(compilation, out _, out var diagnostics);
        Assert.Contains(diagnostics, d => d.Id == "CS8785");
        Assert.Throws<TrueException>(() => GeneratorHarness.AssertGeneratorDidNotThrow(diagnostics));
    }

    [Fact]
    public void DiffGenDoesNotFailTheCrashAssertion()
    {
        var compilation = GeneratorHarness.Compile("using DiffGen; public static partial class C { [Differentiable] public static double F(double x) => x * x; }");
        GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out _, out var diagnostics);
        GeneratorHarness.AssertGeneratorDidNotThrow(diagnostics);
    }
}
