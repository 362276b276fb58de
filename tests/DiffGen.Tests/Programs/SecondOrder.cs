using System;

namespace DiffGen.Tests.Programs;

/// <summary>
/// Programs whose users want more than a gradient, written as they write them: a Newton step needs H·v, an
/// uncertainty needs the curvature at the optimum, a sensitivity needs a directional derivative.
/// </summary>
public static partial class SecondOrder
{
    /// <summary>Rosenbrock's valley in n dimensions (the classic of Newton-CG and L-BFGS demos), with the usual 100.</summary>
    [Differentiable]
    public static double Rosenbrock(double[] x)
    {
        double sum = 0;
        for (int i = 0; i + 1 < x.Length; i++)
        {
            double a = 1 - x[i];
            double b = x[i + 1] - x[i] * x[i];
            sum += a * a + 100 * b * b;
        }

        return sum;
    }

    /// <summary>Poisson regression's negative log-likelihood, its design a matrix of data (its Hessian is Xᵀ diag(μ) X).</summary>
    [Differentiable]
    public static double PoissonNll(double[] beta, [NoDerivative] double[,] x, [NoDerivative] double[] y)
    {
        double nll = 0;
        for (int i = 0; i < x.GetLength(0); i++)
        {
            double eta = 0;
            for (int j = 0; j < x.GetLength(1); j++)
            {
                eta += x[i, j] * beta[j];
            }

            nll += Math.Exp(eta) - y[i] * eta;
        }

        return nll;
    }

