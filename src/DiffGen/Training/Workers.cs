using System;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace DiffGen;

/// <summary>
/// A parallel loop over item indices that allocates nothing per call: the calling thread and up to
/// <c>degree − 1</c> thread-pool threads take indices from a shared counter until none is left. The
/// helpers are work items made once and queued again on each call. A helper the pool has not started
/// by the time the caller has run out of items is revoked, so a busy pool never makes the caller wait
/// for a thread that would find nothing to do: the loop then simply runs on fewer threads.
/// </summary>
/// <remarks>Not thread-safe: one <see cref="For"/> at a time (its owner guards that).</remarks>
internal sealed class Workers
{
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

    public Workers(int helpers)
    {
        _helpers = new Helper[Math.Max(0, helpers)];
        for (var h = 0; h < _helpers.Length; h++)
        {
            _helpers[h] = new Helper(this);
        }
    }

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
                _done.Wait();
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

    private void HelperFinished()
    {
        if (Interlocked.Decrement(ref _pending) == 0)
        {
            _done.Set();
        }
    }

    /// <summary>
    /// One helper thread's work item. At most one copy of it is in the pool's queue at any time: it is
    /// queued only from <c>Idle</c>, and only its own run returns it to <c>Idle</c>.
    /// </summary>
    private sealed class Helper(Workers owner) : IThreadPoolWorkItem
    {
        private const int Idle = 0;     // not in the pool's queue
        private const int Queued = 1;   // in the queue, wanted by the current loop
        private const int Running = 2;  // taking indices of the current loop
        private const int Revoked = 3;  // still in the queue, but no loop wants it

        private int _state;

        /// <summary>Asks for this helper in the current loop.</summary>
        public void Dispatch()
        {
            while (true)
            {
                // Still queued from an earlier loop that revoked it: that queue entry serves this loop.
                if (Interlocked.CompareExchange(ref _state, Queued, Revoked) == Revoked)
                {
                    return;
                }

                if (Interlocked.CompareExchange(ref _state, Queued, Idle) == Idle)
                {
                    ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
                    return;
                }
            }
        }

        /// <summary>Takes the helper back if it has not started; true if so (it will not touch this loop).</summary>
        public bool Revoke() => Interlocked.CompareExchange(ref _state, Revoked, Queued) == Queued;

        public void Execute()
        {
            while (true)
            {
                if (Interlocked.CompareExchange(ref _state, Running, Queued) == Queued)
                {
                    try
                    {
                        owner.Work();
                    }
                    finally
                    {
                        Volatile.Write(ref _state, Idle);
                        owner.HelperFinished();
                    }

                    return;
                }

                if (Interlocked.CompareExchange(ref _state, Idle, Revoked) == Revoked)
                {
                    return;
                }

                // Re-armed (Revoked → Queued) between the two exchanges: try again.
            }
        }
    }
}
