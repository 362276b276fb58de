using System;
using System.Collections.Generic;
using System.Numerics;
using System.Numerics.Tensors;
using System.Threading;

namespace DiffGen;

/// <summary>The seed each shard's gradient is given, from how the shards' losses make the batch's.</summary>
public enum LossReduction
{
    /// <summary>
    /// The batch's loss is the mean over its samples and each shard's loss the mean over the shard's
    /// (PyTorch's <c>reduction="mean"</c>): a shard of <c>count</c> samples out of <c>n</c> gets the seed <c>count / n</c>.
    /// </summary>
    Mean,

    /// <summary>The batch's loss is the sum of the shards' losses: every shard gets the seed 1.</summary>
    Sum,
}

/// <summary>
/// How <see cref="DataParallel{T}"/> and <see cref="DataParallel{TModel, T}"/> split a batch and run it.
/// The shards depend only on the batch's size and these settings, never on the machine, so the result
/// is the same on any number of cores.
/// </summary>
public sealed class DataParallelOptions
{
    /// <summary>The number of shards when neither <see cref="ShardSize"/> nor <see cref="ShardCount"/> is set: 8 (fewer for a batch of fewer samples).</summary>
    public const int DefaultShardCount = 8;

    /// <summary>
    /// Samples per shard: shard k is [k·size, (k+1)·size), the last one shorter when the batch is not a
    /// multiple of it. 0 (the default) leaves the split to <see cref="ShardCount"/>.
    /// </summary>
    public int ShardSize { get; init; }

    /// <summary>
    /// The number of shards: the batch is cut into this many contiguous ranges as equal as possible (the
    /// first <c>n mod count</c> one sample longer), or into single samples when it has fewer. 0 (the
    /// default) means <see cref="DefaultShardCount"/> unless <see cref="ShardSize"/> is set. Each shard
    /// holds a gradient buffer as large as the parameters (kept across calls), so this also bounds the memory.
    /// </summary>
    public int ShardCount { get; init; }

    /// <summary>
    /// The most threads a call uses, the calling thread included (as <see cref="System.Threading.Tasks.ParallelOptions.MaxDegreeOfParallelism"/>):
    /// −1 (the default) for <see cref="Environment.ProcessorCount"/>, 1 to run everything on the calling thread.
    /// It changes the time taken, never the result.
    /// </summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    /// <summary>How the shards' losses make the batch's, hence each shard's seed; <see cref="LossReduction.Mean"/> by default.</summary>
    public LossReduction Reduction { get; init; } = LossReduction.Mean;
}

/// <summary>
/// One shard's gradient for <see cref="DataParallel{T}"/>: add <paramref name="seed"/> × ∂(loss over samples
/// [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>)) into <paramref name="gradients"/>
/// and return that loss, which is what a generated <c>…Gradient(…, seed)</c> method does.
/// </summary>
/// <param name="start">The shard's first sample in the batch.</param>
/// <param name="count">The shard's number of samples (at least 1).</param>
/// <param name="gradients">The shard's own gradient buffers, one per parameter in the set's order, zeroed.</param>
/// <param name="seed">The shard's weight in the batch's loss: <c>count / n</c> for <see cref="LossReduction.Mean"/>, 1 for <see cref="LossReduction.Sum"/>.</param>
/// <returns>The shard's loss, not scaled by <paramref name="seed"/> (the generated method's value).</returns>
public delegate T ShardGradient<T>(int start, int count, ShardBuffers<T> gradients, T seed)
    where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>
