using System;
using System.Linq;

namespace DiffGen.Tests.Programs.EndToEnd;

/// <summary>Statistics programs as first written (issue 13, end to end).</summary>
public static partial class Statistics
{
    // Gaussian log-likelihood of a sample (Bishop, "Pattern Recognition and Machine Learning",
    // 2006, eq. 1.54).
    [Differentiable]
    public static double GaussianLogLikelihood(double mu, double sigma, [NoDerivative] double[] data)
    {
        double n = data.Length;
        double ss = 0;
        foreach (var x in data)
        {
            ss += (x - mu) * (x - mu);
        }

        return -0.5 * n * Math.Log(2 * Math.PI * sigma * sigma) - ss / (2 * sigma * sigma);
    }

    // Student-t log-likelihood with location, scale and degrees of freedom; log Γ by the Lanczos
    // approximation of Numerical Recipes in C, 2nd ed., §6.1 (gammln).
    static double LogGamma(double xx)
    {
        double[] cof = { 76.18009172947146, -86.50532032941677, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2, -0.5395239384953e-5 };
        double x = xx, y = xx;
        double tmp = x + 5.5;
        tmp -= (x + 0.5) * Math.Log(tmp);
        double ser = 1.000000000190015;
        for (int j = 0; j < 6; j++) ser += cof[j] / ++y;
        return -tmp + Math.Log(2.5066282746310005 * ser / x);
    }

    [Differentiable]
    public static double StudentTLogLikelihood(double mu, double sigma, double nu, [NoDerivative] double[] data)
    {
        double logNorm = LogGamma((nu + 1) / 2) - LogGamma(nu / 2) - 0.5 * Math.Log(nu * Math.PI) - Math.Log(sigma);
        double ll = 0;
        for (int i = 0; i < data.Length; i++)
        {
            double z = (data[i] - mu) / sigma;
            ll += logNorm - (nu + 1) / 2 * Math.Log(1 + z * z / nu);
        }

        return ll;
    }

    // Half the squared Mahalanobis distance with a precision matrix stored row-major in a double[]
    // (the exponent of the multivariate normal, Bishop eq. 2.43).
    [Differentiable]
    public static double MahalanobisHalf(double[] x, double[] mean, [NoDerivative] double[] precision)
    {
        int n = x.Length;
        double q = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                q += (x[i] - mean[i]) * precision[i * n + j] * (x[j] - mean[j]);
            }
        }

        return 0.5 * q;
    }

    // Log-likelihood of a two-component 1-D Gaussian mixture, log-sum-exp per weighted sample
    // (Bishop eq. 9.14), iterating over (sample, weight) pairs.
    [Differentiable]
    public static double MixtureLogLikelihood(double mu1, double mu2, double sigma, double mix, [NoDerivative] double[] data, [NoDerivative] double[] sampleWeights)
    {
        double ll = 0;
        foreach (var (x, weight) in data.Zip(sampleWeights))
        {
            double a = Math.Log(mix) - 0.5 * Math.Pow((x - mu1) / sigma, 2);
            double b = Math.Log(1 - mix) - 0.5 * Math.Pow((x - mu2) / sigma, 2);
            double m = Math.Max(a, b);
            ll += weight * (m + Math.Log(Math.Exp(a - m) + Math.Exp(b - m)) - Math.Log(sigma * Math.Sqrt(2 * Math.PI)));
        }

        return ll;
    }

    // Gaussian-process negative log marginal likelihood with a squared-exponential kernel,
    // Rasmussen & Williams, "Gaussian Processes for Machine Learning", 2006, Algorithm 2.1
    // (Cholesky, forward substitution, eq. 2.30); the kernel matrix as double[,].
    [Differentiable]
    public static double GpNegLogMarginalLikelihood(double lengthScale, double signalVariance, double noiseVariance, [NoDerivative] double[] xs, [NoDerivative] double[] ys)
    {
        int n = xs.Length;
        var K = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double d = xs[i] - xs[j];
                K[i, j] = signalVariance * Math.Exp(-0.5 * d * d / (lengthScale * lengthScale));
                if (i == j) K[i, j] += noiseVariance;
            }
        }

        var L = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double s = K[i, j];
                for (int p = 0; p < j; p++) s -= L[i, p] * L[j, p];
                L[i, j] = i == j ? Math.Sqrt(s) : s / L[j, j];
            }
        }

        var alpha = new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = ys[i];
            for (int p = 0; p < i; p++) s -= L[i, p] * alpha[p];
            alpha[i] = s / L[i, i];
        }

        double quad = 0, logDet = 0;
        for (int i = 0; i < n; i++)
        {
            quad += alpha[i] * alpha[i];
            logDet += Math.Log(L[i, i]);
        }

        return 0.5 * quad + logDet + 0.5 * n * Math.Log(2 * Math.PI);
    }

    // Logistic regression negative log-likelihood (Bishop eq. 4.90), features as a jagged array
    // and the dot product in LINQ.
    [Differentiable]
    public static double LogisticRegressionNll(double[] w, double b, [NoDerivative] double[][] features, [NoDerivative] int[] labels)
    {
        double nll = 0;
        for (int i = 0; i < features.Length; i++)
        {
            double z = features[i].Zip(w, (a, c) => a * c).Sum() + b;
            double p = 1 / (1 + Math.Exp(-z));
            nll -= labels[i] == 1 ? Math.Log(p) : Math.Log(1 - p);
        }

        return nll;
    }
}
