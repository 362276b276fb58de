using System;
using System.Collections.Generic;
using System.Linq;
using DiffGen.Tests.Programs.Models;

namespace DiffGen.Tests;

/// <summary>
/// Models as types (issue 14): parameters of class, struct and record-struct types, instance methods,
/// nested models, computed properties and instance helpers of a model. Each gradient lands in a
/// same-shaped gradient model and is compared with central finite differences over every member.
/// </summary>
public class ModelTests
{
    static void Fill(double[] values, Random random, double scale)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = scale * (2 * random.NextDouble() - 1);
        }
    }

    static double[][] ArraysOf(Mlp m) => new[] { m.Hidden1.W, m.Hidden1.B, m.Hidden2.W, m.Hidden2.B, m.Output.W, m.Output.B };

    [Fact]
    public void ThreeLayerNetworkAsAClass()
    {
        var random = new Random(7);
        var model = new Mlp(3, 5, 4, 2);
        foreach (var array in ArraysOf(model))
        {
            Fill(array, random, 0.8);
        }

        const int count = 6;
        var x = new double[count * 3];
        var y = new double[count * 2];
        Fill(x, random, 1);
        Fill(y, random, 1);

        var gradient = new Mlp(3, 5, 4, 2);
        double value = model.LossGradient(x, y, count, gradient);
        Assert.Equal(model.Loss(x, y, count), value, 12);

        // Every weight and bias of every layer, against central differences.
        var arrays = ArraysOf(model);
        var gradients = ArraysOf(gradient);
        int checkedCount = 0, nonzero = 0;
        for (int a = 0; a < arrays.Length; a++)
        {
            for (int i = 0; i < arrays[a].Length; i++)
            {
                double saved = arrays[a][i], h = 1e-6;
                arrays[a][i] = saved + h;
                double up = model.Loss(x, y, count);
                arrays[a][i] = saved - h;
                double down = model.Loss(x, y, count);
                arrays[a][i] = saved;
                double expected = (up - down) / (2 * h);
                Assert.True(Math.Abs(gradients[a][i] - expected) <= 1e-6 * Math.Max(1, Math.Abs(expected)), $"array {a} [{i}]: {gradients[a][i]} vs {expected}");
                checkedCount++;
                nonzero += gradients[a][i] != 0 ? 1 : 0;
            }
        }

        Assert.Equal(3 * 5 + 5 + 5 * 4 + 4 + 4 * 2 + 2, checkedCount);
        Assert.True(nonzero > checkedCount / 2, "most weights should matter at this point");
    }

    [Fact]
    public void GradientsAccumulateAndSeedScales()
    {
        var random = new Random(3);
        var model = new Mlp(2, 3, 3, 1);
        foreach (var array in ArraysOf(model))
        {
            Fill(array, random, 1);
        }

        var x = new double[] { 0.3, -0.7, 1.1, 0.4 };
        var y = new double[] { 0.2, -0.1 };
        var once = new Mlp(2, 3, 3, 1);
        model.LossGradient(x, y, 2, once);
        var twice = new Mlp(2, 3, 3, 1);
        model.LossGradient(x, y, 2, twice, 0.5);
        model.LossGradient(x, y, 2, twice, 1.5);
        var a = ArraysOf(once).SelectMany(v => v).ToArray();
        var b = ArraysOf(twice).SelectMany(v => v).ToArray();
        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal(2 * a[i], b[i], 12);
        }
    }

    static double[] Pack(HestonParams p) => new[] { p.Kappa, p.Theta, p.Sigma, p.Rho, p.V0 };

    static HestonParams Unpack(double[] v) => new(v[0], v[1], v[2], v[3], v[4]);

    [Fact]
    public void RecordStructOfCalibrationParameters()
    {
        double[] maturities = { 0.25, 0.5, 1, 2, 5 };
        double[] variances = { 0.045, 0.048, 0.052, 0.056, 0.06 };
        var p = new HestonParams(1.5, 0.06, 0.6, -0.7, 0.04); // σ² > 2κθ: the Feller penalty is active
        var dp = default(HestonParams);
        double value = Calibration.TermStructureErrorGradient(p, maturities, variances, ref dp);
        Assert.Equal(Calibration.TermStructureError(p, maturities, variances), value, 15);

        GradientAssert.Vector(
            v => Calibration.TermStructureError(Unpack(v), maturities, variances),
            (v, d, s) =>
            {
                var g = Unpack(d);
                double r = Calibration.TermStructureErrorGradient(Unpack(v), maturities, variances, ref g, s);
                Pack(g).CopyTo(d, 0);
                return r;
            },
            Pack(p));

        // ∂/∂ρ of 0.01 ρ² is 0.02 ρ exactly.
        Assert.Equal(0.02 * p.Rho, dp.Rho, 15);
    }

    static double[] Pack(Mixture m) => new[] { m.First.Mu, m.First.LogSigma, m.Second.Mu, m.Second.LogSigma, m.Logit };

    static Mixture UnpackMixture(double[] v) => new()
    {
        First = new Gaussian { Mu = v[0], LogSigma = v[1] },
        Second = new Gaussian { Mu = v[2], LogSigma = v[3] },
        Logit = v[4],
    };

    [Fact]
    public void MixtureOfNestedStructsWithComputedProperties()
    {
        var random = new Random(11);
        var data = Enumerable.Range(0, 40).Select(i => i % 3 == 0 ? 2 + 0.5 * random.NextDouble() : -1 + random.NextDouble()).ToArray();
        var mixture = UnpackMixture(new[] { -0.8, -0.9, 1.9, -1.2, 0.3 });
        GradientAssert.Vector(
            v => UnpackMixture(v).NegativeLogLikelihood(data),
            (v, d, s) =>
            {
                var g = UnpackMixture(d);
                double r = UnpackMixture(v).NegativeLogLikelihoodGradient(data, g, s);
                Pack(g).CopyTo(d, 0);
                return r;
            },
            Pack(mixture));

        // With one component, ∂NLL/∂μ = −Σ (x − μ)/σ² in closed form: push the logit far so the weight is ~1.
        var one = UnpackMixture(new[] { 0.4, 0.2, 0, 0, 40 });
        var gradient = new Mixture();
        one.NegativeLogLikelihoodGradient(data, gradient);
        double sigma2 = Math.Exp(2 * 0.2);
        Assert.Equal(-data.Sum(x => (x - 0.4) / sigma2), gradient.First.Mu, 9);
    }

    static double[] Pack(Oscillator o) => new[] { o.Stiffness, o.Damping, o.Position, o.Velocity };

    static Oscillator Unpack(double[] v, int steps) => new() { Stiffness = v[0], Damping = v[1], Position = v[2], Velocity = v[3], Steps = steps };

    [Fact]
    public void StructInstanceMethodWithDataMember()
    {
        var oscillator = new Oscillator { Stiffness = 4, Damping = 0.3, Position = 1, Velocity = -0.5, Steps = 50 };
        GradientAssert.Vector(
            v => Unpack(v, 50).EnergyAfter(0.02),
            (v, d, s) =>
            {
                var g = Unpack(d, 0);
                double r = Unpack(v, 50).EnergyAfterGradient(0.02, ref g, ref Unused, s);
                Pack(g).CopyTo(d, 0);
                return r;
            },
            Pack(oscillator));

        // With no steps the energy is ½v² + ½kx²: ∂/∂k = x²/2, ∂/∂x = kx, ∂/∂v = v, exactly.
        var still = oscillator with { Steps = 0 };
        var g = new Oscillator();
        double ddt = 0;
        still.EnergyAfterGradient(0.02, ref g, ref ddt);
        Assert.Equal(0.5, g.Stiffness);
        Assert.Equal(4, g.Position);
        Assert.Equal(-0.5, g.Velocity);
        Assert.Equal(0, g.Steps);
        Assert.Equal(0, ddt);
    }

    static double Unused;

    [Fact]
    public void PrivateFieldsPrivateSettersAndProtectedBaseFieldsAreReached()
    {
        var model = new Encapsulated();
        model.K.Set(0.7);
        model.D.Set(2.0);
        var gradient = new Encapsulated();
        gradient.K.Set(0);
        gradient.D.Set(0);
        gradient.Weights[0] = gradient.Weights[1] = 0;
        typeof(Calib).GetField("_v", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.SetValue(gradient.C, 0.0);
        double x = 1.3, dx = 0;
        double value = model.FGradient(x, gradient, ref dx);
        Assert.Equal(model.F(x), value, 15);

        // ∂F/∂C._v = x, ∂F/∂K.Gain = x², ∂F/∂D.Prot = W0, ∂F/∂W = (Prot, x), ∂F/∂x = v + 2 Gain x + W1: exactly.
        Assert.Equal(x, gradient.C.V, 15);
        Assert.Equal(x * x, gradient.K.Gain, 15);
        Assert.Equal(0.5, gradient.D.ReadProt, 15);
        Assert.Equal(new[] { 2.0, x }, gradient.Weights);
        Assert.Equal(1.5 + 2 * 0.7 * x - 1, dx, 14);
    }

    [Fact]
    public void PositionalRecordWithInitOnlyAndReadonlyMembers()
    {
        double[] t = { 0, 0.5, 1, 2, 4 }, y = { 2.1, 1.3, 0.85, 0.4, 0.15 };
        var curve = new DecayCurve(1.8, 0.7);
        var gradient = new DecayCurve(0, 0) with { };
        curve.ErrorGradient(t, y, gradient);

        // Closed form: ∂/∂A = Σ 2r·e^{−kt}, ∂/∂k = Σ −2r·A·t·e^{−kt}, ∂/∂Offset = Σ 2r.
        double dA = 0, dk = 0, dOffset = 0;
        for (int i = 0; i < t.Length; i++)
        {
            double e = Math.Exp(-0.7 * t[i]), r = 1.8 * e + 0.1 - y[i];
            dA += 2 * r * e;
            dk += -2 * r * 1.8 * t[i] * e;
            dOffset += 2 * r;
        }

        Assert.Equal(dA, gradient.Amplitude, 12);
        Assert.Equal(dk, gradient.Rate, 12);
        Assert.Equal(dOffset + 0.1, gradient.Offset, 12); // the gradient model's own Offset (0.1) plus the gradient
    }

    [Fact]
    public void ReadonlyRecordStructGreeks()
    {
        var market = new Market(100, 95, 0.03, 0.25, 0.75);
        var greeks = default(Market);
        Pricing.CallGradient(market, ref greeks);
        GradientAssert.Vector(
            v => Pricing.Call(new Market(v[0], v[1], v[2], v[3], v[4])),
            (v, d, s) =>
            {
                var g = new Market(d[0], d[1], d[2], d[3], d[4]);
                double r = Pricing.CallGradient(new Market(v[0], v[1], v[2], v[3], v[4]), ref g, s);
                new[] { g.Spot, g.Strike, g.Rate, g.Volatility, g.Maturity }.CopyTo(d, 0);
                return r;
            },
            new[] { market.Spot, market.Strike, market.Rate, market.Volatility, market.Maturity });

        // Vega = S φ(d1) √T in closed form, to the accuracy of the A&S erf (its derivative is φ to ~1e-5 relative).
        double d1 = (Math.Log(100 / 95.0) + (0.03 + 0.5 * 0.25 * 0.25) * 0.75) / (0.25 * Math.Sqrt(0.75));
        Assert.Equal(100 * Math.Exp(-0.5 * d1 * d1) / Math.Sqrt(2 * Math.PI) * Math.Sqrt(0.75), greeks.Volatility, 1e-3);
    }
}

