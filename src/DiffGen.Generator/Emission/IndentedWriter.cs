using System.Text;

namespace DiffGen.Generator.Emission;

/// <summary>
/// Writes lines of C# at the current indentation, with <c>\n</c> line ends on every platform.
/// Indentation stops growing past <see cref="MaxDepth"/> levels, so that deeply nested code does not
/// make the file grow with the square of its depth.
/// </summary>
internal sealed class IndentedWriter
{
    private const int MaxDepth = 16;

    private readonly StringBuilder _text = new();
    private int _depth;

    public void Line(string line = "")
    {
        if (line.Length > 0)
        {
            _text.Append(' ', System.Math.Min(_depth, MaxDepth) * 4);
            _text.Append(line);
        }

        _text.Append('\n');
    }

    public void Open(string header)
    {
        Line(header);
        Line("{");
        _depth++;
    }

    public void Close(string suffix = "")
    {
        _depth--;
        Line("}" + suffix);
    }

    public override string ToString() => _text.ToString();
}