/// One shard's gradient for <see cref="DataParallel{TModel, T}"/>: add <paramref name="seed"/> × ∂(loss over
/// samples [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>)) into the gradient
/// model <paramref name="gradient"/> and return that loss:
/// <c>(start, count, gradient, seed) => model.LossGradient(x, y, start, count, gradient, seed)</c>.
/// </summary>
/// <param name="start">The shard's first sample in the batch.</param>
/// <param name="count">The shard's number of samples (at least 1).</param>
/// <param name="gradient">The shard's own gradient model, zeroed.</param>
/// <param name="seed">The shard's weight in the batch's loss: <c>count / n</c> for <see cref="LossReduction.Mean"/>, 1 for <see cref="LossReduction.Sum"/>.</param>
/// <returns>The shard's loss, not scaled by <paramref name="seed"/> (the generated method's value).</returns>
public delegate T ShardGradient<TModel, T>(int start, int count, TModel gradient, T seed)
    where TModel : class
    where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>A shard's gradient buffers: one array per parameter of the set, same order, names and lengths.</summary>
/// <typeparam name="T"><c>double</c> or <c>float</c>.</typeparam>
public sealed class ShardBuffers<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ParameterSet<T> _parameters;
    private readonly T[][] _buffers;

    internal ShardBuffers(ParameterSet<T> parameters, T[][] buffers) => (_parameters, _buffers) = (parameters, buffers);

    /// <summary>The number of buffers (the set's number of parameters).</summary>
    public int Count => _buffers.Length;

    /// <summary>The buffer of the set's parameter at <paramref name="index"/> (a scalar's is length 1: pass <c>ref g[i][0]</c>).</summary>
    public T[] this[int index] => _buffers[index];

    /// <summary>The buffer of the parameter named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No parameter has that name.</exception>
    public T[] this[string name] => _parameters.IndexOf(name) is var index and >= 0
        ? _buffers[index]
        : throw new KeyNotFoundException($"No parameter named '{name}'.");
}

