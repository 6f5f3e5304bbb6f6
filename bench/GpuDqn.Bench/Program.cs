using BenchmarkDotNet.Running;

// Every [Benchmark] class in this project is found here: `dotnet run -c Release --project bench/GpuDqn.Bench -- --filter '*Gemm*'`.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
