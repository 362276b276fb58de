using System;

namespace DiffGen;

/// <summary>
/// A learning-rate schedule: each <see cref="Step"/> (once per epoch or per batch, after the
/// optimizer's step, as in PyTorch) sets the optimizer's <see cref="IOptimizer.LearningRate"/>.
/// </summary>
public abstract class LearningRateSchedule
{
    /// <summary>Creates a schedule that starts from the optimizer's current learning rate.</summary>
    protected LearningRateSchedule(IOptimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
        BaseLearningRate = optimizer.LearningRate;
    }

    /// <summary>The optimizer whose learning rate this schedule sets.</summary>
    public IOptimizer Optimizer { get; }

    /// <summary>The learning rate the optimizer had when the schedule was created.</summary>
    public double BaseLearningRate { get; }

    /// <summary>The number of steps taken (PyTorch's <c>last_epoch</c>).</summary>
    public int StepCount { get; private set; }

    /// <summary>Advances one step and sets the optimizer's learning rate.</summary>
    public void Step()
    {
        StepCount++;
        Optimizer.LearningRate = Next(StepCount, Optimizer.LearningRate);
    }

    /// <summary>The learning rate after step <paramref name="step"/>, given the current one.</summary>
    protected abstract double Next(int step, double current);
}

/// <summary>Multiplies the learning rate by <c>gamma</c> every <c>stepSize</c> steps (<c>torch.optim.lr_scheduler.StepLR</c>).</summary>
public sealed class StepLR : LearningRateSchedule
{
    private readonly int _stepSize;
    private readonly double _gamma;

    /// <summary>Creates the schedule.</summary>
    public StepLR(IOptimizer optimizer, int stepSize, double gamma = 0.1)
        : base(optimizer)
    {
        _stepSize = stepSize > 0 ? stepSize : throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, "The step size must be positive.");
        _gamma = gamma;
    }

    /// <inheritdoc/>
    protected override double Next(int step, double current) => step % _stepSize == 0 ? current * _gamma : current;
}

/// <summary>Multiplies the learning rate by <c>gamma</c> every step (<c>ExponentialLR</c>).</summary>
public sealed class ExponentialLR : LearningRateSchedule
{
    private readonly double _gamma;

    /// <summary>Creates the schedule.</summary>
    public ExponentialLR(IOptimizer optimizer, double gamma)
        : base(optimizer) => _gamma = gamma;

    /// <inheritdoc/>
    protected override double Next(int step, double current) => current * _gamma;
}

/// <summary>
/// Cosine annealing from the base rate to <c>etaMin</c> over <c>tMax</c> steps (<c>CosineAnnealingLR</c>,
/// with PyTorch's recursive form: η ← η_min + (η − η_min)·(1 + cos(πt/T)) / (1 + cos(π(t−1)/T)), and
/// a restart term every 2T).
/// </summary>
public sealed class CosineAnnealingLR : LearningRateSchedule
{
    private readonly int _tMax;
    private readonly double _etaMin;

    /// <summary>Creates the schedule.</summary>
    public CosineAnnealingLR(IOptimizer optimizer, int tMax, double etaMin = 0)
        : base(optimizer)
    {
        _tMax = tMax > 0 ? tMax : throw new ArgumentOutOfRangeException(nameof(tMax), tMax, "tMax must be positive.");
        _etaMin = etaMin;
    }

    /// <inheritdoc/>
    protected override double Next(int step, double current)
    {
        if ((step - 1 - _tMax) % (2 * _tMax) == 0)
        {
            return current + (BaseLearningRate - _etaMin) * (1 - Math.Cos(Math.PI / _tMax)) / 2;
        }

        return (1 + Math.Cos(Math.PI * step / _tMax)) / (1 + Math.Cos(Math.PI * (step - 1) / _tMax)) * (current - _etaMin) + _etaMin;
    }
}

/// <summary>
/// Linear warm-up: the learning rate is base·(t + 1)/warmupSteps for the first warmupSteps steps,
/// then the base rate (PyTorch's <c>LinearLR(start_factor = 1/warmupSteps, total_iters = warmupSteps − 1)</c>).
/// Sets base/warmupSteps when created.
/// </summary>
public sealed class LinearWarmup : LearningRateSchedule
{
    private readonly int _warmupSteps;

    /// <summary>Creates the schedule and sets the first learning rate.</summary>
    public LinearWarmup(IOptimizer optimizer, int warmupSteps)
        : base(optimizer)
    {
        _warmupSteps = warmupSteps > 0 ? warmupSteps : throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, "The warm-up must last at least one step.");
        optimizer.LearningRate = BaseLearningRate / warmupSteps;
    }

    /// <inheritdoc/>
    protected override double Next(int step, double current) => BaseLearningRate * Math.Min(1.0, (step + 1.0) / _warmupSteps);
}