/// <summary>
/// Data-parallel gradients of a minibatch over the cores of one machine, for a <see cref="ParameterSet{T}"/>
/// of arrays (PyTorch's <c>DistributedDataParallel</c> on one machine, without the processes): the batch is
/// cut into shards of fixed boundaries, your <see cref="ShardGradient{T}"/> runs on each, in parallel, into
/// the shard's own buffers, and the buffers are added into the set's gradients in shard order.
/// </summary>
/// <remarks>
/// <para>
/// The shards depend only on the batch size and the options, each shard's buffers start from zero, and
/// the reduction adds shard 0, then shard 1, … into each element in that order, whatever thread computed
/// them: the loss and every gradient element are bit-identical for any
/// <see cref="DataParallelOptions.MaxDegreeOfParallelism"/>, and equal to rounding the single call over the
/// whole batch. The reduction itself runs in parallel over ranges of parameter elements.
/// </para>
/// <para>
/// The shard buffers are kept across calls (one per shard of the largest batch seen) and so are the helper
/// threads, the instance's own (background threads, ending after 2 s without work), so after the first call a
/// call allocates nothing of its own; your delegate is called
/// as given, so pass the same delegate instance each step rather than a new lambda (or capture nothing).
/// One call at a time per instance; your delegate must only read shared state (the model's values, the data).
/// </para>
/// </remarks>
/// <typeparam name="T"><c>double</c> or <c>float</c>.</typeparam>
public sealed class DataParallel<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Engine _engine;

    /// <summary>Data-parallel gradients into <paramref name="parameters"/>' gradients.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="parameters"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of its range (negative sizes, both a shard size and a shard count, a degree of parallelism of 0 or below −1).</exception>
    public DataParallel(ParameterSet<T> parameters, DataParallelOptions? options = null)
    {
        _engine = new Engine(parameters, options);
    }

    /// <summary>The most threads a call uses, the caller's included (the option, −1 resolved to the number of processors).</summary>
    public int MaxDegreeOfParallelism => _engine.Degree;

    /// <summary>The shared machinery (tests set its reduction range).</summary>
    internal ShardedGradient<T> Sharded => _engine;

    /// <summary>How many threads ran at least one shard in the last call (1 to <see cref="MaxDegreeOfParallelism"/>; 0 after an empty batch).</summary>
    public int ThreadsUsed => _engine.ThreadsUsed;

    /// <summary>The number of shards a batch of <paramref name="n"/> samples is cut into (0 for an empty batch).</summary>
    public int ShardCount(int n) => _engine.ShardCount(n);

    /// <summary>The samples of shard <paramref name="shard"/> of a batch of <paramref name="n"/>: its first sample and its count.</summary>
    public (int Start, int Count) Shard(int n, int shard) => _engine.Shard(n, shard);

    /// <summary>
    /// Runs <paramref name="shardGradient"/> on every shard of a batch of <paramref name="n"/> samples, in
    /// parallel, and adds the shards' gradients, in shard order, into the parameters' gradients (which
    /// accumulate, as a generated method's outputs do: zero them first with <see cref="ParameterSet{T}.ZeroGradients"/>).
    /// </summary>
    /// <returns>The batch's loss: seed × loss of each shard, added in shard order (0 for an empty batch).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="shardGradient"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">Another call on this instance is running, or parameters were added to the set since this was made.</exception>
    /// <remarks>
    /// If a shard throws, no further shard starts, the shards already running finish, and the exception of the
    /// lowest-numbered shard that threw is rethrown here as it was thrown. Nothing is added to the parameters'
    /// gradients then: the reduction runs only once every shard has succeeded, so they hold what they held
    /// before the call (the model's scalar members too). The next call starts afresh.
    /// </remarks>
    public T Gradient(int n, ShardGradient<T> shardGradient)
    {
        ArgumentNullException.ThrowIfNull(shardGradient);
        return _engine.Run(n, shardGradient);
    }

    private sealed class Engine(ParameterSet<T> parameters, DataParallelOptions? options) : ShardedGradient<T>(parameters, options)
    {
        private ShardGradient<T>? _current;

        public T Run(int n, ShardGradient<T> shardGradient)
        {
            Enter();
            try
            {
                _current = shardGradient;
                return Compute(n);
            }
            finally
            {
                _current = null;
                Exit();
            }
        }

        protected override Slot CreateSlot(int shard)
        {
            var buffers = new T[Parameters.Count][];
            for (var p = 0; p < buffers.Length; p++)
            {
                buffers[p] = new T[Parameters[p].Length];
            }

            return new ArraySlot(buffers, new ShardBuffers<T>(Parameters, buffers));
        }

        protected override T Invoke(Slot slot, int start, int count, T seed) =>
            _current!(start, count, ((ArraySlot)slot).View, seed);

        private sealed class ArraySlot(T[][] buffers, ShardBuffers<T> view) : Slot(buffers)
        {
            public ShardBuffers<T> View { get; } = view;
        }
    }
}

