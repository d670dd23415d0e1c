//! The `ork` binary: everything it does lives in the library; see `ork::cli`.
//!
//! Memory comes from jemalloc with background threads: pages freed by large
//! objects that came and went are purged back to the kernel within seconds,
//! where glibc's malloc kept them in per-thread arenas (`ork bench churn`).

#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() {
    std::process::exit(ork::cli::run());
}
