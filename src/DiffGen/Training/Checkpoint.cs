using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

// Tests crash a save mid-write through an internal stream wrapper (Checkpoint.SaveCore).
[assembly: InternalsVisibleTo("DiffGen.Tests")]

namespace DiffGen;

/// <summary>
/// A checkpoint that cannot be loaded (truncated, corrupt, of another format version, for another
/// model, optimizer or schedule, or holding invalid values) or cannot be written; the message names
/// the file and what is wrong.
/// </summary>
public sealed class CheckpointException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CheckpointException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>
/// Saves and restores parameters, optimizer state and learning-rate schedule state bit for bit, so
/// that training resumed from a checkpoint continues exactly as if it had never stopped.
/// </summary>
/// <remarks>
/// <para>
/// Format (little-endian), version 2: the magic bytes <c>DGCK</c>, a 16-bit version, a byte for the
/// element type (8 = double, 4 = float), then the body: the parameter count and for each parameter
/// its name (length-prefixed UTF-8), length and values; the optimizer's type name (empty for none),
/// learning rate, step count, its options (count, then doubles: betas, epsilon, weight decay, ...),
/// and its state groups (count, then per group a count of buffers with their lengths and values);
/// the schedule's type name (empty for none), its options and its position (each a count, then
/// doubles); last, the CRC-32 of everything before it. Version 1 (read, no longer written) has no
/// options and no schedule.
/// </para>
/// <para>
/// Parameters are found by name (a model's member path), not by position: a checkpoint loads into a
/// model whose members were reordered, each parameter's optimizer state following it; a name the model
/// lacks, a name given twice, or another length is refused.
/// </para>
/// <para>
/// Files are untrusted input. Loading streams the file, checking every count, name and length
/// against the model as it is read, so a file for another model fails at the first difference,
/// having read no further; values are read into buffers sized from the model, never from the file
/// (at most the size of the model and its optimizer state, plus a buffer of at most 64 KB), and the checksum is
/// computed as the bytes pass. Only when the whole file has been read and its checksum, options and
/// values (learning rate, step counts) checked does anything change: a damaged, mismatched or
/// tampered file throws <see cref="CheckpointException"/> and leaves the model, optimizer and
/// schedule untouched.
/// </para>
/// <para>
/// Saving streams to a temporary file of a unique name in the target's directory
/// (<c>&lt;name&gt;.&lt;random&gt;.tmp</c>), flushes it to disk and renames it over the target: a crash
/// mid-write leaves the previous checkpoint intact (and may leave that temporary file behind), and
/// concurrent saves to one path all succeed, the last rename winning.
/// </para>
/// </remarks>
public static class Checkpoint
{
    private const ushort Version = 2;
    private static readonly byte[] Magic = "DGCK"u8.ToArray();
    private const int HeaderLength = 7;            // magic, version, element type
    private const int MinimumLength = HeaderLength + 4; // a header and a checksum: shorter is not a checkpoint at all

    // Bounds on what a file may declare where the model does not fix it (no optimizer or schedule
    // given to compare with): no checkpoint DiffGen writes comes near them.
    private const int MaxTypeNameBytes = 1024;
    private const int MaxScalars = 64;
    private const int MaxStateGroups = 16;

    /// <summary>Writes <paramref name="parameters"/> and the optimizer's state to <paramref name="path"/>, atomically.</summary>
    /// <exception cref="ArgumentException">The path is empty or a directory.</exception>
    /// <exception cref="CheckpointException">The file cannot be written (a missing folder, no permission, a full disk); the previous checkpoint, if any, is intact.</exception>
    public static void Save<T>(string path, ParameterSet<T> parameters, IOptimizer? optimizer = null)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        SaveCore(path, parameters, optimizer, null, null);

