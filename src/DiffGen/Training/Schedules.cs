using System;

namespace DiffGen;

/// <summary>
/// Anything that sets an optimizer's learning rate as training goes: a <see cref="LearningRateSchedule"/>
/// or <see cref="ReduceLROnPlateau"/>. <see cref="Checkpoint"/> saves and restores its position
/// (PyTorch's scheduler <c>state_dict</c>), so a resumed run follows the same learning rates.
/// </summary>
public interface ILearningRateSchedule
{
    /// <summary>The optimizer whose learning rate this schedule sets.</summary>
    IOptimizer Optimizer { get; }
}

/// <summary>What a checkpoint saves of a schedule: its options (checked on load) and its position.</summary>
internal interface ICheckpointedSchedule
{
    /// <summary>The options given when created, in a fixed order: a checkpoint loads only into a schedule with the same.</summary>
    (string Name, double Value)[] Options { get; }

    /// <summary>The position: what changes as the schedule steps.</summary>
    double[] State { get; }

    /// <summary>Why <paramref name="state"/> (read from a file, as long as <see cref="State"/>) cannot be this schedule's position, or null if it can.</summary>
    string? Invalid(double[] state);

    /// <summary>Takes <paramref name="state"/>, which <see cref="Invalid"/> accepted.</summary>
    void Restore(double[] state);
}

/// <summary>
/// A learning-rate schedule: each <see cref="Step"/> (once per epoch or per batch, after the
/// optimizer's step, as in PyTorch) sets the optimizer's <see cref="IOptimizer.LearningRate"/>.
/// </summary>
public abstract class LearningRateSchedule : ILearningRateSchedule, ICheckpointedSchedule
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

    /// <summary>The learning rate the optimizer had when the schedule was created (restored by <see cref="Checkpoint.Load{T}(string, ParameterSet{T}, IOptimizer?, ILearningRateSchedule?)"/>).</summary>
    public double BaseLearningRate { get; private set; }

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

    /// <summary>The options given when created (periods, factors), for checkpoints; none for a schedule defined outside DiffGen.</summary>
    internal virtual (string Name, double Value)[] Options => [];

    /// <summary>The last step count the schedule can reach (OneCycleLR ends); a checkpoint claiming more is refused.</summary>
    internal virtual int MaxStepCount => int.MaxValue;

    (string Name, double Value)[] ICheckpointedSchedule.Options => Options;

    // The position of every schedule here is its step count and base rate: each computes the next
    // rate from those, its options and the optimizer's current rate, which the checkpoint restores too.
    // A schedule derived outside DiffGen keeps any state of its own fields unsaved.
    double[] ICheckpointedSchedule.State => [StepCount, BaseLearningRate];

    string? ICheckpointedSchedule.Invalid(double[] state) =>
        !(state[0] >= 0 && state[0] <= MaxStepCount && state[0] == Math.Floor(state[0])) ? $"a step count of {state[0]} (expected a whole number in [0, {MaxStepCount}])"
        : !(double.IsFinite(state[1]) && state[1] >= 0) ? $"a base learning rate of {state[1]} (expected finite and >= 0)"
        : null;

    void ICheckpointedSchedule.Restore(double[] state)
    {
        StepCount = (int)state[0];
        BaseLearningRate = state[1];
    }
}

/// <summary>Multiplies the learning rate by <c>gamma</c> every <c>stepSize</c> steps (<c>torch.optim.lr_scheduler.StepLR</c>).</summary>
public sealed class StepLR : LearningRateSchedule
{
    private readonly int _stepSize;
    private readonly double _gamma;

    /// <summary>Creates the schedule.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A period or step count that is not positive, a factor, gamma or rate outside its range; the message names the argument and the range.</exception>
    public StepLR(IOptimizer optimizer, int stepSize, double gamma = 0.1)
        : base(optimizer)
    {
        _stepSize = Guard.Positive(stepSize, nameof(stepSize));
        _gamma = Guard.Positive(gamma, nameof(gamma));
    }

    internal override (string Name, double Value)[] Options => [("stepSize", _stepSize), ("gamma", _gamma)];

    /// <inheritdoc/>
    protected override double Next(int step, double current) => step % _stepSize == 0 ? current * _gamma : current;
}

/// <summary>Multiplies the learning rate by <c>gamma</c> every step (<c>ExponentialLR</c>).</summary>
public sealed class ExponentialLR : LearningRateSchedule
{
    private readonly double _gamma;

    /// <summary>Creates the schedule.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A period or step count that is not positive, a factor, gamma or rate outside its range; the message names the argument and the range.</exception>
    public ExponentialLR(IOptimizer optimizer, double gamma)
        : base(optimizer) => _gamma = Guard.Positive(gamma, nameof(gamma));

