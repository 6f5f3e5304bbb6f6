using System.Reflection;
using GpuDqn.Engine;

namespace GpuDqn.SelfTest;

/// <summary>
/// One check of one op at one shape: runs the op on a device over fresh random inputs made
/// from <c>seed</c>, runs a plain float64 reference on the host, and returns the max relative
/// error (see <see cref="Reference.MaxRelError"/>). <c>gpudqn selftest</c> and the xunit
/// suite run the same cases.
/// </summary>
public sealed record OpCase(string Op, string Shape, Func<Device, int, double> Run, double Tolerance = 1e-4)
{
    public string Key => $"{Op} {Shape}";
}

/// <summary>Implemented once per op, beside its kernel (kernels/&lt;Op&gt;/&lt;Op&gt;Check.cs).</summary>
public interface IOpChecks
{
    IEnumerable<OpCase> Cases();
}

public sealed record SelfTestRow(string Op, string Shape, double MaxRelError, double Tolerance, int Seed, string? Error)
{
    public bool Passed => Error is null && MaxRelError <= Tolerance;
}

public static class OpChecks
{
    /// <summary>Every case of every <see cref="IOpChecks"/> in this assembly, in a stable order.</summary>
    public static IReadOnlyList<OpCase> All { get; } = typeof(OpChecks).Assembly.GetTypes()
        .Where(t => typeof(IOpChecks).IsAssignableFrom(t) && !t.IsAbstract && !t.IsInterface)
        .OrderBy(t => t.FullName, StringComparer.Ordinal)
        .SelectMany(t => ((IOpChecks)Activator.CreateInstance(t, nonPublic: true)!).Cases())
        .ToList();

    public static OpCase Find(string key) =>
        All.FirstOrDefault(c => c.Key == key) ?? throw new KeyNotFoundException($"no op check '{key}'");

    public static SelfTestRow Run(OpCase c, Device device, int seed)
    {
        try
        {
            double err = c.Run(device, seed);
            return new SelfTestRow(c.Op, c.Shape, err, c.Tolerance, seed, double.IsFinite(err) ? null : "non-finite result");
        }
        catch (Exception e)
        {
            return new SelfTestRow(c.Op, c.Shape, double.NaN, c.Tolerance, seed, e.GetType().Name + ": " + e.Message);
        }
    }
}

/// <summary>Helpers for float64 references: random inputs and the error measure.</summary>
public static class Reference
{
    /// <summary>Uniform values in [-scale, scale): never all zeros, rarely exactly zero.</summary>
    public static float[] Uniform(Random rng, long n, float scale = 1f)
    {
        var a = new float[n];
        for (long i = 0; i < n; i++) a[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        return a;
    }

    public static double[] ToDouble(ReadOnlySpan<float> a)
    {
        var d = new double[a.Length];
        for (int i = 0; i < a.Length; i++) d[i] = a[i];
        return d;
    }

    /// <summary>
    /// max_i |got_i - want_i| / max(max_j |want_j|, floor): the error relative to the output's
    /// scale, which stays meaningful where single outputs cancel to near zero. A caller whose
    /// outputs can all be tiny (an optimizer step) passes the scale below which errors count absolutely.
    /// </summary>
    public static double MaxRelError(ReadOnlySpan<float> got, ReadOnlySpan<double> want, double floor = 1e-12)
    {
        if (got.Length != want.Length) throw new ArgumentException($"compared {got.Length} values with {want.Length}");
        double scale = floor, maxErr = 0;
        foreach (double w in want) scale = Math.Max(scale, Math.Abs(w));
        for (int i = 0; i < got.Length; i++)
        {
            double e = Math.Abs(got[i] - want[i]);
            if (double.IsNaN(e)) return double.NaN;
            maxErr = Math.Max(maxErr, e);
        }
        return maxErr / scale;
    }

    /// <summary>The exact comparison for integer outputs: 0 when equal, 1 when any differs.</summary>
    public static double Mismatch<T>(ReadOnlySpan<T> got, ReadOnlySpan<T> want) where T : IEquatable<T> =>
        got.SequenceEqual(want) ? 0 : 1;
}
