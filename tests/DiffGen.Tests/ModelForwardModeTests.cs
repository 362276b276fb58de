using System;
using System.Linq;
using DiffGen.Tests.Programs.ModelsSecondOrder;

namespace DiffGen.Tests;

/// <summary>
/// Forward mode and Hessian-vector products of models: an instance method of a network kept as an array of layer
/// classes, a positional record parameter (init-only members), an instance method of a struct beside plain scalars.
/// Tangents against the gradient along the direction and central differences of the value; H·v against central
/// differences of the gradient and, for the pendulum, the closed-form Hessian.
/// </summary>
public class ModelForwardModeTests
{
    private static readonly int[] Widths = [3, 5, 4, 1];

    private static void Close(double expected, double actual, double relative, string what) =>
        Assert.True(Math.Abs(expected - actual) <= relative * Math.Max(1, Math.Abs(expected)), $"{what}: expected {expected:R}, got {actual:R}");

    // The network's members in one vector (each layer's W, B, Gain), and a network made from such a vector.
    private static double[] Flat(LayeredNet net) => net.Layers.SelectMany(l => l.W.Concat(l.B).Append(l.Gain)).ToArray();

    private static LayeredNet Net(double[] flat)
    {
        var net = new LayeredNet(Widths);
        var k = 0;
        foreach (var layer in net.Layers)
        {
            for (var i = 0; i < layer.W.Length; i++)
            {
                layer.W[i] = flat[k++];
            }

            for (var i = 0; i < layer.B.Length; i++)
            {
                layer.B[i] = flat[k++];
            }

            layer.Gain = flat[k++];
        }

        return net;
    }

    private static double[] Random(int n, Random rng, double scale = 1) => Enumerable.Range(0, n).Select(_ => scale * (2 * rng.NextDouble() - 1)).ToArray();

    private static (double[] X, double[] Y, int N) Data(Random rng)
    {
        const int n = 12;
        var x = Random(n * Widths[0], rng);
        var y = x.Chunk(Widths[0]).Select(r => Math.Sin(r[0]) * r[1] - 0.3 * r[2]).ToArray();
        return (x, y, n);
    }

    private static double[] GradientAt(double[] flat, double[] x, double[] y, int n)
    {
        var gradient = Net(new double[flat.Length]);
        foreach (var layer in gradient.Layers)
        {
            layer.Gain = 0;
        }

        Net(flat).LossGradient(x, y, n, gradient);
        return Flat(gradient);
    }


    [Fact]
    public void ANetworksTangentIsItsGradientAlongTheDirection()
    {
        var rng = new Random(7);
        var (x, y, n) = Data(rng);
        var flat = Random(Flat(new LayeredNet(Widths)).Length, rng, 0.8);
        var direction = Random(flat.Length, rng);

        var value = Net(flat).LossTangent(x, y, n, Net(direction), out var tangent);

        Assert.Equal(Net(flat).Loss(x, y, n), value);
        var gradient = GradientAt(flat, x, y, n);
        Close(gradient.Zip(direction, (g, d) => g * d).Sum(), tangent, 1e-12, "∇L·t");
        Close(GradientAssert.AlongDirection(f => [Net(f).Loss(x, y, n)], flat, direction)[0], tangent, 1e-7, "the central difference along t");
    }

    [Fact]
    public void ANetworksHessianVectorProductMatchesDifferencesOfItsGradient()
    {
        var rng = new Random(11);
        var (x, y, n) = Data(rng);
        var flat = Random(Flat(new LayeredNet(Widths)).Length, rng, 0.8);
        var direction = Random(flat.Length, rng);
        var (gradientModel, productModel) = (Net(new double[flat.Length]), Net(new double[flat.Length]));

        var value = Net(flat).LossHessianVector(x, y, n, Net(direction), gradientModel, productModel);

        Assert.Equal(Net(flat).Loss(x, y, n), value);
        var (gradient, product) = (Flat(gradientModel), Flat(productModel));
        var reference = GradientAt(flat, x, y, n);
        var expected = GradientAssert.AlongDirection(f => GradientAt(f, x, y, n), flat, direction);
        for (var i = 0; i < flat.Length; i++)
        {
            Close(reference[i], gradient[i], 1e-12, $"∂L/∂θ{i} beside H·v");
            Close(expected[i], product[i], 1e-6, $"(H·v)[{i}]");
        }

        // Every member was reached: the Gains are scalars added back at the end, the arrays rows of the models' array.
        Assert.All(gradientModel.Layers, l => Assert.NotEqual(0, l.Gain));
        Assert.All(productModel.Layers, l => Assert.NotEqual(0, l.Gain));
    }

