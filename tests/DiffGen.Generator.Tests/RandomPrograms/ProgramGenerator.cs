using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using CsCheck;

namespace DiffGen.Generator.Tests.RandomPrograms;

/// <summary>A shape DiffGen must reject with a diagnostic rather than differentiate wrongly.</summary>
public enum Rejection
{
    None,

    /// <summary>DG0014: a value depending on a differentiable input passed to a [NoDerivative] parameter.</summary>
    ActiveConstantArgument,

    /// <summary>DG0015: a local array written after it is passed to a helper.</summary>
    ArrayWrittenAfterCall,
}

/// <summary>
/// CsCheck generator of random well-formed [Differentiable] programs over what the generator supports:
/// every elementary function of the README's list (each kept inside its domain: logarithms, roots
/// and powers of e² + c, asin/acos/atanh of 0.9·tanh e, acosh of e² + c + 1), locals and reassignment, if/else, ?:,
/// switch, for/while/do/foreach loops with random trip counts and counters of every integer type counting
/// either way, break/continue/return inside them, array parameters, local arrays and stackalloc spans, calls of
/// other generated methods (named arguments, [NoDerivative] and array parameters); double or float. Besides
/// the random statements it writes templates of patterns users write (see <see cref="Shapes"/>): sibling
/// inner loops, softmax and log-sum-exp rows, expressions of hundreds of terms, deep if/else nests with early
/// returns, local arrays passed to helpers. The size CsCheck shrinks by is the number of syntax nodes, so a
/// failure is reported on the smallest failing program found.
/// </summary>
public sealed class ProgramGenerator(Rejection rejection = Rejection.None) : Gen<RandomProgram>
{
    /// <summary>Every shape a program records, so that a tally can show (and fail on) a shape never generated.</summary>
    public static readonly IReadOnlyList<string> Shapes =
    [
        "sibling-loops", "sibling-loops-copy", "sibling-loops-product", "sibling-loops-while-outer",
        "softmax-row", "log-sum-exp-row",
        "named-arguments", "named-argument-side-effect", "constant-argument",
        "counter-uint", "counter-long", "counter-ulong", "counter-down", "counter-inclusive",
        "switch", "do-while", "foreach-parameter", "foreach-local", "modulo-index", "checked-index", "stackalloc-span",
        "long-sum", "long-product", "deep-if", "nested-early-returns",
        "array-helper-local", "array-helper-parameter",
        "helper-unmarked", "helper-returns-array", "helper-array-element", "helper-returns-tuple", "helper-tuple-item", "array-per-iteration", "slice-argument", "helper-early-return", "array-reassigned", "array-swap",
        "linq-sum", "linq-max", "linq-min", "linq-average", "linq-zipsum", "matrix-local", "local-function-early-return",
        "model-instance", "model-array-element", "model-nullable-member", "model-init-only", "model-enum-member", "helper-vector-valued",
        "matrix-product-nest", "zero-array-per-iteration-argument", "counter-offset-test",
        "wide-unit-loop", "wide-unit-loop-relu", "wide-unit-loop-inclusive", "self-compared-constant",
        "sigmoid-unit-loop", "sigmoid-unit-loop-strided", "sigmoid-unit-loop-overlapping", "sigmoid-unit-loop-fixed-weight", "sigmoid-unit-loop-counter",
    ];

    private static int _ids;

    public override RandomProgram Generate(PCG pcg, Size? min, out Size size)
    {
        var builder = new Builder(pcg, rejection);
        var program = builder.Build(Interlocked.Increment(ref _ids));
        size = new Size((ulong)builder.Nodes);
        return program;
    }

    /// <summary>A loop counter in scope: its name, how it counts, and the C# of the index it stands for.</summary>
    private sealed record Counter(string Name, Counting Counting)
    {
        public string Index => Counting.Index(Name);
    }

    private sealed class Builder(PCG pcg, Rejection rejection)
    {
        private static readonly string[] Unary = ["Exp", "Sin", "Cos", "Tanh", "Atan", "Sinh", "Cosh", "Asinh", "Abs", "Cbrt", "Floor", "Ceiling", "Round", "Truncate", "Sign"];
        private static readonly string[] Comparisons = ["<", ">", "<=", ">="];
        private static readonly string[] IntegerTypes = ["int", "uint", "long", "ulong"];

        private readonly List<Scope> _scopes = [];
        private readonly List<LocalArray> _localArrays = [];

        // Arrays the body may read (w, c, locals, spans, arrays already passed to helpers) and those it may write.
        private readonly List<LocalArray> _readable = [];
        private readonly List<LocalArray> _writable = [];

        // Local arrays filled and passed to a helper: never written again (DG0015), so any later call may pass them.
        private readonly List<string> _frozen = [];
        private readonly List<Counter> _counters = [];
        private readonly List<Helper> _helpers = [];
        private readonly HashSet<string> _shapes = [];
        private bool _hasWeights;
        private bool _hasConstants;
        private bool _inHelper;
        private bool _helperMarked;
        private bool _inLambda;
        private readonly List<string> _matrices = [];

        // "row, column" of a 2 × 3 matrix: literals or loop counters modulo the dimension.
        private string MatrixCell()
        {
            string Dimension(int size) => _counters.Count > 0 && Chance(60) ? "(int)(" + Pick(_counters).Index + " % " + Text(size) + ")" : Text(Next(size));
            return Dimension(2) + ", " + Dimension(3);
        }

        // A rejected shape is placed at the end of the body: no return may make it unreachable (it would then rightly go unreported).
        private bool MayReturn => rejection == Rejection.None;
        private readonly List<string> _iterated = [];

        private int _names;
        private int _loopDepth;

        public int Nodes { get; private set; }

        private int Next(int bound) => (int)pcg.Next((uint)bound);

        private bool Chance(int percent) => Next(100) < percent;

        private double Uniform(double low, double high) => low + (high - low) * (pcg.Next() / (double)uint.MaxValue);

        private string Fresh(string prefix) => prefix + _names++;

        private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

