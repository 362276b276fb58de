using System;
using System.Numerics;

namespace DiffGen;

/// <summary>An optimizer: updates a <see cref="ParameterSet{T}"/> from its gradients.</summary>
public interface IOptimizer
{
    /// <summary>
    /// The learning rate the next <see cref="Step"/> uses (schedules change it). DiffGen's optimizers
    /// refuse a value that is not finite and &gt;= 0 with an <see cref="ArgumentOutOfRangeException"/>.
    /// </summary>
    double LearningRate { get; set; }

    /// <summary>One update of every parameter from its current gradients.</summary>
    void Step();
}

/// <summary>
/// Shared plumbing of the optimizers: the parameters, per-parameter state buffers, the step count.
/// Updates run a <see cref="Vector{T}"/> at a time, with the same operations in the same order as
/// their scalar form, so results do not depend on the machine's vector width.
/// </summary>
public abstract class Optimizer<T> : IOptimizer
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates an optimizer over <paramref name="parameters"/>.</summary>
    protected Optimizer(ParameterSet<T> parameters, double learningRate)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters;
        _learningRate = Guard.NonNegative(learningRate, nameof(learningRate));
    }

    /// <summary>The parameters updated.</summary>
    public ParameterSet<T> Parameters { get; }

    private double _learningRate;

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">The value is NaN, infinite or negative: the next step would turn every parameter into NaN.</exception>
    public double LearningRate
    {
        get => _learningRate;
        set => _learningRate = Guard.NonNegative(value, nameof(value));
    }

    /// <summary>The number of steps taken.</summary>
    public long StepCount { get; protected set; }

    /// <inheritdoc/>
    /// <remarks>A model's scalar members are read before the update and written back after it (<see cref="ParameterSet{T}.ReadModel"/>).</remarks>
    public void Step()
    {
        StepCount++;
        Parameters.ReadModel();
        for (var i = 0; i < Parameters.Count; i++)
        {
            Update(i, Parameters[i].Values, Parameters[i].Gradients);
        }

        Parameters.WriteModel();
    }

    /// <summary>
    /// The optimizer's state (moments, momentum buffers, accumulators): groups of one buffer per
    /// parameter, in a fixed order. Checkpoints save and restore exactly these, with
    /// <see cref="StepCount"/> and <see cref="LearningRate"/>.
    /// </summary>
    internal abstract T[][][] State { get; }

    /// <summary>Restores the step count (checkpoints).</summary>
    internal void RestoreStepCount(long stepCount) => StepCount = stepCount;

    /// <summary>
    /// The options that shape the update but not the state (betas, epsilon, weight decay, momentum,
    /// flags as 0 or 1), in a fixed order: checkpoints save them and refuse to load into an optimizer
    /// whose options differ, since the resumed run would silently follow another algorithm.
    /// </summary>
    internal abstract (string Name, double Value)[] Options { get; }

    /// <summary>Updates parameter <paramref name="index"/> in place.</summary>
    protected abstract void Update(int index, Span<T> values, ReadOnlySpan<T> gradients);

    /// <summary>One zeroed state buffer per parameter, shaped like it.</summary>
    protected T[][] StateBuffers()
    {
        var buffers = new T[Parameters.Count][];
        for (var i = 0; i < buffers.Length; i++)
        {
            buffers[i] = new T[Parameters[i].Length];
        }

        return buffers;
    }

    /// <summary>Converts a hyperparameter to the element type.</summary>
    protected static T Of(double value) => T.CreateChecked(value);
}

