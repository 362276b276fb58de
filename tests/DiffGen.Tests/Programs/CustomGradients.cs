using System;

namespace DiffGen.Tests.Programs;

// [CustomGradient] as people use it: a formula whose derivative is known and better than the one the
// body's operations would give, or code the generator cannot see through, each with its gradient written
// by hand, and [Differentiable] callers that use them through those gradients.

/// <summary>Numerically stable functions whose derivatives are stable too.</summary>
public static partial class Stable
{
    /// <summary>log(1 + eˣ) for any x: no overflow at x = 800, no loss of precision at x = −40.</summary>
    [CustomGradient]
    public static double Softplus(double x) => Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x)));

    /// <summary>The derivative is the logistic sigmoid, computed without overflow on either side.</summary>
    public static double SoftplusGradient(double x, ref double dx, double seed = 1.0)
    {
        double sigmoid = x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));
        dx += seed * sigmoid;
        return Softplus(x);
    }

    /// <summary>The same in float.</summary>
    [CustomGradient]
    public static float Softplus(float x) => MathF.Max(x, 0) + MathF.Log(1 + MathF.Exp(-MathF.Abs(x)));

    public static float SoftplusGradient(float x, ref float dx, float seed = 1f)
    {
        float sigmoid = x >= 0 ? 1 / (1 + MathF.Exp(-x)) : MathF.Exp(x) / (1 + MathF.Exp(x));
        dx += seed * sigmoid;
        return Softplus(x);
    }

    /// <summary>log Σ exp(xᵢ), shifted by the maximum so that no exponential overflows.</summary>
    [CustomGradient]
    public static double LogSumExp(ReadOnlySpan<double> x)
    {
        double max = double.NegativeInfinity;
        foreach (var v in x)
            if (v > max) max = v;
        double sum = 0;
        foreach (var v in x)
            sum += Math.Exp(v - max);
        return max + Math.Log(sum);
    }

    /// <summary>∂/∂xᵢ is the softmax, exp(xᵢ − value).</summary>
    public static double LogSumExpGradient(ReadOnlySpan<double> x, Span<double> dx, double seed = 1.0)
    {
        double value = LogSumExp(x);
        for (int i = 0; i < x.Length; i++)
            dx[i] += seed * Math.Exp(x[i] - value);
        return value;
    }

    /// <summary>‖v‖₂, with the subgradient 0 at the origin (the body's own derivative there is 0/0).</summary>
    [CustomGradient]
    public static double Norm(double[] v)
    {
        double sum = 0;
        for (int i = 0; i < v.Length; i++) sum += v[i] * v[i];
        return Math.Sqrt(sum);
    }

    public static double NormGradient(double[] v, Span<double> dv, double seed = 1.0)
    {
        double norm = Norm(v);
        if (norm > 0)
        {
            for (int i = 0; i < v.Length; i++) dv[i] += seed * v[i] / norm;
        }

        return norm;
    }

    /// <summary>
    /// Binary cross-entropy with logits over n samples of d features, through <see cref="Softplus(double)"/>:
    /// softplus(z) − y·z, stable for logits of any size.
    /// </summary>
    [Differentiable]
    public static double LogisticLoss(double[] w, double b, [NoDerivative] double[] x, [NoDerivative] double[] y, int n, int d)
    {
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            double z = b;
            for (int k = 0; k < d; k++)
                z += w[k] * x[i * d + k];
            total += Softplus(z) - y[i] * z;
        }

        return total / n;
    }

    [Differentiable]
    public static float LogisticLoss(float w, float b, [NoDerivative] float x, [NoDerivative] float y) =>
        Softplus(w * x + b) - y * (w * x + b);

    /// <summary>Softmax cross-entropy of one sample: logsumexp(logits) − logits[label].</summary>
    [Differentiable]
    public static double SoftmaxCrossEntropy(double[] logits, int label) => LogSumExp(logits) - logits[label];

    /// <summary>A linear classifier's softmax loss: the logits are a local array passed to LogSumExp.</summary>
    [Differentiable]
    public static double ClassifierLoss(double[] w, [NoDerivative] double[] x, int label, int classes)
    {
        int d = x.Length;
        var logits = new double[classes];
        for (int c = 0; c < classes; c++)
        {
            double z = 0;
            for (int k = 0; k < d; k++) z += w[c * d + k] * x[k];
            logits[c] = z;
        }

        return LogSumExp(logits) - logits[label];
    }

    /// <summary>Distance from a fixed point plus a smooth penalty: Norm of a local array of differences.</summary>
    [Differentiable]
    public static double Distance(double[] a, [NoDerivative] double[] b)
    {
        var diff = new double[a.Length];
        for (int i = 0; i < a.Length; i++) diff[i] = a[i] - b[i];
        return Norm(diff) + 0.1 * Norm(a);
    }
}