    internal override (string Name, double Value)[] Options => [("gamma", _gamma)];

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
    /// <exception cref="ArgumentOutOfRangeException">A period or step count that is not positive, a factor, gamma or rate outside its range; the message names the argument and the range.</exception>
    public CosineAnnealingLR(IOptimizer optimizer, int tMax, double etaMin = 0)
        : base(optimizer)
    {
        _tMax = Guard.Positive(tMax, nameof(tMax));
        _etaMin = Guard.NonNegative(etaMin, nameof(etaMin));
    }

    internal override (string Name, double Value)[] Options => [("tMax", _tMax), ("etaMin", _etaMin)];

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
    /// <exception cref="ArgumentOutOfRangeException">A period or step count that is not positive, a factor, gamma or rate outside its range; the message names the argument and the range.</exception>
    public LinearWarmup(IOptimizer optimizer, int warmupSteps)
        : base(optimizer)
    {
        _warmupSteps = Guard.Positive(warmupSteps, nameof(warmupSteps));
        optimizer.LearningRate = BaseLearningRate / warmupSteps;
    }

    internal override (string Name, double Value)[] Options => [("warmupSteps", _warmupSteps)];

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
    /// <exception cref="ArgumentOutOfRangeException">A period or step count that is not positive, a factor, gamma or rate outside its range; the message names the argument and the range.</exception>
    public WarmupCosineLR(IOptimizer optimizer, int warmupSteps, int totalSteps, double etaMin = 0)
        : base(optimizer)
    {
        _warmupSteps = Guard.Positive(warmupSteps, nameof(warmupSteps));
        _totalSteps = totalSteps > warmupSteps ? totalSteps : throw Guard.Out(totalSteps, nameof(totalSteps), $"> warmupSteps ({warmupSteps}): the schedule must last longer than its warm-up");
        _etaMin = Guard.NonNegative(etaMin, nameof(etaMin));
        optimizer.LearningRate = At(0);
    }

    internal override (string Name, double Value)[] Options => [("warmupSteps", _warmupSteps), ("totalSteps", _totalSteps), ("etaMin", _etaMin)];

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
    private readonly (string Name, double Value)[] _options;

    /// <summary>Creates the schedule and sets the first learning rate.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A period or step count that is not positive, a factor, gamma or rate outside its range; the message names the argument and the range.</exception>
    public OneCycleLR(IOptimizer optimizer, double maxLearningRate, int totalSteps, double pctStart = 0.3, double divFactor = 25, double finalDivFactor = 1e4)
        : base(optimizer)
    {
        _totalSteps = totalSteps > 1 ? totalSteps : throw Guard.Out(totalSteps, nameof(totalSteps), "> 1");
        _max = Guard.NonNegative(maxLearningRate, nameof(maxLearningRate));
        Guard.Fraction(pctStart, nameof(pctStart));
        Guard.Positive(divFactor, nameof(divFactor));
        Guard.Positive(finalDivFactor, nameof(finalDivFactor));
        _options = [("maxLearningRate", maxLearningRate), ("totalSteps", totalSteps), ("pctStart", pctStart), ("divFactor", divFactor), ("finalDivFactor", finalDivFactor)];
        _initial = maxLearningRate / divFactor;
        _min = _initial / finalDivFactor;
        _warmupEnd = pctStart * totalSteps - 1;
        optimizer.LearningRate = _initial;
    }

    internal override (string Name, double Value)[] Options => _options;

    internal override int MaxStepCount => _totalSteps - 1;

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
public sealed class ReduceLROnPlateau : ILearningRateSchedule, ICheckpointedSchedule
{
    private readonly double _factor;
    private readonly int _patience;
    private readonly double _threshold;
    private readonly double _minLearningRate;
    private double _best = double.PositiveInfinity;
    private int _badSteps;

    /// <summary>Creates the schedule.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A period or step count that is not positive, a factor, gamma or rate outside its range; the message names the argument and the range.</exception>
    public ReduceLROnPlateau(IOptimizer optimizer, double factor = 0.1, int patience = 10, double threshold = 1e-4, double minLearningRate = 0)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
        _factor = Guard.FractionBelowOne(factor, nameof(factor));
        _patience = Guard.NonNegative(patience, nameof(patience));
        _threshold = Guard.NonNegative(threshold, nameof(threshold));
        _minLearningRate = Guard.NonNegative(minLearningRate, nameof(minLearningRate));
    }

    (string Name, double Value)[] ICheckpointedSchedule.Options => [("factor", _factor), ("patience", _patience), ("threshold", _threshold), ("minLearningRate", _minLearningRate)];

    double[] ICheckpointedSchedule.State => [_best, _badSteps];

    string? ICheckpointedSchedule.Invalid(double[] state) =>
        double.IsNaN(state[0]) ? "a best metric of NaN"
        : !(state[1] >= 0 && state[1] <= _patience && state[1] == Math.Floor(state[1])) ? $"a count of {state[1]} steps without improvement (expected a whole number in [0, {_patience}])"
        : null;

    void ICheckpointedSchedule.Restore(double[] state)
    {
        _best = state[0];
        _badSteps = (int)state[1];
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
