using System;

namespace DiffGen.Tests.Programs;

/// <summary>
/// Programs written as users write them, with sizes and horizons as literals: networks of literal
/// sizes, fixed-horizon integrators, a binomial tree, a fixed-step filter, and loops in every form a
/// counter takes (down, inclusive, long, uint, != bound, steps of 2, const bounds, break, continue,
/// switch). Their tapes have a size known at compile time, so the generator may keep them on the stack;
/// the large bounds (1,024 saved doubles and one more, 5,000 steps) must fall back to the pool.
/// </summary>
public static partial class FixedSizePrograms
{
    // XOR 2-2-1 sigmoid network, 4 samples, cross-entropy: nested literal loops, the stack-tape case.
    [Differentiable]
    public static double Xor(double[] w, [NoDerivative] double[] x, [NoDerivative] double[] y)
    {
        double loss = 0;
        for (int s = 0; s < 4; s++)
        {
            double o = w[8];
            for (int h = 0; h < 2; h++)
            {
                double z = w[h * 3] * x[s * 2] + w[h * 3 + 1] * x[s * 2 + 1] + w[h * 3 + 2];
                double a = 1.0 / (1.0 + Math.Exp(-z));
                o += w[6 + h] * a;
            }
            double p = 1.0 / (1.0 + Math.Exp(-o));
            loss += -(y[s] * Math.Log(p) + (1 - y[s]) * Math.Log(1 - p));
        }
        return loss / 4;
    }

    // 2-3-1 tanh network, 5 samples (w: 6 W1, 3 b1, 3 W2, 1 b2).
    [Differentiable]
    public static double Net231(double[] w, [NoDerivative] double[] x, [NoDerivative] double[] y)
    {
        double loss = 0;
        for (int s = 0; s < 5; s++)
        {
            double o = w[12];
            for (int j = 0; j < 3; j++)
            {
                double z = w[j * 2] * x[s * 2] + w[j * 2 + 1] * x[s * 2 + 1] + w[6 + j];
                o += w[9 + j] * Math.Tanh(z);
            }
            double e = o - y[s];
            loss += e * e;
        }
        return 0.5 * loss;
    }

    // Euler damped oscillator, 50 steps (p = k, c, x0, v0): state carried through a fixed horizon.
    [Differentiable]
    public static double EulerOscillator(double[] p)
    {
        double x = p[2], v = p[3];
        const double dt = 0.05;
        double energy = 0;
        for (int t = 0; t < 50; t++)
        {
            double a = -p[0] * x - p[1] * v + 0.1 * Math.Sin(x);
            x += dt * v;
            v += dt * a;
            energy += x * x * v;
        }
        return energy + x;
    }

    // Velocity Verlet under a central force, 100 steps: accelerations carried from one step to the next.
    [Differentiable]
    public static double Verlet(double gm, double x0, double y0, double vx0, double vy0)
    {
        double x = x0, y = y0, vx = vx0, vy = vy0;
        double dt = 0.01;
        double r = Math.Sqrt(x * x + y * y);
        double ax = -gm * x / (r * r * r), ay = -gm * y / (r * r * r);
        for (int t = 0; t < 100; t++)
        {
            x += vx * dt + 0.5 * ax * dt * dt;
            y += vy * dt + 0.5 * ay * dt * dt;
            r = Math.Sqrt(x * x + y * y);
            double nax = -gm * x / (r * r * r), nay = -gm * y / (r * r * r);
            vx += 0.5 * (ax + nax) * dt;
            vy += 0.5 * (ay + nay) * dt;
            ax = nax; ay = nay;
        }
        return x * 0.3 + y * 0.7 + 0.5 * (vx * vx + vy * vy);
    }

    // Horner's rule, degree 6, counting down: the counter indexes the coefficients backward.
    [Differentiable]
    public static double Horner(double[] c, double x)
    {
        double total = 0;
        for (int s = 0; s < 3; s++)
        {
            double xs = x + 0.3 * s;
            double acc = 0;
            for (int k = 6; k >= 0; k--)
            {
                acc = acc * xs + c[k];
            }
            total += Math.Sin(acc);
        }
        return total;
    }

