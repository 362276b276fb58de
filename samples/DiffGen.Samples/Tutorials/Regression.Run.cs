using System;
using System.Diagnostics;
using DiffGen.Samples.Support;
using Spectre.Console;

namespace DiffGen.Samples.Tutorials;

public static partial class Regression
{
    /// <summary>The main job: trains with a live progress bar, then prints the losses and where the files are.</summary>
    public static void Run(Options? options = null)
    {
        options ??= new Options();
        AnsiConsole.MarkupLine("[bold]Three-layer ReLU regression[/]: y = sin(3·x₁)·x₂ + noise, " +
            $"{options.Samples} samples ({options.ValidationFraction:P0} held out), a 2-{options.Hidden}-{options.Hidden2}-1 network written as a class (RegressionNet), " +
            $"Adam {options.LearningRate} with {options.WarmupEpochs} warm-up epochs then cosine decay, " +
            $"clipping at global norm {options.MaxGradientNorm}, batches of {options.BatchSize} " +
            $"cut into shards of {options.ShardSize} computed in parallel ({(options.Threads == -1 ? Environment.ProcessorCount : options.Threads)} threads)");

        var watch = Stopwatch.StartNew();
        Result? result = null;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("starting", maxValue: options.Epochs);
                var last = (Train: double.NaN, Validation: double.NaN);
                var batches = 0;
                double recent = 0;
                result = Train(
                    options,
                    onBatch: (epoch, loss) =>
                    {
                        // A smoothed training loss, so the bar shows the loss falling within an epoch too.
                        recent = batches++ == 0 ? loss : 0.95 * recent + 0.05 * loss;
                        if (batches % 10 == 0)
                        {
                            task.Description = $"epoch {epoch,3}/{options.Epochs}  loss {recent:F5}  val {last.Validation:F5}";
                        }
                    },
                    onEpoch: report =>
                    {
                        last = (report.TrainLoss, report.ValidationLoss);
                        task.Description = $"epoch {report.Epoch,3}/{options.Epochs}  loss {report.TrainLoss:F5}  val {report.ValidationLoss:F5}";
                        task.Increment(1);
                    });
            });

        var table = new Table().AddColumns("epoch", "training loss", "validation loss", "learning rate", "clipped batches");
        foreach (var report in result!.Epochs)
        {
            if (report.Epoch == 1 || report.Epoch % 10 == 0 || report.Epoch == options.Epochs)
            {
                table.AddRow($"{report.Epoch}", $"{report.TrainLoss:F6}", $"{report.ValidationLoss:F6}", $"{report.LearningRate:E2}", $"{report.ClippedBatches}");
            }
        }

        AnsiConsole.Write(table);
        var final = result.Epochs[^1];
        AnsiConsole.MarkupLine($"Final: training loss [green]{final.TrainLoss:F6}[/], validation loss [green]{final.ValidationLoss:F6}[/] " +
            $"(the noise alone gives 0.0025), in {watch.Elapsed.TotalSeconds:F1} s");
        var parallelism = result.Parallelism;
        AnsiConsole.MarkupLine($"Data-parallel: {parallelism.ShardsPerBatch} shards of {parallelism.ShardSize} per batch of {options.BatchSize} " +
            $"(DataParallel, fixed shards added in order), on up to {parallelism.MaxThreads} threads; " +
            $"{parallelism.MeanThreadsUsed:F2} threads ran shards per batch on average");
        AnsiConsole.MarkupLine($"Checkpoint: [blue]{Markup.Escape(LinePlot.Display(result.CheckpointPath))}[/] (parameters by member path; reloaded: validation loss {result.ReloadedValidationLoss:F6})");
        AnsiConsole.MarkupLine($"Resumed from the epoch-{result.ResumedFromEpoch} checkpoint in a fresh model: final parameters " +
            (result.ResumedBitIdentical ? "[green]bit-identical[/] to the uninterrupted run" : "[red]differ[/] from the uninterrupted run"));
        AnsiConsole.MarkupLine($"Loss curve: [blue]{Markup.Escape(LinePlot.Display(result.PlotPath))}[/]");
    }
}