        public RandomProgram Build(int id)
        {
            var isFloat = Chance(25);
            var scalars = 1 + Next(3);
            _hasWeights = Chance(50);
            _hasConstants = Chance(40);
            var n = 1 + Next(RandomProgram.ArrayLength);

            // Helpers first, each seeing only its own parameters (and calling only earlier helpers).
            _inHelper = true;
            for (var h = Next(4); h > 0; h--)
            {
                var roll = Next(100);
                _helperMarked = roll >= 25 && roll < 55 ? Chance(50) : Chance(75); // decided first: an unmarked helper's array is a span
                var helper = roll < 25 ? ArrayHelper() : roll < 40 ? ArrayResultHelper() : roll < 55 ? TupleHelper() : ScalarHelper(Chance(30));
                _helpers.Add(helper with { Marked = _helperMarked });
                if (_helperMarked && helper.Returns == HelperResult.Array)
                {
                    _shapes.Add("helper-vector-valued"); // its Jacobian and product are checked against dual numbers
                }
            }

            // A rejected shape's helper, last: its [NoDerivative] k or its array q matters to its value (were it
            // unused, nothing would be lost and no diagnostic due).
            if (rejection == Rejection.ActiveConstantArgument)
            {
                _helpers.Add(new Helper("H" + _helpers.Count, [new("p0", ParameterKind.Scalar), new("k", ParameterKind.ConstantArray)], [],
                    new Binary('+', new Binary('*', new Element("k", "0"), new Call("Sin", [new Var("p0")])), new Binary('*', new Element("k", "1"), new Element("k", "1")))));
            }

            if (rejection == Rejection.ArrayWrittenAfterCall)
            {
                _helpers.Add(new Helper("H" + _helpers.Count, [new("q", ParameterKind.Array), new("p0", ParameterKind.Scalar)],
                    [new Declare("s", new Lit(0)), new For("j", "q.Length", [new Assign("s", "+=", new Binary('*', new Element("q", "j"), new Element("q", "j")))])],
                    new Binary('*', new Var("s"), new Var("p0"))));
            }

            _inHelper = false;
            _scopes.Add(new Scope(Enumerable.Range(0, scalars).Select(i => "x" + i)));

            // A model program: x0…, w are the fields of a class and F its instance method, reading them as written.
            _asModel = rejection == Rejection.None && Chance(15);
            if (_asModel)
            {
                _scopes.Add(new Scope(["acc"]));
                _shapes.Add("model-instance");

                // Half of them keep w in an element of an array of models: the body reads parts[1].w.
                if (_hasWeights && Chance(50))
                {
                    _weightsInArray = true;
                    _shapes.Add("model-array-element");
                }
                else if (_hasWeights && Chance(40))
                {
                    // Others keep it in a nested part annotated nullable: the body reads inner!.w (generated code must read it so too).
                    _weightsInNullable = true;
                    _shapes.Add("model-nullable-member");
                }

                // Half declare the scalars init-only properties: their gradients go through [UnsafeAccessor]s to the fields behind them.
                if (Chance(50))
                {
                    _initOnly = true;
                    _shapes.Add("model-init-only");
                }

                // Some switch on an enum member of the model and compare it, as a model's mode or activation is read.
                if (Chance(40))
                {
                    _enumMode = true;
                    _shapes.Add("model-enum-member");
                }
            }
            if (_hasWeights)
            {
                _readable.Add(new LocalArray("w", false));
            }

            if (_hasConstants)
            {
                _readable.Add(new LocalArray("c", false));
            }

            for (var a = Next(3); a > 0; a--)
            {
                var array = NewLocalArray(Chance(30));
                _readable.Add(array);
                _writable.Add(array);
            }

            // An array a helper returns, read (and written) by the whole body.
            Stmt? made = null;
            if (_helpers.Any(h => h.Returns == HelperResult.Array) && Chance(50))
            {
                var call = Invoke(Pick(_helpers.Where(h => h.Returns == HelperResult.Array).ToList()), 2);
                var array = new LocalArray(Fresh("r"), false);
                made = new DeclareArrayFrom(array.Name, call);
                _readable.Add(array);
                _writable.Add(array);
                _shapes.Add("helper-returns-array");
            }

            // A 2 × 3 matrix the body reads and writes (rows and columns differ, so a swapped index shows).
            if (Chance(20))
            {
                _matrices.Add(Fresh("m"));
                _shapes.Add("matrix-local");
            }

            var body = Block(2 + Next(5), depth: 0, deepIf: Chance(15));
            if (made is not null)
            {
                body.Insert(0, made);
            }

            foreach (var matrix in _matrices)
            {
                body.Insert(0, new DeclareMatrix(matrix));
            }

            if (_asModel)
            {
                body.Insert(0, new Declare("acc", new Lit(0)));
            }

            var result = Expression(2);
            if (rejection != Rejection.None)
            {
                result = Rejected(body, result);
            }

            var point = Enumerable.Range(0, scalars + (_hasWeights ? RandomProgram.ArrayLength : 0)).Select(_ => Math.Round(Uniform(-1.5, 1.5), 3)).ToArray();
            var constants = Enumerable.Range(0, RandomProgram.ArrayLength).Select(_ => Math.Round(Uniform(-1, 1), 2)).ToArray();
            return new RandomProgram(id, isFloat, scalars, _hasWeights, _hasConstants, n, _localArrays, _helpers, body, result, point, constants, _shapes, _asModel, _weightsInArray, _initOnly, _enumMode, _weightsInNullable);
        }

        private LocalArray NewLocalArray(bool span)
        {
            var array = new LocalArray(Fresh(span ? "s" : "a"), span);
            _localArrays.Add(array);
            if (span)
            {
                _shapes.Add("stackalloc-span");
            }

            return array;
        }

        private static bool IsArrayHelper(Helper helper) => helper.Parameters.Any(p => p.Kind == ParameterKind.Array);

        // h(p0, p1[, [NoDerivative] k]) => expression.
        private Helper ScalarHelper(bool withConstant)
        {
            var parameters = Enumerable.Range(0, 1 + Next(3)).Select(i => new HelperParameter("p" + i, ParameterKind.Scalar)).ToList();
            if (withConstant)
            {
                parameters.Insert(Next(parameters.Count + 1), new HelperParameter("k", ParameterKind.Constant));
            }

            _scopes.Add(new Scope(parameters.Select(p => p.Name)));
            // Sometimes a return before the last (if (…) return …; return …;).
            List<Stmt> body = Chance(30) ? [new ReturnIf(Test(), Expression(2))] : [];
            var helper = new Helper("H" + _helpers.Count, parameters, body, Expression(2));
            _scopes.Clear();
            return helper;
        }

        // g(double[] q, p0[, [NoDerivative] k]) { double s = 0; for (j < q.Length) s += …q[j]…; return …s…; }, or the
        // loop a foreach over q.
        private Helper ArrayHelper()
        {
            var parameters = new List<HelperParameter> { new("q", ParameterKind.Array), new("p0", ParameterKind.Scalar) };
            if (Chance(30))
            {
                parameters.Add(new HelperParameter("k", ParameterKind.Constant));
            }

            if (Chance(50))
            {
                (parameters[0], parameters[1]) = (parameters[1], parameters[0]);
            }

            _scopes.Add(new Scope(parameters.Where(p => p.Kind != ParameterKind.Array).Select(p => p.Name)));
            _readable.Add(new LocalArray("q", false));
            var sum = Fresh("s");
            var body = new List<Stmt> { new Declare(sum, new Lit(0)) };
            if (Chance(70))
            {
                var counter = new Counter(Fresh("j"), Counting.Default);
                _counters.Add(counter);
                body.Add(new For(counter.Name, "q.Length", [new Assign(sum, "+=", Expression(2))]));
                _counters.Clear();
            }
            else
            {
                var element = Fresh("e");
                _scopes.Add(new Scope([]) { ReadOnly = { element } });
                body.Add(new Foreach(element, "q", [new Assign(sum, "+=", Expression(2))]));
                _scopes.RemoveAt(_scopes.Count - 1);
            }

            _scopes[^1].Names.Add(sum);
            var helper = new Helper("H" + _helpers.Count, parameters, body, Expression(2));
            _scopes.Clear();
            _readable.Clear();
            return helper;
        }

        // h(p0[, p1]) { var r = new T[4]; for (j < 4) [if (…)] r[j] = …; return r; }: a new array, sometimes only partly written.
        private Helper ArrayResultHelper()
        {
            var parameters = Enumerable.Range(0, 1 + Next(2)).Select(i => new HelperParameter("p" + i, ParameterKind.Scalar)).ToList();
            _scopes.Add(new Scope(parameters.Select(p => p.Name)));
            var result = Fresh("r");
            var counter = new Counter(Fresh("j"), Counting.Default);
            _counters.Add(counter);
            Stmt write = new ElementWrite(result, counter.Name, "=", Expression(2));
            if (Chance(30))
            {
                write = new If(Test(), [write], null);
            }

            var body = new List<Stmt> { new DeclareArray(result), new For(counter.Name, Text(RandomProgram.ArrayLength), [write]) };
            _counters.Clear();
            _scopes.Clear();
            return new Helper("H" + _helpers.Count, parameters, body, new Var(result), Returns: HelperResult.Array);
        }

