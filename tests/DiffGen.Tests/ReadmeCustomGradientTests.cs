using System;
using DiffGen.Tests.ReadmeCustomGradient;

namespace DiffGen.Tests
{
    /// <summary>The README's example of [CustomGradient], verbatim but for Console.WriteLine.</summary>
    public class ReadmeCustomGradientTests
    {
        [Fact]
        public void TheExampleRunsAndItsGradientIsChecked()
        {
            // README "Custom gradients: [CustomGradient]", verbatim but for Console.WriteLine.
            var ps = new ParameterSet<double>();
            var p = ps.Add("x", 1);
            foreach (var x in new[] { -30.0, -1.0, 0.0, 2.5, 30.0 })
            {
                p.Values[0] = x;
                var check = GradientCheck.Run(ps, () => Stable.Softplus(p.Values[0]), () => Stable.SoftplusGradient(p.Values[0], ref p.Gradients[0]));
                Assert.True(check.WorstError() < 1e-8, $"softplus'({x}): worst relative error {check.WorstError():E1}");
            }

            var xs = new[] { -1.0, 0.5, 2.0, 3.0 };
            var ys = new[] { 0.0, 0.0, 1.0, 1.0 };
            GradientAssert.Matches(
                (w, b) => Stable.Loss(w, b, xs, ys),
                (double w, double b, ref double dw, ref double db, double seed) => Stable.LossGradient(w, b, xs, ys, ref dw, ref db, seed),
                (0.8, -0.5), (-2.0, 1.0), (400.0, 3.0));
        }
    }
}

namespace DiffGen.Tests.ReadmeCustomGradient
{
    public static partial class Stable
    {
        // log(1 + eˣ) without overflow. DiffGen never reads this body: it may contain anything.
        [CustomGradient]
        public static double Softplus(double x) => Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x)));

        // Yours, with the signature DiffGen would have generated: it returns the value and ADDS seed × ∂/∂x into dx.
        public static double SoftplusGradient(double x, ref double dx, double seed = 1.0)
        {
            double sigmoid = x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));
            dx += seed * sigmoid;
            return Softplus(x);
        }

        [Differentiable]
        public static double Loss(double w, double b, [NoDerivative] double[] x, [NoDerivative] double[] y)
        {
            double total = 0;
            for (int i = 0; i < x.Length; i++)
            {
                double z = w * x[i] + b;
                total += Softplus(z) - y[i] * z;   // LossGradient's reverse sweep calls SoftplusGradient
            }

            return total / x.Length;
        }
    }
}
