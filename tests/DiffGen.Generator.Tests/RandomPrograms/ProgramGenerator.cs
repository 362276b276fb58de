using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using CsCheck;

namespace DiffGen.Generator.Tests.RandomPrograms;

/// <summary>
/// CsCheck generator of random well-formed [Differentiable] programs over what the generator supports:
/// every elementary function of the README's list (each kept inside its domain: logarithms, roots
/// and powers of e² + c, asin/acos/atanh of 0.9·tanh e, acosh of e² + c + 1), locals and reassignment, if/else, ?:, for and
/// while loops with random trip counts, break/continue/return inside them, array parameters, local
/// arrays, calls of other generated methods; double or float. The size CsCheck shrinks by is the number
/// of syntax nodes, so a failure is reported on the smallest failing program found.
/// </summary>
public sealed class ProgramGenerator : Gen<RandomProgram>
{
    private static int _ids;

    public override RandomProgram Generate(PCG pcg, Size? min, out Size size)
    {
        var builder = new Builder(pcg);
        var program = builder.Build(Interlocked.Increment(ref _ids));
        size = new Size((ulong)builder.Nodes);
        return program;
    }

    private sealed class Builder(PCG pcg)
    {
        private static readonly string[] Unary = ["Exp", "Sin", "Cos", "Tanh", "Atan", "Sinh", "Cosh", "Asinh", "Abs", "Cbrt", "Floor", "Ceiling", "Round", "Truncate", "Sign"];
        private static readonly string[] Comparisons = ["<", ">", "<=", ">="];

        private readonly List<Scope> _scopes = [];
        private readonly List<string> _localArrays = [];
        private readonly List<(string Name, int Bound)> _counters = [];
        private readonly List<Helper> _helpers = [];
        private bool _hasWeights;
        private bool _hasConstants;
        private int _names;
        private int _loopDepth;

        public int Nodes { get; private set; }

        private int Next(int bound) => (int)pcg.Next((uint)bound);

        private bool Chance(int percent) => Next(100) < percent;

        private double Uniform(double low, double high) => low + (high - low) * (pcg.Next() / (double)uint.MaxValue);

        private string Fresh(string prefix) => prefix + _names++;

        public RandomProgram Build(int id)
        {
            var isFloat = Chance(25);
            var scalars = 1 + Next(3);
            _hasWeights = Chance(50);
            _hasConstants = Chance(40);
            var n = 1 + Next(RandomProgram.ArrayLength);

            // Helpers first, each seeing only its own parameters (and calling only earlier helpers).
            var saved = (_hasWeights, _hasConstants);
            (_hasWeights, _hasConstants) = (false, false);
            for (var h = Next(3); h > 0; h--)
            {
                var parameters = Enumerable.Range(0, 1 + Next(2)).Select(i => "p" + i).ToList();
                _scopes.Add(new Scope(parameters));
                _helpers.Add(new Helper("H" + _helpers.Count, parameters, Expression(2)));
                _scopes.Clear();
            }

            (_hasWeights, _hasConstants) = saved;
            _scopes.Add(new Scope(Enumerable.Range(0, scalars).Select(i => "x" + i)));

            for (var a = Next(3); a > 0; a--)
            {
                _localArrays.Add(Fresh("a"));
            }

            var body = Block(2 + Next(5), depth: 0);
            var result = Expression(2);
            var point = Enumerable.Range(0, scalars + (_hasWeights ? RandomProgram.ArrayLength : 0)).Select(_ => Math.Round(Uniform(-1.5, 1.5), 3)).ToArray();
            var constants = Enumerable.Range(0, RandomProgram.ArrayLength).Select(_ => Math.Round(Uniform(-1, 1), 2)).ToArray();
            return new RandomProgram(id, isFloat, scalars, _hasWeights, _hasConstants, n, _localArrays, _helpers, body, result, point, constants);
        }