        // h(p0[, p1]) => (…, …).
        private Helper TupleHelper()
        {
            var parameters = Enumerable.Range(0, 1 + Next(2)).Select(i => new HelperParameter("p" + i, ParameterKind.Scalar)).ToList();
            _scopes.Add(new Scope(parameters.Select(p => p.Name)));
            var helper = new Helper("H" + _helpers.Count, parameters, [], Expression(2), Returns: HelperResult.Tuple, Second: Expression(2));
            _scopes.Clear();
            return helper;
        }

        // The rejected shape at the end of the body, its value added to the result so that the call matters.
        private Expr Rejected(List<Stmt> body, Expr result)
        {
            // A copy of an input made before the body can overwrite it with a constant: it stays active.
            var value = Fresh("v");
            var x = new Var(Fresh("keep"));
            body.Insert(0, new Declare(x.Name, new Var("x" + Next(_scopes[0].Names.Count))));
            if (rejection == Rejection.ActiveConstantArgument)
            {
                // A varied array into a [NoDerivative] array: there is no full gradient for arrays.
                var helper = _helpers[^1];
                var array = NewLocalArray(span: false);
                var counter = new Counter(Fresh("i"), Counting.Default);
                body.Add(new For(counter.Name, Text(RandomProgram.ArrayLength), [new ElementWrite(array.Name, counter.Name, "=", new Binary('*', x, Leaf()))]));
                _frozen.Add(array.Name);
                body.Add(new Declare(value, new HelperCall(helper.Name, Arguments(helper, 1, array.Name))));
                _shapes.Add("rejected-DG0014");
            }
            else
            {
                // Varied or constant: the callee's pullback reads the array's elements either way (a constant array
                // refilled after the call was once differentiated with its last contents, silently).
                var helper = _helpers[^1];
                var array = NewLocalArray(span: false);
                var counter = new Counter(Fresh("i"), Counting.Default);
                var constant = Chance(50);
                body.Add(new For(counter.Name, Text(RandomProgram.ArrayLength), [new ElementWrite(array.Name, counter.Name, "=", constant ? new Lit(1 + Next(3)) : new Binary('+', x, new Lit(1)))]));
                _frozen.Add(array.Name);
                var arguments = constant ? [new Var(array.Name), x] : Arguments(helper, 1, array.Name); // a constant array matters through a varied p0
                body.Add(new Declare(value, new HelperCall(helper.Name, arguments)));
                body.Add(new ElementWrite(array.Name, Text(Next(RandomProgram.ArrayLength)), "=", constant ? new Lit(5) : new Binary('*', x, x)));
                _shapes.Add(constant ? "rejected-DG0015-constant-array" : "rejected-DG0015");
            }

            return new Binary('+', result, new Var(value));
        }

        private List<Stmt> Block(int statements, int depth, bool deepIf = false)
        {
            _scopes.Add(new Scope([]));
            var block = new List<Stmt>();

            // The deep nest anywhere in the block (what follows a nest with early returns runs under the returned
            // flag), generated in its place so that it reads only what is declared before it.
            var nestAt = deepIf ? Next(statements + 1) : -1;
            for (var i = 0; i <= statements; i++)
            {
                if (i == nestAt && MayReturn)
                {
                    block.Add(DeepIf());
                }

                if (i < statements)
                {
                    block.Add(Statement(depth));
                }
            }

            _scopes.RemoveAt(_scopes.Count - 1);
            return block;
        }

        // A model's members are read-only: in a model program the parameters' scope (the first) is not written.
        private List<string> Writable() => _scopes.Skip(_asModel ? 1 : 0).SelectMany(s => s.Names).ToList();

        private bool _asModel;
        private bool _weightsInArray;
        private bool _weightsInNullable;
        private bool _initOnly;
        private bool _enumMode;

        private Stmt Statement(int depth)
        {
            Nodes++;

            // About one template per program, mostly at the top level.
            if (depth == 0 && Chance(30) || depth == 1 && Chance(8))
            {
                return Template(depth);
            }

            var nested = depth < 2;
            var roll = Next(100);
            if (roll < 28)
            {
                return Declaration(Expression(3));
            }

            if (roll < 46)
            {
                return Chance(4) ? SelfComparedConstant() : new Assign(Pick(Writable()), new[] { "=", "+=", "-=", "*=" }[Next(4)], Expression(3));
            }

            if (roll < 56 && _matrices.Count > 0 && !_inHelper && Chance(30))
            {
                var op = new[] { "=", "+=", "-=", "*=" }[Next(4)];
                return new ElementWrite(Pick(_matrices), MatrixCell(), op, Expression(2));
            }

            if (roll < 56 && _writable.Count > 0)
            {
                var array = Pick(_writable);
                var op = new[] { "=", "+=", "-=", "*=", "/=" }[Next(5)];
                return new ElementWrite(array.Name, Index(array), op, op == "/=" ? Positive(Expression(2)) : Expression(2));
            }

            if (roll < 66 && nested)
            {
                var test = Test();
                var then = Block(1 + Next(3), depth + 1);
                return new If(test, then, Chance(50) ? Block(1 + Next(2), depth + 1) : null);
            }

            if (roll < 70 && nested)
            {
                return SwitchStatement(depth);
            }

            if (roll < 88 && nested)
            {
                return Loop(depth);
            }

            if (roll < 92 && MayReturn)
            {
                return new ReturnIf(Test(), Expression(2));
            }

            if (roll >= 92 && roll < 94 && !_inHelper && !_inLambda && MayReturn && Writable().Count > 0)
            {
                return LocalFunctionAndCall();
            }

            if (roll < 96 && _helpers.Any(h => h.Returns == HelperResult.Tuple))
            {
                var call = Invoke(Pick(_helpers.Where(h => h.Returns == HelperResult.Tuple).ToList()), 2);
                var (first, second) = (Fresh("v"), Fresh("v"));
                _scopes[^1].Names.Add(first);
                _scopes[^1].Names.Add(second);
                _shapes.Add("helper-returns-tuple");
                return new DeconstructCall(first, second, call);
            }

            return Declaration(Expression(2));
        }

        // { c = a; c += b; o += c > c ? e : f; }: a local whose every value is a constant, read only by a comparison with
        // itself. When such a comparison was spelled as what it gives (false) it read the local no more, which was then
        // assigned constants never used: CS0219 in every generated file (seed 3ew7fwTQPiZ2).
        private Stmt SelfComparedConstant()
        {
            _shapes.Add("self-compared-constant");
            var c = Fresh("c");
            var op = new[] { ">", "<", ">", "<", "<=", ">=" }[Next(6)]; // the comparisons the dual-number twin has
            var test = new Condition(new Var(c), op, new Var(c));
            return new BlockStatement([
                new Declare(c, new Lit(Math.Round(Uniform(-1, 1), 2))),
                new Assign(c, "+=", new Lit(Math.Round(Uniform(-1, 1), 2))),
                new Assign(Pick(Writable()), "+=", new Conditional(test, Expression(2), Expression(2))),
            ]);
        }

        private Declare Declaration(Expr value)
        {
            var name = Fresh("v");
            _scopes[^1].Names.Add(name);
            return new Declare(name, value);
        }

