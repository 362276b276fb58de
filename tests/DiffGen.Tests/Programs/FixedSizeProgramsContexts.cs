using System;
using System.Linq;

namespace DiffGen.Tests.Programs;

/// <summary>
/// Programs written as users write them that put literal loops in contexts where the tape size is not
/// known: literal layers beside loops run an unknown number of times (while, do-while, retry by stepping
/// the counter back, early return, recursion, calls from a while loop), counters that are not ints,
/// ReLU gating traps (an off unit that still passes an adjoint through another term), and
/// matrix-product nests (named offsets, bias starts, runtime sizes, the other loop order, float, a
/// convolution).
/// </summary>
public static partial class FixedSizePrograms
{
    // A ReLU-gated literal layer, then a literal loop around a while loop: the while's trips are unknown.
    [Differentiable]
    public static double GatedThenWhileInFor(double[] w, double x)
    {
        double s = 0;
        for (int j = 0; j < 6; j++)
        {
            double z = w[j] * x - 0.2;
            s += Math.Max(0, z) * w[j + 6];
        }
        double y = s + 1;
        for (int t = 0; t < 3; t++)
        {
            int n = 0;
            while (y < 10 * (t + 1) && n < 30)
            {
                y = y * 1.2 + Math.Sin(y * w[t]);
                n++;
            }
        }
        return y;
    }

    // A ReLU-gated literal layer, then a literal loop around a literal loop with a break.
    [Differentiable]
    public static double GatedThenBreakInFor(double[] w, double x)
    {
        double s = 0;
        for (int j = 0; j < 6; j++)
        {
            double z = w[j] * x - 0.2;
            s += Math.Max(0, z) * w[j + 6];
        }
        double y = s + 1;
        for (int t = 0; t < 4; t++)
        {
            for (int k = 0; k < 20; k++)
            {
                y = y * 1.1 + Math.Cos(y * w[t]);
                if (y > 5 * (t + 1)) break;
            }
        }
        return y;
    }

    // A double counter with a fractional step: 10 trips, not 5.
    [Differentiable]
    public static double DoubleCounter(double a, double b)
    {
        double s = a;
        for (double t = 0; t < 5; t += 0.5)
        {
            s = s + 0.1 * Math.Sin(s * b + t);
        }
        return s;
    }

    // A float counter with a float step.
    [Differentiable]
    public static float FloatCounter(float a, float b)
    {
        float s = a;
        for (float t = 0; t < 3; t += 0.25f)
        {
            s = s + 0.1f * MathF.Sin(s * b + t);
        }
        return s;
    }

    // A retry: the counter is stepped back in the body, so there are more trips than the bound says.
    [Differentiable]
    public static double Retry(double a, double b)
    {
        double s = a;
        int retries = 0;
        for (int i = 0; i < 5; i++)
        {
            s = Math.Sin(s * b) + 0.5 * s + 0.3;
            if (s > 0.5 && retries < 4)
            {
                retries++;
                i--;
            }
        }
        return s;
    }

    // Enumerable.Range with literal arguments, summed and iterated.
    [Differentiable]
    public static double RangeSum(double[] w)
    {
        double total = Enumerable.Range(2, 5).Sum(i => Math.Sin(w[i - 2] * i));
        double prod = 1;
        foreach (var i in Enumerable.Range(0, 4)) prod = prod * Math.Cos(w[i]) + 0.5;
        return total * prod;
    }

    // An early return inside a literal loop.
    [Differentiable]
    public static double EarlyReturn(double a, double b)
    {
        double s = a;
        for (int i = 0; i < 30; i++)
        {
            s = s * b + Math.Exp(-s);
            if (s > 4) return s * s;
        }
        return s;
    }

    // A local array overwritten in a literal loop: the overwritten elements must be saved.
    [Differentiable]
    public static double RingBuffer(double[] w)
    {
        var a = new double[3];
        a[0] = w[0]; a[1] = w[1]; a[2] = w[2];
        for (int i = 0; i < 12; i++)
        {
            a[i % 3] = Math.Sin(a[(i + 1) % 3] * w[3]) + a[(i + 2) % 3] * 0.5;
        }
        return a[0] * a[1] + a[2];
    }