/// <summary>
/// Linear warm-up followed by cosine decay, the usual schedule for training with Adam: after t steps
/// the rate is base·(t + 1)/warmupSteps while t &lt; warmupSteps, then
/// η_min + (base − η_min)·(1 + cos(π·(t − warmupSteps)/(totalSteps − warmupSteps)))/2, and η_min
/// from totalSteps on. Sets base/warmupSteps when created, like <see cref="LinearWarmup"/>.
/// </summary>
public sealed class WarmupCosineLR : LearningRateSchedule
{
    private readonly int _warmupSteps;
    private readonly int _totalSteps;
    private readonly double _etaMin;

    /// <summary>Creates the schedule and sets the first learning rate.</summary>
    public WarmupCosineLR(IOptimizer optimizer, int warmupSteps, int totalSteps, double etaMin = 0)
        : base(optimizer)
    {
        _warmupSteps = warmupSteps > 0 ? warmupSteps : throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, "The warm-up must last at least one step.");
        _totalSteps = totalSteps > warmupSteps ? totalSteps : throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "The schedule must last longer than its warm-up.");
        _etaMin = etaMin;
        optimizer.LearningRate = At(0);
    }

    /// <inheritdoc/>
    protected override double Next(int step, double current) => At(step);

    private double At(int step)
    {
        if (step < _warmupSteps)
        {
            return BaseLearningRate * (step + 1.0) / _warmupSteps;
        }

        var fraction = Math.Min(1.0, (step - _warmupSteps) / (double)(_totalSteps - _warmupSteps));
        return _etaMin + (BaseLearningRate - _etaMin) * (1 + Math.Cos(Math.PI * fraction)) / 2;
    }
}

/// <summary>
/// The one-cycle policy (<c>OneCycleLR</c> with cosine annealing, learning rate only): from
/// maxLearningRate/divFactor up to maxLearningRate over the first pctStart of totalSteps, then down to
/// that start divided by finalDivFactor. Sets the starting rate when created, as PyTorch does.
/// </summary>
public sealed class OneCycleLR : LearningRateSchedule
{
    private readonly int _totalSteps;
    private readonly double _initial;
    private readonly double _max;
    private readonly double _min;
    private readonly double _warmupEnd;

    /// <summary>Creates the schedule and sets the first learning rate.</summary>
    public OneCycleLR(IOptimizer optimizer, double maxLearningRate, int totalSteps, double pctStart = 0.3, double divFactor = 25, double finalDivFactor = 1e4)
        : base(optimizer)
    {
        _totalSteps = totalSteps > 1 ? totalSteps : throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "At least two steps.");
        _max = maxLearningRate;
        _initial = maxLearningRate / divFactor;
        _min = _initial / finalDivFactor;
        _warmupEnd = pctStart * totalSteps - 1;
        optimizer.LearningRate = _initial;
    }

    /// <inheritdoc/>
    protected override double Next(int step, double current)
    {
        if (step > _totalSteps - 1)
        {
            throw new InvalidOperationException($"OneCycleLR was created for {_totalSteps} steps; step {step + 1} is past its end.");
        }

        return step <= _warmupEnd
            ? Anneal(_initial, _max, step / _warmupEnd)
            : Anneal(_max, _min, (step - _warmupEnd) / (_totalSteps - 1 - _warmupEnd));
    }

    private static double Anneal(double start, double end, double fraction) => end + (start - end) / 2 * (Math.Cos(Math.PI * fraction) + 1);
}

/// <summary>
/// Reduces the learning rate by <c>factor</c> when a metric to minimize has not improved by more
/// than <c>threshold</c> (relative) for more than <c>patience</c> steps (<c>ReduceLROnPlateau</c>,
/// mode "min", threshold mode "rel", no cooldown), never below <c>minLearningRate</c>.
/// </summary>
public sealed class ReduceLROnPlateau
{
    private readonly double _factor;
    private readonly int _patience;
    private readonly double _threshold;
    private readonly double _minLearningRate;
    private double _best = double.PositiveInfinity;
    private int _badSteps;

    /// <summary>Creates the schedule.</summary>
    public ReduceLROnPlateau(IOptimizer optimizer, double factor = 0.1, int patience = 10, double threshold = 1e-4, double minLearningRate = 0)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (!(factor < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "The factor must be below 1.");
        }

        Optimizer = optimizer;
        _factor = factor;
        _patience = patience;
        _threshold = threshold;
        _minLearningRate = minLearningRate;
    }

    /// <summary>The optimizer whose learning rate this schedule sets.</summary>
    public IOptimizer Optimizer { get; }

    /// <summary>Records this step's metric (say, the validation loss) and reduces the rate on a plateau.</summary>
    public void Step(double metric)
    {
        if (metric < _best * (1 - _threshold))
        {
            _best = metric;
            _badSteps = 0;
        }
        else
        {
            _badSteps++;
        }

        if (_badSteps > _patience)
        {
            var current = Optimizer.LearningRate;
            var reduced = Math.Max(current * _factor, _minLearningRate);
            if (current - reduced > 1e-8)
            {
                Optimizer.LearningRate = reduced;
            }

            _badSteps = 0;
        }
    }
}
