using System.Collections.Generic;

namespace DiffGen.Generator.Model;

/// <summary>
/// Hands out identifiers for generated code that collide with nothing already taken: a wanted
/// name gets a trailing <c>_</c> until it is unique (the contract's rule for <c>dw</c>, <c>seed</c>).
/// </summary>
internal sealed class NameScope
{
    private readonly HashSet<string> _taken = new();

    public NameScope(IEnumerable<string> reserved)
    {
        foreach (var name in reserved)
        {
            _taken.Add(Unescape(name));
        }
    }

    /// <summary>Returns <paramref name="wanted"/>, or it with trailing underscores, and reserves it.</summary>
    public string Claim(string wanted)
    {
        var name = Unescape(wanted);
        while (!_taken.Add(name))
        {
            name += "_";
        }

        return name;
    }

    public bool IsTaken(string name) => _taken.Contains(Unescape(name));

    private static string Unescape(string name) => name.StartsWith("@", System.StringComparison.Ordinal) ? name.Substring(1) : name;
}
