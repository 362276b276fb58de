using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/DiffGen.Benchmarks -- --filter '*'   (add --job short for a quick run)
BenchmarkSwitcher.FromAssembly(typeof(DiffGen.Benchmarks.TwoLayerBenchmarks).Assembly).Run(args);
