// mimalloc: the import and batch-analysis paths allocate many small strings and SQLite's
// in-memory statement journals; glibc malloc was ~14 % of batch analysis in the profile.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    chartdesk::cli::main()
}
