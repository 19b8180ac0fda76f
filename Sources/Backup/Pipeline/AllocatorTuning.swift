#if canImport(Glibc)
import Glibc
#endif

/// Keeps glibc from returning the pipeline's freed buffers to the kernel after every chunk.
///
/// A backup allocates and frees 64 KiB buffers per chunk (pipe reads, sealed age chunks) and 8 MiB S3 parts.
/// With glibc's defaults the freed top of the heap is trimmed as soon as it passes 128 KiB and every part
/// is a fresh mmap, so each chunk is faulted in again: measured on 1 GB through `backup run`, 527k page
/// faults and 4.3 s of CPU, against 2k faults and 2.5 s with these settings (peak RSS unchanged, 40 MB;
/// Benchmarks/RESULTS-backup.md). Process-wide, applied once when a backup pipeline first runs.
enum AllocatorTuning {
    /// Freed heap kept for reuse before trimming: a few parts' worth.
    static let trimThreshold: Int32 = 32 << 20
    /// Allocations served from the heap rather than mmap: above the 8 MiB S3 part size.
    static let mmapThreshold: Int32 = 16 << 20

    /// `M_TRIM_THRESHOLD` and `M_MMAP_THRESHOLD` from glibc's malloc.h, which Swift's Glibc module leaves out.
    static let trimThresholdOption: Int32 = -1
    static let mmapThresholdOption: Int32 = -3

    /// Applies the settings (idempotent); a no-op where glibc's `mallopt` is absent (musl, macOS).
    static let apply: Void = {
        #if canImport(Glibc)
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        // RTLD_DEFAULT (a null handle): look the symbol up in the process's global scope.
        guard let symbol = dlsym(nil, "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        _ = mallopt(trimThresholdOption, trimThreshold)
        _ = mallopt(mmapThresholdOption, mmapThreshold)
        #endif
    }()
}
