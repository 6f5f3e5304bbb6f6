using System.CommandLine;
using GpuDqn.Training;

namespace GpuDqn.Cli;

/// <summary><c>gpudqn train</c>: trains an agent and writes a run directory.</summary>
public static class TrainCommand
{
    public static Command Build()
    {
        var cmd = new Command("train", "Train a DQN agent (every knob is a flag; see also --config and --preset)");
        var options = new ConfigOptions(cmd);
        cmd.SetAction(parse =>
        {
            var cfg = options.Resolve(parse);
            using var device = Devices.Open(cfg.Device);
            var output = parse.InvocationConfiguration.Output;
            try
            {
                new Trainer(cfg, output).Run(device);
            }
            catch (ArgumentException e) { throw new UserError(e.Message); }
            catch (TrainingDivergedException e) { throw new UserError(e.Message); }
            // The run directory or a file in it cannot be written (a path that is a file, no permission, a full disk).
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UserError(e.Message); }
            return 0;
        });
        return cmd;
    }
}