/// <summary>Arrays of models: a network of any depth as Layers[], read by index, by a local, by foreach.</summary>
public class ModelArrayTests
{
    static double[][] Members(DeepNet net) => net.Layers.SelectMany(l => new[] { l.W, l.B }).ToArray();

    static DeepNet Net(int seed, params int[] sizes)
    {
        var net = new DeepNet(sizes);
        var random = new Random(seed);
        foreach (var layer in net.Layers)
        {
            for (int i = 0; i < layer.W.Length; i++) layer.W[i] = random.NextDouble() - 0.5;
            for (int i = 0; i < layer.B.Length; i++) layer.B[i] = 0.2 * (random.NextDouble() - 0.5);
            layer.Scale = 0.8 + 0.4 * random.NextDouble();
        }

        return net;
    }

    // Every weight, bias and scale of every layer against central differences.
    static void CheckAgainstFiniteDifferences(DeepNet net, Func<double> loss, Func<DeepNet, double> gradientInto)
    {
        var gradient = new DeepNet(net.Layers.Select(l => l.Inputs).Append(net.Layers[^1].Outputs).ToArray());
        foreach (var layer in gradient.Layers) layer.Scale = 0;
        double value = gradientInto(gradient);
        Assert.Equal(loss(), value, 12);
        int nonzero = 0;
        void Check(double analytic, Func<double> get, Action<double> set, string what)
        {
            double saved = get(), h = 1e-6;
            set(saved + h);
            double up = loss();
            set(saved - h);
            double down = loss();
            set(saved);
            double expected = (up - down) / (2 * h);
            Assert.True(Math.Abs(analytic - expected) <= 1e-6 * Math.Max(1, Math.Abs(expected)), $"{what}: {analytic} vs {expected}");
            nonzero += analytic != 0 ? 1 : 0;
        }

        for (int l = 0; l < net.Layers.Length; l++)
        {
            var (layer, g) = (net.Layers[l], gradient.Layers[l]);
            for (int i = 0; i < layer.W.Length; i++) { int k = i; Check(g.W[k], () => layer.W[k], v => layer.W[k] = v, $"Layers[{l}].W[{k}]"); }
            for (int i = 0; i < layer.B.Length; i++) { int k = i; Check(g.B[k], () => layer.B[k], v => layer.B[k] = v, $"Layers[{l}].B[{k}]"); }
            Check(g.Scale, () => layer.Scale, v => layer.Scale = v, $"Layers[{l}].Scale");
        }

        Assert.True(nonzero > 0);
    }

