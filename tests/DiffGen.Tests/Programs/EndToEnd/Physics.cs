using System;

namespace DiffGen.Tests.Programs.EndToEnd;

/// <summary>Physics programs as first written (issue 13, end to end).</summary>
public static partial class Physics
{
    // A damped harmonic oscillator by RK4 with the derivative as a tuple-returning helper; the
    // energy at the end.
    static (double dx, double dv) Oscillator(double x, double v, double k, double c) => (v, -k * x - c * v);

    [Differentiable]
    public static double OscillatorEnergy(double x0, double v0, double k, double c, double dt, int steps)
    {
        double x = x0, v = v0;
        for (int i = 0; i < steps; i++)
        {
            var (k1x, k1v) = Oscillator(x, v, k, c);
            var (k2x, k2v) = Oscillator(x + dt / 2 * k1x, v + dt / 2 * k1v, k, c);
            var (k3x, k3v) = Oscillator(x + dt / 2 * k2x, v + dt / 2 * k2v, k, c);
            var (k4x, k4v) = Oscillator(x + dt * k3x, v + dt * k3v, k, c);
            x += dt / 6 * (k1x + 2 * k2x + 2 * k3x + k4x);
            v += dt / 6 * (k1v + 2 * k2v + 2 * k3v + k4v);
        }

        return 0.5 * v * v + 0.5 * k * x * x;
    }

    // Total energy of an n-body system in G = 1 units, as energy() in the Computer Language
    // Benchmarks Game's nbody; positions and velocities xyz-interleaved. ∂E/∂position = −force.
    [Differentiable]
    public static double NBodyEnergy(double[] positions, double[] velocities, [NoDerivative] double[] masses)
    {
        int n = masses.Length;
        double e = 0;
        for (int i = 0; i < n; i++)
        {
            double vx = velocities[3 * i], vy = velocities[3 * i + 1], vz = velocities[3 * i + 2];
            e += 0.5 * masses[i] * (vx * vx + vy * vy + vz * vz);
            for (int j = i + 1; j < n; j++)
            {
                double dx = positions[3 * i] - positions[3 * j];
                double dy = positions[3 * i + 1] - positions[3 * j + 1];
                double dz = positions[3 * i + 2] - positions[3 * j + 2];
                e -= masses[i] * masses[j] / Math.Sqrt(dx * dx + dy * dy + dz * dz);
            }
        }

        return e;
    }

    // Projectile with quadratic air drag, explicit Euler until it lands, the range interpolated
    // linearly at the crossing (Giordano & Nakanishi, "Computational Physics", 2nd ed., §2.2).
    [Differentiable]
    public static double ProjectileRange(double speed, double angle, double drag)
    {
        const double g = 9.81, dt = 0.01;
        double x = 0, y = 0;
        double vx = speed * Math.Cos(angle), vy = speed * Math.Sin(angle);
        double prevX = 0, prevY = 0;
        while (y >= 0)
        {
            prevX = x;
            prevY = y;
            double v = Math.Sqrt(vx * vx + vy * vy);
            x += vx * dt;
            y += vy * dt;
            vx -= drag * v * vx * dt;
            vy -= (g + drag * v * vy) * dt;
        }

        return prevX + (x - prevX) * prevY / (prevY - y);
    }

    // A simple pendulum integrated with classical RK4 (Press et al., Numerical Recipes, 3rd ed.,
    // §17.1), the right-hand side and the stage states as helpers returning arrays.
    static double[] PendulumRhs(double[] y, double g, double length) => new[] { y[1], -g / length * Math.Sin(y[0]) };

    static double[] Axpy(double[] y, double h, double[] k)
    {
        var r = new double[y.Length];
        for (int i = 0; i < y.Length; i++) r[i] = y[i] + h * k[i];
        return r;
    }

    [Differentiable]
    public static double PendulumAngle(double theta0, double omega0, double length, double dt, int steps)
    {
        const double g = 9.81;
        double[] y = { theta0, omega0 };
        for (int s = 0; s < steps; s++)
        {
            var k1 = PendulumRhs(y, g, length);
            var k2 = PendulumRhs(Axpy(y, dt / 2, k1), g, length);
            var k3 = PendulumRhs(Axpy(y, dt / 2, k2), g, length);
            var k4 = PendulumRhs(Axpy(y, dt, k3), g, length);
            var next = new double[2];
            for (int i = 0; i < 2; i++) next[i] = y[i] + dt / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
            y = next;
        }

        return y[0];
    }

    // 1-D heat equation, explicit FTCS scheme with Dirichlet ends (LeVeque, "Finite Difference
    // Methods for ODEs and PDEs", 2007, §9.1), two buffers swapped each step; the final L2 energy.
    [Differentiable]
    public static double HeatEquation(double[] initial, double alpha, double dt, double dx, int steps)
    {
        int n = initial.Length;
        var u = new double[n];
        initial.CopyTo(u, 0);
        var uNext = new double[n];
        double r = alpha * dt / (dx * dx);
        for (int s = 0; s < steps; s++)
        {
            uNext[0] = 0;
            uNext[n - 1] = 0;
            for (int i = 1; i < n - 1; i++)
            {
                uNext[i] = u[i] + r * (u[i - 1] - 2 * u[i] + u[i + 1]);
            }

            (u, uNext) = (uNext, u);
        }

        double energy = 0;
        for (int i = 0; i < n; i++) energy += u[i] * u[i] * dx;
        return energy;
    }

    // Linear advection on a periodic grid, first-order upwind (LeVeque §10.4), a new array each
    // step; a weighted readout of the final profile.
    [Differentiable]
    public static double Advection(double[] u0, double speed, double dt, double dx, int steps, [NoDerivative] double[] readout)
    {
        int n = u0.Length;
        var u = (double[])u0.Clone();
        for (int s = 0; s < steps; s++)
        {
            var uNext = new double[n];
            for (int i = 0; i < n; i++)
            {
                uNext[i] = u[i] - speed * dt / dx * (u[i] - u[(i - 1 + n) % n]);
            }

            u = uNext;
        }

        double result = 0;
        for (int i = 0; i < n; i++) result += readout[i] * u[i];
        return result;
    }
}