        private Stmt Loop(int depth)
        {
            var trips = Trips();
            var roll = Next(100);
            if (roll < 40)
            {
                // Mostly counted the usual way, the loop DiffGen gates (its other countings are tested by the other loops).
                return ReluLayer(Fresh("i"), trips, Chance(75) ? Counting.Default : NewCounting());
            }

            if (roll < 50)
            {
                if (_readable.Count > 0)
                {
                    var array = Pick(_readable);
                    var element = Fresh("e");
                    _shapes.Add(array.Name is "w" or "c" ? "foreach-parameter" : "foreach-local");
                    _iterated.Add(array.Name); // C# iterates the array it had at the start: never assigned inside (DG0008)
                    var foreachBody = LoopBody(null, depth, element, canContinue: true);
                    _iterated.RemoveAt(_iterated.Count - 1);
                    return new Foreach(element, array.Name, foreachBody);
                }
            }

            var counter = new Counter(Fresh("i"), roll < 80 ? NewCounting() : Counting.Default);
            if (roll < 80)
            {
                return new For(counter.Name, trips, LoopBody(counter, depth, null, canContinue: true), counter.Counting);
            }

            if (roll < 88)
            {
                // With the increment in the condition, continue still counts; after the body, it would skip it.
                var incrementInCondition = Chance(50);
                _shapes.Add("do-while");
                return new DoWhile(counter.Name, trips, LoopBody(counter, depth, null, canContinue: incrementInCondition), incrementInCondition);
            }

            return new While(counter.Name, trips, LoopBody(counter, depth, null, canContinue: false));
        }

        // A loop body of random statements with, sometimes, a break or return and a continue at a random place.
        private List<Stmt> LoopBody(Counter? counter, int depth, string? element, bool canContinue)
        {
            if (counter is not null)
            {
                _counters.Add(counter);
            }

            _loopDepth++;
            _scopes.Add(new Scope([]));
            if (element is not null)
            {
                _scopes[^1].ReadOnly.Add(element);
            }

            // A new array each iteration, made here or returned by a helper, first in the body.
            Stmt? declaration = null;
            LocalArray? fresh = null;
            if (Chance(30))
            {
                var makers = _helpers.Where(h => h.Returns == HelperResult.Array).ToList();
                var call = makers.Count > 0 && Chance(50) ? Invoke(Pick(makers), 2) : null;
                fresh = new LocalArray(Fresh(call is null ? "a" : "r"), false);
                declaration = call is null ? new DeclareArray(fresh.Name) : new DeclareArrayFrom(fresh.Name, call);
                _shapes.Add(call is null ? "array-per-iteration" : "helper-returns-array");
                _readable.Add(fresh);
                _writable.Add(fresh);
            }

            var body = Block(1 + Next(4), depth + 1);
            if (Chance(40))
            {
                body.Insert(Next(body.Count + 1), Chance(50) || !MayReturn ? new BreakIf(Test()) : new ReturnIf(Test(), Expression(2)));
                if (element is not null)
                {
                    _shapes.Add("foreach-early-exit");
                }
            }

            if (canContinue && Chance(25))
            {
                body.Insert(Next(body.Count + 1), new ContinueIf(Test()));
            }

            // At the end, sometimes: an array local given the new array (h = hNext), or two array locals swapped.
            var owned = _writable.Where(a => !a.IsSpan && a != fresh && !_iterated.Contains(a.Name)).ToList();
            if (fresh is not null && owned.Count > 0 && Chance(40))
            {
                body.Add(new Assign(Pick(owned).Name, "=", new Var(fresh.Name)));
                _shapes.Add("array-reassigned");
            }
            else if (owned.Count >= 2 && Chance(10))
            {
                var first = Pick(owned);
                body.Add(new SwapArrays(first.Name, Pick(owned.Where(a => a != first).ToList()).Name));
                _shapes.Add("array-swap");
            }

            if (declaration is not null)
            {
                body.Insert(0, declaration);
                _readable.Remove(fresh!);
                _writable.Remove(fresh!);
            }

            // A zero array new in each iteration, passed to an array helper and never written: the reverse sweep needs it
            // again, and allocates it again (this was a DG0010 once, in the Hessian-vector product's zero tangents too).
            if (!_inHelper && !_inLambda && _helpers.Any(IsArrayHelper) && Writable().Count > 0 && Chance(15))
            {
                var zeros = Fresh("z");
                var helper = Pick(_helpers.Where(IsArrayHelper).ToList());
                body.Insert(0, new Assign(Pick(Writable()), "+=", new HelperCall(helper.Name, Arguments(helper, 2, zeros))));
                body.Insert(0, new DeclareArray(zeros));
                _shapes.Add("zero-array-per-iteration-argument");
            }

            _scopes.RemoveAt(_scopes.Count - 1);
            _loopDepth--;
            if (counter is not null)
            {
                _counters.RemoveAt(_counters.Count - 1);
            }

            return body;
        }

        private string Trips() => Chance(40) ? "n" : Text(1 + Next(RandomProgram.ArrayLength));

        // Mostly the plain int counter; else any integer type, either direction, exclusive or inclusive bound.
        private Counting NewCounting()
        {
            if (Chance(55))
            {
                // Sometimes tested with an offset or mirrored (i + 1 < n + 1, n > i): still a counted loop, with no tape.
                if (!Chance(20))
                {
                    return Counting.Default;
                }

                _shapes.Add("counter-offset-test");
                return Counting.Default with { Written = 1 + Next(3) };
            }

            var counting = new Counting(IntegerTypes[Next(IntegerTypes.Length)], 0, Chance(45), Chance(50));
            if (counting.Type != "int")
            {
                _shapes.Add("counter-" + counting.Type);
            }

            if (counting.Down)
            {
                _shapes.Add("counter-down");
            }

            if (counting.Inclusive)
            {
                _shapes.Add("counter-inclusive");
            }

            return counting;
        }

        private Stmt SwitchStatement(int depth)
        {
            _shapes.Add("switch");
            var counter = _counters.Count > 0 && Chance(70) ? Pick(_counters) : null;
            var subject = counter is null
                ? Chance(50) ? "n" : "n % 3"
                : Chance(50) ? counter.Index : "(" + counter.Index + " + " + Text(1 + Next(3)) + ") % 3";
            var labels = Enumerable.Range(0, RandomProgram.ArrayLength).OrderBy(_ => Next(1000)).Take(1 + Next(3)).ToList();
            var sections = new List<SwitchSection>();
            while (labels.Count > 0)
            {
                var take = 1 + Next(Math.Min(2, labels.Count));
                sections.Add(new SwitchSection(labels.Take(take).ToList(), SectionBody(depth)));
                labels.RemoveRange(0, take);
            }

            var defaultSection = Chance(60) ? SectionBody(depth) : null;
            if (sections.Select(c => c.Body).Append(defaultSection ?? []).Any(b => b.Count % 2 == 1))
            {
                _shapes.Add("switch-braced-section"); // the printer ends an odd-length section inside its braces
            }

            return new Switch(subject, sections, defaultSection);
        }

        // A section's statements, sometimes ending in a return. (A break before the section's end is DG0007 by design.)
        private List<Stmt> SectionBody(int depth)
        {
            var body = Block(1 + Next(2), depth + 1);
            if (Chance(15) && MayReturn)
            {
                body.Add(new Return(Expression(2)));
            }

            return body;
        }

        // A layer of ReLU units, the shape the generator gates: for (i …) { var z = …; t += max(0, z) · …; }.
        private Stmt ReluLayer(string counter, string trips, Counting counting)
        {
            var target = Pick(Writable());
            _counters.Add(new Counter(counter, counting));
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
            return new For(counter, trips, [preactivation, unit], counting);
        }