    // byte and short counters with literal bounds.
    [Differentiable]
    public static double SmallCounters(double a)
    {
        double s = a;
        for (byte b = 0; b < 200; b++) s = s + 0.001 * Math.Sin(s + b * 0.01);
        for (short k = -5; k <= 5; k++) s = s + 0.01 * Math.Tanh(s * k);
        return s;
    }

    // Counting down with a step of 3: 4 trips.
    [Differentiable]
    public static double StepDownThree(double[] w)
    {
        double s = 0.2;
        for (int i = 10; i > 0; i -= 3)
        {
            s = Math.Tanh(s * w[i % 4] + 0.3);
        }
        return s;
    }

    // Two tapes near the 8 KB budget (600 and 400 doubles) and a gate's ints.
    [Differentiable]
    public static double NearLimit(double[] w, double x)
    {
        double s = x;
        for (int i = 0; i < 600; i++) s = Math.Sin(s) * 0.99 + 0.001 * w[i % 4];
        for (int i = 0; i < 400; i++) s = Math.Cos(s) * 0.5 + s * 0.5;
        double r = 0;
        for (int j = 0; j < 100; j++)
        {
            double z = w[j % 4] * s - 0.1 * (j % 7);
            r += Math.Max(0, z);
        }
        return s + r;
    }

    // Gated loops in sequence and in both arms of an if.
    [Differentiable]
    public static double GatedSequence(double[] w, double x)
    {
        double a = 0, b = 0;
        for (int j = 0; j < 5; j++) a += Math.Max(0, w[j] * x + 0.1) * w[j + 5];
        if (a > 0)
        {
            for (int j = 4; j >= 0; j--) b += Math.Max(0, w[j + 5] * a - 0.1);
        }
        else
        {
            for (int j = 0; j <= 4; j++) b += Math.Max(0, -w[j] * a) * 2;
        }
        return a * b + b;
    }

    // A while loop in an if in a literal loop, after a gated literal loop.
    [Differentiable]
    public static double IfWhileInFor(double[] w, double x)
    {
        double s = 0;
        for (int j = 0; j < 4; j++) s += Math.Max(0, w[j] * x);
        for (int t = 0; t < 3; t++)
        {
            if (s > 0.2)
            {
                int n = 0;
                while (s < 3 && n < 20) { s = s * 1.5 + 0.1 * w[t]; n++; }
            }
            s = Math.Sqrt(s + 1);
        }
        return s;
    }

    // A do-while around a gated literal loop, then a gated literal loop.
    [Differentiable]
    public static double DoWhileGated(double[] w, double x)
    {
        double s = x;
        int n = 0;
        do
        {
            for (int j = 0; j < 3; j++) s += 0.3 * Math.Max(0, w[j] * s - 0.1);
            n++;
        } while (s < 4 && n < 6);
        for (int j = 0; j < 3; j++) s += 0.1 * Math.Max(0, w[j] - s);
        return s;
    }

    // Recursion with a literal loop in every frame: 900 doubles each, so a stack tape per frame would add up (tested shallow only).
    [Differentiable]
    public static double Rec(double x, int depth)
    {
        double s = x;
        for (int i = 0; i < 900; i++) s = s + 1e-4 * Math.Sin(s);
        if (depth <= 0) return s;
        return Rec(s * 0.9, depth - 1);
    }

    [Differentiable]
    public static double RecPooled(double x, int depth)
    {
        double s = x;
        for (int i = 0; i < 1100; i++) s = s + 1e-4 * Math.Sin(s);
        if (depth <= 0) return s;
        return RecPooled(s * 0.9, depth - 1);
    }

    // A continue in a literal loop around a gated inner layer.
    [Differentiable]
    public static double NestedGateContinue(double[] w, [NoDerivative] double[] x)
    {
        double total = 0;
        for (int s = 0; s < 4; s++)
        {
            if (x[s] < -0.8) continue;
            double o = 0;
            for (int j = 0; j < 5; j++)
            {
                double z = w[j] * x[s] + w[5 + j];
                o += Math.Max(0, z) * w[10 + j];
            }
            total += Math.Tanh(o);
        }
        return total;
    }