/// <summary>
/// Stochastic gradient descent with momentum, as <c>torch.optim.SGD</c>. With g the gradient, per step:
/// <code>
/// g ← g + weightDecay·p                                (if weightDecay ≠ 0)
/// b ← g on the first step, else momentum·b + (1 − dampening)·g   (if momentum ≠ 0)
/// g ← g + momentum·b if nesterov, else b               (if momentum ≠ 0)
/// p ← p − learningRate·g
/// </code>
/// </summary>
public sealed class Sgd<T> : Optimizer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[][] _momentumBuffers;

    /// <summary>Creates SGD with PyTorch's defaults.</summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A learning rate, momentum or weight decay that is not finite and &gt;= 0, a dampening outside [0, 1], or
    /// Nesterov momentum without momentum &gt; 0 and dampening == 0.
    /// </exception>
    public Sgd(ParameterSet<T> parameters, double learningRate, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false)
        : base(parameters, learningRate)
    {
        Momentum = Guard.NonNegative(momentum, nameof(momentum));

        // PyTorch does not check dampening; outside [0, 1] the gradient's weight 1 − dampening in
        // the momentum buffer would be negative or above one, which no schedule of SGD intends.
        Dampening = Guard.Fraction(dampening, nameof(dampening));
        WeightDecay = Guard.NonNegative(weightDecay, nameof(weightDecay));
        if (nesterov && (momentum <= 0 || dampening != 0))
        {
            throw Guard.Out(nesterov, nameof(nesterov), $"false unless momentum > 0 and dampening == 0 (momentum is {momentum}, dampening {dampening})");
        }

        Nesterov = nesterov;
        _momentumBuffers = StateBuffers();
    }

    /// <summary>The momentum factor.</summary>
    public double Momentum { get; }

    internal override T[][][] State => new[] { _momentumBuffers };

    internal override (string Name, double Value)[] Options => [("momentum", Momentum), ("dampening", Dampening), ("weightDecay", WeightDecay), ("nesterov", Nesterov ? 1 : 0)];

    /// <summary>The dampening of the momentum.</summary>
    public double Dampening { get; }

    /// <summary>The L2 penalty added to the gradient.</summary>
    public double WeightDecay { get; }

    /// <summary>Whether the momentum is Nesterov's.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc/>
    protected override void Update(int index, Span<T> values, ReadOnlySpan<T> gradients)
    {
        T lr = Of(LearningRate), wd = Of(WeightDecay), momentum = Of(Momentum), keep = Of(1 - Dampening);
        var buffer = _momentumBuffers[index];
        var first = StepCount == 1;
        var i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            // The same operations in the same order as the scalar loop below, a vector at a time.
            Vector<T> vLr = new(lr), vWd = new(wd), vMomentum = new(momentum), vKeep = new(keep);
            for (; i <= values.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var g = new Vector<T>(gradients.Slice(i));
                var p = new Vector<T>(values.Slice(i));
                if (WeightDecay != 0)
                {
                    g += vWd * p;
                }

                if (Momentum != 0)
                {
                    var b = first ? g : vMomentum * new Vector<T>(buffer, i) + vKeep * g;
                    b.CopyTo(buffer, i);
                    g = Nesterov ? g + vMomentum * b : b;
                }

                (p - vLr * g).CopyTo(values.Slice(i));
            }
        }

        for (; i < values.Length; i++)
        {
            var g = gradients[i];
            if (WeightDecay != 0)
            {
                g += wd * values[i];
            }

            if (Momentum != 0)
            {
                buffer[i] = first ? g : momentum * buffer[i] + keep * g;
                g = Nesterov ? g + momentum * buffer[i] : buffer[i];
            }

            values[i] -= lr * g;
        }
    }
}

