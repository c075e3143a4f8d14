//! `chartdesk bench` (placeholder, filled below).
#[derive(clap::Args, Debug)]
pub struct BenchArgs {}
pub fn run(_a: &BenchArgs) -> anyhow::Result<()> {
    Ok(())
}
pub fn first_screen(_p: &std::path::Path) -> anyhow::Result<()> {
    Ok(())
}