    [Fact]
    public void AHessianVectorProductRefusesAnOutputThatIsTheModelOrItsDirection()
    {
        var rng = new Random(3);
        var (x, y, n) = Data(rng);
        var flat = Random(Flat(new LayeredNet(Widths)).Length, rng);
        var (net, direction, output) = (Net(flat), Net(flat), Net(flat));

        var same = Assert.Throws<ArgumentException>(() => net.LossHessianVector(x, y, n, direction, output, output));
        Assert.Equal("hthis", same.ParamName);
        var model = Assert.Throws<ArgumentException>(() => net.LossHessianVector(x, y, n, direction, net, output));
        Assert.Equal("dthis", model.ParamName);
        var along = Assert.Throws<ArgumentException>(() => net.LossHessianVector(x, y, n, direction, output, direction));
        Assert.Equal("hthis", along.ParamName);

        // A record copied with `with { }` shares the model's arrays: its gradient would be added into the model itself.
        var logistic = new Logistic([0.5, -0.25]) { Bias = 0.1 };
        double[] xs = [1, 2, -1, 0.5, 0.3, -0.7], ys = [1, 0, 1];
        var shallow = Assert.Throws<ArgumentException>(() => logistic.NllHessianVector(xs, ys, 3, new Logistic([1.0, 0]), logistic with { }, new Logistic([0.0, 0])));
        Assert.Equal("dthis", shallow.ParamName);
        var first = Assert.Throws<ArgumentException>(() => logistic.NllGradient(xs, ys, 3, logistic with { }));
        Assert.Equal("dthis", first.ParamName);
        Assert.Equal([0.5, -0.25], logistic.W);
    }

    [Fact]
    public void AStructsGradientAndProductMustBeTwoVariables()
    {
        var pendulum = new Pendulum { Length = 1.3, Mass = 0.7 };
        var (both, dangle, dspeed, hangle, hspeed) = (default(Pendulum), 0.0, 0.0, 0.0, 0.0);
        var error = Assert.Throws<ArgumentException>(() => pendulum.EnergyHessianVector(0.4, -1.7, pendulum, 1, 0, ref both, ref dangle, ref dspeed, ref both, ref hangle, ref hspeed));
        Assert.Equal("hthis", error.ParamName);
    }

    [Fact]
    public void AnInterestRateModelsObservedInformationComesFromThreeHessianVectorProducts()
    {
        // Rates simulated from the model itself, exactly discretized.
        var truth = new Vasicek(0.8, 0.04, Math.Log(0.02));
        var rng = new Random(2026);
        const double dt = 1.0 / 52;
        var rates = new double[260];
        rates[0] = 0.03;
        var decay = Math.Exp(-truth.Kappa * dt);
        var sd = Math.Exp(truth.LogSigma) * Math.Sqrt((1 - decay * decay) / (2 * truth.Kappa));
        for (var t = 1; t < rates.Length; t++)
        {
            var normal = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            rates[t] = truth.Theta + (rates[t - 1] - truth.Theta) * decay + sd * normal;
        }

        var at = new Vasicek(1.1, 0.035, Math.Log(0.025));
        double[] Members(Vasicek v) => [v.Kappa, v.Theta, v.LogSigma];
        Vasicek Of(double[] m) => new(m[0], m[1], m[2]);
        double[] Gradient(double[] m)
        {
            var d = new Vasicek(0, 0, 0);
            var ddt = 0.0;
            RateModels.NegLogLikelihoodGradient(Of(m), rates, dt, d, ref ddt);
            return Members(d);
        }

        // Column j of the information matrix: H·eⱼ, with dt held (its direction 0).
        var information = new double[3, 3];
        for (var j = 0; j < 3; j++)
        {
            var unit = new double[3];
            unit[j] = 1;
            var (gradient, product) = (new Vasicek(0, 0, 0), new Vasicek(0, 0, 0));
            var (ddt, hdt) = (0.0, 0.0);
            var value = RateModels.NegLogLikelihoodHessianVector(at, rates, dt, Of(unit), 0, gradient, ref ddt, product, ref hdt);

            Assert.Equal(RateModels.NegLogLikelihood(at, rates, dt), value);
            var reference = Gradient(Members(at));
            var expected = GradientAssert.AlongDirection(Gradient, Members(at), unit, 1e-5);
            for (var i = 0; i < 3; i++)
            {
                Close(reference[i], Members(gradient)[i], 1e-12, $"∂NLL/∂{i} beside H·e{j}");
                Close(expected[i], Members(product)[i], 1e-6, $"H[{i}, {j}]");
                information[i, j] = Members(product)[i];
            }
        }

        for (var i = 0; i < 3; i++)
        {
            for (var j = 0; j < i; j++)
            {
                Close(information[i, j], information[j, i], 1e-10, $"the information is symmetric at ({i}, {j})");
            }
        }

        // The tangent along a direction in the record and in dt together.
        var direction = new Vasicek(0.3, -0.01, 0.2);
        RateModels.NegLogLikelihoodTangent(at, rates, dt, direction, 0.001, out var tangent);
        var full = new Vasicek(0, 0, 0);
        var dDt = 0.0;
        RateModels.NegLogLikelihoodGradient(at, rates, dt, full, ref dDt);
        Close(Members(full).Zip(Members(direction), (g, v) => g * v).Sum() + dDt * 0.001, tangent, 1e-12, "∇NLL·t");
    }

