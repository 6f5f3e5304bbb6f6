using BenchmarkDotNet.Running;
using GpuDqn.Bench;

// `-- updates [device] [filter]`: the DQN update workloads of the PyTorch anchor, in its output format.
// Anything else goes to BenchmarkDotNet, which finds every [Benchmark] class in this project:
// `dotnet run -c Release --project bench/GpuDqn.Bench -- --filter '*Gemm*'`.
if (args.Length > 0 && args[0] == "updates")
{
    UpdateThroughput.Run(args.Length > 1 ? args[1] : "cpu", args.Length > 2 ? args[2] : "");
    return;
}
// `-- serve [device] [filter]`: the same workloads, n updates at a time on request (bench/anchors/interleaved.py).
if (args.Length > 0 && args[0] == "serve")
{
    UpdateThroughput.Serve(args.Length > 1 ? args[1] : "cpu", args.Length > 2 ? args[2] : "");
    return;
}
// `-- alternate <switch> [filter] [rounds]`: the update with a host path on and off in alternating blocks, one process.
if (args.Length > 0 && args[0] == "alternate")
{
    UpdateThroughput.Alternate(args.Length > 1 ? args[1] : "", args.Length > 2 ? args[2] : "", args.Length > 3 ? int.Parse(args[3]) : 20);
    return;
}
// `-- conv [device] [batch] [parts]`: the conv2d workloads of bench/anchors/conv_anchor.py, in its output format
// (parts: the backward's dw, db and dx timed apart as well).
if (args.Length > 0 && args[0] == "conv")
{
    ConvThroughput.Run(args.Length > 1 ? args[1] : "cpu", args.Length > 2 ? int.Parse(args[2]) : 32, parts: args.Contains("parts"));
    return;
}
// `-- cartpole [device] [seeds]`: learning results of V-DQN, T-DQN and D-DQN over several seeds.
if (args.Length > 0 && args[0] == "cartpole")
{
    CartPoleSeeds.Run(args.Length > 1 ? args[1] : "cpu", args.Length > 2 ? int.Parse(args[2]) : 5);
    return;
}
// `-- gemm [device]`: the update's and batch-1 acting's GEMM shapes, stopwatch-timed.
if (args.Length > 0 && args[0] == "gemm")
{
    GemmThroughput.Run(args.Length > 1 ? args[1] : "cpu");
    return;
}
// `-- envs [device] [seconds]`: MinAtar env steps/s at 1, 64 and 4,096 environments, stopwatch-timed.
if (args.Length > 0 && args[0] == "envs")
{
    EnvThroughput.Run(args.Length > 1 ? args[1] : "cpu", args.Length > 2 ? double.Parse(args[2]) : 2.0);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
