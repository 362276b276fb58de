using System;
using System.Collections.Generic;
using System.Linq;
using DiffGen.Generator.Analysis;
using DiffGen.Generator.Model;

namespace DiffGen.Generator.Differentiation;

/// <summary>
/// Finds a ReLU that gates a counted loop's reversed iterations (<see cref="IterationGate"/>): some
/// <c>g = max(0, v)</c> computed on every iteration such that, whenever <c>v &lt; 0</c>, every adjoint
/// update the reversed iteration makes outside itself adds an exact zero. The proof is a forward walk
/// over the reversed iteration: an adjoint local to the iteration stays zero while everything added
/// into it is zero; a contribution is zero when its source adjoint is, when it is the ReLU's own
/// derivative (0 for v &lt; 0), or when its partial is a factor that is zero (g itself, or a product
/// with g). Anything the walk does not understand (branches, nested loops, calls, resets) refuses the gate.
/// </summary>
/// <remarks>
/// Skipping an off unit drops its products with the incoming adjoint, which are zero for a finite
/// adjoint. With an infinite or NaN adjoint the dense sweep would produce NaN (0 · ∞) where the
/// gated sweep leaves 0, as PyTorch's ReLU backward does (a select, not a product).
/// </remarks>
internal static class IterationGates
{
    /// <summary>The ReLU's argument and its literal 0, or null when no ReLU gates the loop.</summary>
    public static (int Value, Operand Zero)? Find(
        LoopStatement loop,
        IReadOnlyList<SweepStatement> iteration,
        IrProgram program,
        IReadOnlyList<int> saved,
        Func<LoopStatement, bool> isVectorized)
    {
        if (loop.Control is not CountedLoop { Counter: var counter }
            || program.Variables[counter.Counter].Type.Name != "int"
            || IrQueries.Walk(loop.Body).OfType<LoopStatement>().Any(inner => !isVectorized(inner)))
        {
            return null;
        }

        // Replaying only some iterations leaves the restored primals at another iteration's values:
        // harmless only for values the body assigns (and nothing outside it) and does not carry to the next iteration.
        var definitions = IrQueries.DefinitionCounts(program.Body);
        var inBody = IrQueries.DefinitionCounts(loop.Body);
        if (saved.Any(v => !inBody.TryGetValue(v, out var count) || count != definitions[v] || loop.Latch.Any(l => l.Target == v)))
        {
            return null;
        }

        foreach (var relu in loop.Body.OfType<AssignStatement>())
        {
            if (ReluArgument(relu, program) is not { } argument
                || definitions[relu.Target] != 1
                || !iteration.OfType<AccumulateStatement>().Any(a => IsReluDerivative(a, relu.Target)))
            {
                continue;
            }

            if (AddsOnlyZerosWhenOff(iteration, relu.Target, ZeroWhenOff(loop.Body, relu.Target, definitions)))
            {
                return argument;
            }
        }

        return null;
    }

    // max(0, v) or max(v, 0) with v a floating-point variable: returns v and the literal 0.
    private static (int Value, Operand Zero)? ReluArgument(AssignStatement assignment, IrProgram program)
    {
        if (assignment.Operation is not IntrinsicCall { Function: "Max", Arguments: { Count: 2 } arguments })
        {
            return null;
        }

        foreach (var (zero, value) in new[] { (arguments[0], arguments[1]), (arguments[1], arguments[0]) })
        {
            if (Literals.FloatingValue(zero) == 0 && value is VariableOperand { Id: var id } && program.Variables[id].Type.IsFloating)
            {
                return (id, zero);
            }
        }

        return null;
    }

    // The line dv += dg · ∂max(0, v)/∂v: its partial is 0 wherever v < 0.
    private static bool IsReluDerivative(AccumulateStatement accumulate, int relu) =>
        accumulate.Result is VariableOperand { Id: var id } && id == relu;

    // The primals that are exactly 0 when the ReLU is off: g, and products, copies and negations of them.
    private static HashSet<int> ZeroWhenOff(EquatableArray<IrStatement> body, int relu, Dictionary<int, int> definitions)
    {
        var zero = new HashSet<int> { relu };
        bool IsZero(Operand operand) => operand is VariableOperand { Id: var id } && zero.Contains(id);
        foreach (var assignment in body.OfType<AssignStatement>().Where(a => definitions[a.Target] == 1))
        {
            var becomesZero = assignment.Operation switch
            {
                BinaryOperation { Operator: BinaryOperator.Multiply } product => IsZero(product.Left) || IsZero(product.Right),
                CopyOperation copy => IsZero(copy.Value),
                ConversionOperation conversion => IsZero(conversion.Value),
                UnaryOperation { Operator: UnaryOperator.Negate } negation => IsZero(negation.Value),
                _ => false,
            };
            if (becomesZero)
            {
                zero.Add(assignment.Target);
            }
        }

        return zero;
    }

    private static bool AddsOnlyZerosWhenOff(IReadOnlyList<SweepStatement> iteration, int relu, HashSet<int> zeroPrimals)
    {
        // Adjoints declared in this iteration, and whether anything nonzero has been added to them.
        var locals = new Dictionary<string, bool>(StringComparer.Ordinal);
        bool IsZeroLocal(string name) => locals.TryGetValue(name, out var nonzero) && !nonzero;

        foreach (var statement in iteration)
        {
            switch (statement)
            {
                case SweepComment or TapePop or PrimalStatement:
                    break;
                case DeclareZero declare:
                    foreach (var name in declare.Names)
                    {
                        locals[name] = false;
                    }

                    break;
                case AccumulateStatement accumulate:
                    var zero = accumulate.Source.Index is null && IsZeroLocal(accumulate.Source.Name)
                        || IsReluDerivative(accumulate, relu)
                        || IsZeroFactor(accumulate, zeroPrimals);
                    if (accumulate.Target.Index is null && (accumulate.Declare || locals.ContainsKey(accumulate.Target.Name)))
                    {
                        locals[accumulate.Target.Name] = (locals.TryGetValue(accumulate.Target.Name, out var before) && before && !accumulate.Declare) || !zero;
                    }
                    else if (!zero)
                    {
                        return false; // an adjoint outside the iteration would change
                    }

                    break;
                case ReverseDot dot when IsZeroLocal(dot.AccumulatorAdjoint):
                    break;
                case ProductAdjoint product when IsZeroLocal(product.AccumulatorAdjoint):
                    break;
                default:
                    return false;
            }
        }

        return true;
    }

    // A partial that is just one argument ({0} or {1}, as in ∂(a·b)/∂b = a), when that argument is 0.
    private static bool IsZeroFactor(AccumulateStatement accumulate, HashSet<int> zeroPrimals)
    {
        for (var i = 0; i < accumulate.Arguments.Count; i++)
        {
            if (accumulate.Partial.Derivative is RuleArgument { Index: var argument } && argument == i && accumulate.Arguments[i] is VariableOperand { Id: var id } && zeroPrimals.Contains(id))
            {
                return true;
            }
        }

        return false;
    }
}