    // CRR binomial American put, 25 steps: a triangular nest whose inner bound is the outer counter, and early exercise by Math.Max.
    [Differentiable]
    public static double BinomialAmericanPut(double s0, double k, double r, double sigma, double T)
    {
        double dt = T / 25;
        double u = Math.Exp(sigma * Math.Sqrt(dt));
        double d = 1 / u;
        double q = (Math.Exp(r * dt) - d) / (u - d);
        double disc = Math.Exp(-r * dt);
        var v = new double[26];
        for (int i = 0; i <= 25; i++)
        {
            double st = s0 * Math.Pow(u, 25 - i) * Math.Pow(d, i);
            v[i] = Math.Max(k - st, 0);
        }
        for (int step = 24; step >= 0; step--)
        {
            for (int i = 0; i <= step; i++)
            {
                double st = s0 * Math.Pow(u, step - i) * Math.Pow(d, i);
                double cont = disc * (q * v[i] + (1 - q) * v[i + 1]);
                v[i] = Math.Max(cont, k - st);
            }
        }
        return v[0];
    }

    // Scalar Kalman filter, 10 fixed steps, negative log-likelihood (p = a, q, r).
    [Differentiable]
    public static double Kalman(double a, double q, double r, [NoDerivative] double[] obs)
    {
        double m = 0, pv = 1;
        double nll = 0;
        for (int t = 0; t < 10; t++)
        {
            double mp = a * m;
            double pp = a * a * pv + q;
            double sv = pp + r;
            double innov = obs[t] - mp;
            nll += 0.5 * (Math.Log(2 * Math.PI * sv) + innov * innov / sv);
            double gain = pp / sv;
            m = mp + gain * innov;
            pv = (1 - gain) * pp;
        }
        return nll;
    }

    // Three literal loops nested 3×4×5: the tape holds every level's values.
    [Differentiable]
    public static double Nested345(double[] w)
    {
        double total = 0;
        for (int i = 0; i < 3; i++)
        {
            double row = 0;
            for (int j = 0; j < 4; j++)
            {
                double acc = w[i + j];
                for (int k = 0; k < 5; k++)
                {
                    acc = Math.Sin(acc * w[k] + 0.1 * j);
                }
                row += acc * acc;
            }
            total += Math.Exp(0.2 * row);
        }
        return total;
    }

    // Literal loops inside both arms of an if: which arm ran must be known in reverse.
    [Differentiable]
    public static double LoopsInBranches(double[] w)
    {
        double s = w[0];
        if (w[1] > 0)
        {
            for (int i = 0; i < 5; i++) s = Math.Tanh(s * w[2] + w[3]);
        }
        else
        {
            for (int i = 0; i < 7; i++) s = Math.Cos(s) * w[2];
        }
        for (int i = 0; i < 3; i++)
        {
            if (s > 0) { for (int j = 0; j < 4; j++) s = s * 0.9 + Math.Sin(w[j]); }
            else s = s * s + w[i];
        }
        return s;
    }

    // A Newton while loop (unknown trips) before a literal loop: the method's tapes cannot all be on the stack.
    [Differentiable]
    public static double WhileThenLiteral(double a, double b)
    {
        double x = 1;
        int it = 0;
        while (Math.Abs(x * x * x - a) > 1e-12 && it < 50)
        {
            x = x - (x * x * x - a) / (3 * x * x);
            it++;
        }
        double y = x;
        for (int k = 0; k < 8; k++)
        {
            y = y + Math.Sin(y * b) * 0.1;
        }
        return y;
    }

    // A recurrence counting down.
    [Differentiable]
    public static double CountDown(double[] w)
    {
        double s = 1;
        for (int i = 9; i >= 0; i--)
        {
            s = Math.Log(1 + s * s) + w[i] * Math.Exp(-s);
        }
        return s;
    }

    // An inclusive bound, 1..12.
    [Differentiable]
    public static double Inclusive(double a, double b)
    {
        double s = 0, p = a;
        for (int n = 1; n <= 12; n++)
        {
            p = p * b / n;
            s += Math.Sqrt(1 + p * p);
        }
        return s;
    }

    // A long counter with a long literal bound.
    [Differentiable]
    public static double LongCounter(double[] w)
    {
        double s = 0.5;
        for (long i = 0; i < 20L; i++)
        {
            s = 1 / (1 + Math.Exp(-(s * w[i % 3] + 0.1 * i)));
        }
        return s;
    }

    // A uint counter with a uint literal bound.
    [Differentiable]
    public static double UintCounter(double[] w)
    {
        double s = 0.2;
        for (uint i = 0; i < 15u; i++)
        {
            s = Math.Atan(s + w[i % 4u] * s * s);
        }
        return s;
    }

    // 5,000 steps: far past the stack budget, the tape must be pooled.
    [Differentiable]
    public static double Logistic5000(double r, double x0)
    {
        double x = x0;
        double sum = 0;
        for (int t = 0; t < 5000; t++)
        {
            x = x + 0.001 * r * x * (1 - x);
            sum += Math.Log(x);
        }
        return sum / 5000;
    }

