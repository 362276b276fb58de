using DiffGen.Generator.Model;

namespace DiffGen.Generator.Tests;

/// <summary>Literals read back as numbers, in the one place that does it, for every spelling the parser makes.</summary>
public class LiteralTests
{
    [Theory]
    [InlineData(5, "int", 5L)]
    [InlineData(-7L, "long", -7L)]
    [InlineData(9U, "uint", 9L)]
    [InlineData(3UL, "ulong", 3L)]
    [InlineData((short)-4, "short", -4L)]
    [InlineData((byte)200, "byte", 200L)]
    public void IntegerLiteralsOfEveryTypeReadBackAsTheirValue(object value, string typeName, long expected)
    {
        var literal = Literals.TryCreate(value, new TypeRef(typeName, ScalarKind.Integer))!;
        Assert.Equal(expected, Literals.IntegerValue(literal));
        Assert.Null(Literals.FloatingValue(literal));
        Assert.Equal(expected == 0, Literals.IsZero(literal));
    }

    [Fact]
    public void AUlongPastLongsRangeIsNoValueRatherThanAWrongOne()
    {
        var literal = Literals.TryCreate(ulong.MaxValue, new TypeRef("ulong", ScalarKind.Integer))!;
        Assert.Null(Literals.IntegerValue(literal));
    }

    [Theory]
    [InlineData(0.0, false)]
    [InlineData(0.0, true)]
    [InlineData(1.5, true)]
    [InlineData(1e-8, false)]
    [InlineData(-2.5e300, false)]
    [InlineData(double.NaN, false)]
    [InlineData(double.PositiveInfinity, true)]
    [InlineData(double.NegativeInfinity, false)]
    public void FloatingLiteralsReadBackAsTheirValue(double value, bool single)
    {
        var type = single ? TypeRef.Float : TypeRef.Double;
        var literal = Literals.TryCreate(value, type)!;
        var expected = single ? (float)value : value;
        Assert.Equal(expected, Literals.FloatingValue(literal));
        Assert.Null(Literals.IntegerValue(literal));
        Assert.Equal(value == 0, Literals.IsZero(literal));
    }

    [Fact]
    public void NegativeZeroIsZero()
    {
        var literal = Literals.TryCreate(-0.0, TypeRef.Double)!;
        Assert.Equal("-0.0", literal.Text);
        Assert.True(Literals.IsZero(literal));
    }

    [Fact]
    public void AVariableIsNoLiteral()
    {
        Assert.Null(Literals.IntegerValue(new VariableOperand(3)));
        Assert.Null(Literals.FloatingValue(new VariableOperand(3)));
        Assert.False(Literals.IsZero(new VariableOperand(3)));
    }
}
