using System;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace DiffGen;

/// <summary>
/// A parallel loop over item indices that allocates nothing per call: the calling thread and up to
/// <c>degree − 1</c> helper threads of its own take indices from a shared counter until none is left.
/// Threads of its own rather than the thread pool's: a pool thread is woken cold for each call, any of
/// several, so the shard it takes ran slower (its scratch buffers and caches elsewhere) and later (its
/// wake-up), measured at 1.4-1.5x on 2 cores where two threads of one's own gave 1.8-1.9x. A helper
/// not started by the time the caller has run out of items is revoked, so a busy machine never makes
/// the caller wait for a thread that would find nothing to do: the loop then simply runs on fewer threads.
/// </summary>
/// <remarks>Not thread-safe: one <see cref="For"/> at a time (its owner guards that).</remarks>
internal sealed class Workers
{
    /// <summary>How long a helper spins after a loop, waiting for the next: about a training step's optimizer update and bookkeeping.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 5000; // 200 µs

    /// <summary>How long the caller spins waiting for its helpers to finish before it sleeps.</summary>
    private static readonly long CallerSpinTicks = Stopwatch.Frequency / 1000; // 1 ms

    /// <summary>How long a helper's thread waits for work before it ends, by default.</summary>
    internal const int DefaultIdleLifetime = 2000; // ms

    private readonly Helper[] _helpers;
    private readonly ManualResetEventSlim _done = new(initialState: false);
    private readonly object _failureGate = new();

    // The current loop; written before the helpers are queued (an interlocked operation, a full fence).
    private Action<int>? _body;
    private int _count;
    private int _next;
    private int _stop;
    private int _pending;
    private int _threads;
    private Exception? _failure;
    private int _failedIndex;

    /// <param name="helpers">The most threads besides the caller's.</param>
    /// <param name="idleLifetime">How long, in milliseconds, a helper's thread waits for work before it ends.</param>
    public Workers(int helpers, int idleLifetime = DefaultIdleLifetime)
    {
        IdleLifetime = idleLifetime;
        _helpers = new Helper[Math.Max(0, helpers)];
        for (var h = 0; h < _helpers.Length; h++)
        {
            // Spinning only where a core is left for it beside the caller: a spinning helper on a core another
            // thread of the loop needs would slow that thread down.
            _helpers[h] = new Helper(this, spins: h < Environment.ProcessorCount - 1);
        }
    }

    /// <summary>How long, in milliseconds, a helper's thread waits for work before it ends.</summary>
    public int IdleLifetime { get; }

    /// <summary>
    /// Runs <paramref name="body"/> for every index in [0, <paramref name="count"/>) on at most
    /// <paramref name="degree"/> threads, the caller's included, and returns once every started call has
    /// returned. After a call throws, no further index is started; the exception of the lowest index
    /// that threw is rethrown (its stack trace kept).
    /// </summary>
    /// <returns>How many threads ran at least one index.</returns>
    public int For(int count, int degree, Action<int> body)
    {
        _body = body;
        _count = count;
        _next = 0;
        _stop = 0;
        _threads = 0;
        _failure = null;
        _failedIndex = int.MaxValue;

        var helpers = Math.Min(Math.Min(degree, count) - 1, _helpers.Length);
        if (helpers > 0)
        {
            _done.Reset();
            Volatile.Write(ref _pending, helpers);
            for (var h = 0; h < helpers; h++)
            {
                _helpers[h].Dispatch();
            }
        }

        Work();

        if (helpers > 0)
        {
            // Helpers not started yet will find nothing to do: take them back rather than wait for them.
            var revoked = 0;
            for (var h = 0; h < helpers; h++)
            {
                if (_helpers[h].Revoke())
                {
                    revoked++;
                }
            }

            if (Interlocked.Add(ref _pending, -revoked) != 0)
            {
                WaitForHelpers(helpers);
            }
        }

        _body = null;
        var failure = _failure;
        _failure = null;
        if (failure is not null)
        {
            ExceptionDispatchInfo.Throw(failure);
        }

        return _threads;
    }