    [Theory]
    [InlineData(new[] { 3, 1 })]
    [InlineData(new[] { 3, 5, 1 })]
    [InlineData(new[] { 2, 4, 3, 4, 1 })]
    public void NetworkOfAnyDepthAsAnArrayOfLayers(int[] sizes)
    {
        var net = Net(sizes.Length, sizes);
        const int n = 5;
        var random = new Random(3);
        var x = Enumerable.Range(0, n * sizes[0]).Select(_ => 2 * random.NextDouble() - 1).ToArray();
        var y = Enumerable.Range(0, n).Select(_ => random.NextDouble()).ToArray();
        CheckAgainstFiniteDifferences(net, () => net.Loss(x, y, n), gradient => net.LossGradient(x, y, n, gradient));
    }

    [Fact]
    public void AGradientModelOfAnotherShapeOrTheModelItselfIsRefused()
    {
        var net = Net(1, 3, 4, 1);
        var x = new double[] { 0.1, 0.2, 0.3 };
        var y = new double[] { 0.5 };

        // A gradient layer one weight short would drop that weight's gradient: an exception instead.
        var shorter = new DeepNet(3, 4, 1);
        shorter.Layers[0] = new ScaledLayer(2, 4);
        var error = Assert.Throws<ArgumentException>(() => net.LossGradient(x, y, 1, shorter));
        Assert.Contains("Layers[0].W has 8 elements; the model's has 12", error.Message, StringComparison.Ordinal);

        // The model as its own gradient would add gradients into its weights.
        error = Assert.Throws<ArgumentException>(() => net.LossGradient(x, y, 1, net));
        Assert.Contains("not this itself", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RowsPassedToAMarkedHelperFromUnderAConditionInALoop()
    {
        // The helper is differentiated in place (its gradient would need the row again in the reverse sweep).
        var model = new GatedCells();
        for (int l = 0; l < 3; l++) model.Cells[l].W = new[] { 0.5 + l, -0.25 * l };
        var gradient = new GatedCells();
        double x = 1.7, dx = 0;
        model.FGradient(x, gradient, ref dx);

        // ∂/∂W[l] = (x, x²) for the even cells, 0 for the odd one; ∂/∂x = Σ (W0 + 2 W1 x) over even cells.
        Assert.Equal(new[] { x, x * x }, gradient.Cells[0].W);
        Assert.Equal(new[] { 0.0, 0.0 }, gradient.Cells[1].W);
        Assert.Equal(new[] { x, x * x }, gradient.Cells[2].W);
        Assert.Equal(0.5 + 2.5 + 2 * x * (0 - 0.5), dx, 14);
    }

    // Each weight's gradient against the central difference of the loss, to the given decimal places.
    static void WeightsMatchFiniteDifferences(IEnumerable<double[]> weights, IEnumerable<double[]> gradients, Func<double> loss, int precision)
    {
        foreach (var (w, g) in weights.Zip(gradients))
        {
            for (int i = 0; i < w.Length; i++)
            {
                double saved = w[i], h = 1e-6;
                w[i] = saved + h;
                double up = loss();
                w[i] = saved - h;
                double down = loss();
                w[i] = saved;
                Assert.Equal((up - down) / (2 * h), g[i], precision);
            }
        }
    }

    [Fact]
    public void ActivationsChosenByAnEnumPerLayer()
    {
        var net = new ActivatedNet();
        var random = new Random(4);
        foreach (var layer in net.Layers)
        {
            for (int i = 0; i < layer.W.Length; i++) layer.W[i] = random.NextDouble() - 0.3;
        }

        var x = new[] { 0.7, -0.4 };
        var gradient = new ActivatedNet();
        double dtarget = 0;
        double value = net.LossGradient(x, 0.25, gradient, ref dtarget);
        Assert.Equal(net.Loss(x, 0.25), value, 14);
        WeightsMatchFiniteDifferences(net.Layers.Select(l => l.W), gradient.Layers.Select(l => l.W), () => net.Loss(x, 0.25), 6);

        // The output activation is Tanh now: the enum field of the model itself is read too.
        net.OutputActivation = Activation.Tanh;
        var tanh = new ActivatedNet();
        double dt = 0;
        Assert.Equal(net.Loss(x, 0.25), net.LossGradient(x, 0.25, tanh, ref dt), 14);
        Assert.NotEqual(dtarget, dt);
    }

    [Fact]
    public void ActivationStartingAsTheInputThenEachLayersOutput()
    {
        var net = new PlainForwardNet();
        var random = new Random(8);
        foreach (var layer in net.Layers)
        {
            for (int i = 0; i < layer.W.Length; i++) layer.W[i] = random.NextDouble() - 0.5;
        }

        var x = new[] { 0.3, -0.9 };
        var gradient = new PlainForwardNet();
        Assert.Equal(net.Predict(x), net.PredictGradient(x, gradient), 14);
        Assert.Equal(new[] { 0.3, -0.9 }, x); // the input is as it was
        WeightsMatchFiniteDifferences(net.Layers.Select(l => l.W), gradient.Layers.Select(l => l.W), () => net.Predict(x), 7);
    }

    [Fact]
    public void ForeachOverLayersAndTheirWeights()
    {
        var net = Net(9, 3, 4, 2);
        CheckAgainstFiniteDifferences(net, net.WeightPenalty, gradient => net.WeightPenaltyGradient(gradient));

        // ½Σw² has gradient w itself, exactly.
        var exact = new DeepNet(3, 4, 2);
        foreach (var layer in exact.Layers) layer.Scale = 0;
        net.WeightPenaltyGradient(exact);
        Assert.Equal(net.Layers[1].W, exact.Layers[1].W);
        Assert.Equal(net.Layers[0].Scale, exact.Layers[0].Scale);
        Assert.All(exact.Layers.SelectMany(l => l.B), b => Assert.Equal(0, b));
    }
}

/// <summary>The generated registration: ParameterSet.FromModel over a model class a [Differentiable] method reads.</summary>
public class GeneratedModelLayoutTests
{
    [Fact]
    public void BaseClassMembersAndPrivateFieldsAreParametersToo()
    {
        var model = new GainedLinear();
        var parameters = ParameterSet<double>.FromModel(model, new GainedLinear());

        // The base class's members first, then the model's own private gain; a float member has no place in a double set.
        Assert.Equal(new[] { "W", "Bias", "_gain" }, parameters.Select(p => p.Name));
        Assert.Same(model.W, parameters["W"].Values);
    }

    [Fact]
    public void PositionalRecordTrainsInPlaceThroughItsFields()
    {
        double[] t = { 0, 0.5, 1, 2, 4 };
        var y = t.Select(x => 2.0 * Math.Exp(-0.5 * x) + 0.1).ToArray();
        var curve = new DecayCurve(1, 1);
        var gradient = new DecayCurve(0, 0);
        var parameters = ParameterSet<double>.FromModel(curve, gradient);
        Assert.Equal(new[] { "Amplitude", "Rate", "Offset" }, parameters.Select(p => p.Name));
        var adam = new Adam<double>(parameters, learningRate: 0.05);
        for (int step = 0; step < 2000; step++)
        {
            parameters.ZeroGradients();
            curve.ErrorGradient(t, y, gradient);
            adam.Step();
        }

        // The record's init-only members moved, in place: the data's amplitude, rate and offset.
        Assert.Equal(2.0, curve.Amplitude, 2);
        Assert.Equal(0.5, curve.Rate, 2);
        Assert.Equal(0.1, curve.Offset, 2);
    }

    [Fact]
    public void MlpParametersByMemberPathTrainWithAdam()
    {
        var model = new Mlp(2, 8, 8, 1);
        Init.HeUniform<double>(model.Hidden1.W, fanIn: 2, seed: 1);
        Init.HeUniform<double>(model.Hidden2.W, fanIn: 8, seed: 2);
        Init.HeUniform<double>(model.Output.W, fanIn: 8, seed: 3);

        var gradient = new Mlp(2, 8, 8, 1);
        var parameters = ParameterSet<double>.FromModel(model, gradient);
        Assert.Equal(new[] { "Hidden1.W", "Hidden1.B", "Hidden2.W", "Hidden2.B", "Output.W", "Output.B" }, parameters.Select(p => p.Name));
        Assert.Same(model.Hidden2.W, parameters["Hidden2.W"].Values);
        Assert.Same(gradient.Hidden2.W, parameters["Hidden2.W"].Gradients);

        // y = x0·x1 on a grid: the loss falls by an order of magnitude in 300 Adam steps.
        const int count = 16;
        var x = new double[count * 2];
        var y = new double[count];
        for (int i = 0; i < count; i++)
        {
            x[2 * i] = -1 + 2 * (i % 4) / 3.0;
            x[2 * i + 1] = -1 + 2 * (i / 4) / 3.0;
            y[i] = x[2 * i] * x[2 * i + 1];
        }

        var adam = new Adam<double>(parameters, learningRate: 0.01);
        double first = model.Loss(x, y, count), last = first;
        for (int step = 0; step < 300; step++)
        {
            parameters.ZeroGradients();
            last = model.LossGradient(x, y, count, gradient);
            adam.Step();
        }

        Assert.True(last < first / 10, $"loss {first} → {last}");
    }
}
