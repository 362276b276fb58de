using System;
using System.Buffers;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace DiffGen;

/// <summary>
/// A stack of values the forward sweep of a generated gradient saves for its reverse sweep (values a
/// loop overwrites and the reverse still needs). Storage is rented from <see cref="ArrayPool{T}"/> and
/// returned by <see cref="Dispose"/>, which generated code calls in <c>finally</c>: after warm-up a
/// gradient call allocates nothing. Used by generated code; not meant to be called by hand.
/// Disposing twice, or disposing a copy of the struct as well as the original, returns the storage
/// once: a pooled array is never handed to two later callers.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct Tape<T> : IDisposable
    where T : unmanaged
{
    private T[]? _items;
    private int _count;
    private long _lease;

    /// <summary>The number of values on the tape.</summary>
    public readonly int Count => _count;

    /// <summary>
    /// The tape's storage, from its first value to the end of its room: for a loop that pushes or pops
    /// through a span and a count of its own (locals), then sets the count back with <see cref="SetCount"/>.
    /// A generated method disposes its tapes in <c>finally</c>, so the JIT keeps the tapes' fields in memory
    /// and writes the count back at every push; a local count stays in a register (the ReLU-gated loop of
    /// the two-layer gradient, 256x32x64, ~15% faster).
    /// </summary>
    public readonly Span<T> Storage => _items;

    /// <summary>Sets the number of values on the tape, after a loop pushed or popped through <see cref="Storage"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative or past the storage.</exception>
    public void SetCount(int count)
    {
        if ((uint)count > (uint)(_items?.Length ?? 0))
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "A tape's count must be within its storage.");
        }

        _count = count;
    }

    /// <summary>Saves a value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(T value)
    {
        if (_items is null || _count == _items.Length)
        {
            (_items, _lease) = Grow(_items, _count, 1, _lease);
        }

        _items[_count++] = value;
    }

    /// <summary>Makes room for <paramref name="count"/> more values (none when it is zero or negative), for <see cref="PushIf"/> and <see cref="PushReserved"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Reserve(long count)
    {
        if (count > 0 && (_items is null || _count + count > _items.Length))
        {
            (_items, _lease) = Grow(_items, _count, count, _lease);
        }
    }

    /// <summary>
    /// Saves a value only when <paramref name="keep"/> is true, without a branch: the value is
    /// written either way and the count advances by 0 or 1. For gated iterations, whose condition
    /// (is this ReLU on?) is as unpredictable as a coin, where a branch would mispredict half the time.
    /// Room must have been made with <see cref="Reserve"/>: no capacity check, so no call, in the loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void PushIf(bool keep, T value)
    {
        _items![_count] = value;
        _count += keep ? 1 : 0;
    }

    /// <summary>Saves a value in room made with <see cref="Reserve"/>: no capacity check, so no call, in the loop.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void PushReserved(T value) => _items![_count++] = value;

    /// <summary>Restores the most recently saved value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Pop() => _items![--_count];

    /// <summary>Returns the storage to the pool, once: a second call, or a call on a copy whose original was disposed, does nothing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Dispose()
    {
        if (_items is not null)
        {
            PoolLeases.Return(_items, _lease);
            _items = null;
        }

        _count = 0;
    }

    // Static, taking and returning the fields by value, and Push, Reserve and Dispose inlined: the
    // tape's address is never taken, so the JIT keeps its fields in registers in generated code (a
    // tape whose address escapes lives in memory: a load and a store of the count per push or pop;
    // the ReLU-gated loop of the two-layer gradient, 256x32x64, took 3-5% longer that way).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (T[] Items, long Lease) Grow(T[]? items, int count, long more, long lease)
    {
        var wanted = Math.Max(count + more, items is null ? 256 : items.Length * 2L);
        if (wanted > Array.MaxLength)
        {
            throw new OutOfMemoryException("A tape of " + wanted + " values is larger than an array can be.");
        }

        var larger = PoolLeases.Rent<T>((int)wanted, out var newLease);
        if (items is not null)
        {
            Array.Copy(items, larger, count);
            PoolLeases.Return(items, lease);
        }

        return (larger, newLease);
    }
}

/// <summary>Arithmetic generated code uses to size its tapes. Used by generated code; not meant to be called by hand.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Tape
{
    /// <summary>How many times a counted loop from <paramref name="from"/> up to (not including) <paramref name="to"/> runs: 0 when it does not.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Trips(long from, long to) => to > from ? to - from : 0;
}

/// <summary>
/// A zeroed, pooled buffer: the adjoint of a local array in a generated gradient. Returned to the
/// pool by <see cref="Dispose"/> in <c>finally</c>, once (as <see cref="Tape{T}"/>). Used by generated code;
/// not meant to be called by hand.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct PooledBuffer<T> : IDisposable
    where T : unmanaged
{
    private T[]? _array;
    private int _length;
    private long _lease;

    /// <summary>Rents a buffer of <paramref name="length"/> zeros.</summary>
    public PooledBuffer(int length)
    {
        _array = PoolLeases.Rent<T>(length, out _lease);
        _length = length;
        Array.Clear(_array, 0, length);
    }

    /// <summary>The buffer, exactly the requested length.</summary>
    public readonly Span<T> Span => _array.AsSpan(0, _length);

    /// <summary>Returns the buffer to the pool, once: a second call, or a call on a copy whose original was disposed, does nothing.</summary>
    public void Dispose()
    {
        if (_array is not null)
        {
            PoolLeases.Return(_array, _lease);
            _array = null;
        }

        _length = 0;
    }
}

