using System;
using DiffGen;
namespace DiffGen.Tests.Programs.ModelsAsWritten;

public static partial class Kinematics
{
    // planar 3-link arm: joint angles -> end-effector (x, y) and elbow (x, y)
    [Differentiable]
    public static void Forward(double[] q, [NoDerivative] double[] lengths, Span<double> tip, Span<double> elbow)
    {
        double a = 0, x = 0, y = 0;
        for (int i = 0; i < q.Length; i++)
        {
            a += q[i];
            x += lengths[i] * Math.Cos(a);
            y += lengths[i] * Math.Sin(a);
            if (i == 0) { elbow[0] = x; elbow[1] = y; }
        }
        tip[0] = x; tip[1] = y;
    }

    [Differentiable]
    public static double[] Softmax(double[] z, double temperature)
    {
        double m = z[0];
        for (int i = 1; i < z.Length; i++) m = Math.Max(m, z[i]);
        var p = new double[z.Length];
        double s = 0;
        for (int i = 0; i < z.Length; i++) { p[i] = Math.Exp((z[i] - m) / temperature); s += p[i]; }
        for (int i = 0; i < z.Length; i++) p[i] /= s;
        return p;
    }

    public static void Run()
    {
        var q = new[] { 0.3, -0.5, 0.9 }; var L = new[] { 1.0, 0.7, 0.4 };
        var tip = new double[2]; var elbow = new double[2];
        var J = new double[4 * 3];
        ForwardJacobian(q, L, tip, elbow, J);
        int bad = 0;
        for (int j = 0; j < 3; j++)
        {
            var qp = (double[])q.Clone(); qp[j] += 1e-6; var qm = (double[])q.Clone(); qm[j] -= 1e-6;
            var tp = new double[2]; var ep = new double[2]; var tm = new double[2]; var em = new double[2];
            Forward(qp, L, tp, ep); Forward(qm, L, tm, em);
            var fd = new[] { (tp[0] - tm[0]) / 2e-6, (tp[1] - tm[1]) / 2e-6, (ep[0] - em[0]) / 2e-6, (ep[1] - em[1]) / 2e-6 };
            for (int i = 0; i < 4; i++) if (Math.Abs(fd[i] - J[i * 3 + j]) > 1e-6 * Math.Max(1, Math.Abs(fd[i]))) { bad++; Console.WriteLine($"      J[{i},{j}] {J[i * 3 + j]} vs {fd[i]}"); }
        }
        var t0 = new double[2]; var e0 = new double[2]; Forward(q, L, t0, e0);
        Console.WriteLine($"[{(bad == 0 ? "OK " : "BAD")}] P17a arm Jacobian (2 outputs), values {(t0[0] == tip[0] && e0[1] == elbow[1] ? "equal" : "DIFFER")}");
        if (bad > 0) FD.Failures++;
        var z = new[] { 0.5, -1.0, 2.0, 0.1 };
        var Js = new double[4 * 5];
        var p = SoftmaxJacobian(z, 0.8, Js);
        bad = 0;
        for (int j = 0; j < 5; j++)
        {
            double[] pp, pm;
            if (j < 4) { var zp = (double[])z.Clone(); zp[j] += 1e-6; var zm = (double[])z.Clone(); zm[j] -= 1e-6; pp = Softmax(zp, 0.8); pm = Softmax(zm, 0.8); }
            else { pp = Softmax(z, 0.8 + 1e-6); pm = Softmax(z, 0.8 - 1e-6); }
            for (int i = 0; i < 4; i++) { double fd = (pp[i] - pm[i]) / 2e-6; if (Math.Abs(fd - Js[i * 5 + j]) > 1e-6 * Math.Max(1, Math.Abs(fd))) { bad++; Console.WriteLine($"      Js[{i},{j}] {Js[i * 5 + j]} vs {fd}"); } }
        }
        var p0 = Softmax(z, 0.8);
        Console.WriteLine($"[{(bad == 0 ? "OK " : "BAD")}] P17b softmax Jacobian incl. temperature column, value {(p0[2] == p[2] ? "equal" : "DIFFER")}");
        if (bad > 0) FD.Failures++;
    }
}