    /// <summary>
    /// Writes <paramref name="parameters"/>, the optimizer's state and the position of
    /// <paramref name="schedule"/> (PyTorch's scheduler <c>state_dict</c>) to <paramref name="path"/>, atomically.
    /// </summary>
    /// <exception cref="ArgumentException">The path is empty or a directory, or <paramref name="schedule"/> sets the learning rate of another optimizer than <paramref name="optimizer"/>.</exception>
    /// <exception cref="CheckpointException">The file cannot be written (a missing folder, no permission, a full disk); the previous checkpoint, if any, is intact.</exception>
    public static void Save<T>(string path, ParameterSet<T> parameters, IOptimizer? optimizer, ILearningRateSchedule? schedule)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        SaveCore(path, parameters, optimizer, schedule, null);

    /// <summary>Restores parameters and optimizer state from <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException">The path is empty.</exception>
    /// <exception cref="CheckpointException">The file is missing, unreadable, truncated, corrupt, holds invalid values, or does not match the model or optimizer (type or options); nothing was changed.</exception>
    public static void Load<T>(string path, ParameterSet<T> parameters, IOptimizer? optimizer = null)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Load(path, parameters, optimizer, null);

    /// <summary>Restores parameters, optimizer state and the position of <paramref name="schedule"/> from <paramref name="path"/>.</summary>
    /// <remarks>
    /// The schedule must be created as for the original run (same type and options) before loading;
    /// it then continues from the saved step. A file without schedule state (saved without one, or
    /// of format version 1) does not load into a schedule.
    /// </remarks>
    /// <exception cref="ArgumentException">The path is empty, or <paramref name="schedule"/> sets the learning rate of another optimizer than <paramref name="optimizer"/>.</exception>
    /// <exception cref="CheckpointException">The file is missing, unreadable, truncated, corrupt, holds invalid values, or does not match the model, optimizer or schedule (type or options); nothing was changed.</exception>
    public static void Load<T>(string path, ParameterSet<T> parameters, IOptimizer? optimizer, ILearningRateSchedule? schedule)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CheckPath(path);
        CheckSchedule(optimizer, schedule);
        if (Directory.Exists(path))
        {
            throw new CheckpointException($"Cannot read checkpoint '{path}': it is a directory.");
        }

