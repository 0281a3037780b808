namespace RepAlign.Core.Specs;

/// <summary>Where ONNX Runtime executes a model.</summary>
public enum Device
{
    /// <summary>ONNX Runtime's CPU provider.</summary>
    Cpu,
    /// <summary>ONNX Runtime's CUDA provider (CUDA 13 and cuDNN 9 libraries required); never falls back to the CPU.</summary>
    Cuda,
}