/// <summary>
/// Data-parallel gradients of a minibatch over the cores of one machine for a model type (a set made by
/// <see cref="ParameterSet{T}.FromModel{TModel}"/>): as <see cref="DataParallel{T}"/>, with each shard
/// adding into a gradient model of its own, made by the factory you give, and the shards' gradient models
/// added into the set's gradients (the gradient model you gave <c>FromModel</c>) in shard order.
/// </summary>
/// <remarks>
/// <para>
/// The shard gradient models are made once each (a batch of n samples needs <see cref="ShardCount"/>(n) of
/// them) and kept. Their members are matched to the set's parameters by member path through the layout the
/// generator registered for <typeparamref name="TModel"/>; a scalar member's gradient is read from the shard's
/// model after its shard has run, and the set's own scalar members are kept in step with
/// <see cref="ParameterSet{T}.ReadModel"/> and <see cref="ParameterSet{T}.WriteModel"/>.
/// </para>
/// <para>The guarantees of <see cref="DataParallel{T}"/> hold: bit-identical for any degree of parallelism, no allocation after warm-up, nothing added when a shard throws.</para>
/// </remarks>
/// <typeparam name="TModel">The model type.</typeparam>
/// <typeparam name="T"><c>double</c> or <c>float</c>.</typeparam>
public sealed class DataParallel<TModel, T>
    where TModel : class
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Engine _engine;

    /// <summary>
    /// Data-parallel gradients into <paramref name="parameters"/>' gradients, each shard adding into a model
    /// from <paramref name="createGradient"/> (a new <typeparamref name="TModel"/> of the model's shape each
    /// call: <c>() => new Mlp(4, 16, 16, 1)</c>). The first is made and checked here.
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="parameters"/> is empty; a model from <paramref name="createGradient"/> is null, lacks a
    /// member of the set or has one the set lacks, has an array of another length, or shares an array with
    /// the set or with another shard's model.
    /// </exception>
    /// <exception cref="InvalidOperationException">No layout is registered for <typeparamref name="TModel"/> with elements of type <typeparamref name="T"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of its range.</exception>
    public DataParallel(ParameterSet<T> parameters, Func<TModel> createGradient, DataParallelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(createGradient);
        _engine = new Engine(parameters, createGradient, options);
    }

    /// <inheritdoc cref="DataParallel{T}.MaxDegreeOfParallelism"/>
    public int MaxDegreeOfParallelism => _engine.Degree;

    /// <summary>The shared machinery (tests set its reduction range).</summary>
    internal ShardedGradient<T> Sharded => _engine;

    /// <inheritdoc cref="DataParallel{T}.ThreadsUsed"/>
    public int ThreadsUsed => _engine.ThreadsUsed;

    /// <inheritdoc cref="DataParallel{T}.ShardCount"/>
    public int ShardCount(int n) => _engine.ShardCount(n);

    /// <inheritdoc cref="DataParallel{T}.Shard"/>
    public (int Start, int Count) Shard(int n, int shard) => _engine.Shard(n, shard);

    /// <summary>
    /// Runs <paramref name="shardGradient"/> on every shard of a batch of <paramref name="n"/> samples, in
    /// parallel, each into its own zeroed gradient model, and adds those, in shard order, into the
    /// parameters' gradients (which accumulate: zero them first with <see cref="ParameterSet{T}.ZeroGradients"/>).
    /// </summary>
    /// <returns>The batch's loss: seed × loss of each shard, added in shard order (0 for an empty batch).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="shardGradient"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">Another call on this instance is running, or parameters were added to the set since this was made.</exception>
    /// <remarks>
    /// If a shard throws, no further shard starts, the running ones finish, and the exception of the
    /// lowest-numbered shard that threw is rethrown here; the parameters' gradients (and the gradient model's
    /// scalar members) are left as they were before the call, since the reduction runs only after every shard succeeded.
    /// </remarks>
    public T Gradient(int n, ShardGradient<TModel, T> shardGradient)
    {
        ArgumentNullException.ThrowIfNull(shardGradient);
        return _engine.Run(n, shardGradient);
    }

    private sealed class Engine : ShardedGradient<T>
    {
        private readonly Func<TModel> _createGradient;
        private readonly Action<TModel, TModel, IModelMembers<T>> _describe;

        // Every array the shards' models may not share: the set's values and gradients, and earlier shards' arrays.
        private readonly HashSet<T[]> _taken = new(ReferenceEqualityComparer.Instance);
        private ShardGradient<TModel, T>? _current;

        public Engine(ParameterSet<T> parameters, Func<TModel> createGradient, DataParallelOptions? options)
            : base(parameters, options)
        {
            _createGradient = createGradient;
            _describe = ModelLayout<TModel, T>.Describe
                ?? throw new InvalidOperationException($"No layout of {typeof(TModel).Name} with {typeof(T).Name} members is registered, so its members are unknown: mark a method that reads this type [Differentiable] (the generator registers the layout of every model type such a method reads), or use DataParallel<{typeof(T).Name}> with buffers.");
            foreach (var parameter in parameters)
            {
                _taken.Add(parameter.Values);
                _taken.Add(parameter.Gradients);
            }

            Warm(1); // the first shard's model now: a factory that does not fit fails here, not mid-training
        }

        public T Run(int n, ShardGradient<TModel, T> shardGradient)
        {
            Enter();
            try
            {
                _current = shardGradient;
                return Compute(n);
            }
            finally
            {
                _current = null;
                Exit();
            }
        }

        protected override Slot CreateSlot(int shard)
        {
            var type = typeof(TModel).Name;
            var gradient = _createGradient()
                ?? throw new ArgumentException($"The factory returned null for shard {shard}'s gradient model: it must return a new {type} shaped like the model.", "createGradient");
            var members = new Members(type, shard);
            _describe(gradient, gradient, members); // the gradient model's members, by path (values unused)

            var buffers = new T[Parameters.Count][];
            var scalars = new (Func<T> Get, Action<T> Set)?[Parameters.Count];
            var arrays = new List<T[]>();
            for (var p = 0; p < Parameters.Count; p++)
            {
                var parameter = Parameters[p];
                if (!members.ByPath.Remove(parameter.Name, out var member))
                {
                    throw new ArgumentException($"Shard {shard}'s gradient model ({type}) has no member '{parameter.Name}', a parameter of the set: the set and the factory's models must have the same members (a set made by FromModel from a {type}).", "createGradient");
                }

                if (member.Array is { } array)
                {
                    if (array.Length != parameter.Length)
                    {
                        throw new ArgumentException($"Member '{parameter.Name}' of shard {shard}'s gradient model ({type}) has length {array.Length}, the parameter {parameter.Length}: the factory must make models of the model's shape.", "createGradient");
                    }

                    if (_taken.Contains(array) || arrays.Contains(array))
                    {
                        throw new ArgumentException($"Member '{parameter.Name}' of shard {shard}'s gradient model ({type}) is an array of the set or of another shard's model: the factory must return a new model, with arrays of its own, each call.", "createGradient");
                    }

                    arrays.Add(array);
                    buffers[p] = array;
                }
                else
                {
                    if (parameter.Length != 1)
                    {
                        throw new ArgumentException($"Member '{parameter.Name}' of shard {shard}'s gradient model ({type}) is a scalar, the parameter has length {parameter.Length}.", "createGradient");
                    }

                    buffers[p] = new T[1];
                    scalars[p] = member.Scalar;
                }
            }

            if (members.ByPath.Count > 0)
            {
                var extra = string.Join("', '", members.Paths.FindAll(members.ByPath.ContainsKey));
                throw new ArgumentException($"Shard {shard}'s gradient model ({type}) has members the set has no parameter for ('{extra}'): their gradients would be dropped.", "createGradient");
            }

            _taken.UnionWith(arrays);
            return new ModelSlot(gradient, buffers, scalars);
        }

        protected override T Invoke(Slot slot, int start, int count, T seed) =>
            _current!(start, count, ((ModelSlot)slot).Gradient, seed);

        private sealed class ModelSlot(TModel gradient, T[][] buffers, (Func<T> Get, Action<T> Set)?[] scalars) : Slot(buffers)
        {
            public TModel Gradient { get; } = gradient;

            public override void Zero()
            {
                base.Zero();
                foreach (var scalar in scalars)
                {
                    scalar?.Set(T.Zero);
                }
            }

            public override void Collect()
            {
                for (var p = 0; p < scalars.Length; p++)
                {
                    if (scalars[p] is { } scalar)
                    {
                        Buffers[p][0] = scalar.Get();
                    }
                }
            }
        }

        /// <summary>What the registered layout hands over: the gradient model's members by path.</summary>
        private sealed class Members(string type, int shard) : IModelMembers<T>
        {
            public Dictionary<string, (T[]? Array, (Func<T> Get, Action<T> Set)? Scalar)> ByPath { get; } = new(StringComparer.Ordinal);

            /// <summary>The paths in the layout's order.</summary>
            public List<string> Paths { get; } = new();

            public void Array(string path, T[] values, T[] gradients)
            {
                if (gradients is null)
                {
                    throw new ArgumentException($"Member '{path}' of shard {shard}'s gradient model ({type}) is null: the factory must allocate every array.", "createGradient");
                }

                Paths.Add(path);
                ByPath[path] = (gradients, null);
            }

            public void Scalar(string path, Func<T> get, Action<T> set, Func<T> getGradient, Action<T> setGradient)
            {
                Paths.Add(path);
                ByPath[path] = (null, (getGradient, setGradient));
            }
        }
    }
}

