using System;
using System.Collections.Generic;
using System.IO;
using ScottPlot;

namespace DiffGen.Samples.Support;

/// <summary>One named curve of a <see cref="LinePlot"/>: y against x = 1, 2, 3, … unless given.</summary>
public sealed record Series(string Label, IReadOnlyList<double> Y, IReadOnlyList<double>? X = null);

/// <summary>Writes line charts as PNG files with ScottPlot: loss curves, gradient magnitudes by layer.</summary>
public static class LinePlot
{
    /// <summary>
    /// Draws <paramref name="series"/> on one chart and saves it to <paramref name="path"/>, creating the
    /// folder. With <paramref name="logY"/> the y axis is logarithmic (values ≤ 0 or not finite are left out).
    /// </summary>
    public static string Save(string path, string title, string xLabel, string yLabel, IEnumerable<Series> series, bool logY = false)
    {
        var plot = new Plot();
        foreach (var curve in series)
        {
            var xs = new List<double>();
            var ys = new List<double>();
            for (var i = 0; i < curve.Y.Count; i++)
            {
                var y = curve.Y[i];
                if (!double.IsFinite(y) || (logY && y <= 0))
                {
                    continue;
                }

                xs.Add(curve.X?[i] ?? i + 1);
                ys.Add(logY ? Math.Log10(y) : y);
            }

            var scatter = plot.Add.Scatter(xs.ToArray(), ys.ToArray());
            scatter.LegendText = curve.Label;
            scatter.MarkerSize = xs.Count > 60 ? 0 : 4;
            scatter.LineWidth = 2;
        }

        if (logY)
        {
            // ScottPlot draws linear axes: plot log10(y) and label the ticks as powers of ten.
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                LabelFormatter = value => $"1e{value:0.#}",
                MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                IntegerTicksOnly = true,
            };
        }

        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(Edge.Right);

        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        plot.SavePng(full, 900, 540);
        return full;
    }

    /// <summary>Shortens <paramref name="path"/> to be relative to the working directory when it lies below it.</summary>
    public static string Display(string path)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
    }
}
