using System;
using System.Collections.Generic;

namespace DiffGen.Tests;

/// <summary>
/// Hyperparameters outside their valid range are refused when given, as PyTorch refuses them
/// (issue 17), with an <see cref="ArgumentOutOfRangeException"/> naming the parameter and the range,
/// instead of turning the parameters into NaN steps later.
/// </summary>
public class HyperparameterValidationTests
{
    private static ParameterSet<double> Ps()
    {
        var parameters = new ParameterSet<double>();
        parameters.Add("p", 3);
        return parameters;
    }

    private static IOptimizer Sgd() => new Sgd<double>(Ps(), 0.1);

    /// <summary>Each case: a call, the parameter it must name, and a fragment of the range it must state.</summary>
    public static TheoryData<string, string, string> Cases() => new()
    {
        { "sgd lr -1", "learningRate", ">= 0" },
        { "sgd lr nan", "learningRate", ">= 0" },
        { "sgd lr inf", "learningRate", "finite" },
        { "sgd momentum -0.1", "momentum", ">= 0" },
        { "sgd momentum nan", "momentum", ">= 0" },
        { "sgd dampening -0.5", "dampening", "[0, 1]" },
        { "sgd dampening 2", "dampening", "[0, 1]" },
        { "sgd weightDecay -1", "weightDecay", ">= 0" },
        { "sgd nesterov no momentum", "nesterov", "momentum > 0" },
        { "sgd nesterov dampening", "nesterov", "dampening == 0" },
        { "adam beta1 1", "beta1", "[0, 1)" },
        { "adam beta1 -0.1", "beta1", "[0, 1)" },
        { "adam beta2 1", "beta2", "[0, 1)" },
        { "adam beta2 nan", "beta2", "[0, 1)" },
        { "adam epsilon 0", "epsilon", "> 0" },
        { "adam epsilon -1", "epsilon", "> 0" },
        { "adam weightDecay -0.01", "weightDecay", ">= 0" },
        { "adamw beta1 1", "beta1", "[0, 1)" },
        { "adamw weightDecay -1", "weightDecay", ">= 0" },
        { "adagrad lr -1", "learningRate", ">= 0" },
        { "adagrad lrDecay -1", "learningRateDecay", ">= 0" },
        { "adagrad weightDecay -1", "weightDecay", ">= 0" },
        { "adagrad initial -1", "initialAccumulatorValue", ">= 0" },
        { "adagrad epsilon 0", "epsilon", "> 0" },
        { "rmsprop alpha -0.5", "alpha", "[0, 1]" },
        { "rmsprop alpha 1.5", "alpha", "[0, 1]" },
        { "rmsprop epsilon 0", "epsilon", "> 0" },
        { "rmsprop weightDecay -1", "weightDecay", ">= 0" },
        { "rmsprop momentum -1", "momentum", ">= 0" },
        { "setter nan", "value", ">= 0" },
        { "setter -1", "value", ">= 0" },
        { "setter inf", "value", "finite" },
        { "clip norm nan", "maxNorm", ">= 0" },
        { "clip norm -1", "maxNorm", ">= 0" },
        { "clip value nan", "clipValue", ">= 0" },
        { "clip value -1", "clipValue", ">= 0" },
        { "he normal fanIn 0", "fanIn", "> 0" },
        { "he uniform fanIn -3", "fanIn", "> 0" },
        { "glorot uniform fanIn 0", "fanIn", "> 0" },
        { "glorot normal fanOut 0", "fanOut", "> 0" },
        { "normal std -1", "std", ">= 0" },
        { "normal mean nan", "mean", "finite" },
        { "uniform high < low", "high", ">= low" },
        { "uniform low nan", "low", "finite" },
        { "steplr stepSize 0", "stepSize", "> 0" },
        { "steplr gamma 0", "gamma", "> 0" },
        { "steplr gamma nan", "gamma", "> 0" },
        { "exponential gamma 0", "gamma", "> 0" },
        { "exponential gamma -1", "gamma", "> 0" },
        { "cosine tMax 0", "tMax", "> 0" },
        { "cosine etaMin -1", "etaMin", ">= 0" },
        { "warmup 0", "warmupSteps", "> 0" },
        { "warmup cosine total", "totalSteps", "> warmupSteps" },
        { "warmup cosine etaMin nan", "etaMin", ">= 0" },
        { "onecycle totalSteps 0", "totalSteps", "> 1" },
        { "onecycle max -1", "maxLearningRate", ">= 0" },
        { "onecycle pctStart 1.5", "pctStart", "[0, 1]" },
        { "onecycle divFactor 0", "divFactor", "> 0" },
        { "onecycle finalDivFactor 0", "finalDivFactor", "> 0" },
        { "plateau factor 1", "factor", "[0, 1)" },
        { "plateau factor -0.5", "factor", "[0, 1)" },
        { "plateau patience -1", "patience", ">= 0" },
        { "plateau threshold -1", "threshold", ">= 0" },
        { "plateau min nan", "minLearningRate", ">= 0" },
        { "lbfgs lr -1", "learningRate", ">= 0" },
        { "lbfgs lr nan", "learningRate", ">= 0" },
        { "lbfgs maxIterations 0", "maxIterations", "> 0" },
        { "lbfgs maxEvaluations 0", "maxEvaluations", "> 0" },
        { "lbfgs gradientTolerance -1", "gradientTolerance", ">= 0" },
        { "lbfgs changeTolerance nan", "changeTolerance", ">= 0" },
        { "lbfgs historySize 0", "historySize", "> 0" },
        { "lbfgs lineSearch 7", "lineSearch", "None or StrongWolfe" },
        { "lbfgs setter -1", "value", ">= 0" },
        { "lbfgs setter inf", "value", "finite" },
    };

