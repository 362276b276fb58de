using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using CsCheck;

namespace DiffGen.Tests;

/// <summary>
/// Checkpoints under damage (issue 17): randomly mutated files load wholly or not at all, within
/// twice the model's size; a save that crashes at any byte leaves the previous checkpoint loadable.
/// </summary>
public sealed class CheckpointRobustnessTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("diffgen-robust-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed record Training(ParameterSet<double> Parameters, Adam<double> Optimizer, WarmupCosineLR Schedule)
    {
        public static Training Create(int w, int b, int seed)
        {
            var parameters = new ParameterSet<double>();
            Init.Normal(parameters.Add("weights", w).Values, 0, 1, seed);
            Init.Normal(parameters.Add("bias", b).Values, 0, 1, seed + 1);
            var optimizer = new Adam<double>(parameters, learningRate: 1e-2);
            return new Training(parameters, optimizer, new WarmupCosineLR(optimizer, warmupSteps: 3, totalSteps: 50));
        }

        public void Train(int steps)
        {
            for (var step = 0; step < steps; step++)
            {
                foreach (var parameter in Parameters)
                {
                    for (var i = 0; i < parameter.Length; i++)
                    {
                        parameter.Gradients[i] = parameter.Values[i] - 0.5; // the gradient of ½(p − 0.5)²
                    }
                }

                Optimizer.Step();
                Schedule.Step();
            }
        }

        /// <summary>Everything a load may change, to compare before and after.</summary>
        public double[] Snapshot() =>
            Parameters.SelectMany(p => p.Values)
                .Concat(Optimizer.State.SelectMany(g => g.SelectMany(b => b)))
                .Concat([Optimizer.LearningRate, Optimizer.StepCount, Schedule.StepCount, Schedule.BaseLearningRate])
                .ToArray();
    }

    /// <summary>The offsets of a version 2 file's int32 counts and lengths and of its strings' 7-bit length prefixes.</summary>
    private static (List<int> Counts, List<int> Prefixes) Fields(byte[] file)
    {
        var counts = new List<int>();
        var prefixes = new List<int>();
        using var reader = new BinaryReader(new MemoryStream(file), Encoding.UTF8);
        int Position() => (int)reader.BaseStream.Position;
        int Count()
        {
            counts.Add(Position());
            return reader.ReadInt32();
        }

        void Name()
        {
            prefixes.Add(Position());
            reader.ReadString();
        }

        reader.ReadBytes(7);
        var parameters = Count();
        for (var i = 0; i < parameters; i++)
        {
            Name();
            reader.ReadBytes(Count() * 8);
        }

        Name();
        reader.ReadBytes(16);
        reader.ReadBytes(Count() * 8);
        var groups = Count();
        for (var g = 0; g < groups; g++)
        {
            var buffers = Count();
            for (var b = 0; b < buffers; b++)
            {
                reader.ReadBytes(Count() * 8);
            }
        }

        Name();
        reader.ReadBytes(Count() * 8);
        reader.ReadBytes(Count() * 8);
        Assert.Equal(file.Length - 4, Position());
        return (counts, prefixes);
    }

    private static readonly int[] Extremes = [int.MaxValue, int.MinValue, -1, 0, 1, 10_000_000, 0x7FFFFFF0, 1 << 20];

    private static byte[] Mutate(byte[] good, (List<int> Counts, List<int> Prefixes) fields, int kind, int a, int b, int c)
    {
        var bytes = (byte[])good.Clone();
        switch (kind)
        {
            case 0: // truncated
                return bytes[..(a % bytes.Length)];
            case 1: // bit flips, the checksum left as it was
            case 2: // bit flips, the checksum recomputed
                foreach (var position in new[] { a, b, c }.Take(1 + (c % 3)))
                {
                    bytes[position % bytes.Length] ^= (byte)(1 << (position % 8));
                }

                return kind == 2 ? CheckpointHardeningTests.Reseal(bytes) : bytes;
            case 3: // a count or length set to an extreme, resealed
                var at = fields.Counts[a % fields.Counts.Count];
                var value = b % (Extremes.Length + 2) switch
                {
                    var i when i < Extremes.Length => Extremes[i],
                    var i => BitConverter.ToInt32(bytes, at) + (i == Extremes.Length ? 1 : -1),
                };
                BitConverter.GetBytes(value).CopyTo(bytes, at);
                return CheckpointHardeningTests.Reseal(bytes);
            case 4: // a string's length prefix set to an extreme, resealed
                var prefix = fields.Prefixes[a % fields.Prefixes.Count];
                byte[][] extremes = [[0xFF, 0xFF, 0xFF, 0xFF, 0x07], [0xFF, 0xFF, 0xFF, 0xFF, 0x0F], [0x7F], [0x00], [0x80, 0x80, 0x80, 0x40]];
                var replacement = extremes[b % extremes.Length];
                var mutated = bytes[..prefix].Concat(replacement).Concat(bytes[(prefix + 1)..]).ToArray();
                return CheckpointHardeningTests.Reseal(mutated);
            case 5: // eight random bytes anywhere before the checksum, resealed
                var start = a % (bytes.Length - 12);
                new Random(b).NextBytes(bytes.AsSpan(start, 8));
                return CheckpointHardeningTests.Reseal(bytes);
            default: // bytes appended after the checksum
                return bytes.Concat(Enumerable.Repeat((byte)b, 1 + (a % 100))).ToArray();
        }
    }

    [Fact]
    public void MutatedCheckpointsLoadWhollyOrNotAtAllWithinTwiceTheModelsSize()
    {
        const int w = 12_000, b = 3_000;
        var saved = Training.Create(w, b, seed: 1);
        saved.Train(4);
        var goodPath = Path.Combine(_directory, "good.dgck");
        Checkpoint.Save(goodPath, saved.Parameters, saved.Optimizer, saved.Schedule);
        var good = File.ReadAllBytes(goodPath);
        var fields = Fields(good);

        // The model's size: what a checkpoint of it holds, values and the optimizer's two moments.
        const long modelBytes = 3L * (w + b) * sizeof(double);
        var outcomes = new int[2];

        Gen.Select(Gen.Int[0, 6], Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue]).Sample(
            (kind, a, bb, c) =>
            {
                var bytes = Mutate(good, fields, kind, a, bb, c);
                var path = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".dgck");
                File.WriteAllBytes(path, bytes);
                var target = Training.Create(w, b, seed: 7);
                var before = target.Snapshot();

                var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                CheckpointException? refused = null;
                try
                {
                    Checkpoint.Load(path, target.Parameters, target.Optimizer, target.Schedule);
                }
                catch (CheckpointException exception)
                {
                    refused = exception;
                }

                var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
                File.Delete(path);
                Assert.True(allocated <= 2 * modelBytes, $"loading allocated {allocated} bytes for a model of {modelBytes}");
                if (refused is not null)
                {
                    Assert.Equal(before, target.Snapshot()); // untouched, bit for bit (NaN-free: Equal on doubles)
                    outcomes[0]++;
                }
                else
                {
                    // Loaded: the values may be anything the file said, but what steps use is valid.
                    Assert.True(double.IsFinite(target.Optimizer.LearningRate) && target.Optimizer.LearningRate >= 0);
                    Assert.True(target.Optimizer.StepCount >= 0);
                    Assert.InRange(target.Schedule.StepCount, 0, int.MaxValue);
                    Assert.True(double.IsFinite(target.Schedule.BaseLearningRate) && target.Schedule.BaseLearningRate >= 0);
                    outcomes[1]++;
                }
            },
            iter: 400,
            threads: 1);

        // The mutations reach both outcomes (bit flips resealed inside values load).
        Assert.True(outcomes[0] > 100, $"{outcomes[0]} refused");
        Assert.True(outcomes[1] > 5, $"{outcomes[1]} loaded");
    }

    /// <summary>Passes writes through until <c>limit</c> bytes, then writes what fits, checks the world and throws, as a kill would stop the process.</summary>
    private sealed class CrashingStream(Stream inner, long limit, Action atCrash) : Stream
    {
        private long _written;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _written; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_written + buffer.Length > limit)
            {
                var fits = (int)(limit - _written);
                inner.Write(buffer[..fits]);
                inner.Flush();
                atCrash();
                throw new SimulatedCrash();
            }

            inner.Write(buffer);
            _written += buffer.Length;
        }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    private sealed class SimulatedCrash : Exception
    {
    }

    [Fact]
    public void ASaveCrashingAtAnyByteLeavesThePreviousCheckpointLoadable()
    {
        var path = Path.Combine(_directory, "model.dgck");
        var previous = Training.Create(40, 5, seed: 1);
        previous.Train(2);
        Checkpoint.Save(path, previous.Parameters, previous.Optimizer, previous.Schedule);
        var expected = previous.Snapshot();
        var length = new FileInfo(path).Length;

        var next = Training.Create(40, 5, seed: 2);
        next.Train(3);

        void PreviousLoads()
        {
            var loaded = Training.Create(40, 5, seed: 3);
            Checkpoint.Load(path, loaded.Parameters, loaded.Optimizer, loaded.Schedule);
            Assert.Equal(expected, loaded.Snapshot());
        }

        for (var limit = 0L; limit < length; limit++)
        {
            var crashed = false;
            Assert.Throws<SimulatedCrash>(() => Checkpoint.SaveCore(path, next.Parameters, next.Optimizer, next.Schedule, file => new CrashingStream(file, limit, () =>
            {
                // The moment of the crash: a partial temporary file is on disk, the checkpoint is the previous one.
                Assert.Single(Directory.GetFiles(_directory, "model.dgck.*.tmp"));
                PreviousLoads();
                crashed = true;
            })));
            Assert.True(crashed);
            PreviousLoads();
        }

        Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
        Checkpoint.SaveCore(path, next.Parameters, next.Optimizer, next.Schedule, file => new CrashingStream(file, length, () => { }));
        var loaded = Training.Create(40, 5, seed: 3);
        Checkpoint.Load(path, loaded.Parameters, loaded.Optimizer, loaded.Schedule);
        Assert.Equal(next.Snapshot(), loaded.Snapshot());
    }
}
