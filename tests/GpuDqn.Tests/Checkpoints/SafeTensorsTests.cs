using GpuDqn.Checkpoints;
using Xunit;

namespace GpuDqn.Tests.Checkpoints;

public class SafeTensorsTests
{
    private static string TempPath() => Path.Combine(Path.GetTempPath(), "gpudqn-st-" + Guid.NewGuid().ToString("N") + ".safetensors");

    [Fact]
    public void Round_trips_names_shapes_values_and_metadata()
    {
        string path = TempPath();
        var rng = new Random(5);
        var a = new NamedTensor("0.weight", [3, 5], Enumerable.Range(0, 15).Select(_ => (float)rng.NextDouble()).ToArray());
        var b = new NamedTensor("0.bias", [3], [1.5f, -2f, 3.25f]);
        SafeTensors.Save(path, [a, b], new Dictionary<string, string> { ["env"] = "CartPole-v1" });
        var (tensors, meta) = SafeTensors.Load(path);
        Assert.Equal("CartPole-v1", meta["env"]);
        var byName = tensors.ToDictionary(t => t.Name);
        Assert.Equal(a.Shape, byName["0.weight"].Shape);
        Assert.Equal(a.Data, byName["0.weight"].Data);
        Assert.Equal(b.Data, byName["0.bias"].Data);
        // Header length prefix, then JSON, then data 8-byte aligned: what PyTorch's loader expects.
        var bytes = File.ReadAllBytes(path);
        ulong headerLen = BitConverter.ToUInt64(bytes, 0);
        Assert.Equal(0UL, headerLen % 8);
        Assert.Equal('{', (char)bytes[8]);
        Assert.Equal(8 + (long)headerLen + 18 * 4, bytes.LongLength);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}*.tmp"));
        File.Delete(path);
    }

    [Fact]
    public void Truncated_file_is_named()
    {
        string path = TempPath();
        SafeTensors.Save(path, [new NamedTensor("w", [100], new float[100])]);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^40]);
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Load(path));
        Assert.Contains("truncated", e.Message);
        Assert.Contains("'w'", e.Message);
        File.Delete(path);
    }

    [Fact]
    public void Foreign_file_is_named()
    {
        string path = TempPath();
        File.WriteAllText(path, "this is not a checkpoint at all, just text");
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Load(path));
        Assert.Contains("not a safetensors file", e.Message);
        File.Delete(path);
    }

    [Fact]
    public void A_failed_write_leaves_the_old_file_and_no_temporary()
    {
        string path = TempPath();
        SafeTensors.Save(path, [new NamedTensor("w", [2], [1f, 2f])]);
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s => { s.WriteByte(1); throw new InvalidOperationException("disk full"); }));
        Assert.Equal([1f, 2f], SafeTensors.Load(path).Tensors[0].Data);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}*.tmp"));
        File.Delete(path);
    }
}