    // ReLU MLP 4-8-1 of literal sizes, 6 samples (w: 32 W1, 8 b1, 8 W2, 1 b2): the gate recorded per unit.
    [Differentiable]
    public static double ReluMlp(double[] w, [NoDerivative] double[] x, [NoDerivative] double[] y)
    {
        double loss = 0;
        for (int s = 0; s < 6; s++)
        {
            double o = w[48];
            for (int j = 0; j < 8; j++)
            {
                double z = w[32 + j];
                for (int k = 0; k < 4; k++) z += w[j * 4 + k] * x[s * 4 + k];
                o += w[40 + j] * Math.Max(0, z);
            }
            loss += (o - y[s]) * (o - y[s]);
        }
        return loss / 6;
    }

    static double Softplus(double z) => Math.Log(1 + Math.Exp(z));

    [Differentiable]
    public static double Swish(double z) => z / (1 + Math.Exp(-z));

    // Two helpers in a literal loop, a plain static one and a [Differentiable] one.
    [Differentiable]
    public static double HelperInLoop(double[] w)
    {
        double s = 0;
        for (int i = 0; i < 6; i++)
        {
            double z = w[i] * (s + 1);
            s += Softplus(z) - Swish(z * 0.5);
        }
        return s;
    }

    // RNN with a fresh local array each step (hidden 3, 8 steps; w: 9 Wh, 3 Wx, 3 Wo): the old array is still read in reverse.
    [Differentiable]
    public static double Rnn(double[] w, [NoDerivative] double[] xs)
    {
        var h = new double[3];
        double loss = 0;
        for (int t = 0; t < 8; t++)
        {
            var hn = new double[3];
            for (int i = 0; i < 3; i++)
            {
                double z = w[9 + i] * xs[t];
                for (int j = 0; j < 3; j++) z += w[i * 3 + j] * h[j];
                hn[i] = Math.Tanh(z);
            }
            h = hn;
            double o = 0;
            for (int i = 0; i < 3; i++) o += w[12 + i] * h[i];
            loss += (o - xs[t + 1]) * (o - xs[t + 1]);
        }
        return loss;
    }

    // A data-dependent break out of a literal loop: fewer trips than the bound.
    [Differentiable]
    public static double BreakLiteral(double a, double b)
    {
        double s = a;
        for (int i = 0; i < 20; i++)
        {
            s = s * 1.1 + Math.Sin(b * i);
            if (s > 5) break;
        }
        return s * b;
    }

    // Two continues in a literal loop, one on the counter and one on the data.
    [Differentiable]
    public static double ContinueLiteral(double[] w)
    {
        double s = 0;
        for (int i = 0; i < 15; i++)
        {
            if (i % 3 == 0) continue;
            double z = w[i % 5] * (s + 0.5);
            if (z < 0) continue;
            s += Math.Sqrt(z + 0.1);
        }
        return s;
    }

    // The 2-3-1 network in float.
    [Differentiable]
    public static float FloatNet(float[] w, [NoDerivative] float[] x, [NoDerivative] float[] y)
    {
        float loss = 0;
        for (int s = 0; s < 5; s++)
        {
            float o = w[12];
            for (int j = 0; j < 3; j++)
            {
                float z = w[j * 2] * x[s * 2] + w[j * 2 + 1] * x[s * 2 + 1] + w[6 + j];
                o += w[9 + j] * MathF.Tanh(z);
            }
            float e = o - y[s];
            loss += e * e;
        }
        return 0.5f * loss;
    }

    // Euler in float, 30 steps.
    [Differentiable]
    public static float FloatEuler(float k, float c)
    {
        float x = 1, v = 0;
        for (int t = 0; t < 30; t++)
        {
            float a = -k * MathF.Sin(x) - c * v;
            x += 0.1f * v;
            v += 0.1f * a;
        }
        return x * x + v;
    }