/// <summary>The standard normal distribution by Abramowitz and Stegun's polynomial, its derivative the density.</summary>
public static partial class Normal
{
    /// <summary>φ(x), the standard normal density.</summary>
    public static double Pdf(double x) => Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI);

    /// <summary>Φ(x) by Abramowitz–Stegun 26.2.17 (|error| &lt; 7.5e-8): a polynomial in t = 1/(1 + p|x|) times φ.</summary>
    [CustomGradient]
    public static double Cdf(double x)
    {
        const double p = 0.2316419;
        const double b1 = 0.319381530, b2 = -0.356563782, b3 = 1.781477937, b4 = -1.821255978, b5 = 1.330274429;
        double z = Math.Abs(x);
        double t = 1 / (1 + p * z);
        double tail = Pdf(z) * t * (b1 + t * (b2 + t * (b3 + t * (b4 + t * b5))));
        return x >= 0 ? 1 - tail : tail;
    }

    /// <summary>The exact derivative of Φ, φ, rather than the approximation's own.</summary>
    public static double CdfGradient(double x, ref double dx, double seed = 1.0)
    {
        dx += seed * Pdf(x);
        return Cdf(x);
    }

    /// <summary>A probit model's probability: Φ(a·x + c).</summary>
    [Differentiable]
    public static double Probit(double a, double c, [NoDerivative] double x) => Cdf(a * x + c);

    /// <summary>Black–Scholes price of a European call.</summary>
    [Differentiable]
    public static double CallPrice(double spot, double strike, double rate, double volatility, double maturity)
    {
        double root = Math.Sqrt(maturity);
        double d1 = (Math.Log(spot / strike) + (rate + 0.5 * volatility * volatility) * maturity) / (volatility * root);
        double d2 = d1 - volatility * root;
        return spot * Cdf(d1) - strike * Math.Exp(-rate * maturity) * Cdf(d2);
    }
}

/// <summary>A tabulated zero-rate curve, read by a search the generator does not differentiate (a goto loop).</summary>
public static partial class Curve
{
    private static readonly double[] Tenors = { 0.0, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0 };
    private static readonly double[] Rates = { 0.010, 0.012, 0.015, 0.021, 0.030, 0.034, 0.036 };

    // The segment [Tenors[i], Tenors[i + 1]] that holds t (the first or last one beyond the ends).
    private static int Segment(double t)
    {
        int i = 0;
    next:
        if (i < Tenors.Length - 2 && t > Tenors[i + 1])
        {
            i++;
            goto next;
        }

        return i;
    }

    /// <summary>The zero rate at t, linear between the tenors.</summary>
    [CustomGradient]
    public static double Rate(double t)
    {
        int i = Segment(t);
        double weight = (t - Tenors[i]) / (Tenors[i + 1] - Tenors[i]);
        return Rates[i] + weight * (Rates[i + 1] - Rates[i]);
    }

    /// <summary>The slope of the segment that holds t.</summary>
    public static double RateGradient(double t, ref double dt, double seed = 1.0)
    {
        int i = Segment(t);
        dt += seed * (Rates[i + 1] - Rates[i]) / (Tenors[i + 1] - Tenors[i]);
        return Rate(t);
    }

    /// <summary>The forward rate between t1 and t2.</summary>
    [Differentiable]
    public static double ForwardRate(double t1, double t2) => (Rate(t2) * t2 - Rate(t1) * t1) / (t2 - t1);

    /// <summary>A bond's price: its cash flows discounted on the curve shifted by spread, at times shifted by delay.</summary>
    [Differentiable]
    public static double BondPrice(double spread, double delay, [NoDerivative] double[] times, [NoDerivative] double[] flows)
    {
        double price = 0;
        for (int i = 0; i < times.Length; i++)
        {
            double t = times[i] + delay;
            price += flows[i] * Math.Exp(-(Rate(t) + spread) * t);
        }

        return price;
    }
}

/// <summary>A custom gradient with a mistake in it, for GradientCheck to catch.</summary>
public static partial class Mistaken
{
    [CustomGradient]
    public static double Swish(double x) => x / (1 + Math.Exp(-x));

    // Wrong: the derivative of x·σ(x) is σ(x) + x·σ(x)(1 − σ(x)); this forgets the second term.
    public static double SwishGradient(double x, ref double dx, double seed = 1.0)
    {
        double sigmoid = 1 / (1 + Math.Exp(-x));
        dx += seed * sigmoid;
        return Swish(x);
    }

    [Differentiable]
    public static double Loss(double[] w, [NoDerivative] double[] x)
    {
        double total = 0;
        for (int i = 0; i < w.Length; i++) total += Swish(w[i] * x[i]);
        return total;
    }
}