    [Fact]
    public void APendulumsHessianIsTheClosedForm()
    {
        // E(L, m, a, s) = ½ m L² s² + m g L (1 − cos a), over (Length, Mass, angle, speed).
        const double g = 9.81;
        var pendulum = new Pendulum { Length = 1.3, Mass = 0.7 };
        var (angle, speed) = (0.4, -1.7);
        var (l, m) = (pendulum.Length, pendulum.Mass);
        double[,] hessian =
        {
            { m * speed * speed, speed * speed * l + g * (1 - Math.Cos(angle)), m * g * Math.Sin(angle), 2 * m * l * speed },
            { speed * speed * l + g * (1 - Math.Cos(angle)), 0, g * l * Math.Sin(angle), l * l * speed },
            { m * g * Math.Sin(angle), g * l * Math.Sin(angle), m * g * l * Math.Cos(angle), 0 },
            { 2 * m * l * speed, l * l * speed, 0, m * l * l },
        };
        double[] v = [0.3, -0.8, 1.1, 0.5];

        var (dthis, hthis) = (default(Pendulum), default(Pendulum));
        var (dangle, dspeed, hangle, hspeed) = (0.0, 0.0, 0.0, 0.0);
        var value = pendulum.EnergyHessianVector(angle, speed, new Pendulum { Length = v[0], Mass = v[1] }, v[2], v[3], ref dthis, ref dangle, ref dspeed, ref hthis, ref hangle, ref hspeed);

        Assert.Equal(pendulum.Energy(angle, speed), value);
        double[] product = [hthis.Length, hthis.Mass, hangle, hspeed];
        for (var i = 0; i < 4; i++)
        {
            Close(Enumerable.Range(0, 4).Sum(j => hessian[i, j] * v[j]), product[i], 1e-13, $"(H·v)[{i}]");
        }

        var (gl, gm, ga, gs) = (0.0, 0.0, 0.0, 0.0);
        var gradient = default(Pendulum);
        pendulum.EnergyGradient(angle, speed, ref gradient, ref ga, ref gs);
        (gl, gm) = (gradient.Length, gradient.Mass);
        Assert.Equal([gl, gm, ga, gs], new[] { dthis.Length, dthis.Mass, dangle, dspeed });

        var energy = pendulum.EnergyTangent(angle, speed, new Pendulum { Length = v[0], Mass = v[1] }, v[2], v[3], out var tangent);
        Assert.Equal(value, energy);
        Close(gl * v[0] + gm * v[1] + ga * v[2] + gs * v[3], tangent, 1e-14, "∇E·v");
    }

    [Fact]
    public void AMemberAnnotatedNullableIsReadThroughAsTheBodyDoes()
    {
        // f = a · b over head.Value and head.Next!.Value: ∇f = (b, a), H = [[0, 1], [1, 0]].
        var head = new Node { Value = 2, Next = new Node { Value = 3 } };
        var gradient = new Node { Next = new Node() };
        Assert.Equal(6, Chains.ProductGradient(head, gradient));
        Assert.Equal((3.0, 2.0), (gradient.Value, gradient.Next.Value));

        Chains.ProductTangent(head, new Node { Value = 0.5, Next = new Node { Value = -1 } }, out var tangent);
        Assert.Equal(3 * 0.5 + 2 * -1, tangent);

        var (d, h) = (new Node { Next = new Node() }, new Node { Next = new Node() });
        Chains.ProductHessianVector(head, new Node { Value = 0.5, Next = new Node { Value = -1 } }, d, h);
        Assert.Equal((-1.0, 0.5), (h.Value, h.Next.Value));
        Assert.Equal((3.0, 2.0), (d.Value, d.Next.Value));
    }
}