    // A matrix-product nest of literal sizes (GEMM), then tanh.
    [Differentiable]
    public static double Gemm(double[] w, [NoDerivative] double[] x)
    {
        double loss = 0;
        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                double s = 0;
                for (int k = 0; k < 5; k++) s += x[i * 5 + k] * w[j * 5 + k];
                loss += Math.Tanh(s + 0.1 * j);
            }
        }
        return loss;
    }

    // A matrix-product nest whose product goes through a ReLU and is weighted by w.
    [Differentiable]
    public static double GemmRelu(double[] w, double[] x)
    {
        double loss = 0;
        for (int i = 0; i < 6; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                double s = 0;
                for (int k = 0; k < 3; k++) s += x[i * 3 + k] * w[j * 3 + k];
                double a = Math.Max(0, s);
                loss += a * a * w[12 + j];
            }
        }
        return loss;
    }

    // A literal nest inside a while loop: it runs an unknown number of times, so its tape is pooled.
    [Differentiable]
    public static double LiteralInsideWhile(double[] w, double x)
    {
        double total = x;
        int rounds = 0;
        while (total < 20 && rounds < 6)
        {
            for (int k = 0; k < 3; k++)
            {
                for (int j = 0; j < 2; j++) total += Math.Exp(w[k] * 0.1 * j) * Math.Sqrt(total);
            }
            rounds++;
        }
        return total;
    }

    // A literal nest inside a for with a parameter bound: pooled as well.
    [Differentiable]
    public static double LiteralInsideUnknownFor(double[] w, int epochs)
    {
        double s = 0.3;
        for (int e = 0; e < epochs; e++)
        {
            for (int k = 0; k < 4; k++) s = Math.Tanh(s * w[k] + 0.2);
        }
        return s;
    }

    // Mixed tapes: a ReLU-gated literal loop, a while loop, then branches in a literal loop.
    [Differentiable]
    public static double MixedTapes(double[] w, double x)
    {
        double s = 0;
        for (int j = 0; j < 6; j++)
        {
            double z = w[j] * x - 0.2;
            s += Math.Max(0, z) * w[j + 6];
        }
        int n = 0;
        double y = s + 1;
        while (y < 30 && n < 40)
        {
            y = y * 1.3 + Math.Sin(y);
            n++;
        }
        for (int j = 0; j < 4; j++)
        {
            if (y * w[j] > 1) y = Math.Log(y * w[j]) + y;
            else y = y + Math.Exp(w[j]);
        }
        return y;
    }

    // A literal outer loop around a literal inner loop with a data-dependent break.
    [Differentiable]
    public static double NestedBreak(double[] w)
    {
        double total = 0;
        for (int i = 0; i < 5; i++)
        {
            double s = w[i];
            for (int j = 0; j < 10; j++)
            {
                s = s * s * 0.5 + w[5];
                if (s > 2) break;
            }
            total += Math.Sin(s);
        }
        return total;
    }

    // A != bound.
    [Differentiable]
    public static double NotEqualBound(double a)
    {
        double s = a;
        for (int i = 0; i != 10; i++)
        {
            s = Math.Sin(s) + a;
        }
        return s;
    }

    // A step of 2: 10 trips, not 20.
    [Differentiable]
    public static double StepTwo(double[] w)
    {
        double s = 0.1;
        for (int i = 0; i < 20; i += 2)
        {
            s = Math.Tanh(s + w[i / 2]);
        }
        return s;
    }

    const int Steps = 12;

    // Bounds that are a local const and a class const.
    [Differentiable]
    public static double ConstBound(double a, double b)
    {
        const int N = 8;
        double s = a;
        for (int i = 0; i < N; i++) s = Math.Exp(-s * b) + 0.1 * i;
        for (int i = 0; i < Steps; i++) s = Math.Sqrt(s * s + a);
        return s;
    }

    // A switch on the counter inside a literal loop.
    [Differentiable]
    public static double SwitchLoop(double[] w)
    {
        double s = 0.5;
        for (int i = 0; i < 9; i++)
        {
            switch (i % 3)
            {
                case 0: s = Math.Sin(s * w[0]); break;
                case 1: s = Math.Exp(s * w[1] * 0.2); break;
                default: s = s * s + w[2]; break;
            }
        }
        return s;
    }

    // Asian call by Monte Carlo, 4 paths of 12 steps, payoff through Math.Max.
    [Differentiable]
    public static double AsianCall(double s0, double sigma, double r, [NoDerivative] double[] z)
    {
        double dt = 1.0 / 12;
        double payoff = 0;
        for (int p = 0; p < 4; p++)
        {
            double s = s0, avg = 0;
            for (int t = 0; t < 12; t++)
            {
                s *= Math.Exp((r - 0.5 * sigma * sigma) * dt + sigma * Math.Sqrt(dt) * z[p * 12 + t]);
                avg += s / 12;
            }
            payoff += Math.Max(avg - 90, 0);
        }
        return Math.Exp(-r) * payoff / 4;
    }

    // Softmax cross-entropy, 5 classes, 3 samples, 2 features (w: 10 weights, 5 biases), with a running max and a fresh array per sample.
    [Differentiable]
    public static double SoftmaxCe(double[] w, [NoDerivative] double[] x, [NoDerivative] int[] label)
    {
        double loss = 0;
        for (int s = 0; s < 3; s++)
        {
            var z = new double[5];
            double mx = double.NegativeInfinity;
            for (int c = 0; c < 5; c++)
            {
                z[c] = w[10 + c] + w[c * 2] * x[s * 2] + w[c * 2 + 1] * x[s * 2 + 1];
                mx = Math.Max(mx, z[c]);
            }
            double sum = 0;
            for (int c = 0; c < 5; c++) sum += Math.Exp(z[c] - mx);
            loss += Math.Log(sum) + mx - z[label[s]];
        }
        return loss / 3;
    }

    // 1D heat equation, 10 cells, 20 steps, swapping two buffers by a tuple: the arrays trade places every step.
    [Differentiable]
    public static double Heat(double[] u0, double kappa)
    {
        var u = new double[10];
        var un = new double[10];
        for (int i = 0; i < 10; i++) u[i] = u0[i];
        for (int t = 0; t < 20; t++)
        {
            for (int i = 1; i < 9; i++)
            {
                un[i] = u[i] + kappa * (u[i - 1] - 2 * u[i] + u[i + 1]) + 0.01 * Math.Sin(u[i]);
            }
            un[0] = 0; un[9] = 0;
            (u, un) = (un, u);
        }
        double e = 0;
        for (int i = 0; i < 10; i++) e += u[i] * u[i] * (i + 1);
        return e;
    }

    // ReLU gates in loops that count down and in one with an inclusive bound.
    [Differentiable]
    public static double ReluDownInclusive(double[] w, [NoDerivative] double[] x)
    {
        double total = 0;
        for (int s = 2; s >= 0; s--)
        {
            double o = w[10];
            for (int j = 4; j >= 0; j--)
            {
                double z = w[j] * x[s] + w[5 + j];
                o += Math.Max(0, z) * w[j];
            }
            total += o * o;
        }
        for (int j = 1; j <= 3; j++)
        {
            double z = w[j] - 0.3 * total;
            total += 0.5 * Math.Max(0, z);
        }
        return total;
    }

    // A do-while around a literal loop.
    [Differentiable]
    public static double DoWhileLiteral(double[] w)
    {
        double s = 0.1;
        int n = 0;
        do
        {
            for (int k = 0; k < 3; k++) s = s + Math.Exp(-s * w[k]) * 0.5;
            n++;
        } while (s < 3 && n < 10);
        return s;
    }

    // 1,024 steps that save one double each (8 KB, the stack budget) and 1,025 (pooled): either side of the limit.
    [Differentiable]
    public static double Exactly1024(double a)
    {
        double s = a;
        for (int i = 0; i < 1024; i++) s = Math.Sin(s) * 0.999 + 0.001 * a;
        return s;
    }

    [Differentiable]
    public static double Over1024(double a)
    {
        double s = a;
        for (int i = 0; i < 1025; i++) s = Math.Sin(s) * 0.999 + 0.001 * a;
        return s;
    }

    // A literal loop in a helper called from a while loop.
    static double Smooth(double v, double c)
    {
        double r = v;
        for (int k = 0; k < 4; k++) r = Math.Tanh(r + c);
        return r;
    }

    [Differentiable]
    public static double HelperLoopInWhile(double a, double c)
    {
        double s = a;
        int n = 0;
        while (s < 3 && n < 8)
        {
            s += Smooth(s, c) + 0.5;
            n++;
        }
        return s;
    }

    // A literal loop in a local function called twice: each call has its own tape.
    [Differentiable]
    public static double LocalFunctionTwice(double a, double b)
    {
        double Iterate(double v)
        {
            double r = v;
            for (int k = 0; k < 5; k++) r = Math.Cos(r) * b;
            return r;
        }
        return Iterate(a) + Iterate(a * 2);
    }

    // The counter on the right of the comparison (10 > i).
    [Differentiable]
    public static double ReversedComparison(double a)
    {
        double s = a;
        for (int i = 0; 10 > i; i++) s = Math.Sin(s) + 0.1 * a;
        return s;
    }

    // ReLU in two layers, the first stored into a local array the second reads.
    [Differentiable]
    public static double TwoReluLayers(double[] w, [NoDerivative] double[] x)
    {
        var h1 = new double[4];
        for (int j = 0; j < 4; j++)
        {
            double z = w[j] * x[0] + w[4 + j] * x[1];
            h1[j] = Math.Max(0, z);
        }
        double o = 0;
        for (int j = 0; j < 3; j++)
        {
            double z = 0;
            for (int k = 0; k < 4; k++) z += w[8 + j * 4 + k] * h1[k];
            o += Math.Max(0, z + 0.1);
        }
        return o * o;
    }
}
