using System;
using System.Collections.Generic;
using System.IO;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;

namespace DiffGen;

/// <summary>A checkpoint that cannot be loaded: truncated, corrupt, of another format version, or for another model or optimizer.</summary>
public sealed class CheckpointException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CheckpointException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>
/// Saves and restores parameters and optimizer state bit for bit, so that training resumed from a
/// checkpoint continues exactly as if it had never stopped.
/// </summary>
/// <remarks>
/// Format (little-endian), version 1: the magic bytes <c>DGCK</c>, a 16-bit version, a byte for the
/// element type (8 = double, 4 = float), then the body: the parameter count and for each parameter
/// its name (length-prefixed UTF-8), length and values; the optimizer's type name (empty for none),
/// learning rate, step count, and its state groups (count, then per group a count of buffers with
/// their lengths and values); last, the CRC-32 of everything before it. Written to a temporary file
/// and renamed over the target, so a crash mid-write leaves the previous checkpoint intact. Loading
/// checks everything before it changes anything: a damaged or mismatched file throws
/// <see cref="CheckpointException"/> and leaves the model and optimizer untouched.
/// </remarks>
public static class Checkpoint
{
    private const ushort Version = 1;
    private static readonly byte[] Magic = "DGCK"u8.ToArray();

    /// <summary>Writes <paramref name="parameters"/> and the optimizer's state to <paramref name="path"/>, atomically.</summary>
    public static void Save<T>(string path, ParameterSet<T> parameters, IOptimizer? optimizer = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write((byte)TypeCode<T>());
            writer.Write(parameters.Count);
            foreach (var parameter in parameters)
            {
                writer.Write(parameter.Name);
                WriteValues(writer, parameter.Values);
            }

            writer.Write(optimizer?.GetType().Name ?? string.Empty);
            writer.Write(optimizer?.LearningRate ?? 0.0);
            var stateful = optimizer as Optimizer<T>;
            writer.Write(stateful?.StepCount ?? 0L);
            var groups = stateful?.State ?? Array.Empty<T[][]>();
            writer.Write(groups.Length);
            foreach (var group in groups)
            {
                writer.Write(group.Length);
                foreach (var values in group)
                {
                    WriteValues(writer, values);
                }
            }
        }

        var body = buffer.ToArray();
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(body);
            file.Write(BitConverter.GetBytes(Crc32(body)));
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Restores parameters and optimizer state from <paramref name="path"/>.</summary>
    /// <exception cref="CheckpointException">The file is truncated, corrupt, or does not match the model or optimizer; nothing was changed.</exception>
    public static void Load<T>(string path, ParameterSet<T> parameters, IOptimizer? optimizer = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException exception)
        {
            throw new CheckpointException($"Cannot read checkpoint '{path}': {exception.Message}", exception);
        }

        if (bytes.Length < Magic.Length + 2 + 1 + 4 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new CheckpointException($"'{path}' is not a DiffGen checkpoint (no DGCK header).");
        }

        var body = bytes.AsSpan(0, bytes.Length - 4);
        if (BitConverter.ToUInt32(bytes, bytes.Length - 4) != Crc32(body))
        {
            throw new CheckpointException($"Checkpoint '{path}' is corrupt or truncated: its checksum does not match.");
        }

        var read = ReadAll<T>(path, body.ToArray());
        Validate(path, read, parameters, optimizer);

        // Everything checked: only now change the model and the optimizer.
        for (var i = 0; i < parameters.Count; i++)
        {
            read.Values[i].CopyTo(parameters[i].Values, 0);
        }

