//! `chartdesk mpi propose | apply-proposal | reject-proposal`: the MPI review proposals of
//! DOMAIN §1 on the command line, as in the TUI's MPI screen. Technicians and supervisors
//! propose a merge (keeping a chosen record) or a keep-apart with a reason; only a supervisor
//! applies or rejects a proposal. Each is one audited transaction in `crate::mpi::queue`.

use anyhow::{Result, bail};
use clap::Args;

use crate::mpi::queue::{self, Decision};
use crate::store::Store;

#[derive(Args, Debug)]
pub struct ProposeArgs {
    /// The MPI queue item (`chartdesk mpi queue`)
    pub item: i64,
    /// Propose merging the pair
    #[arg(long, conflicts_with = "keep_apart")]
    pub merge: bool,
    /// The MRN proposed to stay [default: the first record of the pair]
    #[arg(long, requires = "merge")]
    pub survivor: Option<String>,
    /// Propose keeping the two records apart (needs --reason)
    #[arg(long)]
    pub keep_apart: bool,
    #[arg(long)]
    pub reason: Option<String>,
    #[arg(long = "as", value_name = "USER")]
    pub as_user: Option<String>,
}

#[derive(Args, Debug)]
pub struct ApplyProposalArgs {
    /// The MPI queue item whose proposal is applied (supervisor)
    pub item: i64,
    #[arg(long = "as", value_name = "USER")]
    pub as_user: Option<String>,
}

#[derive(Args, Debug)]
pub struct RejectProposalArgs {
    /// The MPI queue item whose proposal is rejected (supervisor); the item stays open
    pub item: i64,
    #[arg(long)]
    pub reason: String,
    #[arg(long = "as", value_name = "USER")]
    pub as_user: Option<String>,
}

pub fn propose(store: &mut Store, a: ProposeArgs) -> Result<()> {
    let actor = super::session::actor(store, a.as_user.as_deref(), "mpi")?;
    let decision = match (a.merge, a.keep_apart) {
        (true, false) => Decision::Merge {
            survivor: match a.survivor {
                Some(mrn) => Some(
                    crate::mpi::merge::patient_with_mrn(store.conn(), &mrn)?.ok_or_else(|| {
                        anyhow::anyhow!(
                            "--survivor: no patient with MRN {}",
                            crate::text::sanitize_line(&mrn)
                        )
                    })?,
                ),
                None => None,
            },
        },
        (false, true) => Decision::KeepApart {
            reason: a.reason.unwrap_or_default(),
        },
        _ => bail!("say --merge [--survivor MRN] or --keep-apart --reason TEXT"),
    };
    println!("{}", queue::propose(store, &actor, a.item, decision)?);
    Ok(())
}

pub fn apply(store: &mut Store, a: ApplyProposalArgs) -> Result<()> {
    let actor = super::session::actor(store, a.as_user.as_deref(), "mpi")?;
    println!("{}", queue::apply_proposal(store, &actor, a.item)?);
    Ok(())
}

pub fn reject(store: &mut Store, a: RejectProposalArgs) -> Result<()> {
    let actor = super::session::actor(store, a.as_user.as_deref(), "mpi")?;
    println!(
        "{}",
        queue::reject_proposal(store, &actor, a.item, &a.reason)?
    );
    Ok(())
}
