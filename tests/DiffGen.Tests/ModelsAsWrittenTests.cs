using System;
using System.Linq;
using System.Reflection;
using DiffGen.Tests.Programs.ModelsAsWritten;

namespace DiffGen.Tests;

/// <summary>
/// Issue 14's review: models as types written the way people in ML, finance, statistics and physics write
/// them (an LSTM and a GRU cell, Heston and SABR records, Gaussian mixtures, layer norm, networks of layers
/// with data-chosen activations, spring chains, nested encoders, tied embeddings, mixtures of experts, …;
/// Programs/ModelsAsWritten). Each program's every gradient component is compared with central finite
/// differences over every floating-point member of its model tree, and the value with the method's own.
/// </summary>
public class ModelsAsWrittenTests
{
    public static TheoryData<string> Programs()
    {
        var data = new TheoryData<string>();
        foreach (var type in typeof(FD).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(FD).Namespace && t.GetMethod("Run", BindingFlags.Public | BindingFlags.Static, Type.EmptyTypes) is not null)
            .OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            data.Add(type.Name);
        }

        return data;
    }

    private static readonly object Gate = new();

    [Theory]
    [MemberData(nameof(Programs))]
    public void GradientsMatchFiniteDifferences(string program)
    {
        var run = typeof(FD).Assembly.GetTypes().Single(t => t.Namespace == typeof(FD).Namespace && t.Name == program)
            .GetMethod("Run", BindingFlags.Public | BindingFlags.Static, Type.EmptyTypes)!;
        lock (Gate)
        {
            var before = FD.Failures;
            var output = Console.Out;
            var log = new System.IO.StringWriter();
            Console.SetOut(log);
            try
            {
                run.Invoke(null, null);
            }
            finally
            {
                Console.SetOut(output);
            }

            Assert.True(FD.Failures == before, log.ToString());
            Assert.DoesNotContain("[BAD]", log.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TheSuiteIsThere() => Assert.True(Programs().Count >= 20, "the reviewed programs went missing");
}
