using System;

namespace DiffGen;

/// <summary>
/// Checks of hyperparameters, refused when given (as PyTorch's <c>ValueError</c>s) rather than
/// turning the parameters into NaN steps later. Every message names the valid range.
/// </summary>
internal static class Guard
{
    /// <summary>Finite and at least zero (learning rates, weight decay, momentum, ...).</summary>
    public static double NonNegative(double value, string name) =>
        double.IsFinite(value) && value >= 0 ? value : throw Out(value, name, "finite and >= 0");

    /// <summary>Finite and above zero (epsilon, gamma, division factors).</summary>
    public static double Positive(double value, string name) =>
        double.IsFinite(value) && value > 0 ? value : throw Out(value, name, "finite and > 0");

    /// <summary>In [0, 1) (Adam's betas, ReduceLROnPlateau's factor).</summary>
    public static double FractionBelowOne(double value, string name) =>
        value >= 0 && value < 1 ? value : throw Out(value, name, "in [0, 1)");

    /// <summary>In [0, 1] (dampening, RMSProp's alpha, OneCycleLR's pctStart).</summary>
    public static double Fraction(double value, string name) =>
        value >= 0 && value <= 1 ? value : throw Out(value, name, "in [0, 1]");

    /// <summary>Any finite number (means, bounds).</summary>
    public static double Finite(double value, string name) =>
        double.IsFinite(value) ? value : throw Out(value, name, "finite");

    /// <summary>A positive count (periods, fan-in).</summary>
    public static int Positive(int value, string name) =>
        value > 0 ? value : throw Out(value, name, "> 0");

    /// <summary>A count of zero or more (patience).</summary>
    public static int NonNegative(int value, string name) =>
        value >= 0 ? value : throw Out(value, name, ">= 0");

    /// <summary>The exception: the parameter's name, its value and the valid range.</summary>
    public static ArgumentOutOfRangeException Out(object value, string name, string range) =>
        new(name, value, $"{name} must be {range}; it is {value}.");
}
