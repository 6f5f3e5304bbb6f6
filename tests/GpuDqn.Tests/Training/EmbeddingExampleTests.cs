using GpuDqn.Examples;
using Xunit;

namespace GpuDqn.Tests.Training;

/// <summary>README's "Embedding" example compiles (it is part of this project), trains, and is
/// the code README shows.</summary>
public class EmbeddingExampleTests
{
    [Fact]
    public void Readme_example_learns_the_corridor()
    {
        var eval = CorridorExample.Train("cpu");
        // The greedy policy walks right to the goal: return 1 in 5 steps, every episode.
        Assert.Equal(1.0, eval.MeanReturn);
        Assert.Equal(5.0, eval.MeanLength);
    }

    [Fact]
    public void Readme_shows_the_example_as_it_is_compiled()
    {
        string root = FindRoot();
        string example = File.ReadAllText(Path.Combine(root, "examples", "Embedding", "CorridorExample.cs")).ReplaceLineEndings("\n").Trim();
        string readme = File.ReadAllText(Path.Combine(root, "README.md")).ReplaceLineEndings("\n");
        Assert.Contains(example, readme);
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GpuDqn.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("GpuDqn.sln not found above the test binaries");
    }
}