        private Stmt Template(int depth)
        {
            var roll = Next(depth == 0 ? 8 : 3);
            return roll switch
            {
                7 when !_inHelper => SigmoidUnitLoop(),
                6 when !_inHelper => WideUnitLoop(),
                5 when _hasWeights && !_inHelper => MatrixProductNest(),
                0 => SiblingLoops(),
                1 => SoftmaxRow(),
                2 => LogSumExpRow(),
                3 => _shapes.Contains("long-sum") || _shapes.Contains("long-product") ? SoftmaxRow() : LongChain(),
                _ => _helpers.Any(IsArrayHelper) && _loopDepth == 0 ? ArrayToHelper() : SiblingLoops(),
            };
        }

        // What a layer's per-unit loop works on: the sum it adds into, two local arrays a and b filled before it by a loop
        // over q, its counter j and pre-activation z, and invariants (another variable, whose adjoint the lanes gather, or
        // a literal).
        private (string Target, string A, string B, string Q, string J, string Z, Func<Expr> Invariant, ElementWrite FillA, ElementWrite FillB) UnitLoopOperands()
        {
            var target = Pick(Writable());
            var (a, b, q, j, z) = (Fresh("a"), Fresh("b"), Fresh("q"), Fresh("j"), Fresh("z"));
            var others = Writable().Where(n => n != target).ToList();
            Expr Invariant() => others.Count > 0 && Chance(70) ? new Var(Pick(others)) : new Lit(Math.Round(Uniform(-1, 1), 2));

            // The fill's expressions do not see q (they would index length-4 arrays with it); w is read at q mod 4.
            _loopDepth++;
            var fillA = new ElementWrite(a, q, "=", _hasWeights && Chance(60) ? new Binary('*', Expression(1), new Element("w", q + " % 4")) : Expression(2));
            var fillB = new ElementWrite(b, q, "=", Expression(1));
            _loopDepth--;
            return (target, a, b, q, j, z, Invariant, fillA, fillB);
        }

        // A layer's per-unit loop over more units than two vectors hold (19: two float vectors and three, four double
        // vectors and three), which DiffGen runs Vector256 lanes at a time: for (j) { z = a[j]·p + b[j]; o += f(z)·b[j]; }
        // over two local arrays filled before it, p and the bias invariants whose adjoints the lanes gather, f a ReLU
        // (its off units masked in reverse), the identity, a square or a quotient.
        private Stmt WideUnitLoop()
        {
            const int units = 19;
            _shapes.Add("wide-unit-loop");
            var (target, a, b, q, j, z, invariant, fillA, fillB) = UnitLoopOperands();

            var preactivation = new Declare(z, new Binary('+', new Binary('*', new Element(a, j), invariant()), Chance(50) ? new Element(b, j) : invariant()));
            Expr activation = Next(4) switch
            {
                0 or 1 => new Call("Max", [new Lit(0), new Var(z)]),
                2 => new Binary('*', new Var(z), new Var(z)),
                _ => Chance(50) ? new Var(z) : new Binary('/', new Var(z), new Lit(1.5)),
            };
            if (activation is Call)
            {
                _shapes.Add("wide-unit-loop-relu");
            }

            var unit = new Assign(target, Chance(75) ? "+=" : "-=", new Binary('*', activation, new Element(b, j)));

            // The bound written 1 + j <= 19 as well as j < 19: both run lanes (<= once went scalar).
            var counting = Chance(40) ? new Counting(Written: 3) : Counting.Default;
            if (counting.Written == 3)
            {
                _shapes.Add("wide-unit-loop-inclusive");
            }

            return new BlockStatement([
                new DeclareArray(a, units),
                new DeclareArray(b, units),
                new For(q, Text(units), [fillA, fillB]),
                new For(j, Text(units), [preactivation, unit], counting),
            ]);
        }

        // A sigmoid (or tanh, Gaussian, log) layer over two inputs, the way XOR's network is written: for (j) { z =
        // a[2·j]·p + a[2·j + 1]·r + b[j]; o += b[j] / (1 + Exp(−z)); } over 9 units (two double vectors and one, one float
        // vector and one). The forward keeps the scalar loop (no exact vector Exp); DiffGen runs its reverse in lanes,
        // loading and adding a's weights two elements apart.
        private Stmt SigmoidUnitLoop()
        {
            const int units = 9;
            _shapes.Add("sigmoid-unit-loop");
            var (target, a, b, q, j, z, invariant, fillA, fillB) = UnitLoopOperands();

            // The weights of unit j at 2·j and 2·j + 1 (spelled three ways), at j and j + 1 (neighbours share a weight:
            // two iterations add into one element, so the reverse stays scalar), or at j alone.
            var strided = Chance(75);
            var (first, second) = Next(4) switch
            {
                0 => (j + " * 2", j + " * 2 + 1"),
                1 => ("2 * " + j, "2 * " + j + " + 1"),
                2 => ("2 * " + j, "1 + 2 * " + j),
                _ => (j, j + " + 1"),
            };
            if (strided)
            {
                _shapes.Add(first == j ? "sigmoid-unit-loop-overlapping" : "sigmoid-unit-loop-strided");
            }

            Expr weighted = strided
                ? new Binary('+', new Binary('*', new Element(a, first), invariant()), new Binary('*', new Element(a, second), invariant()))
                : new Binary('*', new Element(a, j), invariant());
            // A weight every unit reads (w[1]: its gradient gathered per lane), and the counter as a number (j · 0.1 · p).
            if (_hasWeights && Chance(40))
            {
                _shapes.Add("sigmoid-unit-loop-fixed-weight");
                weighted = new Binary('*', weighted, new Element("w", "1"));
            }

            Expr bias = Next(4) switch
            {
                0 or 1 => new Element(b, j),
                2 => invariant(),
                _ => new Binary('*', new Binary('*', new Var(j), new Lit(0.1)), invariant()),
            };
            if (bias is Binary)
            {
                _shapes.Add("sigmoid-unit-loop-counter");
            }

            var preactivation = new Declare(z, new Binary('+', weighted, bias));
            Expr unit = Next(4) switch
            {
                0 => new Binary('/', new Element(b, j), new Binary('+', new Lit(1), new Call("Exp", [new Negate(new Var(z))]))),
                1 => new Binary('*', new Call("Tanh", [new Var(z)]), new Element(b, j)),
                2 => new Binary('*', new Call("Exp", [new Negate(new Binary('*', new Var(z), new Var(z)))]), invariant()),
                _ => new Call("Log", [new Binary('+', new Lit(1), new Binary('*', new Var(z), new Var(z)))]),
            };
            return new BlockStatement([
                new DeclareArray(a, strided ? 2 * units : units),
                new DeclareArray(b, units),
                new For(q, Text(strided ? 2 * units : units), [fillA]),   // j + 1 reads at most a[units]
                new For(q, Text(units), [fillB]),
                new For(j, Text(units), [preactivation, new Assign(target, Chance(75) ? "+=" : "-=", unit)]),
            ]);
        }

