using System.CommandLine;

namespace GpuDqn.Cli;

/// <summary>The <c>gpudqn</c> command line: one verb per file in this folder.</summary>
public static class Cli
{
    public static RootCommand Build()
    {
        var root = new RootCommand("GpuDqn: Deep Q-Learning on GPU (CUDA/OpenCL via ILGPU) and a fast CPU backend");
        root.Subcommands.Add(DevicesCommand.Build());
        root.Subcommands.Add(SelfTestCommand.Build());
        root.Subcommands.Add(TrainCommand.Build());
        root.Subcommands.Add(EvalCommand.Build());
        return root;
    }

    /// <summary>Runs a command line; bad input prints one line naming the problem and returns non-zero.</summary>
    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        var config = new InvocationConfiguration { Output = output ?? Console.Out, Error = error ?? Console.Error, EnableDefaultExceptionHandler = false };
        var parse = Build().Parse(args);
        try
        {
            return parse.Invoke(config);
        }
        catch (UserError e)
        {
            config.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        catch (InsufficientMemoryException e)
        {
            // A run that does not fit the device (the memory plan, before anything is allocated).
            config.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
    }
}

/// <summary>Bad input from the user: printed as one line, exit code 2, no stack trace.</summary>
public sealed class UserError(string message) : Exception(message);
