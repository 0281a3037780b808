using RepAlign.Core.Specs;
using RepAlign.Inference;
using RepAlign.Inference.Bulk;

namespace RepAlign.Tests.Inference.Bulk;

public class ExecutionPlanTests
{
    private static BulkExtractRequest Request(Device device, int batch = 1024, int workers = 2, bool fixedBatch = false) => new()
    {
        Inference = new InferenceOptions { Device = device, Threads = 1 },
        BatchSize = batch,
        Workers = workers,
        FixedBatch = fixedBatch,
    };

    [Fact]
    public void Cpu_runs_workers_side_by_side_with_a_session_per_checkpoint_and_outputs_in_place()
    {
        var plan = ExecutionPlan.For(Request(Device.Cpu, batch: 2048, workers: 2), images: 845);
        Assert.Equal((2, 845, false, false), (plan.Workers, plan.BatchSize, plan.ReuseSessions, plan.StageOutputs));
        // The CPU never asks a GPU for memory, and its batch does not grow.
        Assert.Same(plan, plan.SizedFor(1594, () => throw new InvalidOperationException("asked for GPU memory on the CPU"), 845));
        Assert.Equal(3, ExecutionPlan.For(Request(Device.Cpu, workers: 8), images: 3).Workers); // at most one worker per image
    }

    [Fact]
    public void Cuda_runs_one_reused_session_with_staged_outputs_and_a_batch_sized_for_the_gpu()
    {
        var plan = ExecutionPlan.For(Request(Device.Cuda, batch: 2048, workers: 16), images: 845);
        Assert.Equal((1, true, true), (plan.Workers, plan.ReuseSessions, plan.StageOutputs));
        // 845 images of 784 + 4 × 200 + 10 floats fit an H200 (≈ 140 GB free) many times over: one run per checkpoint.
        Assert.Equal(845, plan.SizedFor(1594, () => 140_000_000_000, 845).BatchSize);
        Assert.Equal(60_000, ExecutionPlan.For(Request(Device.Cuda), 60_000).SizedFor(1594, () => 140_000_000_000, 60_000).BatchSize);
    }

    [Fact]
    public void The_cuda_batch_fills_a_quarter_of_the_free_memory_within_its_bounds()
    {
        const long row = 1000; // floats per row: 16 kB per row at 16 bytes per float
        Assert.Equal(1562, ExecutionPlan.CudaBatch(1_000_000, 1, row, 100_000_000)); // 100 MB free: 25 MB / 16 kB
        Assert.Equal(4096, ExecutionPlan.CudaBatch(1_000_000, 4096, row, 100_000_000)); // never below the requested batch
        Assert.Equal(ExecutionPlan.MaxCudaBatch, ExecutionPlan.CudaBatch(1_000_000, 1, row, 1L << 50)); // bounded for pinned host memory
        Assert.Equal(700, ExecutionPlan.CudaBatch(700, 1, row, 1L << 40)); // never more than the images
        var assumed = ExecutionPlan.CudaBatch(1_000_000, 1, row, null); // the CUDA runtime could not be asked: 1 GiB
        Assert.Equal((long)(ExecutionPlan.AssumedFreeBytes * ExecutionPlan.CudaMemoryShare) / (row * ExecutionPlan.CudaBytesPerValue), assumed);
    }

    [Fact]
    public void A_fixed_batch_graph_keeps_its_batch_and_requests_can_choose_the_cuda_plan_on_the_cpu()
    {
        var fixedPlan = ExecutionPlan.For(Request(Device.Cuda, batch: 8, fixedBatch: true), images: 845);
        Assert.Equal(8, fixedPlan.SizedFor(1594, () => 140_000_000_000, 845).BatchSize);
        var forced = ExecutionPlan.For(Request(Device.Cpu) with { ReuseSessions = true, StageOutputs = true }, images: 100);
        Assert.Equal((2, true, true), (forced.Workers, forced.ReuseSessions, forced.StageOutputs));
        Assert.Contains("sessions reused", forced.Describe(new InferenceOptions(), "host staging"));
        Assert.Contains("a session per checkpoint", ExecutionPlan.For(Request(Device.Cpu), 100).Describe(new InferenceOptions(), "host staging"));
    }
}