        // A dense layer's loop nest, which DiffGen runs as blocked matrix products (a GEMM per block of i):
        // for (i) for (j) { var z = …; for (k) z += a[i·s + k] · b[j·t + k]; o += f(z) · …; }, in six layouts of
        // length-4 arrays: strided rows, overlapping rows (a convolution's windows), a base offset, an outer
        // product, a first column or k past zero; the row operand on either side of the product; a and b the
        // same array (both adjoints into dw) or w with the constant c.
        private Stmt MatrixProductNest()
        {
            _shapes.Add("matrix-product-nest");
            var (i, j, k) = (Fresh("i"), Fresh("j"), Fresh("k"));
            var (rows, columns, jFrom, kFrom, kTrips, rowIndex, columnIndex) = Next(6) switch
            {
                0 => (2, 2, 0, 0, 2, i + " * 2 + " + k, j + " * 2 + " + k),
                1 => (3, 2, 0, 0, 2, i + " + " + k, j + " * 2 + " + k),
                2 => (2, 3, 0, 0, 1, "2 * " + i + " + 1 + " + k, j + " + " + k),
                3 => (4, 4, 0, 0, 1, i + " + " + k, j + " + " + k),
                4 => (2, 3, 1, 0, 2, i + " * 2 + " + k, j + " + " + k),
                _ => (2, 2, 0, 1, 3, i + " + " + k, j + " + " + k),
            };
            var (rowArray, columnArray) = _hasConstants && Chance(60) ? (Chance(50) ? ("c", "w") : ("w", "c")) : ("w", "w");
            Expr rowRead = new Element(rowArray, rowIndex), columnRead = new Element(columnArray, columnIndex);
            var target = Pick(Writable());

            _counters.Add(new Counter(i, Counting.Default));
            _counters.Add(new Counter(j, new Counting(From: jFrom)));
            _loopDepth += 2;
            _scopes.Add(new Scope([]));
            var z = Fresh("z");
            var preactivation = new Declare(z, Chance(50) ? new Lit(0) : Expression(2));
            _scopes[^1].Names.Add(z);
            var dot = new For(k, Text(kTrips), [new Assign(z, "+=", Chance(50) ? new Binary('*', rowRead, columnRead) : new Binary('*', columnRead, rowRead))], new Counting(From: kFrom));
            Expr activation = Next(3) switch
            {
                0 => new Call("Max", [new Lit(0), new Var(z)]),
                1 => new Call("Tanh", [new Var(z)]),
                _ => new Var(z),
            };
            var unit = new Assign(target, "+=", new Binary('*', activation, Expression(2)));
            _scopes.RemoveAt(_scopes.Count - 1);
            _loopDepth -= 2;
            _counters.RemoveRange(_counters.Count - 2, 2);
            var inner = new For(j, Text(columns), [preactivation, dot, unit], new Counting(From: jFrom));
            return new For(i, Text(rows), [inner], Counting.Default);
        }

        // for (i) { double s = 0; for (j) s += …; [double t = s;] for (k) o += s * w[k]; }: the second inner loop reads
        // the first's exit value; the outer loop may be a while, the row a product.
        private Stmt SiblingLoops()
        {
            var variant = Next(4);
            _shapes.Add(variant switch
            {
                0 => "sibling-loops",
                1 => "sibling-loops-copy",
                2 => "sibling-loops-product",
                _ => "sibling-loops-while-outer",
            });
            var target = Pick(Writable());
            var outer = new Counter(Fresh("i"), variant == 3 ? Counting.Default : NewCounting());
            _counters.Add(outer);
            _loopDepth++;
            _scopes.Add(new Scope([]));
            var sum = Fresh("s");
            var body = new List<Stmt> { new Declare(sum, new Lit(variant == 2 ? 1 : 0)) };
            _scopes[^1].Names.Add(sum);

            var first = new Counter(Fresh("j"), NewCounting());
            _counters.Add(first);
            var term = variant == 2 ? new Binary('+', new Lit(1), new Binary('*', new Lit(0.5), new Call("Tanh", [Expression(2)]))) : Expression(2);
            body.Add(new For(first.Name, Trips(), [new Assign(sum, variant == 2 ? "*=" : "+=", term)], first.Counting));
            _counters.RemoveAt(_counters.Count - 1);

            var read = sum;
            if (variant == 1 || Chance(25))
            {
                read = Fresh("t");
                body.Add(new Declare(read, new Var(sum)));
                _shapes.Add("sibling-loops-copy");
                _scopes[^1].Names.Add(read);
            }

            var second = new Counter(Fresh("k"), NewCounting());
            _counters.Add(second);
            var weight = _hasWeights && Chance(70) ? new Element("w", second.Index) : Expression(2);
            body.Add(new For(second.Name, Trips(), [new Assign(target, "+=", new Binary('*', new Var(read), weight))], second.Counting));
            _counters.RemoveAt(_counters.Count - 1);

            _scopes.RemoveAt(_scopes.Count - 1);
            _loopDepth--;
            _counters.RemoveAt(_counters.Count - 1);
            return variant == 3 ? new While(outer.Name, Trips(), body) : new For(outer.Name, Trips(), body, outer.Counting);
        }

        // Row-wise normalization: for (j) { p[j] = exp(…); sum += p[j]; } for (j) p[j] /= sum; for (j) o += p[j] · …;
        // in an outer loop half the time.
        private Stmt SoftmaxRow()
        {
            _shapes.Add("softmax-row");
            var target = Pick(Writable());
            var p = NewLocalArray(Chance(30));
            var trips = Trips();
            return RowLoop(() =>
            {
                var sum = Fresh("v");
                var rows = new List<Stmt> { new Declare(sum, new Lit(0)) };
                _scopes[^1].Names.Add(sum);
                rows.Add(CountedLoop(trips, j => [new ElementWrite(p.Name, Index(p, j, modulo: false), "=", new Call("Exp", [Expression(2)])), new Assign(sum, "+=", new Element(p.Name, Index(p, j, modulo: false)))]));
                rows.Add(CountedLoop(trips, j => [new ElementWrite(p.Name, Index(p, j, modulo: false), "/=", new Var(sum))]));
                rows.Add(CountedLoop(trips, j => [new Assign(target, "+=", new Binary('*', new Element(p.Name, Index(p, j, modulo: false)), Expression(2)))]));
                return rows;
            }, () =>
            {
                _readable.Add(p);
                _writable.Add(p);
            });
        }

        // A log-sum-exp row: r[j] = …; m = max r; s = Σ exp(r[j] − m); total += m + log s.
        private Stmt LogSumExpRow()
        {
            _shapes.Add("log-sum-exp-row");
            var target = Pick(Writable());
            var r = NewLocalArray(Chance(30));
            var trips = Trips();
            return RowLoop(() =>
            {
                var (max, sum) = (Fresh("m"), Fresh("v"));
                var rows = new List<Stmt> { CountedLoop(trips, j => [new ElementWrite(r.Name, Index(r, j, modulo: false), "=", Expression(2))]) };
                rows.Add(new Declare(max, new Element(r.Name, "0")));
                _scopes[^1].Names.Add(max);
                var from1 = new Counter(Fresh("j"), Counting.Default with { From = 1 });
                rows.Add(new For(from1.Name, trips, [new Assign(max, "=", new Call("Max", [new Var(max), new Element(r.Name, Index(r, from1, modulo: false))]))], from1.Counting));
                rows.Add(new Declare(sum, new Lit(0)));
                _scopes[^1].Names.Add(sum);
                rows.Add(CountedLoop(trips, j => [new Assign(sum, "+=", new Call("Exp", [new Binary('-', new Element(r.Name, Index(r, j, modulo: false)), new Var(max))]))]));
                rows.Add(new Assign(target, "+=", new Binary('+', new Var(max), new Call("Log", [new Var(sum)]))));
                return rows;
            }, () =>
            {
                _readable.Add(r);
                _writable.Add(r);
            });
        }

