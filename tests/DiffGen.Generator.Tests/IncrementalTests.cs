using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DiffGen.Generator.Tests;

/// <summary>The pipeline caches: unrelated edits re-run nothing, a callee's new signature regenerates its caller.</summary>
public class IncrementalTests
{
    private const string Caller = """
        using System;
        using DiffGen;

        public static partial class Model
        {
            [Differentiable]
            public static double Loss(double w, [NoDerivative] double x) => Activations.Sigmoid(w * x) * 2;
        }
        """;

    private const string Callee = """
        using System;
        using DiffGen;

        public static partial class Activations
        {
            [Differentiable]
            public static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));
        }
        """;

    private static readonly string[] Steps =
    {
        DifferentiableGenerator.Steps.Parse, DifferentiableGenerator.Steps.Differentiate, DifferentiableGenerator.Steps.Diagnostics,
        DifferentiableGenerator.Steps.Tangent, DifferentiableGenerator.Steps.Hessian,
    };

    [Fact]
    public void SecondRunOnAClonedCompilationIsCached()
    {
        var compilation = GeneratorHarness.Compile(Caller, Callee);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        driver = driver.RunGenerators(compilation.Clone());
        AssertAllCached(driver.GetRunResult().Results.Single());
    }

    [Fact]
    public void UnrelatedEditIsCached()
    {
        var compilation = GeneratorHarness.Compile(Caller, Callee);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("public static class Unrelated { public static int Answer() => 42; }", GeneratorHarness.ParseOptions));
        driver = driver.RunGenerators(edited);
        AssertAllCached(driver.GetRunResult().Results.Single());
    }

    [Fact]
    public void AddingAnOrdinaryMethodAfterTheDifferentiableOneInTheSameFileIsCached()
    {
        var compilation = GeneratorHarness.Compile(Caller, Callee);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var callerTree = compilation.SyntaxTrees.Single(t => t.ToString().Contains("class Model", StringComparison.Ordinal));
        var edited = Caller.Replace("* 2;\n}", "* 2;\n\n    public static string Describe() => \"a model\"; // typed after the loss\n}", StringComparison.Ordinal);
        Assert.NotEqual(Caller, edited);
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(callerTree, callerTree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(edited))));
        AssertAllCached(driver.GetRunResult().Results.Single());
    }

    // Calls without a derivative (Math.Floor, double.IsNaN inside LINQ's Max) are where DG0009 would point; where
    // they are must not be part of what the gradient is made from, or every keystroke above re-differentiates them.
    private const string Pricing = """
        using System;
        using System.Linq;
        using DiffGen;

        public static partial class Pricing
        {
            [Differentiable]
            public static double Payoff(double spot, double[] strikes)
            {
                double steps = Math.Floor(spot * 4) / 4;
                return strikes.Max() * spot + steps;
            }
        }
        """;

    [Fact]
    public void TypingAMethodAboveADifferentiableOneLeavesItsGradientCached()
    {
        var compilation = GeneratorHarness.Compile(Pricing);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var before = GeneratorHarness.Sources(driver.GetRunResult().Results.Single());
        var tree = compilation.SyntaxTrees.Single();
        var edited = Pricing.Replace("    [Differentiable]", "    public static string Describe() => \"a payoff\"; // typed above it\n\n    [Differentiable]", StringComparison.Ordinal);
        Assert.NotEqual(Pricing, edited);
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(edited))));
        var result = driver.GetRunResult().Results.Single();

        Assert.Equal(before, GeneratorHarness.Sources(result));

        // Cached, not Unchanged: Unchanged would mean it ran again (its input differed) and happened to give the same file.
        // Forward mode's steps too: the tangent and the Hessian-vector product are built from the same cached spec.
        foreach (var step in new[] { DifferentiableGenerator.Steps.Differentiate, DifferentiableGenerator.Steps.Tangent, DifferentiableGenerator.Steps.Hessian })
        {
            var outputs = result.TrackedSteps[step].SelectMany(s => s.Outputs).ToList();
            Assert.NotEmpty(outputs);
            Assert.All(outputs, o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
        }
    }

    [Fact]
    public void ACallWithoutDerivativeIsStillReportedWhereItIsAfterTypingAboveIt()
    {
        var source = """
            using System;
            using DiffGen;

            public static partial class Opaque
            {
                [Differentiable]
                public static double F(double x) => Math.Log10(x) + Math.IEEERemainder(x, 3.0);
            }
            """;
        var compilation = GeneratorHarness.Compile(source);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var tree = compilation.SyntaxTrees.Single();
        var edited = source.Replace("    [Differentiable]", "    public static int Unrelated() => 1;\n\n    [Differentiable]", StringComparison.Ordinal);
        var editedTree = tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(edited));
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(tree, editedTree));

        var diagnostic = Assert.Single(driver.GetRunResult().Results.Single().Diagnostics, d => d.Id == "DG0009");
        var span = diagnostic.Location.SourceSpan;
        Assert.Equal("Math.IEEERemainder(x, 3.0)", edited.Substring(span.Start, span.Length));
        Assert.Equal(edited.Split('\n').ToList().FindIndex(l => l.Contains("IEEERemainder", StringComparison.Ordinal)), diagnostic.Location.GetLineSpan().StartLinePosition.Line);
    }

    [Fact]
    public void EditingACalleeInAnotherFileRegeneratesItsCaller()
    {
        var compilation = GeneratorHarness.Compile(Caller, Callee);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var before = GeneratorHarness.Sources(driver.GetRunResult().Results.Single());

        // The callee's parameter becomes [NoDerivative]: the caller's argument still depends on its
        // parameters, so it now pulls back through the callee's full gradient (it once silently dropped it).
        var calleeTree = compilation.SyntaxTrees.Single(t => t.ToString().Contains("class Activations", StringComparison.Ordinal));
        var editedTree = calleeTree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(
            Callee.Replace("Sigmoid(double z)", "Sigmoid([NoDerivative] double z)", StringComparison.Ordinal)));
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(calleeTree, editedTree));
        var result = driver.GetRunResult().Results.Single();
        var after = GeneratorHarness.Sources(result);

        Assert.Contains("global::Activations.SigmoidGradient(", before["Model.Loss.g.cs"], StringComparison.Ordinal);
        Assert.Contains("SigmoidFullGradient(", after["Model.Loss.g.cs"], StringComparison.Ordinal);
        Assert.Contains(after.Keys, name => name.EndsWith("Sigmoid.Full.g.cs", StringComparison.Ordinal));
        Assert.Empty(result.Diagnostics);
        Assert.Contains(result.TrackedSteps[DifferentiableGenerator.Steps.Parse].SelectMany(s => s.Outputs),
            o => o.Reason == IncrementalStepRunReason.Modified);
    }

    [Fact]
    public void EditingACalleeBodyLeavesTheCallerUnchanged()
    {
        var compilation = GeneratorHarness.Compile(Caller, Callee);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var calleeTree = compilation.SyntaxTrees.Single(t => t.ToString().Contains("class Activations", StringComparison.Ordinal));
        var editedTree = calleeTree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(
            Callee.Replace("1 / (1 + Math.Exp(-z))", "0.5 * Math.Tanh(0.5 * z) + 0.5", StringComparison.Ordinal)));
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(calleeTree, editedTree));
        var result = driver.GetRunResult().Results.Single();

        var outputs = result.TrackedSteps[DifferentiableGenerator.Steps.Differentiate].SelectMany(s => s.Outputs).ToList();
        Assert.Equal(1, outputs.Count(o => o.Reason == IncrementalStepRunReason.Modified)); // the callee's own gradient
        Assert.Equal(1, outputs.Count(o => o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged)); // the caller's
    }

    [Fact]
    public void NoRoslynObjectIsReachableFromAnyStepOutput()
    {
        var compilation = GeneratorHarness.Compile(Caller, Callee);
        var result = GeneratorHarness.Driver().RunGenerators(compilation).GetRunResult().Results.Single();
        foreach (var step in Steps)
        {
            foreach (var output in result.TrackedSteps[step].SelectMany(s => s.Outputs))
            {
                AssertNoRoslynObjects(output.Value, new HashSet<object>(ReferenceEqualityComparer.Instance), step);
            }
        }
    }

    private const string Models = """
        using System;
        using DiffGen;

        public sealed class Layer
        {
            public double[] W = new double[2];
            public double Scale { get; set; } = 1;
        }

        public sealed partial class Net
        {
            public Layer[] Layers = { new Layer() };
            private double _bias;

            public double Bias => _bias;

            [Differentiable]
            public double Loss(double x)
            {
                double s = Bias;
                foreach (var layer in Layers) s += layer.Scale * (layer.W[0] * x + layer.W[1]);
                return s * s;
            }
        }
        """;

    /// <summary>Models as types: their specs and registrations hold no Roslyn object, and unrelated edits re-run nothing.</summary>
    [Fact]
    public void ModelsAreCachedAndHoldNoRoslynObjects()
    {
        var compilation = GeneratorHarness.Compile(Models);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var first = driver.GetRunResult().Results.Single();
        Assert.True(first.GeneratedSources.Any(s => s.HintName.Contains("Net.Loss", StringComparison.Ordinal)),
            string.Join(", ", first.GeneratedSources.Select(s => s.HintName)) + " | " + string.Join(", ", first.Diagnostics.Select(d => d.ToString())));
        // Forward mode does not take models (yet): its steps have nothing to do here.
        var ran = Steps.Where(first.TrackedSteps.ContainsKey).ToArray();
        Assert.DoesNotContain(DifferentiableGenerator.Steps.Parse, Steps.Except(ran));
        foreach (var step in ran)
        {
            foreach (var output in first.TrackedSteps[step].SelectMany(s => s.Outputs))
            {
                AssertNoRoslynObjects(output.Value, new HashSet<object>(ReferenceEqualityComparer.Instance), step);
            }
        }

        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("public static class Unrelated { public static int Answer() => 42; }", GeneratorHarness.ParseOptions));
        driver = driver.RunGenerators(edited);
        AssertAllCached(driver.GetRunResult().Results.Single(), ran);
    }

    private static void AssertAllCached(GeneratorRunResult result, IEnumerable<string>? steps = null)
    {
        foreach (var step in steps ?? Steps)
        {
            Assert.True(result.TrackedSteps.ContainsKey(step), "step " + step + " did not run");
            foreach (var output in result.TrackedSteps[step].SelectMany(s => s.Outputs))
            {
                Assert.True(
                    output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                    step + " was " + output.Reason);
            }
        }
    }

    private static void AssertNoRoslynObjects(object? value, HashSet<object> seen, string path)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value))
        {
            return;
        }

        Assert.False(value is ISymbol or SyntaxNode or Compilation or SemanticModel or Location or SyntaxTree,
            "a " + value.GetType().Name + " is reachable at " + path);
        if (value.GetType() is { IsGenericType: true } generic && generic.GetGenericTypeDefinition() == typeof(System.Collections.Immutable.ImmutableArray<>)
            && generic.GetProperty("IsDefault")!.GetValue(value) is true)
        {
            return; // an EquatableArray left default (an optional list): empty
        }

        if (value is IEnumerable sequence)
        {
            var i = 0;
            foreach (var item in sequence)
            {
                AssertNoRoslynObjects(item, seen, path + "[" + i++ + "]");
            }
        }

        for (var type = value.GetType(); type is not null && type != typeof(object); type = type.BaseType)
        {
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                AssertNoRoslynObjects(field.GetValue(value), seen, path + "." + field.Name);
            }
        }
    }
}
