using GpuDqn.Cli;

return Cli.Run(args);