        // The rows of a template, alone in a block or as the body of an outer loop; then what the template frees for
        // later statements (its array).
        private Stmt RowLoop(Func<List<Stmt>> rows, Action after)
        {
            var outer = Chance(50) ? new Counter(Fresh("i"), NewCounting()) : null;
            if (outer is not null)
            {
                _counters.Add(outer);
                _loopDepth++;
            }

            _scopes.Add(new Scope([]));
            var body = rows();
            _scopes.RemoveAt(_scopes.Count - 1);
            if (outer is not null)
            {
                _counters.RemoveAt(_counters.Count - 1);
                _loopDepth--;
            }

            after();
            return outer is null ? new BlockStatement(body) : new For(outer.Name, Trips(), body, outer.Counting);
        }

        private For CountedLoop(string trips, Func<Counter, List<Stmt>> body)
        {
            var counter = new Counter(Fresh("j"), NewCounting());
            _counters.Add(counter);
            _loopDepth++;
            var statements = body(counter);
            _loopDepth--;
            _counters.RemoveAt(_counters.Count - 1);
            return new For(counter.Name, trips, statements, counter.Counting);
        }

        // (t1 + … + tk) · (1/k) or Π (1 + tᵢ/k) with k from 50 to 300: one expression of hundreds of terms whose value
        // stays bounded. Mostly near 50 (k = 50 + 250·u³, mean 110), one per program: each term costs compilation time.
        private Stmt LongChain()
        {
            var u = Uniform(0, 1);
            var terms = 50 + (int)(250 * u * u * u);
            var scale = new Lit(Math.Round(1.0 / terms, 6));
            Expr chain;
            if (Chance(50))
            {
                _shapes.Add("long-sum");
                chain = new Binary('*', new Chain('+', Enumerable.Range(0, terms).Select(_ => Expression(1)).ToList()), scale);
            }
            else
            {
                _shapes.Add("long-product");
                chain = new Chain('*', Enumerable.Range(0, terms)
                    .Select(_ => (Expr)new Binary('+', new Lit(1), new Binary('*', scale, new Call(Chance(50) ? "Sin" : "Tanh", [Expression(1)]))))
                    .ToList());
            }

            return Chance(50) ? Declaration(chain) : new Assign(Pick(Writable()), "+=", chain);
        }

        // if/else nested 8 to 20 levels, each level updating a local, and several early returns on the way down.
        private Stmt DeepIf()
        {
            _shapes.Add("deep-if");
            var returns = 0;
            var levels = 8 + Next(13);
            var nest = Level(levels, ref returns);
            if (returns >= 2)
            {
                _shapes.Add("nested-early-returns");
            }

            return nest;
        }

        private If Level(int levels, ref int returns)
        {
            var test = Test();
            _scopes.Add(new Scope([]));
            var then = new List<Stmt> { new Assign(Pick(Writable()), new[] { "+=", "*=", "=" }[Next(3)], Expression(2)) };
            if (Chance(15))
            {
                then.Insert(0, new ReturnIf(Test(), Expression(2)));
                returns++;
            }

            if (levels > 1)
            {
                then.Add(Level(levels - 1, ref returns));
            }
            else if (Chance(50))
            {
                then.Add(new Return(Expression(2)));
                returns++;
            }

            _scopes.RemoveAt(_scopes.Count - 1);
            List<Stmt>? otherwise = null;
            if (Chance(50))
            {
                _scopes.Add(new Scope([]));
                otherwise = [new Assign(Pick(Writable()), "+=", Expression(2))];
                if (Chance(30))
                {
                    otherwise.Add(new Return(Expression(2)));
                    returns++;
                }

                _scopes.RemoveAt(_scopes.Count - 1);
            }

            return new If(test, then, otherwise);
        }

        // for (j < 4) q[j] = …; o += g(q, …);: a local array filled, then passed to a helper and never written again
        // (writing it after the call is DG0015). Only outside loops: a loop around the call would write it again.
        private Stmt ArrayToHelper()
        {
            _shapes.Add("array-helper-local");
            var helper = Pick(_helpers.Where(IsArrayHelper).ToList());
            var q = NewLocalArray(span: false);
            var fill = CountedLoop(Text(RandomProgram.ArrayLength), j => [new ElementWrite(q.Name, Index(q, j, modulo: false), "=", Expression(2))]);
            _frozen.Add(q.Name);
            _readable.Add(q);
            var call = new HelperCall(helper.Name, Arguments(helper, 2, q.Name));
            return new BlockStatement([fill, new Assign(Pick(Writable()), "+=", call)]);
        }

        private Condition Test() => new(Expression(2), Comparisons[Next(Comparisons.Length)], Expression(1));

        private string Index(LocalArray array)
        {
            if (_counters.Count > 0 && Chance(70))
            {
                return Index(array, Pick(_counters), modulo: true);
            }

            return Text(Next(RandomProgram.ArrayLength));
        }

        // The counter's index, sometimes rotated ((i + 2) % 4) or through checked arithmetic (checked(i * 3) % 4); a
        // span's indexer takes only an int.
        private string Index(LocalArray array, Counter counter, bool modulo)
        {
            var index = counter.Index;
            var roll = Next(100);
            if (modulo && roll < 20)
            {
                index = "(" + index + " + " + Text(1 + Next(3)) + ") % 4";
                _shapes.Add("modulo-index");
            }
            else if (modulo && roll < 28 && counter.Counting.Type == "int")
            {
                index = "checked(" + index + " * 3) % 4";
                _shapes.Add("checked-index");
            }

            return array.IsSpan && counter.Counting.Type != "int" ? "(int)(" + index + ")" : index;
        }

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

            if (roll >= 86 && roll < 90 && !_inHelper && !_inLambda && LinqSources() is { Count: > 0 } sources && Chance(50))
            {
                return Linq(sources, depth);
            }

            if (roll < 90)
            {
                return new Conditional(Test(), Expression(depth - 1), Expression(depth - 1));
            }

            // The rejected shape's helper (a [NoDerivative] array) is called only where the shape is built.
            // Inside a helper, its q (an array, or a span when unmarked) goes only to a helper that takes the same.
            var callable = _helpers.Where(h => h.Parameters.All(p => p.Kind != ParameterKind.ConstantArray)
                && (!IsArrayHelper(h) || PassableArray() is not null && (!_inHelper || h.Marked == _helperMarked))).ToList();
            if (callable.Count > 0)
            {
                var helper = Pick(callable);
                switch (helper.Returns)
                {
                    case HelperResult.Array:
                        _shapes.Add("helper-array-element");
                        return new HelperElement(Invoke(helper, depth), _counters.Count > 0 && Chance(50) ? Index(new LocalArray("r", false), Pick(_counters), modulo: true) : Text(Next(RandomProgram.ArrayLength)));
                    case HelperResult.Tuple:
                        _shapes.Add("helper-tuple-item");
                        return new HelperItem(Invoke(helper, depth), 1 + Next(2));
                    default:
                        return Invoke(helper, depth);
                }
            }

            return new Call("FusedMultiplyAdd", [Expression(depth - 1), Expression(depth - 1), Expression(depth - 1)]);
        }

