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
