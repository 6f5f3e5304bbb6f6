using System.CommandLine;
using GpuDqn.Engine;
using GpuDqn.SelfTest;

namespace GpuDqn.Cli;

/// <summary>
/// <c>gpudqn selftest --device D</c>: every op check against its float64 host reference on
/// device D, as a table. How a user verifies a GPU (no .NET SDK or test runner needed).
/// </summary>
public static class SelfTestCommand
{
    public static Command Build()
    {
        var device = new Option<string>("--device") { Description = "device id (auto, cpu, ilgpu-cpu, cuda, opencl)", DefaultValueFactory = _ => "auto" };
        var filter = new Option<string?>("--filter") { Description = "only ops whose name contains this text" };
        var seed = new Option<int>("--seed") { Description = "seed of the random inputs", DefaultValueFactory = _ => Environment.TickCount & 0x7fffffff };
        var cmd = new Command("selftest", "Check every op on a device against a float64 reference") { device, filter, seed };
        cmd.SetAction(parse =>
        {
            var o = parse.InvocationConfiguration.Output;
            using var dev = Devices.Open(parse.GetValue(device)!);
            string? f = parse.GetValue(filter);
            int s = parse.GetValue(seed);
            var cases = OpChecks.All.Where(c => f is null || c.Op.Contains(f, StringComparison.OrdinalIgnoreCase)).ToList();
            if (cases.Count == 0) throw new UserError($"no op matches --filter '{f}'");
            o.WriteLine($"selftest on {dev.Id}: {dev.Name}, seed {s}");
            o.WriteLine($"{"op",-22} {"shape",-40} {"max rel err",12} {"tol",8}  result");
            int failed = 0;
            foreach (var c in cases)
            {
                var row = OpChecks.Run(c, dev, s);
                if (!row.Passed) failed++;
                o.WriteLine($"{row.Op,-22} {row.Shape,-40} {row.MaxRelError,12:E2} {row.Tolerance,8:E0}  {(row.Passed ? "pass" : "FAIL " + row.Error)}");
            }
            o.WriteLine($"{cases.Count - failed} passed, {failed} failed");
            return failed == 0 ? 0 : 1;
        });
        return cmd;
    }
}

internal static class Devices
{
    /// <summary>Opens a device, turning an unknown or absent one into a one-line user error.</summary>
    public static Device Open(string id)
    {
        try { return Device.Create(id); }
        catch (DeviceNotFoundException e) { throw new UserError(e.Message); }
        catch (ArgumentException e) { throw new UserError(e.Message); }
    }
}
