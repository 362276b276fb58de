using System;
using System.Linq;
using DiffGen.Tests.Programs.EndToEnd;

namespace DiffGen.Tests;

/// <summary>
/// Issue 13's end-to-end programs (tests/DiffGen.Tests/Programs/EndToEnd), written as a new user
/// first writes them: each generated gradient against central finite differences at a realistic
/// point, and against a value known in closed form where there is one.
/// </summary>
public class EndToEndTests
{
    static double[] Cat(params double[][] parts) => parts.SelectMany(p => p).ToArray();

    static double Pdf(double x) => Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI);

    static double[] Normals(int count, int seed)
    {
        var random = new Random(seed);
        var z = new double[count];
        for (int i = 0; i < count; i++)
        {
            double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
            z[i] = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        }

        return z;
    }

    // ---- Finance ----

    [Fact]
    public void BlackScholesGreeks()
    {
        GradientAssert.Matches(Finance.NormCdf, Finance.NormCdfGradient, -1.3, -1e-3, 1e-3, 0.4, 2.1);
        double dcdf = 0;
        Finance.NormCdfGradient(0.4, ref dcdf);
        Assert.Equal(Pdf(0.4), dcdf, 1e-6); // the A&S erf is accurate to 1.5e-7

        GradientAssert.Vector(
            v => Finance.BlackScholesCall(v[0], v[1], v[2], v[3], v[4]),
            (v, d, s) => Finance.BlackScholesCallGradient(v[0], v[1], v[2], v[3], v[4], ref d[0], ref d[1], ref d[2], ref d[3], ref d[4], s),
            new[] { 100.0, 95.0, 0.03, 0.25, 0.75 });

        double spot = 100, strike = 95, rate = 0.03, vol = 0.25, maturity = 0.75;
        double delta = 0, dk = 0, rho = 0, vega = 0, dt = 0;
        Finance.BlackScholesCallGradient(spot, strike, rate, vol, maturity, ref delta, ref dk, ref rho, ref vega, ref dt);
        double d1 = (Math.Log(spot / strike) + (rate + vol * vol / 2) * maturity) / (vol * Math.Sqrt(maturity));
        double d2 = d1 - vol * Math.Sqrt(maturity);
        Assert.Equal(Finance.NormCdf(d1), delta, 1e-5);                                                   // Δ = N(d1)
        Assert.Equal(spot * Pdf(d1) * Math.Sqrt(maturity), vega, 1e-3);                                   // vega = S φ(d1) √T
        Assert.Equal(strike * maturity * Math.Exp(-rate * maturity) * Finance.NormCdf(d2), rho, 1e-3);   // ρ = K T e^{−rT} N(d2)
        Assert.Equal(-Math.Exp(-rate * maturity) * Finance.NormCdf(d2), dk, 1e-5);                        // ∂C/∂K = −e^{−rT} N(d2)
    }

    /// <summary>
    /// A silent wrong derivative as users write it: erf(x) as sign(x)·(1 − P(t(|x|))·e^{−x²}) is
    /// smooth at 0 (erf′(0) = 2/√π), but the textbook snippet reaches x only through |x|, and
    /// |x|′(0) = 0 (README "Conventions at kinks and edges", as PyTorch), so the generated
    /// derivative at exactly 0 is 0, not φ(0) = 0.3989. Pinned here so a change is noticed.
    /// </summary>
    [Fact]
    public void NormCdfAtZeroFollowsTheAbsConvention()
    {
        double d = 0;
        Finance.NormCdfGradient(0.0, ref d);
        Assert.Equal(0.0, d);
        // Both one-sided slopes of the approximation are p·Σ i·a_i / (2√2) = 0.398948 (the
        // coefficients sum to 1 − 1e-9, so it also jumps by 2e-9 at 0: a central difference
        // straddling 0 is off by 5e-4 and cannot serve as the reference here).
        double dRight = 0, dLeft = 0;
        Finance.NormCdfGradient(1e-300, ref dRight);
        Finance.NormCdfGradient(-1e-300, ref dLeft);
        Assert.Equal(Pdf(0), dRight, 1e-5);
        Assert.Equal(Pdf(0), dLeft, 1e-5);
    }

    [Fact]
    public void MonteCarloPathwiseDelta()
    {
        var z = Normals(2000, 42);
        GradientAssert.Vector(
            v => Finance.MonteCarloCall(v[0], v[1], v[2], v[3], v[4], z),
            (v, d, s) => Finance.MonteCarloCallGradient(v[0], v[1], v[2], v[3], v[4], z, ref d[0], ref d[1], ref d[2], ref d[3], ref d[4], s),
            new[] { 100.0, 95.0, 0.03, 0.25, 0.75 });

        // The pathwise estimator (Glasserman §7.2.2): e^{−rT}/N Σ 1{S_T > K} S_T / S_0.
        double spot = 100, strike = 95, rate = 0.03, vol = 0.25, maturity = 0.75;
        double delta = 0, dk = 0, rho = 0, vega = 0, dt = 0;
        Finance.MonteCarloCallGradient(spot, strike, rate, vol, maturity, z, ref delta, ref dk, ref rho, ref vega, ref dt);
        double expected = z.Select(n => spot * Math.Exp((rate - 0.5 * vol * vol) * maturity + vol * Math.Sqrt(maturity) * n))
            .Where(st => st > strike).Sum(st => st / spot) * Math.Exp(-rate * maturity) / z.Length;
        Assert.Equal(expected, delta, 1e-12);
        double bsDelta = 0, a = 0, b = 0, c = 0, e = 0;
        Finance.BlackScholesCallGradient(spot, strike, rate, vol, maturity, ref bsDelta, ref a, ref b, ref c, ref e);
        Assert.InRange(delta, bsDelta - 0.04, bsDelta + 0.04); // 2,000 paths
    }

    [Fact]
    public void SabrHagan()
    {
        GradientAssert.Vector(
            v => Finance.SabrVol(v[0], v[1], v[2], v[3], v[4], v[5], v[6]),
            (v, d, s) => Finance.SabrVolGradient(v[0], v[1], v[2], v[3], v[4], v[5], v[6], ref d[0], ref d[1], ref d[2], ref d[3], ref d[4], ref d[5], ref d[6], s),
            new[] { 0.03, 0.035, 2.0, 0.035, 0.5, -0.3, 0.4 });

        // At the money (the limit branch), forward and strike moving together.
        GradientAssert.Vector(
            v => Finance.SabrVol(v[0], v[0], v[1], v[2], v[3], v[4], v[5]),
            (v, d, s) =>
            {
                double df = 0, dk = 0;
                var value = Finance.SabrVolGradient(v[0], v[0], v[1], v[2], v[3], v[4], v[5], ref df, ref dk, ref d[1], ref d[2], ref d[3], ref d[4], ref d[5], s);
                d[0] += df + dk;
                return value;
            },
            new[] { 0.03, 2.0, 0.035, 0.5, -0.3, 0.4 });

        // The limit branch agrees with the general formula next to it.
        Assert.Equal(Finance.SabrVol(0.03, 0.03, 2, 0.035, 0.5, -0.3, 0.4), Finance.SabrVol(0.03, 0.03 + 1e-9, 2, 0.035, 0.5, -0.3, 0.4), 1e-8);
    }

    [Fact]
    public void BootstrappedCurveRisk()
    {
        var par = new[] { 0.02, 0.025, 0.03, 0.032 };
        var parBond = new[] { 0.032, 0.032, 0.032, 1.032 };
        Assert.Equal(1.0, Finance.CashflowPv(par, parBond), 1e-14); // a par bond prices at par on its own curve
        GradientAssert.Vector(r => Finance.CashflowPv(r, parBond), (r, d, s) => Finance.CashflowPvGradient(r, parBond, d, s), par);
        var grad = GradientAssert.Vector(r => Finance.CashflowPv(r, new[] { 1.0, -0.5, 2.0, 0.75 }), (r, d, s) => Finance.CashflowPvGradient(r, new[] { 1.0, -0.5, 2.0, 0.75 }, d, s), par);

        // The par bond's PV moves only with its own par rate: −annuity (the other rates cancel).
        var risk = new double[4];
        Finance.CashflowPvGradient(par, parBond, risk);
        for (int i = 0; i < 3; i++) Assert.Equal(0.0, risk[i], 1e-14);
        var df = new double[4];
        double annuity = 0;
        for (int i = 0; i < 4; i++) { df[i] = (1 - par[i] * annuity) / (1 + par[i]); annuity += df[i]; }
        Assert.True(risk[3] < 0 && grad.Length == 4);
        Assert.Equal(-annuity, risk[3], 1e-12);
    }

    // ---- Optimization ----

    [Fact]
    public void RosenbrockKnownGradient()
    {
        GradientAssert.Vector(Optimization.Rosenbrock, (x, d, s) => Optimization.RosenbrockGradient(x, d, s), new[] { -1.2, 1.0, 0.5, 0.8, -0.3 });
        var g = new double[2];
        Assert.Equal(24.2, Optimization.RosenbrockGradient(new[] { -1.2, 1.0 }, g), 1e-12);
        Assert.Equal(-215.6, g[0], 1e-10);
        Assert.Equal(-88.0, g[1], 1e-10);
        var atMinimum = new double[3];
        Optimization.RosenbrockGradient(new[] { 1.0, 1.0, 1.0 }, atMinimum);
        Assert.All(atMinimum, v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void PowellSingularAtStandardStart()
    {
        var start = new[] { 3.0, -1.0, 0.0, 1.0, 3.0, -1.0, 0.0, 1.0 };
        GradientAssert.Vector(Optimization.PowellSingular, (x, d, s) => Optimization.PowellSingularGradient(x, d, s), start);
        var g = new double[4];
        Assert.Equal(215.0, Optimization.PowellSingularGradient(new[] { 3.0, -1.0, 0.0, 1.0 }, g), 1e-12);
        Assert.Equal(new[] { 306.0, -144.0, -2.0, -310.0 }, g);
    }

    [Fact]
    public void HimmelblauMinimum()
    {
        GradientAssert.Matches(Optimization.Himmelblau, Optimization.HimmelblauGradient, (0.5, -1.5), (-2.0, 2.5));
        double dx = 0, dy = 0;
        Assert.Equal(0.0, Optimization.HimmelblauGradient(3, 2, ref dx, ref dy));
        Assert.Equal(0.0, dx);
        Assert.Equal(0.0, dy);
    }

    // ---- Statistics ----

    static readonly double[] Sample = { 1.2, -0.4, 0.9, 2.3, 0.1, -1.1, 1.7, 0.6, 0.3, 1.4 };

    [Fact]
    public void GaussianScore()
    {
        GradientAssert.Matches((m, s) => Statistics.GaussianLogLikelihood(m, s, Sample), (double m, double s, ref double dm, ref double ds, double seed) => Statistics.GaussianLogLikelihoodGradient(m, s, Sample, ref dm, ref ds, seed), (0.5, 1.2), (-0.3, 0.7));
        double mu = 0.5, sigma = 1.2, dmu = 0, dsigma = 0;
        Statistics.GaussianLogLikelihoodGradient(mu, sigma, Sample, ref dmu, ref dsigma);
        Assert.Equal(Sample.Sum(x => x - mu) / (sigma * sigma), dmu, 1e-12);
        Assert.Equal(-Sample.Length / sigma + Sample.Sum(x => (x - mu) * (x - mu)) / Math.Pow(sigma, 3), dsigma, 1e-12);
        // At the maximum-likelihood estimate the score is zero.
        double mean = Sample.Average(), sd = Math.Sqrt(Sample.Sum(x => (x - mean) * (x - mean)) / Sample.Length);
        dmu = dsigma = 0;
        Statistics.GaussianLogLikelihoodGradient(mean, sd, Sample, ref dmu, ref dsigma);
        Assert.Equal(0.0, dmu, 1e-12);
        Assert.Equal(0.0, dsigma, 1e-12);
    }

    [Fact]
    public void StudentTScore()
    {
        GradientAssert.Matches(
            (m, s, n) => Statistics.StudentTLogLikelihood(m, s, n, Sample),
            (double m, double s, double n, ref double dm, ref double ds, ref double dn, double seed) => Statistics.StudentTLogLikelihoodGradient(m, s, n, Sample, ref dm, ref ds, ref dn, seed),
            (0.5, 1.2, 4.0), (0.2, 0.8, 2.5));
        double mu = 0.5, sigma = 1.2, nu = 4, dmu = 0, dsigma = 0, dnu = 0;
        Statistics.StudentTLogLikelihoodGradient(mu, sigma, nu, Sample, ref dmu, ref dsigma, ref dnu);
        Assert.Equal(Sample.Sum(x => (nu + 1) * ((x - mu) / sigma) / (sigma * (nu + Math.Pow((x - mu) / sigma, 2)))), dmu, 1e-12);
    }

    [Fact]
    public void MahalanobisIsPrecisionTimesResidual()
    {
        var precision = new[] { 2.0, 0.3, -0.1, 0.3, 1.5, 0.2, -0.1, 0.2, 1.0 };
        var x = new[] { 0.7, -1.2, 0.4 };
        var mean = new[] { 0.1, 0.2, -0.3 };
        GradientAssert.Vector(
            v => Statistics.MahalanobisHalf(v[..3], v[3..], precision),
            (v, d, s) => Statistics.MahalanobisHalfGradient(v[..3], v[3..], precision, d.AsSpan(0, 3), d.AsSpan(3), s),
            Cat(x, mean));
        var dx = new double[3];
        var dmean = new double[3];
        Statistics.MahalanobisHalfGradient(x, mean, precision, dx, dmean);
        for (int i = 0; i < 3; i++)
        {
            double expected = 0;
            for (int j = 0; j < 3; j++) expected += precision[i * 3 + j] * (x[j] - mean[j]);
            Assert.Equal(expected, dx[i], 1e-14);
            Assert.Equal(-expected, dmean[i], 1e-14);
        }
    }

    // ---- Machine learning ----

    [Fact]
    public void MlpWithForwardHelper()
    {
        int inputs = 3, hidden = 4, outputs = 2;
        var random = new Random(7);
        double[] Rand(int n) => Enumerable.Range(0, n).Select(_ => random.NextDouble() - 0.5).ToArray();
        double[] w1 = Rand(hidden * inputs), b1 = Rand(hidden), w2 = Rand(outputs * hidden), b2 = Rand(outputs);
        var x = new[] { 0.5, -1.0, 0.25 };
        var target = new[] { 0.3, -0.2 };
        int o1 = w1.Length, o2 = o1 + b1.Length, o3 = o2 + w2.Length;
        GradientAssert.Vector(
            v => MachineLearning.MlpLoss(v[..o1], v[o1..o2], v[o2..o3], v[o3..], x, target),
            (v, d, s) => MachineLearning.MlpLossGradient(v[..o1], v[o1..o2], v[o2..o3], v[o3..], x, target, d.AsSpan(0, o1), d.AsSpan(o1, o2 - o1), d.AsSpan(o2, o3 - o2), d.AsSpan(o3), s),
            Cat(w1, b1, w2, b2));
        // The output bias's gradient is the mean error times 2.
        var db2 = new double[outputs];
        MachineLearning.MlpLossGradient(w1, b1, w2, b2, x, target, new double[o1], new double[hidden], new double[w2.Length], db2);
        var y = new double[outputs];
        for (int k = 0; k < outputs; k++)
        {
            y[k] = b2[k];
            for (int j = 0; j < hidden; j++)
            {
                double z = b1[j];
                for (int i = 0; i < inputs; i++) z += w1[j * inputs + i] * x[i];
                y[k] += w2[k * hidden + j] * Math.Tanh(z);
            }

            Assert.Equal(2 * (y[k] - target[k]) / outputs, db2[k], 1e-14);
        }
    }

    [Fact]
    public void LayerNormWithMomentsHelper()
    {
        var x = new[] { 0.5, -1.2, 2.0, 0.3, -0.7 };
        var gamma = new[] { 1.0, 0.8, 1.2, 0.9, 1.1 };
        var beta = new[] { 0.1, -0.1, 0.0, 0.2, -0.2 };
        var target = new[] { 0.4, -1.0, 1.5, 0.0, -0.5 };
        GradientAssert.Vector(
            v => MachineLearning.LayerNormLoss(v[..5], v[5..10], v[10..], target),
            (v, d, s) => MachineLearning.LayerNormLossGradient(v[..5], v[5..10], v[10..], target, d.AsSpan(0, 5), d.AsSpan(5, 5), d.AsSpan(10), s),
            Cat(x, gamma, beta));
        // A layer norm's output does not change when a constant is added to its input: Σ ∂L/∂x = 0.
        var dx = new double[5];
        MachineLearning.LayerNormLossGradient(x, gamma, beta, target, dx, new double[5], new double[5]);
        Assert.Equal(0.0, dx.Sum(), 1e-12);
    }

    [Fact]
    public void ScaledDotProductAttention()
    {
        int n = 4, d = 3;
        var random = new Random(11);
        double[] Rand(int count) => Enumerable.Range(0, count).Select(_ => 2 * random.NextDouble() - 1).ToArray();
        double[] q = Rand(d), k = Rand(n * d), v = Rand(n * d);
        var target = new[] { 0.2, -0.1, 0.4 };
        int o1 = d, o2 = d + n * d;
        GradientAssert.Vector(
            p => MachineLearning.AttentionLoss(p[..o1], p[o1..o2], p[o2..], d, target),
            (p, g, s) => MachineLearning.AttentionLossGradient(p[..o1], p[o1..o2], p[o2..], d, target, g.AsSpan(0, o1), g.AsSpan(o1, o2 - o1), g.AsSpan(o2), s),
            Cat(q, k, v));
        // Adding the same vector to every key shifts every score equally: the softmax, and the
        // loss, do not change, so the key gradients sum to zero over the keys.
        var dk = new double[n * d];
        MachineLearning.AttentionLossGradient(q, k, v, d, target, new double[d], dk, new double[n * d]);
        for (int j = 0; j < d; j++) Assert.Equal(0.0, Enumerable.Range(0, n).Sum(i => dk[i * d + j]), 1e-12);
    }

    [Fact]
    public void Conv1dWithSpanSlices()
    {
        var signal = new[] { 0.3, -1.2, 0.8, 2.0, -0.4, 0.9, 1.5, -0.7 };
        var target = new[] { 0.5, 0.1, 1.2, 0.0, 0.7, 0.3 };
        GradientAssert.Vector(
            p => MachineLearning.Conv1dLoss(p[..3], p[3], signal, target),
            (p, g, s) => MachineLearning.Conv1dLossGradient(p[..3], p[3], signal, target, g.AsSpan(0, 3), ref g[3], s),
            new[] { 0.4, -0.3, 0.6, 0.1 });
    }

    [Fact]
    public void BondOnAZeroCurveWithAnEarlyReturningHelper()
    {
        var pillars = new[] { 0.5, 1.0, 2.0, 3.5, 5.0 };
        // Years 1..6 hit a pillar exactly (1, 2, 5), fall between pillars (3, 4) and beyond the last (6).
        GradientAssert.Vector(
            p => Finance.BondPrice(p[..5], pillars, p[5], 6),
            (p, g, s) => Finance.BondPriceGradient(p[..5], pillars, p[5], 6, g.AsSpan(0, 5), ref g[5], s),
            new[] { 0.02, 0.025, 0.03, 0.033, 0.035, 4.0 });
    }

    // ---- Physics ----

    [Fact]
    public void OscillatorRk4WithTupleHelper()
    {
        GradientAssert.Vector(
            p => Physics.OscillatorEnergy(p[0], p[1], p[2], p[3], p[4], 200),
            (p, g, s) => Physics.OscillatorEnergyGradient(p[0], p[1], p[2], p[3], p[4], 200, ref g[0], ref g[1], ref g[2], ref g[3], ref g[4], s),
            new[] { 1.0, 0.5, 4.0, 0.1, 0.01 });
        // Undamped, RK4 conserves the energy ½v² + ½kx² closely: ∂E/∂x0 ≈ k x0, ∂E/∂v0 ≈ v0.
        double dx0 = 0, dv0 = 0, dk = 0, dc = 0, ddt = 0;
        Physics.OscillatorEnergyGradient(1.0, 0.5, 4.0, 0.0, 0.01, 200, ref dx0, ref dv0, ref dk, ref dc, ref ddt);
        Assert.Equal(4.0, dx0, 1e-6);
        Assert.Equal(0.5, dv0, 1e-6);
    }

    [Fact]
    public void NBodyEnergyGradientIsMinusForce()
    {
        var masses = new[] { 1.0, 0.5, 0.2 };
        var positions = new[] { 0.0, 0.0, 0.0, 1.0, 0.2, -0.1, -0.5, 1.3, 0.4 };
        var velocities = new[] { 0.0, 0.1, 0.0, -0.2, 0.8, 0.1, 0.5, -0.3, 0.2 };
        GradientAssert.Vector(
            p => Physics.NBodyEnergy(p[..9], p[9..], masses),
            (p, g, s) => Physics.NBodyEnergyGradient(p[..9], p[9..], masses, g.AsSpan(0, 9), g.AsSpan(9), s),
            Cat(positions, velocities));
        var dpos = new double[9];
        var dvel = new double[9];
        Physics.NBodyEnergyGradient(positions, velocities, masses, dpos, dvel);
        for (int i = 0; i < 3; i++)
        {
            for (int c = 0; c < 3; c++)
            {
                double force = 0;
                for (int j = 0; j < 3; j++)
                {
                    if (j == i) continue;
                    double r = Math.Sqrt(Enumerable.Range(0, 3).Sum(a => Math.Pow(positions[3 * i + a] - positions[3 * j + a], 2)));
                    force -= masses[i] * masses[j] * (positions[3 * i + c] - positions[3 * j + c]) / (r * r * r);
                }

                Assert.Equal(-force, dpos[3 * i + c], 1e-12);             // ∂E/∂q = −F
                Assert.Equal(masses[i] * velocities[3 * i + c], dvel[3 * i + c], 1e-14); // ∂E/∂v = p
            }
        }
    }

    [Fact]
    public void ProjectileWithDrag()
    {
        GradientAssert.Matches(Physics.ProjectileRange, Physics.ProjectileRangeGradient, (30.0, 0.7, 0.002), (12.0, 0.9, 0.01));
        // Without drag, R = v² sin 2θ / g up to Euler's O(dt) error: ∂R/∂v ≈ 2 v sin 2θ / g.
        double dv = 0, dangle = 0, ddrag = 0;
        Physics.ProjectileRangeGradient(30, 0.7, 0, ref dv, ref dangle, ref ddrag);
        Assert.InRange(dv / (2 * 30 * Math.Sin(1.4) / 9.81), 0.98, 1.02);
        Assert.True(ddrag < 0);
    }

    // ---- Array locals reassigned or swapped in a time loop (copied into the local's array by DiffGen) ----

    [Fact]
    public void GruWithTheStateReassignedEachStep()
    {
        const int n = 3;
        var random = new Random(21);
        double[] Rand(int count) => Enumerable.Range(0, count).Select(_ => random.NextDouble() - 0.5).ToArray();
        var inputs = new[] { 0.5, -1.0, 0.8, 0.2, -0.3 };
        var sizes = new[] { n, n * n, n, n * n, n, n * n };
        var starts = new int[7];
        for (int i = 0; i < 6; i++) starts[i + 1] = starts[i] + sizes[i];
        double[] Part(double[] v, int i) => v[starts[i]..starts[i + 1]];
        GradientAssert.Vector(
            v => MachineLearning.GruSequenceLoss(Part(v, 0), Part(v, 1), Part(v, 2), Part(v, 3), Part(v, 4), Part(v, 5), inputs, v[^1]),
            (v, g, s) => MachineLearning.GruSequenceLossGradient(Part(v, 0), Part(v, 1), Part(v, 2), Part(v, 3), Part(v, 4), Part(v, 5), inputs, v[^1],
                g.AsSpan(starts[0], n), g.AsSpan(starts[1], n * n), g.AsSpan(starts[2], n), g.AsSpan(starts[3], n * n), g.AsSpan(starts[4], n), g.AsSpan(starts[5], n * n), ref g[^1], s),
            Cat(Rand(starts[6]), new[] { 0.3 }));
    }

    [Fact]
    public void PendulumRk4WithTheStateReassignedEachStep() =>
        GradientAssert.Vector(
            p => Physics.PendulumAngle(p[0], p[1], p[2], p[3], 50),
            (p, g, s) => Physics.PendulumAngleGradient(p[0], p[1], p[2], p[3], 50, ref g[0], ref g[1], ref g[2], ref g[3], s),
            new[] { 0.6, -0.2, 1.5, 0.02 });

    [Fact]
    public void HeatEquationWithBuffersSwapped()
    {
        var initial = new[] { 0.0, 0.4, 1.0, 0.7, 0.2, 0.0 };
        foreach (var steps in new[] { 0, 1, 2, 7 })
        {
            GradientAssert.Vector(
                p => Physics.HeatEquation(p[..6], p[6], p[7], p[8], steps),
                (p, g, s) => Physics.HeatEquationGradient(p[..6], p[6], p[7], p[8], steps, g.AsSpan(0, 6), ref g[6], ref g[7], ref g[8], s),
                Cat(initial, new[] { 0.8, 0.01, 0.2 }));
        }
    }

    [Fact]
    public void AdvectionWithCloneAndANewArrayEachStep()
    {
        var readout = new[] { 0.1, 0.5, -0.3, 0.8, 0.2 };
        GradientAssert.Vector(
            p => Physics.Advection(p[..5], p[5], p[6], p[7], 6, readout),
            (p, g, s) => Physics.AdvectionGradient(p[..5], p[5], p[6], p[7], 6, readout, g.AsSpan(0, 5), ref g[5], ref g[6], ref g[7], s),
            new[] { 0.0, 1.0, 0.5, 0.2, 0.0, 0.7, 0.05, 0.1 });
    }

    // ---- LINQ, as first written ----

    [Fact]
    public void BondPriceFromYieldWithRangeSum()
    {
        GradientAssert.Matches(
            (y, c) => Finance.PriceFromYield(y, c, 10),
            (double y, double c, ref double dy, ref double dc, double s) => Finance.PriceFromYieldGradient(y, c, 10, ref dy, ref dc, s),
            (0.05, 0.04), (0.03, 0.06), (0.0, 0.05));
        // At yield = coupon the bond prices at par (100).
        double dyield = 0, dcoupon = 0;
        Assert.Equal(100.0, Finance.PriceFromYieldGradient(0.05, 0.05, 10, ref dyield, ref dcoupon), 1e-9);
    }

    [Fact]
    public void RastriginWithASumLambda()
    {
        GradientAssert.Vector(Optimization.Rastrigin, (x, g, s) => Optimization.RastriginGradient(x, g, s), new[] { 0.3, -1.2, 2.5, 0.05 });
        // The analytic gradient: 2x + 20π sin(2πx).
        var at = new[] { 0.3, -1.2 };
        var gradient = new double[2];
        Optimization.RastriginGradient(at, gradient);
        for (int i = 0; i < 2; i++) Assert.Equal(2 * at[i] + 20 * Math.PI * Math.Sin(2 * Math.PI * at[i]), gradient[i], 1e-9);
    }

    [Fact]
    public void SoftmaxCrossEntropyWithLinqMaxInTheHelper()
    {
        var x = new[] { 0.5, -1.0, 2.0 };
        var random = new Random(5);
        var weights = Enumerable.Range(0, 12).Select(_ => random.NextDouble() - 0.5).ToArray();
        var bias = new[] { 0.1, -0.2, 0.3, 0.0 };
        GradientAssert.Vector(w => MachineLearning.SoftmaxCrossEntropy(w, bias, x, 2), (w, g, s) => MachineLearning.SoftmaxCrossEntropyGradient(w, bias, x, 2, g, new double[4], s), weights);
        // ∂L/∂bias = softmax − onehot: it sums to zero.
        var dbias = new double[4];
        MachineLearning.SoftmaxCrossEntropyGradient(weights, bias, x, 2, new double[12], dbias);
        Assert.Equal(0.0, dbias.Sum(), 1e-12);
    }

    [Fact]
    public void MixtureLikelihoodOverAZipOfPairs()
    {
        var data = new[] { -1.2, 0.3, 2.2, 1.9, -0.4, 3.1 };
        var sampleWeights = new[] { 1.0, 0.5, 2.0, 1.0, 1.5 }; // one shorter: Zip stops at the shorter
        GradientAssert.Vector(
            p => Statistics.MixtureLogLikelihood(p[0], p[1], p[2], p[3], data, sampleWeights),
            (p, g, s) => Statistics.MixtureLogLikelihoodGradient(p[0], p[1], p[2], p[3], data, sampleWeights, ref g[0], ref g[1], ref g[2], ref g[3], s),
            new[] { -0.5, 2.0, 1.1, 0.4 });
    }

    [Fact]
    public void GaussianProcessLikelihoodWithCholeskyOnAMatrix()
    {
        var xs = new[] { -1.5, -0.4, 0.3, 1.1, 2.0 };
        var ys = new[] { 0.2, -0.5, 0.1, 0.9, 0.4 };
        GradientAssert.Vector(
            p => Statistics.GpNegLogMarginalLikelihood(p[0], p[1], p[2], xs, ys),
            (p, g, s) => Statistics.GpNegLogMarginalLikelihoodGradient(p[0], p[1], p[2], xs, ys, ref g[0], ref g[1], ref g[2], s),
            new[] { 0.8, 1.3, 0.1 });
    }

    // ---- Jagged [NoDerivative] data ----

    [Fact]
    public void AsianCallOverJaggedPaths()
    {
        var random = new Random(17);
        var paths = Enumerable.Range(0, 40).Select(_ => Enumerable.Range(0, 12).Select(_ => NormalSample(random)).ToArray()).ToArray();
        GradientAssert.Vector(
            p => Finance.MonteCarloAsianCall(p[0], p[1], p[2], p[3], p[4], paths),
            (p, g, s) => Finance.MonteCarloAsianCallGradient(p[0], p[1], p[2], p[3], p[4], paths, ref g[0], ref g[1], ref g[2], ref g[3], ref g[4], s),
            new[] { 100.0, 95.0, 0.02, 0.3, 1.0 });
    }

    [Fact]
    public void LogisticRegressionOverJaggedFeatureRows()
    {
        var features = new[] { new[] { 0.5, -1.0, 2.0 }, new[] { 1.5, 0.3, -0.7 }, new[] { -0.2, 0.8, 0.1 }, new[] { 0.9, -0.4, 1.2 } };
        var labels = new[] { 1, 0, 0, 1 };
        GradientAssert.Vector(
            p => Statistics.LogisticRegressionNll(p[..3], p[3], features, labels),
            (p, g, s) => Statistics.LogisticRegressionNllGradient(p[..3], p[3], features, labels, g.AsSpan(0, 3), ref g[3], s),
            new[] { 0.3, -0.2, 0.5, 0.1 });
    }

    private static double NormalSample(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