/// <summary>
/// Adam, as <c>torch.optim.Adam</c>. With g the gradient and t the step, per step:
/// <code>
/// g ← g + weightDecay·p                      (if weightDecay ≠ 0: L2 penalty, coupled)
/// m ← β₁·m + (1 − β₁)·g
/// v ← β₂·v + (1 − β₂)·g²
/// v̂ ← max(v̂, v) if amsGrad, else v
/// p ← p − (lr / (1 − β₁ᵗ)) · m / (√v̂ / √(1 − β₂ᵗ) + ε)
/// </code>
/// </summary>
public class Adam<T> : Optimizer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[][] _firstMoments;
    private readonly T[][] _secondMoments;
    private readonly T[][] _maxSecondMoments;

    /// <summary>Creates Adam with PyTorch's defaults.</summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A learning rate or weight decay that is not finite and &gt;= 0, a beta outside [0, 1), or an epsilon that is not finite and &gt; 0.
    /// </exception>
    public Adam(ParameterSet<T> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0, bool amsGrad = false)
        : base(parameters, learningRate)
    {
        Beta1 = Guard.FractionBelowOne(beta1, nameof(beta1));
        Beta2 = Guard.FractionBelowOne(beta2, nameof(beta2));

        // PyTorch allows epsilon = 0, but then an element whose gradient and moments are zero (an
        // unused parameter) becomes 0/0 = NaN on the first step: refused.
        Epsilon = Guard.Positive(epsilon, nameof(epsilon));
        WeightDecay = Guard.NonNegative(weightDecay, nameof(weightDecay));
        AmsGrad = amsGrad;
        _firstMoments = StateBuffers();
        _secondMoments = StateBuffers();
        _maxSecondMoments = amsGrad ? StateBuffers() : Array.Empty<T[]>();
    }

    /// <summary>The decay of the first moment.</summary>
    public double Beta1 { get; }

    /// <summary>The decay of the second moment.</summary>
    public double Beta2 { get; }

    /// <summary>Added to the denominator.</summary>
    public double Epsilon { get; }

    /// <summary>The weight decay (Adam: an L2 penalty on the gradient; AdamW: decoupled).</summary>
    public double WeightDecay { get; }

    /// <summary>Whether the AMSGrad variant keeps the maximum of the second moments.</summary>
    public bool AmsGrad { get; }

    internal override T[][][] State => new[] { _firstMoments, _secondMoments, _maxSecondMoments };

    internal override (string Name, double Value)[] Options => [("beta1", Beta1), ("beta2", Beta2), ("epsilon", Epsilon), ("weightDecay", WeightDecay), ("amsGrad", AmsGrad ? 1 : 0)];

    /// <summary>Whether weight decay is decoupled from the gradient (AdamW).</summary>
    protected virtual bool DecoupledWeightDecay => false;

    /// <inheritdoc/>
    protected override void Update(int index, Span<T> values, ReadOnlySpan<T> gradients)
    {
        var t = (double)StepCount;
        T beta1 = Of(Beta1), beta2 = Of(Beta2), oneMinusBeta1 = Of(1 - Beta1), oneMinusBeta2 = Of(1 - Beta2);
        T wd = Of(WeightDecay), eps = Of(Epsilon);
        var stepSize = Of(LearningRate / (1 - Math.Pow(Beta1, t)));
        var correction2Sqrt = Of(Math.Sqrt(1 - Math.Pow(Beta2, t)));
        var decay = Of(1 - LearningRate * WeightDecay);
        T[] m = _firstMoments[index], v = _secondMoments[index];
        var i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            // The same operations in the same order as the scalar loop below: identical results, a vector at a time.
            Vector<T> vBeta1 = new(beta1), vBeta2 = new(beta2), vOneMinusBeta1 = new(oneMinusBeta1), vOneMinusBeta2 = new(oneMinusBeta2);
            Vector<T> vWd = new(wd), vEps = new(eps), vStepSize = new(stepSize), vCorrection2Sqrt = new(correction2Sqrt), vDecay = new(decay);
            var max = AmsGrad ? _maxSecondMoments[index] : null;
            for (; i <= values.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var g = new Vector<T>(gradients.Slice(i));
                var p = new Vector<T>(values.Slice(i));
                if (DecoupledWeightDecay)
                {
                    p *= vDecay;
                }
                else if (WeightDecay != 0)
                {
                    g += vWd * p;
                }

                var mi = new Vector<T>(m, i) * vBeta1 + vOneMinusBeta1 * g;
                var vi = new Vector<T>(v, i) * vBeta2 + vOneMinusBeta2 * g * g;
                mi.CopyTo(m, i);
                vi.CopyTo(v, i);
                var second = vi;
                if (max is not null)
                {
                    second = Vector.Max(new Vector<T>(max, i), vi);
                    second.CopyTo(max, i);
                }

                var denominator = Vector.SquareRoot(second) / vCorrection2Sqrt + vEps;
                (p - vStepSize * (mi / denominator)).CopyTo(values.Slice(i));
            }
        }

        for (; i < values.Length; i++)
        {
            var g = gradients[i];
            if (DecoupledWeightDecay)
            {
                values[i] *= decay;
            }
            else if (WeightDecay != 0)
            {
                g += wd * values[i];
            }

            m[i] = m[i] * beta1 + oneMinusBeta1 * g;
            v[i] = v[i] * beta2 + oneMinusBeta2 * g * g;
            var second = v[i];
            if (AmsGrad)
            {
                var max = _maxSecondMoments[index];
                max[i] = T.Max(max[i], v[i]);
                second = max[i];
            }

            var denominator = T.Sqrt(second) / correction2Sqrt + eps;
            values[i] -= stepSize * (m[i] / denominator);
        }
    }
}

/// <summary>
/// AdamW, as <c>torch.optim.AdamW</c>: Adam with decoupled weight decay, applied first,
/// <code>p ← p·(1 − lr·weightDecay)</code>, then the Adam update of <see cref="Adam{T}"/> without an L2 term.
/// </summary>
public sealed class AdamW<T> : Adam<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates AdamW with PyTorch's defaults (weight decay 0.01).</summary>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="Adam{T}"/>'s constructor.</exception>
    public AdamW(ParameterSet<T> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 1e-2, bool amsGrad = false)
        : base(parameters, learningRate, beta1, beta2, epsilon, weightDecay, amsGrad)
    {
    }

    /// <inheritdoc/>
    protected override bool DecoupledWeightDecay => true;
}

