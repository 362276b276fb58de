using System;
using System.Numerics;

namespace DiffGen;

/// <summary>The line search of <see cref="Lbfgs{T}"/>, PyTorch's <c>line_search_fn</c>.</summary>
public enum LbfgsLineSearch
{
    /// <summary>
    /// No line search (PyTorch's default, <c>None</c>): every iteration moves by the learning rate times
    /// the L-BFGS direction (the very first by min(1, 1/‖g‖₁)·lr).
    /// </summary>
    None,

    /// <summary>
    /// PyTorch's <c>"strong_wolfe"</c>: a bracketing and zooming search with cubic interpolation
    /// (Nocedal and Wright, Algorithms 3.5 and 3.6, as in minFunc) for a step length t satisfying the strong
    /// Wolfe conditions f(x + t·d) ≤ f(x) + 10⁻⁴·t·gᵀd and |∇f(x + t·d)ᵀd| ≤ 0.9·|gᵀd|, in at most 26
    /// evaluations per iteration.
    /// </summary>
    StrongWolfe,
}

/// <summary>Why the last <see cref="Lbfgs{T}.Step"/> stopped iterating.</summary>
public enum LbfgsTermination
{
    /// <summary>The largest gradient element is at most <see cref="Lbfgs{T}.GradientTolerance"/> (at the start of the step, or after an iteration).</summary>
    GradientTolerance,

    /// <summary>
    /// The new direction's directional derivative gᵀd is above −<see cref="Lbfgs{T}.ChangeTolerance"/>: it
    /// hardly descends, and the step ended without moving the parameters (PyTorch: "directional derivative
    /// is below tolerance"). Typical once the minimum is reached.
    /// </summary>
    NoDescent,

    /// <summary>The last move was at most <see cref="Lbfgs{T}.ChangeTolerance"/> in every element, ‖t·d‖∞ ≤ tol (PyTorch: "lack of progress").</summary>
    StepTolerance,

    /// <summary>The last iteration changed the loss by less than <see cref="Lbfgs{T}.ChangeTolerance"/>.</summary>
    LossChangeTolerance,

    /// <summary><see cref="Lbfgs{T}.MaxIterations"/> iterations ran in this step.</summary>
    MaxIterations,

    /// <summary><see cref="Lbfgs{T}.MaxEvaluations"/> calls of the closure were made in this step.</summary>
    MaxEvaluations,
}

