//! TEMPORARY stub matching the TUI API (replaced by the tui branch).
pub struct TuiOptions {
    pub demo_credentials: Vec<(String, String, String)>,
}
pub fn run(_store: crate::store::Store, _opts: TuiOptions) -> anyhow::Result<()> {
    Ok(())
}
pub fn key_table() -> Vec<(String, String, String)> {
    Vec::new()
}
pub fn draw_first_screens(
    _store: &crate::store::Store,
    mark: &mut dyn FnMut(&str),
) -> anyhow::Result<()> {
    mark("login");
    mark("home");
    Ok(())
}
