using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GpuDqn.Checkpoints;

/// <summary>One named float32 tensor of a safetensors file.</summary>
public sealed record NamedTensor(string Name, int[] Shape, float[] Data);

/// <summary>Thrown for a checkpoint that is missing, truncated, foreign or does not match the model.</summary>
public sealed class CheckpointException(string message) : Exception(message);

/// <summary>
/// The safetensors format (what PyTorch's <c>safetensors.torch.load_file</c> reads): an 8-byte
/// little-endian header length, a JSON header mapping each name to dtype, shape and byte
/// offsets (plus optional string "__metadata__"), then the raw little-endian data.
/// Only F32 tensors are written and read here.
/// </summary>
public static class SafeTensors
{
    public static void Save(string path, IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        if (metadata is not null && metadata.Count > 0)
        {
            var meta = new JsonObject();
            foreach (var (k, v) in metadata) meta[k] = v;
            header["__metadata__"] = meta;
        }
        long offset = 0;
        foreach (var t in tensors)
        {
            if (t.Data.LongLength != Engine.Shape.Count(t.Shape))
                throw new ArgumentException($"tensor '{t.Name}' has {t.Data.Length} values but shape {Engine.Shape.Format(t.Shape)}");
            long bytes = t.Data.LongLength * 4;
            header[t.Name] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = new JsonArray(t.Shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes),
            };
            offset += bytes;
        }
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int pad = (8 - json.Length % 8) % 8;   // keep the data 8-byte aligned, padded with spaces as the spec allows
        AtomicFile.Write(path, s =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)(json.Length + pad));
            s.Write(len);
            s.Write(json);
            for (int i = 0; i < pad; i++) s.WriteByte((byte)' ');
            foreach (var t in tensors) s.Write(MemoryMarshal.AsBytes(t.Data.AsSpan()));
        });
    }

    public static (List<NamedTensor> Tensors, Dictionary<string, string> Metadata) Load(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException($"checkpoint file '{path}' does not exist");
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8) throw new CheckpointException($"'{path}' is not a safetensors file: only {bytes.Length} bytes");
        ulong headerLen = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLen > (ulong)(bytes.Length - 8))
            throw new CheckpointException($"'{path}' is truncated or not a safetensors file: header of {headerLen} bytes, file of {bytes.Length}");
        JsonObject header;
        try
        {
            header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, (int)headerLen))?.AsObject()
                ?? throw new CheckpointException($"'{path}' has an empty safetensors header");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or DecoderFallbackException)
        {
            throw new CheckpointException($"'{path}' is not a safetensors file: header is not JSON ({e.Message})");
        }
        long dataStart = 8 + (long)headerLen, dataLen = bytes.Length - dataStart;
        var meta = new Dictionary<string, string>();
        var tensors = new List<NamedTensor>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
            {
                foreach (var (k, v) in node!.AsObject()) meta[k] = v?.GetValue<string>() ?? "";
                continue;
            }
            try
            {
                var o = node!.AsObject();
                string dtype = o["dtype"]!.GetValue<string>();
                if (dtype != "F32") throw new CheckpointException($"'{path}': tensor '{name}' has dtype {dtype}; only F32 is supported");
                int[] shape = o["shape"]!.AsArray().Select(x => x!.GetValue<int>()).ToArray();
                var offs = o["data_offsets"]!.AsArray();
                long begin = offs[0]!.GetValue<long>(), end = offs[1]!.GetValue<long>();
                long count = Engine.Shape.Count(shape);
                if (begin < 0 || end > dataLen || end - begin != count * 4)
                    throw new CheckpointException($"'{path}' is truncated or corrupt: tensor '{name}' {Engine.Shape.Format(shape)} needs bytes [{begin}, {end}) of {dataLen}");
                var data = new float[count];
                MemoryMarshal.Cast<byte, float>(bytes.AsSpan((int)(dataStart + begin), (int)(count * 4))).CopyTo(data);
                tensors.Add(new NamedTensor(name, shape, data));
            }
            catch (Exception e) when (e is not CheckpointException)
            {
                throw new CheckpointException($"'{path}': malformed entry for tensor '{name}' ({e.Message})");
            }
        }
        return (tensors, meta);
    }
}