        FileStream file;
        try
        {
            // No FileStream buffer: the reader has its own, and reads values straight into place.
            // FileShare.Delete lets a concurrent save rename over the file while it is read (Windows).
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 0, FileOptions.SequentialScan);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new CheckpointException($"Cannot read checkpoint '{path}': {exception.Message}", exception);
        }

        Staged<T> staged;
        using (file)
        {
            try
            {
                staged = Read(path, file, parameters, optimizer, schedule);
            }
            catch (EndOfStreamException exception)
            {
                throw new CheckpointException($"Checkpoint '{path}' is corrupt or truncated: it ends before its checksum.", exception);
            }
            catch (IOException exception)
            {
                throw new CheckpointException($"Cannot read checkpoint '{path}': {exception.Message}", exception);
            }
        }

        // Everything read and checked: only now change the model, the optimizer and the schedule.
        // (A model's scalar members are read first so that their gradients are written back unchanged.)
        parameters.ReadModel();
        for (var i = 0; i < parameters.Count; i++)
        {
            staged.Values[i].CopyTo(parameters[i].Values, 0);
        }

        parameters.WriteModel();

        if (optimizer is not null)
        {
            optimizer.LearningRate = staged.LearningRate;
            if (optimizer is Optimizer<T> stateful)
            {
                stateful.RestoreStepCount(staged.StepCount);
                var groups = stateful.State;
                for (var g = 0; g < groups.Length; g++)
                {
                    for (var b = 0; b < groups[g].Length; b++)
                    {
                        staged.State![g][b].CopyTo(groups[g][b], 0);
                    }
                }
            }
        }

        if (schedule is ICheckpointedSchedule checkpointed)
        {
            checkpointed.Restore(staged.ScheduleState!);
        }
    }

    /// <summary>Save, with a hook that wraps the file stream: tests use it to crash mid-write.</summary>
    internal static void SaveCore<T>(string path, ParameterSet<T> parameters, IOptimizer? optimizer, ILearningRateSchedule? schedule, Func<Stream, Stream>? wrap)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CheckPath(path);
        CheckSchedule(optimizer, schedule);
        if (Directory.Exists(path))
        {
            throw new ArgumentException($"Cannot save a checkpoint to '{path}': it is a directory.", nameof(path));
        }

        // A name of its own for every save, in the target's directory (so the rename stays on one file
        // system and is atomic): concurrent saves never share a temporary file, and a file someone
        // else called <path>.tmp is never touched.
        var target = Path.GetFullPath(path);
        var temporary = Path.Combine(Path.GetDirectoryName(target)!, $"{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        var created = false;
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                created = true;
                var stream = wrap?.Invoke(file) ?? file;
                var writer = new Writer(stream);
                WriteBody(writer, parameters, optimizer, schedule);
                writer.Finish();
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, target, overwrite: true);
        }
        catch (Exception exception)
        {
            if (created)
            {
                TryDelete(temporary);
            }

            if (exception is IOException or UnauthorizedAccessException or NotSupportedException)
            {
                throw new CheckpointException($"Cannot write checkpoint '{path}': {exception.Message}", exception);
            }

            throw;
        }
    }

    private static void TryDelete(string temporary)
    {
        try
        {
            File.Delete(temporary);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Best effort: the failure being reported matters more than a leftover temporary file.
        }
    }

    private static void CheckPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ArgumentException("A checkpoint path must not be empty.", nameof(path));
        }
    }

    private static void CheckSchedule(IOptimizer? optimizer, ILearningRateSchedule? schedule)
    {
        if (schedule is not null && !ReferenceEquals(schedule.Optimizer, optimizer))
        {
            throw new ArgumentException("The schedule must be the one setting the learning rate of the optimizer given: its position only makes sense with that optimizer's state.", nameof(schedule));
        }
    }

    private static void WriteBody<T>(Writer writer, ParameterSet<T> parameters, IOptimizer? optimizer, ILearningRateSchedule? schedule)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        writer.WriteBytes(Magic);
        writer.WriteUInt16(Version);
        writer.WriteByte(TypeCode<T>());
        parameters.ReadModel(); // a model's scalar members: their current values
        writer.WriteInt32(parameters.Count);
        foreach (var parameter in parameters)
        {
            writer.WriteString(parameter.Name);
            writer.WriteValues<T>(parameter.Values);
        }

        writer.WriteString(optimizer?.GetType().Name ?? string.Empty);
        writer.WriteDouble(optimizer?.LearningRate ?? 0.0);
        var stateful = optimizer as Optimizer<T>;
        writer.WriteInt64(stateful?.StepCount ?? 0L);
        writer.WriteScalars(stateful?.Options.Select(o => o.Value).ToArray() ?? []);
        var groups = stateful?.State ?? [];
        writer.WriteInt32(groups.Length);
        foreach (var group in groups)
        {
            writer.WriteInt32(group.Length);
            foreach (var values in group)
            {
                writer.WriteValues<T>(values);
            }
        }

        writer.WriteString(schedule?.GetType().Name ?? string.Empty);
        var checkpointed = schedule as ICheckpointedSchedule;
        writer.WriteScalars(checkpointed?.Options.Select(o => o.Value).ToArray() ?? []);
        writer.WriteScalars(checkpointed?.State ?? []);
    }

    /// <summary>What a file holds, in buffers shaped by the model, checked and ready to copy.</summary>
    private sealed class Staged<T>
    {
        public required T[][] Values { get; init; }

        public double LearningRate { get; set; }

        public long StepCount { get; set; }

        public T[][][]? State { get; set; }

        public double[]? ScheduleState { get; set; }
    }

    private static Staged<T> Read<T>(string path, FileStream file, ParameterSet<T> parameters, IOptimizer? optimizer, ILearningRateSchedule? schedule)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var length = file.Length;
        Span<byte> header = stackalloc byte[HeaderLength];
        if (length < MinimumLength || file.ReadAtLeast(header, HeaderLength, throwOnEndOfStream: false) < HeaderLength || !header[..4].SequenceEqual(Magic))
        {
            throw new CheckpointException($"'{path}' is not a DiffGen checkpoint (no DGCK header).");
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(header[4..]);
        if (version is not (1 or Version))
        {
            throw new CheckpointException($"Checkpoint '{path}' has format version {version}; this DiffGen reads versions 1 and {Version}.");
        }

        var type = header[6];
        if (type != TypeCode<T>())
        {
            throw new CheckpointException($"Checkpoint '{path}' holds {(type == 8 ? "double" : type == 4 ? "float" : "unknown")} values; the model is {typeof(T).Name}.");
        }

        // The reader's buffer is sized from the model too (values larger than it bypass it): a hostile
        // file for a small model costs a small buffer.
        var reader = new Reader(file, length, header, Math.Max(1024L, (long)parameters.Length * Unsafe.SizeOf<T>()));
        var count = reader.ReadInt32();
        if (count != parameters.Count)
        {
            throw new CheckpointException($"Checkpoint '{path}' has {count} parameters; the model has {parameters.Count}.");
        }

        // Parameters are found by name, not position: a model whose members were reordered (a layout
        // registered in another order) still loads. order[i] is the model's index of the file's i-th
        // parameter; the optimizer's state buffers, written in the file's order, follow it.
        var values = new T[parameters.Count][];
        var order = new int[parameters.Count];
        for (var i = 0; i < parameters.Count; i++)
        {
            var name = reader.ReadName(parameters.MaxNameBytes, out var description);
            var declared = reader.ReadInt32();
            var index = name is null ? -1 : parameters.IndexOf(name);
            if (index < 0)
            {
                // Counts are equal, so some parameter of the model is not matched yet.
                var unmatched = parameters[Array.FindIndex(values, v => v is null)];
                throw new CheckpointException($"Checkpoint '{path}' parameter {i} is '{description}' of length {declared}; the model's is '{unmatched.Name}' of length {unmatched.Length}, and the model has no parameter of that name.");
            }

            var expected = parameters[index];
            if (values[index] is not null)
            {
                throw new CheckpointException($"Checkpoint '{path}' parameter {i} is '{description}' again; a checkpoint names each parameter once.");
            }

            if (declared != expected.Length)
            {
                throw new CheckpointException($"Checkpoint '{path}' parameter {i} is '{description}' of length {declared}; the model's is '{expected.Name}' of length {expected.Length}.");
            }

            values[index] = new T[expected.Length];
            reader.ReadValues<T>(values[index]);
            order[i] = index;
        }

        var staged = new Staged<T> { Values = values };
        var stateful = optimizer as Optimizer<T>;
        var optimizerName = optimizer?.GetType().Name;
        var (optimizerMatches, savedOptimizer) = reader.ReadName(optimizerName ?? string.Empty);
        if (optimizer is not null && !optimizerMatches)
        {
            throw new CheckpointException($"Checkpoint '{path}' holds the state of {(savedOptimizer.Length == 0 ? "no optimizer" : savedOptimizer)}; the optimizer given is {optimizerName}.");
        }

        staged.LearningRate = reader.ReadDouble();
        staged.StepCount = reader.ReadInt64();
        double[]? savedOptions = null;
        var expectedOptions = stateful?.Options;
        if (version >= 2)
        {
            savedOptions = ReadScalars(reader, path, "optimizer options", optimizer is null ? null : expectedOptions?.Length ?? 0, savedOptimizer);
        }

        var groupCount = reader.ReadInt32();
        if (stateful is not null)
        {
            var groups = stateful.State;
            if (groupCount != groups.Length)
            {
                throw AnotherShape(path, savedOptimizer);
            }

            staged.State = new T[groups.Length][][];
            for (var g = 0; g < groups.Length; g++)
            {
                if (reader.ReadInt32() != groups[g].Length)
                {
                    throw AnotherShape(path, savedOptimizer);
                }

                // Each group holds no buffer or one per parameter, in the file's order of parameters.
                staged.State[g] = new T[groups[g].Length][];
                for (var b = 0; b < groups[g].Length; b++)
                {
                    var owner = groups[g].Length == parameters.Count ? order[b] : b;
                    if (reader.ReadInt32() != groups[g][owner].Length)
                    {
                        throw AnotherShape(path, savedOptimizer);
                    }

                    staged.State[g][owner] = new T[groups[g][owner].Length];
                    reader.ReadValues<T>(staged.State[g][owner]);
                }
            }
        }
        else
        {
            // No optimizer state to compare with (none given, or one outside DiffGen): every group
            // DiffGen writes is empty or one buffer per parameter, shaped like it. Anything else is
            // refused before it is read, and what is read passes through the checksum, unkept.
            if (groupCount < 0 || groupCount > MaxStateGroups)
            {
                throw new CheckpointException($"Checkpoint '{path}' declares {groupCount} optimizer state groups (at most {MaxStateGroups}).");
            }

            for (var g = 0; g < groupCount; g++)
            {
                var buffers = reader.ReadInt32();
                if (buffers != 0 && buffers != parameters.Count)
                {
                    throw new CheckpointException($"Checkpoint '{path}' declares {buffers} buffers in an optimizer state group; the model has {parameters.Count} parameters.");
                }

                for (var b = 0; b < buffers; b++)
                {
                    var declared = reader.ReadInt32();
                    var owner = parameters[order[b]];
                    if (declared != owner.Length)
                    {
                        throw new CheckpointException($"Checkpoint '{path}' declares optimizer state of length {declared} for parameter '{owner.Name}' of length {owner.Length}.");
                    }

                    reader.Skip((long)declared * Unsafe.SizeOf<T>());
                }
            }
        }

        var checkpointed = schedule as ICheckpointedSchedule;
        double[]? savedScheduleOptions = null;
        if (version >= 2)
        {
            var scheduleName = schedule?.GetType().Name;
            var (scheduleMatches, savedSchedule) = reader.ReadName(scheduleName ?? string.Empty);
            if (schedule is not null && !scheduleMatches)
            {
                throw new CheckpointException($"Checkpoint '{path}' holds the position of {(savedSchedule.Length == 0 ? "no schedule" : savedSchedule)}; the schedule given is {scheduleName}.");
            }

            var expectedScheduleOptions = schedule is null ? (int?)null : checkpointed?.Options.Length ?? 0;
            savedScheduleOptions = ReadScalars(reader, path, "schedule options", expectedScheduleOptions, savedSchedule);
            staged.ScheduleState = ReadScalars(reader, path, "schedule state", schedule is null ? null : checkpointed?.State.Length ?? 0, savedSchedule);
        }
        else if (schedule is not null)
        {
            throw new CheckpointException($"Checkpoint '{path}' has format version 1, which holds no schedule position; the schedule given is {schedule.GetType().Name}.");
        }

        var computed = reader.Checksum;
        var stored = reader.ReadUInt32();
        if (reader.Remaining > 0)
        {
            throw new CheckpointException($"Checkpoint '{path}' is corrupt: it has {reader.Remaining} unexpected bytes after its checksum.");
        }

        if (stored != computed)
        {
            throw new CheckpointException($"Checkpoint '{path}' is corrupt or truncated: its checksum does not match.");
        }

        // The bytes are as written. What they say must still make sense: a file can be edited and
        // resealed, and a NaN learning rate or negative step count would turn the next step into NaN.
        if (optimizer is not null)
        {
            if (!(double.IsFinite(staged.LearningRate) && staged.LearningRate >= 0))
            {
                throw new CheckpointException($"Checkpoint '{path}' holds a learning rate of {staged.LearningRate}; it must be finite and >= 0.");
            }

            if (staged.StepCount < 0)
            {
                throw new CheckpointException($"Checkpoint '{path}' holds a step count of {staged.StepCount}; it must be >= 0.");
            }

            if (expectedOptions is not null && savedOptions is not null)
            {
                CompareOptions(path, savedOptimizer, "optimizer", expectedOptions, savedOptions);
            }
        }

        if (checkpointed is not null && savedScheduleOptions is not null)
        {
            CompareOptions(path, schedule!.GetType().Name, "schedule", checkpointed.Options, savedScheduleOptions);
            if (checkpointed.Invalid(staged.ScheduleState!) is { } invalid)
            {
                throw new CheckpointException($"Checkpoint '{path}' holds {schedule.GetType().Name} state with {invalid}.");
            }
        }

        return staged;
    }

    private static CheckpointException AnotherShape(string path, string optimizer) =>
        new($"Checkpoint '{path}' holds {optimizer} state of another shape (other options such as amsGrad, centered or momentum, or other parameters).");

    /// <summary>A count and that many doubles; <paramref name="expected"/> (when known) must be the count, else at most <see cref="MaxScalars"/>.</summary>
    private static double[] ReadScalars(Reader reader, string path, string what, int? expected, string owner)
    {
        var count = reader.ReadInt32();
        if (expected is { } wanted ? count != wanted : count < 0 || count > MaxScalars)
        {
            throw new CheckpointException($"Checkpoint '{path}' holds {count} {what} for {(owner.Length == 0 ? "nothing" : owner)}; expected {(expected is { } e ? e.ToString() : "at most " + MaxScalars)} (other options, or another DiffGen).");
        }

        var scalars = new double[count];
        for (var i = 0; i < count; i++)
        {
            scalars[i] = reader.ReadDouble();
        }

        return scalars;
    }

    private static void CompareOptions(string path, string owner, string what, (string Name, double Value)[] expected, double[] saved)
    {
        var differences = expected
            .Select((option, i) => (option.Name, Given: option.Value, Saved: saved[i]))
            .Where(o => BitConverter.DoubleToInt64Bits(o.Given) != BitConverter.DoubleToInt64Bits(o.Saved))
            .Select(o => $"{o.Name} {o.Saved} saved, {o.Given} given")
            .ToArray();
        if (differences.Length > 0)
        {
            throw new CheckpointException($"Checkpoint '{path}' holds {owner} state saved with other options than the {what} given: {string.Join("; ", differences)}.");
        }
    }

    private static byte TypeCode<T>()
        where T : unmanaged => (byte)Unsafe.SizeOf<T>();

    /// <summary>Writes through a fixed buffer, computing the CRC-32 of everything written.</summary>
    private sealed class Writer(Stream stream)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _used;
        private uint _crc = Crc32.Start;

        public void WriteByte(byte value) => Room(1)[0] = value;

        public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Room(2), value);

        public void WriteInt32(int value) => BinaryPrimitives.WriteInt32LittleEndian(Room(4), value);

        public void WriteInt64(long value) => BinaryPrimitives.WriteInt64LittleEndian(Room(8), value);

        public void WriteDouble(double value) => BinaryPrimitives.WriteDoubleLittleEndian(Room(8), value);

        /// <summary>As <see cref="BinaryWriter.Write(string)"/>: a 7-bit encoded byte count, then UTF-8.</summary>
        public void WriteString(string value)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            for (var n = (uint)bytes.Length; ; n >>= 7)
            {
                WriteByte((byte)(n < 0x80 ? n : (n & 0x7F) | 0x80));
                if (n < 0x80)
                {
                    break;
                }
            }

            WriteBytes(bytes);
        }

        public void WriteScalars(double[] values)
        {
            WriteInt32(values.Length);
            foreach (var value in values)
            {
                WriteDouble(value);
            }
        }

        public void WriteValues<T>(T[] values)
            where T : unmanaged
        {
            WriteInt32(values.Length);
            WriteBytes(MemoryMarshal.AsBytes(values.AsSpan()));
        }

        public void WriteBytes(ReadOnlySpan<byte> bytes)
        {
            while (bytes.Length > 0)
            {
                if (_used == _buffer.Length)
                {
                    Flush();
                }

                var n = Math.Min(bytes.Length, _buffer.Length - _used);
                bytes[..n].CopyTo(_buffer.AsSpan(_used));
                _used += n;
                bytes = bytes[n..];
            }
        }

        /// <summary>Writes what is buffered and the checksum after it.</summary>
        public void Finish()
        {
            Flush();
            Span<byte> crc = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(crc, Crc32.Finish(_crc));
            stream.Write(crc);
            stream.Flush();
        }

        private Span<byte> Room(int size)
        {
            if (_buffer.Length - _used < size)
            {
                Flush();
            }

            var room = _buffer.AsSpan(_used, size);
            _used += size;
            return room;
        }

        private void Flush()
        {
            _crc = Crc32.Update(_crc, _buffer.AsSpan(0, _used));
            stream.Write(_buffer, 0, _used);
            _used = 0;
        }
    }

    /// <summary>
    /// Reads a file front to back through a buffer of at most 64 KB (less for a smaller file or model),
    /// computing the CRC-32 of what it consumes; runs out with <see cref="EndOfStreamException"/>.
    /// </summary>
    private sealed class Reader
    {
        private readonly Stream _stream;
        private readonly byte[] _buffer;
        private int _start;
        private int _end;
        private long _remaining;
        private uint _crc;

        public Reader(Stream stream, long length, ReadOnlySpan<byte> header, long bufferLimit)
        {
            _stream = stream;
            _remaining = length - header.Length;
            _buffer = new byte[(int)Math.Clamp(Math.Min(_remaining, bufferLimit), 16, 64 * 1024)];
            _crc = Crc32.Update(Crc32.Start, header);
        }

        /// <summary>Bytes of the file not consumed yet.</summary>
        public long Remaining => _remaining;

        /// <summary>The CRC-32 of everything consumed so far.</summary>
        public uint Checksum => Crc32.Finish(_crc);

        public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

        public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

        public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

        public double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

        /// <summary>
        /// Reads a length-prefixed UTF-8 name and says whether it is <paramref name="expected"/>;
        /// returns the name read for messages (or a description, when it is too long to be any
        /// name DiffGen writes: such a length is refused before its bytes are read).
        /// </summary>
        public (bool Matches, string Name) ReadName(string expected)
        {
            var length = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = Take(1)[0];
                if (shift == 28 && b > 0x07)
                {
                    return (false, "(a name whose length does not fit in 32 bits)");
                }

                length |= (b & 0x7F) << shift;
                if (b < 0x80)
                {
                    break;
                }
            }

            var expectedBytes = Encoding.UTF8.GetBytes(expected);
            if (length != expectedBytes.Length && length > MaxTypeNameBytes)
            {
                return (false, $"(a name of {length} bytes)");
            }

            var bytes = new byte[length];
            Read(bytes);
            return (bytes.AsSpan().SequenceEqual(expectedBytes), Encoding.UTF8.GetString(bytes));
        }

        /// <summary>
        /// Reads a length-prefixed UTF-8 name of at most <paramref name="maxBytes"/> bytes; a longer one
        /// (no name the caller knows) is refused before its bytes are read: null, with a description in
        /// <paramref name="description"/>, which is otherwise the name.
        /// </summary>
        public string? ReadName(int maxBytes, out string description)
        {
            var length = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = Take(1)[0];
                if (shift == 28 && b > 0x07)
                {
                    description = "(a name whose length does not fit in 32 bits)";
                    return null;
                }

                length |= (b & 0x7F) << shift;
                if (b < 0x80)
                {
                    break;
                }
            }

            if (length > maxBytes)
            {
                description = $"(a name of {length} bytes)";
                return null;
            }

            var bytes = new byte[length];
            Read(bytes);
            description = Encoding.UTF8.GetString(bytes);
            return description;
        }

        public void ReadValues<T>(T[] destination)
            where T : unmanaged => Read(MemoryMarshal.AsBytes(destination.AsSpan()));

        public void Read(Span<byte> destination)
        {
            if (destination.Length > _remaining)
            {
                throw new EndOfStreamException();
            }

            var buffered = Math.Min(destination.Length, _end - _start);
            Consume(buffered).CopyTo(destination);
            destination = destination[buffered..];
            if (destination.Length >= _buffer.Length)
            {
                // Large values go straight from the file into their staging buffer.
                _stream.ReadExactly(destination);
                _crc = Crc32.Update(_crc, destination);
                _remaining -= destination.Length;
                return;
            }

            if (destination.Length > 0)
            {
                Take(destination.Length).CopyTo(destination);
            }
        }

        public void Skip(long count)
        {
            if (count > _remaining)
            {
                throw new EndOfStreamException();
            }

            while (count > 0)
            {
                if (_start == _end)
                {
                    Fill(1);
                }

                count -= Consume((int)Math.Min(count, _end - _start)).Length;
            }
        }

        private ReadOnlySpan<byte> Take(int size)
        {
            if (_end - _start < size)
            {
                Fill(size);
            }

            return Consume(size);
        }

        private ReadOnlySpan<byte> Consume(int size)
        {
            var span = _buffer.AsSpan(_start, size);
            _start += size;
            _remaining -= size;
            _crc = Crc32.Update(_crc, span);
            return span;
        }

        /// <summary>Moves what is left to the front and reads until at least <paramref name="size"/> bytes are buffered.</summary>
        private void Fill(int size)
        {
            var left = _end - _start;
            if (size > _remaining)
            {
                throw new EndOfStreamException();
            }

            _buffer.AsSpan(_start, left).CopyTo(_buffer);
            _start = 0;
            _end = left;
            var wanted = (int)Math.Min(_buffer.Length - _end, _remaining - left);
            _end += _stream.ReadAtLeast(_buffer.AsSpan(_end, wanted), size - left, throwOnEndOfStream: true);
        }
    }
}