    private void Work()
    {
        var body = _body!;
        var ran = false;
        while (Volatile.Read(ref _stop) == 0)
        {
            var index = Interlocked.Increment(ref _next) - 1;
            if (index >= _count)
            {
                break;
            }

            ran = true;
            try
            {
                body(index);
            }
#pragma warning disable CA1031 // Any exception of the body is the caller's: kept and rethrown on the calling thread.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                lock (_failureGate)
                {
                    if (index < _failedIndex)
                    {
                        (_failedIndex, _failure) = (index, exception);
                    }
                }

                Volatile.Write(ref _stop, 1);
            }
        }

        if (ran)
        {
            Interlocked.Increment(ref _threads);
        }
    }

    // The helpers still running usually finish within a fraction of a millisecond of the caller (shards of equal
    // size): when every thread of the loop has a core, the caller spins that long rather than sleep, so it is not
    // woken tens of microseconds late; a sleeper's wake-up was most of what the reduction after the shards took.
    private void WaitForHelpers(int helpers)
    {
        if (helpers < Environment.ProcessorCount && SpinUntil(ref _pending, 0, CallerSpinTicks))
        {
            return;
        }

        _done.Wait();
    }

    // Spins for up to the given time until the field holds the value; true if it did.
    private static bool SpinUntil(ref int field, int value, long ticks)
    {
        var until = Stopwatch.GetTimestamp() + ticks;
        while (Stopwatch.GetTimestamp() < until)
        {
            if (Volatile.Read(ref field) == value)
            {
                return true;
            }

            Thread.SpinWait(8);
        }

        return false;
    }

    private void HelperFinished()
    {
        if (Interlocked.Decrement(ref _pending) == 0)
        {
            _done.Set();
        }
    }

    /// <summary>
    /// A thread of the loop's own, started on first use. After a loop it spins a moment (when there is a core
    /// for it), so the next loop (the reduction after the shards, the next step's shards) finds it running,
    /// its caches warm; then it blocks, and after <see cref="Workers.IdleLifetime"/> without work it ends, to be
    /// started again when wanted: an idle instance holds no thread.
    /// </summary>
    private sealed class Helper(Workers owner, bool spins)
    {
        private const int Idle = 0;     // waiting for a loop to want it
        private const int Queued = 1;   // wanted by the current loop, not yet taking indices
        private const int Running = 2;  // taking indices of the current loop

        private readonly object _gate = new();
        private int _state;
        private Thread? _thread;

        /// <summary>Asks for this helper in the current loop (it is idle: the previous loop waited for it or took it back).</summary>
        public void Dispatch()
        {
            Interlocked.Exchange(ref _state, Queued);
            lock (_gate)
            {
                if (_thread is null)
                {
                    _thread = new Thread(Loop) { IsBackground = true, Name = "DiffGen data-parallel helper" };
                    _thread.UnsafeStart();
                }
                else
                {
                    Monitor.Pulse(_gate);
                }
            }
        }

        /// <summary>Takes the helper back if it has not started; true if so (it will not touch this loop).</summary>
        public bool Revoke() => Interlocked.CompareExchange(ref _state, Idle, Queued) == Queued;

        private void Loop()
        {
            while (WaitForWork())
            {
                if (Interlocked.CompareExchange(ref _state, Running, Queued) != Queued)
                {
                    continue; // revoked before it started
                }

                try
                {
                    owner.Work();
                }
                finally
                {
                    Volatile.Write(ref _state, Idle);
                    owner.HelperFinished();
                }
            }
        }

        // True when a loop wants this helper; false when none did for IdleLifetime (the thread then ends).
        private bool WaitForWork()
        {
            if (spins && SpinUntil(ref _state, Queued, SpinTicks))
            {
                return true;
            }

            lock (_gate)
            {
                while (Volatile.Read(ref _state) != Queued)
                {
                    if (!Monitor.Wait(_gate, owner.IdleLifetime) && Volatile.Read(ref _state) != Queued)
                    {
                        _thread = null; // under the gate: the next Dispatch starts a new thread
                        return false;
                    }
                }

                return true;
            }
        }
    }
}