        private List<Stmt> Block(int statements, int depth)
        {
            _scopes.Add(new Scope([]));
            var block = new List<Stmt>();
            for (var i = 0; i < statements; i++)
            {
                block.Add(Statement(depth));
            }

            _scopes.RemoveAt(_scopes.Count - 1);
            return block;
        }

        private Stmt Statement(int depth)
        {
            Nodes++;
            var nested = depth < 2;
            var roll = Next(100);
            if (roll < 30)
            {
                var name = Fresh("v");
                var value = Expression(3);
                _scopes[^1].Names.Add(name);
                return new Declare(name, value);
            }

            if (roll < 50)
            {
                var target = Pick(_scopes.SelectMany(s => s.Names).ToList());
                return new Assign(target, new[] { "=", "+=", "-=", "*=" }[Next(4)], Expression(3));
            }

            if (roll < 60 && _localArrays.Count > 0)
            {
                return new ElementWrite(Pick(_localArrays), Index(), new[] { "=", "+=" }[Next(2)], Expression(2));
            }

            if (roll < 72 && nested)
            {
                var test = Test();
                var then = Block(1 + Next(3), depth + 1);
                return new If(test, then, Chance(50) ? Block(1 + Next(2), depth + 1) : null);
            }

            if (roll < 88 && nested)
            {
                var counter = Fresh("i");
                var trips = Chance(40) ? "n" : (1 + Next(RandomProgram.ArrayLength)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (Chance(50))
                {
                    return ReluLayer(counter, trips);
                }

                _counters.Add((counter, RandomProgram.ArrayLength));
                _loopDepth++;
                var body = Block(1 + Next(4), depth + 1);
                if (Chance(40))
                {
                    body.Insert(Next(body.Count + 1), Chance(50) ? new BreakIf(Test()) : new ReturnIf(Test(), Expression(2)));
                }

                var isWhile = Chance(35);
                if (!isWhile && Chance(30))
                {
                    body.Insert(Next(body.Count + 1), new ContinueIf(Test()));
                }

                _loopDepth--;
                _counters.RemoveAt(_counters.Count - 1);
                return isWhile ? new While(counter, trips, body) : new For(counter, trips, body);
            }

            if (roll < 92)
            {
                return new ReturnIf(Test(), Expression(2));
            }

            var fallback = Fresh("v");
            var initial = Expression(2);
            _scopes[^1].Names.Add(fallback);
            return new Declare(fallback, initial);
        }

        // A layer of ReLU units, the shape the generator gates: for (i …) { var z = …; t += max(0, z) · …; }.
        private Stmt ReluLayer(string counter, string trips)
        {
            var target = Pick(_scopes.SelectMany(s => s.Names).ToList());
            _counters.Add((counter, RandomProgram.ArrayLength));
            _loopDepth++;
            _scopes.Add(new Scope([]));
            var z = Fresh("z");
            var preactivation = new Declare(z, Expression(3));
            _scopes[^1].Names.Add(z);
            var relu = new Call("Max", Chance(50) ? [new Lit(0), new Var(z)] : [new Var(z), new Lit(0)]);
            var unit = new Assign(target, "+=", new Binary('*', relu, Expression(2)));
            _scopes.RemoveAt(_scopes.Count - 1);
            _loopDepth--;
            _counters.RemoveAt(_counters.Count - 1);
            return new For(counter, trips, [preactivation, unit]);
        }

        private Condition Test() => new(Expression(2), Comparisons[Next(Comparisons.Length)], Expression(1));

        private string Index() => _counters.Count > 0 && Chance(70)
            ? _counters[Next(_counters.Count)].Name
            : Next(RandomProgram.ArrayLength).ToString(System.Globalization.CultureInfo.InvariantCulture);

        private T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

        private Expr Expression(int depth)
        {
            Nodes++;
            if (depth <= 0 || Chance(25))
            {
                return Leaf();
            }

            var roll = Next(100);
            if (roll < 35)
            {
                var op = "+-*/"[Next(4)];
                var left = Expression(depth - 1);
                var right = Expression(depth - 1);
                return op == '/' ? new Binary('/', left, Positive(right)) : new Binary(op, left, right);
            }

            if (roll < 40)
            {
                return new Negate(Expression(depth - 1));
            }

            if (roll < 65)
            {
                return new Call(Unary[Next(Unary.Length)], [Expression(depth - 1)]);
            }

            if (roll < 80)
            {
                var a = Expression(depth - 1);
                return Next(19) switch
                {
                    17 => new Call("Max", [new Lit(0), a]),   // a ReLU: in a loop, it gates the reversed iterations
                    18 => new Call("Max", [a, new Lit(0)]),
                    0 => new Call("Log", [Positive(a)]),
                    9 => new Call("Log10", [Positive(a)]),
                    10 => new Call("Log2", [Positive(a)]),
                    11 => new Call("Asin", [Bounded(a)]),
                    12 => new Call("Acos", [Bounded(a)]),
                    13 => new Call("Atanh", [Bounded(a)]),
                    14 => new Call("Acosh", [new Binary('+', Positive(a), new Lit(1))]),
                    15 => new Call("Exp", [new Call("Sin", [a])]),
                    16 => new Call("Log", [Positive(a), new Lit(Math.Round(Uniform(1.5, 10), 1))]),
                    1 => new Call("Sqrt", [Positive(a)]),
                    2 => new Call("Pow", [Positive(a), Chance(50) ? new Lit(Math.Round(Uniform(-2, 3), 1)) : new Call("Tanh", [Expression(depth - 1)])]),
                    3 => new Call("Max", [a, Expression(depth - 1)]),
                    4 => new Call("Min", [a, Expression(depth - 1)]),
                    5 => new Call("Tan", [new Call("Sin", [a])]),
                    6 => new Call("Clamp", [a, new Lit(-0.75), new Lit(0.5)]),
                    7 => new Call("Hypot", [a, Positive(Expression(depth - 1))]),
                    _ => new Call("Atan2", [a, Positive(Expression(depth - 1))]),
                };
            }

            if (roll < 90)
            {
                return new Conditional(Test(), Expression(depth - 1), Expression(depth - 1));
            }

            if (_helpers.Count > 0)
            {
                var helper = Pick(_helpers);
                return new HelperCall(helper.Name, helper.Parameters.Select(_ => Expression(depth - 1)).ToList());
            }

            return new Call("FusedMultiplyAdd", [Expression(depth - 1), Expression(depth - 1), Expression(depth - 1)]);
        }

        /// <summary>0.9·tanh(e): inside (−1, 1), for asin, acos and atanh.</summary>
        private static Expr Bounded(Expr e) => new Binary('*', new Lit(0.9), new Call("Tanh", [e]));

        /// <summary>e² + c with c in [0.25, 1]: a positive argument for logarithms, roots, powers and divisions.</summary>
        private Expr Positive(Expr e) => new Binary('+', new Binary('*', e, e), new Lit(Math.Round(Uniform(0.25, 1), 2)));

        private Expr Leaf()
        {
            Nodes++;
            var roll = Next(100);
            if (roll < 20)
            {
                return new Lit(Math.Round(Uniform(-2, 2), 2));
            }

            if (roll < 35 && _hasWeights)
            {
                return new Element("w", Index());
            }

            if (roll < 42 && _hasConstants)
            {
                return new Element("c", Index());
            }

            if (roll < 52 && _localArrays.Count > 0)
            {
                return new Element(Pick(_localArrays), Index());
            }

            return new Var(Pick(_scopes.SelectMany(s => s.Names).ToList()));
        }
    }

    private sealed class Scope(IEnumerable<string> names)
    {
        public List<string> Names { get; } = names.ToList();
    }
}
