using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text;

namespace DiffGen.Generator.Tests;

/// <summary>
/// Snapshot testing in Verify's conventions (design.md §5): the reviewed expected file is
/// <c>Snapshots/&lt;Class&gt;.&lt;Test&gt;.verified.cs</c> (<c>.verified.dot</c> for graphs); a mismatch writes <c>.received.cs</c> beside it and fails
/// with a unified diff; <c>DIFFGEN_ACCEPT=1</c> accepts received output.
/// </summary>
internal static class Snapshot
{
    /// <param name="extension">The snapshot's file extension: <c>cs</c> for generated code, <c>dot</c> for Graphviz text.</param>
    public static void Verify(string actual, string? suffix = null, string extension = "cs", [CallerFilePath] string callerFile = "", [CallerMemberName] string test = "")
    {
        var directory = Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots");
        var name = Path.GetFileNameWithoutExtension(callerFile) + "." + test + (suffix is null ? string.Empty : "." + suffix);
        var verified = Path.Combine(directory, name + ".verified." + extension);
        var received = Path.Combine(directory, name + ".received." + extension);
        actual = actual.TrimStart('\uFEFF').Replace("\r\n", "\n");

        var expected = File.Exists(verified) ? File.ReadAllText(verified).Replace("\r\n", "\n") : null;
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }

        if (Environment.GetEnvironmentVariable("DIFFGEN_ACCEPT") == "1")
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(verified, actual);
            File.Delete(received);
            return;
        }

        Directory.CreateDirectory(directory);
        File.WriteAllText(received, actual);
        Assert.Fail(expected is null
            ? "No snapshot " + verified + "; review " + received + " and accept it (DIFFGEN_ACCEPT=1)."
            : "Snapshot " + name + " differs (received file written):\n" + UnifiedDiff(expected, actual));
    }

    /// <summary>A minimal unified diff (longest common subsequence of lines), enough to read a failure.</summary>
    public static string UnifiedDiff(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var lines = new List<string> { "--- verified", "+++ received" };
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                x++;
                y++;
            }
            else if (y < b.Length && (x == a.Length || lcs[x, y + 1] >= lcs[x + 1, y]))
            {
                lines.Add("@@ +" + (y + 1) + " @@ +" + b[y++]);
            }
            else
            {
                lines.Add("@@ -" + (x + 1) + " @@ -" + a[x++]);
            }
        }

        var builder = new StringBuilder();
        foreach (var line in lines)
        {
            builder.Append(line).Append('\n');
        }

        return builder.ToString();
    }
}
