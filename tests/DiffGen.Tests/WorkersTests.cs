using System;
using System.Collections.Generic;
using System.Threading;

namespace DiffGen.Tests;

/// <summary>
/// The parallel loop under <see cref="DataParallel{T}"/>: its helpers are threads of its own, the same one call after
/// call (so a shard's scratch buffers and caches stay where they were), and an idle one ends.
/// </summary>
public class WorkersTests
{
    // Each index waits until every index of the loop has started: the caller cannot run them all, so each call
    // needs its helpers, and the thread that ran each index is known.
    private static Action<int> Rendezvous(int count, Thread?[] ranOn)
    {
        var started = 0;
        return index =>
        {
            ranOn[index] = Thread.CurrentThread;
            Interlocked.Increment(ref started);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (Volatile.Read(ref started) < count)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException("the helper never took an index");
                }

                Thread.Yield();
            }
        };
    }

    [Fact]
    public void TheHelperIsTheSameThreadCallAfterCall()
    {
        var workers = new Workers(helpers: 1);
        var helpers = new HashSet<Thread>();
        for (var call = 0; call < 30; call++)
        {
            var ranOn = new Thread?[2];
            Assert.Equal(2, workers.For(2, 2, Rendezvous(2, ranOn)));
            var caller = Array.IndexOf(ranOn, Thread.CurrentThread);
            Assert.InRange(caller, 0, 1);
            helpers.Add(ranOn[1 - caller]!);
        }

        var helper = Assert.Single(helpers);
        Assert.True(helper.IsBackground, "a helper must not keep the process alive");
        Assert.False(helper.IsThreadPoolThread);
    }

    [Fact]
    public void AnIdleHelperEndsAndANewOneStartsWhenWanted()
    {
        var workers = new Workers(helpers: 1, idleLifetime: 50);
        var first = new Thread?[2];
        workers.For(2, 2, Rendezvous(2, first));
        var firstHelper = first[1 - Array.IndexOf(first, Thread.CurrentThread)]!;

        Assert.True(firstHelper.Join(TimeSpan.FromSeconds(10)), "an idle helper's thread must end");

        var second = new Thread?[2];
        Assert.Equal(2, workers.For(2, 2, Rendezvous(2, second)));
        var secondHelper = second[1 - Array.IndexOf(second, Thread.CurrentThread)]!;
        Assert.NotSame(firstHelper, secondHelper);
        Assert.True(secondHelper.IsAlive);
    }

    [Fact]
    public void EveryIndexRunsOnceWhateverTheHelpersDo()
    {
        // Many short loops: helpers spinning, blocked, revoked before they start, or ending, in every order.
        var workers = new Workers(helpers: 3, idleLifetime: 1);
        for (var call = 0; call < 500; call++)
        {
            var count = call % 7;
            var runs = new int[count];
            workers.For(count, 1 + (call % 4), index => Interlocked.Increment(ref runs[index]));
            Assert.All(runs, r => Assert.Equal(1, r));
            if (call % 50 == 0)
            {
                Thread.Sleep(5); // past the idle lifetime: the next loop starts its helpers afresh
            }
        }
    }
}