        if (optimizer is not null)
        {
            optimizer.LearningRate = read.LearningRate;
            if (optimizer is Optimizer<T> stateful)
            {
                stateful.RestoreStepCount(read.StepCount);
                var groups = stateful.State;
                for (var g = 0; g < groups.Length; g++)
                {
                    for (var b = 0; b < groups[g].Length; b++)
                    {
                        read.State[g][b].CopyTo(groups[g][b], 0);
                    }
                }
            }
        }
    }

    private sealed record Contents<T>(List<string> Names, List<T[]> Values, string OptimizerType, double LearningRate, long StepCount, List<List<T[]>> State);

    private static Contents<T> ReadAll<T>(string path, byte[] body)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(body), Encoding.UTF8);
            reader.ReadBytes(Magic.Length);
            var version = reader.ReadUInt16();
            if (version != Version)
            {
                throw new CheckpointException($"Checkpoint '{path}' has format version {version}; this DiffGen reads version {Version}.");
            }

            var type = reader.ReadByte();
            if (type != TypeCode<T>())
            {
                throw new CheckpointException($"Checkpoint '{path}' holds {(type == 8 ? "double" : type == 4 ? "float" : "unknown")} values; the model is {typeof(T).Name}.");
            }

            var count = reader.ReadInt32();
            var names = new List<string>();
            var values = new List<T[]>();
            for (var i = 0; i < count; i++)
            {
                names.Add(reader.ReadString());
                values.Add(ReadValues<T>(reader));
            }

            var optimizerType = reader.ReadString();
            var learningRate = reader.ReadDouble();
            var stepCount = reader.ReadInt64();
            var groupCount = reader.ReadInt32();
            var state = new List<List<T[]>>();
            for (var g = 0; g < groupCount; g++)
            {
                var buffers = new List<T[]>();
                var bufferCount = reader.ReadInt32();
                for (var b = 0; b < bufferCount; b++)
                {
                    buffers.Add(ReadValues<T>(reader));
                }

                state.Add(buffers);
            }

            if (reader.BaseStream.Position != body.Length)
            {
                throw new CheckpointException($"Checkpoint '{path}' has {body.Length - reader.BaseStream.Position} unexpected bytes at its end.");
            }

            return new Contents<T>(names, values, optimizerType, learningRate, stepCount, state);
        }
        catch (Exception exception) when (exception is EndOfStreamException or IOException or ArgumentException or OverflowException or OutOfMemoryException)
        {
            throw new CheckpointException($"Checkpoint '{path}' is malformed: {exception.Message}", exception);
        }
    }

    private static void Validate<T>(string path, Contents<T> read, ParameterSet<T> parameters, IOptimizer? optimizer)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (read.Names.Count != parameters.Count)
        {
            throw new CheckpointException($"Checkpoint '{path}' has {read.Names.Count} parameters; the model has {parameters.Count}.");
        }

        for (var i = 0; i < parameters.Count; i++)
        {
            if (read.Names[i] != parameters[i].Name || read.Values[i].Length != parameters[i].Length)
            {
                throw new CheckpointException($"Checkpoint '{path}' parameter {i} is '{read.Names[i]}' of length {read.Values[i].Length}; the model's is '{parameters[i].Name}' of length {parameters[i].Length}.");
            }
        }

        if (optimizer is null)
        {
            return;
        }

        if (read.OptimizerType != optimizer.GetType().Name)
        {
            throw new CheckpointException($"Checkpoint '{path}' holds the state of {(read.OptimizerType.Length == 0 ? "no optimizer" : read.OptimizerType)}; the optimizer given is {optimizer.GetType().Name}.");
        }

        if (optimizer is not Optimizer<T> stateful)
        {
            return;
        }

        var groups = stateful.State;
        var shapesMatch = groups.Length == read.State.Count;
        for (var g = 0; shapesMatch && g < groups.Length; g++)
        {
            shapesMatch = groups[g].Length == read.State[g].Count;
            for (var b = 0; shapesMatch && b < groups[g].Length; b++)
            {
                shapesMatch = groups[g][b].Length == read.State[g][b].Length;
            }
        }

        if (!shapesMatch)
        {
            throw new CheckpointException($"Checkpoint '{path}' holds {read.OptimizerType} state of another shape (other options such as amsGrad, centered or momentum, or other parameters).");
        }
    }

    private static void WriteValues<T>(BinaryWriter writer, T[] values)
        where T : unmanaged
    {
        writer.Write(values.Length);
        writer.Write(MemoryMarshal.AsBytes(values.AsSpan()));
    }

    private static T[] ReadValues<T>(BinaryReader reader)
        where T : unmanaged
    {
        var length = reader.ReadInt32();
        var size = Marshal.SizeOf<T>();
        if (length < 0 || (long)length * size > reader.BaseStream.Length - reader.BaseStream.Position)
        {
            throw new EndOfStreamException($"a buffer of {length} values does not fit in what is left of the file");
        }

        var values = new T[length];
        var bytes = reader.ReadBytes(length * size);
        bytes.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    private static byte TypeCode<T>() => (byte)Marshal.SizeOf<T>();

    private static readonly uint[] CrcTable = BuildCrcTable();

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }

    /// <summary>CRC-32 (IEEE 802.3, as zlib), so any tool can verify a checkpoint.</summary>
    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc ^ 0xFFFFFFFFu;
    }
}