/// <summary>
/// Which rented array is out under which lease. A struct (<see cref="Tape{T}"/>, <see cref="PooledBuffer{T}"/>)
/// copied by value holds its array twice, and nulling the field on dispose clears one copy only;
/// <see cref="ArrayPool{T}"/> does not detect a second return and would hand the array to two later
/// renters. Each rental gets a lease number; an array goes back to the pool only when the returning
/// lease is the one it is out under, so a stale copy's return is ignored (even after the array was
/// rented again, under a new lease).
/// </summary>
/// <remarks>
/// The arrays out are kept per thread, in a small table searched from its end: generated code rents
/// and returns on one thread, last rented first returned, so a return finds its entry at once and
/// takes no lock or interlocked operation: ~6 ns per rent and return, measured (a shared dictionary
/// under locks cost ~50 ns). A lease is the thread's id above a count of its own. A return on another
/// thread than the rent finds nothing and leaves the array to the garbage collector, as does an array
/// never returned. Rentals of up to <see cref="SpareLength"/> values take the thread's spare array
/// first (<see cref="Spare{T}"/>), without the pool or the table. After warm-up renting and returning
/// allocate nothing.
/// </remarks>
internal static class PoolLeases
{
    [ThreadStatic]
    private static Table? _table;

    /// <summary>
    /// The longest rental served from the thread's spare array (<see cref="Spare{T}"/>): 1,024 values,
    /// 8 KB of doubles, kept per thread and element type for as long as the thread lives.
    /// </summary>
    internal const int SpareLength = 1024;

    /// <summary>Rents an array of at least <paramref name="length"/> values under a new lease.</summary>
    public static T[] Rent<T>(int length, out long lease)
    {
        if (length <= SpareLength)
        {
            // A small tape (a small problem's): the thread's spare when it is in, without the shared pool or the table.
            var spare = Spare<T>.Slot ??= new Spare<T>();
            if (spare.Lease == 0)
            {
                lease = spare.Lease = ++spare.Issued;
                return spare.Array ??= new T[SpareLength];
            }
        }

        var array = ArrayPool<T>.Shared.Rent(length);
        var table = _table ??= new Table();
        lease = table.NextLease();
        if (array.Length > 0)
        {
            table.Add(array, lease); // Array.Empty<T>() is shared by all: not the pool's to track or take back
        }

        return array;
    }

    /// <summary>Returns <paramref name="array"/> to the pool if it is out under <paramref name="lease"/>; otherwise does nothing.</summary>
    public static void Return<T>(T[] array, long lease)
    {
        if (Spare<T>.Slot is { } spare && ReferenceEquals(array, spare.Array))
        {
            // The thread's spare: back in if this is the lease it is out under (not a stale copy's).
            if (spare.Lease == lease)
            {
                spare.Lease = 0;
            }
        }
        else if (array.Length > 0 && _table is { } table && table.Remove(array, lease))
        {
            ArrayPool<T>.Shared.Return(array);
        }
    }

    /// <summary>
    /// A thread's spare array of <see cref="SpareLength"/> values of one element type, rented and
    /// returned without the shared pool or the table: a gradient of a small problem rents and returns
    /// a tape or two per call, and a tape's rent, reserve and dispose took ~15 ns through
    /// <see cref="ArrayPool{T}"/> and the table, ~6 ns this way (one thread-static read each way): the
    /// XOR gradient ~3.5% faster. Its leases are the thread's own count, below every table lease (a
    /// thread's id is at least 1, shifted 40 bits); it is never in the shared pool, so never handed to
    /// another thread. Returned on another thread it stays out, and its thread rents from the pool.
    /// </summary>
    private sealed class Spare<T>
    {
        [ThreadStatic]
        private static Spare<T>? _slot;

        /// <summary>The thread's spare, made at its first small rental.</summary>
        public static Spare<T>? Slot
        {
            get => _slot;
            set => _slot = value;
        }

        /// <summary>The array, allocated at its first rental.</summary>
        public T[]? Array;

        /// <summary>The lease it is out under; 0 (no lease is 0) when it is in.</summary>
        public long Lease;

        /// <summary>The last lease issued.</summary>
        public long Issued;
    }

    /// <summary>One thread's arrays out, with their leases, last rented last.</summary>
    private sealed class Table
    {
        private readonly long _thread = (long)Environment.CurrentManagedThreadId << 40;
        private (object Array, long Lease)[] _out = new (object, long)[16];
        private int _count;
        private long _next;

        // Unique across threads without an interlocked operation: the thread's id above a count of its own.
        public long NextLease() => _thread | ++_next;

        public void Add(object array, long lease)
        {
            if (_count == _out.Length)
            {
                Array.Resize(ref _out, _out.Length * 2);
            }

            _out[_count++] = (array, lease);
        }

        // Whether the array was out under this lease (it is no longer); false for a stale copy's lease.
        public bool Remove(object array, long lease)
        {
            for (var i = _count - 1; i >= 0; i--)
            {
                if (ReferenceEquals(_out[i].Array, array))
                {
                    if (_out[i].Lease != lease)
                    {
                        return false;
                    }

                    _out[i] = _out[--_count];
                    _out[_count] = default;
                    return true;
                }
            }

            return false;
        }
    }
}
