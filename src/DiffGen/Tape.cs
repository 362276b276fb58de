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
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct Tape<T> : IDisposable
    where T : unmanaged
{
    private T[]? _items;
    private int _count;

    /// <summary>The number of values on the tape.</summary>
    public readonly int Count => _count;

    /// <summary>Saves a value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(T value)
    {
        if (_items is null || _count == _items.Length)
        {
            _items = Grow(_items, _count, 1);
        }

        _items[_count++] = value;
    }

    /// <summary>Makes room for <paramref name="count"/> more values (none when it is zero or negative), for <see cref="PushIf"/> and <see cref="PushReserved"/>.</summary>
    public void Reserve(long count)
    {
        if (count > 0 && (_items is null || _count + count > _items.Length))
        {
            _items = Grow(_items, _count, count);
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

    /// <summary>Returns the storage to the pool.</summary>
    public void Dispose()
    {
        if (_items is not null)
        {
            ArrayPool<T>.Shared.Return(_items);
            _items = null;
        }

        _count = 0;
    }

    // Static, so that the inlined Push never passes the tape's address to a call.
    private static T[] Grow(T[]? items, int count, long more)
    {
        var wanted = Math.Max(count + more, items is null ? 256 : items.Length * 2L);
        if (wanted > Array.MaxLength)
        {
            throw new OutOfMemoryException("A tape of " + wanted + " values is larger than an array can be.");
        }

        var larger = ArrayPool<T>.Shared.Rent((int)wanted);
        if (items is not null)
        {
            Array.Copy(items, larger, count);
            ArrayPool<T>.Shared.Return(items);
        }

        return larger;
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
/// pool by <see cref="Dispose"/> in <c>finally</c>. Used by generated code; not meant to be called by hand.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct PooledBuffer<T> : IDisposable
    where T : unmanaged
{
    private T[]? _array;
    private int _length;

    /// <summary>Rents a buffer of <paramref name="length"/> zeros.</summary>
    public PooledBuffer(int length)
    {
        _array = ArrayPool<T>.Shared.Rent(length);
        _length = length;
        Array.Clear(_array, 0, length);
    }

    /// <summary>The buffer, exactly the requested length.</summary>
    public readonly Span<T> Span => _array.AsSpan(0, _length);

    /// <summary>Returns the buffer to the pool.</summary>
    public void Dispose()
    {
        if (_array is not null)
        {
            ArrayPool<T>.Shared.Return(_array);
            _array = null;
        }

        _length = 0;
    }
}
