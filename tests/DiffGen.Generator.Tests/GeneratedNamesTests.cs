using System;
using System.Linq;

namespace DiffGen.Generator.Tests;

/// <summary>
/// Every legal C# name gives valid, unique generated files and compiling code (issue 12: '@' in a
/// hint name and names equal ignoring case made the compiler drop every generated file, CS8785).
/// </summary>
public class GeneratedNamesTests
{
    [Fact]
    public void EscapedKeywordsAsNamespaceTypeMethodParameterLocalAndCounterNames()
    {
        var sources = GeneratorHarness.RunClean("""
            using DiffGen;
            namespace @namespace.Inner
            {
                public static partial class @event
                {
                    [Differentiable]
                    public static double @double(double @for, double @in)
                    {
                        double @var = @for * 2;
                        for (int @int = 0; @int < 3; @int++) @var += @in * @for;
                        double[] @params = new double[2];
                        @params[1] = @var;
                        return @params[1] * @var;
                    }

                    [Differentiable]
                    public static double Caller(double x) => @double(x * x, x * 3) + x;
                }
            }
            """);
        Assert.All(sources.Keys, name => Assert.DoesNotContain("@", name, StringComparison.Ordinal));
        Assert.Contains("namespace.Inner.event.double.g.cs", sources.Keys);
    }

    [Fact]
    public void NamesThatDifferOnlyInCaseGetDistinctFiles()
    {
        var sources = GeneratorHarness.RunClean("""
            using DiffGen;
            public static partial class Cases
            {
                [Differentiable] public static double F(double x) => x * x;
                [Differentiable] public static double f(double x) => x * x * x;
            }
            #pragma warning disable CS8981
            public static partial class cases
            {
                [Differentiable] public static double F(double x) => x + x;
            }
            """);
        Assert.Equal(3, sources.Count);
        Assert.Equal(3, sources.Keys.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Contains(sources.Values, s => s.Contains("static double fGradient", StringComparison.Ordinal));
    }

    [Fact]
    public void VariantInterfaceKeepsItsVariance()
    {
        var sources = GeneratorHarness.RunClean("""
            using DiffGen;
            public partial interface IV<out T, in U>
            {
                [Differentiable] public static double Sq(double x) => x * x;
            }
            """);
        Assert.Contains("partial interface IV<out T, in U>", Assert.Single(sources.Values), StringComparison.Ordinal);
    }

    [Fact]
    public void AFullGradientDoesNotCollideWithTheGradientOfAMethodNamedFull()
    {
        var sources = GeneratorHarness.RunClean("""
            using DiffGen;
            public static partial class H
            {
                [Differentiable] public static double F8(double a, [NoDerivative] double b) => a * b;
                [Differentiable] public static double F8Full(double a, double b) => a + b;
                [Differentiable] public static double T8(double x) => F8(x, x);
            }
            """);
        Assert.Contains(sources.Values, s => s.Contains("static double F8FullGradient_(", StringComparison.Ordinal));
        Assert.Contains(sources.Values, s => s.Contains("global::H.F8FullGradient_(", StringComparison.Ordinal));
    }
}