    /// <summary>The negative log-likelihood of logistic regression (its Hessian is Xᵀ W X, W = diag(p(1 − p))).</summary>
    [Differentiable]
    public static double LogisticNll(double[] beta, [NoDerivative] double[] x, [NoDerivative] double[] y, int n, int d)
    {
        double nll = 0;
        for (int i = 0; i < n; i++)
        {
            double z = 0;
            for (int j = 0; j < d; j++)
            {
                z += x[i * d + j] * beta[j];
            }

            // log(1 + e^z) − y z, written the stable way people write it
            double softplus = z > 0 ? z + Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z));
            nll += softplus - y[i] * z;
        }

        return nll;
    }

    /// <summary>A chain of springs between fixed ends: elastic energy of the free nodes' positions (2-D).</summary>
    [Differentiable]
    public static double SpringEnergy(ReadOnlySpan<double> positions, [NoDerivative] double restLength, [NoDerivative] double stiffness)
    {
        int nodes = positions.Length / 2;
        double energy = 0;
        double px = 0, py = 0;   // the fixed left end
        for (int i = 0; i <= nodes; i++)
        {
            double qx = i < nodes ? positions[2 * i] : nodes + 1.0;   // the fixed right end after the last node
            double qy = i < nodes ? positions[2 * i + 1] : 0.0;
            double stretch = Math.Sqrt((qx - px) * (qx - px) + (qy - py) * (qy - py)) - restLength;
            energy += 0.5 * stiffness * stretch * stretch;
            px = qx;
            py = qy;
        }

        return energy;
    }

    /// <summary>A Black–Scholes call with the normal CDF by Abramowitz–Stegun 26.2.17, as pricing code has it.</summary>
    [Differentiable]
    public static double BlackScholesCall(double spot, double volatility, double rate, [NoDerivative] double strike, [NoDerivative] double maturity)
    {
        double sqrtT = Math.Sqrt(maturity);
        double d1 = (Math.Log(spot / strike) + (rate + 0.5 * volatility * volatility) * maturity) / (volatility * sqrtT);
        double d2 = d1 - volatility * sqrtT;
        return spot * NormalCdf(d1) - strike * Math.Exp(-rate * maturity) * NormalCdf(d2);
    }

    private static double NormalCdf(double x)
    {
        double t = 1 / (1 + 0.2316419 * Math.Abs(x));
        double poly = t * (0.319381530 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
        double tail = Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI) * poly;
        return x >= 0 ? 1 - tail : tail;
    }

    /// <summary>A small tanh network's squared error (curvature of a loss, as in Hessian-free optimization).</summary>
    [Differentiable]
    public static double TanhNet(double[] w, [NoDerivative] double[] inputs, [NoDerivative] double[] targets)
    {
        double loss = 0;
        for (int s = 0; s < targets.Length; s++)
        {
            double h0 = Math.Tanh(w[0] * inputs[2 * s] + w[1] * inputs[2 * s + 1] + w[2]);
            double h1 = Math.Tanh(w[3] * inputs[2 * s] + w[4] * inputs[2 * s + 1] + w[5]);
            double output = w[6] * h0 + w[7] * h1 + w[8];
            double error = output - targets[s];
            loss += error * error;
        }

        return loss / targets.Length;
    }

    /// <summary>A piecewise method: ReLU units, Max, Abs and a branch (second derivatives are zero but where the pieces curve).</summary>
    [Differentiable]
    public static double Piecewise(double a, double b, double c)
    {
        double r = Math.Max(0, a * b - c);
        double s = Math.Abs(a - c) * Math.Exp(0.1 * b);
        if (r > s)
        {
            return r * r + s;
        }

        return s * Math.Sqrt(1 + r * r);
    }

    /// <summary>The distance's square at the origin: every gradient there is 0 (strong zero), and so is every tangent.</summary>
    [Differentiable]
    public static double SquaredNorm(double x, double y)
    {
        double r = Math.Sqrt(x * x + y * y);
        return r * r;
    }

    /// <summary>A float method: the tangent and the Hessian in float.</summary>
    [Differentiable]
    public static float Softplus2(float x, float y) => MathF.Log(1 + MathF.Exp(x * y)) + 0.5f * x * x;

    /// <summary>A local array, a while loop with a data-dependent exit, and a reassigned array element.</summary>
    [Differentiable]
    public static double Iterated(double[] p, [NoDerivative] double tolerance)
    {
        var state = new double[p.Length];
        for (int i = 0; i < p.Length; i++)
        {
            state[i] = p[i];
        }

        double change = 1;
        int steps = 0;
        while (change > tolerance && steps < 50)
        {
            change = 0;
            for (int i = 0; i < state.Length; i++)
            {
                double next = 0.5 * (state[i] + p[i] / (1 + state[i] * state[i]));
                change += Math.Abs(next - state[i]);
                state[i] = next;
            }

            steps++;
        }

        double sum = 0;
        foreach (double v in state)
        {
            sum += v * v;
        }

        return sum;
    }

    /// <summary>Calls: a helper of this compilation over a span, recursion, and the runtime library's functions (another assembly).</summary>
    [Differentiable]
    public static double RegularizedRosenbrock(double[] x, double lambda) => Rosenbrock(x) + lambda * HalfSquaredNorm(x) + Functions.Softplus(x[0] * lambda);

    [Differentiable]
    public static double HalfSquaredNorm(ReadOnlySpan<double> v)
    {
        double sum = 0;
        foreach (double e in v)
        {
            sum += e * e;
        }

        return 0.5 * sum;
    }

    /// <summary>A recursive power series: x·(1 + x·(1 + …)) to a depth, through its own tangent and Hessian-vector product.</summary>
    [Differentiable]
    public static double Nested(double x, double a, int depth) => depth == 0 ? a : x * Math.Tanh(a + Nested(x, a, depth - 1));

    /// <summary>A call of a vector-valued method of this compilation (differentiated in place).</summary>
    [Differentiable]
    public static double ThroughAVectorValuedCall(double x, double y)
    {
        double[] both = Pair(x, y);
        return both[0] * both[1];
    }

    [Differentiable]
    public static double[] Pair(double x, double y) => new[] { x * y, x + y };

    /// <summary>A varied value passed to a [NoDerivative] parameter of a callee: through the callee's full gradient, full tangent and full H·v.</summary>
    [Differentiable]
    public static double ThroughAConstantParameter(double x) => ScaledByAConstant(x, x);

    [Differentiable]
    public static double ScaledByAConstant(double x, [NoDerivative] double scale) => scale * x * x;

    /// <summary>A stable softplus with its derivatives written by hand: the gradient, and for forward mode the tangent and H·v.</summary>
    [CustomGradient]
    public static double StableSoftplus(double x) => x > 0 ? x + Math.Log(1 + Math.Exp(-x)) : Math.Log(1 + Math.Exp(x));

    public static double StableSoftplusGradient(double x, ref double dx, double seed = 1.0)
    {
        dx += seed * Sigmoid(x);
        return StableSoftplus(x);
    }

    public static double StableSoftplusTangent(double x, double tx, out double tangent)
    {
        tangent = Sigmoid(x) * tx;
        return StableSoftplus(x);
    }

    public static double StableSoftplusHessianVector(double x, double vx, ref double dx, ref double hx, double seed = 1.0)
    {
        var s = Sigmoid(x);
        dx += seed * s;
        hx += seed * s * (1 - s) * vx;
        return StableSoftplus(x);
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>A logistic-style loss through the hand-written softplus: its tangent and H·v go through the user's.</summary>
    [Differentiable]
    public static double SoftplusLoss(double w, double b, [NoDerivative] double x) => StableSoftplus(w * x + b) + 0.1 * w * w;

    /// <summary>A custom callee with only a gradient: forward mode through it has nothing to call.</summary>
    [CustomGradient]
    public static double Cube(double x) => x * x * x;

    public static double CubeGradient(double x, ref double dx, double seed = 1.0)
    {
        dx += seed * 3 * x * x;
        return Cube(x);
    }

    [Differentiable]
    public static double ThroughCube(double x) => Cube(x) + x;

    /// <summary>√(x² + c) at x = 0: the tangent is 0 there, the Hessian 1/√c (a strong-zero guard on the tangent alone lost it).</summary>
    [Differentiable]
    public static double RootOfSquarePlus(double x, double c) => Math.Sqrt(x * x + c);
}
