using System;
using System.Threading;

namespace DiffGen.Tests;

/// <summary>The tape operations generated code relies on for gated loops and reserved loop nests.</summary>
public class TapeTests
{
    [Theory]
    [InlineData(0L, 5L, 5L)]
    [InlineData(5L, 0L, 0L)]
    [InlineData(3L, 3L, 0L)]
    [InlineData(-2L, 2L, 4L)]
    [InlineData(int.MinValue, int.MaxValue, 4294967295L)]
    public void TripsCountsTheValuesOfAHalfOpenRange(long from, long to, long expected) =>
        Assert.Equal(expected, Tape.Trips(from, to));

    [Fact]
    public void PushIfKeepsOnlyTheFlaggedValuesInReservedRoom()
    {
        var tape = new Tape<double>();
        tape.Reserve(6);
        for (var i = 0; i < 6; i++)
        {
            tape.PushIf(i % 3 != 0, i);
        }

        tape.PushReserved(-1);
        Assert.Equal(5, tape.Count);
        double[] popped = [tape.Pop(), tape.Pop(), tape.Pop(), tape.Pop(), tape.Pop()];
        Assert.Equal(new double[] { -1, 5, 4, 2, 1 }, popped);
        tape.Dispose();
    }

    [Fact]
    public void ALoopPushesAndPopsThroughStorageAndItsOwnCountThenSetsTheCount()
    {
        var tape = new Tape<int>();
        tape.Push(99);
        tape.Reserve(4);

        // As a gated forward loop writes: every value written, the local count advanced only for the kept ones.
        var storage = tape.Storage;
        var top = tape.Count;
        for (var i = 0; i < 4; i++)
        {
            storage[top] = i;
            top += i % 2 == 0 ? 1 : 0;
        }

        tape.SetCount(top);
        Assert.Equal(3, tape.Count);

        // As the reverse loop replays: last first, through a count of its own.
        var saved = tape.Storage;
        var savedTop = tape.Count;
        int[] replayed = [saved[--savedTop], saved[--savedTop]];
        tape.SetCount(savedTop);
        Assert.Equal(new[] { 2, 0 }, replayed);
        Assert.Equal(99, tape.Pop());
        Assert.Equal(0, tape.Count);
        tape.Dispose();
    }

    [Fact]
    public void SetCountOutsideTheStorageThrowsAndKeepsTheCount()
    {
        var tape = new Tape<double>();
        Assert.Throws<ArgumentOutOfRangeException>(() => tape.SetCount(1));
        tape.Push(1.5);
        var length = tape.Storage.Length;
        Assert.Throws<ArgumentOutOfRangeException>(() => tape.SetCount(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => tape.SetCount(length + 1));
        Assert.Equal(1, tape.Count);
        tape.SetCount(length);
        Assert.Equal(length, tape.Count);
        tape.Dispose();
    }

    [Fact]
    public void ReserveGrowsKeepingWhatIsSavedAndIgnoresEmptyLoops()
    {
        var tape = new Tape<int>();
        tape.Reserve(-3);
        tape.Reserve(0);
        tape.Push(7);
        tape.Reserve(10_000);
        for (var i = 0; i < 10_000; i++)
        {
            tape.PushReserved(i);
        }

        Assert.Equal(9_999, tape.Pop());
        Assert.Equal(10_000, tape.Count);
        while (tape.Count > 1)
        {
            tape.Pop();
        }

        Assert.Equal(7, tape.Pop());
        tape.Dispose();
    }
}

/// <summary>Disposing a tape or a pooled buffer twice (say, through a copy of the struct) returns its array to the pool once.</summary>
public class DoubleDisposalTests
{
    // Element types of their own, so no other test shares these pools.
    private struct TapeCell
    {
        public long Value;
    }

    private struct BufferCell
    {
        public long Value;
    }

    private struct SpareCell
    {
        public long Value;
    }

    private struct ThreadCell
    {
        public long Value;
    }

    [Fact]
    public void ACopiedTapeDisposedTwiceDoesNotHandOneArrayToTwoLaterTapes()
    {
        var tape = new Tape<TapeCell>();
        tape.Push(new TapeCell { Value = 1 });
        var copy = tape;
        tape.Dispose();
        copy.Dispose();
        tape.Dispose();

        var first = new Tape<TapeCell>();
        var second = new Tape<TapeCell>();
        first.Push(new TapeCell { Value = 10 });
        second.Push(new TapeCell { Value = 20 });
        Assert.Equal(20, second.Pop().Value);
        Assert.Equal(10, first.Pop().Value); // 20 if both tapes had been handed the same array
        first.Dispose();
        second.Dispose();
    }

    [Fact]
    public void ACopiedPooledBufferDisposedTwiceDoesNotHandOneArrayToTwoLaterBuffers()
    {
        var buffer = new PooledBuffer<BufferCell>(8);
        var copy = buffer;
        buffer.Dispose();
        copy.Dispose();

        var first = new PooledBuffer<BufferCell>(8);
        var second = new PooledBuffer<BufferCell>(8);
        first.Span[0].Value = 10;
        second.Span[0].Value = 20;
        Assert.Equal(10, first.Span[0].Value);
        first.Dispose();
        second.Dispose();
    }

    [Fact]
    public void ATapeGrownAfterBeingCopiedStillReturnsEachArrayOnce()
    {
        var tape = new Tape<TapeCell>();
        tape.Push(new TapeCell { Value = 1 });
        var copy = tape;
        tape.Reserve(10_000); // returns the shared array, rents a larger one
        copy.Dispose();       // the stale copy must not return the shared array again
        tape.Dispose();

        var first = new Tape<TapeCell>();
        var second = new Tape<TapeCell>();
        first.Push(new TapeCell { Value = 10 });
        second.Push(new TapeCell { Value = 20 });
        Assert.Equal(10, first.Pop().Value);
        first.Dispose();
        second.Dispose();
    }

    [Fact]
    public void AStaleCopyDisposedAfterTheThreadsSpareIsRentedAgainLeavesItWithItsNewTape()
    {
        // Small tapes take the thread's spare array: the stale copy's lease is an old one.
        var tape = new Tape<SpareCell>();
        tape.Push(new SpareCell { Value = 1 });
        var stale = tape;
        tape.Dispose();

        var owner = new Tape<SpareCell>();
        owner.Push(new SpareCell { Value = 2 });
        stale.Dispose();

        var other = new Tape<SpareCell>();
        other.Push(new SpareCell { Value = 3 });
        Assert.Equal(2, owner.Pop().Value); // 3 if the stale copy had put the spare back for another tape
        Assert.Equal(3, other.Pop().Value);
        owner.Dispose();
        other.Dispose();
    }

    [Fact]
    public void ASmallTapeDisposedOnAnotherThreadLeavesTheSpareOutAndLaterTapesApart()
    {
        var tape = new Tape<ThreadCell>();
        tape.Push(new ThreadCell { Value = 1 });
        var elsewhere = new Thread(() => tape.Dispose());
        elsewhere.Start();
        elsewhere.Join();

        var first = new Tape<ThreadCell>();
        var second = new Tape<ThreadCell>();
        first.Push(new ThreadCell { Value = 10 });
        second.Push(new ThreadCell { Value = 20 });
        Assert.Equal(20, second.Pop().Value);
        Assert.Equal(10, first.Pop().Value);
        first.Dispose();
        second.Dispose();
    }
}
