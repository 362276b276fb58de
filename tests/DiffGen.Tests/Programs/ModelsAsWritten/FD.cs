using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using DiffGen;

namespace DiffGen.Tests.Programs.ModelsAsWritten;

// Reflection-based central finite-difference checker over every floating leaf of a model tree (a reviewer's,
// written as a new user would check models as types): a program's Run() counts a failure in Failures.
public static class FD
{
    public static int Failures;
    record Step(FieldInfo? Field, int Index);

    static IEnumerable<FieldInfo> Fields(Type t)
    {
        var chain = new List<Type>();
        for (var c = t; c != null && c != typeof(object) && c != typeof(ValueType); c = c.BaseType) chain.Insert(0, c);
        foreach (var c in chain)
            foreach (var f in c.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                if (f.Name != "EqualityContract") yield return f;
    }

    static bool IsNoDerivative(FieldInfo f)
    {
        if (f.GetCustomAttributes().Any(a => a.GetType().Name == "NoDerivativeAttribute")) return true;
        if (f.Name.StartsWith("<"))
        {
            var name = f.Name.Substring(1, f.Name.IndexOf('>') - 1);
            var p = f.DeclaringType!.GetProperty(name, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
            if (p != null && p.GetCustomAttributes().Any(a => a.GetType().Name == "NoDerivativeAttribute")) return true;
        }
        return false;
    }

    // leaves: (path string, steps, isNoDerivative)
    static void Walk(object obj, List<Step> prefix, string path, bool nd, List<(string, List<Step>, bool, bool isFloat)> leaves, int depth)
    {
        if (depth > 6) return;
        foreach (var f in Fields(obj.GetType()))
        {
            var v = f.GetValue(obj);
            string name = f.Name.StartsWith("<") ? f.Name.Substring(1, f.Name.IndexOf('>') - 1) : f.Name;
            bool fnd = nd || IsNoDerivative(f);
            var p = path.Length == 0 ? name : path + "." + name;
            var t = f.FieldType;
            if (t == typeof(double) || t == typeof(float))
                leaves.Add((p, new List<Step>(prefix) { new(f, -1) }, fnd, t == typeof(float)));
            else if (t == typeof(double[]) || t == typeof(float[]))
            {
                var a = (Array?)v; if (a == null) continue;
                for (int i = 0; i < a.Length; i++) leaves.Add(($"{p}[{i}]", new List<Step>(prefix) { new(f, -1), new(null, i) }, fnd, t == typeof(float[])));
            }
            else if (t.IsArray && v is Array arr && !t.GetElementType()!.IsPrimitive && t.GetElementType()!.IsClass)
            {
                for (int i = 0; i < arr.Length; i++)
                    if (arr.GetValue(i) is object e)
                        Walk(e, new List<Step>(prefix) { new(f, -1), new(null, i) }, $"{p}[{i}]", fnd, leaves, depth + 1);
            }
            else if (v != null && !t.IsPrimitive && !t.IsEnum && t != typeof(string) && !t.IsArray && t.Namespace != "System" && !t.Name.Contains("Func"))
                Walk(v, new List<Step>(prefix) { new(f, -1) }, p, fnd, leaves, depth + 1);
        }
    }

    static double Get(object root, List<Step> steps)
    {
        object cur = root;
        foreach (var s in steps)
        { cur = s.Field != null ? s.Field.GetValue(cur)! : ((Array)cur).GetValue(s.Index)!; if (cur == null) return 0; }
        return Convert.ToDouble(cur);
    }

    // Sets the leaf; returns the (possibly re-boxed) root. Works with boxed structs along the path.
    static object Set(object cur, List<Step> steps, int k, double value)
    {
        var s = steps[k];
        if (k == steps.Count - 1)
        {
            if (s.Field != null) { s.Field.SetValue(cur, s.Field.FieldType == typeof(float) ? (object)(float)value : value); }
            else { var a = (Array)cur; a.SetValue(a.GetType().GetElementType() == typeof(float) ? (object)(float)value : value, s.Index); }
            return cur;
        }
        if (s.Field != null)
        {
            var child = s.Field.GetValue(cur)!;
            child = Set(child, steps, k + 1, value);
            s.Field.SetValue(cur, child);
            return cur;
        }
        else
        {
            var a = (Array)cur;
            var child = a.GetValue(s.Index)!;
            child = Set(child, steps, k + 1, value);
            a.SetValue(child, s.Index);
            return cur;
        }
    }

    /// model is boxed (structs ok). f evaluates the method on the (boxed) model. grad is the gradient model (boxed).
    public static void Check(string name, object model, Func<object, double> f, object grad, double valueFromGradient, double rtol = 1e-6, double h = 1e-6)
    {
        double v0 = f(model);
        int bad = 0, n = 0, nonzero = 0;
        var msgs = new List<string>();
        if (!(valueFromGradient == v0 || Math.Abs(valueFromGradient - v0) <= 1e-12 * Math.Max(1, Math.Abs(v0))))
        { bad++; msgs.Add($"VALUE: gradient returned {valueFromGradient:R}, method {v0:R}"); }
        var leaves = new List<(string, List<Step>, bool, bool)>();
        Walk(model, new List<Step>(), "", false, leaves, 0);
        foreach (var (p, steps, nd, isFloat) in leaves)
        {
            double saved = Get(model, steps);
            double hh = isFloat ? Math.Max(1e-3, Math.Abs(saved) * 1e-3) : h * Math.Max(1, Math.Abs(saved));
            model = Set(model, steps, 0, saved + hh); double up = f(model);
            model = Set(model, steps, 0, saved - hh); double dn = f(model);
            model = Set(model, steps, 0, saved);
            double fd = (up - dn) / (2 * hh);
            double g = Get(grad, steps);
            n++;
            if (g != 0) nonzero++;
            if (nd)
            {
                
                continue;
            }
            double tol = isFloat ? 2e-2 : rtol;
            if (!(Math.Abs(g - fd) <= tol * Math.Max(Math.Abs(g), Math.Abs(fd)) + (isFloat ? 1e-3 : 1e-8)))
            { bad++; msgs.Add($"{p}: gradient {g:G10} vs FD {fd:G10}"); }
        }
        Failures += bad > 0 ? 1 : 0;
        Console.WriteLine($"[{(bad == 0 ? "OK " : "BAD")}] {name}: {n} leaves, {nonzero} nonzero, value {v0:G8}");
        foreach (var m in msgs.Take(12)) Console.WriteLine("      " + m);
        if (msgs.Count > 12) Console.WriteLine($"      ... {msgs.Count - 12} more");
    }

    public static void Fill(object model, int seed, double scale = 0.5)
    {
        var r = new Random(seed);
        var leaves = new List<(string, List<Step>, bool, bool)>();
        Walk(model, new List<Step>(), "", false, leaves, 0);
        foreach (var (p, steps, nd, _) in leaves) if (!nd) model = Set(model, steps, 0, scale * (2 * r.NextDouble() - 1));
    }
    public static object FillBoxed(object model, int seed, double scale = 0.5)
    {
        var r = new Random(seed);
        var leaves = new List<(string, List<Step>, bool, bool)>();
        Walk(model, new List<Step>(), "", false, leaves, 0);
        foreach (var (p, steps, nd, _) in leaves) if (!nd) model = Set(model, steps, 0, scale * (2 * r.NextDouble() - 1));
        return model;
    }
}
public static class FDX
{
    public static Dictionary<string, (double v, bool nd)> Snapshot(object model)
    {
        var t = typeof(FD);
        var leavesType = typeof(List<>).MakeGenericType(typeof(ValueTuple<,,,>).MakeGenericType(typeof(string), typeof(List<>).MakeGenericType(t.GetNestedType("Step", BindingFlags.NonPublic)!), typeof(bool), typeof(bool)));
        var leaves = (System.Collections.IList)Activator.CreateInstance(leavesType)!;
        var walk = t.GetMethod("Walk", BindingFlags.NonPublic | BindingFlags.Static)!;
        var stepList = Activator.CreateInstance(typeof(List<>).MakeGenericType(t.GetNestedType("Step", BindingFlags.NonPublic)!));
        walk.Invoke(null, new object?[] { model, stepList, "", false, leaves, 0 });
        var get = t.GetMethod("Get", BindingFlags.NonPublic | BindingFlags.Static)!;
        var d = new Dictionary<string, (double, bool)>();
        foreach (var l in leaves)
        {
            var tup = (System.Runtime.CompilerServices.ITuple)l!;
            d[(string)tup[0]!] = ((double)get.Invoke(null, new[] { model, tup[1] })!, (bool)tup[2]!);
        }
        return d;
    }
}
