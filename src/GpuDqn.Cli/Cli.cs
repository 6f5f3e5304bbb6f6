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
        if (parse.Errors.Count > 0)
        {
            // System.CommandLine would print every error and the whole help text, and return 1.
            string verb = parse.CommandResult.Command is RootCommand ? "" : " " + parse.CommandResult.Command.Name;
            string problems = string.Join("; ", parse.Errors.Select(e => Readable(e.Message).TrimEnd('.')).Distinct());
            config.Error.WriteLine($"error: {problems} (gpudqn{verb} --help lists the options)");
            return 2;
        }
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

    /// <summary>.NET type names in a parse error ("System.Nullable`1[System.Int64]") as a user reads them.</summary>
    private static string Readable(string message) => System.Text.RegularExpressions.Regex.Replace(
        message, @"as expected type '(?:System\.Nullable`1\[)?(?:\w+\.)*(\w+)\]?'", m => m.Groups[1].Value switch
        {
            "Int32" or "Int64" => "as an integer",
            "Single" or "Double" => "as a number",
            "Boolean" => "as true or false",
            var t => "as a value of " + t,
        }).ReplaceLineEndings(" ").Trim();
}

/// <summary>Bad input from the user: printed as one line, exit code 2, no stack trace.</summary>
public sealed class UserError(string message) : Exception(message);
