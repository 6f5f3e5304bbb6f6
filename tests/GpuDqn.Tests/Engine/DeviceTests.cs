using GpuDqn.Engine;
using Xunit;

namespace GpuDqn.Tests.Engine;

public class DeviceTests
{
    [Fact]
    public void Unknown_device_names_the_bad_id_and_the_choices()
    {
        var e = Assert.Throws<DeviceNotFoundException>(() => Device.Create("tpu"));
        Assert.Contains("'tpu'", e.Message);
        Assert.Contains("ilgpu-cpu", e.Message);
    }

    [Fact]
    public void Absent_gpu_lists_the_present_devices()
    {
        if (TestDevices.Ids.Contains("cuda:7")) return;
        var e = Assert.Throws<DeviceNotFoundException>(() => Device.Create("cuda:7"));
        Assert.Contains("present devices", e.Message);
        Assert.Contains("cpu", e.Message);
    }

    [Fact]
    public void List_has_both_host_devices_and_auto_resolves_to_a_present_one()
    {
        var list = Device.List();
        Assert.Contains(list, d => d.Id == "cpu");
        Assert.Contains(list, d => d.Id == "ilgpu-cpu");
        Assert.Contains(list, d => d.Id == Device.AutoId(list));
    }

    [Theory]
    [ClassData(typeof(PresentDevices))]
    public void Upload_download_round_trips_views_and_slices(string id)
    {
        var device = TestDevices.Get(id);
        var data = Enumerable.Range(0, 24).Select(i => i * 1.5f - 7f).ToArray();
        var t = device.FromArray(data, 2, 3, 4);
        Assert.Equal(data, t.ToArray());
        var rows = t.Reshape(6, -1).Rows(2, 3);
        Assert.Equal(new[] { 3, 4 }, rows.Shape);
        Assert.Equal(data[8..20], rows.ToArray());
        var copy = device.Zeros<float>(3, 4);
        rows.CopyTo(copy);
        Assert.Equal(data[8..20], copy.ToArray());
        Assert.Throws<ArgumentException>(() => t.Reshape(5, 5));
    }
}