/// <summary>
/// AdaGrad, as <c>torch.optim.Adagrad</c>. With g the gradient and t the step, per step:
/// <code>
/// g ← g + weightDecay·p                              (if weightDecay ≠ 0)
/// lr_t ← lr / (1 + (t − 1)·learningRateDecay)
/// s ← s + g²                                         (s starts at initialAccumulatorValue)
/// p ← p − lr_t · g / (√s + ε)
/// </code>
/// </summary>
public sealed class AdaGrad<T> : Optimizer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[][] _sums;

    /// <summary>Creates AdaGrad with PyTorch's defaults.</summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A learning rate, learning-rate decay, weight decay or initial accumulator value that is not finite and &gt;= 0,
    /// or an epsilon that is not finite and &gt; 0.
    /// </exception>
    public AdaGrad(ParameterSet<T> parameters, double learningRate = 1e-2, double learningRateDecay = 0, double weightDecay = 0, double initialAccumulatorValue = 0, double epsilon = 1e-10)
        : base(parameters, learningRate)
    {
        LearningRateDecay = Guard.NonNegative(learningRateDecay, nameof(learningRateDecay));
        WeightDecay = Guard.NonNegative(weightDecay, nameof(weightDecay));
        Guard.NonNegative(initialAccumulatorValue, nameof(initialAccumulatorValue));

        // PyTorch allows 0; then a zero gradient on a zero accumulator is 0/0 = NaN (see Adam).
        Epsilon = Guard.Positive(epsilon, nameof(epsilon));
        _sums = StateBuffers();
        foreach (var sum in _sums)
        {
            Array.Fill(sum, Of(initialAccumulatorValue));
        }
    }

    internal override T[][][] State => new[] { _sums };

    // The initial accumulator value is not an option of the update: it is the state's start, which a checkpoint replaces.
    internal override (string Name, double Value)[] Options => [("learningRateDecay", LearningRateDecay), ("weightDecay", WeightDecay), ("epsilon", Epsilon)];

    /// <summary>The decay of the learning rate per step.</summary>
    public double LearningRateDecay { get; }

    /// <summary>The L2 penalty added to the gradient.</summary>
    public double WeightDecay { get; }

    /// <summary>Added to the denominator.</summary>
    public double Epsilon { get; }

    /// <inheritdoc/>
    protected override void Update(int index, Span<T> values, ReadOnlySpan<T> gradients)
    {
        var rate = Of(LearningRate / (1 + (StepCount - 1) * LearningRateDecay));
        T wd = Of(WeightDecay), eps = Of(Epsilon);
        var sum = _sums[index];
        var i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            Vector<T> vRate = new(rate), vWd = new(wd), vEps = new(eps);
            for (; i <= values.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var g = new Vector<T>(gradients.Slice(i));
                var p = new Vector<T>(values.Slice(i));
                if (WeightDecay != 0)
                {
                    g += vWd * p;
                }

                var s = new Vector<T>(sum, i) + g * g;
                s.CopyTo(sum, i);
                (p - vRate * (g / (Vector.SquareRoot(s) + vEps))).CopyTo(values.Slice(i));
            }
        }

        for (; i < values.Length; i++)
        {
            var g = gradients[i];
            if (WeightDecay != 0)
            {
                g += wd * values[i];
            }

            sum[i] += g * g;
            values[i] -= rate * (g / (T.Sqrt(sum[i]) + eps));
        }
    }
}

