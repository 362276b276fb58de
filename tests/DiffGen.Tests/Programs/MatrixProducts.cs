using System;

namespace DiffGen.Tests.Programs;

/// <summary>
/// Loop nests whose dot products the generator runs as blocked matrix products (a GEMM per block of the
/// outer loop, two more for the pullback), written as people write them: a dense layer sample by sample,
/// the same layer unit by unit, a bank of 1-D convolution filters, a Gram matrix, and inputs that are
/// differentiable too.
/// </summary>
public static partial class MatrixProducts
{
    /// <summary>The mission's two-layer ReLU MSE with the inputs differentiable as well (the row operand's pullback).</summary>
    [Differentiable]
    public static double TwoLayer(double[] x, [NoDerivative] double[] y, int n, int d, int h, double[] w1, double[] b1, double[] w2, double b2)
    {
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            double output = b2;
            for (int j = 0; j < h; j++)
            {
                double z = b1[j];
                for (int k = 0; k < d; k++)
                    z += x[i * d + k] * w1[j * d + k];
                output += Math.Max(0, z) * w2[j];
            }

            double diff = y[i] - output;
            total += diff * diff;
        }

        return total / n;
    }

    /// <summary>The same layer, unit by unit: the units are the outer loop (the rows are w's), the samples the inner.</summary>
    [Differentiable]
    public static double UnitMajor([NoDerivative] double[] x, int n, int d, int h, double[] w, double[] v)
    {
        double total = 0;
        for (int j = 0; j < h; j++)
        {
            for (int i = 0; i < n; i++)
            {
                double z = 0;
                for (int k = 0; k < d; k++)
                    z += w[j * d + k] * x[i * d + k];
                total += Math.Tanh(z) * v[j];
            }
        }

        return total / n;
    }

    /// <summary>
    /// A bank of 1-D convolution filters over a signal, "valid" padding: each output reads a window that overlaps
    /// the next one, so the signal's adjoint rows overlap. Filters outer, positions inner.
    /// </summary>
    [Differentiable]
    public static double FilterBank(double[] signal, double[] filters, int channels, int width)
    {
        double energy = 0;
        int positions = signal.Length - width + 1;
        for (int c = 0; c < channels; c++)
        {
            for (int t = 0; t < positions; t++)
            {
                double response = 0;
                for (int k = 0; k < width; k++)
                    response += signal[t + k] * filters[c * width + k];
                energy += response * response;
            }
        }

        return energy;
    }

    /// <summary>The same bank with positions outer and filters inner: the overlapping windows are the rows.</summary>
    [Differentiable]
    public static double PositionsFirst(double[] signal, double[] filters, int channels, int width)
    {
        double energy = 0;
        int positions = signal.Length - width + 1;
        for (int t = 0; t < positions; t++)
        {
            for (int c = 0; c < channels; c++)
            {
                double response = 0;
                for (int k = 0; k < width; k++)
                    response += filters[c * width + k] * signal[t + k];
                energy += Math.Sin(response);
            }
        }

        return energy;
    }

    /// <summary>A Gram matrix of one array's rows, from a column offset on: both operands are the same array, so both pullbacks add into it.</summary>
    [Differentiable]
    public static double Gram(double[] a, int rows, int stride, int from)
    {
        double sum = 0;
        for (int i = 0; i < rows; i++)
        {
            for (int j = 1; j < rows; j++)
            {
                double g = 0;
                for (int k = from; k < stride; k++)
                    g += a[i * stride + k] * a[j * stride + k];
                sum += g * g * (i + 1);
            }
        }

        return sum;
    }

    /// <summary>Rows read last first, by a stride the caller may pass negative (found by review: the gradient threw).</summary>
    [Differentiable]
    public static double Strided(double[] x, double[] w, int n, int d, int stride, int first)
    {
        double t = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < 2; j++)
            {
                double z = 0;
                for (int k = 0; k < d; k++)
                    z += x[i * stride + first + k] * w[j * d + k];
                t += z * z;
            }
        }

        return t;
    }

    /// <summary>
    /// A nest far wider than a block of 256 rows holds in 8 MiB: each block takes fewer rows (found by review:
    /// the buffer grew with the width, to an overflow or gigabytes).
    /// </summary>
    [Differentiable]
    public static double Wide(double[] q, double[] r, int n, int m)
    {
        double t = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < m; j++)
            {
                double z = 0;
                for (int k = 0; k < 2; k++)
                    z += q[i + k] * r[j + k];
                t += Math.Tanh(z);
            }
        }

        return t;
    }

    /// <summary>A dense layer in float with a bias row offset: the float kernels.</summary>
    [Differentiable]
    public static float FloatLayer([NoDerivative] float[] x, int n, int d, int h, float[] w, float[] v)
    {
        float total = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < h; j++)
            {
                float z = v[j];
                for (int k = 0; k < d; k++)
                    z += x[i * d + k] * w[j * (d + 1) + 1 + k];
                total += MathF.Max(0, z) * v[j] + w[j * (d + 1)] * z;
            }
        }

        return total / n;
    }
}
