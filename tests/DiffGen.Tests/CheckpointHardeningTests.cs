using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using DiffGen.Tests.Programs;

namespace DiffGen.Tests;

/// <summary>
/// Checkpoints as untrusted input (issue 17): hostile files are refused with a
/// <see cref="CheckpointException"/>, quickly and without allocating more than the model needs;
/// options and loaded values are checked; paths, concurrent saves and temporary files are handled.
/// </summary>
public sealed class CheckpointHardeningTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("diffgen-hardening-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    private static (ParameterSet<double> Parameters, Parameter<double> P) Model() => CheckpointModel.Create();

    private static void Train(ParameterSet<double> parameters, Parameter<double> p, IOptimizer optimizer, int steps) =>
        CheckpointModel.Train(parameters, p, optimizer, null, steps);

    /// <summary>CRC-32 as zlib computes it, to re-seal a tampered file.</summary>
    internal static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }

        return crc ^ 0xFFFFFFFFu;
    }

    /// <summary>Recomputes the trailing CRC-32 so that a change passes the checksum.</summary>
    internal static byte[] Reseal(byte[] bytes)
    {
        var sealedBytes = (byte[])bytes.Clone();
        BitConverter.GetBytes(Crc32(sealedBytes.AsSpan(0, sealedBytes.Length - 4))).CopyTo(sealedBytes, sealedBytes.Length - 4);
        return sealedBytes;
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        var at = haystack.AsSpan().IndexOf(needle);
        Assert.True(at >= 0, "pattern not found in the checkpoint");
        Assert.Equal(-1, haystack.AsSpan(at + 1).IndexOf(needle)); // unique
        return at;
    }

    [Fact]
    public void TheTwentyOneByteFileOfTheIssueIsACheckpointException()
    {
        byte[] bytes = [0x44, 0x47, 0x43, 0x4b, 0x01, 0x00, 0x08, 0x01, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x57, 0xa0, 0xa8, 0xc3];
        var path = PathOf("issue.dgck");
        File.WriteAllBytes(path, bytes);
        foreach (var count in new[] { 1, 3 })
        {
            var parameters = new ParameterSet<double>();
            for (var i = 0; i < count; i++)
            {
                parameters.Add("w" + i, 2);
            }

            Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, parameters));
            Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, parameters, new Adam<double>(parameters)));
        }
    }

    [Fact]
    public void TenMillionDeclaredParametersAreRefusedAfterTheCountWithoutAllocating()
    {
        // The issue's 48 MB file: a header, then 10,000,000 empty parameters (a 1-byte empty name and a zero length each).
        var path = PathOf("ten-million.dgck");
        using (var file = new FileStream(path, FileMode.Create))
        using (var writer = new BinaryWriter(file))
        {
            writer.Write("DGCK"u8);
            writer.Write((ushort)1);
            writer.Write((byte)8);
            writer.Write(10_000_000);
            var empty = new byte[5 * 100_000];
            for (var i = 0; i < 100; i++)
            {
                writer.Write(empty);
            }

            writer.Write(0u);
        }

        var parameters = new ParameterSet<double>();
        parameters.Add("a", 1);
        parameters.Add("b", 1);
        parameters.Add("c", 1);
        Checkpoint.Load(WarmUp(parameters), parameters);

        var stopwatch = Stopwatch.StartNew();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var exception = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, parameters));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("10000000 parameters; the model has 3", exception.Message, StringComparison.Ordinal);
        Assert.True(allocated < 256 * 1024, $"allocated {allocated} bytes to refuse the file");
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1), $"took {stopwatch.Elapsed}");
    }

    private string WarmUp(ParameterSet<double> parameters)
    {
        // A first load pays for the JIT and static tables; measure the second.
        var path = PathOf("warm.dgck");
        Checkpoint.Save(path, parameters);
        return path;
    }

    [Theory]
    [InlineData("declared-length")]
    [InlineData("trailing-bytes")]
    [InlineData("declared-name")]
    public void AHugeFileForATinyModelIsRefusedQuicklyWithoutReadingIt(string shape)
    {
        var (parameters, _) = Model();
        var good = PathOf("good.dgck");
        Checkpoint.Save(good, parameters);
        Checkpoint.Load(good, parameters); // warm up
        var bytes = File.ReadAllBytes(good);
        var path = PathOf("huge.dgck");
        const long size = 300L << 20; // sparse: the file system stores no zeros
        using (var file = new FileStream(path, FileMode.Create))
        {
            switch (shape)
            {
                case "declared-length":
                    // "p" declared with 37 million values, which the (sparse) file does hold.
                    var at = IndexOf(bytes, [1, (byte)'p', 4, 0, 0, 0]) + 2;
                    BitConverter.GetBytes(37_000_000).CopyTo(bytes, at);
                    file.Write(bytes, 0, at + 4);
                    break;
                case "declared-name":
                    // A name whose length prefix claims 200 MB.
                    file.Write(bytes, 0, 11);
                    file.Write([0x80, 0x80, 0x80, 0x64]);
                    break;
                default:
                    file.Write(bytes);
                    break;
            }

            file.SetLength(size);
        }

        var stopwatch = Stopwatch.StartNew();
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, parameters));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 256 * 1024, $"allocated {allocated} bytes to refuse the file");
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public void LoadingAndSavingAllocateAtMostTwiceTheModel()
    {
        var parameters = new ParameterSet<double>();
        var w = parameters.Add("w", 1_000_000);
        Init.Normal(w.Values, 0, 1, seed: 3);
        parameters.Add("b", 1000);
        var optimizer = new Adam<double>(parameters, learningRate: 1e-3);
        optimizer.Step();
        var path = PathOf("big.dgck");
        Checkpoint.Save(path, parameters, optimizer);
        Checkpoint.Load(path, parameters, optimizer);

        // The model's size: its values and the optimizer's state (two moments), as the checkpoint holds them.
        long modelBytes = 3L * parameters.Length * sizeof(double);

        var before = GC.GetAllocatedBytesForCurrentThread();
        Checkpoint.Save(path, parameters, optimizer);
        var saving = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(saving < 256 * 1024, $"saving allocated {saving} bytes for a model of {modelBytes}");

        before = GC.GetAllocatedBytesForCurrentThread();
        Checkpoint.Load(path, parameters, optimizer);
        var loading = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(loading <= 2 * modelBytes, $"loading allocated {loading} bytes for a model of {modelBytes}");
    }

    public static TheoryData<string> OptionCases() => new()
    {
        "sgd momentum", "sgd dampening", "sgd weight decay", "sgd nesterov", "adam beta1", "adam beta2",
        "adam epsilon", "adam weight decay", "adamw weight decay", "adagrad decay", "adagrad epsilon", "rmsprop alpha",
        "rmsprop epsilon", "rmsprop weight decay", "rmsprop momentum",
    };

    [Theory]
    [MemberData(nameof(OptionCases))]
    public void OptionsThatKeepTheStateShapeMustStillMatch(string option)
    {
        (IOptimizer Saved, IOptimizer Loaded) Make(ParameterSet<double> a, ParameterSet<double> b) => option switch
        {
            "sgd momentum" => (new Sgd<double>(a, 0.1, momentum: 0.9), new Sgd<double>(b, 0.1)),
            "sgd dampening" => (new Sgd<double>(a, 0.1, momentum: 0.9, dampening: 0.1), new Sgd<double>(b, 0.1, momentum: 0.9)),
            "sgd weight decay" => (new Sgd<double>(a, 0.1, weightDecay: 0.01), new Sgd<double>(b, 0.1)),
            "sgd nesterov" => (new Sgd<double>(a, 0.1, momentum: 0.9, nesterov: true), new Sgd<double>(b, 0.1, momentum: 0.9)),
            "adam beta1" => (new Adam<double>(a, beta1: 0.8), new Adam<double>(b)),
            "adam beta2" => (new Adam<double>(a, beta2: 0.99), new Adam<double>(b)),
            "adam epsilon" => (new Adam<double>(a, epsilon: 1e-6), new Adam<double>(b)),
            "adam weight decay" => (new Adam<double>(a, weightDecay: 0.1), new Adam<double>(b)),
            "adamw weight decay" => (new AdamW<double>(a), new AdamW<double>(b, weightDecay: 0.1)),
            "adagrad decay" => (new AdaGrad<double>(a, learningRateDecay: 0.1), new AdaGrad<double>(b)),
            "adagrad epsilon" => (new AdaGrad<double>(a, epsilon: 1e-6), new AdaGrad<double>(b)),
            "rmsprop alpha" => (new RmsProp<double>(a, alpha: 0.9), new RmsProp<double>(b)),
            "rmsprop epsilon" => (new RmsProp<double>(a, epsilon: 1e-6), new RmsProp<double>(b)),
            "rmsprop weight decay" => (new RmsProp<double>(a, weightDecay: 0.1), new RmsProp<double>(b)),
            _ => (new RmsProp<double>(a, momentum: 0.5), new RmsProp<double>(b, momentum: 0.25)),
        };

        var (saved, p) = Model();
        var (loaded, q) = Model();
        var (savedOptimizer, loadedOptimizer) = Make(saved, loaded);
        Train(saved, p, savedOptimizer, 3);
        var path = PathOf("options.dgck");
        Checkpoint.Save(path, saved, savedOptimizer);
        var before = (double[])q.Values.Clone();
        var exception = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, loaded, loadedOptimizer));
        Assert.Contains("options", exception.Message, StringComparison.Ordinal);
        Assert.Equal(before, q.Values);
        Assert.Equal(0, ((Optimizer<double>)loadedOptimizer).StepCount);

        // The same options load.
        var (again, _) = Model();
        Checkpoint.Load(path, again, Make(again, again).Saved);
    }

    [Theory]
    [InlineData("nan learning rate")]
    [InlineData("negative learning rate")]
    [InlineData("infinite learning rate")]
    [InlineData("negative step count")]
    public void TamperedValuesWithAValidChecksumAreRefused(string tampering)
    {
        var (parameters, p) = Model();
        var optimizer = new Adam<double>(parameters, learningRate: 0.0123456789);
        Train(parameters, p, optimizer, 7);
        var path = PathOf("tampered.dgck");
        Checkpoint.Save(path, parameters, optimizer);
        var bytes = File.ReadAllBytes(path);
        var at = IndexOf(bytes, BitConverter.GetBytes(0.0123456789));
        Assert.Equal(7L, BitConverter.ToInt64(bytes, at + 8)); // the step count follows the learning rate
        switch (tampering)
        {
            case "nan learning rate":
                BitConverter.GetBytes(double.NaN).CopyTo(bytes, at);
                break;
            case "negative learning rate":
                BitConverter.GetBytes(-0.1).CopyTo(bytes, at);
                break;
            case "infinite learning rate":
                BitConverter.GetBytes(double.PositiveInfinity).CopyTo(bytes, at);
                break;
            default:
                BitConverter.GetBytes(-5L).CopyTo(bytes, at + 8);
                break;
        }

        File.WriteAllBytes(path, Reseal(bytes));
        var (target, q) = Model();
        var targetOptimizer = new Adam<double>(target, learningRate: 0.5);
        var before = (double[])q.Values.Clone();
        Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, target, targetOptimizer));
        Assert.Equal(before, q.Values);
        Assert.Equal(0.5, targetOptimizer.LearningRate);
        Assert.Equal(0, targetOptimizer.StepCount);
    }

    [Fact]
    public void DirectoriesAndEmptyPathsAreClearErrors()
    {
        var (parameters, _) = Model();
        var directory = PathOf("a-directory");
        Directory.CreateDirectory(directory);

        var saving = Assert.Throws<ArgumentException>(() => Checkpoint.Save(directory, parameters));
        Assert.Contains(directory, saving.Message, StringComparison.Ordinal);
        var loading = Assert.Throws<CheckpointException>(() => Checkpoint.Load(directory, parameters));
        Assert.Contains(directory, loading.Message, StringComparison.Ordinal);

        Assert.Throws<ArgumentException>(() => Checkpoint.Save("", parameters));
        Assert.Throws<ArgumentException>(() => Checkpoint.Save("   ", parameters));
        Assert.Throws<ArgumentException>(() => Checkpoint.Load("", parameters));
        Assert.Throws<ArgumentNullException>(() => Checkpoint.Save(null!, parameters));

        var missingFolder = Path.Combine(_directory, "no-such-folder", "model.dgck");
        var unwritable = Assert.Throws<CheckpointException>(() => Checkpoint.Save(missingFolder, parameters));
        Assert.Contains(missingFolder, unwritable.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
    }

    [Fact]
    public void ConcurrentSavesToOnePathAllSucceedAndTheLastWriterWins()
    {
        var path = PathOf("shared.dgck");
        var failures = 0;
        void Saver(int seed)
        {
            var parameters = new ParameterSet<double>();
            var w = parameters.Add("w", 64);
            for (var i = 0; i < 200; i++)
            {
                Array.Fill(w.Values, seed * 1000 + i);
                try
                {
                    Checkpoint.Save(path, parameters);
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }

        Parallel.Invoke(() => Saver(1), () => Saver(2));
        Assert.Equal(0, failures);

        var loaded = new ParameterSet<double>();
        var v = loaded.Add("w", 64);
        Checkpoint.Load(path, loaded);
        Assert.Contains(v.Values[0], new[] { 1199.0, 2199.0 }); // one writer's last save, whole
        Assert.All(v.Values, x => Assert.Equal(v.Values[0], x));
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
    }

    [Fact]
    public void SaveLeavesAnotherProgramsTmpFileAlone()
    {
        var (parameters, _) = Model();
        var path = PathOf("model.dgck");
        File.WriteAllText(path + ".tmp", "not yours");
        Checkpoint.Save(path, parameters);
        Checkpoint.Save(path, parameters);
        Assert.Equal("not yours", File.ReadAllText(path + ".tmp"));
        Checkpoint.Load(path, parameters);
    }
}