/// <summary>
/// RMSProp, as <c>torch.optim.RMSprop</c>. With g the gradient, per step:
/// <code>
/// g ← g + weightDecay·p                              (if weightDecay ≠ 0)
/// s ← α·s + (1 − α)·g²
/// a ← α·a + (1 − α)·g, d ← √(s − a²) + ε             (centered)
/// d ← √s + ε                                         (otherwise)
/// b ← momentum·b + g / d, p ← p − lr·b               (if momentum &gt; 0)
/// p ← p − lr · g / d                                 (otherwise)
/// </code>
/// </summary>
public sealed class RmsProp<T> : Optimizer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[][] _squareAverages;
    private readonly T[][] _gradientAverages;
    private readonly T[][] _momentumBuffers;

    /// <summary>Creates RMSProp with PyTorch's defaults.</summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A learning rate, weight decay or momentum that is not finite and &gt;= 0, an alpha outside [0, 1], or an epsilon that is not finite and &gt; 0.
    /// </exception>
    public RmsProp(ParameterSet<T> parameters, double learningRate = 1e-2, double alpha = 0.99, double epsilon = 1e-8, double weightDecay = 0, double momentum = 0, bool centered = false)
        : base(parameters, learningRate)
    {
        // PyTorch checks alpha >= 0 only; above 1 the weight 1 − alpha of g² is negative, the average
        // can go negative and its square root NaN.
        Alpha = Guard.Fraction(alpha, nameof(alpha));

        // PyTorch allows 0; then a zero gradient on a zero average is 0/0 = NaN (see Adam).
        Epsilon = Guard.Positive(epsilon, nameof(epsilon));
        WeightDecay = Guard.NonNegative(weightDecay, nameof(weightDecay));
        Momentum = Guard.NonNegative(momentum, nameof(momentum));
        Centered = centered;
        _squareAverages = StateBuffers();
        _gradientAverages = centered ? StateBuffers() : Array.Empty<T[]>();
        _momentumBuffers = momentum > 0 ? StateBuffers() : Array.Empty<T[]>();
    }

    internal override T[][][] State => new[] { _squareAverages, _gradientAverages, _momentumBuffers };

    internal override (string Name, double Value)[] Options => [("alpha", Alpha), ("epsilon", Epsilon), ("weightDecay", WeightDecay), ("momentum", Momentum), ("centered", Centered ? 1 : 0)];

    /// <summary>The smoothing constant of the averages.</summary>
    public double Alpha { get; }

    /// <summary>Added to the denominator.</summary>
    public double Epsilon { get; }

    /// <summary>The L2 penalty added to the gradient.</summary>
    public double WeightDecay { get; }

    /// <summary>The momentum factor.</summary>
    public double Momentum { get; }

    /// <summary>Whether the gradient is normalized by an estimate of its variance.</summary>
    public bool Centered { get; }

    /// <inheritdoc/>
    protected override void Update(int index, Span<T> values, ReadOnlySpan<T> gradients)
    {
        T lr = Of(LearningRate), alpha = Of(Alpha), oneMinusAlpha = Of(1 - Alpha), eps = Of(Epsilon), wd = Of(WeightDecay), momentum = Of(Momentum);
        var square = _squareAverages[index];
        var i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            Vector<T> vLr = new(lr), vAlpha = new(alpha), vOneMinusAlpha = new(oneMinusAlpha), vEps = new(eps), vWd = new(wd), vMomentum = new(momentum);
            for (; i <= values.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var g = new Vector<T>(gradients.Slice(i));
                var p = new Vector<T>(values.Slice(i));
                if (WeightDecay != 0)
                {
                    g += vWd * p;
                }

                var sq = new Vector<T>(square, i) * vAlpha + vOneMinusAlpha * g * g;
                sq.CopyTo(square, i);
                Vector<T> denominator;
                if (Centered)
                {
                    var average = new Vector<T>(_gradientAverages[index], i) * vAlpha + vOneMinusAlpha * g;
                    average.CopyTo(_gradientAverages[index], i);
                    denominator = Vector.SquareRoot(sq - average * average) + vEps;
                }
                else
                {
                    denominator = Vector.SquareRoot(sq) + vEps;
                }

                if (Momentum > 0)
                {
                    var b = new Vector<T>(_momentumBuffers[index], i) * vMomentum + g / denominator;
                    b.CopyTo(_momentumBuffers[index], i);
                    (p - vLr * b).CopyTo(values.Slice(i));
                }
                else
                {
                    (p - vLr * (g / denominator)).CopyTo(values.Slice(i));
                }
            }
        }

        for (; i < values.Length; i++)
        {
            var g = gradients[i];
            if (WeightDecay != 0)
            {
                g += wd * values[i];
            }

            square[i] = square[i] * alpha + oneMinusAlpha * g * g;
            T denominator;
            if (Centered)
            {
                var average = _gradientAverages[index];
                average[i] = average[i] * alpha + oneMinusAlpha * g;
                denominator = T.Sqrt(square[i] - average[i] * average[i]) + eps;
            }
            else
            {
                denominator = T.Sqrt(square[i]) + eps;
            }

            if (Momentum > 0)
            {
                var buffer = _momentumBuffers[index];
                buffer[i] = buffer[i] * momentum + g / denominator;
                values[i] -= lr * buffer[i];
            }
            else
            {
                values[i] -= lr * (g / denominator);
            }
        }
    }
}