    private static readonly Dictionary<string, Action> Calls = new()
    {
        ["sgd lr -1"] = () => new Sgd<double>(Ps(), -1),
        ["sgd lr nan"] = () => new Sgd<double>(Ps(), double.NaN),
        ["sgd lr inf"] = () => new Sgd<double>(Ps(), double.PositiveInfinity),
        ["sgd momentum -0.1"] = () => new Sgd<double>(Ps(), 0.1, momentum: -0.1),
        ["sgd momentum nan"] = () => new Sgd<double>(Ps(), 0.1, momentum: double.NaN),
        ["sgd dampening -0.5"] = () => new Sgd<double>(Ps(), 0.1, momentum: 0.9, dampening: -0.5),
        ["sgd dampening 2"] = () => new Sgd<double>(Ps(), 0.1, momentum: 0.9, dampening: 2),
        ["sgd weightDecay -1"] = () => new Sgd<double>(Ps(), 0.1, weightDecay: -1),
        ["sgd nesterov no momentum"] = () => new Sgd<double>(Ps(), 0.1, nesterov: true),
        ["sgd nesterov dampening"] = () => new Sgd<double>(Ps(), 0.1, momentum: 0.9, dampening: 0.1, nesterov: true),
        ["adam beta1 1"] = () => new Adam<double>(Ps(), beta1: 1),
        ["adam beta1 -0.1"] = () => new Adam<double>(Ps(), beta1: -0.1),
        ["adam beta2 1"] = () => new Adam<double>(Ps(), beta2: 1),
        ["adam beta2 nan"] = () => new Adam<double>(Ps(), beta2: double.NaN),
        ["adam epsilon 0"] = () => new Adam<double>(Ps(), epsilon: 0),
        ["adam epsilon -1"] = () => new Adam<double>(Ps(), epsilon: -1),
        ["adam weightDecay -0.01"] = () => new Adam<double>(Ps(), weightDecay: -0.01),
        ["adamw beta1 1"] = () => new AdamW<double>(Ps(), beta1: 1),
        ["adamw weightDecay -1"] = () => new AdamW<double>(Ps(), weightDecay: -1),
        ["adagrad lr -1"] = () => new AdaGrad<double>(Ps(), learningRate: -1),
        ["adagrad lrDecay -1"] = () => new AdaGrad<double>(Ps(), learningRateDecay: -1),
        ["adagrad weightDecay -1"] = () => new AdaGrad<double>(Ps(), weightDecay: -1),
        ["adagrad initial -1"] = () => new AdaGrad<double>(Ps(), initialAccumulatorValue: -1),
        ["adagrad epsilon 0"] = () => new AdaGrad<double>(Ps(), epsilon: 0),
        ["rmsprop alpha -0.5"] = () => new RmsProp<double>(Ps(), alpha: -0.5),
        ["rmsprop alpha 1.5"] = () => new RmsProp<double>(Ps(), alpha: 1.5),
        ["rmsprop epsilon 0"] = () => new RmsProp<double>(Ps(), epsilon: 0),
        ["rmsprop weightDecay -1"] = () => new RmsProp<double>(Ps(), weightDecay: -1),
        ["rmsprop momentum -1"] = () => new RmsProp<double>(Ps(), momentum: -1),
        ["setter nan"] = () => Sgd().LearningRate = double.NaN,
        ["setter -1"] = () => Sgd().LearningRate = -1,
        ["setter inf"] = () => Sgd().LearningRate = double.PositiveInfinity,
        ["clip norm nan"] = () => Clip.GradientsByNorm(Ps(), double.NaN),
        ["clip norm -1"] = () => Clip.GradientsByNorm(Ps(), -1),
        ["clip value nan"] = () => Clip.GradientsByValue(Ps(), double.NaN),
        ["clip value -1"] = () => Clip.GradientsByValue(Ps(), -1),
        ["he normal fanIn 0"] = () => Init.HeNormal(new double[3], fanIn: 0, seed: 1),
        ["he uniform fanIn -3"] = () => Init.HeUniform(new double[3], fanIn: -3, seed: 1),
        ["glorot uniform fanIn 0"] = () => Init.GlorotUniform(new double[3], fanIn: 0, fanOut: 2, seed: 1),
        ["glorot normal fanOut 0"] = () => Init.GlorotNormal(new double[3], fanIn: 2, fanOut: 0, seed: 1),
        ["normal std -1"] = () => Init.Normal(new double[3], mean: 0, std: -1, seed: 1),
        ["normal mean nan"] = () => Init.Normal(new double[3], mean: double.NaN, std: 1, seed: 1),
        ["uniform high < low"] = () => Init.Uniform(new double[3], low: 1, high: -1, seed: 1),
        ["uniform low nan"] = () => Init.Uniform(new double[3], low: double.NaN, high: 1, seed: 1),
        ["steplr stepSize 0"] = () => new StepLR(Sgd(), stepSize: 0),
        ["steplr gamma 0"] = () => new StepLR(Sgd(), stepSize: 3, gamma: 0),
        ["steplr gamma nan"] = () => new StepLR(Sgd(), stepSize: 3, gamma: double.NaN),
        ["exponential gamma 0"] = () => new ExponentialLR(Sgd(), gamma: 0),
        ["exponential gamma -1"] = () => new ExponentialLR(Sgd(), gamma: -1),
        ["cosine tMax 0"] = () => new CosineAnnealingLR(Sgd(), tMax: 0),
        ["cosine etaMin -1"] = () => new CosineAnnealingLR(Sgd(), tMax: 5, etaMin: -1),
        ["warmup 0"] = () => new LinearWarmup(Sgd(), warmupSteps: 0),
        ["warmup cosine total"] = () => new WarmupCosineLR(Sgd(), warmupSteps: 5, totalSteps: 5),
        ["warmup cosine etaMin nan"] = () => new WarmupCosineLR(Sgd(), warmupSteps: 5, totalSteps: 10, etaMin: double.NaN),
        ["onecycle totalSteps 0"] = () => new OneCycleLR(Sgd(), maxLearningRate: 1, totalSteps: 0),
        ["onecycle max -1"] = () => new OneCycleLR(Sgd(), maxLearningRate: -1, totalSteps: 10),
        ["onecycle pctStart 1.5"] = () => new OneCycleLR(Sgd(), maxLearningRate: 1, totalSteps: 10, pctStart: 1.5),
        ["onecycle divFactor 0"] = () => new OneCycleLR(Sgd(), maxLearningRate: 1, totalSteps: 10, divFactor: 0),
        ["onecycle finalDivFactor 0"] = () => new OneCycleLR(Sgd(), maxLearningRate: 1, totalSteps: 10, finalDivFactor: 0),
        ["plateau factor 1"] = () => new ReduceLROnPlateau(Sgd(), factor: 1),
        ["plateau factor -0.5"] = () => new ReduceLROnPlateau(Sgd(), factor: -0.5),
        ["plateau patience -1"] = () => new ReduceLROnPlateau(Sgd(), patience: -1),
        ["plateau threshold -1"] = () => new ReduceLROnPlateau(Sgd(), threshold: -1),
        ["plateau min nan"] = () => new ReduceLROnPlateau(Sgd(), minLearningRate: double.NaN),
        ["lbfgs lr -1"] = () => new Lbfgs<double>(Ps(), learningRate: -1),
        ["lbfgs lr nan"] = () => new Lbfgs<double>(Ps(), learningRate: double.NaN),
        ["lbfgs maxIterations 0"] = () => new Lbfgs<double>(Ps(), maxIterations: 0),
        ["lbfgs maxEvaluations 0"] = () => new Lbfgs<double>(Ps(), maxEvaluations: 0),
        ["lbfgs gradientTolerance -1"] = () => new Lbfgs<double>(Ps(), gradientTolerance: -1),
        ["lbfgs changeTolerance nan"] = () => new Lbfgs<double>(Ps(), changeTolerance: double.NaN),
        ["lbfgs historySize 0"] = () => new Lbfgs<double>(Ps(), historySize: 0),
        ["lbfgs lineSearch 7"] = () => new Lbfgs<double>(Ps(), lineSearch: (LbfgsLineSearch)7),
        ["lbfgs setter -1"] = () => new Lbfgs<double>(Ps()).LearningRate = -1,
        ["lbfgs setter inf"] = () => new Lbfgs<double>(Ps()).LearningRate = double.PositiveInfinity,
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void OutOfRangeHyperparametersAreRefusedNamingTheParameterAndTheRange(string call, string parameter, string range)
    {
        var exception = Assert.Throws<ArgumentOutOfRangeException>(Calls[call]);
        Assert.Equal(parameter, exception.ParamName);
        Assert.Contains(range, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryCaseHasACall() => Assert.Equal(Calls.Count, Cases().Count);

    [Fact]
    public void TheLimitsThemselvesAreAccepted()
    {
        _ = new Sgd<double>(Ps(), 0, momentum: 0, dampening: 1, weightDecay: 0);
        _ = new Sgd<double>(Ps(), 0.1, momentum: 0.9, nesterov: true);
        _ = new Adam<double>(Ps(), beta1: 0, beta2: 0, weightDecay: 0);
        _ = new RmsProp<double>(Ps(), alpha: 0);
        _ = new RmsProp<double>(Ps(), alpha: 1);
        _ = new AdaGrad<double>(Ps(), learningRateDecay: 0, initialAccumulatorValue: 0);
        Assert.Equal(0.0, Clip.GradientsByNorm(Ps(), 0));
        Clip.GradientsByNorm(Ps(), double.PositiveInfinity);
        Clip.GradientsByValue(Ps(), 0);
        Init.Normal(new double[3], mean: 0, std: 0, seed: 1);
        Init.Uniform(new double[3], low: 1, high: 1, seed: 1);
        _ = new OneCycleLR(Sgd(), maxLearningRate: 1, totalSteps: 10, pctStart: 0);
        _ = new OneCycleLR(Sgd(), maxLearningRate: 1, totalSteps: 10, pctStart: 1);
        _ = new ReduceLROnPlateau(Sgd(), factor: 0, patience: 0, threshold: 0);
        _ = new Lbfgs<double>(Ps(), learningRate: 0, maxIterations: 1, maxEvaluations: 1, gradientTolerance: 0, changeTolerance: 0, historySize: 1);
        var optimizer = Sgd();
        optimizer.LearningRate = 0;
        Assert.Equal(0, optimizer.LearningRate);
    }
}