        // { T fK(T p) { if (…) { x += …; return …; } return …; } y += fK(…); }: a local function that assigns one of the
        // method's locals on its early-return path (every path's writes must reach the caller), then its call.
        private Stmt LocalFunctionAndCall()
        {
            _shapes.Add("local-function-early-return");
            var name = Fresh("f");
            var parameter = Fresh("p");
            var captured = Pick(Writable());
            _scopes.Add(new Scope([]));
            _scopes[^1].ReadOnly.Add(parameter);
            _inLambda = true; // no assignments in argument lists inside it
            var readable = _readable.ToList();
            var matrices = _matrices.ToList();
            var (weights, constants) = (_hasWeights, _hasConstants);
            _readable.Clear(); // it reads no arrays: spans cannot be captured, and an array it reads may not be reassigned
            _matrices.Clear();
            (_hasWeights, _hasConstants) = (false, false);
            var early = new If(Test(), [new Assign(captured, "+=", Expression(2)), new Return(Expression(2))], null);
            var result = Expression(2);
            (_hasWeights, _hasConstants) = (weights, constants);
            _readable.AddRange(readable);
            _matrices.AddRange(matrices);
            _inLambda = false;
            _scopes.RemoveAt(_scopes.Count - 1);
            var target = Pick(Writable());
            return new BlockStatement([new LocalFunction(name, parameter, [early], result), new Assign(target, "+=", new LocalCall(name, Expression(2)))]);
        }

        // Arrays LINQ may read: w, c and the method's own arrays (spans have no LINQ).
        private List<string> LinqSources() => _readable.Where(a => !a.IsSpan && a.Name != "q").Select(a => a.Name).ToList();

        // w.Sum(e => …), .Max, .Min, .Average, or x.Zip(y, (e, f) => …).Sum(): the lambda reads its elements and captures the rest.
        private Expr Linq(List<string> sources, int depth)
        {
            var reducer = new[] { "Sum", "Max", "Min", "Average", "ZipSum" }[Next(5)];
            var source = Pick(sources);
            var second = reducer == "ZipSum" ? Pick(sources) : null;
            var parameters = reducer == "ZipSum" ? new[] { Fresh("e"), Fresh("e") } : new[] { Fresh("e") };
            _scopes.Add(new Scope([]));
            _scopes[^1].ReadOnly.AddRange(parameters);
            _inLambda = true;
            var readable = _readable.ToList();
            _readable.RemoveAll(a => a.IsSpan); // a lambda cannot capture a span
            var body = Expression(Math.Max(1, depth - 1));
            _readable.Clear();
            _readable.AddRange(readable);
            _inLambda = false;
            _scopes.RemoveAt(_scopes.Count - 1);
            _shapes.Add("linq-" + reducer.ToLowerInvariant());
            return new LinqReduce(reducer, source, second, parameters, body);
        }

        // An array a helper may be given: w (never written), a frozen local array, or inside a helper its own q.
        private string? PassableArray()
        {
            var arrays = _readable.Select(a => a.Name).Where(a => a is "w" or "q" || _frozen.Contains(a)).ToList();
            return arrays.Count == 0 ? null : Pick(arrays);
        }

        // A helper call: sometimes with named arguments out of parameter order, and then sometimes with an assignment
        // in the first argument written that a later argument reads (C# evaluates arguments in source order).
        private HelperCall Invoke(Helper helper, int depth)
        {
            if (!helper.Marked)
            {
                _shapes.Add(helper.Body.Any(s => s is ReturnIf) ? "helper-early-return" : "helper-unmarked");
            }

            var array = PassableArray();
            if (array == "w")
            {
                _shapes.Add("array-helper-parameter");
            }

            if (array is not null && !_inHelper && !helper.Marked && IsArrayHelper(helper) && Chance(50))
            {
                // a view of the whole array (the helper reads any of its 4 elements), through each way to slice
                array += new[] { ".AsSpan(0, 4)", ".AsSpan()[0..]", ".AsSpan().Slice(0, 4)" }[Next(3)];
                _shapes.Add("slice-argument");
            }

            var arguments = Arguments(helper, depth, array);
            if (helper.Parameters.Count < 2 || !Chance(40))
            {
                return new HelperCall(helper.Name, arguments);
            }

            _shapes.Add("named-arguments");
            var order = Enumerable.Range(0, helper.Parameters.Count).ToList();
            while (order.SequenceEqual(Enumerable.Range(0, order.Count)))
            {
                order = order.OrderBy(_ => Next(1000)).ToList();
            }

            var scalars = order.Where(i => helper.Parameters[i].Kind == ParameterKind.Scalar).ToList();
            var targets = Writable();
            if (!_inHelper && !_inLambda && scalars.Count >= 2 && targets.Count > 0 && Chance(50))
            {
                _shapes.Add("named-argument-side-effect");
                var x = Pick(targets);
                var update = Chance(50) ? new Binary('*', new Var(x), new Lit(Math.Round(Uniform(0.5, 1.5), 2))) : Expression(2);
                arguments[scalars[0]] = new AssignValue(x, update);
                arguments[scalars[1]] = Chance(50) ? new Var(x) : new Binary('+', new Var(x), arguments[scalars[1]]);
            }

            return new HelperCall(helper.Name, arguments, order);
        }

        // Arguments in parameter order: expressions for the scalars; for the [NoDerivative] ones mostly inactive
        // values, sometimes a varied one (DiffGen pulls back through the callee's full gradient).
        private List<Expr> Arguments(Helper helper, int depth, string? array = null) =>
            helper.Parameters.Select(p => p.Kind switch
            {
                ParameterKind.Array or ParameterKind.ConstantArray => new Var(array ?? throw new InvalidOperationException("no array to pass")),
                ParameterKind.Constant when !_inHelper && Chance(35) => VariedIntoConstant(depth),
                ParameterKind.Constant => ConstantValue(),
                _ => Expression(depth - 1),
            }).ToList();

        private Expr VariedIntoConstant(int depth)
        {
            _shapes.Add("varied-into-no-derivative");
            return Expression(Math.Max(1, depth - 1));
        }

        // A value that depends on no differentiable input: a literal, n, a loop counter, an element of c, or inside a
        // helper its own [NoDerivative] parameter.
        private Expr ConstantValue()
        {
            _shapes.Add("constant-argument");
            var roll = Next(100);
            if (roll < 15 && !_inHelper)
            {
                return new Var("n");
            }

            if (roll < 35 && _counters.Count > 0 && !_inHelper)
            {
                return new Var(Pick(_counters).Name);
            }

            if (roll < 55 && _hasConstants && !_inHelper)
            {
                return new Element("c", Text(Next(RandomProgram.ArrayLength)));
            }

            if (roll < 70 && _inHelper && _scopes.Count > 0 && _scopes[0].Names.Contains("k"))
            {
                return new Binary('*', new Var("k"), new Lit(2));
            }

            return new Lit(Math.Round(Uniform(-2, 2), 2));
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

            if (roll < 25 && _matrices.Count > 0 && !_inHelper)
            {
                return new Element(Pick(_matrices), MatrixCell());
            }

            var others = _readable.Where(a => a.Name is not ("w" or "c")).ToList();
            if (roll < 35 && _hasWeights && !_inHelper)
            {
                return new Element("w", Index(_readable[0]));
            }

            if (roll < 42 && _hasConstants && !_inHelper)
            {
                return new Element("c", Index(_readable.First(a => a.Name == "c")));
            }

            if (roll < 55 && others.Count > 0)
            {
                var array = Pick(others);
                return new Element(array.Name, Index(array));
            }

            return new Var(Pick(_scopes.SelectMany(s => s.Names.Concat(s.ReadOnly)).ToList()));
        }
    }

    private sealed class Scope(IEnumerable<string> names)
    {
        /// <summary>Locals and parameters statements may assign.</summary>
        public List<string> Names { get; } = names.ToList();

        /// <summary>Names that may only be read: foreach variables.</summary>
        public List<string> ReadOnly { get; } = [];
    }
}