    // A plain helper with a gated literal loop, called from a literal loop.
    static double Layer(double[] w, double v)
    {
        double o = 0;
        for (int j = 0; j < 4; j++) o += Math.Max(0, w[j] * v + 0.05) * w[4 + j];
        return o;
    }

    [Differentiable]
    public static double HelperGateInLoop(double[] w, double x)
    {
        double s = x;
        for (int t = 0; t < 3; t++) s = Math.Tanh(Layer(w, s) + s);
        return s;
    }

    // A [Differentiable] method whose own tape fits on the stack, called inside a while loop.
    [Differentiable]
    public static double Inner(double v, double c)
    {
        double r = v;
        for (int k = 0; k < 5; k++) r = Math.Tanh(r * c + 0.1);
        return r;
    }

    [Differentiable]
    public static double OuterWhile(double a, double c)
    {
        double s = a;
        int n = 0;
        while (s < 2 && n < 10) { s += Inner(s, c) + 0.4; n++; }
        return s;
    }

    // A loop of unknown trips first, then a gated literal nest.
    [Differentiable]
    public static double WhileThenGatedNest(double[] w, double x)
    {
        double s = x;
        while (s < 1) s = s * 2 + 0.01;
        double total = 0;
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 4; j++) total += Math.Max(0, w[j] * s - 0.3 * i) * w[4 + j];
        }
        return total;
    }

    // A negative start with an inclusive bound, and counting down to a negative bound.
    [Differentiable]
    public static double NegativeBounds(double a)
    {
        double s = a;
        for (int i = -5; i <= 5; i++) s = Math.Sin(s + 0.1 * i);
        for (int i = 3; i >= -3; i--) s = Math.Exp(-s * s) + 0.1 * i;
        return s;
    }

    // Time stepping by tuple swap (a Fibonacci-like recurrence) over a literal horizon.
    [Differentiable]
    public static double TupleRecurrence(double a, double b)
    {
        double x = a, y = b;
        for (int t = 0; t < 15; t++)
        {
            (x, y) = (y, Math.Tanh(x + y * 0.5));
        }
        return x * y;
    }

    // Offsets in named locals, the row offset reused after the dot product.
    [Differentiable]
    public static double GemmNamedOffsets(double[] w, double[] x)
    {
        double loss = 0;
        for (int i = 0; i < 5; i++)
        {
            int xi = i * 4;
            for (int j = 0; j < 3; j++)
            {
                int wj = j * 4;
                double s = 0;
                for (int k = 0; k < 4; k++) s += x[xi + k] * w[wj + k];
                loss += Math.Tanh(s) * x[xi + j] + w[wj + 3] * 0.1;
            }
        }
        return loss;
    }

    // A product that starts from the bias, an offset with a base, and sizes that are parameters.
    [Differentiable]
    public static double GemmBias(double[] w, double[] b, [NoDerivative] double[] x, int n, int d, int h)
    {
        double loss = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < h; j++)
            {
                double s = b[j];
                for (int k = 0; k < d; k++) s += w[j * d + k] * x[i * d + k + 1];
                loss += Math.Log(1 + Math.Exp(s));
            }
        }
        return loss / n;
    }

    // A float GEMM with ReLU and a second layer, 300 samples: more than one block of 256.
    [Differentiable]
    public static float GemmFloat(float[] w, [NoDerivative] float[] x)
    {
        float loss = 0;
        for (int i = 0; i < 300; i++)
        {
            float o = 0;
            for (int j = 0; j < 3; j++)
            {
                float s = 0;
                for (int k = 0; k < 2; k++) s += x[i * 2 + k] * w[j * 2 + k];
                o += MathF.Max(0, s) * w[6 + j];
            }
            loss += (o - 0.5f) * (o - 0.5f);
        }
        return loss / 300;
    }

    // j outer, i inner (the other loop order), the offset reused as an index of another array.
    [Differentiable]
    public static double GemmSwapped(double[] w, double[] x, [NoDerivative] double[] y)
    {
        double loss = 0;
        for (int j = 0; j < 3; j++)
        {
            for (int i = 0; i < 4; i++)
            {
                int off = i * 3;
                double s = 0;
                for (int k = 0; k < 3; k++) s += w[j * 3 + k] * x[off + k];
                double e = s - y[off / 3 + j];
                loss += e * e;
            }
        }
        return loss;
    }

    // The offset also used as a number in the loss.
    [Differentiable]
    public static double GemmOffsetUsed(double[] w, double[] x)
    {
        double loss = 0;
        for (int i = 0; i < 4; i++)
        {
            int row = i * 2;
            for (int j = 0; j < 2; j++)
            {
                double s = 0;
                for (int k = 0; k < 2; k++) s += x[row + k] * w[j * 2 + k];
                loss += Math.Sin(s) * (row + 1);
            }
        }
        return loss;
    }

    // A convolution: overlapping windows x[t + k].
    [Differentiable]
    public static double Conv1d(double[] kernel, double[] x)
    {
        double loss = 0;
        for (int c = 0; c < 2; c++)
        {
            for (int t = 0; t < 8; t++)
            {
                double s = 0;
                for (int k = 0; k < 3; k++) s += x[t + k] * kernel[c * 3 + k];
                loss += Math.Max(0, s) * Math.Max(0, s);
            }
        }
        return loss;
    }

    // Leaky ReLU written as a sum: an off unit still passes 0.01 of the adjoint.
    [Differentiable]
    public static double LeakySum(double[] w, [NoDerivative] double[] x)
    {
        double o = 0;
        for (int j = 0; j < 6; j++)
        {
            double z = w[j] * x[j] + w[6 + j];
            o += Math.Max(0, z) + 0.01 * z;
        }
        return o * o;
    }

    // State carried through an off unit: s = max(0, z) + s * w.
    [Differentiable]
    public static double CarriedThroughOff(double[] w, double x)
    {
        double s = x;
        for (int j = 0; j < 6; j++)
        {
            double z = w[j] * s - 0.3;
            s = Math.Max(0, z) + s * w[6 + j];
        }
        return s;
    }

    // The unit's outgoing weight has a gradient from a decay term even when the unit is off.
    [Differentiable]
    public static double WeightDecayInLoop(double[] w, double x)
    {
        double o = 0;
        for (int j = 0; j < 5; j++)
        {
            double z = w[j] * x - 0.5;
            o += Math.Max(0, z) * w[5 + j] + 0.1 * w[5 + j] * w[5 + j];
        }
        return o;
    }

    // Max with the zero second, in float.
    [Differentiable]
    public static float FloatRelu(float[] w, float x)
    {
        float o = 0;
        for (int j = 0; j < 6; j++)
        {
            float z = w[j] * x + w[6 + j];
            o += MathF.Max(z, 0) * w[12 + j];
        }
        return o * o + o;
    }

    // ReLU written with ?: and as Functions.Relu.
    [Differentiable]
    public static double TernaryRelu(double[] w, double x)
    {
        double o = 0;
        for (int j = 0; j < 5; j++)
        {
            double z = w[j] * x + 0.1 * j - 0.2;
            o += (z > 0 ? z : 0) * w[5 + j] + Functions.Relu(z - 0.1) * 0.5;
        }
        return o * o;
    }

    // The gated value stored into an array a later loop reads, and the same input fed to a running max.
    [Differentiable]
    public static double ReluIntoArrayAndMax(double[] w, double x)
    {
        var h = new double[5];
        double best = -1;
        for (int j = 0; j < 5; j++)
        {
            double z = w[j] * x - 0.2 * j;
            h[j] = Math.Max(0, z);
            best = Math.Max(best, z);
        }
        double o = best;
        for (int j = 0; j < 5; j++) o += h[j] * w[5 + j];
        return o;
    }

    // The gated unit's input also used in the same iteration for a tanh term.
    [Differentiable]
    public static double ReluPlusTanh(double[] w, double x)
    {
        double o = 0;
        for (int j = 0; j < 6; j++)
        {
            double z = w[j] * x - 0.3;
            double r = Math.Max(0, z);
            o += r * r + Math.Tanh(z) * 0.1;
        }
        return o;
    }

    // A gated loop counting down to an inclusive 1, its last gate value read after the loop.
    [Differentiable]
    public static double GatedLastUnit(double[] w, double x)
    {
        double last = 0, o = 0;
        for (int j = 5; j >= 1; j--)
        {
            double z = w[j] * x - 0.3;
            last = Math.Max(0, z);
            o += last;
        }
        return o * last + last;
    }
}