/// <summary>
/// What both data-parallel forms share: the shard boundaries, the pool of shard buffers, the parallel
/// loop over shards and the fixed-order parallel reduction into the set's gradients.
/// </summary>
internal abstract class ShardedGradient<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Elements per range of the reduction (each range adds every shard's buffer into the set's gradients).</summary>
    internal const int DefaultReductionRange = 1 << 14;

    private readonly DataParallelOptions _options;
    private readonly List<Slot> _slots = new();
    private readonly int[] _offsets; // parameter p holds the flat elements [_offsets[p], _offsets[p + 1])
    private readonly Workers _workers;
    private readonly Action<int> _runShard;
    private readonly Action<int> _reduceRange;
    private int _busy;
    private int _n;
    private int _shards;

    protected ShardedGradient(ParameterSet<T> parameters, DataParallelOptions? options)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Count == 0)
        {
            throw new ArgumentException("The set has no parameters: add them before making a DataParallel.", nameof(parameters));
        }

        _options = options ?? new DataParallelOptions();
        Guard.NonNegative(_options.ShardSize, "ShardSize");
        Guard.NonNegative(_options.ShardCount, "ShardCount");
        if (_options.ShardSize > 0 && _options.ShardCount > 0)
        {
            throw Guard.Out(_options.ShardCount, "ShardCount", "0 when ShardSize is set (give one of the two)");
        }

        if (_options.MaxDegreeOfParallelism is 0 or < -1)
        {
            throw Guard.Out(_options.MaxDegreeOfParallelism, "MaxDegreeOfParallelism", "-1 (the number of processors) or > 0");
        }

        if (!Enum.IsDefined(_options.Reduction))
        {
            throw Guard.Out(_options.Reduction, "Reduction", "LossReduction.Mean or LossReduction.Sum");
        }

        Parameters = parameters;
        Degree = _options.MaxDegreeOfParallelism == -1 ? Environment.ProcessorCount : _options.MaxDegreeOfParallelism;
        _offsets = new int[parameters.Count + 1];
        for (var p = 0; p < parameters.Count; p++)
        {
            _offsets[p + 1] = _offsets[p] + parameters[p].Length;
        }

        _workers = new Workers(Degree - 1);
        _runShard = RunShard;
        _reduceRange = ReduceRange;
    }

    public int Degree { get; }

    public int ThreadsUsed { get; private set; }

    /// <summary>Elements per range of the parallel reduction; smaller in tests, to reduce a small model over many ranges.</summary>
    internal int ReductionRange { get; set; } = DefaultReductionRange;

    protected ParameterSet<T> Parameters { get; }

    public int ShardCount(int n)
    {
        if (n < 0)
        {
            throw Guard.Out(n, nameof(n), ">= 0");
        }

        return _options.ShardSize > 0
            ? (int)(((long)n + _options.ShardSize - 1) / _options.ShardSize)
            : Math.Min(n, _options.ShardCount > 0 ? _options.ShardCount : DataParallelOptions.DefaultShardCount);
    }

    public (int Start, int Count) Shard(int n, int shard)
    {
        var shards = ShardCount(n);
        if ((uint)shard >= (uint)shards)
        {
            throw Guard.Out(shard, nameof(shard), $"in [0, {shards}) for a batch of {n}");
        }

        if (_options.ShardSize > 0)
        {
            var start = shard * _options.ShardSize;
            return (start, Math.Min(_options.ShardSize, n - start));
        }

        var (size, longer) = Math.DivRem(n, shards);
        return (shard * size + Math.Min(shard, longer), size + (shard < longer ? 1 : 0));
    }

    /// <summary>Makes sure the pool holds <paramref name="shards"/> slots.</summary>
    protected void Warm(int shards)
    {
        while (_slots.Count < shards)
        {
            _slots.Add(CreateSlot(_slots.Count));
        }
    }

    protected void Enter()
    {
        if (Interlocked.Exchange(ref _busy, 1) != 0)
        {
            throw new InvalidOperationException("This DataParallel is already computing a gradient (from another thread, or from inside a shard's delegate): one call at a time per instance.");
        }
    }

    protected void Exit() => Volatile.Write(ref _busy, 0);

    /// <summary>The shards in parallel, then, once all succeeded, the loss and the reduction.</summary>
    protected T Compute(int n)
    {
        var shards = ShardCount(n);
        if (Parameters.Count + 1 != _offsets.Length)
        {
            throw new InvalidOperationException($"The set has {Parameters.Count} parameters, {_offsets.Length - 1} when this DataParallel was made: make a new one after adding parameters.");
        }

        if (shards == 0)
        {
            ThreadsUsed = 0;
            return T.Zero;
        }

        Warm(shards);
        (_n, _shards) = (n, shards);
        ThreadsUsed = _workers.For(shards, Degree, _runShard);

        var loss = T.Zero;
        for (var k = 0; k < shards; k++)
        {
            loss += _slots[k].Seed * _slots[k].Result;
        }

        Parameters.ReadModel();
        var ranges = (int)(((long)_offsets[^1] + ReductionRange - 1) / ReductionRange);
        _workers.For(ranges, Degree, _reduceRange);
        Parameters.WriteModel();
        return loss;
    }

    /// <summary>A new slot: the shard's buffers (and, for a model, its gradient model).</summary>
    protected abstract Slot CreateSlot(int shard);

    /// <summary>The user's delegate on one shard.</summary>
    protected abstract T Invoke(Slot slot, int start, int count, T seed);

    private void RunShard(int shard)
    {
        var slot = _slots[shard];
        var (start, count) = Shard(_n, shard);
        var seed = _options.Reduction == LossReduction.Mean ? T.CreateChecked(count) / T.CreateChecked(_n) : T.One;
        slot.Zero();
        slot.Seed = seed;
        slot.Result = Invoke(slot, start, count, seed);
        slot.Collect();
    }

    /// <summary>Adds shard 0, 1, … in that order into the set's gradients over one range of flat elements.</summary>
    private void ReduceRange(int range)
    {
        var from = (int)Math.Min((long)range * ReductionRange, _offsets[^1]);
        var to = (int)Math.Min((long)from + ReductionRange, _offsets[^1]);
        var p = Array.BinarySearch(_offsets, from);
        p = p >= 0 ? p : ~p - 1;
        for (; p < Parameters.Count && _offsets[p] < to; p++)
        {
            var lo = Math.Max(from, _offsets[p]) - _offsets[p];
            var hi = Math.Min(to, _offsets[p + 1]) - _offsets[p];
            if (hi <= lo)
            {
                continue;
            }

            var target = Parameters[p].Gradients.AsSpan(lo, hi - lo);
            for (var k = 0; k < _shards; k++)
            {
                TensorPrimitives.Add<T>(target, _slots[k].Buffers[p].AsSpan(lo, hi - lo), target);
            }
        }
    }

    /// <summary>One shard's buffers, one per parameter, reused across calls.</summary>
    protected class Slot(T[][] buffers)
    {
        public T[][] Buffers { get; } = buffers;

        /// <summary>The shard's seed in the last call.</summary>
        public T Seed { get; set; }

        /// <summary>The shard's loss in the last call, as the delegate returned it.</summary>
        public T Result { get; set; }

        /// <summary>Zeroes the buffers before the shard runs.</summary>
        public virtual void Zero()
        {
            foreach (var buffer in Buffers)
            {
                Array.Clear(buffer);
            }
        }

        /// <summary>After the shard ran: copies into the buffers what is not already there (a model's scalar members).</summary>
        public virtual void Collect()
        {
        }
    }
}
