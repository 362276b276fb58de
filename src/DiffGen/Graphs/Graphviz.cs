using System;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace DiffGen;

/// <summary>
/// Runs Graphviz's <c>dot</c> on DOT text. Graphviz is optional: DiffGen never needs it except to turn a
/// <see cref="ComputationGraph"/> into an image (<c>apt-get install graphviz</c>, <c>brew install graphviz</c>,
/// <c>winget install graphviz</c>).
/// </summary>
public static class Graphviz
{
    private const string Install = "install Graphviz (apt-get install graphviz, brew install graphviz, winget install graphviz) or render the .dot file elsewhere";

    /// <summary>Whether <c>dot</c> runs (looked up on PATH unless <paramref name="dotExecutable"/> is given).</summary>
    public static bool IsAvailable(string? dotExecutable = null) => Run(dotExecutable ?? "dot", "-V", null, out _, out _) == 0;

    /// <summary>
    /// Renders <paramref name="dot"/> into <paramref name="path"/> in <paramref name="format"/> (<c>svg</c>,
    /// <c>png</c>, …); false, with the reason in <paramref name="error"/>, when <c>dot</c> is missing or fails.
    /// </summary>
    public static bool TryRender(string dot, string path, string format, out string? error, string? dotExecutable = null)
    {
        ArgumentNullException.ThrowIfNull(dot);
        ArgumentNullException.ThrowIfNull(path);
        if (string.IsNullOrEmpty(format) || !format.All(char.IsAsciiLetterOrDigit))
        {
            throw new ArgumentException("A Graphviz format is letters and digits: svg, png, pdf.", nameof(format));
        }

        EnsureDirectory(path);
        var exit = Run(dotExecutable ?? "dot", "-T" + format, dot, out var standardError, out var started, path);
        if (!started)
        {
            error = "Graphviz's dot was not found (" + (dotExecutable ?? "dot on PATH") + "): " + Install + ".";
            return false;
        }

        if (exit != 0 || !File.Exists(path))
        {
            error = "Graphviz's dot failed (exit code " + exit + "): " + standardError.Trim();
            return false;
        }

        error = null;
        return true;
    }

    internal static void EnsureDirectory(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
    }

    // Runs dot with the DOT text on standard input; -1 and started = false when it cannot be started.
    private static int Run(string executable, string argument, string? input, out string standardError, out bool started, string? output = null)
    {
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        info.ArgumentList.Add(argument);
        if (output is not null)
        {
            info.ArgumentList.Add("-o");
            info.ArgumentList.Add(output);
        }

        Process? process;
        try
        {
            process = Process.Start(info);
        }
        catch (Exception exception) when (exception is Win32Exception or FileNotFoundException or InvalidOperationException)
        {
            standardError = exception.Message;
            started = false;
            return -1;
        }

        if (process is null)
        {
            standardError = string.Empty;
            started = false;
            return -1;
        }

        using (process)
        {
            started = true;
            // Read both streams while writing, so that a full pipe never blocks dot.
            var errors = process.StandardError.ReadToEndAsync();
            var outputs = process.StandardOutput.ReadToEndAsync();
            if (input is not null)
            {
                process.StandardInput.Write(input);
            }

            process.StandardInput.Close();
            if (!process.WaitForExit(120_000))
            {
                process.Kill(entireProcessTree: true);
                standardError = "timed out after 120 s";
                return -1;
            }

            standardError = errors.GetAwaiter().GetResult();
            outputs.GetAwaiter().GetResult();
            return process.ExitCode;
        }
    }
}
