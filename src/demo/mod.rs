//! TEMPORARY stub matching the generator API (replaced by the demo branch).
use crate::CoreError;
use crate::audit::Actor;
use crate::domain::Role;
use crate::store::Store;

pub struct GenSpec {
    pub seed: u64,
    pub encounters: usize,
    pub today: chrono::NaiveDate,
}
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GenSummary {
    pub providers: usize,
    pub patients: usize,
    pub encounters: usize,
    pub documents: usize,
}
pub const DEMO_USERS: &[(&str, Role, &str, &str)] =
    &[("tech", Role::Technician, "tech-demo-1", "Tess Tech")];
pub fn generate(
    _store: &mut Store,
    _actor: &Actor,
    _spec: &GenSpec,
) -> Result<GenSummary, CoreError> {
    Ok(GenSummary {
        providers: 0,
        patients: 0,
        encounters: 0,
        documents: 0,
    })
}
pub fn create_demo_users(store: &mut Store, actor: &Actor) -> Result<(), CoreError> {
    for (u, r, p, f) in DEMO_USERS {
        crate::accounts::add_user(store, actor, u, f, *r, p)?;
    }
    Ok(())
}
