using System;
using System.Linq;
using System.Text;
using Xunit.Abstractions;

namespace DiffGen.Generator.Tests;

/// <summary>
/// Generated size and generator time grow linearly with the method (issue 12: nested early returns
/// once copied everything after them into both arms, 995 characters of source gave 8.5 MB of C#).
/// Each shape is generated at size n and 4n: linear growth gives a ratio near 4, quadratic near 16
/// (time is the driver's own timing, best of five, with room for the noise of a shared machine).
/// </summary>
public class ScalingTests(ITestOutputHelper output)
{
    public static readonly TheoryData<string> Shapes = new() { "expression", "statements", "nested ifs", "early returns", "nested early returns", "returns in a switch", "loops with returns", "nested jumps in a loop", "jumps in sequence in a loop" };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void GeneratedSizeAndTimeGrowLinearly(string shape)
    {
        var small = Method(shape, 25);
        var source = Method(shape, 100);
        var (smallSize, largeSize) = (Size(small), Size(source));

        // Best of five runs each, small and large interleaved: a burst of other work on the machine (CI runs the test
        // assemblies side by side on two cores) then slows both sizes alike rather than only one.
        var (smallCompilation, largeCompilation) = (GeneratorHarness.Compile(small), GeneratorHarness.Compile(source));
        var (smallTime, largeTime) = (TimeSpan.MaxValue, TimeSpan.MaxValue);
        for (var run = 0; run < 5; run++)
        {
            smallTime = Min(smallTime, Time(smallCompilation));
            largeTime = Min(largeTime, Time(largeCompilation));
        }

        var sizeRatio = (double)largeSize / smallSize;
        output.WriteLine($"{shape}: {smallSize:N0} → {largeSize:N0} characters, {smallTime.TotalMilliseconds:F0} → {largeTime.TotalMilliseconds:F0} ms");
        var timeRatio = largeTime.TotalMilliseconds / Math.Max(1, smallTime.TotalMilliseconds);
        Assert.True(sizeRatio < 6, $"{shape}: {smallSize:N0} → {largeSize:N0} characters (×{sizeRatio:F1}) for ×4 the source");
        Assert.True(largeSize < 250 * source.Length, $"{shape}: {largeSize:N0} characters from {source.Length:N0}");
        Assert.True(timeRatio < 14, $"{shape}: {smallTime.TotalMilliseconds:F0} → {largeTime.TotalMilliseconds:F0} ms (×{timeRatio:F1}) for ×4 the source");
    }

    // The largest generated file's size: the gradient's, the tangent's or the Hessian's (all compile cleanly).
    private static int Size(string source) => GeneratorHarness.RunCleanWithForwardMode(source).Values.Max(s => s.Length);

    // One generator run, timed by the driver.
    private static TimeSpan Time(Microsoft.CodeAnalysis.Compilation compilation) =>
        GeneratorHarness.Driver().RunGenerators(compilation).GetTimingInfo().ElapsedTime;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static string Method(string shape, int n)
    {
        var body = new StringBuilder();
        switch (shape)
        {
            case "expression":
                body.Append("return ").Append(string.Join(" + ", Enumerable.Range(0, n * 20).Select(i => "x * " + (i % 5 + 1)))).Append(';');
                break;
            case "statements":
                body.Append("double s = x;\n");
                for (var i = 0; i < n; i++)
                {
                    body.Append("s = s * 0.5 + Math.Sin(s) * ").Append(i % 3 + 1).Append(";\n");
                }

                body.Append("return s;");
                break;
            case "nested ifs":
                body.Append("double s = x;\n");
                for (var i = 0; i < n; i++)
                {
                    body.Append("if (s > ").Append(-i).Append(") { s = s * 1.01;\n");
                }

                body.Append(new string('}', n)).Append("\nreturn s;");
                break;
            case "early returns":
                body.Append("double s = x;\n");
                for (var i = 0; i < n; i++)
                {
                    body.Append("if (s > ").Append(100 + i).Append(") return s * ").Append(i + 1).Append(";\ns = s * 1.5;\n");
                }

                body.Append("return s;");
                break;
            case "nested early returns":
                body.Append("double s = x;\n");
                for (var i = 0; i < n; i++)
                {
                    body.Append("if (s > ").Append(i).Append(") { if (s > 100) return s; s = s * 1.5;\n");
                }

                body.Append(new string('}', n)).Append("\nreturn s;");
                break;
            case "returns in a switch":
                body.Append("double s = x;\n");
                for (var i = 0; i < n; i++)
                {
                    body.Append("switch ((int)s % 3) { case 0: if (s > 100) return s; s = s * 1.5; break; case 1: s = s + 1; break; default: s = s * 0.9; break; }\n");
                }

                body.Append("return s;");
                break;
            case "nested jumps in a loop":
                body.Append("double s = x;\nfor (int k = 0; k < 3; k++)\n{\n");
                for (var i = 0; i < n; i++)
                {
                    body.Append("if (s > ").Append(i).Append(") { if (s > 100) continue; if (s < -100) break; if (s > 1e9) return s; s = s * 1.5;\n");
                }

                body.Append(new string('}', n)).Append("\ns = s * 0.5;\n}\nreturn s;");
                break;
            case "jumps in sequence in a loop":
                body.Append("double s = x;\nfor (int k = 0; k < 3; k++)\n{\n");
                for (var i = 0; i < n; i++)
                {
                    body.Append("if (s > ").Append(i).Append(") { if (s > 100) continue; s = s * 1.5; } else { s = s + 1; }\n");
                }

                body.Append("}\nreturn s;");
                break;
            case "loops with returns":
                body.Append("double s = x;\n");
                for (var i = 0; i < n; i++)
                {
                    body.Append("for (int k = 0; k < 2; k++) { if (s > 1e6) return s; s = s * 1.1; }\n");
                }

                body.Append("return s;");
                break;
        }

        return "using System;\nusing DiffGen;\npublic static partial class C\n{\n    [Differentiable]\n    public static double F(double x)\n    {\n"
            + body + "\n    }\n}\n";
    }
}