/// <summary>
/// L-BFGS, as <c>torch.optim.LBFGS</c> (PyTorch 1.13) step for step, with or without its strong-Wolfe line search:
/// each <see cref="Step"/> runs up to <see cref="MaxIterations"/> quasi-Newton iterations, calling a closure
/// that computes the loss and its gradient at the parameters' current values.
/// </summary>
/// <typeparam name="T"><c>double</c> or <c>float</c>.</typeparam>
/// <remarks>
/// <para>
/// The parameters are seen as one flat vector x (the set's parameters in order, as PyTorch concatenates
/// its <c>params</c>), g its gradient. Each iteration k (counted over all steps, <see cref="IterationCount"/>):
/// </para>
/// <code>
/// k = 1:  d ← −g,  H ← 1                                         (no history yet)
/// k &gt; 1:  y ← g − g_prev,  s ← t·d                                (the previous iteration's move)
///         if yᵀs &gt; 1e-10: keep (s, y, ρ = 1/yᵀs), dropping the oldest beyond historySize;  H ← yᵀs / yᵀy
///         d ← −H̃·g, H̃ the inverse Hessian estimate of the kept pairs, by the two-loop recursion:
///             q ← −g;  for i newest..oldest: αᵢ ← ρᵢ·sᵢᵀq,  q ← q − αᵢ·yᵢ
///             d ← H·q;  for i oldest..newest: βᵢ ← ρᵢ·yᵢᵀd,  d ← d + (αᵢ − βᵢ)·sᵢ
/// t ← min(1, 1/‖g‖₁)·lr at k = 1, else lr
/// stop (NoDescent) if gᵀd &gt; −changeTolerance
/// no line search:  x ← x + t·d, then loss and g at x (skipped in the step's last iteration)
/// strong Wolfe:    t ← the line search's step from t;  x ← x + t·d, with the loss and g it evaluated there
/// stop if: maxIterations iterations in this step; maxEvaluations closure calls in this step;
///          ‖g‖∞ ≤ gradientTolerance;  ‖t·d‖∞ ≤ changeTolerance;  |loss − previous loss| &lt; changeTolerance
/// </code>
/// <para>
/// A step starts with one call of the closure and returns at once, with no iteration, when ‖g‖∞ ≤
/// <see cref="GradientTolerance"/> there. Everything else carries over from step to step as PyTorch's
/// optimizer state does: the direction, step length, history, H and the previous gradient. So one step of
/// 20 iterations and 20 steps of one visit the same points, unless a limit or tolerance stops the former
/// early (the latter evaluate once more per step where a line search already has). The
/// line search keeps PyTorch's constants (c₁ = 10⁻⁴, c₂ = 0.9, at most 25 evaluations after the first, and
/// a bracket tolerance of 1e-9 whatever <see cref="ChangeTolerance"/> is).
/// </para>
/// <para>
/// The arithmetic follows PyTorch's on the CPU operation for operation: x + t·d and the recursion's
/// updates are fused multiply-adds (as PyTorch's <c>add_(…, alpha)</c> is), dot products and sums accumulate
/// element by element in order (as PyTorch's do below 16 and 5 elements; beyond, they add in another order
/// and agree to rounding). Given gradients that round as PyTorch's, the trajectory is PyTorch's float64 one
/// bit for bit; with DiffGen's generated gradients, within 2e-11 relative per step on Rosenbrock and a
/// logistic regression (<c>tools/pytorch_lbfgs_reference.py</c>, <c>LbfgsTests</c>). For <c>float</c> the
/// same algorithm runs in <c>float</c>.
/// </para>
/// <para>
/// <b>Why a closure over the set, and not an <see cref="IOptimizer"/>.</b> L-BFGS evaluates the loss and
/// gradient several times per step at points of its choosing, so <see cref="Step"/> takes a closure, as
/// PyTorch's does; its contract is exactly a generated gradient call: with the parameters' values in place,
/// add the gradient into the set's gradient buffers and return the loss
/// (<c>() =&gt; Objectives.RosenbrockGradient(w.Values, w.Gradients)</c>, or
/// <c>() =&gt; model.LossGradient(x, y, gradient)</c> for a set made by <see cref="ParameterSet{T}.FromModel{TModel}"/>).
/// The optimizer zeroes the gradients before every call (generated gradients accumulate), writes each trial
/// point into the parameters' own arrays, model scalar members included (<see cref="ParameterSet{T}.WriteModel"/>),
/// and reads the gradients back. A closure over a flat vector would instead make every model copy itself in
/// and out of that vector. It is not an <see cref="IOptimizer"/>, whose <c>Step()</c> applies gradients
/// already computed, and its state (a history of whole-vector pairs) is not the per-parameter buffers
/// <see cref="Checkpoint"/> saves: checkpoints and schedules do not take it (set <see cref="LearningRate"/>
/// yourself).
/// </para>
/// <para>
/// Memory: 5 + 2·<see cref="HistorySize"/> vectors as long as the parameters (the history allocated as it
/// fills), and 5 more with the line search. Once the history is full a step allocates nothing.
/// </para>
/// </remarks>
public sealed class Lbfgs<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    // PyTorch's fixed constants: the curvature test, and _strong_wolfe's defaults (not the optimizer's options).
    private const double CurvatureThreshold = 1e-10;
    private const double SufficientDecrease = 1e-4;   // c1
    private const double Curvature = 0.9;             // c2
    private const double LineSearchTolerance = 1e-9;  // _strong_wolfe's tolerance_change
    private const int MaxLineSearchEvaluations = 25;  // max_ls

    private readonly int _length;
    private readonly T[] _gradient;        // flat_grad
    private readonly T[] _previousGradient; // prev_flat_grad
    private readonly T[] _direction;       // d
    private T[] _y;                         // scratch: y = g − g_prev, swapped into the history when kept
    private T[] _s;                         // scratch: s = t·d
    private readonly T[]?[] _dirs;          // old_dirs (the y's), a ring of HistorySize
    private readonly T[]?[] _steps;         // old_stps (the s's)
    private readonly T[] _rho;              // ro
    private readonly T[] _alpha;            // al
    private int _historyStart;
    private T _t;                           // the last step length
    private T _hDiag = T.One;               // H_diag
    private T _previousLoss;

    // The line search's buffers, allocated with the first search.
    private T[]? _start;                    // x_init
    private T[]? _newGradient;              // g_new
    private T[]? _priorGradient;            // g_prev
    private T[][]? _bracketGradients;       // bracket_g
    private readonly T[] _bracket = new T[2], _bracketF = new T[2], _bracketGtd = new T[2];

    private double _learningRate;

    /// <summary>Creates L-BFGS with PyTorch's defaults.</summary>
    /// <param name="parameters">The parameters; their count of values (<see cref="ParameterSet{T}.Length"/>) is fixed from here on.</param>
    /// <param name="learningRate">PyTorch's <c>lr</c>: the step length tried (default 1).</param>
    /// <param name="maxIterations">PyTorch's <c>max_iter</c>: iterations per <see cref="Step"/> (default 20).</param>
    /// <param name="maxEvaluations">PyTorch's <c>max_eval</c>: closure calls per <see cref="Step"/> before it stops (checked after each iteration; default maxIterations·5/4, rounded down).</param>
    /// <param name="gradientTolerance">PyTorch's <c>tolerance_grad</c>: stop when ‖g‖∞ is at most this (default 1e-7).</param>
    /// <param name="changeTolerance">PyTorch's <c>tolerance_change</c>: stop when the move or the loss change is below this (default 1e-9).</param>
    /// <param name="historySize">PyTorch's <c>history_size</c>: (s, y) pairs kept (default 100).</param>
    /// <param name="lineSearch">PyTorch's <c>line_search_fn</c> (default none).</param>
    /// <exception cref="ArgumentNullException"><paramref name="parameters"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A learning rate or tolerance that is not finite and &gt;= 0, an iteration, evaluation or history count
    /// below 1 (PyTorch fails on a history of 0 at its first update), or an unknown line search.
    /// </exception>
    public Lbfgs(
        ParameterSet<T> parameters,
        double learningRate = 1,
        int maxIterations = 20,
        int? maxEvaluations = null,
        double gradientTolerance = 1e-7,
        double changeTolerance = 1e-9,
        int historySize = 100,
        LbfgsLineSearch lineSearch = LbfgsLineSearch.None)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters;
        _learningRate = Guard.NonNegative(learningRate, nameof(learningRate));
        MaxIterations = Guard.Positive(maxIterations, nameof(maxIterations));
        MaxEvaluations = maxEvaluations is { } evaluations
            ? Guard.Positive(evaluations, nameof(maxEvaluations))
            : (int)Math.Max(1, Math.Min(int.MaxValue, maxIterations * 5L / 4));
        GradientTolerance = Guard.NonNegative(gradientTolerance, nameof(gradientTolerance));
        ChangeTolerance = Guard.NonNegative(changeTolerance, nameof(changeTolerance));
        HistorySize = Guard.Positive(historySize, nameof(historySize));
        if (lineSearch is not (LbfgsLineSearch.None or LbfgsLineSearch.StrongWolfe))
        {
            throw Guard.Out(lineSearch, nameof(lineSearch), $"{nameof(LbfgsLineSearch.None)} or {nameof(LbfgsLineSearch.StrongWolfe)}");
        }

        LineSearch = lineSearch;
        _length = parameters.Length;
        _gradient = new T[_length];
        _previousGradient = new T[_length];
        _direction = new T[_length];
        _y = new T[_length];
        _s = new T[_length];
        _dirs = new T[historySize][];
        _steps = new T[historySize][];
        _rho = new T[historySize];
        _alpha = new T[historySize];
    }

    /// <summary>The parameters updated.</summary>
    public ParameterSet<T> Parameters { get; }

    /// <summary>The step length tried, PyTorch's <c>lr</c> (read at the start of every <see cref="Step"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is NaN, infinite or negative.</exception>
    public double LearningRate
    {
        get => _learningRate;
        set => _learningRate = Guard.NonNegative(value, nameof(value));
    }

    /// <summary>Iterations per <see cref="Step"/> at most (<c>max_iter</c>).</summary>
    public int MaxIterations { get; }

    /// <summary>Closure calls per <see cref="Step"/> after which it stops (<c>max_eval</c>).</summary>
    public int MaxEvaluations { get; }

    /// <summary>The largest gradient element at which a step stops (<c>tolerance_grad</c>).</summary>
    public double GradientTolerance { get; }

    /// <summary>The move (in every element) or loss change below which a step stops (<c>tolerance_change</c>).</summary>
    public double ChangeTolerance { get; }

    /// <summary>The most (s, y) pairs kept (<c>history_size</c>).</summary>
    public int HistorySize { get; }

    /// <summary>The line search (<c>line_search_fn</c>).</summary>
    public LbfgsLineSearch LineSearch { get; }

    /// <summary>Iterations over all steps so far (PyTorch's <c>state["n_iter"]</c>).</summary>
    public long IterationCount { get; private set; }

    /// <summary>Closure calls over all steps so far (PyTorch's <c>state["func_evals"]</c>).</summary>
    public long EvaluationCount { get; private set; }

    /// <summary>The (s, y) pairs held now, at most <see cref="HistorySize"/>.</summary>
    public int HistoryCount { get; private set; }

    /// <summary>Why the last <see cref="Step"/> stopped; null before the first.</summary>
    public LbfgsTermination? Termination { get; private set; }

    /// <summary>
    /// Runs up to <see cref="MaxIterations"/> iterations from the parameters' current values, leaving them
    /// at the last point reached, and returns the loss at the start (what PyTorch's <c>step</c> returns).
    /// </summary>
    /// <param name="lossAndGradient">
    /// Adds the gradient of the loss at the parameters' current values into their <c>Gradients</c> and returns
    /// the loss: a generated <c>…Gradient</c> call. The gradients are zeroed before every call; the closure may
    /// be called up to <see cref="MaxEvaluations"/> times and more (a line search finishes its iteration), and
    /// must compute the same function each time (same data: not a new minibatch per call).
    /// </param>
    /// <returns>The loss at the parameters as they were when the step began.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="lossAndGradient"/> is null.</exception>
    /// <exception cref="InvalidOperationException">Parameters were added to the set after this optimizer was created.</exception>
    public T Step(Func<T> lossAndGradient)
    {
        ArgumentNullException.ThrowIfNull(lossAndGradient);
        if (Parameters.Length != _length)
        {
            throw new InvalidOperationException(
                $"The parameter set holds {Parameters.Length} values, but had {_length} when this L-BFGS optimizer was created; its history is as long as the parameters: create a new optimizer.");
        }

        T learningRate = Of(LearningRate), gradientTolerance = Of(GradientTolerance), changeTolerance = Of(ChangeTolerance);
        var g = _gradient;
        var d = _direction;

        var initialLoss = Evaluate(lossAndGradient, g);
        var loss = initialLoss;
        var evaluations = 1;
        EvaluationCount++;
        if (MaxAbs(g) <= gradientTolerance)
        {
            Termination = LbfgsTermination.GradientTolerance;
            return initialLoss;
        }

        var termination = LbfgsTermination.MaxIterations;
        var iterations = 0;
        while (iterations < MaxIterations)
        {
            iterations++;
            IterationCount++;

            // The direction.
            if (IterationCount == 1)
            {
                for (var i = 0; i < g.Length; i++)
                {
                    d[i] = -g[i];
                }

                HistoryCount = 0;
                _historyStart = 0;
                _hDiag = T.One;
            }
            else
            {
                UpdateHistory(g);
                TwoLoopRecursion(g);
            }

            g.AsSpan().CopyTo(_previousGradient);
            _previousLoss = loss;

            // The step length tried, and whether d descends at all.
            _t = IterationCount == 1 ? PyMin(T.One, T.One / SumAbs(g)) * learningRate : learningRate;
            var gtd = Dot(g, d);
            if (gtd > -changeTolerance)
            {
                termination = LbfgsTermination.NoDescent;
                break;
            }

            var moveEvaluations = 0;
            var optimal = false;
            if (LineSearch == LbfgsLineSearch.StrongWolfe)
            {
                (loss, _t, moveEvaluations) = StrongWolfe(lossAndGradient, _t, loss, gtd);
                MoveFromStart(_t);
                optimal = MaxAbs(g) <= gradientTolerance;
            }
            else
            {
                Move(_t);
                if (iterations != MaxIterations)
                {
                    // Not after the step's last iteration: the next step evaluates there anyway (PyTorch's
                    // reasoning: with a stochastic loss, a value now would be of no use).
                    loss = Evaluate(lossAndGradient, g);
                    optimal = MaxAbs(g) <= gradientTolerance;
                    moveEvaluations = 1;
                }
            }

            evaluations += moveEvaluations;
            EvaluationCount += moveEvaluations;

            if (iterations == MaxIterations)
            {
                termination = LbfgsTermination.MaxIterations;
                break;
            }

            if (evaluations >= MaxEvaluations)
            {
                termination = LbfgsTermination.MaxEvaluations;
                break;
            }

            if (optimal)
            {
                termination = LbfgsTermination.GradientTolerance;
                break;
            }

            if (MaxAbsScaled(d, _t) <= changeTolerance)
            {
                termination = LbfgsTermination.StepTolerance;
                break;
            }

            if (T.Abs(loss - _previousLoss) < changeTolerance)
            {
                termination = LbfgsTermination.LossChangeTolerance;
                break;
            }
        }

        Termination = termination;
        return initialLoss;
    }

    /// <summary>y = g − g_prev and s = t·d of the last move; kept (the oldest dropped when full) if yᵀs &gt; 1e-10, which also sets H = yᵀs / yᵀy.</summary>
    private void UpdateHistory(T[] g)
    {
        var d = _direction;
        for (var i = 0; i < g.Length; i++)
        {
            _y[i] = g[i] - _previousGradient[i];
            _s[i] = d[i] * _t;
        }

        var ys = Dot(_y, _s);
        if (!(ys > Of(CurvatureThreshold)))
        {
            return;
        }

        int slot;
        if (HistoryCount == HistorySize)
        {
            slot = _historyStart;   // the oldest, dropped
            _historyStart = (_historyStart + 1) % HistorySize;
        }
        else
        {
            slot = (_historyStart + HistoryCount) % HistorySize;
            HistoryCount++;
        }

        // The scratch vectors become the history's; the dropped pair's (or new) arrays the next scratch.
        (_dirs[slot], _y) = (_y, _dirs[slot] ?? new T[_length]);
        (_steps[slot], _s) = (_s, _steps[slot] ?? new T[_length]);
        _rho[slot] = T.One / ys;
        _hDiag = ys / Dot(_dirs[slot]!, _dirs[slot]!);
    }

    /// <summary>d = −H̃·g: PyTorch's two-loop recursion over the history, oldest pair at index 0.</summary>
    private void TwoLoopRecursion(T[] g)
    {
        var q = _direction;   // q, then r = d: one buffer, as PyTorch's q is not used after r = q·H
        for (var i = 0; i < g.Length; i++)
        {
            q[i] = -g[i];
        }

        for (var i = HistoryCount - 1; i >= 0; i--)
        {
            var slot = (_historyStart + i) % HistorySize;
            var alpha = Dot(_steps[slot]!, q) * _rho[slot];
            _alpha[i] = alpha;
            AddScaled(q, -alpha, _dirs[slot]!);
        }

        for (var k = 0; k < q.Length; k++)
        {
            q[k] *= _hDiag;
        }

        for (var i = 0; i < HistoryCount; i++)
        {
            var slot = (_historyStart + i) % HistorySize;
            var beta = Dot(_dirs[slot]!, q) * _rho[slot];
            AddScaled(q, _alpha[i] - beta, _steps[slot]!);
        }
    }

    /// <summary>
    /// PyTorch's <c>_strong_wolfe</c> from the current parameters along d: returns the loss at the step
    /// length chosen, that length and the closure calls made, and leaves the gradient there in g. The
    /// parameters are left at the last point evaluated; the caller moves them.
    /// </summary>
    private (T Loss, T Step, int Evaluations) StrongWolfe(Func<T> lossAndGradient, T t, T f, T gtd)
    {
        T c1 = Of(SufficientDecrease), c2 = Of(Curvature), tolerance = Of(LineSearchTolerance);
        var d = _direction;
        var g = _gradient;   // the gradient at t = 0; not written until the end
        var start = _start ??= new T[_length];
        var gNew = _newGradient ??= new T[_length];
        var gPrev = _priorGradient ??= new T[_length];
        var bracketG = _bracketGradients ??= [new T[_length], new T[_length]];
        Parameters.ReadModel();
        Gather(start, values: true);

        var dNorm = MaxAbs(d);
        var fNew = EvaluateAt(lossAndGradient, t, gNew);
        var evaluations = 1;
        var gtdNew = Dot(gNew, d);

        // Bracket an interval holding a point that satisfies the Wolfe conditions.
        T tPrev = T.Zero, fPrev = f, gtdPrev = gtd;
        g.AsSpan().CopyTo(gPrev);
        T[] bracket = _bracket, bracketF = _bracketF, bracketGtd = _bracketGtd;
        var single = false;   // a bracket of one point: t satisfies the conditions
        var done = false;
        var iteration = 0;
        while (iteration < MaxLineSearchEvaluations)
        {
            if (fNew > f + c1 * t * gtd || (iteration > 1 && fNew >= fPrev))
            {
                SetBracket(tPrev, fPrev, gPrev, gtdPrev, t, fNew, gNew, gtdNew);
                break;
            }

            if (T.Abs(gtdNew) <= -c2 * gtd)
            {
                (bracket[0], bracketF[0]) = (t, fNew);
                gNew.AsSpan().CopyTo(bracketG[0]);
                single = done = true;
                break;
            }

            if (gtdNew >= T.Zero)
            {
                SetBracket(tPrev, fPrev, gPrev, gtdPrev, t, fNew, gNew, gtdNew);
                break;
            }

            // Extrapolate: a cubic's minimizer in [t + 0.01·(t − t_prev), 10·t].
            var minStep = t + Of(0.01) * (t - tPrev);
            var maxStep = t * Of(10);
            var previous = t;
            t = CubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, minStep, maxStep);
            tPrev = previous;
            fPrev = fNew;
            gNew.AsSpan().CopyTo(gPrev);
            gtdPrev = gtdNew;
            fNew = EvaluateAt(lossAndGradient, t, gNew);
            evaluations++;
            gtdNew = Dot(gNew, d);
            iteration++;
        }

        if (iteration == MaxLineSearchEvaluations)
        {
            // Out of evaluations: the bracket is [0, t] (its directional derivatives unused, as in PyTorch).
            (bracket[0], bracketF[0]) = (T.Zero, f);
            (bracket[1], bracketF[1]) = (t, fNew);
            g.AsSpan().CopyTo(bracketG[0]);
            gNew.AsSpan().CopyTo(bracketG[1]);
        }

        // Zoom: shrink the bracket until a point satisfies the conditions.
        var insufficientProgress = false;
        int low = 0, high = 1;
        if (!single && !(bracketF[0] <= bracketF[1]))
        {
            (low, high) = (1, 0);
        }

        while (!done && iteration < MaxLineSearchEvaluations)
        {
            if (T.Abs(bracket[1] - bracket[0]) * dNorm < tolerance)
            {
                break;
            }

            t = CubicInterpolate(bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1]);

            // Too close to an end of the bracket: unless the last trial made progress, 0.1 of its width inside instead.
            T top = PyMax(bracket[0], bracket[1]), bottom = PyMin(bracket[0], bracket[1]);
            var margin = Of(0.1) * (top - bottom);
            if (PyMin(top - t, t - bottom) < margin)
            {
                if (insufficientProgress || t >= top || t <= bottom)
                {
                    t = T.Abs(t - top) < T.Abs(t - bottom) ? top - margin : bottom + margin;
                    insufficientProgress = false;
                }
                else
                {
                    insufficientProgress = true;
                }
            }
            else
            {
                insufficientProgress = false;
            }

            fNew = EvaluateAt(lossAndGradient, t, gNew);
            evaluations++;
            gtdNew = Dot(gNew, d);
            iteration++;

            if (fNew > f + c1 * t * gtd || fNew >= bracketF[low])
            {
                // Not a sufficient decrease, or not below the low end: the new high end.
                (bracket[high], bracketF[high], bracketGtd[high]) = (t, fNew, gtdNew);
                gNew.AsSpan().CopyTo(bracketG[high]);
                (low, high) = bracketF[0] <= bracketF[1] ? (0, 1) : (1, 0);
            }
            else
            {
                if (T.Abs(gtdNew) <= -c2 * gtd)
                {
                    done = true;   // the Wolfe conditions hold
                }
                else if (gtdNew * (bracket[high] - bracket[low]) >= T.Zero)
                {
                    // The old high end becomes the new low's partner.
                    (bracket[high], bracketF[high], bracketGtd[high]) = (bracket[low], bracketF[low], bracketGtd[low]);
                    bracketG[low].AsSpan().CopyTo(bracketG[high]);
                }

                (bracket[low], bracketF[low], bracketGtd[low]) = (t, fNew, gtdNew);
                gNew.AsSpan().CopyTo(bracketG[low]);
            }
        }

        bracketG[low].AsSpan().CopyTo(g);
        return (bracketF[low], bracket[low], evaluations);

        void SetBracket(T t0, T f0, T[] g0, T gtd0, T t1, T f1, T[] g1, T gtd1)
        {
            (bracket[0], bracketF[0], bracketGtd[0]) = (t0, f0, gtd0);
            (bracket[1], bracketF[1], bracketGtd[1]) = (t1, f1, gtd1);
            g0.AsSpan().CopyTo(bracketG[0]);
            g1.AsSpan().CopyTo(bracketG[1]);
        }
    }

    /// <summary>
    /// PyTorch's <c>_cubic_interpolate</c>: the minimizer of the cubic through (x₁, f₁) and (x₂, f₂) with
    /// slopes g₁, g₂, clamped to [xmin, xmax] (the two points' interval by default); the interval's middle
    /// when the cubic has no minimizer.
    /// </summary>
    internal static T CubicInterpolate(T x1, T f1, T g1, T x2, T f2, T g2, T? minBound = null, T? maxBound = null)
    {
        T xmin, xmax;
        if (minBound is { } lower && maxBound is { } upper)
        {
            (xmin, xmax) = (lower, upper);
        }
        else
        {
            (xmin, xmax) = x1 <= x2 ? (x1, x2) : (x2, x1);
        }

        var d1 = g1 + g2 - Of(3) * (f1 - f2) / (x1 - x2);
        var d2Square = d1 * d1 - g1 * g2;
        if (d2Square >= T.Zero)
        {
            var d2 = T.Sqrt(d2Square);
            var minimum = x1 <= x2
                ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + Of(2) * d2))
                : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + Of(2) * d2));
            return PyMin(PyMax(minimum, xmin), xmax);
        }

        return (xmin + xmax) / Of(2);
    }

    /// <summary>Zeroes the gradients, calls the closure, and gathers the gradient into <paramref name="gradient"/>.</summary>
    private T Evaluate(Func<T> lossAndGradient, T[] gradient)
    {
        Parameters.ZeroGradients();
        var loss = lossAndGradient();
        Parameters.ReadModel();
        Gather(gradient, values: false);
        return loss;
    }

    /// <summary>The loss and gradient at x_init + t·d (PyTorch's <c>_directional_evaluate</c>).</summary>
    private T EvaluateAt(Func<T> lossAndGradient, T t, T[] gradient)
    {
        MoveFromStart(t);
        return Evaluate(lossAndGradient, gradient);
    }

    /// <summary>The parameters, or their gradients, as one vector.</summary>
    private void Gather(T[] into, bool values)
    {
        var offset = 0;
        for (var p = 0; p < Parameters.Count; p++)
        {
            var source = values ? Parameters[p].Values : Parameters[p].Gradients;
            source.AsSpan().CopyTo(into.AsSpan(offset));
            offset += source.Length;
        }
    }

    /// <summary>x ← x + t·d, fused as PyTorch's <c>add_(d, alpha=t)</c>.</summary>
    private void Move(T t)
    {
        Parameters.ReadModel();
        var offset = 0;
        for (var p = 0; p < Parameters.Count; p++)
        {
            var values = Parameters[p].Values;
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = T.FusedMultiplyAdd(t, _direction[offset + i], values[i]);
            }

            offset += values.Length;
        }

        Parameters.WriteModel();
    }

    /// <summary>x ← x_init + t·d: what PyTorch computes by restoring x_init and adding t·d.</summary>
    private void MoveFromStart(T t)
    {
        var start = _start!;
        Parameters.ReadModel();
        var offset = 0;
        for (var p = 0; p < Parameters.Count; p++)
        {
            var values = Parameters[p].Values;
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = T.FusedMultiplyAdd(t, _direction[offset + i], start[offset + i]);
            }

            offset += values.Length;
        }

        Parameters.WriteModel();
    }

    /// <summary>q ← q + a·v, fused as PyTorch's <c>add_(v, alpha=a)</c>.</summary>
    private static void AddScaled(T[] q, T a, T[] v)
    {
        for (var i = 0; i < q.Length; i++)
        {
            q[i] = T.FusedMultiplyAdd(a, v[i], q[i]);
        }
    }

    /// <summary>aᵀb, summed in order.</summary>
    private static T Dot(T[] a, T[] b)
    {
        var sum = T.Zero;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    /// <summary>‖v‖₁, summed in order.</summary>
    private static T SumAbs(T[] v)
    {
        var sum = T.Zero;
        foreach (var x in v)
        {
            sum += T.Abs(x);
        }

        return sum;
    }

    /// <summary>‖v‖∞; NaN if an element is NaN (as PyTorch's <c>max</c>).</summary>
    private static T MaxAbs(T[] v) => MaxAbsScaled(v, T.One);

    /// <summary>‖t·v‖∞, the products rounded as PyTorch's <c>d.mul(t)</c>; NaN if one is NaN.</summary>
    private static T MaxAbsScaled(T[] v, T t)
    {
        var max = T.Zero;
        foreach (var x in v)
        {
            var a = T.Abs(x * t);
            max = T.IsNaN(a) || T.IsNaN(max) ? T.NaN : T.Max(max, a);
        }

        return max;
    }

    /// <summary>Python's <c>min(a, b)</c>: <paramref name="a"/> unless <paramref name="b"/> is smaller (so NaN in <paramref name="b"/> is passed over).</summary>
    private static T PyMin(T a, T b) => b < a ? b : a;

    /// <summary>Python's <c>max(a, b)</c>: <paramref name="a"/> unless <paramref name="b"/> is larger.</summary>
    private static T PyMax(T a, T b) => b > a ? b : a;

    private static T Of(double value) => T.CreateChecked(value);
}
