using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DiffGen.Generator.Tests;

/// <summary>
/// Code as it looks while being typed: every test program and sample, truncated at many positions,
/// with tokens deleted, identifiers misspelled and statements half-typed. The generator must never
/// throw (CS8785 would drop all generated code) and never report an internal failure (DG0010) for what
/// is only incomplete code.
/// </summary>
public class HostileInputTests
{
    private const int PerKind = 12;

    public static IEnumerable<object[]> Sources() =>
        Directory.GetFiles(Path.Combine(RepositoryRoot(), "tests", "DiffGen.Tests", "Programs"), "*.cs")
            .Concat(Directory.GetFiles(Path.Combine(RepositoryRoot(), "samples", "DiffGen.Samples", "Tutorials"), "*.cs"))
            .Append(Path.Combine(RepositoryRoot(), "src", "DiffGen", "Functions.cs"))
            .Select(path => new object[] { Path.GetRelativePath(RepositoryRoot(), path) })
            .OrderBy(row => (string)row[0], StringComparer.Ordinal);

    [Theory]
    [MemberData(nameof(Sources))]
    public void MutatedSourcesNeverBreakTheGenerator(string file)
    {
        var source = File.ReadAllText(Path.Combine(RepositoryRoot(), file));
        var mutations = Mutations(source, new Random(file.Length)).ToList();
        Assert.Equal(4 * PerKind, mutations.Count);
        foreach (var (kind, variant) in mutations)
        {
            var (result, _) = GeneratorHarness.Run(variant);
            Assert.True(result.Exception is null, $"{kind}: {result.Exception}");
            Assert.DoesNotContain(result.Diagnostics, d => d.Id == "DG0010");
        }
    }

    [Fact]
    public void EverySampleAndTestProgramIsMutated() =>
        Assert.True(Sources().Count() >= 14, string.Join(", ", Sources().Select(s => s[0])));

    /// <summary>Truncations, deleted tokens, misspelled identifiers and half-typed statements, PerKind of each.</summary>
    private static IEnumerable<(string Kind, string Source)> Mutations(string source, Random random)
    {
        var root = CSharpSyntaxTree.ParseText(source).GetRoot();
        var tokens = root.DescendantTokens().Where(t => t.Span.Length > 0).ToList();
        var identifiers = tokens.Where(t => t.IsKind(SyntaxKind.IdentifierToken)).ToList();
        var statements = root.DescendantNodes().Where(n => n is StatementSyntax and not BlockSyntax or ArrowExpressionClauseSyntax).ToList();

        for (var i = 1; i <= PerKind; i++)
        {
            var cut = tokens[tokens.Count * i / (PerKind + 1)].Span.End;
            yield return ("truncated at " + cut, source[..cut]);
        }

        for (var i = 0; i < PerKind; i++)
        {
            var token = tokens[random.Next(tokens.Count)];
            yield return ("deleted '" + token.Text + "' at " + token.SpanStart, source.Remove(token.SpanStart, token.Span.Length));
        }

        for (var i = 0; i < PerKind && identifiers.Count > 0; i++)
        {
            var identifier = identifiers[random.Next(identifiers.Count)];
            var misspelled = identifier.Text.Length > 1 ? identifier.Text[1..] + identifier.Text[0] : identifier.Text + "x";
            yield return ("misspelled '" + identifier.Text + "' at " + identifier.SpanStart, source.Remove(identifier.SpanStart, identifier.Span.Length).Insert(identifier.SpanStart, misspelled));
        }

        for (var i = 0; i < PerKind && statements.Count > 0; i++)
        {
            // Half a statement (or expression body), as while typing it: cut after a random token, the rest of the file kept.
            var statement = statements[random.Next(statements.Count)];
            var inside = statement.DescendantTokens().ToList();
            var keep = inside[random.Next(inside.Count)].Span.End;
            yield return ("half-typed statement at " + statement.SpanStart, source.Remove(keep, statement.Span.End - keep));
        }
    }

    private static string RepositoryRoot([CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", ".."));
}
