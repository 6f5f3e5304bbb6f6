using System.CommandLine;
using GpuDqn.Engine;

namespace GpuDqn.Cli;

/// <summary><c>gpudqn devices</c>: every device present, and which one <c>auto</c> picks.</summary>
public static class DevicesCommand
{
    public static Command Build()
    {
        var cmd = new Command("devices", "List the compute devices present and the one 'auto' picks");
        cmd.SetAction(parse =>
        {
            var o = parse.InvocationConfiguration.Output;
            var list = Device.List();
            string auto = Device.AutoId(list);
            o.WriteLine($"{"id",-12} {"kind",-10} {"memory",10} {"parallelism",12}  name");
            foreach (var d in list)
                o.WriteLine($"{d.Id,-12} {d.Kind.Id(),-10} {FormatBytes(d.MemoryBytes),10} {d.Parallelism,12}  {d.Name}{(d.Id == auto ? "   <- auto" : "")}");
            o.WriteLine($"auto = {auto}");
            return 0;
        });
        return cmd;
    }

    public static string FormatBytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):F1} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):F1} MiB",
        _ => $"{bytes} B",
    };
}
