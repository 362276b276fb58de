using System.Collections.Generic;
using System.Text;

namespace DiffGen.Generator.Emission;

/// <summary>
/// Hint names (the generated files' names): every legal C# name must give a valid one, and no two
/// may be equal ignoring case, which the compiler requires and C# names do not guarantee.
/// </summary>
internal static class HintNames
{
    private const string Extension = ".g.cs";

    /// <summary>Makes <paramref name="wanted"/> a valid hint name not yet in <paramref name="taken"/> (ignoring case), and takes it.</summary>
    public static string Unique(string wanted, HashSet<string> taken)
    {
        var stem = Sanitize(wanted.EndsWith(Extension, System.StringComparison.Ordinal) ? wanted.Substring(0, wanted.Length - Extension.Length) : wanted);
        var name = stem + Extension;
        for (var n = 2; !taken.Add(name); n++)
        {
            name = stem + "_" + n.ToString(System.Globalization.CultureInfo.InvariantCulture) + Extension;
        }

        return name;
    }

    // Letters, digits and a few separators stay; '@' (an escaped keyword) goes; anything else becomes '_'.
    private static string Sanitize(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (c == '@')
            {
                continue;
            }

            builder.Append(char.IsLetterOrDigit(c) || c is '.' or '_' or ' ' or '-' or ',' or '{' or '}' or '(' or ')' or '[' or ']' ? c : '_');
        }

        return builder.Length == 0 ? "_" : builder.ToString();
    }
}
