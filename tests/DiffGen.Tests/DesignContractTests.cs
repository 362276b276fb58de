namespace DiffGen.Tests;

/// <summary>design.md §3's snippet, verbatim: code outside this repository compiles against exactly this API.</summary>
public class DesignContractTests
{
    [Fact]
    public void TheRuntimeSnippetOfTheDesignCompilesAndRuns()
    {
        const int h = 3, d = 2;
        var ps = new ParameterSet<double>();
        Parameter<double> w1 = ps.Add("w1", h * d);     // Values and Gradients: T[] of that length, zeroed
        Init.HeNormal(w1.Values, fanIn: d, seed: 42);   // also GlorotUniform, GlorotNormal, HeUniform, Normal, Uniform
        ps.ZeroGradients();
        var opt = new Adam<double>(ps, learningRate: 1e-3);
        double norm = Clip.GradientsByNorm(ps, maxNorm: 1.0);   // returns the norm before clipping
        opt.Step();

        Assert.Equal(0.0, norm);
        Assert.Contains(w1.Values, v => v != 0);
        Init.GlorotUniform(w1.Values, fanIn: d, fanOut: h, seed: 1);
        Init.GlorotNormal(w1.Values, fanIn: d, fanOut: h, seed: 1);
        Init.HeUniform(w1.Values, fanIn: d, seed: 1);
        Init.Normal(w1.Values, mean: 0, std: 1, seed: 1);
        Init.Uniform(w1.Values, low: -1, high: 1, seed: 1);
        Init.Zeros(w1.Values);
        Assert.All(w1.Values, v => Assert.Equal(0.0, v));
    }
}
