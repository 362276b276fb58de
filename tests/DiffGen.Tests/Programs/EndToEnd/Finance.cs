using System;
using System.Linq;

namespace DiffGen.Tests.Programs.EndToEnd;

/// <summary>Finance programs as a C# developer first writes them (issue 13, end to end).</summary>
public static partial class Finance
{
    // Black–Scholes (1973) call price; the normal CDF from the Abramowitz & Stegun 7.1.26
    // approximation of erf (Handbook of Mathematical Functions, 1964), the usual C# snippet since
    // System.Math has no Erf.
    static double Erf(double x)
    {
        double t = 1.0 / (1.0 + 0.3275911 * Math.Abs(x));
        double y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.Exp(-x * x);
        return x >= 0 ? y : -y;
    }

    [Differentiable]
    public static double NormCdf(double x) => 0.5 * (1.0 + Erf(x / Math.Sqrt(2.0)));

    [Differentiable]
    public static double BlackScholesCall(double spot, double strike, double rate, double vol, double maturity)
    {
        double d1 = (Math.Log(spot / strike) + (rate + vol * vol / 2) * maturity) / (vol * Math.Sqrt(maturity));
        double d2 = d1 - vol * Math.Sqrt(maturity);
        return spot * NormCdf(d1) - strike * Math.Exp(-rate * maturity) * NormCdf(d2);
    }

    // Monte Carlo European call under GBM with pre-drawn standard normals (Glasserman, "Monte Carlo
    // Methods in Financial Engineering", 2003, §1.1.2); the gradient is the pathwise estimator (§7.2).
    [Differentiable]
    public static double MonteCarloCall(double spot, double strike, double rate, double vol, double maturity, [NoDerivative] double[] normals)
    {
        double drift = (rate - 0.5 * vol * vol) * maturity;
        double diffusion = vol * Math.Sqrt(maturity);
        double sum = 0;
        foreach (var z in normals)
        {
            double st = spot * Math.Exp(drift + diffusion * z);
            sum += Math.Max(st - strike, 0.0);
        }

        return Math.Exp(-rate * maturity) * sum / normals.Length;
    }

    // SABR implied Black volatility, Hagan, Kumar, Lesniewski & Woodward, "Managing Smile Risk",
    // Wilmott 2002, eq. (2.17a), with the at-the-money limit (2.18).
    [Differentiable]
    public static double SabrVol(double forward, double strike, double expiry, double alpha, double beta, double rho, double nu)
    {
        double oneMinusBeta = 1 - beta;
        if (Math.Abs(forward - strike) < 1e-12)
        {
            double fBeta = Math.Pow(forward, oneMinusBeta);
            double atmTerm = oneMinusBeta * oneMinusBeta / 24 * alpha * alpha / (fBeta * fBeta)
                + 0.25 * rho * beta * nu * alpha / fBeta
                + (2 - 3 * rho * rho) / 24 * nu * nu;
            return alpha / fBeta * (1 + atmTerm * expiry);
        }

        double logFK = Math.Log(forward / strike);
        double fkBeta = Math.Pow(forward * strike, oneMinusBeta / 2);
        double z = nu / alpha * fkBeta * logFK;
        double xz = Math.Log((Math.Sqrt(1 - 2 * rho * z + z * z) + z - rho) / (1 - rho));
        double denominator = fkBeta * (1 + oneMinusBeta * oneMinusBeta / 24 * logFK * logFK
            + Math.Pow(oneMinusBeta, 4) / 1920 * Math.Pow(logFK, 4));
        double correction = 1 + (oneMinusBeta * oneMinusBeta / 24 * alpha * alpha / (fkBeta * fkBeta)
            + 0.25 * rho * beta * nu * alpha / fkBeta
            + (2 - 3 * rho * rho) / 24 * nu * nu) * expiry;
        return alpha / denominator * (z / xz) * correction;
    }

    // Bootstrapping discount factors from annual par swap rates (Hull, "Options, Futures, and Other
    // Derivatives", 10th ed., §7.6): df[i] = (1 − s_i Σ_{j<i} df[j]) / (1 + s_i). The gradient of a
    // cash-flow PV with respect to the par rates is the bucketed (key-rate) risk.
    static double[] BootstrapDiscountFactors(double[] parRates)
    {
        var df = new double[parRates.Length];
        double annuity = 0;
        for (int i = 0; i < parRates.Length; i++)
        {
            df[i] = (1 - parRates[i] * annuity) / (1 + parRates[i]);
            annuity += df[i];
        }

        return df;
    }

    [Differentiable]
    public static double CashflowPv(double[] parRates, [NoDerivative] double[] cashflows)
    {
        var df = BootstrapDiscountFactors(parRates);
        double pv = 0;
        for (int i = 0; i < cashflows.Length; i++)
        {
            pv += cashflows[i] * df[i];
        }

        return pv;
    }

    // A fixed-coupon bond priced on a zero curve with linear interpolation of continuously
    // compounded zero rates (Hull §4.4; Hagan & West, "Interpolation Methods for Curve
    // Construction", 2006, §2), pillar lookup with Array.BinarySearch.
    static double ZeroRate(double[] pillarTimes, double[] zeroRates, double t)
    {
        if (t <= pillarTimes[0]) return zeroRates[0];
        if (t >= pillarTimes[pillarTimes.Length - 1]) return zeroRates[zeroRates.Length - 1];
        int idx = Array.BinarySearch(pillarTimes, t);
        if (idx >= 0) return zeroRates[idx];
        int hi = ~idx;
        int lo = hi - 1;
        double w = (t - pillarTimes[lo]) / (pillarTimes[hi] - pillarTimes[lo]);
        return zeroRates[lo] + w * (zeroRates[hi] - zeroRates[lo]);
    }

    [Differentiable]
    public static double BondPrice(double[] zeroRates, [NoDerivative] double[] pillarTimes, double coupon, int years)
    {
        double price = 0;
        for (int y = 1; y <= years; y++)
        {
            double r = ZeroRate(pillarTimes, zeroRates, y);
            double cashflow = y == years ? 100 + coupon : coupon;
            price += cashflow * Math.Exp(-r * y);
        }

        return price;
    }

    // Price of an annual-coupon bond from its yield, in LINQ (Fabozzi, "Bond Markets, Analysis, and
    // Strategies", ch. 2); −(∂P/∂y)/P is the modified duration.
    [Differentiable]
    public static double PriceFromYield(double yield, double couponRate, int years) =>
        Enumerable.Range(1, years).Sum(t => 100 * couponRate / Math.Pow(1 + yield, t))
        + 100 / Math.Pow(1 + yield, years);

    // Arithmetic Asian call by Monte Carlo, one row of pre-drawn normals per path (Glasserman §3.2).
    [Differentiable]
    public static double MonteCarloAsianCall(double spot, double strike, double rate, double vol, double maturity, [NoDerivative] double[][] paths)
    {
        int steps = paths[0].Length;
        double dt = maturity / steps;
        double payoffSum = 0;
        foreach (var path in paths)
        {
            double s = spot;
            double average = 0;
            for (int i = 0; i < steps; i++)
            {
                s *= Math.Exp((rate - 0.5 * vol * vol) * dt + vol * Math.Sqrt(dt) * path[i]);
                average += s / steps;
            }

            payoffSum += Math.Max(average - strike, 0);
        }

        return Math.Exp(-rate * maturity) * payoffSum / paths.Length;
    }
}
