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

    /// <summary>
    /// Returns <paramref name="wanted"/>, or it with trailing underscores, and reserves it; a C#
    /// keyword comes back escaped (<c>@int</c>), and an escape inside a name is dropped (<c>d@int</c> is <c>dint</c>).
    /// </summary>
    public string Claim(string wanted)
    {
        var name = Unescape(wanted);
        while (!_taken.Add(name))
        {
            name += "_";
        }

        return Keywords.Contains(name) ? "@" + name : name;
    }

    public bool IsTaken(string name) => _taken.Contains(Unescape(name));

    private static string Unescape(string name) => name.Replace("@", string.Empty);

    // C#'s reserved keywords: an identifier spelled like one must be written with '@'.
    private static readonly HashSet<string> Keywords = new(new[]
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const",
        "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern",
        "false", "finally", "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface",
        "internal", "is", "lock", "long", "namespace", "new", "null", "object", "operator", "out", "override",
        "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed", "short",
        "sizeof", "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try", "typeof",
        "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void", "volatile", "while",
    });
}