/// <summary>CRC-32 (IEEE 802.3, as zlib), so any tool can verify a checkpoint; slicing by 8 bytes for speed on large files.</summary>
internal static class Crc32
{
    public const uint Start = 0xFFFFFFFFu;

    private static readonly uint[] Table = BuildTable();

    public static uint Finish(uint crc) => crc ^ 0xFFFFFFFFu;

    public static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        var table = Table;
        while (data.Length >= 8)
        {
            var low = BinaryPrimitives.ReadUInt32LittleEndian(data) ^ crc;
            var high = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            crc = table[(7 * 256) + (low & 0xFF)] ^ table[(6 * 256) + ((low >> 8) & 0xFF)]
                ^ table[(5 * 256) + ((low >> 16) & 0xFF)] ^ table[(4 * 256) + (low >> 24)]
                ^ table[(3 * 256) + (high & 0xFF)] ^ table[(2 * 256) + ((high >> 8) & 0xFF)]
                ^ table[256 + ((high >> 16) & 0xFF)] ^ table[high >> 24];
            data = data[8..];
        }

        foreach (var b in data)
        {
            crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[8 * 256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        for (var n = 0; n < 256; n++)
        {
            for (var slice = 1; slice < 8; slice++)
            {
                var previous = table[((slice - 1) * 256) + n];
                table[(slice * 256) + n] = table[previous & 0xFF] ^ (previous >> 8);
            }
        }

        return table;
    }
}
